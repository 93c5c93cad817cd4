"""Tests for course.plots.graph.plot_graph (drawn off screen, with the Agg canvas)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course.reference.autodiff import Value, topological_order
from course.plots.graph import _BOX_H, _layout, _op_radius, _Router, node_text, plot_graph


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def f_xyz() -> Value:
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    return f


def sigmoid_neuron() -> Value:
    w0, x0, w1, x1, w2 = (Value(v, name) for v, name in
                          [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.backward()
    return out


def random_dag(rng: np.random.Generator, n_nodes: int) -> Value:
    """About ``n_nodes`` nodes with fan-out, all reachable from the returned root."""
    nodes = [Value(float(v), f"x{i}") for i, v in enumerate(rng.normal(size=5))]
    unused = dict.fromkeys(nodes)      # insertion-ordered set: the graph is reproducible
    while len(nodes) + len(unused) < n_nodes:
        a, b = (nodes[int(i)] for i in rng.integers(len(nodes), size=2))
        new = [a + b, a * b, a.tanh(), a.max(b), a.sigmoid()][int(rng.integers(5))]
        for parent in new._prev:
            unused.pop(parent, None)
        unused[new] = None
        nodes.append(new)
    return sum(unused, start=Value(0.0))


def texts(ax: Axes, gid: str) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def draw(ax: Axes) -> None:
    canvas = ax.figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()


def test_f_xyz_one_box_per_node_with_data_and_grad() -> None:
    f = f_xyz()
    ax = plot_graph(f)
    assert isinstance(ax, Axes)
    assert sorted(texts(ax, "value")) == sorted([
        "x | data -2.000 | grad -4.000",
        "y | data 5.000 | grad -4.000",
        "z | data -4.000 | grad 3.000",
        "q | data 3.000 | grad -4.000",
        "f | data -12.000 | grad 1.000",
    ])
    assert sorted(texts(ax, "op")) == ["+", "×"]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 4 + 2                    # one per operand, one per op output
    draw(ax)


def test_every_node_is_drawn_once_with_its_numbers() -> None:
    out = sigmoid_neuron()
    ax = plot_graph(out)
    nodes = topological_order(out)
    drawn = texts(ax, "value")
    assert sorted(drawn) == sorted(node_text(v) for v in nodes)
    for v in nodes:
        assert f"data {v.data:.3f}" in node_text(v) and f"grad {v.grad:.3f}" in node_text(v)
    assert texts(ax, "op").count("σ") == 1


def test_show_grad_false_hides_gradients() -> None:
    ax = plot_graph(f_xyz(), show_grad=False)
    assert "x | data -2.000" in texts(ax, "value")
    assert not any("grad" in t for t in texts(ax, "value"))


def test_node_text_formats() -> None:
    assert node_text(Value(2.0, "x")) == "x | data 2.000 | grad 0.000"
    assert node_text(Value(-0.0)) == "data 0.000 | grad 0.000"
    assert node_text(Value(1.5e-7), show_grad=False) == "data 1.50e-07"
    assert node_text(Value(-3e6, "big")) == "big | data -3.00e+06 | grad 0.000"


def test_layout_boxes_do_not_overlap() -> None:
    for root in (f_xyz(), sigmoid_neuron(), random_dag(np.random.default_rng(1), 20)):
        ax = plot_graph(root)
        boxes = [p.get_bbox() for p in ax.patches if isinstance(p, FancyBboxPatch)]
        assert len(boxes) == len(topological_order(root))
        for i, a in enumerate(boxes):
            for b in boxes[:i]:
                assert not a.overlaps(b), (a, b)


def arrows_through_boxes(root: Value) -> list[tuple[Value, Value]]:
    """(parent, node) of every arrow whose path runs through the inside of a box."""
    layout = _layout(root, show_grad=True)
    router = _Router(layout)
    boxes = [(layout.x[v] + 0.01, layout.x[v] + layout.width[v] - 0.01,
              layout.y[v] - _BOX_H / 2 + 0.01, layout.y[v] + _BOX_H / 2 - 0.01) for v in layout.y]
    crossing = []
    for node in layout.y:
        for parent in node._prev:
            points = np.array(router.path(parent, node, _op_radius(node), 0.0))
            t = np.linspace(0.0, 1.0, 200)[:, None]
            samples = np.concatenate([a + t * (b - a) for a, b in zip(points[:-1], points[1:])])
            if any(np.any((x0 < samples[:, 0]) & (samples[:, 0] < x1) &
                          (y0 < samples[:, 1]) & (samples[:, 1] < y1)) for x0, x1, y0, y1 in boxes):
                crossing.append((parent, node))
    return crossing


def test_arrows_go_round_the_boxes() -> None:
    a = Value(3.0, "a")
    fan_out = (a + a) * a
    randoms = [random_dag(np.random.default_rng(seed), n) for seed in range(10) for n in (20, 60)]
    for root in [fan_out, f_xyz(), sigmoid_neuron(), *randoms]:
        assert arrows_through_boxes(root) == []


def test_box_crossing_check_sees_a_straight_long_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no obstacles the (a + a) * a arrow from a to × runs straight through the a + a box."""
    monkeypatch.setattr("course.plots.graph._Layout.blocked", lambda self, first, last: [])
    a = Value(3.0, "a")
    assert len(arrows_through_boxes((a + a) * a)) == 1


def test_layout_checker_sees_overlaps() -> None:
    """The overlap test above can fail: two boxes drawn at the same place are caught."""
    ax = plot_graph(f_xyz())
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    boxes[1].set_x(boxes[0].get_x())
    boxes[1].set_y(boxes[0].get_y())
    assert boxes[0].get_bbox().overlaps(boxes[1].get_bbox())


def test_fan_out_and_skipped_columns_draw_every_arrow() -> None:
    a = Value(3.0, "a")
    c = (a + a) * a                                # a feeds + twice and × across a column
    c.backward()
    ax = plot_graph(c)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 4 + 2                    # operands a, a, a+a, a; two op outputs
    draw(ax)


def test_given_axes_is_used_and_returned() -> None:
    fig = Figure(figsize=(6, 3))
    ax = fig.add_subplot()
    assert plot_graph(sigmoid_neuron(), ax) is ax
    draw(ax)


def test_a_single_leaf() -> None:
    ax = plot_graph(Value(1.0, "lonely"))
    assert texts(ax, "value") == ["lonely | data 1.000 | grad 0.000"]
    assert texts(ax, "op") == []


def test_200_node_graph() -> None:
    root = random_dag(np.random.default_rng(0), 200)
    root.backward()
    n = len(topological_order(root))
    assert 190 <= n <= 210
    fig = Figure(figsize=(12, 8))
    ax = plot_graph(root, fig.add_subplot())
    assert len(texts(ax, "value")) == n
    draw(ax)
    big = plot_graph(root)                         # own figure, capped in size
    assert max(big.figure.get_size_inches()) <= 24.0
    assert len(texts(big, "value")) == n


@pytest.mark.parametrize("bad", [1.0, "f", None, [Value(1.0)]])
def test_rejects_non_value_root(bad) -> None:
    with pytest.raises(TypeError, match=f"root: expected a Value, got {type(bad).__name__}"):
        plot_graph(bad)
