"""Chapter 5: the network on parameter dicts, the descent loops, the recipes, the fit harness and
the chapter-4 carry-over. (The specs themselves are held to the generic contract in test_specs.py.)
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

import course
from course import carryover
from course.exercises import get_spec
from course.exercises.ch05 import harness
from course.reference import descent, recipes
from course.reference.network import (CHAPTER4, NAMES, Network, backprop_mse, backprop_softmax, init_params,
                                      n_layers)


def _numeric_grads(net, params, X, Y, h=1e-6):
    out = {}
    for k, p in params.items():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            q = copy.deepcopy(params)
            q[k][i] += h
            up = net(q, X, Y)[0]
            q[k][i] -= 2 * h
            g[i] = (up - net(q, X, Y)[0]) / (2 * h)
        out[k] = g
    return out


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("loss", ["mse", "softmax"])
def test_network_gradients_match_finite_differences(hidden, loss):
    rng = np.random.default_rng(0)
    params = init_params([3, 4, 5, 3], rng=rng)
    params = {k: v + 0.1 * rng.normal(size=v.shape) for k, v in params.items()}   # non-zero biases
    X = rng.normal(size=(3, 6))
    Y = rng.integers(0, 3, size=6) if loss == "softmax" else rng.normal(size=(3, 6))
    net = Network(hidden, loss)
    C, grads = net(params, X, Y)
    assert set(grads) == set(params) and all(grads[k].shape == params[k].shape for k in params)
    numeric = _numeric_grads(net, params, X, Y)
    for k in params:
        np.testing.assert_allclose(grads[k], numeric[k], rtol=1e-5, atol=1e-8, err_msg=k)


def test_batch_loss_and_gradient_are_the_means_of_the_examples():
    rng = np.random.default_rng(1)
    params, X, Y = init_params([2, 5, 2], rng=rng), rng.normal(size=(2, 7)), rng.normal(size=(2, 7))
    C, g = backprop_mse(params, X, Y)
    singles = [backprop_mse(params, X[:, t:t + 1], Y[:, t:t + 1]) for t in range(7)]
    assert C == pytest.approx(np.mean([c for c, _ in singles]), rel=1e-12)
    for k in params:
        np.testing.assert_allclose(g[k], np.mean([s[k] for _, s in singles], axis=0), rtol=1e-12, atol=1e-15)


def test_network_uses_the_functions_it_is_given():
    calls = []

    def spy_forward(W, b, A):
        calls.append(A.shape)
        return W @ A + b

    rng = np.random.default_rng(2)
    params, X, Y = init_params([2, 3, 1], rng=rng), rng.normal(size=(2, 4)), rng.normal(size=(1, 4))
    C, _ = Network("tanh", "mse", {"linear_forward": spy_forward})(params, X, Y)
    assert calls == [(2, 4), (3, 4)]
    assert C == Network("tanh", "mse")(params, X, Y)[0]


def test_bad_parameters_and_settings_are_named():
    rng = np.random.default_rng(3)
    with pytest.raises(ValueError, match="W1, b1"):
        n_layers({"W1": np.ones((1, 1)), "b2": np.ones((1, 1))})
    with pytest.raises(TypeError, match="params"):
        n_layers([np.ones(1)])
    with pytest.raises(ValueError, match="hidden"):
        Network("softplus")
    with pytest.raises(ValueError, match="loss"):
        Network("tanh", "hinge")
    with pytest.raises(ValueError, match="sizes"):
        init_params([3], rng=rng)
    with pytest.raises(ValueError, match="scale"):
        init_params([3, 2], rng=rng, scale="lecun")
    with pytest.raises(TypeError, match="rng"):
        init_params([3, 2], rng=3)


def test_the_course_functions_a_network_falls_back_on_are_chapter4s_answers():
    from course.exercises import get_spec

    for name in NAMES:
        assert CHAPTER4[name] is get_spec(f"ch04.{name}").reference, name


def test_a_softmax_network_hands_chapter4s_backward_one_hot_columns():
    rng = np.random.default_rng(8)
    params, X, y = init_params([3, 4, 3], rng=rng), rng.normal(size=(3, 5)), rng.integers(0, 3, 5)
    C_labels, g_labels = backprop_softmax(params, X, y)
    C_onehot, g_onehot = backprop_softmax(params, X, course.one_hot(y, 3))
    assert C_labels == pytest.approx(C_onehot)
    for k in params:
        np.testing.assert_array_equal(g_labels[k], g_onehot[k])


def test_one_batch_of_everything_takes_the_notes_step():
    rng = np.random.default_rng(5)
    params, X, Y = init_params([2, 6, 1], rng=rng), rng.normal(size=(2, 9)), rng.normal(size=(1, 9))
    before = copy.deepcopy(params)
    ps, loss_ps = descent.train_per_sample_loop(params, X, Y, 0.7, 1, backprop_mse)
    mb, loss_mb = descent.train_minibatch_loop(params, X, Y, 0.7, 1, 9, backprop_mse)
    for k in params:
        np.testing.assert_allclose(ps[k], mb[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(params[k], before[k])          # the input is left alone
    assert loss_ps[0] == pytest.approx(loss_mb[0], rel=1e-12)
    assert loss_ps[0] == pytest.approx(9 * backprop_mse(params, X, Y)[0], rel=1e-12)   # Loss is the sum


def test_the_loops_lower_the_loss():
    rng = np.random.default_rng(6)
    X, y = course.make_xor(60, rng=rng)
    params = init_params([2, 8, 2], rng=rng)
    _, losses = descent.train_minibatch_loop(params, X, y, 0.5, 60, 10, backprop_softmax)
    assert losses[-1] < 0.5 * losses[0]
    _, losses = descent.train_per_sample_loop(params, X, y, 1.0, 30, backprop_softmax)
    assert losses[-1] < losses[0]


def test_counting_backprop_counts_examples_and_harness_reports_the_run():
    counted = harness.CountingBackprop(Network("tanh", "softmax"))
    rng = np.random.default_rng(7)
    params = init_params([2, 3, 2], rng=rng)
    counted(params, rng.normal(size=(2, 5)), rng.integers(0, 2, 5))
    counted(params, rng.normal(size=(2, 3)), rng.integers(0, 2, 3))
    assert counted.examples == 8
    case = get_spec("ch05.fit_xor").public_cases()[0]
    keys = harness.outcome_keys(recipes.XOR)
    reached = harness.apply_xor(recipes.fit_xor, *case.args)
    assert reached == dict.fromkeys(keys, 1.0)
    untrained = harness.apply_xor(lambda X, y, rng, bp: init_params([2, 4, 2], rng=rng), *case.args)
    assert untrained[keys[1]] == 0.0                        # no example went through backprop


def test_harness_rejects_something_that_is_not_parameters():
    case = get_spec("ch05.fit_xor").public_cases()[0]
    with pytest.raises(ValueError, match="W1, b1"):
        harness.apply_xor(lambda X, y, rng, bp: {"weights": np.ones((2, 2))}, *case.args)


@pytest.mark.parametrize("target, name", [(recipes.OVERFIT, "ch05.overfit_tiny_batch"),
                                          (recipes.XOR, "ch05.fit_xor"), (recipes.DIGITS, "ch05.fit_digits")])
def test_recipes_meet_their_targets_with_a_margin(target, name):
    spec = get_spec(name)
    network = Network("tanh", "softmax")
    for case in spec.hidden_cases(seed=11)[:2]:
        counted = harness.CountingBackprop(network)
        X, y, *rest = case.args
        params = spec.reference(X, y, np.random.default_rng(rest[-1]), counted)
        assert counted.examples <= target.epochs * X.shape[1]
        if target.what == "loss":
            assert network(params, X, y)[0] < target.goal / 2
        else:
            assert network.accuracy(params, rest[0], rest[1]) >= target.goal + 0.02


# ----------------------------------------------------------------------------
# carry-over from chapter 4
# ----------------------------------------------------------------------------


def linear_forward(W, b, A_prev):
    return W @ A_prev + b


def tanh_backward(dA, Z):
    return dA * np.tanh(Z)          # wrong on purpose: misses the derivative


def _fake_check(name, fn):
    """Stands in for check("ch04.<name>", fn): agreement with the course's definition."""
    rng = np.random.default_rng(0)
    if name == "linear_forward":
        args = (rng.normal(size=(2, 3)), rng.normal(size=(2, 1)), rng.normal(size=(3, 4)))
    else:
        args = (rng.normal(size=(2, 4)), rng.normal(size=(2, 4)))
    return None if np.allclose(fn(*args), CHAPTER4[name](*args)) else "it fails its check"


