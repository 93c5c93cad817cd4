"""Chapters 1-2: no spec text gives an answer away, and the declared other routes to each answer
are what they claim to be.

The generic suite (tests/test_specs.py) proves that every shortcut scores 0 and every variant
full marks. That proof means something only if a shortcut really computes the right numbers
(a wrong one would score 0 for being wrong), so here each is called directly, outside the
checker, on every public case.
"""
from __future__ import annotations

import numpy as np
import pytest

from course.exercises import ch01, ch02

ANALYTIC = [s for s in ch01.SPECS + ch02.SPECS if s.analytic]
ROUTES = [(spec, fn) for spec in ANALYTIC for fn in spec.shortcuts]


def test_every_exercise_but_the_two_measurements_is_analytic_with_two_routes_each_way():
    assert {s.name for s in ch01.SPECS + ch02.SPECS if not s.analytic} == {
        "ch01.central_difference", "ch02.finite_difference_jacobian"}
    assert all(len(s.shortcuts) >= 2 and len(s.variants) >= 2 for s in ANALYTIC)


@pytest.mark.parametrize("spec, shortcut", ROUTES, ids=lambda x: getattr(x, "name", getattr(x, "__name__", "")))
def test_each_shortcut_gets_the_right_numbers(spec, shortcut):
    for case in spec.public_cases():
        got, want = shortcut(*case.args), spec.reference(*case.args)
        assert np.shape(got) == np.shape(want), (shortcut.__name__, case.label)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-7), (shortcut.__name__, case.label)


# Formulas of the chapters' answers, as a title, bug name or hint could spell them.
LEAKS = {
    "ch01": ["s(1", "s * (1", "1 − t²", "1 - t²", "1 − t^2", "f'(g(x)) · g'(x)", "f'(g(x))g'(x)", "v · u'",
             "u'v + uv'", "σ(z)(1 − σ(z))", "2x", "(f(x+h) − f(x−h))"],
    "ch02": ["diag(σ'(z))", "diag(p)", "p pᵀ", "σ'(z) ⊙ g", "σ'(z) * g", "Wᵀ g", "W.T @ g", "g xᵀ", "g @ x.T",
             "dW = dz", "I - y yᵀ", "x_k; here", "is A", "−Y", "-Y", "activation derivative"],
}


@pytest.mark.parametrize("spec", ch01.SPECS + ch02.SPECS, ids=lambda s: s.name)
def test_no_answer_formula_in_titles_bug_names_or_hints(spec):
    """The derivations are the learner's: what check() prints never writes a result."""
    leaks = LEAKS[spec.name[:4]]
    for text in [spec.title] + [b.hint for b in spec.bugs] + [b.name for b in spec.bugs]:
        assert not any(leak in text for leak in leaks), (spec.name, text)
