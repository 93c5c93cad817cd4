"""One exercise, in a child forked by :mod:`.zygote`: run the submission, call, send plain data.

Steps (each in one function below, in this order):

1. :func:`drop_self` — resource limits, then privileges (a fresh uid, or no capabilities);
2. :func:`load_job` — the call (exercise, function name, cases as argument tuples, harness)
   unpickled from the read-only job folder; the cases carry no labels and come in an order the
   trusted side shuffled, so public and hidden cases look alike;
3. :func:`run_source` — the submission's cells (separated by ``# %%`` lines), each compiled as
   ``<cell N>`` and run in one ``__main__`` namespace; a failing cell is recorded and the next one
   still runs (as nbgrader does); IPython magics and shell escapes (``%pip``, ``!ls``) are inert;
4. :func:`run_call` — each case through :class:`course.checking.guard.Guard` (copied arguments,
   captured prints, forbidden-call profiler, a per-case alarm), the output converted to plain data
   *here* and written out at once as one frame (see :mod:`.wire`), so a later crash or time-out
   keeps the earlier results;
5. ``os._exit`` — no atexit handlers, no waiting for threads the learner left running.

Nothing here decides a score: the reference answers are not in the sandbox (the course copy's
references and forbidden functions are stubs that raise) and comparison happens outside.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import os
import pickle
import re
import sys
import time
import traceback
from typing import Any

from . import confine, imports, wire

__all__ = ["child", "Channel", "describe"]

_MAGIC = re.compile(r"^(\s*)(%|!)")
LAZY = ("matplotlib.pyplot",)   # imported by setup cells, used only by demos that never run here


def child(index: int, config: dict, out: "Channel") -> None:
    """The forked child for call ``index``: confine, run the source, call, report; never returns."""
    out.owner = os.getpid()  # the channel is this child's now (and not its learner-made copies')
    try:
        layers = drop_self(config)
        call_cfg = config["calls"][index]
        sys.path[:] = [call_cfg["pkg_inside"], config["blocked_inside"], *config["site"]]
        calls, source = load_job(config["job_dir_inside"], call_cfg["job"])
        Guard = imports.load_guard(call_cfg["pkg_inside"])  # before any learner code can replace it
        import course._unavailable as unavailable
        watched = (unavailable.unavailable, *imports.resolve(call_cfg.get("watch", [])))
        paused = imports.lazy(LAZY)
        namespace, errors = run_source(source)
        out.send({"kind": "source", "call": index, "errors": errors, "layers": layers})
        options = {"forbidden": watched, "time_limit": config["case_seconds"]}
        if call_cfg.get("analytic") and "analytic" in inspect.signature(Guard).parameters:
            options["analytic"] = True  # the guard watches for numeric differentiation
        make_guard = functools.partial(Guard, **options)
        run_call(index, calls[0], namespace, make_guard, paused, config, out)
        _flush()
    except BaseException:  # noqa: BLE001 - the driver's own failure: say it on stderr, then exit
        traceback.print_exc()
        _flush()
        os._exit(71)
    finally:
        os._exit(0)


def drop_self(config: dict) -> list[str]:
    """Resource limits, then privileges: what the child gives up before any learner code runs."""
    lim = config["limits"]
    confine.set_limits(lim["memory_mb"], lim["cpu_seconds"], lim["file_size_mb"], lim["open_files"],
                       config["nproc"])
    layers = ["rlimits"]
    if config["mode"] == "root-ns" or config.get("uid") is not None:
        layers += confine.drop_privileges(config["uid"], config["gid"])
    elif config["mode"] == "user-ns":
        layers += confine.drop_privileges(None, None)
    return layers + ["no_new_privs"]


def load_job(job_dir: str, job: str) -> tuple[list[dict], str]:
    """The call (a list of one dict) and the submission's source text."""
    with open(os.path.join(job_dir, job), "rb") as fh:
        calls = pickle.load(fh)
    with open(os.path.join(job_dir, "source.py"), encoding="utf-8", errors="replace") as fh:
        source = fh.read()
    return calls, source


