"""The adversarial suite: hostile submissions (``submissions/*.py``) and what must come of each.

Every submission answers chapter 1's ``sigmoid_slope`` (and some ``tanh_slope``) while attacking
the grader. What is required of *every* one of them (``tests/test_adversarial.py`` checks it):

- it scores no more than its real answers deserve (``max_score``: the fraction of cases a trusted
  comparison — ``course.checking.compare`` against ``spec.reference`` in the test process — may
  pass; honest submissions must reach ``min_score``);
- the run ends with one of the allowed ``statuses`` and never raises;
- nothing is written outside the sandbox, no process survives it, no connection reaches the
  listener the test opened on 127.0.0.1, and the test process's memory stays bounded.

``extra`` names additional checks of that submission (see the test module).

Placeholders in the payloads, filled in by :func:`render`: ``@@PORT@@`` (the test's listener),
``@@TAG@@`` (a unique token in every file name and process the payload makes), ``@@GRADEBOOK@@``,
``@@OTHER@@`` (another student's submission folder), ``@@REPO@@``, ``@@HOME@@``, ``@@PUBLIC@@``
(the public cases' answers, as a learner who ran ``check()`` could copy them).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Attack", "ATTACKS", "SUBMISSIONS", "render", "FUNCTIONS", "public_table"]

SUBMISSIONS = Path(__file__).resolve().parent / "submissions"

#: The exercises the payloads answer, and the function name each one defines.
FUNCTIONS = {"ch01.sigmoid_slope": "sigmoid_slope", "ch01.tanh_slope": "tanh_slope"}

_OK = frozenset({"ok"})


@dataclass(frozen=True)
class Attack:
    """One hostile (or control) submission and its expected outcome."""

    name: str
    what: str
    exercises: tuple[str, ...] = ("ch01.sigmoid_slope",)
    max_score: float = 0.0
    min_score: float = 0.0
    statuses: frozenset[str] = _OK
    extra: tuple[str, ...] = ()


ATTACKS: tuple[Attack, ...] = (
    Attack("honest", "the control: correct answers", ("ch01.sigmoid_slope", "ch01.tanh_slope"),
           max_score=1.0, min_score=1.0),
    Attack("honest_noisy", "correct answers that print, warn, modify inputs, import matplotlib, "
           "and a failing cell", ("ch01.sigmoid_slope", "ch01.tanh_slope"), max_score=1.0, min_score=1.0),
    Attack("fake_grade", "replaces course's grade/check and the report's score"),
    Attack("frozen_spec", "patches the frozen Spec's reference and tolerances"),
    Attack("getsource", "re-creates the reference from inspect.getsource", extra=("forbidden",)),
    Attack("setprofile", "sys.setprofile(None), then calls the reference"),
    Attack("hunt_reference", "the spec's reference, variants, shortcuts; every sigmoid_prime gc can find"),
    Attack("lazy_array", "returns an object whose __array__ calls the reference later"),
    Attack("stack_locals", "reads the checker's locals up the stack"),
    Attack("patch_allclose", "patches numpy.allclose/isclose/array_equal"),
    Attack("ipython_tricks", "ast_node_interactivity='none' and an input transformer"),
    Attack("ignore_sigalrm", "ignores SIGALRM and loops for ever", statuses=frozenset({"timeout"})),
    Attack("swallow_loop", "an endless loop that swallows exceptions and signals",
           statuses=frozenset({"timeout"})),
    Attack("memory_bomb", "allocates without bound", statuses=frozenset({"memory", "crashed", "timeout"})),
    Attack("huge_return", "returns a 200 MB array, a million floats, 100 000 levels of nesting",
           statuses=frozenset({"ok", "memory", "output-limit", "timeout"})),
    Attack("fork_bomb", "a bounded fork bomb", statuses=frozenset({"ok", "crashed"})),
    Attack("orphans", "correct answers, leaving a new-session sleep and a double-forked daemon",
           max_score=1.0, min_score=1.0),
    Attack("lingering_threads", "correct answers, leaving non-daemon threads running",
           max_score=1.0, min_score=1.0),
    Attack("kill_parent", "kills its parent, its group, PID 1 and every process (-1); the next "
           "exercise is correct", ("ch01.sigmoid_slope", "ch01.tanh_slope"), max_score=0.5, min_score=0.5,
           statuses=frozenset({"ok", "crashed"})),
    Attack("write_outside", "writes to /tmp, /dev/shm, /var/tmp, home, the gradebook, another "
           "submission, the repository, the job folder"),
    Attack("fill_disk", "fills every writable place until writes fail"),
    Attack("read_secrets", "reads solutions, the gradebook, the environment, the reference's source",
           extra=("nothing-found",)),
    Attack("output_flood", "100 MB on stdout/stderr with HTML/ANSI injection and forged score lines",
           extra=("output-capped",)),
    Attack("forged_results", "writes forged result frames to the result pipe",
           statuses=frozenset({"ok", "protocol-error"})),
    Attack("fake_ndarray", "an ndarray subclass whose == is always true and whose __array__ lies"),
    Attack("bad_values", "NaN, inf, an __array__ that raises, int/complex/str arrays, a dict, an object"),
    Attack("shell_magics", "%pip, !rm, !curl, os.system('pip install'), subprocess"),
    Attack("network", "TCP and UDP to a listener on 127.0.0.1", extra=("all-zero",)),
    Attack("numeric_diff", "central differences of course.sigmoid instead of the derivative",
           extra=("numeric",)),
    Attack("hardcoded", "hard-codes the public cases' answers", max_score=1.0, extra=("public-only",)),
    Attack("exit_early", "os._exit / sys.exit in the functions, SystemExit in a cell",
           ("ch01.sigmoid_slope", "ch01.tanh_slope"), statuses=frozenset({"crashed"})),
    Attack("escalate", "setuid(0), chroot, unshare, mount, umount /sandbox, ptrace PID 1",
           extra=("all-zero",)),
)


def render(name: str, values: dict[str, str]) -> str:
    """The source of submission ``name`` with its ``@@KEY@@`` placeholders filled from ``values``."""
    text = (SUBMISSIONS / f"{name}.py").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def public_table() -> str:
    """``@@PUBLIC@@``: the public cases of ``sigmoid_slope`` and their answers, as a learner who ran
    ``check()`` could copy them (``repr`` of a dict: rounded input list -> answer list)."""
    import numpy as np

    from course.exercises import get_spec

    spec = get_spec("ch01.sigmoid_slope")
    table = {}
    for case in spec.public_cases():
        z = np.asarray(case.args[0], dtype=float)
        table[repr(np.round(z, 12).tolist())] = np.asarray(spec.reference(*case.args)).tolist()
    return repr(table)
