""".ci/run fails when a test fails, when no test ran, and passes only on a real pass.

Each case runs the real script in a scratch folder whose README's quick-start test line runs a
tiny pytest suite (or no pytest at all).
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CI_SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "run"

CASES = {
    "passing": ("def test_ok():\n    assert 1 == 1\n", "-m pytest -p no:cacheprovider t", 0),
    "passing_quiet": ("def test_ok():\n    assert 1 == 1\n", "-m pytest -q -p no:cacheprovider t", 0),
    "failing": ("def test_bad():\n    assert 1 == 2\n", "-m pytest -p no:cacheprovider t", 1),
    "no_tests": ("", "-m pytest -p no:cacheprovider t", 5),
    "no_pytest": ("", "-c \"print('all good')\"", 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_ci_script_exit_code(case, tmp_path):
    tests, args, expected = CASES[case]
    (tmp_path / ".ci").mkdir()
    shutil.copy(CI_SCRIPT, tmp_path / ".ci" / "run")
    (tmp_path / "t").mkdir()
    if tests:
        (tmp_path / "t" / "test_sample.py").write_text(tests)
    (tmp_path / "README.md").write_text(
        f"# scratch\n\n<!-- quickstart:test -->\n```bash\n{sys.executable} {args}\n```\n")
    done = subprocess.run(["bash", str(tmp_path / ".ci" / "run")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == expected, done.stdout[-2000:] + done.stderr[-2000:]
