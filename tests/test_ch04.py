"""Chapter 4: the reference functions of vector backprop, its specs, and the contract with chapter 5.

The reference (course/reference/backprop.py) is checked against finite differences and against
the course's own layers, losses and MLP; bad input gets a message naming the argument. The specs
give each output of a tuple or dict its own share of a case, honest answers in other styles score
full, shortcuts score 0, and hints never carry an answer's formula. The solution notebook defines
the functions chapter 5 loads, with the names and parameters the brief fixes.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course import MLP, Linear, ReLU, Sigmoid, Tanh, mse_loss, numerical_gradient, softmax_cross_entropy
from course.checking import run_spec
from course.exercises import all_specs, get_spec
from course.reference import backprop

ROOT = Path(__file__).resolve().parent.parent
SPECS = [s for s in all_specs() if s.name.startswith("ch04.")]
NOTEBOOK = ROOT / "solutions" / "ch04_vector_backprop" / "vector_backprop.ipynb"

#: shortcuts that only the analytic enforcement (issue 7) can see: they call nothing forbidden


@pytest.fixture
def rng():
    return np.random.default_rng(12)


# ----------------------------------------------------------------------------
# the reference
# ----------------------------------------------------------------------------


def test_linear_backward_agrees_with_finite_differences_and_the_course_layer(rng):
    W, b, A = rng.normal(size=(3, 5)), rng.normal(size=(3, 1)), rng.normal(size=(5, 4))
    G = rng.normal(size=(3, 4))
    dA, dW, db = backprop.linear_backward(G, A, W)
    phi = lambda W_, b_, A_: float(np.sum(G * backprop.linear_forward(W_, b_, A_)))
    assert np.allclose(dA, numerical_gradient(lambda x: phi(W, b, x), A), atol=1e-8)
    assert np.allclose(dW, numerical_gradient(lambda x: phi(x, b, A), W), atol=1e-8)
    assert np.allclose(db, numerical_gradient(lambda x: phi(W, x, A), b), atol=1e-8)
    layer = Linear.from_params(W, b)
    assert np.allclose(layer.forward(A), backprop.linear_forward(W, b, A), rtol=1e-14, atol=0)
    assert np.allclose(layer.backward(G), dA) and np.allclose(layer.dW, dW) and np.allclose(layer.db, db)


@pytest.mark.parametrize("back, layer", [(backprop.sigmoid_backward, Sigmoid), (backprop.tanh_backward, Tanh),
                                         (backprop.relu_backward, ReLU)])
def test_activation_backward_is_the_course_layers_backward(back, layer, rng):
    Z, dA = rng.normal(scale=3, size=(4, 6)), rng.normal(size=(4, 6))
    lay = layer()
    lay.forward(Z)
    assert np.allclose(back(dA, Z), lay.backward(dA), rtol=1e-14, atol=0)
    f = lambda V: float(np.sum(dA * lay.forward(V)))
    assert np.allclose(back(dA, Z), numerical_gradient(f, Z), atol=1e-7)


def test_losses_are_the_course_losses_gradients(rng):
    A, Y = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    assert np.allclose(backprop.mse_backward(A, Y), mse_loss(A, Y)[1], rtol=1e-14, atol=0)
    Z, T = rng.normal(size=(3, 5)), np.eye(3)[:, [0, 1, 2, 2, 0]]
    assert np.allclose(backprop.softmax_cross_entropy_backward(Z, T), softmax_cross_entropy(Z, T)[1])
    big = np.array([[1000.0, -1000.0], [990.0, 0.0]])
    assert np.all(np.isfinite(backprop.softmax_cross_entropy_backward(big, np.eye(2))))


def test_mlp_backward_is_the_course_mlps_gradients(rng):
    net = MLP([3, 5, 4, 2], activation="sigmoid", output_activation="sigmoid", rng=rng)
    params = net.parameters()
    for key in params:
        params[key][...] = rng.normal(size=params[key].shape)
    X, Y = rng.normal(size=(3, 7)), rng.uniform(size=(2, 7))
    net.backward(mse_loss(net.forward(X), Y)[1])
    ours = backprop.mlp_backward([params[f"{i}.W"] for i in (0, 2, 4)], [params[f"{i}.b"] for i in (0, 2, 4)], X, Y)
    assert list(ours) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    theirs = net.gradients()
    for l, i in enumerate((0, 2, 4), start=1):
        assert np.allclose(ours[f"dW{l}"], theirs[f"{i}.W"]) and np.allclose(ours[f"db{l}"], theirs[f"{i}.b"])


def test_two_layer_gradients_agree_with_finite_differences(rng):
    V, W, X, T = rng.normal(size=(4, 3)), rng.normal(size=(2, 4)), rng.normal(size=(3, 6)), rng.uniform(size=(2, 6))
    cost = lambda V_, W_: mse_loss(backprop.two_layer_forward(V_, W_, X)[1], T)[0]
    dW, dV = backprop.two_layer_gradients(V, W, X, T)
    assert np.allclose(dW, numerical_gradient(lambda x: cost(V, x), W), atol=1e-9)
    assert np.allclose(dV, numerical_gradient(lambda x: cost(x, W), V), atol=1e-9)


@pytest.mark.parametrize("call, words", [
    (lambda: backprop.linear_forward(np.ones((3, 2)), np.ones((3, 1)), np.ones((3, 4))), "A_prev"),
    (lambda: backprop.linear_forward(np.ones((3, 2)), np.ones((1, 3)), np.ones((2, 4))), "b"),
    (lambda: backprop.linear_backward(np.ones((3, 4)), np.ones((2, 5)), np.ones((3, 2))), "A_prev"),
    (lambda: backprop.sigmoid_backward(np.ones((2, 3)), np.ones((3, 2))), "dA"),
    (lambda: backprop.mse_backward(np.ones((1, 4)), np.ones(4)), "Y"),
    (lambda: backprop.softmax_cross_entropy_backward(np.ones((3, 2)), np.ones((2, 3))), "Y"),
    (lambda: backprop.softmax_cross_entropy_backward(np.ones((3, 2)), np.array([0, 2])), "one_hot(y, 3)"),
    (lambda: backprop.mlp_backward([np.ones((2, 3))], [], np.ones((3, 1)), np.ones((2, 1))), "Ws, bs"),
    (lambda: backprop.mlp_backward([np.ones((2, 3)), np.ones((1, 3))], [np.ones((2, 1))] * 2,
                                   np.ones((3, 1)), np.ones((1, 1))), "Ws[1]"),
])
def test_bad_input_names_the_argument(call, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        call()


# ----------------------------------------------------------------------------
# the specs
# ----------------------------------------------------------------------------


def test_the_chapter_has_its_nine_exercises():
    assert [s.name for s in SPECS] == [
        "ch04.linear_forward", "ch04.mse_backward", "ch04.sigmoid_backward", "ch04.tanh_backward",
        "ch04.relu_backward", "ch04.linear_backward", "ch04.softmax_cross_entropy_backward",
        "ch04.two_layer_gradients", "ch04.mlp_backward"]
    assert all(s.analytic for s in SPECS if s.name != "ch04.linear_forward")


def test_each_output_of_linear_backward_earns_its_own_share():
    spec = get_spec("ch04.linear_backward")

    def db_not_summed(dZ, A_prev, W):
        return W.T @ dZ, dZ @ A_prev.T, dZ

    report = run_spec(spec, db_not_summed, mode="grade", seed=3)
    failed = [c for c in report.cases if not c.passed]
    assert failed and all(c.credit == pytest.approx(2 / 3) for c in failed)      # dA_prev and dW right
    assert spec.points * 2 / 3 <= report.score < spec.points
    assert any(c.bug == "bias gradient not summed over the batch" for c in failed)


def test_each_parameter_of_mlp_backward_earns_its_own_share():
    spec = get_spec("ch04.mlp_backward")

    def last_layer_only(Ws, bs, X, Y):
        grads = backprop_copy(Ws, bs, X, Y)
        return {k: (v if k.endswith(str(len(Ws))) else np.zeros_like(v)) for k, v in grads.items()}

    report = run_spec(spec, last_layer_only, mode="grade", seed=4)
    assert 0 < report.score < spec.points


def backprop_copy(Ws, bs, X, Y):
    """An honest MLP backward written out here (the course's would be forbidden)."""
    Zs, As = [], [X]
    for W, b in zip(Ws, bs):
        Zs.append(W @ As[-1] + b)
        As.append(1 / (1 + np.exp(-Zs[-1])))
    grads, dA = {}, (As[-1] - Y) / X.shape[1]
    for l in range(len(Ws), 0, -1):
        dZ = dA * As[l] * (1 - As[l])
        grads[f"dW{l}"], grads[f"db{l}"] = dZ @ As[l - 1].T, dZ.sum(axis=1, keepdims=True)
        dA = Ws[l - 1].T @ dZ
    return grads


# Variants scoring full and shortcuts scoring 0 are proven for every spec in tests/test_specs.py.


_FORMULA = re.compile(r"@|\.T\b|sum\(axis|keepdims|\(1 - |1 − s|\bA - Y|\bP - Y|Wᵀ|δ a|dZ A")


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_titles_and_hints_carry_no_formula_of_the_answer(spec):
    for text in [spec.title] + [b.hint for b in spec.bugs]:
        assert not _FORMULA.search(text), text


# ----------------------------------------------------------------------------
# the contract with chapter 5: names and parameters of the learner's functions
# ----------------------------------------------------------------------------

CONTRACT = {
    "linear_forward": ["W", "b", "A_prev"],
    "linear_backward": ["dZ", "A_prev", "W"],
    "sigmoid_backward": ["dA", "Z"],
    "tanh_backward": ["dA", "Z"],
    "relu_backward": ["dA", "Z"],
    "mse_backward": ["A", "Y"],
    "softmax_cross_entropy_backward": ["Z", "Y"],
}


def test_the_notebook_defines_the_functions_chapter_5_loads():
    defined = {}
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            fn = ast.parse(cell.source).body[0]
            defined[fn.name] = [a.arg for a in fn.args.args]
    for name, params in CONTRACT.items():
        assert defined.get(name) == params, f"{name}: {defined.get(name)}"
        assert list(getattr(backprop, name).__code__.co_varnames[:len(params)]) == params


# ----------------------------------------------------------------------------
# the analytic detector's known gaps on this chapter (course/checking; fixes proposed there)
# ----------------------------------------------------------------------------

_bound_tanh = np.tanh       # bound before the graded call, like `from numpy import tanh` in a notebook


def _tanh_differences_bound(dA, Z, h=1e-5):
    return dA * (_bound_tanh(Z + h) - _bound_tanh(Z - h)) / (2 * h)


def test_a_central_difference_through_a_bound_numpy_tanh_scores_zero():
    report = run_spec(get_spec("ch04.tanh_backward"), _tanh_differences_bound, mode="grade")
    assert report.score == 0.0 and report.shortcut


def test_differencing_the_course_loss_scores_zero_for_calling_it():
    def differences(A, Y, h=1e-6):
        dA = np.zeros_like(A)
        for i in np.ndindex(A.shape):
            up, down = A.copy(), A.copy()
            up[i] += h
            down[i] -= h
            dA[i] = (mse_loss(up, Y)[0] - mse_loss(down, Y)[0]) / (2 * h)
        return dA

    report = run_spec(get_spec("ch04.mse_backward"), differences, mode="grade")
    assert report.score == 0.0 and report.forbidden == "course.reference.losses.mse_loss" and report.shortcut
    assert "scores 0" in repr(report)
