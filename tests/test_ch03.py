"""Chapter 3: the reference answers, the engine harnesses and their shortcut detection.

The generic suites (test_specs, test_pipeline) already prove every spec's reference, stubs and
named bugs; here: the references agree with the course's engine and with finite differences,
the harnesses judge what they claim to judge, each declared shortcut scores 0 with a message
that says why, and each declared honest variant keeps full marks.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from course.checking.run import run_spec
from course.exercises.ch03 import SPECS, harness, model_engine as me, programs
from course.exercises.ch03.hand import network_mistake
from course.gradcheck.numeric import numerical_gradient
from course.reference import gates, scalar_backprop as sb
from course.reference.autodiff import Value, topological_order



# ---------------------------------------------------------------- the references
@pytest.mark.parametrize("x, y, up", [(2.0, -1.0, 3.0), (-0.5, 0.25, -2.0), (1.5, 1.5, 0.5)])
def test_gates_agree_with_the_course_engine(x, y, up):
    for op, ref in [(lambda a, b: a + b, gates.add_gate_backward),
                    (lambda a, b: a * b, gates.mul_gate_backward),
                    (lambda a, b: a.max(b), gates.max_gate_backward)]:
        a, b = Value(x), Value(y)
        (op(a, b) * up).backward()
        assert ref(x, y, up) == pytest.approx((a.grad, b.grad), rel=1e-15)


def test_max_gate_tie_goes_to_the_first_input():
    assert gates.max_gate_backward(0.5, 0.5, 2.0) == (2.0, 0.0)


def test_copy_gate_sums_and_sigmoid_routes_agree():
    assert gates.copy_gate_backward((1.5, -0.5, 2.0)) == 3.0
    for z in (-4.0, -0.3, 0.0, 2.5):
        out = gates.sigmoid_gate_backward(z, 1.7)
        assert out["dz_steps"] == pytest.approx(out["dz_whole"], rel=1e-14)
        v = Value(z)
        (v.sigmoid() * 1.7).backward()
        assert out["dz_whole"] == pytest.approx(v.grad, rel=1e-14)
        assert out["db"] == out["dc"] and out["dz_steps"] == -out["da"]


@pytest.mark.parametrize("seed", range(5))
def test_hand_backprop_agrees_with_the_course_engine(seed):
    rng = np.random.default_rng(seed)
    x0, y0, z0 = rng.uniform(-3, 3, size=3)
    x, y, z = Value(x0), Value(y0), Value(z0)
    q = x + y
    (q * z).backward()
    assert sb.worked_example(x0, y0, z0) == pytest.approx({"q": q.grad, "x": x.grad, "y": y.grad, "z": z.grad})
    x, y, z = Value(x0), Value(y0), Value(z0)
    a = x * y
    m = a.max(z)
    s = y + z
    (m * s).backward()
    expected = {"m": m.grad, "s": s.grad, "a": a.grad, "x": x.grad, "y": y.grad, "z": z.grad}
    assert sb.fanout_example(x0, y0, z0) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(4))
def test_network_221_agrees_with_finite_differences_and_a_numpy_rewrite(seed):
    rng = np.random.default_rng(seed)
    x, W1, b1, w2 = rng.normal(size=2), rng.normal(size=(2, 2)), rng.normal(size=2), rng.normal(size=2)
    b2, d = float(rng.normal()), float(rng.uniform())
    g = sb.network_221_backward(x, W1, b1, w2, b2, d)

    def div(**kw):
        args = {"x": x, "W1": W1, "b1": b1, "w2": w2, "b2": b2, "d": d, **kw}
        return sb.network_221_forward(**args)["div"]

    np.testing.assert_allclose(g["dW1"], numerical_gradient(lambda W: div(W1=W), W1), atol=1e-8)
    np.testing.assert_allclose(g["dw2"], numerical_gradient(lambda w: div(w2=w), w2), atol=1e-8)
    np.testing.assert_allclose(g["dx"], numerical_gradient(lambda v: div(x=v), x), atol=1e-8)
    np.testing.assert_allclose(g["db1"], numerical_gradient(lambda b: div(b1=b), b1), atol=1e-8)
    mine = network_mistake(x, W1, b1, w2, b2, d)
    for key, value in g.items():
        np.testing.assert_allclose(mine[key], value, rtol=1e-12)


# ---------------------------------------------------------------- programs and harnesses
@pytest.mark.parametrize("seed", range(20))
def test_random_programs_use_every_primitive_and_evaluate_like_the_engine(seed):
    program = programs.random_program(np.random.default_rng(seed))
    assert set(programs.PRIMITIVES) <= {name for name, *_ in program[1]}
    values = programs.evaluate(program)
    assert all(math.isfinite(v) and abs(v) < 100 for v in values)
    assert [n.data for n in programs.build(Value, program)] == pytest.approx(values, rel=1e-14)


def test_walk_order_is_a_valid_order_and_survives_a_long_chain():
    root = programs.build(Value, programs.chain(20000))[-1]
    order = programs.walk_order(root)
    assert len(order) == 20001 and order[-1] is root
    seen = set()
    for node in order:
        assert all(id(p) in seen for p in node._prev)
        seen.add(id(node))


def test_topological_order_is_judged_by_validity_not_one_order():
    program = programs.random_dag(np.random.default_rng(3), 25)

    def kahn(root):                                    # a different valid order
        return programs.walk_order(root)

    root = programs.build(Value, program)[-1]
    assert kahn(root) != topological_order(root)        # a different order ...
    full = {k: 1.0 for k in harness.run_topological_order(topological_order, *program)}
    assert harness.run_topological_order(kahn, *program) == full     # ... judged just as right
    assert harness.run_topological_order(me.order_root_first, *program)["inputs before their uses"] == 0.0
    assert harness.run_topological_order(me.order_without_visited, *program)["every node exactly once"] == 0.0
    assert harness.run_topological_order(lambda root: [root], *program)["every node exactly once"] == 0.0


def test_a_recursive_sort_fails_the_long_chain_only():
    chain = programs.chain(5000)
    assert harness.run_topological_order(me.recursive_order, *chain)[harness.FINISHED] == 0.0
    small = programs.random_dag(np.random.default_rng(0), 12)
    assert all(v == 1.0 for v in harness.run_topological_order(me.recursive_order, *small).values())


def test_backward_twice_doubles_every_gradient():
    program = programs.random_program(np.random.default_rng(5))
    out = harness.run_backward(Value.backward, *program, 2)
    np.testing.assert_allclose(out["after call 2"], 2 * out["after call 1"], rtol=1e-12)
    stale = harness.run_backward(me.backward_restarts_from_stale, *program, 2)
    np.testing.assert_allclose(stale["after call 1"], out["after call 1"], rtol=1e-12)
    assert not np.allclose(stale["after call 2"], out["after call 2"])


@pytest.mark.parametrize("program", [((1.5,), (("+", 0, 0, 0.0),)),
                                     ((-0.5,), (("+", 0, 0, 0.0), ("+", 1, 1, 0.0)))],
                         ids=["a + a", "b = a + a; c = b + b"])
def test_fan_out_needs_accumulation(program):
    right = harness.run_ops(me.ModelValue, *program)
    wrong = harness.run_ops(me.AssignsGrad, *program)
    assert right["grad of the inputs"][0] == 2.0 ** len(program[1])
    assert wrong["grad of the inputs"][0] != right["grad of the inputs"][0]


def test_the_watch_restores_what_it_patched():
    before = (math.exp, math.tanh, np.exp, np.tanh, Value.__init__, vars(Value).get("__setattr__"),
              me.ModelValue.__init__, vars(me.ModelValue).get("__setattr__"))
    harness.run_ops(me.ModelValue, *programs.random_program(np.random.default_rng(1)))
    harness.run_backward(Value.backward, *programs.random_program(np.random.default_rng(2)), 1)
    with pytest.raises(harness.NumericShortcut):
        harness.run_ops(harness_shortcut_class(), *programs.random_program(np.random.default_rng(1)))
    after = (math.exp, math.tanh, np.exp, np.tanh, Value.__init__, vars(Value).get("__setattr__"),
             me.ModelValue.__init__, vars(me.ModelValue).get("__setattr__"))
    assert before == after


def harness_shortcut_class():
    from course.exercises.ch03.shortcuts import NumericByMath
    return NumericByMath


def test_recomputing_the_forward_value_at_the_node_is_not_a_shortcut():
    program = programs.random_program(np.random.default_rng(7))
    assert harness.run_ops(me.RecomputesForward, *program)["grad of the inputs"] == pytest.approx(
        harness.run_ops(Value, *program)["grad of the inputs"])


# ---------------------------------------------------------------- shortcuts and variants
# (each shortcut scoring 0 and each variant full marks is proven for every spec in test_specs.py)
def test_every_engine_spec_declares_shortcuts_and_the_gates_are_analytic():
    names = {s.name: s for s in SPECS}
    for name in ("ch03.value_ops", "ch03.topological_order", "ch03.backward", "ch03.zero_grad"):
        assert names[name].shortcuts and names[name].call is not None
    assert all(s.analytic for s in SPECS if s.name not in ("ch03.topological_order", "ch03.zero_grad"))


# ---------------------------------------------------------------- pictures and questions
def test_the_picture_marks_the_first_wrong_node_nearest_the_output():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from course.plots.gradients import FIRST_EDGE, first_wrong, plot_gradient_check

    x, y, z = Value(3.0, "x"), Value(-1.0, "y"), Value(2.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.backward()
    yours = {q: 2.0, x: 2.0, y: 1.0, z: 3.0}                 # z and y wrong; z is nearer f
    assert first_wrong(f, yours) is z
    assert first_wrong(f, {q: 2.0, x: 2.0, y: 2.0, z: 2.0}) is None
    ax = plot_gradient_check(f, yours)
    texts = [t.get_text() for t in ax.texts]
    assert any("yours 3" in t and t.startswith("z = 2") for t in texts)
    thick = [p for p in ax.patches if p.get_linewidth() > 2 * min(pp.get_linewidth() for pp in ax.patches)]
    assert len(thick) == 1 and matplotlib.colors.same_color(thick[0].get_edgecolor(), FIRST_EDGE)
    assert "z (yours 3, expected 2)" in " ".join(t.get_text() for t in ax.get_figure().texts)
    plt.close("all")
    with pytest.raises(TypeError, match="root"):
        plot_gradient_check(2.0, {})


@pytest.mark.parametrize("name, wrong", [("ch03.worked_example", lambda x, y, z: {"q": 0.0, "x": 0.0, "y": 0.0, "z": 0.0}),
                                         ("ch03.value_ops", me.AssignsGrad),
                                         ("ch03.backward", me.backward_forward_order),
                                         ("ch03.network_221", lambda *a: network_mistake(*a, mistake="one term"))])
def test_draw_on_graph_draws_the_failing_case_and_returns_the_check(name, wrong, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from course.exercises.ch03.pictures import draw_on_graph

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    report = draw_on_graph(name, wrong)
    assert not report and len(shown) == 1
    assert "first wrong gradient" in " ".join(t.get_text() for t in shown[0].texts)
    plt.close("all")


def test_reveal_waits_shows_and_judges():
    from course.exercises.ch03.questions import reveal

    assert reveal(None, 5.0, "why").status == "waiting" and "my_prediction" in repr(reveal(None, 5.0, "w"))
    assert reveal("?", 5.0, "because").status == "shown" and "5" in repr(reveal("?", 5.0, "because"))
    assert reveal(5, 5.0, "w").status == "right" and reveal(4.0, 5.0, "w").status == "wrong"
    assert reveal("five", 5.0, "w").status == "wrong" and "<b" in reveal(4.0, 5.0, "w")._repr_html_()
