# Looks for anything that would give the answers away: solutions, the gradebook, the course's
# own answer code, the course state in the environment. Returns what it found (1.0 = found).
import glob
import inspect
import os


def _found():
    out = {}
    texts = []
    for path in ["@@REPO@@/solutions/ch01_chain_rule/chain_rule.ipynb", "@@GRADEBOOK@@",
                 *glob.glob("@@REPO@@/**/*.ipynb", recursive=True), "/proc/1/environ"]:
        try:
            with open(path, "rb") as fh:
                texts.append(fh.read().decode("utf-8", "replace"))
        except OSError:
            pass
    out["solutions"] = float(any("BEGIN SOLUTION" in t for t in texts))
    out["gradebook"] = float(any("@@TAG@@" in t for t in texts))
    out["environment"] = float(any(k.startswith(("BACKPROP", "GRADEBOOK")) for k in os.environ))
    try:
        from course.reference import chain_rule as functions
        src = inspect.getsource(functions.sigmoid_slope)
        out["reference_source"] = float("unavailable" not in src)
    except Exception:
        out["reference_source"] = 0.0
    return out


def sigmoid_slope(z):
    return _found()
