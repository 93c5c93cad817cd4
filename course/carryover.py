"""Chapter 5 trains with *your* chapter-4 functions where they pass their check.

Chapter 4 asks you to write seven functions (:data:`course.reference.network.NAMES`):
``linear_forward``, ``linear_backward``, ``sigmoid_backward``, ``tanh_backward``,
``relu_backward``, ``mse_backward``, ``softmax_cross_entropy_backward``. Its last cell saves the
source of every one of them that passes its check to a file beside the chapter-4 notebook;
chapter 5's setup cell loads that file, checks each function again and uses it, or, function by
function, the course's version, saying which and why. So chapter 5 can be done alone, and a
learner who finished chapter 4 trains with their own backprop.

The one cell chapter 4 adds at its end (in ``solutions/ch04_vector_backprop/vector_backprop.ipynb``,
no nbgrader metadata)::

    # Save your passing functions for chapter 5 (it trains with them)
    from course.carryover import save_chapter4
    save_chapter4(globals())

It writes ``my_backprop.py`` in the notebook's folder (``notebooks/ch04_vector_backprop/``).
Chapter 5 (``notebooks/ch05_training/``) reads ``../ch04_vector_backprop/my_backprop.py``::

    from course.carryover import load_chapter4
    mine = load_chapter4()          # one line per function: yours or the course's, and why
    mine

Each function is checked with ``course.check("ch04.<name>", fn)``, both when it is saved and when
it is loaded (the file may have been edited in between).
"""
from __future__ import annotations

import inspect
import runpy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from course.reference.network import CHAPTER4, NAMES, Network

__all__ = ["FILENAME", "DEFAULT_PATH", "Carryover", "save_chapter4", "load_chapter4", "yours_or_course"]

#: the file chapter 4 writes beside its notebook
FILENAME = "my_backprop.py"
#: where chapter 5 looks for it, from chapter 5's folder
DEFAULT_PATH = Path("..") / "ch04_vector_backprop" / FILENAME

_HEADER = '''"""Your chapter-4 functions that passed their checks, saved by course.carryover.save_chapter4.

Chapter 5 loads this file (course.carryover.load_chapter4) and trains with these functions.
"""
import numpy as np
from course import relu, sigmoid, softmax
from course.reference.functions import relu_prime, sigmoid_prime, tanh_prime
'''


def _check(name: str, fn: Callable[..., Any]) -> str | None:
    """``None`` when ``fn`` passes ``check("ch04.<name>", fn)``, else why it cannot be used."""
    from course import check
    from course.exercises import UnknownExerciseError

    try:
        report = check(f"ch04.{name}", fn)
    except UnknownExerciseError:
        return f"there is no exercise ch04.{name} to check it with"
    if report.not_implemented:
        return "it is not implemented yet"
    if report.forbidden:
        return f"it calls the course's own answer ({report.forbidden})"
    if not report:
        failed = [c for c in report.cases if not c.passed]
        if not failed:
            return "it fails its check"
        first = failed[0]
        return f"it fails its check ({f'looks like “{first.bug}”' if first.bug else first.problem})"
    return None


@dataclass
class Carryover:
    """The chapter-4 functions chapter 5 uses: yours where they pass, the course's elsewhere.

    Attributes
    ----------
    functions : dict of str -> callable
        One function per name of :data:`~course.reference.network.NAMES`.
    origin : dict of str -> str
        Per name, one line: whose function it is and why.
    note : str
        Why none of yours could be loaded (no file, or a file that does not run); ``""`` otherwise.
    """

    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def yours(self) -> list[str]:
        """The names for which your own function is used."""
        return [name for name, text in self.origin.items() if text.startswith("yours")]

    def network(self, hidden: str = "tanh", loss: str = "mse") -> Network:
        """A :class:`~course.reference.network.Network` built from these functions."""
        return Network(hidden, loss, dict(self.functions))

    def __repr__(self) -> str:
        width = max(len(n) for n in self.origin) if self.origin else 0
        head = f"chapter-4 functions: {len(self.yours)} of {len(self.origin)} are yours"
        head += f" ({self.note})" if self.note else ""
        return "\n".join([head] + [f"  {name:<{width}}  {text}" for name, text in self.origin.items()])


def save_chapter4(namespace: Mapping[str, Any], path: str | Path = FILENAME) -> Carryover:
    """Chapter 4's last cell: save the source of each chapter-4 function that passes its check.

    Parameters
    ----------
    namespace : mapping
        Where to find the functions by name, e.g. the notebook's ``globals()``.
    path : str or Path
        The file to write (default ``my_backprop.py`` in the current folder).

    Returns
    -------
    Carryover
        What was saved (``origin[name]`` starts with ``"yours"``) and why the rest was not.
    """
    if not isinstance(namespace, Mapping):
        raise TypeError(f"namespace: expected a mapping such as globals(), got {type(namespace).__name__}")
    saved = Carryover()
    sources = []
    for name in NAMES:
        fn = namespace.get(name)
        problem = "not defined" if not callable(fn) else _check(name, fn)
        if problem is None:
            try:
                sources.append(inspect.getsource(fn))
            except (OSError, TypeError) as exc:
                problem = f"its source cannot be read ({exc})"
        if problem is None:
            saved.functions[name] = fn
            saved.origin[name] = "yours: saved"
        else:
            saved.origin[name] = f"not saved: {problem}"
    Path(path).write_text(_HEADER + "\n\n" + "\n\n".join(sources), encoding="utf-8")
    return saved


def load_chapter4(path: str | Path = DEFAULT_PATH) -> Carryover:
    """Chapter 5's setup: your saved chapter-4 functions where they pass, the course's elsewhere.

    Parameters
    ----------
    path : str or Path
        The file chapter 4 wrote (default ``../ch04_vector_backprop/my_backprop.py``).

    Returns
    -------
    Carryover
        Every name has a function; ``origin`` says, per name, whose and why.
    """
    path = Path(path)
    loaded: dict[str, Any] = {}
    missing = None
    if not path.is_file():
        missing = f"{path} not found (the last cell of chapter 4 writes it)"
    else:
        try:
            loaded = runpy.run_path(str(path))
        except Exception as exc:  # noqa: BLE001 - the learner's file: report, never crash the setup
            missing = f"{path} does not run ({type(exc).__name__}: {exc})"
    out = Carryover(note=missing or "")
    for name, fallback_fn in CHAPTER4.items():
        fn = loaded.get(name)
        if missing is not None:
            problem = "no file to load yours from"
        else:
            problem = "not in the file" if not callable(fn) else _check(name, fn)
        if problem is None:
            out.functions[name] = fn
            out.origin[name] = f"yours (passes ch04.{name})"
        else:
            out.functions[name] = fallback_fn
            out.origin[name] = f"the course's: {problem}"
    return out


def yours_or_course(exercise: str, fn: Callable[..., Any], course_fn: Callable[..., Any]) -> tuple[Callable[..., Any], str]:
    """For a demo that needs a chapter-5 exercise: ``fn`` if it passes its check, else ``course_fn``.

    Parameters
    ----------
    exercise : str
        The exercise ``fn`` answers, e.g. ``"ch05.train_minibatch"``.
    fn : callable
        Your function.
    course_fn : callable
        The course's version, used while yours does not pass.

    Returns
    -------
    (callable, str)
        The function to use and one line saying which it is.
    """
    from course import check

    report = check(exercise, fn)
    name = getattr(fn, "__name__", exercise)
    if report:
        return fn, f"(using your {name})"
    why = "is not written yet" if report.not_implemented else "does not pass its check yet"
    return course_fn, f"(your {name} {why}: this demo uses the course's)"