def test_save_then_load_uses_passing_functions_and_falls_back_on_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(carryover, "_check", _fake_check)
    saved = carryover.save_chapter4({"linear_forward": linear_forward, "tanh_backward": tanh_backward},
                                    tmp_path / "my_backprop.py")
    assert saved.yours == ["linear_forward"]
    assert "not defined" in saved.origin["relu_backward"] and "fails" in saved.origin["tanh_backward"]
    text = (tmp_path / "my_backprop.py").read_text()
    assert "def linear_forward" in text and "def tanh_backward" not in text
    loaded = carryover.load_chapter4(tmp_path / "my_backprop.py")
    assert loaded.yours == ["linear_forward"] and loaded.functions["linear_forward"].__module__ != __name__
    assert loaded.functions["tanh_backward"] is CHAPTER4["tanh_backward"]
    assert "yours" in repr(loaded) and "1 of 7" in repr(loaded)


def test_load_checks_again_and_survives_a_broken_or_missing_file(tmp_path, monkeypatch):
    monkeypatch.setattr(carryover, "_check", _fake_check)
    path = tmp_path / "my_backprop.py"
    path.write_text("import numpy as np\ndef linear_forward(W, b, A_prev):\n    return W @ A_prev\n")
    edited = carryover.load_chapter4(path)                      # edited after saving: now wrong
    assert edited.yours == [] and "fails" in edited.origin["linear_forward"]
    path.write_text("raise RuntimeError('boom')\n")
    broken = carryover.load_chapter4(path)
    assert broken.yours == [] and "does not run" in broken.note and "boom" in repr(broken)
    missing = carryover.load_chapter4(tmp_path / "nothing.py")
    assert missing.yours == [] and "not found" in missing.note
    assert len(missing.functions) == len(NAMES)
    X, Y = np.random.default_rng(0).normal(size=(2, 3)), np.zeros((1, 3))
    params = init_params([2, 2, 1], rng=np.random.default_rng(1))
    assert missing.network("tanh", "mse")(params, X, Y)[0] == backprop_mse(params, X, Y)[0]


