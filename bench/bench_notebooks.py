"""How long Run All takes: every chapter's solution and untouched learner notebook, top to bottom.

The course's goal is that each notebook runs offline in seconds (issue 10: under 30 s each for
chapters 4 and 5). Prints, per notebook, the median wall time of executing all its cells in a
running kernel (kernel start-up, ~1 s, is not counted and is printed apart), the slowest cells,
and the error outputs seen (an untouched learner notebook must have none).

Run: ``python bench/bench_notebooks.py [--repeats N] [--chapter ch05]``
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run_once(path: Path) -> tuple[float, float, list[tuple[float, int]], int]:
    """``(start-up s, Run All s, [(cell s, cell index)], error outputs)`` for one execution."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    cells, errors = [], 0
    with client.setup_kernel():
        started = time.perf_counter()
        for i, cell in enumerate(nb.cells):
            t = time.perf_counter()
            try:
                client.execute_cell(cell, i)
            except Exception:  # noqa: BLE001 - an error output is counted, the run goes on
                pass
            cells.append((time.perf_counter() - t, i))
            errors += sum(o.get("output_type") == "error" for o in cell.get("outputs", ()))
        total = time.perf_counter() - started
    return started - t0, total, cells, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="median of N runs (default 3)")
    parser.add_argument("--chapter", default="", help="only notebooks whose folder starts with this")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} at start, "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"{'notebook':62s} {'Run All s':>9s} {'min':>6s} {'max':>6s} {'start s':>7s} {'errors':>6s}  slowest cells")
    for tree in ("solutions", "notebooks"):
        for path in sorted((ROOT / tree).glob(f"{args.chapter}*/*.ipynb")):
            runs = [run_once(path) for _ in range(args.repeats)]
            totals = [r[1] for r in runs]
            slow = sorted(runs[-1][2], reverse=True)[:3]
            cells = ", ".join(f"#{i} {t:.1f}" for t, i in slow)
            print(f"{str(path.relative_to(ROOT)):62s} {statistics.median(totals):9.1f} {min(totals):6.1f} "
                  f"{max(totals):6.1f} {statistics.median(r[0] for r in runs):7.1f} {runs[-1][3]:6d}  {cells}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
