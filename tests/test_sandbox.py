"""graders.sandbox.run end to end: results, order, limits, statuses, modes, stubs, doctor."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from graders.sandbox import STATUSES, Call, Limits, available_mode, isolation, run, runner
from graders.sandbox.stubs import stub_targets

FAST = Limits(wall_seconds=3, cpu_seconds=3, case_seconds=2, memory_mb=768)
NAMESPACES = available_mode().namespaces
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="no Linux namespaces on this machine "
                                      "(python -m graders doctor); the default run refuses to grade")
SIG = "ch01.sigmoid_slope"
REPO = Path(__file__).resolve().parents[1]


def _run(source, calls, **kw):
    kw.setdefault("limits", FAST)
    kw.setdefault("require_namespaces", False)
    return run(source, calls, **kw)


def test_values_come_back_in_case_order_as_plain_data():
    cases = [(float(i),) for i in range(10)]
    result = _run("def f(x):\n    return (x, {'sq': x * x})\n", [Call("", "f", cases)])
    assert result.status == "ok"
    values = [o.value for o in result.calls[0].outputs]
    assert values == [(float(i), {"sq": float(i * i)}) for i in range(10)]


def test_the_learner_sees_the_cases_shuffled_the_same_way_on_every_regrade():
    source = "seen = []\ndef f(x):\n    seen.append(x)\n    return float(len(seen))\n"
    cases = [(float(i),) for i in range(12)]
    first = [o.value for o in _run(source, [Call("", "f", cases)]).calls[0].outputs]
    again = [o.value for o in _run(source, [Call("", "f", cases)]).calls[0].outputs]
    assert sorted(first) == [float(i) for i in range(1, 13)]
    assert first != sorted(first)       # the call order is not the order of the cases
    assert first == again               # and a regrade is identical


def test_each_exercise_gets_a_fresh_process_and_errors_name_the_learners_line():
    source = ("import os\nstate = []\n"
              "def f(x):\n    state.append(x)\n    return float(os.getpid() * 0 + len(state))\n"
              "def g(x):\n    y = x + 1\n    raise ValueError(f'bad {y}')\n")
    result = _run(source, [Call("", "f", [(1.0,)]), Call("", "f", [(1.0,)]), Call("", "g", [(1.0,)]),
                           Call("", "missing", [(1.0,)])])
    assert [c.outputs[0].value for c in result.calls[:2]] == [1.0, 1.0]
    assert result.calls[2].outputs[0].error == "ValueError: bad 2.0 (line 8 of g in <cell 1>)"
    assert "defines no 'missing'" in result.calls[3].outputs[0].error


def test_cells_run_on_after_one_fails_and_magics_are_inert():
    source = "x = 1\n# %%\nraise KeyError('cell two')\n# %%\n%pip install nothing\n!ls /\ndef f():\n    return float(x)\n"
    result = _run(source, [Call("", "f", [()])])
    assert result.calls[0].outputs[0].value == 1.0
    assert result.calls[0].source_errors == ["KeyError: 'cell two' (line 1 of <module> in <cell 2>)"]


def test_a_harness_applies_the_case_to_the_learners_object():
    source = "class Thing:\n    width = 3.0\n"
    result = _run(source, [Call("", "Thing", [("width",)], harness=getattr)])
    assert result.calls[0].outputs[0].value == 3.0


def test_the_wall_clock_stops_an_exercise_and_the_next_still_runs():
    source = "import time\ndef slow():\n    time.sleep(100)\ndef fine():\n    return 2.0\n"
    start = time.monotonic()
    result = _run(source, [Call("", "slow", [()]), Call("", "fine", [()])],
                  limits=Limits(wall_seconds=1, case_seconds=50))
    assert time.monotonic() - start < 10
    assert [c.status for c in result.calls] == ["timeout", "ok"]
    assert result.status == "timeout" and result.message.startswith("a call: not run: the exercise's time")
    assert result.calls[0].outputs[0].error.startswith("not run: the exercise's time ran out")
    assert result.calls[1].outputs[0].value == 2.0


@pytest.mark.slow
def test_the_cpu_limit_stops_a_busy_loop():
    result = _run("def spin():\n    while True:\n        pass\n", [Call("", "spin", [()])],
                  limits=Limits(cpu_seconds=1, wall_seconds=8, case_seconds=50))
    assert result.calls[0].status == "timeout"
    assert result.seconds < 8


def test_memory_is_bounded_and_measured_from_outside():
    source = "import numpy as np\ndef big():\n    return float(np.ones(2**27).sum())\ndef small():\n    return 1.0\n"
    result = _run(source, [Call("", "big", [()]), Call("", "small", [()])], limits=Limits(memory_mb=512))
    assert result.calls[0].status == "memory"
    assert "MemoryError" in result.calls[0].outputs[0].error
    assert 10 < result.calls[1].peak_rss_mb < 512


def test_learner_output_is_capped_and_cleaned():
    source = "import os\nos.write(1, b'\\x1b[31m' + b'y' * 10**6)\nprint('<b>\\x1b[2J')\ndef f():\n    return 1.0\n"
    result = _run(source, [Call("", "f", [()])], limits=Limits(output_bytes=1000))
    assert result.status == "ok"
    assert len(result.stdout) <= 1100 and "\x1b" not in result.stdout


def test_results_larger_than_their_cap_are_refused():
    source = "import numpy as np\ndef f():\n    return np.ones(2**20)\n"
    result = _run(source, [Call("", "f", [(), (), ()])], limits=Limits(result_mb=4))
    outs = result.calls[0].outputs
    assert any(not o.ok and "larger than" in o.error for o in outs)


def test_the_sandbox_sees_a_stubbed_course_no_environment_and_no_pip(monkeypatch):
    monkeypatch.setenv("BACKPROP_COURSE_STATE", "/somewhere/secret")
    source = ("import os, course, inspect\nfrom course.reference import functions\n"
              "def f():\n"
              "    try:\n        import pip\n        has_pip = 1.0\n    except ImportError:\n        has_pip = 0.0\n"
              "    try:\n        functions.sigmoid_prime(1.0)\n        ref = 1.0\n    except Exception:\n        ref = 0.0\n"
              "    return {'env': float(any('BACKPROP' in k for k in os.environ)), 'pip': has_pip, 'ref': ref,\n"
              "            'stub': float('unavailable' in inspect.getsource(functions.sigmoid_prime)),\n"
              "            'tanh': float(functions.tanh_prime(0.0)),\n"
              "            'repo': float(os.path.dirname(course.__file__).startswith(%r))}\n" % str(REPO))
    value = _run(source, [Call(SIG, "f", [()])]).calls[0].outputs[0].value
    assert value["env"] == 0.0 and value["ref"] == 0.0 and value["stub"] == 1.0 and value["repo"] == 0.0
    assert value["tanh"] == 1.0          # only this exercise's answers are stubbed
    assert value["pip"] == 0.0


def test_stub_targets_cover_reference_forbidden_and_methods():
    targets = stub_targets(["ch02.sigmoid_vjp"])
    names = {q for _, _, q in targets}
    assert {"sigmoid_vjp", "_Elementwise.backward"} <= names
    assert all(rel.endswith(".py") and line > 0 for rel, line, _ in targets)


def test_calling_a_stub_is_reported_as_forbidden():
    source = "from course.reference.functions import sigmoid_prime as s\ndef f(z):\n    return s(z)\n"
    call = _run(source, [Call(SIG, "f", [(0.0,)])]).calls[0]
    assert call.forbidden and call.outputs[0].observations.get("forbidden") is True
    assert "not available while this exercise is graded" in call.outputs[0].error


def test_run_never_raises_for_a_bad_call_and_the_good_calls_still_run():
    result = _run("def f(*args):\n    return 1.0\n",
                  [Call("ch99.nothing", "f", [()]), Call("", "f", [(lambda: 0,)]), Call("", "f", [()])])
    assert result.status == "sandbox-error"
    assert [c.status for c in result.calls] == ["sandbox-error", "sandbox-error", "ok"]
    assert "ch99.nothing" in result.calls[0].outputs[0].error and not result.calls[1].outputs[0].ok
    assert result.calls[2].outputs[0].value == 1.0
    assert set(STATUSES) >= {"ok", "timeout", "memory", "crashed", "output-limit", "protocol-error",
                             "no-isolation"}


def test_without_namespaces_the_default_refuses_and_says_why(monkeypatch, tmp_path):
    none = [m for m in isolation.candidate_modes() if not m.namespaces][0]
    monkeypatch.setattr(runner, "available_mode", lambda: none)
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').close()\ndef f():\n    return 1.0\n"
    result = run(source, [Call("", "f", [()])])
    assert result.status == "no-isolation" and not marker.exists()
    assert "namespaces" in result.calls[0].outputs[0].error
    weak = run(source, [Call("", "f", [()])], require_namespaces=False, limits=FAST)
    assert weak.status == "ok" and weak.calls[0].outputs[0].value == 1.0
    assert "net namespace" not in weak.isolation and "rlimits" in weak.isolation


@needs_namespaces
def test_default_run_has_every_layer():
    result = run("def f():\n    return 1.0\n", [Call("", "f", [()])], limits=FAST)
    assert result.status == "ok"
    assert {"net namespace", "pid namespace", "mount namespace", "private root", "rlimits",
            "no_new_privs"} <= set(result.isolation)
    if os.geteuid() == 0:
        assert "unprivileged uid" in result.isolation


@pytest.mark.slow
@needs_namespaces
def test_user_namespace_mode_contains_a_learner_that_kills_the_zygote(monkeypatch):
    """As root the sandbox uses root-ns; the user-ns mode (for ordinary users) is tried here too:
    there the learner may kill the zygote (same uid), which costs only its own exercise."""
    user = [m for m in isolation.candidate_modes() if m.name == "user-ns"]
    if not user:
        pytest.skip("unshare is missing")
    monkeypatch.setattr(runner, "available_mode", lambda: user[0])
    if run("def f():\n    return 1.0\n", [Call("", "f", [()])], limits=FAST).status != "ok":
        pytest.skip("user namespaces are not allowed on this machine")
    source = ("import os, signal\ndef killer():\n    os.kill(1, signal.SIGKILL)\n    return 0.0\n"
              "def fine():\n    return float(os.path.exists(%r))\n" % str(REPO / "solutions"))
    result = run(source, [Call("", "killer", [()]), Call("", "fine", [()])], limits=FAST)
    assert result.calls[1].status == "ok" and result.calls[1].outputs[0].value == 0.0
    assert "no capabilities" in result.isolation
    assert result.calls[0].status in ("crashed", "ok")


def test_doctor_prints_every_layer(capsys):
    from graders.sandbox.doctor import main
    code = main([])
    out = capsys.readouterr().out
    for layer in ("no network", "repository hidden", "own PID namespace", "memory limit", "writes stay inside",
                  "memory cgroup", "memory bound, all processes"):
        assert layer in out
    assert code == (0 if NAMESPACES else 1)
    assert ("MISSING" in out) == (code == 1)


class _FakeSpec:
    """A spec whose answers include a class, a variant outside course and a numpy function."""

    def __init__(self):
        from course.reference import functions, layers
        self.reference = functions.tanh_prime
        self.forbidden = (layers.Linear, np.gradient)
        self.variants = (lambda z: 1 - np.tanh(z) ** 2,)
        self.shortcuts = ()


def test_a_forbidden_class_is_stubbed_whole_and_outside_functions_are_watched(monkeypatch):
    from graders.sandbox import stubs
    monkeypatch.setattr(stubs, "get_spec", lambda name: _FakeSpec())
    targets = stubs.stub_targets(["fake"])
    names = {q for _, _, q in targets}
    assert {"Linear.__init__", "Linear.forward", "Linear.backward", "Linear.from_params", "tanh_prime"} <= names
    assert all(rel.startswith("reference/") for rel, _, _ in targets)  # the test's own lambda is not course code
    (module, qualname), = stubs.external_answers(["fake"])
    assert module.startswith("numpy") and qualname == "gradient"
    source = ("import numpy as np\nfrom course.reference.layers import Linear\n"
              "def use_layer(x):\n    return Linear.from_params(np.ones((1, 1)), np.zeros((1, 1))).forward(x)\n"
              "def use_gradient(x):\n    return np.gradient(x)\n")
    result = _run(source, [Call("fake", "use_layer", [(np.ones((1, 2)),)]),
                           Call("fake", "use_gradient", [(np.arange(4.0),)])])
    layer, gradient = result.calls
    assert "not available while this exercise is graded" in layer.outputs[0].error and layer.forbidden
    assert gradient.outputs[0].ok and gradient.forbidden   # it ran, and the guard saw it


@pytest.mark.slow
def test_pyplot_loads_on_first_use_and_works_inside_a_graded_function():
    source = ("import matplotlib.pyplot as plt\nimport sys\n"
              "def loaded():\n    return float(type(sys.modules['matplotlib.pyplot']).__name__ != '_LazyModule')\n"
              "def draw():\n    fig, ax = plt.subplots()\n    ax.plot([0.0, 1.0])\n    plt.close(fig)\n"
              "    return float(len(ax.lines))\n")
    result = _run(source, [Call("", "loaded", [()]), Call("", "draw", [()])],
                  limits=Limits(wall_seconds=30, case_seconds=25))
    assert result.calls[0].outputs[0].value == 0.0   # imported, not yet loaded
    assert result.calls[1].outputs[0].value == 1.0, result.calls[1].outputs[0].error


def test_a_fork_that_runs_on_into_the_driver_cannot_send_results():
    source = "import os\nos.fork()   # both copies go on running the driver\ndef f(x):\n    return x\n"
    result = _run(source, [Call("", "f", [(1.0,), (2.0,)])])
    assert result.status == "ok", result.message
    assert [o.value for o in result.calls[0].outputs] == [1.0, 2.0]
