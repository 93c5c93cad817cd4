"""Chapter 3: the specs of the gate exercises (add, mul, max, copy, the sigmoid gate two ways).

Every gate takes plain floats and the upstream gradient and returns the downstream gradients.
Hidden cases vary the inputs, the upstream gradient's size and sign, and (for max) ties; the
max gate's tie rule is the course engine's: a tie routes to the first input.
Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import math

import numpy as np

from course.exercises.ch03 import shortcuts as sc
from course.exercises.spec import Bug, Case, Spec
from course.reference import gates

__all__ = ["ADD_GATE", "MUL_GATE", "MAX_GATE", "COPY_GATE", "SIGMOID_GATE"]


def _r(rng: np.random.Generator, scale: float = 3.0) -> float:
    return float(np.round(rng.uniform(-scale, scale), 4))


def _two_inputs(rng: np.random.Generator) -> Case:
    x, y, up = _r(rng), _r(rng), _r(rng, 2.0) or 0.5
    return Case((x, y, up), f"x = {x:g}, y = {y:g}, upstream = {up:g}")


def _max_inputs(rng: np.random.Generator) -> Case:
    x, up = _r(rng), _r(rng, 2.0) or 0.5
    y = x if rng.random() < 0.3 else _r(rng)
    tie = " (a tie)" if x == y else ""
    return Case((x, y, up), f"x = {x:g}, y = {y:g}{tie}, upstream = {up:g}")


# honest answers in other styles (the generic tests prove each keeps full marks)
def _add_by_rules(x, y, up):
    local = {"x": 1.0, "y": 1.0}
    return local["x"] * up, local["y"] * up


def _mul_by_rules(x, y, up):
    local = {"x": y, "y": x}
    return local["x"] * up, local["y"] * up


def _max_by_branches(x, y, up):
    if x >= y:
        return up, 0.0
    return 0.0, up


def _copy_by_loop(ups):
    total = 0.0
    for g in ups:
        total += float(g)
    return total


def _sigmoid_with_numpy(z, up):
    a = -z
    b = np.exp(a)
    c = 1.0 + b
    s = 1.0 / c
    dc = -up / c**2
    da = b * dc
    return {"dc": float(dc), "db": float(dc), "da": float(da), "dz_steps": float(-da),
            "dz_whole": float(s * (1.0 - s) * up)}


ADD_GATE = Spec(
    name="ch03.add_gate",
    function="add_gate_backward",
    title="backward of the add gate",
    reference=gates.add_gate_backward,
    make_case=_two_inputs,
    points=1.0,
    fixed_cases=(Case((2.0, -1.0, 3.0), "x = 2, y = -1, upstream = 3"),),
    bugs=(
        Bug("split the gradient", "The local gradient of x + y with respect to each input is what "
            "a unit change of that input does to the sum: it is not shared out.",
            lambda x, y, up: (up / 2, up / 2)),
        Bug("forgot the upstream gradient", "Downstream = local × upstream: multiply each local "
            "gradient by the gradient that arrived from above.", lambda x, y, up: (1.0, 1.0)),
        Bug("used the mul gate's rule", "That is how a product passes gradients back. For a sum, "
            "ask how much x + y moves when x moves by 1.", lambda x, y, up: (y * up, x * up)),
    ),
    forbidden=(gates.add_gate_backward,),
    analytic=True,
    shortcuts=(sc.add_gate_central, sc.add_gate_forward),
    variants=(lambda x, y, up: tuple(np.float64(up) * np.ones(2)), _add_by_rules),
)

MUL_GATE = Spec(
    name="ch03.mul_gate",
    function="mul_gate_backward",
    title="backward of the mul gate",
    reference=gates.mul_gate_backward,
    make_case=_two_inputs,
    points=1.0,
    fixed_cases=(Case((3.0, -4.0, 2.0), "x = 3, y = -4, upstream = 2"),),
    bugs=(
        Bug("not swapped", "Each input's local gradient is how much x·y moves per unit of that "
            "input, with the other input held fixed: which value is left over?",
            lambda x, y, up: (x * up, y * up)),
        Bug("forgot the upstream gradient", "Downstream = local × upstream: multiply each local "
            "gradient by the gradient that arrived from above.", lambda x, y, up: (y, x)),
        Bug("used the add gate's rule", "A product does not pass the upstream gradient through "
            "unchanged: each input's share is scaled.", lambda x, y, up: (up, up)),
    ),
    forbidden=(gates.mul_gate_backward,),
    analytic=True,
    shortcuts=(sc.mul_gate_central, sc.mul_gate_forward),
    variants=(lambda x, y, up: (float(np.multiply(up, y)), float(np.multiply(up, x))), _mul_by_rules),
)


def _max_to_smaller(x, y, up):
    return (0.0, up) if x > y else (up, 0.0)      # (on a tie this one happens to be right)


def _max_tie_both(x, y, up):
    return (up, up) if x == y else gates.max_gate_backward(x, y, up)


def _max_tie_second(x, y, up):
    return (0.0, up) if x == y else gates.max_gate_backward(x, y, up)


MAX_GATE = Spec(
    name="ch03.max_gate",
    function="max_gate_backward",
    title="backward of the max gate, with the course's tie rule",
    reference=gates.max_gate_backward,
    make_case=_max_inputs,
    points=1.0,
    fixed_cases=(Case((4.0, 1.5, 2.0), "x = 4, y = 1.5, upstream = 2"),
                 Case((-1.0, 2.0, -3.0), "x = -1, y = 2, upstream = -3"),
                 Case((0.5, 0.5, 2.0), "x = y = 0.5 (a tie), upstream = 2")),
    bugs=(
        Bug("routed to the smaller input", "Only the input that max picked changes the output "
            "when it moves a little; the other one does nothing.", _max_to_smaller),
        Bug("a tie gave the gradient to both", "On a tie the output is still one of the two "
            "inputs: the course picks the first one, and only it gets the gradient.", _max_tie_both),
        Bug("a tie gave the gradient to the second input", "Read the tie rule again: which input "
            "does the course's max count as the larger when both are equal?", _max_tie_second),
        Bug("forgot the upstream gradient", "Downstream = local × upstream: the winner gets the "
            "upstream gradient, not 1.", lambda x, y, up: (1.0, 0.0) if x >= y else (0.0, 1.0)),
    ),
    forbidden=(gates.max_gate_backward,),
    analytic=True,
    shortcuts=(sc.max_gate_central, sc.max_gate_forward),
    variants=(lambda x, y, up: (up * float(x >= y), up * float(x < y)), _max_by_branches),
)


def _copies(rng: np.random.Generator) -> Case:
    k = int(rng.integers(2, 6))
    ups = np.array([_r(rng, 2.0) for _ in range(k)])     # an array: a finite difference can nudge it
    return Case((ups,), f"{k} copies, upstream gradients {ups.tolist()}")


COPY_GATE = Spec(
    name="ch03.copy_gate",
    function="copy_gate_backward",
    title="backward of the copy gate (a value used several times)",
    reference=gates.copy_gate_backward,
    make_case=_copies,
    points=1.0,
    fixed_cases=(Case((np.array([1.5, -0.5]),), "2 copies, upstream gradients [1.5, -0.5]"),
                 Case((np.array([2.0, 1.0, -4.0]),), "3 copies, upstream gradients [2, 1, -4]")),
    bugs=(
        Bug("kept only the last copy", "Every copy is a separate path from the value to the "
            "output (chapter 1: several paths): each path's contribution counts.",
            lambda ups: float(ups[-1])),
        Bug("kept only the first copy", "Every copy is a separate path from the value to the "
            "output: each path's contribution counts.", lambda ups: float(ups[0])),
        Bug("averaged the copies", "A nudge of the value moves every copy by the full nudge: "
            "nothing is shared out.", lambda ups: float(np.mean(ups))),
    ),
    forbidden=(gates.copy_gate_backward,),
    analytic=True,
    shortcuts=(sc.copy_gate_central, sc.copy_gate_forward),
    variants=(lambda ups: float(np.sum(np.asarray(ups))), _copy_by_loop),
)


def _sigmoid_case(rng: np.random.Generator) -> Case:
    z, up = _r(rng, 5.0), _r(rng, 2.0) or 1.0
    return Case((z, up), f"z = {z:g}, upstream = {up:g}")


def _steps(z: float, up: float, *, inv_sign: float = -1.0, exp_at: str = "a", neg_step: bool = True,
           whole: str = "s") -> dict[str, float]:
    """The sigmoid gate's backward with one step changed (the mistakes below)."""
    a = -z
    b = math.exp(a)
    c = 1.0 + b
    s = 1.0 / c
    dc = inv_sign / c**2 * up
    db = dc
    da = (math.exp(a) if exp_at == "a" else math.exp(z)) * db
    dz = -da if neg_step else da
    local = {"s": s * (1 - s), "z": z * (1 - z)}[whole]
    return {"dc": dc, "db": db, "da": da, "dz_steps": dz, "dz_whole": local * up}


