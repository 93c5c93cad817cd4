"""Instructor commands: ``python -m graders <command>``.

``python -m graders generate [CHAPTER ...]``
    regenerate ``notebooks/`` from ``solutions/`` with nbgrader (all chapters by default).
``python -m graders generate --check``
    regenerate into a temporary directory and list what is out of date (exit code 1 if any).
``python -m graders release <chapter|all>``
    regenerate ``notebooks/``, then refuse (exit 1) unless the solution scores 100 %, the untouched
    learner notebook scores 0 without an error output, and nothing of the solutions leaked.
``python -m graders grade <chapter> <submissions> [--jobs N] [--out DIR] [--gradebook]``
    grade a class in the sandbox: grades.csv, feedback per student, a class report, a run log.
``python -m graders doctor``
    report which isolation layers of the sandbox work on this machine.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graders import generate as gen

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m graders", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p_gen = commands.add_parser("generate", help="regenerate notebooks/ from solutions/ (nbgrader)")
    p_gen.add_argument("chapters", nargs="*", help="chapter folders, e.g. ch01_chain_rule (default: all)")
    p_gen.add_argument("--check", action="store_true",
                       help="do not write; exit 1 if notebooks/ is out of date with solutions/")
    from graders import release as rel
    from graders.grade import cli as grade_cli
    rel.add_parser(commands)
    grade_cli.add_parser(commands)
    commands.add_parser("doctor", help="which isolation layers of the sandbox work on this machine")
    args, rest = parser.parse_known_args(argv)
    if args.command != "doctor" and rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "release":
        return rel.run(args)
    if args.command == "grade":
        return grade_cli.run(args)
    if args.command == "doctor":
        try:
            from graders.sandbox.doctor import main as doctor_main
        except ImportError as exc:
            print(f"error: the sandbox is not available ({exc})", file=sys.stderr)
            return 1
        return int(doctor_main(rest))

    if args.command == "generate":
        if args.check:
            diffs = gen.outdated()
            for line in diffs:
                print(line)
            print("notebooks/ is out of date: run `python -m graders generate`" if diffs
                  else "notebooks/ is up to date with solutions/")
            return 1 if diffs else 0
        try:
            written = gen.generate(args.chapters or None)
        except (ValueError, gen.GenerateError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for path in written:
            print(f"generated {Path(path).relative_to(gen.REPO_ROOT)}")
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
