"""Which entries a directional failure speaks of, and what is established about them.

A directional check sees a tensor through a few random projections ``<g, v>`` and the few
wrong entries bisection found. A cause is stated only on the entries it was established on:

* the **whole tensor** when the analytic gradient itself is all zeros, or when every random
  direction (at least three, each through every entry) shows the same ratio between the
  analytic and the numeric slope (a sign or a constant factor), or the transpose explains them;
* **exactly the entries found** when bisection searched everything and a further random
  direction, with those entries corrected, agrees;
* a **row or column set** (of a matrix) when a random direction through everything *outside*
  the rows (columns) of the entries found agrees: all the wrong entries lie there;
* otherwise only **the entries found**, saying that there may be more.

What holds on the entries (all zero where the numeric value is not, the opposite sign, one
common factor) is said of those entries only; with nothing recognisable the report says
"no pattern recognised" rather than guess.
"""
from __future__ import annotations

import numpy as np

from course.gradcheck.compare import Entry, Probe, TensorCheck, judge
from course.gradcheck.diagnosis import Diagnosis, diagnose
from course.gradcheck.diagnosis.patterns import OFFSET_HINT, offset_amount
from course.gradcheck.directional import MAX_ENTRIES, directional_scale, random_direction, step_of

__all__ = ["directional_cause", "entries_pattern", "listed"]

_MIN_DIRECTIONS = 3  # a whole-tensor ratio needs at least this many random directions


def directional_cause(probe: Probe, check: TensorCheck, analytic: np.ndarray, *, rng: np.random.Generator,
                      batch_size: int | None, rtol: float, atol: float, what: str) -> Diagnosis:
    """The cause of a failed directional check of a gradient, with the entries it holds on."""
    subject = what[:1].upper() + what[1:]
    g = analytic.ravel()
    n = g.size
    if not g.any():
        return Diagnosis("zeros", f"{subject} is all zeros (every one of its {n} entries) although the numerical "
                                  f"gradient is not: it looks as if it was never computed, or never written "
                                  f"into the array that is returned.")
    whole = _whole_tensor(check, analytic, batch_size=batch_size, rtol=rtol, atol=atol, subject=subject)
    if whole is not None:
        return whole
    entries = check.entries
    if not entries:
        return Diagnosis("unknown", f"{subject} disagrees along random directions, but bisection could not "
                                    f"localise the error (it is spread thinly over many entries); no pattern "
                                    f"recognised.")
    names = listed(entries)
    key, on_found = entries_pattern(entries, atol, batch_size)
    if check.complete:
        word = "entry" if len(entries) == 1 else "entries"
        if key == "sign":
            return Diagnosis("sign", f"{subject} has the wrong sign at {word} {names} and is correct elsewhere "
                                     f"(bisection searched every entry, and a random direction with "
                                     f"{'it' if len(entries) == 1 else 'them'} corrected agrees): look for a "
                                     f"stray minus in the code that computes {'it' if len(entries) == 1 else 'them'}.")
        extra = f"; there {'it is' if len(entries) == 1 else 'they are'} {on_found}" if on_found else ""
        return Diagnosis("entries", f"Only {word} {names} of {check.name} {'is' if len(entries) == 1 else 'are'} "
                                    f"wrong (bisection searched every entry, and a random direction with "
                                    f"{'it' if len(entries) == 1 else 'them'} corrected agrees){extra}: look for "
                                    f"code that writes single entries, e.g. an index that is off by one.")
    region = (_zero_set(probe, rng=rng, rtol=rtol, atol=atol) if key == "zeros" else "") or \
        _confined(probe, entries, rng=rng, rtol=rtol, atol=atol)
    n = len(entries)  # fewer than MAX_ENTRIES from an incomplete search: bisection missed some
    why = f"bisection stops at {n}" if n >= MAX_ENTRIES else "bisection did not search every entry"
    detail = f"({names}; {why}, so there may be more)"
    lower = subject[:1].lower() + subject[1:]
    facts = [f"at the {n} wrong entries found {detail}, {lower} is {on_found}" if on_found
             else f"bisection found the {n} wrong entries {detail}"]
    if region:
        facts.append(f"all the wrong entries lie in {region} (a random direction through every other entry "
                     f"agrees)")
    text = "; ".join(facts) + ("" if (on_found or region) else "; no pattern recognised") + "."
    name = key or ("entries" if region else "unknown")
    return Diagnosis(name, text[:1].upper() + text[1:])


def _whole_tensor(check: TensorCheck, analytic: np.ndarray, *, batch_size: int | None, rtol: float, atol: float,
                  subject: str) -> Diagnosis | None:
    """A sign, factor or transpose that every random direction shows (None if fewer than 3 directions)."""
    if len(check.projections) < _MIN_DIRECTIONS:
        return None
    a = np.array([p[0] for p in check.projections])
    c = np.array([p[1] for p in check.projections])
    loose = max(1e-5, 10 * rtol)
    tol = max(atol, 1e-6 * float(np.linalg.norm(analytic)) * max(1.0 / np.sqrt(analytic.size), 1e-2),
              1e-7 * float(np.abs(c).max()))
    k = len(a)
    scope = (f" (the same ratio along each of {k} random directions through all {analytic.size} entries, "
             f"so it holds for the whole tensor)")
    # every projection counts as differing: only a fit of all of them (one ratio) may speak for the tensor
    found = diagnose(a, c, batch_size=batch_size, rtol=loose, atol=tol, what=subject,
                     wrong=np.ones(a.size, dtype=bool))
    if found is not None and found.name in ("sign", "factor") and a.size >= 2 and np.all(np.abs(a) > tol):
        return Diagnosis(found.name, found.message.rstrip(".").replace(" everywhere", "") + scope + ".")
    if analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1] > 1:
        flipped = np.array([float(analytic.T.ravel() @ p[2]) for p in check.projections])
        if np.allclose(flipped, c, rtol=loose, atol=tol) and not np.allclose(analytic, analytic.T):
            return Diagnosis("transposed", f"{subject} is the transpose of the right matrix: its transpose "
                                           f"agrees along each of {k} random directions (check the order of "
                                           f"the factors of the matrix product).")
    return None