SIGMOID_GATE = Spec(
    name="ch03.sigmoid_gate",
    function="sigmoid_gate_backward",
    title="the sigmoid gate backpropagated step by step and as one gate",
    reference=gates.sigmoid_gate_backward,
    make_case=_sigmoid_case,
    points=3.0,
    fixed_cases=(Case((1.0, 1.0), "z = 1, upstream = 1"), Case((-2.0, 0.5), "z = -2, upstream = 0.5")),
    bugs=(
        Bug("1/x step lost its minus sign", "Look at the slope of 1/c: does 1/c grow or shrink "
            "when c grows?", lambda z, up: _steps(z, up, inv_sign=1.0)),
        Bug("exp step taken at z", "The exp gate's input is a = −z, not z: take its local "
            "gradient where the gate is applied.", lambda z, up: _steps(z, up, exp_at="z")),
        Bug("skipped the ×(−1) step", "The first step of the forward pass is a = −z: its local "
            "gradient is a factor too.", lambda z, up: _steps(z, up, neg_step=False)),
        Bug("whole gate written with z", "The one-gate rule is written with the gate's output s, "
            "not its input z (chapter 1, exercise 3).", lambda z, up: _steps(z, up, whole="z")),
    ),
    forbidden=(gates.sigmoid_gate_backward,),
    analytic=True,
    shortcuts=(sc.sigmoid_gate_central, sc.sigmoid_gate_forward),
    variants=(_steps, _sigmoid_with_numpy),
)
