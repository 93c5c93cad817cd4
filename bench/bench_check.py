"""How long a learner waits for ``check`` and what ``grade`` costs, for every exercise.

Prints, per exercise: seconds for ``check`` (public + answer-free cases) with the reference and
with its first named bug, and for ``grade`` (public + answer-free + hidden cases) with the
reference. The design goal is that ``check`` answers in well under a second.

Run: ``python bench/bench_check.py [--repeat N]``
"""
from __future__ import annotations

import argparse
import time

from course.checking import run_spec
from course.exercises import all_specs


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args()
    print(f"{'exercise':34s} {'check ref':>10s} {'check bug':>10s} {'grade ref':>10s}   (seconds, best of {args.repeat})")
    worst = 0.0
    for spec in all_specs():
        ref = best_of(args.repeat, lambda: run_spec(spec, spec.reference, enforce_forbidden=False))
        bug = best_of(args.repeat, lambda: run_spec(spec, spec.bugs[0].impl, enforce_forbidden=False))
        graded = best_of(args.repeat, lambda: run_spec(spec, spec.reference, mode="grade", enforce_forbidden=False))
        worst = max(worst, ref, bug)
        print(f"{spec.name:34s} {ref:10.4f} {bug:10.4f} {graded:10.4f}")
    print(f"slowest check: {worst:.4f} s")


if __name__ == "__main__":
    main()
