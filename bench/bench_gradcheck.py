"""Benchmark: gradcheck_model against what people would pick instead, side by side.

On 2-layer tanh MLPs (float64, batch m = 32, softmax cross-entropy) of about 1k, 10k and 100k
parameters, each contender is timed in turn within every repeat (interleaved), and the median
of ``--repeats`` (>= 5) is printed with the ratio to ours:

* **default check**: ``gradcheck_model(net, X, y, loss)`` (``mode="auto"``) against
  ``torch.autograd.gradcheck(..., fast_mode=True)`` on the same network written in PyTorch;
* **exhaustive check**: ``mode="exhaustive"`` against a plain numpy central-difference loop
  over every parameter entry (``p[i] += h; loss(net.forward(X)); p[i] -= 2h; ...``, the loop a
  learner writes, on the same model) and ``torch.autograd.gradcheck`` slow mode
  (``--max-exhaustive`` bounds the sizes);
* **bugs caught**: one wrong entry of ``dW`` of the first layer, scaled by 1.5 and by 2 (the
  gradient used by both tools is the same wrong one): does each contender fail?

BLAS and PyTorch run on one thread each (set before numpy is imported); the BLAS backend and
thread counts are printed. Without PyTorch the torch columns are skipped with a line saying so.

Run:  python bench/bench_gradcheck.py [--repeats 5] [--max-exhaustive 12000]
"""
from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from environment import blas_line, load_torch  # noqa: E402

from course.gradcheck import gradcheck_model  # noqa: E402
from course.reference.losses import softmax_cross_entropy  # noqa: E402
from course.reference.mlp import MLP  # noqa: E402

MODELS = {"1k": [20, 48, 5], "10k": [100, 90, 10], "100k": [784, 128, 10]}
BATCH = 32


def make(sizes: list[int]):
    rng = np.random.default_rng(0)
    net = MLP(sizes, activation="tanh", rng=rng)
    for layer in net.layers[::2]:
        layer.b[...] = rng.normal(0.0, 0.1, size=layer.b.shape)
    X = rng.normal(size=(sizes[0], BATCH))
    y = rng.integers(0, sizes[-1], BATCH)
    return net, X, y


def numpy_loop(net, X, y, h: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """The plain central-difference loop over every parameter entry; True if all agree."""
    _, dout = softmax_cross_entropy(net.forward(X), y)
    net.backward(dout)
    analytic = {k: g.copy() for k, g in net.gradients().items()}
    ok = True
    for key, p in net.parameters().items():
        numeric = np.empty_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            lp = softmax_cross_entropy(net.forward(X), y)[0]
            p[i] = old - h
            lm = softmax_cross_entropy(net.forward(X), y)[0]
            p[i] = old
            numeric[i] = (lp - lm) / (2 * h)
        ok &= bool(np.allclose(analytic[key], numeric, rtol=rtol, atol=atol))
    return ok


def torch_check(torch, net, X, y, fast: bool, bug=None) -> bool:
    """torch.autograd.gradcheck on the same network (a planted bug goes into the backward of W1)."""
    W1, b1, W2, b2 = (torch.tensor(p.copy(), requires_grad=True) for p in net.parameters().values())
    Xt, yt = torch.tensor(X), torch.tensor(y)

    class Scaled(torch.autograd.Function):  # identity forward; backward scales one entry of dW1
        @staticmethod
        def forward(ctx, w):
            return w.view_as(w)

        @staticmethod
        def backward(ctx, g):
            g = g.clone()
            if bug is not None:
                g[bug[0]] *= bug[1]
            return g

    def f(W1, b1, W2, b2):
        z = W2 @ torch.tanh(Scaled.apply(W1) @ Xt + b1) + b2
        return torch.nn.functional.cross_entropy(z.T, yt)

    try:
        return bool(torch.autograd.gradcheck(f, (W1, b1, W2, b2), fast_mode=fast, raise_exception=False))
    except Exception:  # noqa: BLE001 - any failure of the tool counts as "not passed"
        return False


def plant(net, where, factor):
    """Make layers[0].backward scale dW[where] by factor; returns an undo function."""
    lin = net.layers[0]
    honest = type(lin).backward

    def corrupted(dout, lin=lin):
        dx = honest(lin, dout)
        lin.dW[where] *= factor
        return dx

    lin.backward = corrupted
    return lambda: delattr(lin, "backward")


def interleaved(contenders: dict, repeats: int) -> dict:
    """Median seconds of each contender, timed in turn within every repeat (and the last result)."""
    times = {k: [] for k in contenders}
    results = {}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {k: (statistics.median(v), results[k]) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats, median printed (>= 5)")
    parser.add_argument("--max-exhaustive", type=int, default=12_000,
                        help="largest parameter count for the exhaustive comparisons (default 12000)")
    args = parser.parse_args()
    torch, torch_line = load_torch()
    print(blas_line())
    print(torch_line)
    print(f"gradcheck_model on 2-layer tanh MLPs, float64, batch {BATCH}, softmax cross-entropy; "
          f"median of {args.repeats} interleaved repeats (seconds); ratio = other / ours")
    print(f"{'model':>5} {'params':>7} | {'check':<11} | {'ours':>8} | {'alternative':<22} {'seconds':>8} "
          f"{'ratio':>6} | verdicts")
    for label, sizes in MODELS.items():
        net, X, y = make(sizes)
        n = sum(p.size for p in net.parameters().values())

        def ours(mode):
            return lambda: bool(gradcheck_model(net, X, y, softmax_cross_entropy, mode=mode,
                                                rng=np.random.default_rng(1)))

        rows = [("default", {"ours": ours("auto")}, "torch fast mode",
                 (lambda: torch_check(torch, net, X, y, True)) if torch else None)]
        if n <= args.max_exhaustive:
            rows.append(("exhaustive", {"ours": ours("exhaustive")}, "numpy loop",
                         lambda: numpy_loop(net, X, y)))
            if torch:
                rows.append(("exhaustive", {"ours": ours("exhaustive")}, "torch slow mode",
                             lambda: torch_check(torch, net, X, y, False)))
        for check, mine, other_name, other in rows:
            contenders = dict(mine)
            if other is not None:
                contenders["other"] = other
            timed = interleaved(contenders, max(args.repeats, 5))
            t_ours, r_ours = timed["ours"]
            if other is None:
                print(f"{label:>5} {n:>7} | {check:<11} | {t_ours:>8.4f} | {other_name + ' (no torch)':<22} "
                      f"{'-':>8} {'-':>6} | ours {'pass' if r_ours else 'FAIL'}")
                continue
            t_other, r_other = timed["other"]
            print(f"{label:>5} {n:>7} | {check:<11} | {t_ours:>8.4f} | {other_name:<22} {t_other:>8.4f} "
                  f"{t_other / t_ours:>6.2f} | ours {'pass' if r_ours else 'FAIL'}, "
                  f"other {'pass' if r_other else 'FAIL'}")
        where = (sizes[1] // 2, sizes[0] // 3)
        for factor in (1.5, 2.0):
            undo = plant(net, where, factor)
            caught = not gradcheck_model(net, X, y, softmax_cross_entropy, rng=np.random.default_rng(1))
            undo()
            other = "-" if torch is None else ("caught" if not torch_check(torch, net, X, y, True, (where, factor))
                                               else "MISSED")
            print(f"{label:>5} {n:>7} | bug dW1{list(where)} x{factor:g}: ours {'caught' if caught else 'MISSED'}, "
                  f"torch fast mode {other}")


if __name__ == "__main__":
    main()
