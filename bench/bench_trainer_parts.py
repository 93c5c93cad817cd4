"""Benchmark: the parts of one mini-batch step of the reference trainer against the hand-written loop's.

Where ``bench_trainer.py`` times whole epochs, this times each part of a batch (forward, loss,
backward, update, the epoch's gradient sum that ``History.grad_norms`` reports) for the
reference trainer's inner steps and the hand-written numpy loop of ``bench_trainer.py``, batch
by batch, interleaved (the same batch for both, one after the other, each first in turn), to tell where a
difference between the two comes from. Figures are medians over the passes, in microseconds
per batch.

    python bench/bench_trainer_parts.py --problem 784-256-10 --dtype float32
"""
from __future__ import annotations

import os

if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from bench_trainer import BATCH, LR, loop_backward_update, loop_forward, loop_loss  # noqa: E402
from environment import blas_line  # noqa: E402

from course.reference.fast_steps import fast_steps, packed_steps  # noqa: E402
from course.reference.losses import mse_loss, softmax_cross_entropy  # noqa: E402
from course.reference.mlp import MLP  # noqa: E402

OURS = ("forward", "loss", "backward", "update", "gradient sum")
LOOP = ("loop forward", "loop loss", "loop backward + update")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", choices=["784-256-10", "2-64-64-1"], default="784-256-10")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--passes", type=int, default=8, help="passes over the data (median printed)")
    args = parser.parse_args()
    print(blas_line())
    dtype = np.dtype(args.dtype).type
    rng = np.random.default_rng(0)
    if args.problem == "784-256-10":
        T, sizes, act, out_act, loss_fn = 6000, [784, 256, 10], "relu", None, softmax_cross_entropy
        X0, y = rng.uniform(0, 1, (784, T)).astype(dtype), rng.integers(0, 10, T)
        Y = np.zeros((10, T), dtype=dtype)
        Y[y, np.arange(T)] = 1
    else:
        T, sizes, act, out_act, loss_fn = 2000, [2, 64, 64, 1], "tanh", "sigmoid", mse_loss
        X0 = rng.uniform(-1, 1, (2, T)).astype(dtype)
        y = Y = (X0[1] > 0.5 * np.sin(3 * X0[0])).astype(dtype).reshape(1, -1)
    net = MLP(sizes, activation=act, output_activation=out_act, rng=np.random.default_rng(0), dtype=dtype)
    params = net.parameters()
    forward, _, loss, X, Yt = fast_steps(net, loss_fn, X0, y, params)
    backward, theta, grad = packed_steps(net, params)
    sums = np.zeros_like(theta)
    Ws = [layer.W.copy() for layer in net.layers[::2]]
    bs = [layer.b.copy() for layer in net.layers[::2]]
    clock = time.perf_counter
    times: dict[str, list[float]] = {k: [] for k in OURS + LOOP}
    n_batches = T // BATCH
    def ours_step(b, acc):
        nonlocal theta, sums
        t0 = clock()
        Y_hat = forward(X[:, b])
        t1 = clock()
        C, d = loss(Y_hat, Yt[..., b])
        t2 = clock()
        backward(d)
        t3 = clock()
        theta -= LR * grad
        t4 = clock()
        sums += grad
        t5 = clock()
        for key, dt in zip(OURS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            acc[key] += dt

    def loop_step(b, acc):  # the hand-written loop of bench_trainer.py
        t0 = clock()
        acts, zs = loop_forward(Ws, bs, X[:, b], act, out_act)
        t1 = clock()
        _, dz = loop_loss(acts[-1], Y[:, b], loss_fn)
        t2 = clock()
        loop_backward_update(Ws, bs, acts, zs, dz, act)
        t3 = clock()
        for key, dt in zip(LOOP, (t1 - t0, t2 - t1, t3 - t2)):
            acc[key] += dt

    for p in range(args.passes):
        order = np.random.default_rng(p).permutation(T)
        acc = dict.fromkeys(times, 0.0)
        for i, s in enumerate(range(0, n_batches * BATCH, BATCH)):
            b = order[s:s + BATCH]
            # the same batch for both, each first in turn (the second finds the batch's inputs in cache)
            for step in ((ours_step, loop_step) if i % 2 == 0 else (loop_step, ours_step)):
                step(b, acc)
        for key in times:
            times[key].append(acc[key] / n_batches)
    print(f"{args.problem} {args.dtype}, batch {BATCH}, {n_batches} batches x {args.passes} passes; "
          "microseconds per batch (median over the passes)")
    for key in OURS + LOOP:
        print(f"  {key:<24} {statistics.median(times[key]) * 1e6:9.1f}")
    ours = [sum(times[k][i] for k in OURS) for i in range(args.passes)]
    loop = [sum(times[k][i] for k in LOOP) for i in range(args.passes)]
    print(f"  {'ours, total':<24} {statistics.median(ours) * 1e6:9.1f}")
    print(f"  {'loop, total':<24} {statistics.median(loop) * 1e6:9.1f}")
    print(f"  ours / loop: {statistics.median([a / b for a, b in zip(ours, loop)]):.3f} (median of the passes' ratios)")


if __name__ == "__main__":
    main()
