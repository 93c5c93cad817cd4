"""``python -m graders grade <chapter> <submissions> [--jobs N] [--out DIR] ...``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graders.grade.seeds import state_dir

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``grade`` sub-command."""
    p = commands.add_parser("grade", help="grade a class's submissions of one chapter in the sandbox")
    p.add_argument("chapter", help="chapter folder, e.g. ch01_chain_rule")
    p.add_argument("submissions", type=Path,
                   help="folder of <student>.ipynb, nbgrader submitted/ folder, or LMS .zip")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: <state dir>/grading/<chapter>, outside the repository)")
    p.add_argument("--gradebook", action="store_true",
                   help="also write the scores into the nbgrader gradebook (formgrader, nbgrader export)")
    p.add_argument("--no-namespaces", action="store_true",
                   help="grade even where Linux namespaces are unavailable (weaker isolation; every "
                        "report says so)")


def run(args: argparse.Namespace) -> int:
    """Run ``grade``; 0 unless the grader itself is broken."""
    from graders.grade.batch import grade_class
    out = args.out or state_dir() / "grading" / args.chapter
    try:
        run_ = grade_class(args.chapter, args.submissions, out, jobs=args.jobs, progress=sys.stderr,
                           require_namespaces=not args.no_namespaces)
    except (FileNotFoundError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"error: the sandbox is not available ({exc})", file=sys.stderr)
        return 1
    print(run_.summary)
    print(f"wrote {out / 'grades.csv'}, {out / 'report.html'}, {out / 'feedback'}/, {out / 'grade.log'}")
    if run_.results and all(r.status == "no-isolation" for r in run_.results):
        print("error: nothing was graded: this machine cannot make Linux namespaces (see `python -m "
              "graders doctor`); pass --no-namespaces to grade with the weaker layers", file=sys.stderr)
        return 1
    broken = [r.student for r in run_.results if r.status == "grader error"]
    if args.gradebook:
        from graders.grade.gradebook import write_gradebook
        try:
            n = write_gradebook(args.chapter, run_.results)
        except Exception as exc:  # noqa: BLE001 - report; the grades.csv is already written
            print(f"error: could not write the gradebook: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        print(f"gradebook: wrote {n} students' scores")
    if broken:
        print(f"error: the grader failed on {len(broken)} submission(s): {', '.join(broken[:10])} "
              f"(see {out / 'grade.log'})", file=sys.stderr)
        return 1
    return 0
