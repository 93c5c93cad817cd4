"""``run``: each exercise of a submission in its own confined process, outputs back as plain data.

For every :class:`~.model.Call` (in order):

1. a stubbed copy of ``course`` for that exercise (:mod:`.stubs`, cached);
2. a job folder: the driver (``inside/``), the submission's source, the cases pickled in an order
   shuffled by a permutation derived from their bytes (deterministic, so a regrade is identical);
3. the process (:mod:`.isolation` mode), with a scrubbed environment, its own session, stdin from
   ``/dev/null``, stdout/stderr capped, results on fd 3;
4. a pump (:mod:`.pump`) that reads all three pipes until the process ends, the wall clock runs
   out (then the whole process group, and with it the PID namespace, is killed) or the results
   exceed their cap;
5. the frames checked in order (:mod:`.frames`) and turned into :class:`~.model.CaseOutput` s.

Nothing the learner's code does makes ``run`` raise; a problem of the sandbox itself (for example
no namespaces when they are required) is a status too.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import random
import shutil
import tempfile
import time
from pathlib import Path

from graders.sandbox import isolation, stubs
from graders.sandbox.frames import assemble
from graders.sandbox.inside.confine import count_processes
from graders.sandbox.model import Call, CallResult, CaseOutput, Limits, RunResult
from graders.sandbox.pump import pump
from graders.sandbox.text import clean

__all__ = ["run", "available_mode"]

_INSIDE = Path(__file__).resolve().parent / "inside"


def run(source: str, calls: list[Call], *, limits: Limits = Limits(), require_namespaces: bool = True,
        trace_memory: bool = True, tmp_root: str | None = None) -> RunResult:
    """Run ``source`` in the sandbox and call its functions on ``calls``' cases.

    Parameters
    ----------
    source : str
        The submission's code; cells separated by lines ``# %%`` (a failing cell does not stop
        the next).
    calls : list of Call
        What to call; each runs in a fresh process.
    limits : Limits
        Per process.
    require_namespaces : bool
        When True (the default) and this machine cannot make namespaces, nothing runs and the
        status is ``"no-isolation"``; False runs with the weaker layers and says so in
        ``isolation``.
    trace_memory : bool
        Measure each case's peak allocation (``tracemalloc``) inside the sandbox.
    tmp_root : str, optional
        Where job folders go (default: the system temporary folder).

    Returns
    -------
    RunResult
    """
    start = time.perf_counter()
    mode = available_mode()
    if require_namespaces and not mode.namespaces:
        why = "not run: this machine cannot make Linux namespaces (see `python -m graders doctor`)"
        results = [CallResult(c.exercise, [CaseOutput(False, None, why, {}) for _ in c.cases],
                              status="no-isolation") for c in calls]
        return RunResult("no-isolation", results, "", "", time.perf_counter() - start, [])
    results, outs, errs, layers = [], [], [], set()
    for call in calls:
        result, out, err, used = _run_call(source, call, mode, limits, trace_memory, tmp_root)
        results.append(result)
        outs.append(out)
        errs.append(err)
        layers.update(used)
    status = next((r.status for r in results if r.status != "ok"), "ok")
    layers_sorted = sorted(layers, key=_LAYER_ORDER.index if layers <= set(_LAYER_ORDER) else str)
    return RunResult(status, results, _join(outs, limits.output_bytes), _join(errs, limits.output_bytes),
                     time.perf_counter() - start, layers_sorted)


_LAYER_ORDER = ("python -I", "scrubbed env", "own session", "rlimits", "private root", "net namespace",
                "pid namespace", "mount namespace", "uid 65534", "no capabilities", "no_new_privs",
                "capped output", "wall-clock kill")


@functools.lru_cache(maxsize=1)
def available_mode() -> isolation.Mode:
    """The strongest mode that really works here (tried once per process with an empty job)."""
    for mode in isolation.candidate_modes():
        if not mode.namespaces:
            return mode
        result, *_ = _run_call("", Call("", "", []), mode, Limits(wall_seconds=20), False, None)
        if result.status == "ok":
            return mode
    raise AssertionError("unreachable: the last candidate mode needs no namespaces")  # pragma: no cover


def _run_call(source: str, call: Call, mode: isolation.Mode, limits: Limits, trace_memory: bool,
              tmp_root: str | None) -> tuple[CallResult, str, str, list[str]]:
    staging = Path(tempfile.mkdtemp(prefix="bpsbx-", dir=tmp_root))
    try:
        try:
            order, config = _prepare(staging, source, call, mode, limits, trace_memory)
        except Exception as exc:  # noqa: BLE001 - e.g. an unknown exercise, an unpicklable case
            why = f"not run: the sandbox could not be prepared ({type(exc).__name__}: {clean(str(exc), 300)})"
            return (CallResult(call.exercise, [CaseOutput(False, None, why, {}) for _ in call.cases],
                               status="sandbox-error"), "", "", [])
        argv = [*isolation.command_prefix(mode), _python(), "-I", "-S", "-B",
                str(staging / "pub" / "lib" / "_inside" / "boot.py"), str(staging / "job.json")]
        env = isolation.scrubbed_env("/tmp" if mode.namespaces else str(staging / "work"))
        raw = pump(argv, env, str(staging / "work"), limits)
        result, layers = assemble(call, order, raw, limits)
        result.seconds = raw.seconds
        layers = ["python -I", "scrubbed env", "own session", "capped output", "wall-clock kill", *layers]
        if mode.namespaces and "private root" in layers:
            layers += ["net namespace", "pid namespace", "mount namespace"]
        return result, clean(raw.stdout.decode("utf-8", "replace")), clean(raw.stderr.decode("utf-8", "replace")), layers
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _python() -> str:
    return os.path.abspath(os.sys.executable)


def _prepare(staging: Path, source: str, call: Call, mode: isolation.Mode, limits: Limits,
             trace_memory: bool) -> tuple[list[int], dict]:
    """Write the job folder; returns the case permutation and the job's config."""
    pub = staging / "pub"
    shutil.copytree(_INSIDE, pub / "lib" / "_inside", ignore=shutil.ignore_patterns("__pycache__"))
    (pub / "pkg").mkdir()
    (staging / "root").mkdir()
    (staging / "work").mkdir()
    cases = [tuple(c) for c in call.cases]
    order = _permutation(cases)
    with open(pub / "calls.pkl", "wb") as fh:
        pickle.dump([{"function": call.function, "cases": [cases[i] for i in order],
                      "harness": call.harness}], fh, protocol=pickle.HIGHEST_PROTOCOL)
    (pub / "source.py").write_text(source, encoding="utf-8")
    course_parent = stubs.stubbed_course(stubs.stub_targets([call.exercise] if call.exercise else []))
    if mode.namespaces:
        pkg_inside, binds, job_inside = stubs.INSIDE_PKG, [(str(course_parent), stubs.INSIDE_PKG)], "/sandbox"
    else:
        pkg_inside, binds, job_inside = str(course_parent), [], str(pub)
    nproc_uid = mode.uid if mode.uid is not None else os.getuid()
    config = {
        "mode": mode.name, "root": str(staging / "root"), "job_dir": str(pub), "job_dir_inside": job_inside,
        "keep": isolation.keep_paths(), "mask": isolation.masked_paths(), "binds": binds,
        "tmpfs_mb": limits.tmpfs_mb, "pkg_inside": pkg_inside, "site": isolation.site_paths(),
        "limits": {"memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds,
                   "file_size_mb": limits.file_size_mb, "open_files": limits.open_files},
        "nproc": limits.processes + count_processes(nproc_uid) + 1,
        "uid": mode.uid, "gid": mode.gid, "case_seconds": limits.case_seconds,
        "trace_memory": trace_memory, "result_bytes": limits.result_mb << 20,
    }
    (staging / "job.json").write_text(json.dumps(config), encoding="utf-8")
    for p in [staging, *staging.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    if mode.uid is not None and not mode.namespaces:
        os.chown(staging / "work", mode.uid, mode.gid)
    return order, config


def _permutation(cases: list[tuple]) -> list[int]:
    """A shuffle of ``range(len(cases))`` seeded by the cases' bytes (the same on every regrade)."""
    digest = hashlib.sha256(pickle.dumps(cases, protocol=4)).digest()
    order = list(range(len(cases)))
    random.Random(digest).shuffle(order)
    return order


def _join(parts: list[str], cap: int) -> str:
    text = "".join(parts)
    return text if len(text) <= cap else text[:cap] + f"\n[... {len(text) - cap} more characters not kept]"

