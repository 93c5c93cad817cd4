"""The adversarial suite (graders/adversarial/): every hostile submission, run in the real sandbox.

For each one: no more points than its real answers deserve (scored here, in the trusted process,
with course's compare against spec.reference), an allowed status, nothing written outside, no
process left, no connection to a listener on 127.0.0.1, bounded memory (all sandbox processes
together, measured from outside); honest ones unaffected. Then all of them again as notebooks of
one class through the class grader (``grade_class``): one row each, no more points, nothing left.
"""
from __future__ import annotations

import json
import os
import resource
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from course.checking.compare import compare
from course.checking.guard import Guard
from course.exercises import get_spec
from graders.adversarial.catalog import ATTACKS, FUNCTIONS, render
from graders.adversarial.measure import TreeRss
from graders.sandbox import Call, Limits, available_mode, cgroup, run

REPO = Path(__file__).resolve().parents[1]
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


def _public_table() -> str:
    spec = get_spec("ch01.sigmoid_slope")
    table = {}
    for case in spec.public_cases():
        z = np.asarray(case.args[0], dtype=float)
        table[repr(np.round(z, 12).tolist())] = np.asarray(spec.reference(*case.args)).tolist()
    return repr(table)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The host around the sandbox: a gradebook, another student's submission, and per attack a
    tag, a job folder and a TCP + UDP listener on 127.0.0.1."""
    base = tmp_path_factory.mktemp("adversarial")
    gradebook = base / "state" / "gradebook.csv"
    gradebook.parent.mkdir()
    gradebook.write_text("student,score\nalice,1\n")
    other = base / "submitted" / "bob"
    other.mkdir(parents=True)
    (other / "chain_rule.ipynb").write_text("{}")
    per_attack = {}
    for attack in ATTACKS:
        tag = uuid.uuid4().hex[:12]
        tcp = socket.socket()
        tcp.bind(("127.0.0.1", 0))
        tcp.listen(8)
        tcp.setblocking(False)
        port = tcp.getsockname()[1]
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", port))
        udp.setblocking(False)
        jobs = base / f"jobs-{attack.name}"
        jobs.mkdir()
        values = {"PORT": str(port), "TAG": tag, "GRADEBOOK": str(gradebook), "OTHER": str(other),
                  "REPO": str(REPO), "HOME": os.path.expanduser("~"), "PUBLIC": _public_table()}
        per_attack[attack.name] = {"values": values, "tcp": tcp, "udp": udp, "jobs": jobs, "tag": tag}
    old_state = os.environ.get("BACKPROP_COURSE_STATE")
    os.environ["BACKPROP_COURSE_STATE"] = str(gradebook.parent)  # the sandbox must not inherit it
    yield {"gradebook": gradebook, "other": other, "attacks": per_attack}
    if old_state is None:
        os.environ.pop("BACKPROP_COURSE_STATE", None)
    else:
        os.environ["BACKPROP_COURSE_STATE"] = old_state
    for one in per_attack.values():
        one["tcp"].close()
        one["udp"].close()


def _survivors(one) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if one["tag"] in cmd or str(one["jobs"]) + "/" in cmd:
            found.append(f"{entry}: {cmd[:120]}")
    return found


def _written_outside(world, one) -> list[str]:
    places = ["/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~"), str(world["other"]),
              str(world["gradebook"].parent), str(REPO), str(REPO / "graders"), str(REPO / "solutions"),
              str(Path.cwd())]
    hits = []
    for place in places:
        try:
            names = os.listdir(place)
        except OSError:
            continue
        hits += [os.path.join(place, n) for n in names if one["tag"] in n]
    if world["gradebook"].read_text() != "student,score\nalice,1\n":
        hits.append(str(world["gradebook"]))
    if sorted(os.listdir(world["other"])) != ["chain_rule.ipynb"]:
        hits.append(str(world["other"]))
    return hits


def _connections(one) -> int:
    n = 0
    while True:
        try:
            conn, _ = one["tcp"].accept()
            conn.close()
            n += 1
        except BlockingIOError:
            break
    while True:
        try:
            one["udp"].recv(100)
            n += 1
        except BlockingIOError:
            break
    return n


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
    return {"result": result, "cases": all_cases, "limits": limits, "survivors": _survivors(one),
            "written": _written_outside(world, one), "connections": _connections(one)}


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


# --- the same submissions as notebooks, graded as one class by `python -m graders grade` ----------

CHAPTER = "ch01_chain_rule"
GRADED = ("ch01.sigmoid_slope", "ch01.tanh_slope")
BATCH = Limits(wall_seconds=4, cpu_seconds=4, case_seconds=2, memory_mb=768, result_mb=32)


def _notebook(source: str) -> bytes:
    """The chapter 1 solution notebook with the attack's cells (``# %%``) as its first answer cells."""
    nb = json.loads((REPO / "solutions" / CHAPTER / "chain_rule.ipynb").read_text())
    answers = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    chunks = [c for c in source.split("\n# %%") if c.strip()]
    assert len(chunks) <= len(answers)
    for cell, chunk in zip(answers, chunks + ["pass\n"] * (len(answers) - len(chunks))):
        cell["source"] = chunk
    return json.dumps(nb).encode()


