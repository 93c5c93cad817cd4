"""Chapter 3: the specs of the learner's scalar engine (ops, sort, backward, zero_grad).

The answers are a class (``Value``) and functions on its nodes; :mod:`.harness` applies each
case to them (``Spec.call``) and returns plain data. Cases are programs (:mod:`.programs`):
random expressions that use every primitive, fan-out (``a + a``, ``b = a + a; c = b + b``),
diamonds, a tie at a max gate, and a 5 000-node chain that a recursive sort cannot walk (a
public case of the sort; not in backward, see _backward_case).
Not a chapter module: the registry only reads ``chNN`` modules.
"""
from __future__ import annotations

import inspect

import numpy as np

from course.exercises.ch03 import harness, model_engine as me, shortcuts
from course.exercises.ch03.programs import Program, chain, describe, random_dag, random_program
from course.exercises.spec import Bug, Case, Spec
from course.reference.autodiff import Value, topological_order

__all__ = ["VALUE_OPS", "TOPOLOGICAL_ORDER", "BACKWARD", "ZERO_GRAD", "CHAIN_LENGTH",
           "ENGINE_FORBIDDEN", "WALK_FORBIDDEN"]

CHAIN_LENGTH = 5000


def _autodiff_libraries() -> tuple:
    """The entry points every autograd derivative passes through (when autograd is installed)."""
    try:
        from autograd import core
    except ImportError:
        return ()
    return (core.make_vjp, core.backward_pass)


# The ops exercise may use nothing of the course's engine; the sort, backward and zero_grad
# exercises run on graphs of the course's Value (built by the harness), so only the course's own
# sort, backward and zero_grad are off limits there.
ENGINE_FORBIDDEN = tuple(f for f in vars(Value).values() if inspect.isfunction(f)) + (
    topological_order,) + _autodiff_libraries()
WALK_FORBIDDEN = (topological_order, Value.backward, Value.zero_grad) + _autodiff_libraries()

# fan-out and ties, as programs: (leaves, ops)
_A_PLUS_A: Program = ((1.5,), (("+", 0, 0, 0.0),))
_DOUBLE_DOUBLE: Program = ((-0.5,), (("+", 0, 0, 0.0), ("+", 1, 1, 0.0)))
_DIAMOND: Program = ((0.7, -1.2), (("*", 0, 1, 0.0), ("tanh", 2, -1, 0.0), ("exp", 2, -1, 0.0),
                                   ("*", 3, 4, 0.0)))
_TIE: Program = ((1.5, 1.5, 0.8), (("max", 0, 1, 0.0), ("max", 3, 3, 0.0), ("*", 4, 2, 0.0),
                                   ("**", 5, -1, 2.0)))
_ALL_OPS: Program = ((2.0, -1.0, 0.5), (("*", 0, 1, 0.0), ("+", 3, 2, 0.0), ("tanh", 4, -1, 0.0),
                                        ("exp", 2, -1, 0.0), ("max", 5, 6, 0.0), ("**", 7, -1, 3.0),
                                        ("c*", 7, -1, -2.0), ("-", 8, 9, 0.0), ("+c", 10, -1, 1.0)))


def _ops_case(rng: np.random.Generator) -> Case:
    program = random_program(rng)
    return Case(program, f"a random expression: {describe(program)}")


def _ops_bug(engine: type) -> object:
    return engine


VALUE_OPS = Spec(
    name="ch03.value_ops",
    function="Value",
    title="the engine's primitives and their local backward rules",
    reference=Value,
    make_case=_ops_case,
    points=4.0,
    fixed_cases=(Case(_ALL_OPS, "every op once: 3 inputs, 9 ops"),
                 Case(_A_PLUS_A, "a + a"), Case(_DOUBLE_DOUBLE, "b = a + a; c = b + b"),
                 Case(_DIAMOND, "a diamond: c = a·b feeds tanh and exp, then their product"),
                 Case(_TIE, "ties at max gates: max(a, b) with a = b, then max(m, m)")),
    rtol=1e-9,
    atol=1e-12,
    bugs=(
        Bug("assigned instead of accumulated", "A node used twice (a + a, or a value feeding two "
            "gates) must collect a share from every use: look at how each _backward updates grad.",
            me.AssignsGrad),
        Bug("mul gate not swapped", "In __mul__'s _backward: how much does self.data * other.data "
            "move per unit of self, with other held fixed? (Exercise 4.)", me.MulNotSwapped),
        Bug("max tie went to the second input", "On a tie the course's max counts self, its first "
            "input, as the larger.", me.MaxTieToSecond),
        Bug("tanh's local gradient from its input", "Which value does tanh's local gradient use, "
            "the gate's input or its output? (Chapter 1, exercise 4.)", me.TanhLocalFromInput),
        Bug("power rule kept the exponent", "Look at the exponent in __pow__'s local gradient: "
            "check it against the slope of x² at x = 1.", me.PowForgotMinusOne),
    ),
    forbidden=ENGINE_FORBIDDEN,
    analytic=True,
    shortcuts=(shortcuts.DelegatesToCourse, shortcuts.NumericByNodes, shortcuts.NumericByMath,
               shortcuts.RulesFromCourseValue),
    variants=(me.ModelValue, me.RulesAsData, me.RecomputesForward),
    call=harness.run_ops,
)


