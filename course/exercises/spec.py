"""The data model of an exercise: one spec per exercise, three uses.

A :class:`Spec` says how to make inputs (seeded), what the right answer is, how close is close
enough, how many points the exercise is worth, and which wrong answers are worth naming. The same
spec drives

1. the learner's self-check in the notebook (``course.check``),
2. the nbgrader grade cell (visible public cases, then hidden randomized cases and a partial score),
3. the class grader, which calls ``make_case`` and ``reference`` in the trusted process and only
   brings back the learner function's *outputs* from the sandbox.

So a spec is plain data plus plain functions of plain data: nothing in it runs learner code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["Case", "Bug", "Spec"]


@dataclass(frozen=True)
class Case:
    """One input to an exercise function.

    Parameters
    ----------
    args : tuple
        Positional arguments, passed to the learner function as ``fn(*args)``. The checker hands
        each call its own deep copy, so a function that modifies its input cannot spoil the
        reference's input.
    label : str
        A few words a learner can recognise in a report, e.g. ``"sin at x = 1.0"``.
    """

    args: tuple
    label: str = ""


@dataclass(frozen=True)
class Bug:
    """A classic mistake worth naming.

    Parameters
    ----------
    name : str
        Short name shown in reports, e.g. ``"forgot one path"``.
    hint : str
        One or two sentences telling the learner where to look (never the answer itself).
    impl : callable
        A deliberately wrong implementation with the exercise's signature. The checker recognises
        the bug when the learner's output matches ``impl``'s on a failing case, and the test suite
        proves every spec's checks reject every ``impl``.
    """

    name: str
    hint: str
    impl: Callable[..., Any]


@dataclass(frozen=True)
class Spec:
    """Everything needed to check, grade and diagnose one exercise.

    Parameters
    ----------
    name : str
        Dotted id used in notebooks, ``"ch01.central_difference"``; also the nbgrader ``grade_id``
        stem.
    title : str
        What the exercise asks for, in a few words.
    reference : callable
        The correct implementation (same signature as the learner's function). Usually a function
        of the ``course`` library.
    make_case : callable
        ``make_case(rng: np.random.Generator) -> Case``: a random input. Public cases use the
        fixed ``public_seeds``; hidden cases use fresh entropy on every run, so outputs cannot be
        hard-coded.
    points : float
        Points of the nbgrader grade cell for this exercise.
    public_seeds : tuple of int
        Seeds of the public cases shown by ``check``.
    fixed_cases : tuple of Case
        Hand-picked public cases (edge cases, the notebook's worked example), checked before the
        seeded ones.
    n_hidden : int
        Number of hidden randomized cases at grading time.
    rtol, atol : float
        Tolerance of ``np.allclose``-style comparison against the reference (shape and finiteness
        are compared first).
    bugs : tuple of Bug
        Wrong implementations worth naming (at least two per exercise).
    forbidden : tuple of callable
        ``course`` functions that compute the very thing the exercise asks for. A learner function
        that calls any of them scores 0 for the exercise, with a message saying so.
    answer_free : tuple of callable
        Extra checks that need no reference answer, e.g. agreement with finite differences:
        ``check_fn(learner_fn) -> str | None`` returns a message when the learner function fails.
    analytic : bool
        The exercise asks for a derivative derived by hand. An answer that obtains it numerically
        (evaluates a function at perturbed points, in any spelling) or delegates to an autodiff
        library scores 0 for the exercise, with a message that says why.
    shortcuts : tuple of callable
        Answers that get the right numbers by a route the exercise does not allow (numeric
        differentiation in several spellings, delegation to the course's reference). The test
        suite proves that each scores 0 and that its message says why.
    variants : tuple of callable
        Honest answers in other styles (loops, ``np.einsum``, in-place updates, recomputing the
        forward value). The test suite proves that each scores full marks.
    cost : tuple of callable
        Cost requirements, ``check_fn(learner_fn) -> str | None`` like ``answer_free`` (e.g. no
        n x n matrix built, O(n) memory). When one fails, the score is capped at
        ``cost_cap * points``.
    cost_cap : float
        The fraction of the points an answer that breaks a cost requirement can keep.
    call : callable, optional
        How a case is applied to the learner's object: ``call(obj, *case.args)``; None means
        ``obj(*case.args)``. For exercises whose answer is a class (the learner's ``Value``)
        or needs a harness; the reference goes through the same ``call``. A module-level
        function (picklable) that never computes the answer itself.
    function : str
        The name the notebook gives the learner's answer (a function or a class), which
        ``check_all`` looks up in the notebook's namespace; ``""`` means the part of ``name``
        after the dot (``"ch01.central_difference"`` -> ``"central_difference"``).

    A case's output is plain data: a float, an ndarray, or a tuple or dict of them. When the
    reference returns a tuple or a dict, each of its outputs earns an equal share of the case.
    """

    name: str
    title: str
    reference: Callable[..., Any]
    make_case: Callable[[np.random.Generator], Case]
    points: float
    public_seeds: tuple[int, ...] = (0, 1, 2)
    fixed_cases: tuple[Case, ...] = ()
    n_hidden: int = 8
    rtol: float = 1e-6
    atol: float = 1e-9
    bugs: tuple[Bug, ...] = ()
    forbidden: tuple[Callable[..., Any], ...] = ()
    answer_free: tuple[Callable[[Callable[..., Any]], "str | None"], ...] = field(default=())
    analytic: bool = False
    shortcuts: tuple[Callable[..., Any], ...] = ()
    variants: tuple[Callable[..., Any], ...] = ()
    cost: tuple[Callable[[Callable[..., Any]], "str | None"], ...] = ()
    cost_cap: float = 0.5
    call: Callable[..., Any] | None = None
    function: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or "." not in self.name:
            raise ValueError(f"Spec.name: expected 'chNN.exercise', got {self.name!r}")
        if not self.function:
            object.__setattr__(self, "function", self.name.split(".", 1)[1])
        if not isinstance(self.function, str) or not self.function.isidentifier():
            raise ValueError(f"Spec.function: expected a Python name such as 'sigmoid_prime', got {self.function!r}")
        if not callable(self.reference):
            raise TypeError(f"Spec.reference: expected a callable, got {type(self.reference).__name__}")
        if not callable(self.make_case):
            raise TypeError(f"Spec.make_case: expected a callable, got {type(self.make_case).__name__}")
        if not self.points > 0:
            raise ValueError(f"Spec.points: expected a positive number, got {self.points!r}")
        if not 0 <= self.cost_cap <= 1:
            raise ValueError(f"Spec.cost_cap: expected a fraction in [0, 1], got {self.cost_cap!r}")
        if self.call is not None and not callable(self.call):
            raise TypeError(f"Spec.call: expected a callable or None, got {type(self.call).__name__}")

    def apply(self, obj: Callable[..., Any], args: tuple) -> Any:
        """``obj`` (the learner's answer or the reference) applied to one case's ``args``."""
        return obj(*args) if self.call is None else self.call(obj, *args)

    def public_cases(self) -> list[Case]:
        """The fixed cases, then one case per public seed (the same on every run)."""
        return list(self.fixed_cases) + [self.make_case(np.random.default_rng(s)) for s in self.public_seeds]

    def hidden_cases(self, seed: int | None = None) -> list[Case]:
        """``n_hidden`` fresh cases; ``seed=None`` draws new entropy (different every run)."""
        rng = np.random.default_rng(seed)
        return [self.make_case(rng) for _ in range(self.n_hidden)]
