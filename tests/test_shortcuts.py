"""The numeric-shortcut detector and cost caps, on small specs of this file's own.

An *analytic* exercise scores 0 when the answer differentiates numerically (in any spelling) or
delegates to an autodiff library, and honest answers in any style keep full marks. Each test
hands ``run_spec`` one answer and asserts the score and that the message says why. Honest styles
run on hundreds of random cases, including ones built to look like perturbations (small inputs
for sin∘sin, a softmax shift close to 0), so a false alarm would show. Cost requirements cap
the score at ``cost_cap * points`` with a stated message.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from course.checking import run_spec
from course.checking.guard import Guard
from course.exercises.answer_free import memory_check
from course.exercises.spec import Bug, Case, Spec
from course.gradcheck import numeric
from course.reference.functions import sigmoid

ORIGINAL_EXP, ORIGINAL_MATH_EXP = np.exp, math.exp


def assert_full_marks(spec, answer, seeds):
    """``answer`` scores full marks, no shortcut seen, on the hidden cases of every seed."""
    for seed in seeds:
        report = run_spec(spec, answer, mode="grade", seed=seed)
        assert report.score == spec.points and report.shortcut is None, repr(report)


# ----------------------------------------------------------------------------------------------
# toy spec 1: the slope of the sigmoid, elementwise (arrays of any shape)
# ----------------------------------------------------------------------------------------------


def slope(z):
    """Reference: σ'(z)."""
    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
    return s * (1.0 - s)