def entries_pattern(entries: list[Entry], atol: float, batch_size: int | None) -> tuple[str, str]:
    """``(key, text)`` for what all the entries found share (``("", "")`` if nothing).

    ``text`` completes "<the gradient> is ...": ``"0 where the numerical value is not"``,
    ``"the opposite sign"``, ``"2 times the numerical value"``, an offset such as ``+1/m``.
    """
    a = np.array([e.analytic for e in entries])
    n = np.array([e.numeric for e in entries])
    scale = max(float(np.abs(n).max()), atol, 1e-300)
    if np.all(np.abs(a) <= 1e-12 * scale):
        return "zeros", "0 where the numerical value is not"
    if np.all(np.abs(n) <= 1e-12 * np.abs(a).max()):
        return "mask", "non-zero where the numerical value is 0"
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = a / n
    if np.all(np.isfinite(ratio)) and np.allclose(ratio, -1.0, rtol=1e-3):
        return "sign", "the opposite sign"
    if len(entries) >= 2:
        amount = offset_amount(a - n, batch_size, 1e-6 * scale)
        if amount is not None:
            return "offset", f"off by exactly {amount} ({OFFSET_HINT})"
        # a common factor, told apart from 1 (entries off by a few 1e-4 each are no "1 times")
        if (np.all(np.isfinite(ratio)) and np.allclose(ratio, ratio[0], rtol=1e-3)
                and not np.isclose(ratio[0], 1.0, rtol=1e-2)):
            return "factor", f"{ratio[0]:.4g} times the numerical value"
    return "", ""


def _confined(probe: Probe, entries: list[Entry], *, rng: np.random.Generator, rtol: float, atol: float) -> str:
    """``"row 3 of W"``-style text if every wrong entry lies in the rows (or columns) of those found, else ``""``."""
    shape = probe.base.shape
    if len(shape) != 2 or probe.analytic.shape[0] != 1:
        return ""
    rows = sorted({e.index[0] for e in entries})
    cols = sorted({e.index[1] for e in entries})
    for axis, lines in ((0, rows), (1, cols)):
        if len(lines) >= shape[axis]:
            continue
        outside = np.ones(shape, dtype=bool)
        if axis == 0:
            outside[lines, :] = False
        else:
            outside[:, lines] = False
        if _agrees_on(probe, np.flatnonzero(outside.ravel()), rng=rng, rtol=rtol, atol=atol):
            word = ("row" if axis == 0 else "column") + ("s" if len(lines) > 1 else "")
            return f"{word} {', '.join(map(str, lines))} of {probe.name}"
    return ""


def _zero_set(probe: Probe, *, rng: np.random.Generator, rtol: float, atol: float) -> str:
    """``"the 90 entries where it is exactly 0 (rows 0-8, columns 0-9 of W)"`` if every wrong entry is there."""
    g = probe.analytic[0]
    zero = g == 0
    if not zero.any() or zero.all() or not _agrees_on(probe, np.flatnonzero(~zero), rng=rng, rtol=rtol, atol=atol):
        return ""
    where = ""
    if probe.base.ndim == 2:
        z = zero.reshape(probe.base.shape)
        r, c = np.flatnonzero(z.any(axis=1)), np.flatnonzero(z.any(axis=0))
        if z[r[0]:r[-1] + 1, c[0]:c[-1] + 1].all() and z.sum() == (r[-1] - r[0] + 1) * (c[-1] - c[0] + 1):
            where = f": the block of rows {r[0]}-{r[-1]}, columns {c[0]}-{c[-1]} of {probe.name}"
    return f"the {int(zero.sum())} entries where it is exactly 0{where}"


def _agrees_on(probe: Probe, support: np.ndarray, *, rng: np.random.Generator, rtol: float, atol: float) -> bool:
    """Whether a random direction through exactly ``support`` (flat indices) agrees (not merely as a kink:
    through kinks, agreement between the one-sided slopes would not show that the entries there are right)."""
    n = probe.base.size
    g = probe.analytic[0]
    u = np.zeros(n)
    u[support] = random_direction(rng, support.size)
    verdict = judge(probe, u.reshape(probe.base.shape), step_of(probe),
                    scale_of=directional_scale(float(np.linalg.norm(g)), n), ref=np.array([np.linalg.norm(g)]),
                    rtol=rtol, atol=atol, support=support)
    return bool(verdict.ok[0] and not verdict.kink[0])


def listed(entries: list[Entry]) -> str:
    return ", ".join("[" + ", ".join(map(str, e.index)) + "]" for e in entries)
