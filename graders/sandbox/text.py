"""Text that came out of the sandbox, made safe to show: no terminal escapes, no control characters."""
from __future__ import annotations

import re

__all__ = ["clean"]

_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean(text: str, limit: int | None = None) -> str:
    """``text`` without ANSI/OSC escape sequences, control or bidi characters (``\\n``, ``\\t`` kept),
    cut to ``limit`` characters. HTML escaping is the job of whoever writes HTML."""
    text = _CONTROL.sub("", _ANSI.sub("", str(text)))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
