"""How a learner's exception, as the sandbox reports it, is said in feedback."""
from __future__ import annotations

__all__ = ["describe_error"]


def describe_error(error: str | None) -> str:
    """``"Type: message (line L of fn in cell)"`` as a sentence about the learner's function.

    >>> describe_error("ValueError: bad (line 3 of f in answer cell ch01-x-solution)")
    'Your function raised ValueError: bad (line 3 of f in answer cell ch01-x-solution)'
    """
    text = error or "failed"
    if text.startswith(("raised ", "did not ", "bad output")):
        return f"Your function {text}"
    return f"Your function raised {text}"
