"""The adversarial suite (graders/adversarial/): every hostile submission, run in the real sandbox.

For each one: no more points than its real answers deserve (scored here, in the trusted process,
with course's compare against spec.reference), an allowed status, nothing written outside, no
process left, no connection to a listener on 127.0.0.1, bounded memory (all sandbox processes
together, measured from outside); honest ones unaffected. Then all of them again as notebooks of
one class through the class grader: ``tests/test_adversarial_class.py``.
"""
from __future__ import annotations

import json
import os
import resource
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from course.checking.compare import compare
from course.checking.guard import Guard
from course.exercises import get_spec
from graders.adversarial.catalog import ATTACKS, FUNCTIONS, public_table, render
from graders.adversarial.measure import TreeRss, attack_bait, connections, host_world, survivors, written_outside
from graders.sandbox import Call, Limits, available_mode, cgroup, run

SHORT = Limits(wall_seconds=2, cpu_seconds=2, case_seconds=1, memory_mb=768, result_mb=32)
LONG = Limits(wall_seconds=15, cpu_seconds=15, case_seconds=5, memory_mb=768, result_mb=32)
HIDDEN_SEED = 20261202
NAMESPACES = available_mode().namespaces
needs_namespaces = pytest.mark.skipif(
    not NAMESPACES, reason="this machine cannot make Linux namespaces: writes, network and processes "
                           "are only contained with them (python -m graders doctor)")


def _cases(name: str) -> tuple[list[tuple], int]:
    spec = get_spec(name)
    public = [tuple(c.args) for c in spec.public_cases()]
    return public + [tuple(c.args) for c in spec.hidden_cases(HIDDEN_SEED)], len(public)


def _passed(name: str, cases: list[tuple], outputs) -> list[bool]:
    """The trusted comparator: each output against the reference, in this process."""
    spec = get_spec(name)
    marks = []
    for args, out in zip(cases, outputs):
        if not out.ok:
            marks.append(False)
            continue
        expected = spec.reference(*args)
        marks.append(compare(out.value, expected, rtol=spec.rtol, atol=spec.atol)[0] is None)
    return marks


