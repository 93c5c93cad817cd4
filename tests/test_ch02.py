"""Chapter 2 (the Jacobian): reference functions against autograd, and the exercise specs.

The generic pipeline tests over every spec live elsewhere; here: the chapter's reference
Jacobians and vector-Jacobian products agree with HIPS autograd on random shapes, bad input is
refused with a message naming the argument, every named bug is rejected by ``check`` and the
reference is accepted.
"""
from __future__ import annotations

import pickle

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from autograd import jacobian as ag_jacobian
from hypothesis import given, settings
from hypothesis import strategies as st

from course.reference import functions
from course.checking import check, grade, run_spec
from course.reference import jacobian as cj
from course.exercises import all_specs, ch02, chapter_modules

SPEC_BY_NAME = {spec.name: spec for spec in ch02.SPECS}

shapes = st.tuples(st.integers(1, 6), st.integers(1, 6))  # (n_out, n_in)
seeds = st.integers(0, 2**32 - 1)
fast = settings(max_examples=25, deadline=None)


def _affine(seed: int, n_out: int, n_in: int):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n_out, n_in)), rng.normal(size=(n_in, 1)), rng.normal(size=(n_out, 1)),
            rng.normal(size=(n_out, 1)))


def _ag_jac(f, x: np.ndarray) -> np.ndarray:
    """autograd's Jacobian, reshaped to (outputs, inputs) with both sides flattened row-major."""
    out = np.asarray(f(x))
    return np.asarray(ag_jacobian(f)(x)).reshape(out.size, x.size)


def _ag_sigmoid(z):
    return 1.0 / (1.0 + anp.exp(-z))


def _ag_softmax(z):
    e = anp.exp(z - anp.max(z))
    return e / anp.sum(e)


# ----------------------------------------------------------------------------
# reference functions against autograd
# ----------------------------------------------------------------------------


@fast
@given(shapes, seeds)
def test_affine_jacobian_wrt_x_is_W(shape, seed):
    W, x, b, _ = _affine(seed, *shape)
    J = cj.affine_jacobian_wrt_x(W, x, b)
    np.testing.assert_allclose(J, _ag_jac(lambda v: anp.dot(W, v) + b, x), rtol=1e-12, atol=1e-12)
    assert J is not W and J.shape == shape


@fast
@given(shapes, seeds)
def test_affine_jacobian_wrt_W_flattens_row_major(shape, seed):
    W, x, b, _ = _affine(seed, *shape)
    J = cj.affine_jacobian_wrt_W(W, x, b)
    n_out, n_in = shape
    assert J.shape == (n_out, n_out * n_in)
    np.testing.assert_allclose(J, _ag_jac(lambda V: anp.dot(V, x) + b, W), rtol=1e-12, atol=1e-12)


@fast
@given(shapes, seeds)
def test_sigmoid_layer_jacobian_matches_autograd(shape, seed):
    W, x, b, _ = _affine(seed, *shape)
    expected = _ag_jac(lambda v: _ag_sigmoid(anp.dot(W, v) + b), x)
    np.testing.assert_allclose(cj.sigmoid_layer_jacobian(W, x, b), expected, rtol=1e-10, atol=1e-13)


@fast
@given(st.integers(1, 8), st.integers(1, 4), seeds)
def test_sigmoid_vjp_matches_autograd(n, m, seed):
    rng = np.random.default_rng(seed)
    z, g = rng.normal(scale=3, size=(n, m)), rng.normal(size=(n, m))
    expected = grad(lambda v: anp.sum(g * _ag_sigmoid(v)))(z)
    got = cj.sigmoid_vjp(z, g)
    assert got.shape == z.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)


@fast
@given(shapes, seeds)
def test_affine_vjps_match_autograd(shape, seed):
    W, x, b, g = _affine(seed, *shape)
    dx = grad(lambda v: anp.sum(g * (anp.dot(W, v) + b)))(x)
    dW = grad(lambda V: anp.sum(g * (anp.dot(V, x) + b)))(W)
    np.testing.assert_allclose(cj.affine_vjp_wrt_x(W, x, b, g), dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cj.affine_vjp_wrt_W(W, x, b, g), dW, rtol=1e-12, atol=1e-12)