def _z_case(rng):
    shape = (int(rng.integers(2, 8)),) if rng.random() < 0.5 else (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
    z = rng.uniform(-6, 6, size=shape)
    return Case((z,), f"z of shape {shape}")


SLOPE = Spec(name="ch99.slope", title="the sigmoid's slope", reference=slope, make_case=_z_case, points=2.0,
             fixed_cases=(Case((np.array([-2.0, 0.0, 2.0]),), "z = [-2, 0, 2]"),),
             bugs=(Bug("value", "the value, not the slope", sigmoid), Bug("z", "use s", lambda z: z * (1 - z))),
             forbidden=(slope,), analytic=True)


def mysig(z):
    return 1 / (1 + np.exp(-z))


def my_central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def _entrywise(fn):
    def answer(z):
        z = np.asarray(z, dtype=np.float64)
        return np.array([fn(float(v)) for v in z.ravel()]).reshape(z.shape)
    return answer


def _autograd(z):
    import autograd
    import autograd.numpy as anp

    return autograd.elementwise_grad(lambda v: 1 / (1 + anp.exp(-v)))(np.asarray(z, dtype=np.float64))


NUMERIC_SLOPES = {
    "own difference of own sigmoid": lambda z: my_central_difference(mysig, z, 1e-5),
    "own difference of the course's sigmoid": lambda z: my_central_difference(sigmoid, z, 1e-6),
    "inline np.exp": lambda z: (1 / (1 + np.exp(-(z + 1e-6))) - 1 / (1 + np.exp(-(z - 1e-6)))) / 2e-6,
    "forward difference": lambda z: (mysig(z + 1e-7) - mysig(z)) / 1e-7,
    "step relative to |z|": lambda z: (mysig(z * (1 + 1e-7)) - mysig(z * (1 - 1e-7))) / (2e-7 * z),
    "step per entry max(1, |z|)": lambda z: my_central_difference(mysig, z, 1e-6 * np.maximum(1, np.abs(z))),
    "np.gradient on a stack": lambda z: np.gradient(mysig(np.stack([z - 1e-5, z, z + 1e-5])), 1e-5, axis=0)[1],
    "loop with math.exp": _entrywise(lambda v: (1 / (1 + math.exp(-(v + 1e-5))) - 1 / (1 + math.exp(-(v - 1e-5)))) / 2e-5),
    "loop, forward, own scalar function": _entrywise(lambda v: ((1 / (1 + math.exp(-v - 1e-6))) - 1 / (1 + math.exp(-v))) / 1e-6),
    "complex step": lambda z: np.imag(1 / (1 + np.exp(-(np.asarray(z) + 1e-20j)))) / 1e-20,
    "course numerical_derivative per entry": _entrywise(lambda v: numeric.numerical_derivative(mysig, v)),
    "course numerical_gradient of the sum": lambda z: numeric.numerical_gradient(lambda v: np.sum(mysig(v)), z),
    "np.gradient of two rows": lambda z: np.gradient(np.stack([mysig(z), mysig(z + 1e-5)]), 1e-5, axis=0)[0],
    "autograd": _autograd,
}


def _own_stable(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return s * (1 - s)


def _inplace(z):
    s = np.array(z, dtype=np.float64)
    np.negative(s, out=s)
    np.exp(s, out=s)
    s += 1
    np.reciprocal(s, out=s)
    s *= 1 - s
    return s


def _recompute(z):
    return mysig(z) * (1 - mysig(z))


HONEST_SLOPES = {
    "own sigmoid": lambda z: mysig(z) * (1 - mysig(z)),
    "the course's sigmoid": lambda z: sigmoid(z) * (1 - sigmoid(z)),
    "stable exp": _own_stable,
    "in place": _inplace,
    "recomputing the value": _recompute,
    "exp form": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
    "loop with math.exp": _entrywise(lambda v: (lambda s: s * (1 - s))(1 / (1 + math.exp(-v)))),
    "einsum": lambda z: (lambda s: np.einsum("...,...->...", s, 1 - s))(mysig(np.asarray(z, dtype=float))),
    "tanh identity": lambda z: (1 - np.tanh(z / 2) ** 2) / 4,
}


@pytest.mark.parametrize("name", NUMERIC_SLOPES)
def test_numeric_slopes_score_zero_with_the_reason(name):
    report = run_spec(SLOPE, NUMERIC_SLOPES[name], mode="grade")
    assert report.score == 0.0 and report.shortcut and not report, repr(report)
    text = repr(report)
    assert "scores 0" in text and ("numerically" in text or "automatic-differentiation" in text), text
    assert report.shortcut in text


@pytest.mark.parametrize("name", HONEST_SLOPES)
def test_honest_slopes_keep_full_marks_on_many_cases(name):
    assert_full_marks(replace(SLOPE, n_hidden=150), HONEST_SLOPES[name], range(2))


from numpy import exp as bound_exp     # noqa: E402 - bound before any call, as a notebook's import is


def _closure_over(f):
    def answer(z):
        return (1 / (1 + f(-(z + 1e-6))) - 1 / (1 + f(-(z - 1e-6)))) / 2e-6
    return answer


@pytest.mark.parametrize("answer", [
    lambda z: (1 / (1 + bound_exp(-(z + 1e-6))) - 1 / (1 + bound_exp(-(z - 1e-6)))) / 2e-6,
    _closure_over(np.exp),
    _entrywise(_closure_over(math.exp)),
], ids=["from numpy import exp", "np.exp in a closure", "math.exp in a closure, entry by entry"])
def test_functions_bound_before_the_call_are_watched_too(answer):
    report = run_spec(SLOPE, answer, mode="grade")
    assert report.score == 0 and report.shortcut and "exp" in report.shortcut, repr(report)
    assert bound_exp is ORIGINAL_EXP and answer.__closure__ is None or all(
        not type(c.cell_contents).__name__ == "_Watched" for c in answer.__closure__)


def test_the_messages_name_the_route():
    assert "autograd" in run_spec(SLOPE, _autograd).shortcut
    assert "mysig" in run_spec(SLOPE, NUMERIC_SLOPES["forward difference"]).shortcut
    assert "np.exp" in run_spec(SLOPE, NUMERIC_SLOPES["inline np.exp"]).shortcut
    assert "complex-step" in run_spec(SLOPE, NUMERIC_SLOPES["complex step"]).shortcut
    assert "course.gradcheck" in run_spec(SLOPE, NUMERIC_SLOPES["course numerical_gradient of the sum"]).shortcut


def test_a_spec_that_is_not_analytic_lets_numeric_answers_through():
    plain = replace(SLOPE, analytic=False)
    report = run_spec(plain, NUMERIC_SLOPES["own difference of own sigmoid"], mode="grade")
    assert report.passed and report.score == plain.points and report.shortcut is None


def test_numpy_and_math_are_restored_after_every_call_even_a_failing_one():
    def boom(z):
        np.exp(z + 1e-6)
        raise ValueError("no")

    def endless(z):
        while True:
            math.exp(1.0)

    for fn in (boom, endless, NUMERIC_SLOPES["inline np.exp"], HONEST_SLOPES["own sigmoid"]):
        guard = Guard(fn, (), time_limit=0.3, analytic=True)
        guard.call((np.array([0.5, 1.0]),))
        assert np.exp is ORIGINAL_EXP and math.exp is ORIGINAL_MATH_EXP
    assert type(np.exp).__name__ == "ufunc"


def test_calling_the_reference_is_still_forbidden_and_not_a_shortcut():
    report = run_spec(SLOPE, lambda z: slope(z), mode="grade")
    assert report.score == 0 and report.forbidden and "slope" in repr(report)


# ----------------------------------------------------------------------------------------------
# toy spec 2: the case hands over the functions (the chain rule), inputs close to 0
# ----------------------------------------------------------------------------------------------


def cubic(x):
    return x**3 - 2 * x


def cubic_prime(x):
    return 3 * x**2 - 2


_PAIRS = ((np.sin, np.cos), (np.tanh, lambda x: 1 - np.tanh(x) ** 2), (cubic, cubic_prime))


def chain(f_prime, g, g_prime, x):
    """Reference: d/dx f(g(x))."""
    return f_prime(g(x)) * g_prime(x)


def _chain_case(rng):
    (_, fp), (g, gp) = _PAIRS[int(rng.integers(2))], _PAIRS[int(rng.integers(3))]
    if rng.random() < 0.5:
        (_, fp), (g, gp) = _PAIRS[0], _PAIRS[0]           # sin∘sin: sin(x) is very close to x
    x = rng.uniform(-0.3, 0.3, size=int(rng.integers(3, 9)))
    return Case((fp, g, gp, x), "x close to 0")


CHAIN = Spec(name="ch99.chain", title="the chain rule", reference=chain, make_case=_chain_case, points=2.0,
             bugs=(Bug("at x", "where", lambda fp, g, gp, x: fp(x) * gp(x)),
                   Bug("no inner", "inner", lambda fp, g, gp, x: fp(g(x)))),
             forbidden=(chain,), analytic=True, n_hidden=200)

NUMERIC_CHAINS = {
    "numeric inner slope": lambda fp, g, gp, x: fp(g(x)) * (g(x + 1e-6) - g(x - 1e-6)) / 2e-6,
    "numeric inner slope, forward": lambda fp, g, gp, x: fp(g(x)) * (g(x + 1e-7) - g(x)) / 1e-7,
    "loop of scalar central differences": lambda fp, g, gp, x: np.array(
        [fp(g(v)) * (g(v + 1e-6) - g(v - 1e-6)) / 2e-6 for v in x]),
}
HONEST_CHAINS = {
    "vectorised": lambda fp, g, gp, x: fp(g(x)) * gp(x),
    "loop over entries": lambda fp, g, gp, x: np.array([fp(g(v)) * gp(v) for v in x]),
    "stored inner value": lambda fp, g, gp, x: (lambda u: fp(u) * gp(x))(g(x)),
}


@pytest.mark.parametrize("name", NUMERIC_CHAINS)
def test_a_numeric_slope_of_a_handed_over_function_scores_zero(name):
    report = run_spec(CHAIN, NUMERIC_CHAINS[name], mode="grade")
    assert report.score == 0 and report.shortcut and "numerically" in repr(report), repr(report)


@pytest.mark.parametrize("name", HONEST_CHAINS)
def test_honest_chains_pass_even_where_sin_x_is_almost_x(name):
    assert_full_marks(CHAIN, HONEST_CHAINS[name], range(3))


# ----------------------------------------------------------------------------------------------
# toy spec 3: a Jacobian (softmax of a column), honest shifts close to 0
# ----------------------------------------------------------------------------------------------


def my_softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def softmax_jac(z):
    """Reference: diag(p) - p pᵀ."""
    p = my_softmax(np.asarray(z, dtype=np.float64)).ravel()
    return np.diag(p) - np.outer(p, p)


def _col_case(rng):
    n = int(rng.integers(2, 7))
    z = rng.normal(size=(n, 1))
    if rng.random() < 0.5:
        z -= z.max() + rng.uniform(0, 1e-3)          # max z just below 0: the shift is a tiny step
    return Case((z,), f"z of shape {z.shape}")


SOFTMAX = Spec(name="ch99.softmax_jacobian", title="softmax's Jacobian", reference=softmax_jac, make_case=_col_case,
               points=2.0, bugs=(Bug("no outer", "p pᵀ", lambda z: np.diag(my_softmax(z).ravel())),
                                 Bug("sign", "sign", lambda z: -softmax_jac(z))),
               forbidden=(softmax_jac,), analytic=True, n_hidden=200)


def _coordinate_loop(z):
    n = z.size
    J = np.empty((n, n))
    for j in range(n):
        step = np.zeros_like(z)
        step[j] = 1e-6
        J[:, j] = ((my_softmax(z + step) - my_softmax(z - step)) / 2e-6).ravel()
    return J


def _softmax_columns(Z):
    e = np.exp(Z - Z.max(axis=0))
    return e / e.sum(axis=0)


def _stacked(z):
    h = 1e-6
    zz = z + h * np.eye(z.size)                      # column j is z + h e_j: every point at once
    return (_softmax_columns(zz) - my_softmax(z)) / h


def _softmax_loop(z):
    p = my_softmax(z).ravel()
    n = p.size
    J = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            J[i, j] = p[i] * ((i == j) - p[j])
    return J


def _softmax_recompute(z):
    J = -np.outer(my_softmax(z), my_softmax(z))
    J[np.diag_indices_from(J)] += my_softmax(z).ravel()
    return J


NUMERIC_JACOBIANS = {"coordinate loop": _coordinate_loop, "stacked points": _stacked,
                     "np.gradient": lambda z: np.stack([np.gradient(np.stack(
                         [my_softmax(z - 1e-6 * e), my_softmax(z + 1e-6 * e)]).squeeze(-1), 2e-6, axis=0)[0]
                         for e in np.eye(z.size)[:, :, None]], axis=1)}
HONEST_JACOBIANS = {"loop": _softmax_loop, "recomputing p": _softmax_recompute,
                    "einsum": lambda z: (lambda p: np.einsum("i,ij->ij", p, np.eye(p.size)) - np.einsum("i,j->ij", p, p))(
                        my_softmax(z).ravel())}


@pytest.mark.parametrize("name", NUMERIC_JACOBIANS)
def test_numeric_jacobians_score_zero(name):
    report = run_spec(SOFTMAX, NUMERIC_JACOBIANS[name], mode="grade")
    assert report.score == 0 and report.shortcut, repr(report)


@pytest.mark.parametrize("name", HONEST_JACOBIANS)
def test_honest_jacobians_pass_even_with_a_shift_close_to_zero(name):
    assert_full_marks(SOFTMAX, HONEST_JACOBIANS[name], range(2))


# ----------------------------------------------------------------------------------------------
# toy spec 4: floats only (one entry: a lone forward difference needs a round step to be seen)
# ----------------------------------------------------------------------------------------------


def xsin_prime(x):
    return math.sin(x) + x * math.cos(x)


SCALAR = Spec(name="ch99.xsin", title="slope of x sin x", reference=xsin_prime, points=1.0,
              make_case=lambda rng: Case((float(rng.uniform(-3, 3)),), "x"),
              bugs=(Bug("one path", "both", lambda x: math.sin(x)), Bug("other", "both", lambda x: x * math.cos(x))),
              forbidden=(xsin_prime,), analytic=True, n_hidden=50)


@pytest.mark.parametrize("answer", [
    lambda x: ((x + 1e-6) * math.sin(x + 1e-6) - (x - 1e-6) * math.sin(x - 1e-6)) / 2e-6,
    lambda x: ((lambda f: (f(x + 1e-7) - f(x)) / 1e-7)(lambda t: t * math.sin(t))),
    lambda x: ((lambda f: (f(x + 2**-20) - f(x)) / 2**-20)(lambda t: t * np.sin(t))),
], ids=["central", "forward 1e-7", "forward 2^-20"])
def test_scalar_differences_score_zero(answer):
    report = run_spec(SCALAR, answer, mode="grade")
    assert report.score == 0 and report.shortcut, repr(report)


@pytest.mark.parametrize("answer", [
    lambda x: math.sin(x) + x * math.cos(x),
    lambda x: float(np.sin(x) + x * np.cos(x)),
    lambda x: (lambda s, c: s + x * c)(math.sin(x), math.cos(x)),
], ids=["math", "numpy", "stored"])
def test_honest_scalar_slopes_pass(answer):
    report = run_spec(SCALAR, answer, mode="grade")
    assert report.score == SCALAR.points and report.shortcut is None, repr(report)


# ----------------------------------------------------------------------------------------------
# cost requirements cap the score
# ----------------------------------------------------------------------------------------------


def scale_vjp(z, g):
    """Reference: the VJP of the elementwise 3 z, i.e. 3 g."""
    return 3.0 * np.asarray(g, dtype=np.float64)


def _vjp_case(rng):
    n = int(rng.integers(2, 6))
    return Case((rng.normal(size=(n, 1)), rng.normal(size=(n, 1))), f"n = {n}")


def _big_inputs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(1500, 1)), rng.normal(size=(1500, 1))


NO_BIG_MATRIX = memory_check("Memory: no n x n Jacobian built (n = 1500).", _big_inputs,
                             budget=lambda z, g: 40 * z.nbytes, where=lambda z, g: "for n = 1500",
                             avoided="the n x n Jacobian")
VJP = Spec(name="ch99.scale_vjp", title="backprop through 3z", reference=scale_vjp, make_case=_vjp_case, points=2.0,
           bugs=(Bug("no g", "g", lambda z, g: 3.0 + 0 * g), Bug("J", "J", lambda z, g: 2.0 * g)),
           forbidden=(scale_vjp,), cost=(NO_BIG_MATRIX,), cost_cap=0.5)


def _with_jacobian(z, g):
    J = 3.0 * np.eye(np.size(z))
    return (J.T @ np.ravel(g)).reshape(np.shape(g))


@pytest.mark.parametrize("cap", [0.5, 0.25, 0.0])
def test_a_failed_cost_requirement_caps_the_score_at_the_stated_fraction(cap):
    spec = replace(VJP, cost_cap=cap)
    report = run_spec(spec, _with_jacobian, mode="grade")
    assert report.cost_failed and report.score == cap * spec.points, repr(report)
    assert all(c.passed for c in report.cases if c.kind != "cost")    # every case right, still capped
    text = repr(report)
    assert f"capped at {cap:.0%}" in text and "Memory: no n x n Jacobian" in text and "MB" in text


def test_a_cost_requirement_met_keeps_full_marks_and_is_not_a_case_of_the_fraction():
    report = run_spec(VJP, lambda z, g: 3.0 * g, mode="grade")
    assert report.passed and report.score == VJP.points and not report.cost_failed
    assert [c.kind for c in report.cases].count("cost") == 1
    half = run_spec(VJP, lambda z, g: 3.0 * g if np.size(g) < 4 else 2.0 * g, mode="grade", seed=1)
    counted = [c for c in half.cases if c.kind != "cost"]
    assert half.score == pytest.approx(VJP.points * sum(c.passed for c in counted) / len(counted))


def test_a_cost_cap_and_wrong_cases_take_the_lower_of_the_two():
    def wrong_and_wasteful(z, g):
        return _with_jacobian(z, g) if np.size(z) != 3 else 0 * g

    report = run_spec(VJP, wrong_and_wasteful, mode="grade", seed=3)
    counted = [c for c in report.cases if c.kind != "cost"]
    fraction = VJP.points * sum(c.passed for c in counted) / len(counted)
    assert report.score == pytest.approx(min(fraction, VJP.cost_cap * VJP.points))


def test_scores_are_displayed_rounded_and_kept_exact():
    spec = replace(SLOPE, analytic=False, n_hidden=3, public_seeds=(0, 1, 2))
    calls = iter(range(1000))
    report = run_spec(spec, lambda z: slope(z) if next(calls) % 3 else 0 * z, mode="grade",
                      enforce_forbidden=False)
    assert 0 < report.score < spec.points and report.score == spec.points * report.n_passed / report.n_cases
    shown = repr(report).splitlines()[0]
    assert f"score {report.score:.3g}/2" in shown and str(report.score) not in shown


# ----------------------------------------------------------------------------------------------
# toy spec 5: the point differentiated at is derived from the input (z recovered from s = σ(z))
# ----------------------------------------------------------------------------------------------


def slope_from_s(s):
    """Reference: σ' from the stored output s."""
    s = np.asarray(s, dtype=np.float64)
    return s * (1 - s)


FROM_S = Spec(name="ch99.slope_from_s", title="σ' from s", reference=slope_from_s, points=1.0,
              make_case=lambda rng: Case((mysig(rng.uniform(-5, 5, size=int(rng.integers(2, 7)))),), "s"),
              bugs=(Bug("s", "s", lambda s: s), Bug("1 - s", "1 - s", lambda s: 1 - s)),
              forbidden=(slope_from_s,), analytic=True, n_hidden=100)


def _logit(s):
    return np.log(s / (1 - s))


@pytest.mark.parametrize("answer", [
    lambda s: my_central_difference(mysig, _logit(s), 1e-6),
    lambda s: (mysig(_logit(s) + 1e-7) - mysig(_logit(s))) / 1e-7,
    lambda s: np.array([(1 / (1 + math.exp(-(z + 1e-6))) - 1 / (1 + math.exp(-(z - 1e-6)))) / 2e-6 for z in _logit(s)]),
    lambda s: np.array([(mysig(z * (1 + 1e-7)) - mysig(z * (1 - 1e-7))) / (2e-7 * z) for z in _logit(s)]),
], ids=["central", "forward", "loop", "relative step loop"])
def test_differences_around_a_point_derived_from_the_input_score_zero(answer):
    report = run_spec(FROM_S, answer, mode="grade")
    assert report.score == 0 and report.shortcut and "numerically" in report.shortcut, repr(report)


@pytest.mark.parametrize("answer", [
    lambda s: s * (1 - s),
    lambda s: mysig(_logit(s)) * (1 - mysig(_logit(s))),        # recomputing the value from z
    lambda s: np.array([v - v * v for v in s]),
], ids=["product", "recomputed", "loop"])
def test_honest_slopes_from_s_pass(answer):
    report = run_spec(FROM_S, answer, mode="grade")
    assert report.score == FROM_S.points and report.shortcut is None, repr(report)


# ----------------------------------------------------------------------------------------------
# the evidence rules on their own: what is a step, what is a coincidence
# ----------------------------------------------------------------------------------------------

from course.checking.nearby import Evidence  # noqa: E402


def _evaluations(points, inputs=(np.array([3.7, -1.2]),)):
    """The verdict after evaluating one function at ``points`` in turn (None: not flagged)."""
    evidence = Evidence(tuple(inputs), {}, tuple(f"x{i}" for i in range(len(inputs))))
    found = None
    for p in points:
        found = found or evidence.add("f", "f", (p,))
    return found


@pytest.mark.parametrize("points", [
    (0.00264852, 0.00264852 * 0.9),  # 0.9 times a tiny value: a "relative step" of 0.1 is no step
    (14.5497, 14.4497),             # 0.1 apart at 14.5: a program's constant, not a perturbation
    (20.25, 20.3),                  # 0.05 apart
], ids=["tenth relative", "tenth absolute", "twentieth absolute"])
def test_points_a_large_round_distance_apart_are_not_a_finite_difference(points):
    assert _evaluations(points) is None


@pytest.mark.parametrize("points", [
    (0.0026485, 0.0026485 * (1 + 1e-6)),      # a relative step of 1e-6
    (14.5497, 14.5497 + 1e-7),                 # an absolute step of 1e-7
    (14.5497, 14.5497 + 2 ** -20),
], ids=["relative 1e-6", "absolute 1e-7", "2^-20"])
def test_points_a_round_small_step_apart_are_a_finite_difference(points):
    assert _evaluations(points) and "numerically" in _evaluations(points)


def test_a_scalar_multiple_of_an_array_is_a_step_only_when_the_factor_is_near_one():
    old = np.array([0.03, -0.017, 0.022])      # small: 0.1 x old is within 1% of the scale 1
    assert _evaluations((old, 0.9 * old), inputs=(np.array([9.0, 9.0]),)) is None
    assert _evaluations((old, (1 + 1e-6) * old), inputs=(np.array([9.0, 9.0]),))


def test_a_harness_building_the_course_graph_is_not_seen_as_the_learner_evaluating():
    """ch03's harness builds the course's graph inside the watched call; a program with a '+c'
    node 0.1 from an input, or exp at two nodes either side of one, is the checker's doing. The
    course's own backward, handed over as the answer with forbidden calls allowed, must be
    judged honest on every case (it once read a '+ 0.1' node as a step of 0.1)."""
    from course.exercises import get_spec

    spec = get_spec("ch03.backward")
    for seed in range(60):
        report = run_spec(spec, spec.reference, mode="grade", seed=seed, enforce_forbidden=False)
        assert report.shortcut is None and report.score == spec.points, (seed, repr(report))
    leaves = (14.5497, 0.7, -1.3)                     # x + 0.1, and exp either side of -x
    ops = (("+c", 0, -1, 0.1), ("c*", 1, -1, -1.0), ("+c", 4, -1, 0.002), ("+c", 4, -1, -0.002),
           ("exp", 5, -1, 0.0), ("exp", 6, -1, 0.0), ("*", 7, 8, 0.0), ("+", 9, 3, 0.0))
    handed = replace(spec, fixed_cases=(Case((leaves, ops, 1), "built to look like steps"),),
                     make_case=lambda rng: Case((leaves, ops, 1), "built to look like steps"))
    report = run_spec(handed, spec.reference, mode="grade", seed=0, enforce_forbidden=False)
    assert report.shortcut is None and report.score == spec.points, repr(report)