def _score(name: str, cases: list[tuple], call) -> float:
    marks = _passed(name, cases, call.outputs)
    shortcut = call.forbidden or (get_spec(name).analytic and any(
        o.observations.get("guard", {}).get("numeric_shortcut") for o in call.outputs))
    return 0.0 if shortcut else sum(marks) / len(marks)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The host around the sandbox: a gradebook, another student's submission, and per attack a
    tag, a job folder and a TCP + UDP listener on 127.0.0.1."""
    base = tmp_path_factory.mktemp("adversarial")
    world = host_world(base)
    gradebook = world["gradebook"]
    per_attack = {attack.name: attack_bait(world, base / f"jobs-{attack.name}", public_table())
                  for attack in ATTACKS}
    old_state = os.environ.get("BACKPROP_COURSE_STATE")
    os.environ["BACKPROP_COURSE_STATE"] = str(gradebook.parent)  # the sandbox must not inherit it
    yield {**world, "attacks": per_attack}
    if old_state is None:
        os.environ.pop("BACKPROP_COURSE_STATE", None)
    else:
        os.environ["BACKPROP_COURSE_STATE"] = old_state
    for one in per_attack.values():
        one["tcp"].close()
        one["udp"].close()


def _limits(attack) -> Limits:
    """Attacks expected to run out of time get 2 s; everything else a generous 15 s (never reached
    by an honest answer, so a busy CI machine cannot make a control fail)."""
    return SHORT if "timeout" in attack.statuses else LONG


def _play(attack, world) -> dict:
    one = world["attacks"][attack.name]
    calls, all_cases = [], []
    for name in attack.exercises:
        cases, n_public = _cases(name)
        all_cases.append((cases, n_public))
        calls.append(Call(name, FUNCTIONS[name], cases))
    limits = _limits(attack)
    result = run(render(attack.name, one["values"]), calls, limits=limits, tmp_root=str(one["jobs"]))
    return {"result": result, "cases": all_cases, "limits": limits, "survivors": survivors(one),
            "written": written_outside(world, one), "connections": connections(one)}


@pytest.fixture(scope="module")
def outcomes(world):
    """Every attack, two at a time (each in its own sandbox, with its own tag and listener).

    Without namespaces nothing contains them (kill(-1), writes, mounts as root): they are not run.
    """
    if not NAMESPACES:
        pytest.skip("this machine cannot make Linux namespaces, so hostile code cannot be contained "
                    "here and the attacks are not run (python -m graders doctor)")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with TreeRss(interval=0.02) as tree, ThreadPoolExecutor(max_workers=2) as pool:
        played = dict(zip([a.name for a in ATTACKS], pool.map(lambda a: _play(a, world), ATTACKS)))
    played["rss_growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    played["tree_peak_mb"] = tree.peak_mb
    played["cgroup"] = all("memory cgroup" in played[a.name]["result"].isolation for a in ATTACKS)
    return played


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_gains_nothing_and_leaves_nothing(attack, outcomes):
    got = outcomes[attack.name]
    result, all_cases, limits = got["result"], got["cases"], got["limits"]
    assert result.status in attack.statuses, (result.status, [c.status for c in result.calls], result.message)
    assert len(result.calls) == len(attack.exercises)
    scores = [_score(name, cases, call) for name, (cases, _), call in zip(attack.exercises, all_cases, result.calls)]
    total = sum(scores) / len(scores)
    if "numeric" in attack.extra:
        assert get_spec(attack.exercises[0]).analytic and hasattr(Guard, "shortcut")
        assert total == 0.0, (scores, [o.observations.get("guard") for o in result.calls[0].outputs])
    assert total <= attack.max_score + 1e-12, scores
    assert total >= attack.min_score - 1e-12, (scores, [[o.error for o in c.outputs] for c in result.calls])
    assert all(c.peak_rss_mb <= limits.memory_mb for c in result.calls)
    assert result.seconds < 3 * limits.wall_seconds * len(attack.exercises) + 20
    assert got["survivors"] == []
    assert got["written"] == []
    assert got["connections"] == 0
    _extra_checks(attack, result, all_cases)


def test_the_host_memory_stays_bounded(outcomes):
    """The trusted process does not grow, and all sandbox processes together (two sandboxes at a
    time, memory and fork bombs among them), measured from outside, stay under two sandboxes'
    bound: their memory cgroups' where this machine has them, else RLIMIT_AS × processes."""
    assert outcomes["rss_growth_mb"] < 400, "the trusted process's memory grew"
    bound = 2 * max(SHORT.memory_bound_mb(outcomes["cgroup"]), LONG.memory_bound_mb(outcomes["cgroup"]))
    print(f"\nall sandboxes together, peak PSS {outcomes['tree_peak_mb']:.0f} MB (bound {bound} MB)")
    assert 0 < outcomes["tree_peak_mb"] <= bound * 1.05, (outcomes["tree_peak_mb"], bound)
    if cgroup.base() is not None:
        assert outcomes["cgroup"], "a memory cgroup can be made here but a sandbox ran without one"


def _extra_checks(attack, result, all_cases) -> None:
    outputs = result.calls[0].outputs
    if "forbidden" in attack.extra:
        assert result.calls[0].forbidden or not any(o.ok for o in outputs)
    if "nothing-found" in attack.extra:
        for out in outputs:
            assert out.ok and set(out.value) == {"solutions", "gradebook", "environment", "reference_source"}
            assert all(v == 0.0 for v in out.value.values()), out.value
    if "all-zero" in attack.extra:
        for out in outputs:
            assert out.ok and not np.any(np.asarray(out.value)), out.value
    if "output-capped" in attack.extra:
        for text in (result.stdout, result.stderr):
            assert len(text) <= LONG.output_bytes + 100
            assert "\x1b" not in text and "\r" not in text
    if "public-only" in attack.extra:
        cases, n_public = all_cases[0]
        marks = _passed(attack.exercises[0], cases, outputs)
        assert not any(marks[n_public:]), "a hard-coded answer passed a hidden case"


@needs_namespaces
def test_the_batch_goes_on_after_every_attack(outcomes):
    """After the whole suite ran, an honest submission still scores full and leaves nothing."""
    cases, _ = _cases("ch01.sigmoid_slope")
    source = render("honest", {})
    result = run(source, [Call("ch01.sigmoid_slope", "sigmoid_slope", cases)], limits=LONG)
    assert result.status == "ok"
    assert _score("ch01.sigmoid_slope", cases, result.calls[0]) == 1.0


def test_catalog_names_every_submission_file():
    from graders.adversarial.catalog import SUBMISSIONS
    files = {p.stem for p in SUBMISSIONS.glob("*.py")}
    assert files == {a.name for a in ATTACKS}
    assert len(ATTACKS) >= 25
    assert all(a.what for a in ATTACKS)
    json.dumps([a.name for a in ATTACKS])
