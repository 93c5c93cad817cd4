"""Time and peak memory of the scalar engine (course.reference.autodiff): forward + backward.

Graphs:
  chain 1e4 / 1e5   x -> tanh -> tanh -> ... (n nodes in all)
  random DAG 1e4    +, *, tanh, sigmoid, max on random earlier nodes (fan-out
                    everywhere), every node reachable from the root

Run:  .venv/bin/python bench/bench_autodiff.py

Times are the best of --repeat runs without tracing; peak memory is measured in
a separate run under tracemalloc (which slows Python down), for the graph built
and backpropagated, relative to the memory in use before building it.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from course.reference.autodiff import Value, topological_order


def chain(n_nodes: int) -> Value:
    root = Value(0.5, "x")
    for _ in range(n_nodes - 1):
        root = root.tanh()
    return root


def random_dag(n_nodes: int, rng: np.random.Generator) -> Value:
    """About ``n_nodes`` nodes; the root is the sum of every node nothing else uses."""
    nodes = [Value(float(v)) for v in rng.normal(size=10)]
    unused = dict.fromkeys(nodes)          # insertion-ordered set
    picks = iter(rng.integers(0, 1 << 30, size=(n_nodes, 3)))
    while len(nodes) + len(unused) < n_nodes:
        op, i, j = next(picks)
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        new = [a + b, a * b, a.tanh(), a.sigmoid(), a.max(b)][op % 5]
        for parent in new._prev:
            unused.pop(parent, None)
        unused[new] = None
        nodes.append(new)
    return sum(unused, start=Value(0.0))


def forward_backward(build: Callable[[], Value]) -> tuple[float, float, int]:
    """Seconds for the forward pass (building the graph), for backward(), and the node count."""
    t0 = time.perf_counter()
    root = build()
    t1 = time.perf_counter()
    root.backward()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(topological_order(root))


def peak_bytes(build: Callable[[], Value]) -> int:
    gc.collect()
    tracemalloc.start()
    root = build()
    root.backward()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del root
    gc.collect()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = {
        "chain 1e4": lambda: chain(10_000),
        "chain 1e5": lambda: chain(100_000),
        "random DAG 1e4": lambda: random_dag(10_000, np.random.default_rng(0)),
    }
    print(f"python {sys.version.split()[0]}, recursion limit {sys.getrecursionlimit()}")
    print(f"{'graph':<16}{'nodes':>8}{'forward s':>11}{'backward s':>12}"
          f"{'us/node':>9}{'peak MiB':>10}{'B/node':>8}")
    for name, build in cases.items():
        runs = [forward_backward(build) for _ in range(args.repeat)]
        forward = min(r[0] for r in runs)
        backward = min(r[1] for r in runs)
        nodes = runs[0][2]
        peak = peak_bytes(build)
        print(f"{name:<16}{nodes:>8}{forward:>11.3f}{backward:>12.3f}"
              f"{1e6 * (forward + backward) / nodes:>9.2f}{peak / 2**20:>10.1f}{peak / nodes:>8.0f}")


if __name__ == "__main__":
    main()
