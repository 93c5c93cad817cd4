"""Chapter 3: the specs of backprop by hand (the worked example, a graph with fan-out, 2-2-1).

Each answer is a dict of every intermediate gradient, so each one earns its own share of a case.
Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import math

import numpy as np

from course.exercises.ch03 import shortcuts as sc
from course.exercises.spec import Bug, Case, Spec
from course.reference import scalar_backprop as sb

__all__ = ["WORKED_EXAMPLE", "FANOUT_GRAPH", "NETWORK_221"]


def _xyz(rng: np.random.Generator) -> Case:
    x, y, z = (float(np.round(v, 3)) for v in rng.uniform(-4, 4, size=3))
    return Case((x, y, z), f"x = {x:g}, y = {y:g}, z = {z:g}")


# ----------------------------------------------------------------------------
# the worked example f = (x + y) z
# ----------------------------------------------------------------------------


def _worked_add_no_upstream(x, y, z):
    return {"q": z, "x": 1.0, "y": 1.0, "z": x + y}


def _worked_not_swapped(x, y, z):
    q = x + y
    return {"q": q, "x": q, "y": q, "z": z}


def _worked_by_gates(x, y, z):
    """Honest, gate by gate: the mul gate swaps, the add gate passes its gradient on."""
    q = x + y
    dq, dz = z * 1.0, q * 1.0
    return {"q": dq, "x": 1.0 * dq, "y": 1.0 * dq, "z": dz}


def _worked_with_numpy(x, y, z):
    """Honest, with numpy: the local gradients of q as an array."""
    dq = float(np.float64(z))
    dxy = np.ones(2) * dq
    return {"q": dq, "x": float(dxy[0]), "y": float(dxy[1]), "z": float(np.add(x, y))}


WORKED_EXAMPLE = Spec(
    name="ch03.worked_example",
    title="every gradient of the worked example f(x, y, z), filled in backwards",
    reference=sb.worked_example,
    make_case=_xyz,
    points=2.0,
    fixed_cases=(Case((3.0, -1.0, -2.5), "x = 3, y = -1, z = -2.5 (the graph in the text)"),),
    bugs=(
        Bug("add gate forgot the upstream gradient", "x and y sit below the add node q: what "
            "arrives at q from above has to be multiplied in.", _worked_add_no_upstream),
        Bug("mul gate not swapped", "At f = q·z, how much does f move per unit of q, with z held "
            "fixed? That factor is not q itself.", _worked_not_swapped),
    ),
    forbidden=(sb.worked_example,),
    analytic=True,
    shortcuts=(sc.worked_example_central, sc.worked_example_forward),
    variants=(_worked_by_gates, _worked_with_numpy),
)


# ----------------------------------------------------------------------------
# fan-out: f = max(x y, z) (y + z)
# ----------------------------------------------------------------------------


def _fanout(x, y, z, *, y_paths=("mul", "add"), z_paths=("max", "add"), tie_first=True,
            max_both=False):
    a, s = x * y, y + z
    m = max(a, z)
    dm, ds = s, m
    first = a >= z if tie_first else a > z
    da, dz_max = (dm, 0.0) if first else (0.0, dm)
    if max_both:
        da = dz_max = dm
    parts_y = {"mul": x * da, "add": ds}
    parts_z = {"max": dz_max, "add": ds}
    return {"m": dm, "s": ds, "a": da, "x": y * da,
            "y": sum(parts_y[p] for p in y_paths), "z": sum(parts_z[p] for p in z_paths)}


def _fanout_accumulated(x, y, z):
    """Honest, the engine's way: every node's gradient starts at 0 and each use adds its share."""
    g = dict.fromkeys("xyzasm", 0.0)
    a, s = x * y, y + z
    m = max(a, z)
    g["m"] += s
    g["s"] += m
    if a >= z:
        g["a"] += g["m"]
    else:
        g["z"] += g["m"]
    g["x"] += y * g["a"]
    g["y"] += x * g["a"]
    g["y"] += g["s"]
    g["z"] += g["s"]
    return {k: g[k] for k in ("m", "s", "a", "x", "y", "z")}


def _fanout_case(rng: np.random.Generator) -> Case:
    if rng.random() < 0.2:      # a tie of the max gate: z = x y
        x, y = (float(np.round(v, 1)) for v in rng.uniform(-3, 3, size=2))
        z = x * y
        return Case((x, y, z), f"x = {x:g}, y = {y:g}, z = {z:g} (a tie at the max gate)")
    return _xyz(rng)


FANOUT_GRAPH = Spec(
    name="ch03.fanout_graph",
    title="every gradient of a graph where two inputs are used twice",
    reference=sb.fanout_example,
    make_case=_fanout_case,
    points=3.0,
    fixed_cases=(Case((1.0, 2.0, -1.0), "x = 1, y = 2, z = -1"),
                 Case((-1.0, 3.0, 1.0), "x = -1, y = 3, z = 1"),
                 Case((1.5, 2.0, 3.0), "x = 1.5, y = 2, z = 3 (a tie at the max gate)")),
    bugs=(
        Bug("y kept only its last use", "y feeds two gates. Its gradient was assigned, not "
            "accumulated: each use is a path, and the paths add.",
            lambda x, y, z: _fanout(x, y, z, y_paths=("add",))),
        Bug("y kept only its first use", "y feeds two gates: each use is a path to f, and the "
            "paths add.", lambda x, y, z: _fanout(x, y, z, y_paths=("mul",))),
        Bug("z kept only one use", "z feeds two gates: each use is a path to f, and the paths "
            "add.", lambda x, y, z: _fanout(x, y, z, z_paths=("add",))),
        Bug("max gate passed the gradient to both inputs", "Only the input that max picked "
            "changes its output when nudged.", lambda x, y, z: _fanout(x, y, z, max_both=True)),
        Bug("max tie went to the second input", "On a tie the course's max counts its first "
            "input as the larger.", lambda x, y, z: _fanout(x, y, z, tie_first=False)),
    ),
    forbidden=(sb.fanout_example,),
    analytic=True,
    shortcuts=(sc.fanout_central, sc.fanout_forward),
    variants=(_fanout, _fanout_accumulated),
)


# ----------------------------------------------------------------------------
# the 2-2-1 network by the scalar formulas
# ----------------------------------------------------------------------------


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def network_mistake(x, W1, b1, w2, b2, d, mistake: str = "") -> dict:
    """The 2-2-1 backward written with numpy, with one named ``mistake`` (or none)."""
    z1 = W1 @ x + b1
    y1 = np.tanh(z1)
    z2 = float(w2 @ y1 + b2)
    y = _sig(z2)
    dy = y - d
    dz2 = dy if mistake == "output f'" else y * (1 - y) * dy
    dw2 = (z1 if mistake == "z for y_prev" else y1) * dz2
    dy1 = w2 * dz2
    dz1 = (1 - (z1 if mistake == "tanh' from z" else y1) ** 2) * dy1
    dW1 = np.outer(dz1, x)
    if mistake == "W1 transposed":
        dW1 = dW1.T
    dx = W1.T @ dz1 if mistake != "one term" else W1[0] * dz1[0]
    return {"dy": dy, "dz2": dz2, "dw2": dw2, "db2": dz2, "dy1": dy1, "dz1": dz1, "dW1": dW1,
            "db1": dz1, "dx": dx}


def _network_by_loops(x, W1, b1, w2, b2, d):
    """Honest, with plain loops over neurons and inputs (the scalar formulas one by one)."""
    z1 = [sum(W1[j, i] * x[i] for i in range(2)) + b1[j] for j in range(2)]
    y1 = [math.tanh(v) for v in z1]
    z2 = sum(w2[j] * y1[j] for j in range(2)) + b2
    y = _sig(z2)
    dy = y - d
    dz2 = y * (1 - y) * dy
    dy1 = [w2[j] * dz2 for j in range(2)]
    dz1 = [(1 - y1[j] ** 2) * dy1[j] for j in range(2)]
    dW1 = np.array([[dz1[j] * x[i] for i in range(2)] for j in range(2)])
    dx = np.array([sum(W1[j, i] * dz1[j] for j in range(2)) for i in range(2)])
    return {"dy": dy, "dz2": dz2, "dw2": np.array([y1[j] * dz2 for j in range(2)]), "db2": dz2,
            "dy1": np.array(dy1), "dz1": np.array(dz1), "dW1": dW1, "db1": np.array(dz1), "dx": dx}


def _net_case(rng: np.random.Generator) -> Case:
    x = np.round(rng.uniform(-2, 2, size=2), 3)
    W1 = np.round(rng.normal(scale=1.0, size=(2, 2)), 3)
    b1 = np.round(rng.normal(scale=0.5, size=2), 3)
    w2 = np.round(rng.normal(scale=1.5, size=2), 3)
    b2 = float(np.round(rng.normal(scale=0.5), 3))
    d = float(rng.choice([0.0, 1.0])) if rng.random() < 0.5 else float(np.round(rng.uniform(), 3))
    return Case((x, W1, b1, w2, b2, d), f"x = {x.tolist()}, target d = {d:g}")


_NET_FIXED = Case((np.array([1.0, -2.0]), np.array([[0.5, -0.3], [0.8, 0.2]]), np.array([0.1, -0.1]),
                   np.array([1.2, -0.7]), 0.05, 1.0), "the network of the text, x = [1, -2], d = 1")

NETWORK_221 = Spec(
    name="ch03.network_221",
    title="every gradient of the 2-2-1 network by the scalar formulas",
    reference=sb.network_221_backward,
    make_case=_net_case,
    points=4.0,
    fixed_cases=(_NET_FIXED,),
    bugs=(
        Bug("forgot f'(z) at the output", "Between ∂Div/∂y and ∂Div/∂z sits the output neuron's "
            "activation: its local gradient is a factor.",
            lambda *a: network_mistake(*a, mistake="output f'")),
        Bug("tanh' taken from z", "The hidden activation's local gradient is written with its "
            "output y (chapter 1, exercise 4), not its input z.",
            lambda *a: network_mistake(*a, mistake="tanh' from z")),
        Bug("used z where y_prev belongs", "A weight multiplies the previous layer's *output*: "
            "that is the local gradient of z with respect to w.",
            lambda *a: network_mistake(*a, mistake="z for y_prev")),
        Bug("dDiv/dW1 transposed", "W1[j, i] connects input i to hidden neuron j: its gradient "
            "pairs that input with that neuron.", lambda *a: network_mistake(*a, mistake="W1 transposed")),
        Bug("dx kept one term of the sum", "Each input feeds both hidden neurons: one path per "
            "neuron, and the paths add.", lambda *a: network_mistake(*a, mistake="one term")),
    ),
    forbidden=(sb.network_221_backward, sb.network_221_forward),
    analytic=True,
    shortcuts=(sc.network_221_central, sc.network_221_forward),
    variants=(network_mistake, _network_by_loops),
)
