"""The README stays true: two quick-start commands, and its code examples run."""
import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _block_after(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```bash\n(.*?)```", README, re.S)
    assert match, f"README has no bash block after <!-- {marker} -->"
    return match.group(1).strip()


def test_quick_start_is_two_one_line_commands():
    open_line, test_line = _block_after("quickstart:open"), _block_after("quickstart:test")
    for line in (open_line, test_line):
        assert "\n" not in line and line.startswith("python3 -m venv .venv")
    assert "pip install -e ." in open_line and open_line.endswith("python -m course.workspace")
    assert 'pip install -e ".[dev]"' in test_line and "pytest" in test_line


def test_the_ci_script_runs_the_readme_test_line():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "quickstart:test" in ci


def test_gradcheck_examples_run_and_pass():
    block = re.search(r"```python\n(import numpy as np\nfrom course import gradcheck\n.*?)```", README, re.S)
    assert block, "README lost its gradcheck example"
    results = []
    namespace = {}
    for line in block.group(1).splitlines():
        code = line.split("#")[0].rstrip()
        if code.startswith("gradcheck("):
            results.append(eval(code, namespace))  # noqa: S307 - our own README
        elif code:
            exec(code, namespace)  # noqa: S102
    assert len(results) == 2 and all(results), results