@fast
@given(shapes, seeds)
def test_vjp_equals_transposed_jacobian_times_g(shape, seed):
    """The VJP helpers compute Jᵀ g without building J: same numbers as building it."""
    W, x, b, g = _affine(seed, *shape)
    np.testing.assert_allclose(cj.affine_vjp_wrt_x(W, x, b, g), cj.affine_jacobian_wrt_x(W, x, b).T @ g,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cj.affine_vjp_wrt_W(W, x, b, g).ravel(),
                               cj.affine_jacobian_wrt_W(W, x, b).T @ g.ravel(), rtol=1e-12, atol=1e-12)
    z = W @ x + b
    np.testing.assert_allclose(cj.sigmoid_vjp(z, g), functions.sigmoid_jacobian(z).T @ g, rtol=1e-12, atol=1e-15)


@fast
@given(st.integers(1, 8), seeds)
def test_chapter_references_from_functions_match_autograd(n, seed):
    """The sigmoid and softmax Jacobians the chapter grades against (they live in course.reference.functions)."""
    z = np.random.default_rng(seed).normal(scale=3, size=(n, 1))
    np.testing.assert_allclose(functions.sigmoid_jacobian(z), _ag_jac(_ag_sigmoid, z), rtol=1e-10, atol=1e-14)
    J = functions.softmax_jacobian(z)
    np.testing.assert_allclose(J, _ag_jac(_ag_softmax, z), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-14)


def test_flat_vectors_keep_their_shape():
    W, x, b, g = _affine(0, 3, 4)
    assert cj.affine_vjp_wrt_x(W, x.ravel(), b.ravel(), g.ravel()).shape == (4,)
    assert cj.affine_vjp_wrt_W(W, x.ravel(), b.ravel(), g.ravel()).shape == (3, 4)
    np.testing.assert_array_equal(cj.affine_jacobian_wrt_W(W, x.ravel(), b, ), cj.affine_jacobian_wrt_W(W, x, b))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda W, x, b, g: cj.affine_jacobian_wrt_x(W.ravel(), x, b), r"^W: expected a 2-D .*got shape \(12,\)"),
        (lambda W, x, b, g: cj.affine_jacobian_wrt_W(W, x[:3], b), r"^x: expected .*n_in=4.*got shape \(3, 1\)"),
        (lambda W, x, b, g: cj.sigmoid_layer_jacobian(W, x, np.ones((3, 2))), r"^b: expected .*got shape \(3, 2\)"),
        (lambda W, x, b, g: cj.affine_vjp_wrt_x(W, x, b, g[:2]), r"^g: expected .*n_out=3.*got shape \(2, 1\)"),
        (lambda W, x, b, g: cj.affine_vjp_wrt_W(W, x * np.nan, b, g), r"^x: expected finite values"),
        (lambda W, x, b, g: cj.sigmoid_vjp(x, g), r"^g: expected the shape of z, \(4, 1\), got shape \(3, 1\)"),
    ],
)
def test_bad_shapes_and_values_are_refused_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call(*_affine(0, 3, 4))


def test_bad_types_are_refused_naming_the_argument():
    W, x, b, g = _affine(0, 3, 4)
    with pytest.raises(TypeError, match=r"^x: expected a real-valued float array"):
        cj.affine_jacobian_wrt_x(W, "abc", b)
    with pytest.raises(TypeError, match=r"^z: "):
        cj.sigmoid_vjp(np.array([1 + 2j]), np.array([1.0]))


# ----------------------------------------------------------------------------
# the specs
# ----------------------------------------------------------------------------


def test_chapter_2_exercises_and_points():
    assert [s.name for s in ch02.SPECS] == [
        "ch02.finite_difference_jacobian", "ch02.sigmoid_jacobian", "ch02.affine_jacobian_wrt_x",
        "ch02.sigmoid_layer_jacobian", "ch02.softmax_jacobian", "ch02.normalize_jacobian", "ch02.sigmoid_vjp",
        "ch02.affine_vjp_wrt_x", "ch02.affine_jacobian_wrt_W", "ch02.affine_vjp_wrt_W",
    ]
    assert sum(s.points for s in ch02.SPECS) == 17
    for spec in ch02.SPECS:
        assert len(spec.bugs) >= 2, spec.name
        assert spec.forbidden, spec.name


@pytest.mark.parametrize("spec", ch02.SPECS, ids=lambda s: s.name)
def test_cases_are_seeded_and_picklable(spec):
    a, b = (spec.make_case(np.random.default_rng(5)) for _ in range(2))
    assert pickle.loads(pickle.dumps(a)).label == a.label == b.label
    for u, v in zip(a.args, b.args):
        if isinstance(u, np.ndarray):
            np.testing.assert_array_equal(u, v)
    for case in spec.public_cases() + spec.hidden_cases(seed=1):
        out = spec.reference(*case.args)
        assert np.all(np.isfinite(out)), (spec.name, case.label)


