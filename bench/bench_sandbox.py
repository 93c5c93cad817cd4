"""What the grading sandbox costs per submission, next to calling the same functions in-process.

For each chapter's solution notebook (its import cells and answer cells, as the class grader
sends them), interleaved, --repeat times:

  in-process   exec the source once, call every exercise's function on its public + hidden cases
               and compare with the reference (what grading inside the learner's kernel does)
  sandbox      graders.sandbox.run on the same source and cases (one confined sandbox, one forked
               child per exercise), then the same comparison in this process
  empty        graders.sandbox.run of an empty source with one call of no case (the sandbox's
               fixed cost: start, confine, load numpy, fork one child, tear down)

Printed: median seconds per submission, the ratio sandbox / in-process, the overhead per
submission and per exercise, the CPU seconds the sandbox's processes used (a figure that does not
depend on how busy the machine is), and the peak memory of one exercise's child measured outside.

Run:  .venv/bin/python bench/bench_sandbox.py [--repeat 7]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import time
from pathlib import Path

from course.checking.compare import compare
from course.exercises import get_spec
from graders.sandbox import Call, available_mode, run

ROOT = Path(__file__).resolve().parents[1]
SEED = 1234


def submission(notebook: Path) -> tuple[str, list[tuple[str, str]]]:
    """The source (import cells + answer cells, joined as '# %%' cells) and (exercise, function)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells, exercises = [], []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if meta.get("solution") and grade_id.endswith("-solution"):
            chapter, name = grade_id[: -len("-solution")].split("-", 1)
            fn = re.search(r"^def (\w+)", src, re.M)
            exercises.append((f"{chapter}.{name}", fn.group(1)))
            cells.append(src)
        elif not meta and src.startswith(("import ", "from ")):  # the notebook's setup cell
            cells.append(src)
    return "\n# %%\n".join(cells), exercises


def cases_of(name: str) -> list[tuple]:
    spec = get_spec(name)
    return [tuple(c.args) for c in spec.public_cases() + spec.hidden_cases(SEED)]


def score(name: str, cases: list[tuple], values: list) -> int:
    spec = get_spec(name)
    return sum(compare(v, spec.reference(*a), rtol=spec.rtol, atol=spec.atol)[0] is None
               for a, v in zip(cases, values))


def in_process(source: str, exercises: list[tuple[str, str]], cases: dict) -> tuple[float, int]:
    start = time.perf_counter()
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source, "<submission>", "exec"), namespace)  # noqa: S102 - trusted solution code
    passed = 0
    for name, fn in exercises:
        values = [namespace[fn](*args) for args in cases[name]]
        passed += score(name, cases[name], values)
    return time.perf_counter() - start, passed


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sandboxed(source: str, exercises: list[tuple[str, str]], cases: dict) -> tuple[float, int, list, list, float]:
    start, cpu = time.perf_counter(), _children_cpu()
    result = run(source, [Call(name, fn, cases[name]) for name, fn in exercises])
    cpu = _children_cpu() - cpu
    passed = 0
    for (name, _), call in zip(exercises, result.calls):
        passed += score(name, cases[name], [o.value for o in call.outputs])
    return (time.perf_counter() - start, passed, [c.seconds for c in result.calls],
            [c.peak_rss_mb for c in result.calls], cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    mode = available_mode()
    print(f"sandbox mode: {mode.name}; {args.repeat} interleaved repeats; medians\n")
    run("", [Call("", "", [])])  # warm the stub cache and the probe
    for notebook in sorted(ROOT.glob("solutions/ch*/*.ipynb")):
        source, exercises = submission(notebook)
        cases = {name: cases_of(name) for name, _ in exercises}
        n_cases = sum(len(c) for c in cases.values())
        for name, fn in exercises:  # build every stubbed copy once, outside the timing
            run(source, [Call(name, fn, cases[name][:1])])
        t_in, t_sb, t_empty, per_ex, rss, cpu_sb, cpu_in = [], [], [], [], [], [], []
        for _ in range(args.repeat):
            c0 = time.process_time()
            s, passed_in = in_process(source, exercises, cases)
            cpu_in.append(time.process_time() - c0)
            t_in.append(s)
            s, passed_sb, child, mem, cpu = sandboxed(source, exercises, cases)
            t_sb.append(s)
            cpu_sb.append(cpu)
            per_ex += child
            rss += mem
            start = time.perf_counter()
            run("", [Call("", "", [])])   # a sandbox and one child that calls nothing
            t_empty.append(time.perf_counter() - start)
        m_in, m_sb, m_empty = (statistics.median(t) for t in (t_in, t_sb, t_empty))
        print(f"{notebook.parent.name}: {len(exercises)} exercises, {n_cases} cases; "
              f"passed in-process {passed_in}/{n_cases}, sandbox {passed_sb}/{n_cases}")
        print(f"  in-process {m_in:8.3f} s   sandbox {m_sb:8.3f} s   ratio {m_sb / m_in:6.1f}x   "
              f"overhead {m_sb - m_in:6.3f} s/submission, {(m_sb - m_in) / len(exercises):6.3f} s/exercise")
        print(f"  CPU: in-process {statistics.median(cpu_in):6.3f} s, sandbox processes "
              f"{statistics.median(cpu_sb):6.3f} s per submission (wall-clock figures depend on the load: "
              f"{os.getloadavg()[0]:.1f} now)")
        print(f"  empty sandbox {m_empty:6.3f} s   one exercise's child {statistics.median(per_ex):6.3f} s   "
              f"child peak RSS {statistics.median(rss):5.1f} MB (measured outside)\n")


if __name__ == "__main__":
    main()
