"""The class report: what the class got right and which mistakes to reteach, as one HTML page.

Two figures (matplotlib, embedded as PNG): the distribution of scores per exercise (a histogram of
each exercise's fraction of points) and, per exercise, how many students' outputs matched each of
the spec's named bugs. Below them, a table of exercises (mean score, full marks, zeros, most common
bug) and one of submissions that could not be graded normally.
"""
from __future__ import annotations

import base64
import html
import io
from collections import Counter

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from graders.grade.runner import StudentResult

__all__ = ["class_report_html", "score_figure", "bug_figure"]


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def score_figure(results: list[StudentResult], exercises: list[str]) -> Figure:
    """One small histogram per exercise: the fraction of its points each student earned."""
    n = max(1, len(exercises))
    cols = min(3, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(3.6 * cols, 2.5 * rows))
    bins = np.linspace(0, 1, 11)
    for k, name in enumerate(exercises):
        ax = fig.add_subplot(rows, cols, k + 1)
        fr = [e.score / e.points for r in results for e in r.exercises if e.exercise == name and e.points]
        ax.hist(fr, bins=bins, color="#3b75af", edgecolor="white")
        ax.set_title(f"{name}  (mean {np.mean(fr) if fr else 0:.0%})", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_xlabel("fraction of points", fontsize=8)
        ax.set_ylabel("students", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle("Score distribution per exercise", fontsize=11)
    fig.tight_layout()
    return fig


def _bug_counts(results: list[StudentResult]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for r in results:
        for e in r.exercises:
            for bug in e.bugs:
                counts.setdefault(e.exercise, Counter())[bug] += 1
    return counts


def bug_figure(results: list[StudentResult], exercises: list[str], top: int = 3) -> Figure | None:
    """Horizontal bars: the ``top`` most common named bugs of each exercise (None if no bug seen)."""
    counts = _bug_counts(results)
    rows = [(f"{ex}: {bug}", n) for ex in exercises for bug, n in counts.get(ex, Counter()).most_common(top)]
    if not rows:
        return None
    fig = Figure(figsize=(8, 0.35 * len(rows) + 1.2))
    ax = fig.add_subplot(1, 1, 1)
    labels, values = zip(*rows[::-1])
    order = {ex: k for k, ex in enumerate(exercises)}
    colors = ["#c8553d" if order[label.split(":", 1)[0]] % 2 == 0 else "#e09f3e" for label in labels]
    ax.barh(range(len(rows)), values, color=colors)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_xlabel("students whose output matched the bug")
    ax.set_title("Most common named bugs per exercise (what to reteach)", fontsize=11)
    fig.tight_layout()
    return fig


def class_report_html(results: list[StudentResult], exercises: list[str], chapter: str,
                      grader_version: str) -> str:
    """The whole report page (self-contained)."""
    e_ = html.escape
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e_(chapter)} class report</title>",
           "<style>body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto}"
           "td,th{padding:.2em .8em;text-align:left}</style></head><body>",
           f"<h1>{e_(chapter)}: class report ({len(results)} submissions)</h1>"]
    layers = sorted({layer for r in results for layer in r.isolation})
    if results:
        weak = "" if "net namespace" in layers else " <b>(no namespace isolation: graded with the weaker layers)</b>"
        out.append(f"<p>sandbox layers in force: {e_(', '.join(layers) or 'none reported')}{weak}</p>")
        out.append(f"<img alt='score distribution per exercise' src='data:image/png;base64,{_png(score_figure(results, exercises))}'>")
        bugs = bug_figure(results, exercises)
        if bugs is not None:
            out.append(f"<img alt='most common named bugs' src='data:image/png;base64,{_png(bugs)}'>")
    counts = _bug_counts(results)
    out.append("<h2>Exercises</h2><table><tr><th>exercise</th><th>mean</th><th>full marks</th>"
               "<th>zero</th><th>most common named bug</th></tr>")
    for ex in exercises:
        got = [e for r in results for e in r.exercises if e.exercise == ex]
        mean = np.mean([e.score / e.points for e in got]) if got else 0.0
        full = sum(1 for e in got if e.score >= e.points)
        zero = sum(1 for e in got if e.score == 0)
        common = counts.get(ex, Counter()).most_common(1)
        bug = f"{common[0][0]} ({common[0][1]})" if common else "—"
        out.append(f"<tr><td>{e_(ex)}</td><td>{mean:.0%}</td><td>{full}</td><td>{zero}</td><td>{e_(bug)}</td></tr>")
    out.append("</table>")
    odd = [r for r in results if r.status not in ("ok",)]
    if odd:
        out.append("<h2>Submissions with notes or errors</h2><table><tr><th>student</th><th>status</th><th>messages</th></tr>")
        for r in odd:
            out.append(f"<tr><td>{e_(r.student)}</td><td>{e_(r.status)}</td><td>{e_('; '.join(r.messages)[:400])}</td></tr>")
        out.append("</table>")
    out.append(f"<p>grader {e_(grader_version)}</p></body></html>")
    return "\n".join(out)