def test_with_the_real_chapter4_checks_a_right_function_is_yours_and_a_wrong_one_is_not(tmp_path):
    saved = carryover.save_chapter4({"linear_forward": linear_forward, "tanh_backward": tanh_backward},
                                    tmp_path / "my_backprop.py")
    assert saved.yours == ["linear_forward"] and "fails its check" in saved.origin["tanh_backward"]
    loaded = carryover.load_chapter4(tmp_path / "my_backprop.py")
    assert loaded.yours == ["linear_forward"]
    assert "passes ch04.linear_forward" in loaded.origin["linear_forward"]


def test_yours_or_course_picks_a_passing_answer_and_says_so():
    def stub(params, grads, lr):
        raise NotImplementedError()

    fn, line = carryover.yours_or_course("ch05.gradient_step", stub, descent.gradient_step)
    assert fn is descent.gradient_step and "not written yet" in line

    def mine(params, grads, lr):
        return {k: params[k] - lr * grads[k] for k in params}

    fn, line = carryover.yours_or_course("ch05.gradient_step", mine, descent.gradient_step)
    assert fn is mine and "your mine" in line

    def wrong(params, grads, lr):
        return {k: params[k] + lr * grads[k] for k in params}

    fn, line = carryover.yours_or_course("ch05.gradient_step", wrong, descent.gradient_step)
    assert fn is descent.gradient_step and "does not pass" in line


# ----------------------------------------------------------------------------
# the chapter's specs: honest answers in other styles score full, shortcuts score 0
# ----------------------------------------------------------------------------

from course.exercises.ch05 import SPECS as CH05_SPECS   # noqa: E402
from course.checking import grade                        # noqa: E402


@pytest.mark.parametrize("spec", CH05_SPECS, ids=lambda s: s.name)
def test_variants_score_full_and_shortcuts_score_zero(spec):
    assert spec.variants and spec.shortcuts
    for variant in spec.variants:
        report = grade(spec.name, variant, seed=3)
        assert report.score == spec.points, (variant.__name__, repr(report))
    for shortcut in spec.shortcuts:
        report = grade(spec.name, shortcut, seed=3)
        assert report.score == 0.0 and report.forbidden and "scores 0" in repr(report), shortcut.__name__


def test_the_notes_erratum_is_named_in_both_the_step_and_the_loop():
    from course.checking import check

    for name in ("ch05.gradient_step", "ch05.train_per_sample"):
        spec = get_spec(name)
        bug = next(b for b in spec.bugs if b.name == "bias updated with the weight gradient")
        report = check(name, bug.impl)
        assert not report and any(c.bug == bug.name for c in report.cases), repr(report)


def test_the_notebook_states_the_targets_the_specs_grade():
    import nbformat

    from graders.generate import REPO_ROOT

    nb = nbformat.read(REPO_ROOT / "solutions" / "ch05_training" / "training.ipynb", as_version=4)
    text = " ".join(c.source for c in nb.cells if c.cell_type == "markdown").replace("\n", " ")
    for target in (recipes.OVERFIT, recipes.XOR, recipes.DIGITS):
        seconds = "second" if target.seconds == 1 else "seconds"
        assert f"within {target.epochs} epochs and {target.seconds:g} {seconds}" in text, target
    assert "0.01" in text and "85 %" in text and "88 %" in text
