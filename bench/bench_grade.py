"""Class grading throughput: ``python -m graders grade`` vs stock ``nbgrader autograde``.

Generates 200 submissions of one chapter (default ch01_chain_rule): 40 % correct (the solution),
40 % buggy (the chapter's bug zoo, in turn), 20 % broken (malformed JSON, an empty file, a deleted
answer cell, ``os._exit`` in an answer, a missing function, a syntax error). Grades them with the
class grader (sandboxed, ``--jobs 2``) and, in the same run, grades the same submissions with
stock ``nbgrader autograde`` and the course config. The two are interleaved in rounds (class
grader on a round's submissions, then nbgrader on them), so machine load hits both alike.
nbgrader takes ~7-12 s per notebook, so by default it grades an evenly spread sample of each
round (``--nbgrader-share``; 1.0 grades all 200, which takes ~30 min).

Prints submissions per minute and p50/p95 seconds per submission for both, and the ratio.

Run: ``python bench/bench_grade.py [--chapter ch01_chain_rule] [--n 200] [--jobs 2]
[--rounds 2] [--nbgrader-share 0.1]``
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from graders.grade.baseline import nbgrader_autograde
from graders.grade.batch import grade_class
from graders.zoo import entries, submission_json

REPO = Path(__file__).resolve().parent.parent


def _broken(solution: dict, release, k: int) -> bytes:
    slot = release.slots[k % len(release.slots)]
    nb = json.loads(json.dumps(solution))
    cells = nb["cells"]
    idx = next(i for i, c in enumerate(cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == slot.solution_id)
    kind = k % 6
    if kind == 0:
        return json.dumps(nb).encode()[: 4000]                       # truncated JSON
    if kind == 1:
        return b""                                                    # empty file
    if kind == 2:
        del cells[idx]                                                # deleted answer cell
    elif kind == 3:
        cells[idx]["source"] = f"import os\ndef {slot.function}(*args):\n    os._exit(1)\n"
    elif kind == 4:
        cells[idx]["source"] = "pass\n"                               # function missing
    else:
        cells[idx]["source"] = f"def {slot.function}(:\n"             # syntax error
    return json.dumps(nb).encode()


def make_submissions(chapter: str, n: int) -> dict[str, bytes]:
    """``n`` submissions: 40 % correct, 40 % zoo bugs in turn, 20 % broken in turn."""
    release, zoo = entries(chapter)
    solution_path = REPO / "solutions" / chapter / release.path.name
    solution = json.loads(solution_path.read_text())
    out: dict[str, bytes] = {}
    for i in range(n):
        r = i % 5
        if r < 2:
            out[f"s{i:03d}-correct"] = solution_path.read_bytes()
        elif r < 4:
            e = zoo[(i // 5 * 2 + r - 2) % len(zoo)]
            out[f"s{i:03d}-buggy"] = json.dumps(submission_json(solution, release, e)).encode()
        else:
            out[f"s{i:03d}-broken"] = _broken(solution, release, i // 5)
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="ch01_chain_rule")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--nbgrader-share", type=float, default=0.1,
                        help="fraction of each round nbgrader grades too (default 0.1)")
    args = parser.parse_args()
    subs = make_submissions(args.chapter, args.n)
    names = sorted(subs)
    try:
        from graders.sandbox import available_mode
        namespaces = bool(available_mode().namespaces)
    except ImportError:
        namespaces = False
    ours_secs: list[float] = []
    theirs_secs: list[float] = []
    ours_wall = theirs_wall = 0.0
    ours_n = theirs_n = 0
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        os.environ.setdefault("BACKPROP_COURSE_SECRET", "bench")
        for rnd in range(args.rounds):
            chunk = names[rnd::args.rounds]
            folder = Path(tmp) / f"round{rnd}"
            folder.mkdir()
            for s in chunk:
                (folder / f"{s}.ipynb").write_bytes(subs[s])
            start = time.perf_counter()
            run = grade_class(args.chapter, folder, Path(tmp) / f"out{rnd}", jobs=args.jobs,
                              require_namespaces=namespaces)
            ours_wall += time.perf_counter() - start
            ours_n += len(run.results)
            ours_secs += [r.seconds for r in run.results]
            step = max(1, round(1 / args.nbgrader_share)) if args.nbgrader_share > 0 else 0
            sample = chunk[::step] if step else []
            if sample:
                base = nbgrader_autograde(args.chapter, {s: subs[s] for s in sample}, Path(tmp) / f"nbg{rnd}")
                theirs_wall += base.wall
                theirs_n += len(sample)
                theirs_secs += list(base.seconds.values())
            print(f"round {rnd + 1}: class grader {len(chunk)} in {ours_wall:.1f} s so far; "
                  f"nbgrader {theirs_n} in {theirs_wall:.1f} s so far", flush=True)
    kinds = {"correct": 0, "buggy": 0, "broken": 0}
    for s in names:
        kinds[s.split("-")[1]] += 1
    print(f"\n{args.n} submissions of {args.chapter} ({kinds}), {os.cpu_count()} CPUs visible, "
          f"class grader --jobs {args.jobs}, namespaces {'on' if namespaces else 'OFF'}")
    ours_rate = 60 * ours_n / ours_wall
    print(f"{'':24s} {'graded':>7s} {'wall s':>8s} {'subs/min':>9s} {'p50 s':>7s} {'p95 s':>7s}")
    print(f"{'class grader':24s} {ours_n:7d} {ours_wall:8.1f} {ours_rate:9.1f} {pct(ours_secs, .5):7.2f} {pct(ours_secs, .95):7.2f}")
    if theirs_n:
        theirs_rate = 60 * theirs_n / theirs_wall
        print(f"{'nbgrader autograde':24s} {theirs_n:7d} {theirs_wall:8.1f} {theirs_rate:9.1f} "
              f"{pct(theirs_secs, .5):7.2f} {pct(theirs_secs, .95):7.2f}")
        print(f"throughput ratio (class grader / nbgrader): {ours_rate / theirs_rate:.1f}x  (goal >= 10x)")


if __name__ == "__main__":
    main()
