"""A tiny stand-in for :mod:`graders.sandbox` (same interface, a plain subprocess, no isolation).

The class grader's tests use it where they test the grader's own logic (discovery, parsing,
extraction, scoring, outputs) and need no isolation; the real sandbox is tested by its own suite
and by ``tests/test_grade_sandbox.py``. Like the real one it runs the source and the calls in a
separate ``python`` process and sends back JSON (arrays as lists here), never pickle.
"""
from __future__ import annotations

import json
import pickle
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["Call", "Limits", "CaseOutput", "CallResult", "RunResult", "run", "API"]


@dataclass
class Call:
    exercise: str
    function: str
    cases: list
    harness: Callable[..., Any] | None = None


@dataclass
class Limits:
    wall_seconds: float = 30.0


@dataclass
class CaseOutput:
    ok: bool
    value: Any = None
    error: str | None = None
    observations: dict = field(default_factory=dict)


@dataclass
class CallResult:
    exercise: str
    outputs: list


@dataclass
class RunResult:
    status: str
    calls: list
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    isolation: list = field(default_factory=list)


_DRIVER = r'''
import json, pickle, sys, traceback, io, contextlib, tracemalloc
import numpy as np
source, calls = pickle.loads(sys.stdin.buffer.read())
ns = {"__name__": "__main__"}
out_stream = sys.stdout
sys.stdout = io.StringIO()
for k, cell in enumerate(source.split("\n# %%\n"), start=1):
    try:
        exec(compile(cell, "<cell %d>" % k, "exec"), ns)
    except BaseException:
        pass
def plain(x):
    if x is None: return {"t": "none"}
    if isinstance(x, (bool, int, float, np.floating, np.integer)): return {"t": "float", "v": float(x)}
    if isinstance(x, (tuple, list)): return {"t": "seq", "items": [plain(i) for i in x]}
    if isinstance(x, dict): return {"t": "map", "items": {str(k): plain(v) for k, v in x.items()}}
    a = np.asarray(x)
    if a.dtype.kind not in "biuf": raise TypeError("not real numbers: dtype %s" % a.dtype)
    return {"t": "array", "v": a.astype(np.float64).tolist(), "shape": list(a.shape), "dtype": str(a.dtype)}
codes = {}
import course, pkgutil, importlib, inspect
def names(fn):
    return "%s.%s" % (fn.__module__, fn.__qualname__)
results = []
for exercise, function, cases, harness in calls:
    fn = ns.get(function)
    outs = []
    for args in cases:
        if fn is None:
            outs.append({"ok": False, "error": "NameError: the submission defines no %r" % function}); continue
        seen = set()
        def prof(frame, event, arg):
            if event == "call":
                mod = frame.f_globals.get("__name__", "")
                if mod.startswith(("course", "numpy")):
                    seen.add("%s.%s" % (mod, frame.f_code.co_qualname))
        try:
            tracemalloc.start(); tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            sys.setprofile(prof)
            try:
                v = harness(fn, *args) if harness else fn(*args)
            finally:
                sys.setprofile(None)
                peak = tracemalloc.get_traced_memory()[1] - before
                tracemalloc.stop()
            outs.append({"ok": True, "value": plain(v), "called": sorted(seen), "peak": peak})
        except BaseException as exc:
            tb = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell")]
            where = " (line %d of %s in %s)" % (tb[-1].lineno, tb[-1].name, tb[-1].filename) if tb else ""
            outs.append({"ok": False, "error": "%s: %s%s" % (type(exc).__name__, exc, where), "called": sorted(seen)})
    results.append({"exercise": exercise, "outputs": outs})
out_stream.write(json.dumps(results))
'''


def _value(tree: Any) -> Any:
    t = tree["t"]
    if t == "none":
        return None
    if t == "float":
        return float(tree["v"])
    if t == "seq":
        return tuple(_value(i) for i in tree["items"])
    if t == "map":
        return {k: _value(v) for k, v in tree["items"].items()}
    return np.asarray(tree["v"], dtype=np.float64).reshape(tree["shape"])


def _dtypes(tree: Any) -> list[str]:
    if not isinstance(tree, dict):
        return []
    if tree.get("t") == "array":
        return [tree["dtype"]]
    items = tree.get("items", [])
    items = items.values() if isinstance(items, dict) else items
    return [d for i in items for d in _dtypes(i)]


def run(source: str, calls: list, *, limits: Limits | None = None, require_namespaces: bool = True) -> RunResult:
    limits = limits or Limits()
    start = time.perf_counter()
    payload = pickle.dumps((source, [(c.exercise, c.function, c.cases, c.harness) for c in calls]))
    try:
        proc = subprocess.run([sys.executable, "-c", _DRIVER], input=payload, capture_output=True,
                              timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        return RunResult("timeout", [], seconds=time.perf_counter() - start)
    stderr = proc.stderr.decode("utf-8", "replace")
    try:
        raw = json.loads(proc.stdout.decode("utf-8", "replace"))
    except ValueError:
        return RunResult("crashed", [], stderr=stderr, seconds=time.perf_counter() - start)
    results = [CallResult(r["exercise"], [
        CaseOutput(o["ok"], _value(o["value"]) if o["ok"] else None, o.get("error"),
                   {"called": o.get("called", []), "dtypes": _dtypes(o.get("value")), "alloc_peak_bytes": o.get("peak", 0)})
        for o in r["outputs"]]) for r in raw]
    return RunResult("ok", results, stderr=stderr, seconds=time.perf_counter() - start, isolation=["subprocess"])


API = (run, Call, Limits)
