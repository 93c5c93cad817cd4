"""The host's memory stays bounded: a memory bomb plus a fork of memory bombs, measured from outside.

The sandbox's processes are sampled every few milliseconds from this (trusted) process: the sum
of the proportional resident memory (PSS: a page shared by n processes counts 1/n in each, so
forked copies of the zygote are not counted n times) of every descendant of the test process
is its peak. With a memory cgroup
(``graders/sandbox/cgroup.py``) that sum stays under ``Limits.total_memory_mb``; without one only
``(processes + 1) × memory_mb + tmpfs_mb`` would hold (7 × 400 MB here).
"""
from __future__ import annotations

import os

import pytest

from graders.adversarial.measure import TreeRss
from graders.sandbox import Call, Limits, available_mode, cgroup, run

BOMB = '''
import os, time
def bomb():
    kids = []
    for _ in range(6):
        pid = os.fork()
        if pid == 0:
            try:
                b = bytearray(400 << 20)
                b[::4096] = b"\\x01" * len(range(0, len(b), 4096))
                time.sleep(3)
            finally:
                os._exit(0)
        kids.append(pid)
    held = []
    try:
        while True:                       # and the parent grows without bound
            b = bytearray(50 << 20)
            b[::4096] = b"\\x01" * len(range(0, len(b), 4096))
            held.append(b)
    except MemoryError:
        pass
    time.sleep(2)
    for k in kids:
        os.waitpid(k, 0)
    return float(len(held))
'''
HONEST = "import numpy as np\ndef f(x):\n    return np.asarray(x) * 2.0\n"
LIMITS = Limits(memory_mb=768, processes=8, wall_seconds=15, cpu_seconds=10, total_memory_mb=600)
HAS_CGROUP = cgroup.base() is not None
needs = pytest.mark.skipif(not (HAS_CGROUP and available_mode().namespaces),
                           reason="no memory cgroup can be made here (python -m graders doctor): only "
                                  "the per-process limits bound the memory")


def _leftover_cgroups() -> list[str]:
    found = cgroup.base()
    return [] if found is None else [n for n in os.listdir(found[1]) if n.startswith("bpsbx-")]


@needs
def test_a_fork_of_memory_bombs_cannot_take_the_host_past_the_bound():
    before = _leftover_cgroups()
    with TreeRss() as tree:
        result = run(BOMB, [Call("", "bomb", [()])], limits=LIMITS)
    assert "memory cgroup" in result.isolation, result.isolation
    bound = LIMITS.memory_bound_mb(cgroup=True)
    assert bound == 600 < LIMITS.memory_bound_mb(cgroup=False)
    assert tree.peak_mb > 100, "the sampler saw nothing: it measures nothing"
    assert tree.peak_mb <= bound * 1.05, f"the sandbox's processes held {tree.peak_mb:.0f} MB, bound {bound} MB"
    print(f"\npeak PSS of the grading process tree: {tree.peak_mb:.0f} MB (bound {bound} MB; "
          f"without the cgroup {LIMITS.memory_bound_mb(cgroup=False)} MB); status {result.status}")
    assert _leftover_cgroups() == before, "the sandbox's cgroup was not removed"
    honest = run(HONEST, [Call("", "f", [(1.5,)])], limits=LIMITS)
    assert honest.status == "ok" and honest.calls[0].outputs[0].value == 3.0


@needs
def test_an_oom_kill_in_the_cgroup_is_reported_as_memory():
    """600 MB in one process: allowed by its address-space limit, refused by the cgroup."""
    big = ('def f():\n    b = bytearray(600 << 20)\n'
           '    b[::4096] = b"\\x01" * len(range(0, len(b), 4096))\n    return 1.0\n')
    limits = Limits(memory_mb=1024, wall_seconds=15, cpu_seconds=10, total_memory_mb=400)
    result = run(big, [Call("", "f", [()]), Call("", "f", [()])], limits=limits)
    assert [c.status for c in result.calls] == ["memory", "memory"], [c.status for c in result.calls]
    assert "out of memory" in (result.calls[0].outputs[0].error or ""), result.calls[0].outputs[0].error
    assert result.status == "memory"


def test_the_bound_is_stated_with_and_without_a_cgroup():
    limits = Limits(memory_mb=1024, processes=8, tmpfs_mb=32)
    assert limits.cgroup_mb == 1024 + 32 + 256
    assert limits.memory_bound_mb(cgroup=False) == 9 * 1024 + 32
    assert limits.memory_bound_mb(cgroup=True) == 1312
    with pytest.raises(ValueError, match="positive integer"):
        cgroup.create(0)


@pytest.mark.parametrize("with_cgroup", [True, False], ids=["cgroup", "no-cgroup"])
def test_doctor_reports_the_memory_bound_in_force(with_cgroup, monkeypatch, capsys):
    from graders.sandbox import doctor
    if with_cgroup and not HAS_CGROUP:
        pytest.skip("no memory cgroup can be made here")
    if not with_cgroup:
        monkeypatch.setattr(cgroup, "base", lambda: None)
    code = doctor.main([])
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.startswith("memory cgroup (optional)"))
    bound = next(l for l in out.splitlines() if l.startswith("memory bound, all processes"))
    if with_cgroup:
        assert " works " in line and "was killed" in line, line
        assert f"{Limits().cgroup_mb} MB per sandbox" in bound, bound
    else:
        assert " weaker " in line, line
        assert f"{Limits().memory_bound_mb(cgroup=False)} MB per sandbox" in bound, bound
    assert code == (0 if available_mode().namespaces else 1)