@pytest.mark.parametrize("spec", ch02.SPECS, ids=lambda s: s.name)
def test_reference_passes_its_own_answer_free_checks(spec):
    for check_fn in spec.answer_free + spec.cost:
        assert check_fn(spec.reference) is None, (spec.name, check_fn.__name__)


def _label(check_fn) -> str:
    """The check's label in reports: the first line of its docstring."""
    return check_fn.__doc__.strip().splitlines()[0]


@pytest.mark.parametrize("spec", ch02.SPECS, ids=lambda s: s.name)
def test_answer_free_checks_have_distinct_labels(spec):
    labels = [_label(c) for c in spec.answer_free]
    assert all(labels) and len(set(labels)) == len(labels), labels


@pytest.mark.parametrize(
    "name, bug, label",
    [
        ("ch02.sigmoid_vjp", "built the full Jacobian", "Memory: no n x n Jacobian built (n = 2000)."),
        ("ch02.affine_vjp_wrt_W", "built the flattened Jacobian",
         "Memory: the flattened Jacobian is not built (W is 150 x 200)."),
        ("ch02.affine_vjp_wrt_W", "not reshaped", "Memory: the flattened Jacobian is not built (W is 150 x 200)."),
        ("ch02.softmax_jacobian", "treated softmax as elementwise",
         "Rows and columns sum to 0, and the matrix is symmetric."),
        ("ch02.softmax_jacobian", "sign flipped", "Agrees with finite differences."),
        ("ch02.sigmoid_jacobian", "dense instead of diagonal", "Agrees with finite differences, entry by entry (also where i != j)."),
        ("ch02.sigmoid_jacobian", "σ instead of σ'", "Agrees with finite differences, entry by entry (also where i != j)."),
        ("ch02.finite_difference_jacobian", "transposed (inputs x outputs)", "Exact on a linear map x -> A x."),
        ("ch02.finite_difference_jacobian", "divided by h instead of 2h", "Exact on a linear map x -> A x."),
        ("ch02.affine_jacobian_wrt_x", "transposed (inputs x outputs)", "Agrees with finite differences."),
        ("ch02.sigmoid_layer_jacobian", "σ instead of σ'", "Agrees with finite differences."),
        ("ch02.affine_jacobian_wrt_W", "flattened W column by column",
         "Agrees with finite differences (W flattened row by row)."),
        ("ch02.normalize_jacobian", "treated ‖z‖ as a constant", "Moving z along itself does not change the direction: J z = 0."),
        ("ch02.normalize_jacobian", "sign flipped", "Agrees with finite differences."),
    ],
)
def test_answer_free_checks_catch_the_bug_they_are_for(name, bug, label):
    spec = SPEC_BY_NAME[name]
    (impl,) = [b.impl for b in spec.bugs if b.name == bug]
    (check_fn,) = [c for c in spec.answer_free + spec.cost if _label(c) == label]
    assert isinstance(check_fn(impl), str)


def test_the_helper_modules_are_not_chapters():
    """ch02's specs live in ch02_*.py modules; the registry reads only ``chNN`` and finds them all there."""
    assert [m for m in chapter_modules() if m.startswith("course.exercises.ch02")] == ["course.exercises.ch02"]
    assert [s.name for s in all_specs() if s.name.startswith("ch02.")] == [s.name for s in ch02.SPECS]


@pytest.mark.parametrize("spec", ch02.SPECS, ids=lambda s: s.name)
def test_every_bug_differs_from_the_reference_on_some_public_case_or_check(spec):
    """A bug that no public case and no answer-free check can tell apart would be unnameable."""
    def rejects(check_fn, impl) -> bool:
        try:
            return check_fn(impl) is not None
        except (ValueError, TypeError):
            return True

    for bug in spec.bugs:
        caught = any(rejects(check_fn, bug.impl) for check_fn in spec.answer_free + spec.cost)
        for case in spec.public_cases():
            try:
                got = np.asarray(bug.impl(*case.args))
            except (ValueError, TypeError):
                caught = True
                continue
            want = spec.reference(*case.args)
            if got.shape != want.shape or not np.allclose(got, want, rtol=spec.rtol, atol=spec.atol):
                caught = True
        assert caught, (spec.name, bug.name)


# ----------------------------------------------------------------------------
# check() accepts the reference and rejects every named bug
# ----------------------------------------------------------------------------


