"""Time per epoch: the notes' per-sample loop vs vectorised mini-batches.

Run from the repository root::

    python bench/bench_training.py            # a few epochs of each
    python bench/bench_training.py --repeat 5 # more repetitions, steadier figures
    python bench/bench_training.py --blas-threads 2   # let OpenBLAS use 2 threads

BLAS runs single-threaded by default here (``--blas-threads 1`` sets
``OPENBLAS_NUM_THREADS`` and friends before numpy is imported): on the 2-core
project machine a multi-threaded OpenBLAS made a 64x64 @ 64x2000 product 10-20
times slower and the figures erratic.

Two problems, both with synthetic data made here (seeded, nothing loaded):

* ``2-64-64-1``: 2000 points in the plane, tanh hidden layers, sigmoid output, MSE;
* ``64-64-10``: digits-sized, 1797 examples of 64 features, 10 classes, tanh
  hidden layer, softmax cross-entropy.

For each it prints the median seconds per epoch of ``train_per_sample`` (one
column at a time, as in the notes) and of ``train_minibatch`` with batch sizes
32 and the whole set, and the speed-up over the per-sample loop. Both do the same
arithmetic; the difference is Python overhead per example against a few large matrix
products (the inputs are checked once, at the start). ``bench/bench_trainer.py`` compares
``train_minibatch`` with a hand-written numpy loop and PyTorch.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _blas_threads_from_argv(argv: list[str]) -> str:
    """Read --blas-threads before numpy is imported (BLAS reads the variables once, at load)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--blas-threads", default="1")
    known, _ = parser.parse_known_args(argv)
    return str(known.blas_threads)


if __name__ == "__main__":
    for _var in _THREAD_VARS:
        os.environ[_var] = _blas_threads_from_argv(sys.argv[1:])

import numpy as np  # noqa: E402  (after the thread settings)

from course.reference.losses import mse_loss, softmax_cross_entropy  # noqa: E402
from course.reference.mlp import MLP  # noqa: E402
from course.reference.training import train_minibatch, train_per_sample  # noqa: E402


def make_plane_problem(rng: np.random.Generator, m: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """m points in [-1, 1]^2 labelled by a wavy boundary; Y is (1, m) 0/1."""
    X = rng.uniform(-1.0, 1.0, size=(2, m))
    Y = (X[1] > 0.5 * np.sin(3.0 * X[0])).astype(float).reshape(1, m)
    return X, Y


def make_digits_sized_problem(rng: np.random.Generator, m: int = 1797) -> tuple[np.ndarray, np.ndarray]:
    """m examples of 64 features in 0..16 around 10 random class prototypes; y is (m,) labels."""
    prototypes = rng.uniform(0.0, 16.0, size=(64, 10))
    y = rng.integers(0, 10, size=m)
    X = np.clip(prototypes[:, y] + rng.normal(0.0, 3.0, size=(64, m)), 0.0, 16.0) / 16.0
    return X, y


def seconds_per_epoch(train, make_model, epochs: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        model = make_model()
        start = time.perf_counter()
        train(model, epochs)
        times.append((time.perf_counter() - start) / epochs)
    return statistics.median(times)


def bench(name: str, sizes: list[int], X, Y, loss, output_activation, *, epochs: int, repeat: int) -> None:
    def make_model() -> MLP:
        return MLP(sizes, activation="tanh", output_activation=output_activation, rng=np.random.default_rng(0))

    T = X.shape[1]
    rows = [
        ("train_per_sample", lambda m, e: train_per_sample(m, X, Y, loss=loss, lr=0.1, epochs=e), max(1, epochs // 5)),
        (
            "train_minibatch, batch 32",
            lambda m, e: train_minibatch(
                m, X, Y, loss=loss, lr=0.1, epochs=e, batch_size=32, rng=np.random.default_rng(1)
            ),
            epochs,
        ),
        (
            f"train_minibatch, batch {T}",
            lambda m, e: train_minibatch(m, X, Y, loss=loss, lr=0.1, epochs=e, batch_size=T, shuffle=False),
            epochs * 5,
        ),
    ]
    print(f"\n{name}: MLP{sizes}, {T} examples")
    print(f"  {'method':<30} {'s/epoch':>10} {'speed-up':>9}")
    base = None
    for label, train, n_epochs in rows:
        t = seconds_per_epoch(train, make_model, n_epochs, repeat)
        base = base or t
        print(f"  {label:<30} {t:>10.4f} {base / t:>8.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs per timing for batch size 32 (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="timings per figure; the median is shown (default 3)")
    parser.add_argument("--blas-threads", default="1", help="BLAS threads (default 1; see the module docstring)")
    args = parser.parse_args()
    print(
        f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}"
    )
    rng = np.random.default_rng(0)
    X, Y = make_plane_problem(rng)
    bench("plane", [2, 64, 64, 1], X, Y, mse_loss, "sigmoid", epochs=args.epochs, repeat=args.repeat)
    X, y = make_digits_sized_problem(rng)
    bench("digits-sized", [64, 64, 10], X, y, softmax_cross_entropy, None, epochs=args.epochs, repeat=args.repeat)


if __name__ == "__main__":
    main()
