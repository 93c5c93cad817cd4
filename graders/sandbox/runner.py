"""``run``: a submission's exercises in one confined sandbox, one forked child per exercise.

1. a stubbed copy of ``course`` per exercise (:mod:`.stubs`, cached on disk);
2. a job folder: the sandbox's own code (``inside/``), the source, and per exercise its cases,
   pickled in an order shuffled by a permutation derived from their bytes (deterministic, so a
   regrade is identical; labels never go in, so public and hidden cases look alike);
3. the sandbox process (:mod:`.isolation` mode, :mod:`.inside.zygote`) with a scrubbed
   environment, its own session, stdin ``/dev/null``, capped stdout/stderr, results on a pipe
   (:mod:`.pump`), killed as a whole at a deadline from outside;
4. the frames checked in order (:mod:`.frames`); when the stream stops before the last exercise
   (a time-out the zygote could not handle, a protocol error, a killed zygote), that exercise gets
   its status and the exercises after it run again in a fresh sandbox.

Nothing the learner's code does makes ``run`` raise.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import pickle
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from graders.sandbox import cgroup, isolation, stubs
from graders.sandbox.frames import Parsed, build_result, parse, why_not_run
from graders.sandbox.inside.confine import count_processes
from graders.sandbox.model import Call, CallResult, CaseOutput, Limits, RunResult
from graders.sandbox.pump import Raw, pump
from graders.sandbox.text import clean

__all__ = ["run", "available_mode"]

_INSIDE = Path(__file__).resolve().parent / "inside"
_STARTUP_SECONDS = 20.0   # allowance for starting the sandbox, on top of the exercises' wall clocks
_LAYER_ORDER = ("python -I", "scrubbed env", "own session", "rlimits", "private root", "own /proc",
                "net namespace", "pid namespace", "mount namespace", "ipc namespace", "unprivileged uid", "no capabilities",
                "no_new_privs", "memory cgroup", "capped output", "wall-clock kill")


def run(source: str, calls: list[Call], *, limits: Limits = Limits(), require_namespaces: bool = True,
        trace_memory: bool = True, tmp_root: str | None = None) -> RunResult:
    """Run ``source`` in the sandbox and call its functions on ``calls``' cases.

    Parameters
    ----------
    source : str
        The submission's code; cells separated by lines ``# %%`` (a failing cell does not stop
        the next).
    calls : list of Call
        What to call; each exercise runs in its own child process, with its own stubs.
    limits : Limits
        Per exercise.
    require_namespaces : bool
        When True (the default) and this machine cannot make namespaces, nothing runs and the
        status is ``"no-isolation"``; False runs with the weaker layers and says so in
        ``isolation``.
    trace_memory : bool
        Measure each case's peak allocation (``tracemalloc``) inside the sandbox.
    tmp_root : str, optional
        Where job folders go (default: the system temporary folder).
    """
    start = time.perf_counter()
    mode = available_mode()
    if require_namespaces and not mode.namespaces:
        why = "not run: this machine cannot make Linux namespaces (see `python -m graders doctor`)"
        results = [CallResult(c.exercise, [CaseOutput(False, None, why, {}) for _ in c.cases],
                              status="no-isolation") for c in calls]
        return RunResult("no-isolation", results, "", "", time.perf_counter() - start, [], why)
    refused = {i: why for i, why in ((i, _unfit(c)) for i, c in enumerate(calls)) if why}
    fit = [c for i, c in enumerate(calls) if i not in refused]
    ran, out, err, layers = _run_with(source, fit, mode, limits, trace_memory, tmp_root) if fit else ([], "", "", [])
    ran_iter = iter(ran)
    results = [CallResult(c.exercise, [CaseOutput(False, None, why_not_run("sandbox-error", limits, refused[i]), {})
                                       for _ in c.cases], status="sandbox-error")
               if i in refused else next(ran_iter) for i, c in enumerate(calls)]
    bad = next((r for r in results if r.status != "ok"), None)
    message = ""
    if bad is not None:
        why = next((o.error for o in bad.outputs if o.error and o.error.startswith("not run:")), bad.status)
        message = f"{bad.exercise or 'a call'}: {why}"
    return RunResult(bad.status if bad else "ok", results, _cap(out, limits.output_bytes),
                     _cap(err, limits.output_bytes), time.perf_counter() - start, layers, message)


@functools.lru_cache(maxsize=1)
def available_mode() -> isolation.Mode:
    """The strongest mode that really works here (tried once per process with an empty job)."""
    for mode in isolation.candidate_modes():
        if not mode.namespaces:
            return mode
        results, *_ = _run_with("", [Call("", "", [])], mode, Limits(), False, None)
        if results[0].status == "ok":
            return mode
    raise AssertionError("unreachable: the last candidate needs no namespaces")  # pragma: no cover


def _run_with(source: str, calls: list[Call], mode: isolation.Mode, limits: Limits, trace_memory: bool,
              tmp_root: str | None) -> tuple[list[CallResult], str, str, list[str]]:
    staging = Path(tempfile.mkdtemp(prefix="bpsbx-", dir=tmp_root))
    results: list[CallResult | None] = [None] * len(calls)
    outs, errs, layers = [], [], set()
    try:
        try:
            orders, config = _prepare(staging, source, calls, mode, limits, trace_memory)
        except Exception as exc:  # noqa: BLE001 - e.g. an unknown exercise, an unpicklable case
            why = why_not_run("sandbox-error", limits, f"could not prepare: {type(exc).__name__}: {exc}")
            return ([CallResult(c.exercise, [CaseOutput(False, None, why, {}) for _ in c.cases],
                                status="sandbox-error") for c in calls], "", "", [])
        first = 0
        while first < len(calls):
            raw = _start(staging, config, first, mode, limits)
            outs.append(raw.stdout.decode("utf-8", "replace"))
            errs.append(raw.stderr.decode("utf-8", "replace"))
            parsed = parse(calls[first:], orders[first:], raw, limits)
            layers.update(parsed.layers + parsed.child_layers)
            if raw.cgroup:
                layers.add("memory cgroup")
            for k, r in enumerate(parsed.results):
                results[first + k] = _oom(r, raw, limits)
            first += len(parsed.results)
            if first >= len(calls):
                break
            status, detail = _broken(raw, parsed)
            rest = range(first, len(calls)) if status == "sandbox-error" else range(first, first + 1)
            for i in rest:
                got = parsed.partial if i == first else []
                status = "memory" if raw.oom_kills and status == "crashed" else status
                results[i] = build_result(calls[i], orders[i], got, status, why_not_run(status, limits, detail),
                                          raw.peak_rss_mb, raw.seconds)
            first = rest[-1] + 1
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    used = ["python -I", "scrubbed env", "own session", "capped output", "wall-clock kill", *layers]
    if "private root" in layers:
        used += ["net namespace", "pid namespace", "mount namespace", "ipc namespace"]
    used = sorted(set(used), key=lambda x: _LAYER_ORDER.index(x) if x in _LAYER_ORDER else len(_LAYER_ORDER))
    return [r for r in results if r is not None], clean("".join(outs)), clean("".join(errs)), used


def _oom(result: CallResult, raw: Raw, limits: Limits) -> CallResult:
    """A call that crashed while the memory cgroup's OOM killer was at work ran out of memory
    (the kernel does not say which process it killed; a sandbox's calls run one after another)."""
    if raw.oom_kills and result.status == "crashed":
        result.status = "memory"
        why = (f"not run: the exercise's processes together ran out of memory "
               f"({limits.cgroup_mb} MB for all of them)")
        result.outputs = [CaseOutput(False, None, why, o.observations)
                          if not o.ok and (o.error or "").startswith("not run: the process ended") else o
                          for o in result.outputs]
    return result


def _unfit(call: Call) -> str:
    """Why ``call`` cannot go into the sandbox at all ("" when it can): an unknown exercise, cases
    or a harness that do not pickle. Such a call fails alone; the others still run."""
    try:
        pickle.dumps((list(call.cases), call.harness), protocol=pickle.HIGHEST_PROTOCOL)
        if call.exercise:
            stubs.stub_targets([call.exercise])
    except Exception as exc:  # noqa: BLE001 - anything that stops it from being prepared
        return f"could not prepare {call.exercise or call.function!r}: {type(exc).__name__}: {clean(str(exc), 200)}"
    return ""


def _broken(raw: Raw, parsed: Parsed) -> tuple[str, str]:
    """Status and detail of the exercise during which the sandbox's stream stopped."""
    if raw.start_error or parsed.confine_error:
        return "sandbox-error", raw.start_error or parsed.confine_error or ""
    if raw.overflow:
        return "output-limit", ""
    if raw.timed_out:
        return "timeout", ""
    if parsed.problem:
        return "protocol-error", parsed.problem
    sig = raw.signal
    return "crashed", f"the sandbox ended ({f'signal {sig}' if sig else f'exit code {raw.exit_code}'})"


def _start(staging: Path, config: dict, first: int, mode: isolation.Mode, limits: Limits) -> Raw:
    job = dict(config, calls=config["calls"][first:])
    path = staging / f"job-{first}.json"
    path.write_text(json.dumps(job), encoding="utf-8")
    os.chmod(path, 0o644)
    argv = [*isolation.command_prefix(mode), os.path.abspath(sys.executable), "-I", "-S", "-B",
            str(staging / "pub" / "lib" / "_inside" / "boot.py"), str(path)]
    env = isolation.scrubbed_env("/tmp" if mode.namespaces else str(staging / "work"))
    seconds = _STARTUP_SECONDS + sum(c["wall_seconds"] + 1 for c in job["calls"])
    group = cgroup.create(limits.cgroup_mb)
    if group is None:
        return pump(argv, env, str(staging / "work"), limits, seconds)
    try:
        raw = pump([*cgroup.join_prefix(group), *argv], env, str(staging / "work"), limits, seconds)
    finally:
        peak, kills = group.peak_bytes(), group.oom_kills()
        group.remove()
    raw.cgroup, raw.cgroup_peak_mb, raw.oom_kills = group.version, peak / 2**20, kills
    return raw


def _prepare(staging: Path, source: str, calls: list[Call], mode: isolation.Mode, limits: Limits,
             trace_memory: bool) -> tuple[list[list[int]], dict]:
    """Write the job folder; returns each call's case permutation and the job's config."""
    pub = staging / "pub"
    shutil.copytree(_INSIDE, pub / "lib" / "_inside", ignore=shutil.ignore_patterns("__pycache__"))
    (pub / "calls").mkdir()
    blocked = pub / "lib" / "blocked" / "pip"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text('raise ImportError("pip is not available while grading")\n')
    (staging / "root").mkdir()
    (staging / "work").mkdir()
    (pub / "source.py").write_text(source, encoding="utf-8")
    mpl = _matplotlib_font_lists()
    if mpl:
        (pub / "mpl").mkdir()
        for path in mpl:
            shutil.copy(path, pub / "mpl" / path.name)
    orders, entries, binds = [], [], []
    for k, call in enumerate(calls):
        cases = [tuple(c) for c in call.cases]
        order = _permutation(cases)
        orders.append(order)
        with open(pub / "calls" / f"{k}.pkl", "wb") as fh:
            pickle.dump([{"function": call.function, "cases": [cases[i] for i in order],
                          "harness": call.harness}], fh, protocol=pickle.HIGHEST_PROTOCOL)
        course_parent = stubs.stubbed_course(stubs.stub_targets([call.exercise] if call.exercise else []))
        if mode.namespaces:
            (pub / "pkg" / str(k)).mkdir(parents=True)
            pkg_inside = f"{stubs.INSIDE_PKG}/{k}"
            binds.append((str(course_parent), pkg_inside))
        else:
            pkg_inside = str(course_parent)
        watched = stubs.external_answers([call.exercise] if call.exercise else [])
        analytic = bool(call.exercise) and stubs.is_analytic(call.exercise)
        entries.append({"job": f"calls/{k}.pkl", "pkg_inside": pkg_inside, "wall_seconds": limits.wall_seconds,
                        "watch": [list(w) for w in watched], "analytic": analytic})
    uid = isolation.fresh_uid() if mode.uid is not None else None
    nproc_uid = uid if uid is not None else os.getuid()
    config = {
        "mode": mode.name, "root": str(staging / "root"), "job_dir": str(pub),
        "job_dir_inside": "/sandbox" if mode.namespaces else str(pub),
        "blocked_inside": "/sandbox/lib/blocked" if mode.namespaces else str(pub / "lib" / "blocked"),
        "keep": isolation.keep_paths(), "mask": isolation.masked_paths(), "binds": binds,
        "tmpfs_mb": limits.tmpfs_mb, "site": isolation.site_paths(), "calls": entries,
        "limits": {"memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds,
                   "file_size_mb": limits.file_size_mb, "open_files": limits.open_files},
        "nproc": limits.processes + count_processes(nproc_uid) + 1,
        "uid": uid, "gid": uid, "case_seconds": limits.case_seconds,
        "trace_memory": trace_memory, "result_bytes": limits.result_mb << 20,
        "mpl_cache": "mpl" if mpl else None, "preload": _preload(source),
    }
    for p in [staging, *staging.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    if uid is not None and not mode.namespaces:
        os.chown(staging / "work", uid, uid)
    return orders, config


_PRELOADABLE = ("matplotlib",)   # pyplot itself is made lazy in each child (see inside/driver.py)


def _preload(source: str) -> list[str]:
    """Allowlisted heavy modules the source imports, for the zygote to import once for all."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return [m for m in _PRELOADABLE if m in source]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    if any(n == "course.plots" or n.startswith("course.plots.") for n in names):
        names.add("matplotlib.pyplot")  # the course's plots draw with it
    return [m for m in _PRELOADABLE if m in names or any(n.startswith(m + ".") for n in names)]


def _matplotlib_font_lists() -> list[Path]:
    """The trusted user's cached matplotlib font lists (``fontlist-v*.json``), if any."""
    folder = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    return sorted(Path(folder).glob("fontlist-v*.json"))[-1:] if os.path.isdir(folder) else []


def _permutation(cases: list[tuple]) -> list[int]:
    """A shuffle of ``range(len(cases))`` seeded by the cases' bytes (the same on every regrade)."""
    digest = hashlib.sha256(pickle.dumps(cases, protocol=4)).digest()
    order = list(range(len(cases)))
    random.Random(digest).shuffle(order)
    return order


def _cap(text: str, cap: int) -> str:
    return text if len(text) <= cap else text[:cap] + f"\n[... {len(text) - cap} more characters not kept]"
