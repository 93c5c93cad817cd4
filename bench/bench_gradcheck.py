"""Benchmark: cost of gradcheck_model on MLPs of about 1k, 10k and 100k parameters.

Prints, per model, function evaluations and seconds for the directional check
(every tensor, mode="directional"), the default mode="auto", and the exhaustive
check (every entry perturbed; skipped above --max-exhaustive parameters, where
its evaluation count is printed as an estimate), then the evaluations and
seconds needed to catch and localise a single wrong entry in the largest
weight matrix.

Run:  .venv/bin/python bench/bench_gradcheck.py [--max-exhaustive 20000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from course.gradcheck import gradcheck_model
from course.reference.losses import softmax_cross_entropy
from course.reference.mlp import MLP

MODELS = {"1k": [20, 40, 5], "10k": [100, 90, 10], "100k": [784, 128, 10]}
BATCH = 32


def timed(fn, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-exhaustive", type=int, default=20_000,
                        help="largest parameter count to check exhaustively (default 20000)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats per timing (best is printed)")
    args = parser.parse_args()

    print(f"gradcheck_model, softmax cross-entropy, batch m = {BATCH}, tanh MLPs; best of {args.repeats}")
    print(f"{'model':>6} {'params':>8} | {'mode':<12} {'evals':>8} {'seconds':>9} | result")
    for label, sizes in MODELS.items():
        rng = np.random.default_rng(0)
        net = MLP(sizes, activation="tanh", rng=rng)
        X = rng.normal(size=(sizes[0], BATCH))
        y = rng.integers(0, sizes[-1], BATCH)
        n_params = sum(p.size for p in net.parameters().values())
        n_out = sizes[-1] * BATCH
        for mode in ("directional", "auto", "exhaustive"):
            if mode == "exhaustive" and n_params > args.max_exhaustive:
                estimate = 2 * (n_params + n_out) + len(net.parameters()) + 1
                print(f"{label:>6} {n_params:>8} | {mode:<12} {'~' + str(estimate):>8} {'skipped':>9} |")
                continue
            r, sec = timed(lambda: gradcheck_model(net, X, y, softmax_cross_entropy, mode=mode,
                                                   rng=np.random.default_rng(1)), args.repeats)
            print(f"{label:>6} {n_params:>8} | {mode:<12} {r.evaluations:>8} {sec:>9.3f} | "
                  f"{'passed' if r else 'FAILED'}")

        # one wrong entry in the first weight matrix
        lin = net.layers[0]
        honest = type(lin).backward
        where = (sizes[1] // 2, sizes[0] // 3)

        def corrupted(dout, lin=lin, honest=honest, where=where):
            dx = honest(lin, dout)
            lin.dW[where] *= 1.5
            return dx

        lin.backward = corrupted
        r, sec = timed(lambda: gradcheck_model(net, X, y, softmax_cross_entropy, rng=np.random.default_rng(1)),
                       args.repeats)
        del lin.backward
        found = [e.index for c in r.checks for e in c.entries]
        print(f"{label:>6} {n_params:>8} | {'localise 1':<12} {r.evaluations:>8} {sec:>9.3f} | "
              f"{'caught' if not r else 'MISSED'} at {found} (planted at {where})")


if __name__ == "__main__":
    main()
