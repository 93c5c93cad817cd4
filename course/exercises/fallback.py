"""A demo that needs an exercise: the learner's function once it passes, the reference until then.

:func:`yours_or_reference` runs the exercise's ``check`` on the learner's function. If it
passes, the demo uses it; otherwise (not written yet, or still wrong) the demo uses the course's
reference, and the returned object says so in one line, so Run All on an untouched notebook still
draws every picture.

Not a chapter module: the registry (:mod:`course.exercises`) only reads ``chNN`` modules.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from course.checking import check

__all__ = ["Chosen", "yours_or_reference"]


@dataclass(frozen=True)
class Chosen:
    """The function a demo uses, and a one-line note saying whose it is. Call it like the function."""

    fn: Callable[..., Any]
    note: str
    yours: bool

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return self.note


def yours_or_reference(name: str, fn: Callable[..., Any], reference: Callable[..., Any]) -> Chosen:
    """``fn`` if it passes the check of exercise ``name``, else ``reference``, with a note.

    Parameters
    ----------
    name : str
        The exercise, e.g. ``"ch02.sigmoid_vjp"``.
    fn : callable
        The learner's function.
    reference : callable
        The course's function with the same signature.
    """
    if not callable(reference):
        raise TypeError(f"reference: expected a callable, got {type(reference).__name__}")
    label = getattr(fn, "__name__", "function")
    if check(name, fn).passed:
        return Chosen(fn, f"(this demo uses your {label}: it passes its check)", True)
    return Chosen(reference, f"(your {label} does not pass its check yet, so this demo uses the course's "
                             f"reference; run it again once it does)", False)
