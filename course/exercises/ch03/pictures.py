"""Chapter 3: an exercise's graph drawn with the learner's gradients beside the expected ones.

``draw_on_graph(name, answer)`` runs ``answer`` (guarded, as ``check`` does) on the first public
case it gets wrong (else the first one), builds that case's graph with the course's ``Value``,
backpropagates it for the expected gradients and draws it with
:func:`course.plots.gradients.plot_gradient_check`: each node's value, expected gradient and
the learner's, the first wrong node marked. It returns ``check(name, answer)``, so a self-check
cell can read ``check(...) or draw_on_graph(...)``: the picture appears only when the check fails.
Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import copy
import io
from typing import Any, Callable

import numpy as np

from course.checking.compare import compare
from course.checking.guard import Guard, quiet
from course.checking.report import CheckReport
from course.checking.run import check
from course.exercises import get_spec
from course.exercises.ch03.programs import build
from course.reference.autodiff import Value

__all__ = ["draw_on_graph", "GRAPHS", "network_graph"]

Yours = dict  # node -> float | None
_MAX_NODES = 45


def _num(x: Any) -> float | None:
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _get(out: Any, key: Any) -> float | None:
    try:
        return _num(out[key])
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def _named(node: Value, label: str) -> Value:
    node.label = label
    return node


def _worked(args: tuple, out: Any) -> tuple[Value, Yours]:
    x, y, z = (Value(v, n) for v, n in zip(args, "xyz"))
    q = _named(x + y, "q")
    f = _named(q * z, "f")
    f.backward()
    return f, {n: _get(out, n.label) for n in (q, x, y, z)}


def _fanout(args: tuple, out: Any) -> tuple[Value, Yours]:
    x, y, z = (Value(v, n) for v, n in zip(args, "xyz"))
    a = _named(x * y, "a")
    m = _named(a.max(z), "m")
    s = _named(y + z, "s")
    f = _named(m * s, "f")
    f.backward()
    return f, {n: _get(out, n.label) for n in (m, s, a, x, y, z)}


def _sigmoid(args: tuple, out: Any) -> tuple[Value, Yours]:
    z = Value(args[0], "z")
    a = _named(z * -1.0, "a")
    b = _named(a.exp(), "b")
    c = _named(b + 1.0, "c")
    s = _named(c ** -1, "s")
    loss = _named(s * Value(args[1], "upstream"), "L")
    loss.backward()
    return loss, {c: _get(out, "dc"), b: _get(out, "db"), a: _get(out, "da"), z: _get(out, "dz_steps")}


def network_graph(x: np.ndarray, W1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: float,
                  d: float) -> tuple[Value, dict[str, Value]]:
    """The 2-2-1 network of ``ch03.network_221`` as a graph of labelled ``Value`` nodes.

    Returns a root whose gradients are those of the divergence (see the comment at its end) and
    the named nodes: ``x0 x1 W1[j,i] b1[j] z1[j] y1[j] w2[j] b2 z2 y``.
    """
    nodes: dict[str, Value] = {}
    xs = [nodes.setdefault(f"x{i}", Value(float(x[i]), f"x{i}")) for i in range(2)]
    y1 = []
    for j in range(2):
        total = Value(float(b1[j]), f"b1[{j}]")
        nodes[f"b1[{j}]"] = total
        for i in range(2):
            w = nodes.setdefault(f"W1[{j},{i}]", Value(float(W1[j, i]), f"W1[{j},{i}]"))
            total = w * xs[i] + total
        nodes[f"z1[{j}]"] = _named(total, f"z1[{j}]")
        y1.append(nodes.setdefault(f"y1[{j}]", _named(total.tanh(), f"y1[{j}]")))
    z2 = Value(float(b2), "b2")
    nodes["b2"] = z2
    for j in range(2):
        w = nodes.setdefault(f"w2[{j}]", Value(float(w2[j]), f"w2[{j}]"))
        z2 = w * y1[j] + z2
    nodes["z2"] = _named(z2, "z2")
    y = nodes.setdefault("y", _named(z2.sigmoid(), "y"))
    # Div = (y - d)^2 / 2 only enters through dDiv/dy = y - d: the root y * (y - d), with
    # y - d held as a constant, has the same gradient at every node and a smaller picture
    div = _named(y * Value(y.data - float(d), "y - d"), "y·(y - d)")
    return div, nodes


def _network(args: tuple, out: Any) -> tuple[Value, Yours]:
    div, n = network_graph(*args)
    div.backward()

    def entry(key: str, *index: int) -> float | None:
        try:
            return _num(np.asarray(out[key])[index])
        except (TypeError, KeyError, IndexError, ValueError):
            return None

    yours = {n["y"]: entry("dy"), n["z2"]: entry("dz2"), n["b2"]: entry("db2")}
    for j in range(2):
        yours.update({n[f"w2[{j}]"]: entry("dw2", j), n[f"y1[{j}]"]: entry("dy1", j),
                      n[f"z1[{j}]"]: entry("dz1", j), n[f"b1[{j}]"]: entry("db1", j),
                      n[f"x{j}"]: entry("dx", j)})
        for i in range(2):
            yours[n[f"W1[{j},{i}]"]] = entry("dW1", j, i)
    return div, yours


def _program_graph(program: Any) -> list[Value]:
    nodes = build(Value, program)
    n_leaves = len(program[0])
    for k, node in enumerate(nodes):
        node.label = f"x{k}" if k < n_leaves else f"n{k}"
    return nodes


def _ops(args: tuple, out: Any) -> tuple[Value, Yours]:
    nodes = _program_graph(args[:2])
    nodes[-1].backward()
    try:
        grads = list(np.asarray(out["grad of the inputs"])) + list(np.asarray(out["grad of the inner nodes"]))
    except (TypeError, KeyError, ValueError):
        grads = [None] * len(nodes)
    return nodes[-1], {node: _num(g) if g is not None else None for node, g in zip(nodes, grads)}


def _backward(args: tuple, out: Any) -> tuple[Value, Yours]:
    nodes = _program_graph(args[:2])
    nodes[-1].backward()
    try:
        grads = list(np.asarray(out["after call 1"]))
    except (TypeError, KeyError, ValueError):
        grads = [None] * len(nodes)
    return nodes[-1], {node: _num(g) if g is not None else None for node, g in zip(nodes, grads)}


#: exercise name -> graph(case args, learner output) -> (root with expected grads, node -> yours)
GRAPHS: dict[str, Callable[[tuple, Any], tuple[Value, Yours]]] = {
    "ch03.worked_example": _worked,
    "ch03.fanout_graph": _fanout,
    "ch03.sigmoid_gate": _sigmoid,
    "ch03.network_221": _network,
    "ch03.value_ops": _ops,
    "ch03.backward": _backward,
}


def _small(spec: Any, case: Any) -> bool:
    program = case.args[:2] if spec.call is not None else None
    return program is None or len(program[0]) + 2 * len(program[1]) <= _MAX_NODES


def draw_on_graph(name: str, answer: Any) -> CheckReport:
    """Draw exercise ``name``'s graph with ``answer``'s gradients; return ``check(name, answer)``.

    Parameters
    ----------
    name : str
        One of the graph exercises (:data:`GRAPHS`), e.g. ``"ch03.worked_example"``.
    answer : callable
        Your function (or class, for ``ch03.value_ops``).
    """
    if name not in GRAPHS:
        raise ValueError(f"name: expected one of {sorted(GRAPHS)}, got {name!r}")
    import matplotlib.pyplot as plt
    from course.plots.gradients import plot_gradient_check

    spec = get_spec(name)
    applied = answer if spec.call is None else (lambda *args: spec.call(answer, *args))
    guard = Guard(applied, (), 5.0)
    chosen, output, note = None, None, ""
    with quiet():
        for case in [c for c in spec.public_cases() if _small(spec, c)]:
            outcome = guard.call(case.args)
            expected = spec.apply(spec.reference, copy.deepcopy(case.args))
            wrong = outcome.error is not None or compare(outcome.value, expected, rtol=spec.rtol,
                                                         atol=spec.atol)[0] is not None
            if chosen is None or wrong:
                chosen, output = case, outcome.value
                note = f" — your answer {outcome.message}" if outcome.error is not None else ""
            if wrong:
                break
        root, yours = GRAPHS[name](chosen.args, output)
    ax = plot_gradient_check(root, yours, rtol=max(spec.rtol, 1e-9), atol=max(spec.atol, 1e-12),
                             title=f"{name}, {chosen.label}{note}")
    _show(ax.get_figure())
    return check(name, answer)


def _show(fig: Any) -> None:
    """Show ``fig`` at its natural size: in a notebook, as an image that scrolls sideways
    instead of being shrunk to the cell's width (a graph of 30 nodes is wide); else plt.show()."""
    import matplotlib.pyplot as plt
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:                      # pragma: no cover - IPython comes with Jupyter
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        plt.show()
        return
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    display(Image(buffer.getvalue(), unconfined=True))