def _fd(f, x, h):
    x = np.asarray(x, dtype=np.float64)
    J = np.zeros((np.size(f(x)), x.size))
    for j in range(x.size):
        step = np.zeros_like(x)
        step.flat[j] = h
        J[:, j] = (np.ravel(f(x + step)) - np.ravel(f(x - step))) / (2 * h)
    return J


def _softmax_jacobian(z):
    p = functions.softmax(np.reshape(z, (-1, 1)))
    return np.diag(p.ravel()) - p @ p.T


def _affine_jacobian_wrt_W(W, x, b):
    n_out, n_in = W.shape
    J = np.zeros((n_out, n_out * n_in))
    for i in range(n_out):
        J[i, i * n_in:(i + 1) * n_in] = x.ravel()
    return J


# the notebook's solutions, written as a learner would (no course reference called)
SOLUTIONS = {
    "ch02.finite_difference_jacobian": _fd,
    "ch02.sigmoid_jacobian": lambda z: np.diag(functions.sigmoid_prime(z).ravel()),
    "ch02.affine_jacobian_wrt_x": lambda W, x, b: W.copy(),
    "ch02.sigmoid_layer_jacobian": lambda W, x, b: np.diag(functions.sigmoid_prime(W @ x + b).ravel()) @ W,
    "ch02.softmax_jacobian": _softmax_jacobian,
    "ch02.normalize_jacobian": lambda z: (np.eye(z.size) - z @ z.T / (z.T @ z)) / np.sqrt(z.T @ z),
    "ch02.sigmoid_vjp": lambda z, g: functions.sigmoid_prime(z) * g,
    "ch02.affine_vjp_wrt_x": lambda W, x, b, g: W.T @ g,
    "ch02.affine_jacobian_wrt_W": _affine_jacobian_wrt_W,
    "ch02.affine_vjp_wrt_W": lambda W, x, b, g: g @ x.T,
}


@pytest.mark.parametrize("spec", ch02.SPECS, ids=lambda s: s.name)
def test_check_accepts_a_correct_solution(spec):
    solution = SOLUTIONS[spec.name]
    report = check(spec.name, solution)
    assert report, report
    assert report.forbidden is None
    assert grade(spec.name, solution, seed=123).score == pytest.approx(spec.points)


@pytest.mark.parametrize("spec", ch02.SPECS, ids=lambda s: s.name)
def test_the_reference_passes_but_calling_it_scores_zero(spec):
    allowed = run_spec(spec, spec.reference, mode="grade", seed=0, enforce_forbidden=False)
    assert allowed and allowed.score == pytest.approx(spec.points), allowed
    report = grade(spec.name, spec.reference, seed=0)
    assert report.forbidden is not None and report.score == 0.0


@pytest.mark.parametrize(
    "spec, bug",
    [(spec, bug) for spec in ch02.SPECS for bug in spec.bugs],
    ids=lambda v: getattr(v, "name", ""),
)
def test_check_rejects_and_names_every_bug(spec, bug):
    report = check(spec.name, bug.impl)
    assert not report, (spec.name, bug.name)
    assert bug.name in {c.bug for c in report.cases if not c.passed}, (bug.name, report)
    assert grade(spec.name, bug.impl, seed=7).score < spec.points



@fast
@given(st.integers(1, 6), seeds)
def test_normalize_jacobian_matches_autograd(n, seed):
    from course.exercises.ch02.normalize import normalize_jacobian
    z = np.random.default_rng(seed).normal(size=(n, 1)) + 0.1
    expected = _ag_jac(lambda v: v / anp.sqrt(anp.sum(v**2)), z)
    assert np.allclose(normalize_jacobian(z), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["ch02.sigmoid_vjp", "ch02.affine_vjp_wrt_W"])
def test_vjp_memory_requirements_are_cost_requirements(name):
    spec = SPEC_BY_NAME[name]
    assert spec.cost and 0 < spec.cost_cap < 1
    (built,) = [b for b in spec.bugs if b.name.startswith("built the")]
    assert all(c(spec.reference) is None for c in spec.cost)
    assert any(isinstance(c(built.impl), str) for c in spec.cost)


def test_ignoring_h_in_the_jacobian_loses_hidden_cases():
    spec = SPEC_BY_NAME["ch02.finite_difference_jacobian"]
    (bug,) = [b for b in spec.bugs if b.name == "ignored h"]
    assert run_spec(spec, bug.impl, mode="grade", seed=0, enforce_forbidden=False).score < 0.8 * spec.points
