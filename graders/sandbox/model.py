"""The sandbox's inputs and outputs: what to call, within which limits, and what came back."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Call", "Limits", "CaseOutput", "CallResult", "RunResult", "STATUSES"]

#: Every status a run or a call can end with (``"ok"`` is the only good one).
STATUSES = ("ok", "timeout", "memory", "crashed", "output-limit", "protocol-error", "no-isolation",
            "sandbox-error")


@dataclass(frozen=True)
class Call:
    """One exercise to call: the learner's ``function`` on each of ``cases``.

    Parameters
    ----------
    exercise : str
        The spec name, ``"ch01.sigmoid_prime"``; its ``reference``, ``forbidden`` (and
        ``variants``/``shortcuts``) are replaced by stubs in the sandbox's copy of ``course``.
    function : str
        The name the submission defines (a function, or a class when ``harness`` is given).
    cases : list of tuple
        Argument tuples, made in the trusted process and pickled into the sandbox.
    harness : callable or None
        ``harness(learner_obj, *args)`` (the spec's ``call``): a module-level function, so it
        pickles by reference; None means ``learner_obj(*args)``.
    """

    exercise: str
    function: str
    cases: list[tuple]
    harness: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox process (one exercise).

    Parameters
    ----------
    memory_mb : int
        Address space (``RLIMIT_AS``); Python with numpy needs about 150 MB of it to start.
    cpu_seconds : float
        CPU time (``RLIMIT_CPU``).
    wall_seconds : float
        Wall-clock time, enforced from outside by killing the process group / PID namespace.
    file_size_mb : int
        Largest file it may write (``RLIMIT_FSIZE``).
    open_files : int
        ``RLIMIT_NOFILE``.
    processes : int
        Extra processes and threads it may start (``RLIMIT_NPROC``, above those its user has).
        Each may use ``memory_mb``; all of them together are bounded by ``total_memory_mb``.
    output_bytes : int
        Learner stdout and stderr kept (each); the rest is counted and dropped.
    result_mb : int
        Size cap of the result channel (all outputs of one process together).
    case_seconds : float
        The in-sandbox alarm per case (the learner can ignore it; ``wall_seconds`` cannot be).
    tmpfs_mb : int
        Everything it can write (``/tmp``, ``/var/tmp``, ``/dev/shm``) lives in one tmpfs of
        this size (namespaces only).
    total_memory_mb : int or None
        All processes of one sandbox together, tmpfs pages included: the limit of its memory
        cgroup (:mod:`graders.sandbox.cgroup`), where this machine allows one. None means
        ``memory_mb + tmpfs_mb + 256`` (one process at its limit, a full tmpfs, the zygote).
        Without a cgroup only ``(processes + 1) * memory_mb + tmpfs_mb`` holds
        (:attr:`memory_bound_mb`).
    """

    memory_mb: int = 1024
    cpu_seconds: float = 20.0
    wall_seconds: float = 30.0
    file_size_mb: int = 16
    open_files: int = 64
    processes: int = 8
    output_bytes: int = 64 * 1024
    result_mb: int = 64
    case_seconds: float = 10.0
    tmpfs_mb: int = 32
    total_memory_mb: int | None = None

    @property
    def cgroup_mb(self) -> int:
        """The memory cgroup's limit, in MB."""
        return self.total_memory_mb if self.total_memory_mb is not None else self.memory_mb + self.tmpfs_mb + 256

    def memory_bound_mb(self, cgroup: bool) -> int:
        """The most memory one sandbox can take from the host, with or without its cgroup."""
        loose = (self.processes + 1) * self.memory_mb + self.tmpfs_mb
        return min(self.cgroup_mb, loose) if cgroup else loose


@dataclass
class CaseOutput:
    """What one case gave: ``value`` (plain data) when ``ok``, else ``error``.

    ``value`` is None, a float, a float64 ndarray, or tuples/dicts of them. ``error`` is
    ``"Type: message (line L of fn in <cell N>)"``. ``observations``: ``forbidden`` (a stubbed
    course answer was called), ``seconds`` and ``alloc_peak_bytes`` (measured inside, so only as
    honest as the learner's code), ``timed_out``, ``dtypes`` (the arrays' original dtypes),
    ``nonfinite`` (NaN/inf entries), ``guard`` (what course's ``Guard`` saw, in an analytic exercise:
    ``{"numeric_shortcut": "why"}`` once it has seen numeric differentiation), and
    ``process_peak_rss_mb`` / ``process_status`` (measured outside, for this exercise's process).
    """

    ok: bool
    value: Any
    error: str | None
    observations: dict = field(default_factory=dict)


@dataclass
class CallResult:
    """The outputs of one :class:`Call`, in the order of its cases.

    ``status`` is that exercise's process status; ``notes`` what the guard saw (prints,
    warnings); ``forbidden`` whether any case called a stubbed course answer; ``source_errors``
    the cells of the submission that raised; ``peak_rss_mb`` and ``seconds`` are measured from
    outside.
    """

    exercise: str
    outputs: list[CaseOutput]
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    forbidden: bool = False
    source_errors: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    seconds: float = 0.0


@dataclass
class RunResult:
    """The whole submission: ``status`` is ``"ok"`` or the first call's failure status.

    ``stdout``/``stderr`` are the learner's (capped, control characters removed, each process's
    text after the other); ``isolation`` names the layers that were in force, e.g.
    ``["python -I", "scrubbed env", "rlimits", "private root", "net namespace", ...]``;
    ``message`` says in one line why the status is not ``"ok"`` (empty when it is).
    """

    status: str
    calls: list[CallResult]
    stdout: str
    stderr: str
    seconds: float
    isolation: list[str]
    message: str = ""
