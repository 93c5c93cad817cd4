"""Per-student feedback, as JSON (for tools) and HTML (for the student).

Per exercise: the score, the passed cases, and for each failed case its category (exception,
shape, nan/inf, dtype, mismatch, check) with a one-line detail and the named likely bug from the
spec. Hidden inputs never appear (hidden cases are "hidden case 3"; an exception raised on a
hidden case shows its type and line, not its message, which could quote the inputs), nor does
any reference code or expected value. Everything the learner's code produced is HTML-escaped.
"""
from __future__ import annotations

import html
import json
import re
from typing import Any

from graders.grade.runner import StudentResult
from graders.grade.score import ExerciseResult, Verdict

__all__ = ["feedback_dict", "feedback_json", "feedback_html"]

_RAISED = re.compile(r"^(?P<head>Your function raised [\w.]+)(?::.*?)?(?P<where> \(line \d+ of [\w<>.]+ in [^()]*\))?$",
                     re.DOTALL)


def _safe_detail(v: Verdict) -> str | None:
    if v.detail is None or v.kind != "hidden" or v.category != "exception":
        return v.detail
    m = _RAISED.match(v.detail)
    return (m["head"] + (m["where"] or "")) if m else "Your function raised an exception"


def _exercise(e: ExerciseResult) -> dict[str, Any]:
    return {
        "exercise": e.exercise, "title": e.title, "points": e.points, "score": round(e.score, 6),
        "status": e.status, "message": e.message,
        "passed": sum(1 for c in e.cases if c.passed), "cases_run": len(e.cases),
        "likely_bugs": e.bugs,
        "cases": [{"label": c.label, "kind": c.kind, "passed": c.passed, "credit": round(c.credit, 6),
                   "category": c.category, "detail": _safe_detail(c), "bug": c.bug, "hint": c.hint}
                  for c in e.cases],
    }


def feedback_dict(result: StudentResult, chapter: str, grader_version: str) -> dict[str, Any]:
    """The feedback as plain data (what ``feedback/<student>.json`` holds)."""
    return {
        "student": result.student, "chapter": chapter, "status": result.status,
        "total": round(result.total, 6), "max": result.max, "messages": list(result.messages),
        "sha256": result.sha256, "grader_version": grader_version, "isolation": list(result.isolation),
        "exercises": [_exercise(e) for e in result.exercises],
    }


def feedback_json(result: StudentResult, chapter: str, grader_version: str) -> str:
    """:func:`feedback_dict` as JSON text (sorted keys: a regrade writes the same bytes)."""
    return json.dumps(feedback_dict(result, chapter, grader_version), indent=1, sort_keys=True,
                      ensure_ascii=False)


_CSS = """body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;color:#222}
h2{margin-top:1.6em;border-bottom:1px solid #ddd}.ok{color:#1a7f37}.bad{color:#b42318}
.hint{margin-left:1.5em;color:#444}.note{color:#555;font-style:italic}
td,th{padding:.2em .8em;text-align:left}code{background:#f4f4f4;padding:0 .2em}"""


def _num(x: float) -> str:
    return f"{x:.3g}" if x != int(x) else str(int(x))


def feedback_html(result: StudentResult, chapter: str, grader_version: str) -> str:
    """A self-contained HTML page for the student (no scripts, everything escaped)."""
    d = feedback_dict(result, chapter, grader_version)
    e_ = html.escape
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e_(chapter)} — {e_(d['student'])}</title>",
           f"<style>{_CSS}</style></head><body>",
           f"<h1>{e_(chapter)}: {_num(d['total'])} / {_num(d['max'])}</h1>",
           f"<p>Student <code>{e_(d['student'])}</code> · status <b>{e_(d['status'])}</b></p>"]
    if d["messages"]:
        out.append("<ul>" + "".join(f"<li class='note'>{e_(m)}</li>" for m in d["messages"]) + "</ul>")
    out.append("<table><tr><th>exercise</th><th>score</th><th>cases passed</th></tr>")
    for ex in d["exercises"]:
        out.append(f"<tr><td><a href='#{e_(ex['exercise'])}'>{e_(ex['exercise'])}</a></td>"
                   f"<td>{_num(ex['score'])} / {_num(ex['points'])}</td>"
                   f"<td>{ex['passed']} of {ex['cases_run']}</td></tr>")
    out.append("</table>")
    for ex in d["exercises"]:
        cls = "ok" if ex["score"] >= ex["points"] else "bad"
        out.append(f"<h2 id='{e_(ex['exercise'])}' class='{cls}'>{e_(ex['exercise'])} — {e_(ex['title'])}: "
                   f"{_num(ex['score'])} / {_num(ex['points'])}</h2>")
        if ex["message"]:
            out.append(f"<p class='bad'>{e_(ex['message'])}</p>")
        passed = [c["label"] for c in ex["cases"] if c["passed"]]
        if passed:
            out.append(f"<p class='ok'>✓ passed: {e_(', '.join(passed))}</p>")
        hinted: set[str] = set()
        for c in ex["cases"]:
            if c["passed"]:
                continue
            credit = f" (partial credit {c['credit']:.2g})" if c["credit"] > 0 else ""
            out.append(f"<div class='bad'>✗ {e_(c['label'])} — {e_(str(c['category']))}: "
                       f"{e_(str(c['detail']))}{credit}</div>")
            if c["bug"] and c["bug"] not in hinted:
                hinted.add(c["bug"])
                out.append(f"<div class='hint'>looks like “{e_(c['bug'])}”: {e_(c['hint'] or '')}</div>")
            elif c["bug"]:
                out.append(f"<div class='hint'>looks like “{e_(c['bug'])}” again</div>")
    out.append(f"<p class='note'>graded by backprop-course grader {e_(grader_version)}</p></body></html>")
    return "\n".join(out)