def _dag_case(rng: np.random.Generator, p_chain: float = 0.1) -> Case:
    """A random graph of 8-30 nodes or, with probability ``p_chain``, a chain of 5 000 or more."""
    if rng.random() < p_chain:
        n = int(rng.integers(CHAIN_LENGTH, CHAIN_LENGTH + 200))
        return Case(chain(n), f"a chain of {n} tanh nodes")
    n = int(rng.integers(8, 30))
    program = random_dag(rng, n)
    return Case(program, f"a random graph: {describe(program)}")


_GRAPH_FIXED = (Case(_A_PLUS_A, "a + a"), Case(_DOUBLE_DOUBLE, "b = a + a; c = b + b"),
                Case(_DIAMOND, "a diamond"),
                Case(chain(CHAIN_LENGTH), f"a chain of {CHAIN_LENGTH} tanh nodes"))

TOPOLOGICAL_ORDER = Spec(
    name="ch03.topological_order",
    title="an iterative topological sort of the graph",
    reference=topological_order,
    make_case=_dag_case,
    points=2.0,
    fixed_cases=_GRAPH_FIXED,
    bugs=(
        Bug("recursive sort", "A function that calls itself once per level of the graph runs out "
            "of Python's call stack (about 1 000 levels) on a long chain: keep your own stack.",
            me.recursive_order),
        Bug("no record of visited nodes", "A node reached along two paths (a + a, a diamond) must "
            "be listed once: remember which nodes you have already handled.", me.order_without_visited),
        Bug("root first", "Every node must come after the nodes it was computed from, so the root "
            "is last: check which way round you add nodes.", me.order_root_first),
    ),
    forbidden=WALK_FORBIDDEN,
    shortcuts=(shortcuts.order_by_course,),
    variants=(me.iterative_order,),
    call=harness.run_topological_order,
)


def _backward_case(rng: np.random.Generator) -> Case:
    # No 5 000-node chains here (the sort's spec has them): under the numeric-shortcut detector a
    # backward pass over one takes far beyond the time limit, and the slowly converging values of
    # tanh(tanh(...)) look like points a small step apart.
    case = _dag_case(rng, p_chain=0.0) if rng.random() < 0.5 else _ops_case(rng)
    calls = int(rng.integers(1, 3))
    return Case(case.args + (calls,), f"{case.label}, backward called {calls}x")


BACKWARD = Spec(
    name="ch03.backward",
    title="backward: seed, walk the graph in the right order, accumulate",
    reference=Value.backward,
    make_case=_backward_case,
    points=3.0,
    fixed_cases=(Case(_ALL_OPS + (1,), "every op once, backward called once"),
                 Case(_DOUBLE_DOUBLE + (1,), "b = a + a; c = b + b, backward called once"),
                 Case(_DIAMOND + (2,), "a diamond, backward called twice"),
                 Case(_ALL_OPS + (2,), "every op once, backward called twice")),
    rtol=1e-9,
    atol=1e-12,
    bugs=(
        Bug("second call mixed in the old gradients", "The second call must add exactly one more "
            "copy of every gradient. The gradients left over from the first call flow into the "
            "new pass: set them aside before you seed, and add them back at the end.",
            me.backward_restarts_from_stale),
        Bug("root never seeded", "Every local rule multiplies by the gradient of its output: "
            "something has to start the chain at the root.", me.backward_forgets_seed),
        Bug("ran the rules inputs first", "A node may pass its gradient on only once every use of "
            "it has added its share: which end of the order do you start from?", me.backward_forward_order),
    ),
    forbidden=WALK_FORBIDDEN,
    analytic=True,
    shortcuts=(shortcuts.backward_by_course, shortcuts.backward_numeric),
    variants=(me.backward_model, me.backward_by_uses),
    call=harness.run_backward,
)


def _zero_case(rng: np.random.Generator) -> Case:
    case = _dag_case(rng, p_chain=0.0) if rng.random() < 0.6 else _ops_case(rng)
    seed = int(rng.integers(1000))
    return Case(case.args + (seed,), case.label)


ZERO_GRAD = Spec(
    name="ch03.zero_grad",
    title="zero_grad: every gradient of the graph back to 0",
    reference=Value.zero_grad,
    make_case=_zero_case,
    points=1.0,
    fixed_cases=(Case(_DIAMOND + (0,), "a diamond"), Case(_ALL_OPS + (1,), "every op once")),
    bugs=(
        Bug("only the root", "Every node the root depends on carries a gradient: visit them all.",
            me.zero_grad_root_only),
        Bug("only the inputs", "The nodes in between carry gradients too.", me.zero_grad_inputs_only),
    ),
    forbidden=WALK_FORBIDDEN,
    shortcuts=(shortcuts.zero_grad_by_course,),
    variants=(me.zero_grad_model,),
    call=harness.run_zero_grad,
)