def _release(folder: Path) -> Path:
    """Chapter 1's release with the grade cells of ``GRADED`` only (what the attacks answer)."""
    nb = json.loads((REPO / "notebooks" / CHAPTER / "chain_rule.ipynb").read_text())
    nb["cells"] = [c for c in nb["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("grade")
                   or any(g in "".join(c["source"]) for g in GRADED)]
    (folder / CHAPTER).mkdir(parents=True)
    (folder / CHAPTER / "chain_rule.ipynb").write_text(json.dumps(nb))
    return folder


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Every attack as one student's notebook, graded as one class (two at a time), with one tag
    and one listener for the whole batch; what was left behind is looked at after the batch."""
    if not NAMESPACES:
        pytest.skip("this machine cannot make Linux namespaces: the attacks are not run")
    from graders.grade.batch import grade_class
    base = tmp_path_factory.mktemp("adversarial-class")
    gradebook = base / "state" / "gradebook.csv"
    gradebook.parent.mkdir()
    gradebook.write_text("student,score\nalice,1\n")
    other = base / "submitted" / "bob"
    other.mkdir(parents=True)
    (other / "chain_rule.ipynb").write_text("{}")
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.setblocking(False)
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    udp.setblocking(False)
    tag = uuid.uuid4().hex[:12]
    jobs = base / "jobs"
    jobs.mkdir()
    one = {"tag": tag, "tcp": tcp, "udp": udp, "jobs": jobs}
    values = {"PORT": str(port), "TAG": tag, "GRADEBOOK": str(gradebook), "OTHER": str(other),
              "REPO": str(REPO), "HOME": os.path.expanduser("~"), "PUBLIC": _public_table()}
    subs = base / "subs"
    subs.mkdir()
    for attack in ATTACKS:
        (subs / f"{attack.name}.ipynb").write_bytes(_notebook(render(attack.name, values)))
    old = os.environ.get("BACKPROP_COURSE_STATE")
    os.environ["BACKPROP_COURSE_STATE"] = str(gradebook.parent)
    try:
        run_ = grade_class(CHAPTER, subs, base / "out", jobs=2, notebooks=_release(base / "release"),
                           limits=BATCH, secret=b"adversarial")
    finally:
        if old is None:
            os.environ.pop("BACKPROP_COURSE_STATE", None)
        else:
            os.environ["BACKPROP_COURSE_STATE"] = old
    world = {"gradebook": gradebook, "other": other}
    got = {"run": run_, "out": base / "out", "survivors": _survivors(one),
           "written": _written_outside(world, one), "connections": _connections(one)}
    tcp.close()
    udp.close()
    return got


def test_every_attack_gets_one_row_and_no_more_points_in_the_class_grader(graded_class):
    run_ = graded_class["run"]
    rows = (graded_class["out"] / "grades.csv").read_text().splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == sorted(a.name for a in ATTACKS)
    by = {r.student: r for r in run_.results}
    assert "grader error" not in {r.status for r in run_.results}
    too_many, too_few = [], []
    for attack in ATTACKS:
        r = by[attack.name]
        mine = [e for e in r.exercises if e.exercise in attack.exercises]     # the others stay unanswered
        assert len(mine) == len(attack.exercises) and all(e.status for e in r.exercises)
        share = sum(e.score for e in mine) / sum(e.points for e in mine)
        if share > attack.max_score + 1e-9:
            too_many.append((attack.name, r.total, r.max, r.status))
        if attack.min_score == 1.0 and share < 1.0:
            too_few.append((attack.name, r.total, r.max, r.status, r.messages[:3],
                            [(e.exercise, e.status, e.message) for e in r.exercises if e.score < e.points]))
    assert not too_many, too_many
    assert not too_few, too_few


def test_the_class_batch_leaves_nothing_behind(graded_class):
    assert graded_class["survivors"] == []
    assert graded_class["written"] == []
    assert graded_class["connections"] == 0