def run_source(source: str) -> tuple[dict, list[str]]:
    """Run the cells of ``source`` in a fresh ``__main__`` namespace; returns it and the errors."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
    errors = []
    for k, cell in enumerate(_cells(source), start=1):
        try:
            code = _compile(cell, f"<cell {k}>")
            exec(code, namespace)  # noqa: S102 - this is the sandbox: running it is the point
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, anything
            errors.append(describe(exc))
    return namespace, errors


def _cells(source: str) -> list[str]:
    cells, current = [], []
    for line in source.splitlines(keepends=True):
        if line.strip() == "# %%":
            cells.append("".join(current))
            current = []
        else:
            current.append(line)
    cells.append("".join(current))
    return cells


def _compile(cell: str, filename: str) -> Any:
    """Compile a cell; IPython magic and shell lines become ``pass`` when they do not parse."""
    try:
        return compile(cell, filename, "exec")
    except SyntaxError:
        lines = [(_MAGIC.sub(r"\1pass  # ", line) if _MAGIC.match(line) else line)
                 for line in cell.splitlines(keepends=True)]
        return compile("".join(lines), filename, "exec")


def run_call(index: int, call: dict, namespace: dict, make_guard: Any, paused: imports.PausedPeak,
             config: dict, out: "Channel") -> None:
    """Call the learner's ``call["function"]`` on every case; one frame per case, then a summary.

    ``make_guard(fn)`` is course's ``Guard`` with the stub sentinel and the watched functions.
    """
    name = call["function"]
    obj = namespace.get(name)
    n = len(call["cases"])
    if obj is None:
        message = f"NameError: the submission defines no {name!r}"
        for k in range(n):
            out.send({"kind": "case", "call": index, "case": k, "ok": False, "error": message,
                      "value": {"t": "none"}, "obs": {}})
        out.send({"kind": "call-done", "call": index, "notes": []})
        return
    target = functools.partial(call["harness"], obj) if call["harness"] is not None else obj
    guard = make_guard(target)
    trace = config["trace_memory"]
    if trace:
        import tracemalloc
        tracemalloc.start()
    for k, args in enumerate(call["cases"]):
        if trace:
            tracemalloc.reset_peak()
            paused.bytes = 0
            traced_before = tracemalloc.get_traced_memory()[0]
        before = guard.forbidden_called
        start = time.perf_counter()
        try:
            outcome = guard.call(tuple(args))
        except BaseException as exc:  # noqa: BLE001 - Guard lets KeyboardInterrupt through
            outcome = None
            error = describe(exc)
        seconds = time.perf_counter() - start
        obs: dict[str, Any] = {"seconds": seconds}
        if trace and getattr(guard, "detector", None) is not None and outcome is not None \
                and outcome.error is None:
            # the shortcut detector's own allocations are not the learner's: measure again without it
            tracemalloc.reset_peak()
            paused.bytes = 0
            traced_before = tracemalloc.get_traced_memory()[0]
            try:
                guard.call(tuple(args), watch=False)
            except BaseException:  # noqa: BLE001 - it already ran once; the value is what counts
                pass
        if trace:
            # as course.exercises.answer_free.peak_bytes measures: the peak above what was in use
            obs["alloc_peak_bytes"] = int(max(0, max(tracemalloc.get_traced_memory()[1], paused.bytes) - traced_before))
        if guard.forbidden_called and guard.forbidden_called != before:
            obs["forbidden"] = True
        seen = {"numeric_shortcut": getattr(guard, "shortcut", None)}  # what course's Guard saw
        if hasattr(guard, "observations"):
            seen.update(guard.observations())
        if any(seen.values()):
            obs["guard"] = _plain_dict({k: v for k, v in seen.items() if v})
        value: dict = {"t": "none"}
        blobs: list[bytes] = []
        if outcome is not None:
            obs["timed_out"] = bool(outcome.timed_out)
            if outcome.error is not None:
                error = describe(outcome.error) if not outcome.timed_out else outcome.message
            else:
                try:
                    value, blobs = wire.to_plain(outcome.value, out.room())
                    error = None
                except wire.PlainDataError as exc:
                    error = f"bad output: {exc}"
                except BaseException as exc:  # noqa: BLE001 - __float__ etc. may raise anything
                    error = f"bad output: {describe(exc)}"
        out.send({"kind": "case", "call": index, "case": k, "ok": error is None, "error": error,
                  "value": value, "obs": obs}, blobs)
    if trace:
        tracemalloc.stop()
    notes = guard.notes() if hasattr(guard, "notes") else []
    out.send({"kind": "call-done", "call": index, "notes": [str(s)[:500] for s in notes],
              "forbidden": bool(guard.forbidden_called)})


def _plain_dict(d: Any) -> dict:
    """``d`` reduced to string keys and bool/int/float/str values (anything else dropped)."""
    if not isinstance(d, dict):
        return {}
    return {str(k)[:60]: (v if not isinstance(v, str) else v[:300]) for k, v in list(d.items())[:20]
            if type(v) in (bool, int, float, str)}


def describe(exc: BaseException) -> str:
    """``"ValueError: bad (line 3 of f in <cell 2>)"``: type, message, last frame in learner code."""
    text = type(exc).__name__
    try:
        message = str(exc)
    except Exception:  # noqa: BLE001 - a learner exception's __str__ may raise
        message = "(message could not be shown)"
    if message:
        text += f": {message[:300]}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell ")]
    if frames:
        last = frames[-1]
        text += f" (line {last.lineno} of {last.name} in {last.filename})"
    return text


class Channel:
    """Frames to the trusted side on ``fd``, at most ``budget`` bytes in all."""

    def __init__(self, fd: int, budget: int) -> None:
        self.fd = fd
        self.budget = budget
        self.sent = 0
        self.owner = os.getpid()

    def room(self) -> int:
        return max(0, self.budget - self.sent - 65536)

    def send(self, header: dict, blobs: list[bytes] = ()) -> None:
        if os.getpid() != self.owner:  # a copy of this process made by the learner's fork()
            os._exit(0)
        data = memoryview(wire.encode_frame(header, list(blobs)))
        self.sent += len(data)
        try:
            while data:
                n = os.write(self.fd, data)
                data = data[n:]
        except OSError:
            os._exit(3)  # the channel is gone (closed by learner code, or the reader stopped)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
