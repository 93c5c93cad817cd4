"""grades.csv and the summary table printed at the end of a run.

``grades.csv`` has one row per submission, columns
``student, <exercise>..., total, max, status, seconds, sha256, grader_version`` (scores written
with ``repr``-exact 6-decimal rounding, so a regrade writes the same numbers).
"""
from __future__ import annotations

import csv
import io
import statistics

from graders.grade.runner import StudentResult

__all__ = ["grades_csv", "summary_table", "COLUMNS_AFTER"]

COLUMNS_AFTER = ["total", "max", "status", "seconds", "sha256", "grader_version"]


def _fmt(x: float) -> str:
    return f"{round(float(x), 6):g}"


def grades_csv(results: list[StudentResult], exercises: list[str], grader_version: str) -> str:
    """The CSV text, rows sorted by student id."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", *exercises, *COLUMNS_AFTER])
    for r in sorted(results, key=lambda r: r.student):
        scores = {e.exercise: e.score for e in r.exercises}
        w.writerow([r.student, *(_fmt(scores.get(ex, 0.0)) for ex in exercises), _fmt(r.total), _fmt(r.max),
                    r.status, f"{r.seconds:.3f}", r.sha256, grader_version])
    return buf.getvalue()


def summary_table(results: list[StudentResult], exercises: list[str], wall: float) -> str:
    """A plain-text table: per exercise mean / full / zero, then statuses and timing."""
    lines = [f"{'exercise':<36} {'mean':>6} {'full':>5} {'zero':>5}"]
    for ex in exercises:
        got = [e for r in results for e in r.exercises if e.exercise == ex]
        mean = statistics.fmean(e.score / e.points for e in got) if got else 0.0
        lines.append(f"{ex:<36} {mean:>6.0%} {sum(e.score >= e.points for e in got):>5} "
                     f"{sum(e.score == 0 for e in got):>5}")
    totals = [r.total / r.max for r in results if r.max]
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    lines.append("")
    lines.append(f"{len(results)} submissions, mean total {statistics.fmean(totals) if totals else 0:.0%}; "
                 + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    secs = sorted(r.seconds for r in results)
    if secs:
        p50 = secs[len(secs) // 2]
        p95 = secs[min(len(secs) - 1, int(0.95 * len(secs)))]
        lines.append(f"{wall:.1f} s wall, {60 * len(results) / wall if wall else 0:.0f} submissions/minute, "
                     f"p50 {p50:.2f} s, p95 {p95:.2f} s per submission")
    return "\n".join(lines)
