"""Instructor commands: ``python -m graders <command>``.

``python -m graders generate [CHAPTER ...]``
    regenerate ``notebooks/`` from ``solutions/`` with nbgrader (all chapters by default).
``python -m graders generate --check``
    regenerate into a temporary directory and list what is out of date (exit code 1 if any).
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
    args = parser.parse_args(argv)

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
