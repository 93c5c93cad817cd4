"""Evidence of numeric differentiation: evaluations of one function at points next to an input.

:class:`Evidence` holds a snapshot of one call's inputs (every float array and float among the
arguments, one level into tuples, lists and dicts) and reads the arguments of each evaluation
:class:`~course.checking.shortcuts.ShortcutDetector` reports. An argument ``a`` is *next to* an
input ``x`` when, for a sign ``s`` in ``±1, ±2`` (``np.exp(-(z + h))`` evaluates next to ``-z``),

    0 < max |a - s x| <= TAU * max(1, max |s x|)          (TAU = 1e-2)

Arrays are compared whole (``a`` of ``x``'s shape, reshaped, or a stack of copies of ``x``);
a float is compared with every entry (loops over entries), an exact match with some entry
counting as an evaluation *at* that entry (entries of one value, such as a ``0`` that is also
``-0``, ``2·0`` and ``-2·0``, are one entry). A finite difference needs the same function at two
nearby points, so one perturbed evaluation is never enough. A *step* is a perturbation whose
nonzero entries have one size (absolute, or relative to ``|x_i|``, ``max(1, |x_i|)`` or
``1 + |x_i|``, each counted only up to ``TAU``: ``0.9 x`` is no step), or a multiple of one of the inputs (``z + h g``, a directional difference); it
is *round* when that size is one a person or a numeric code picks (``r·10⁻ᵏ`` for ``r`` in
1, 2.5, 5 and ``k ≥ 3``; ``2⁻ᵏ``; ``√eps``, ``eps^⅓``, ``eps^¼``; or twice one). A function ``f`` is flagged when

- (a ± pair, any step) ``f`` was evaluated at ``x + Δ`` and ``x − Δ`` next to an input: arrays
  (``x ± h``, ``x ± h e_i``, or any small ``Δ``) or one entry ``x_i ± d``;
- (a round step) ``f`` was evaluated next to an input at two different points, one of them a
  round step away (``x`` and ``x + 1e-7``, per entry too: ``x_i`` and ``x_i (1 + 1e-6)``), or at a whole stack of points next to
  it at once (``x + h I``, ``[x - h, x, x + h]``), or next to two different entries with the same
  round step (a loop of forward differences);
- (points derived from the inputs, such as ``z`` recovered from ``s = σ(z)``) ``f`` was evaluated
  at two points that are not inputs themselves and differ by a round step (or twice one; the
  last sixteen floats and eight arrays of each function are remembered);
- an argument is complex, ``x + i h`` with a small ``h`` (the complex-step derivative).

Honest intermediate values that happen to lie close to an input (``sin x`` for small ``x``,
``z - max z`` when ``max z`` is tiny, the log-sum-exp shift of a log-softmax) differ from it by
amounts that vary from entry to entry or are not round, or are evaluated at one point only, so
they are not flagged. The price: a one-sided difference with a step that is not round
(``h = 3.7e-6``) is seen only when it makes a ± pair or a stack.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.checking.steps import EXACT as _EXACT, SAME as _SAME, TAU, is_round as _round, \
    same_step as _close, step_sizes as _step_sizes

__all__ = ["Evidence", "TAU"]

_SIGNS = (1.0, -1.0, 2.0, -2.0)
_MAX_SIZE = 4_000_000


class Evidence:
    """The evaluations seen during one guarded call, and the verdict on each new one.

    Parameters
    ----------
    args, kwargs
        The call's arguments (snapshot here, so in-place updates by the answer change nothing).
    names : tuple of str
        The learner function's parameter names, for messages (``"argument 1"`` when missing).
    """

    def __init__(self, args: tuple, kwargs: dict, names: tuple[str, ...] = ()) -> None:
        self.inputs: list[tuple[str, np.ndarray]] = []
        for i, value in enumerate(args):
            self._collect(names[i] if i < len(names) else f"argument {i + 1}", value, nested=False)
        for key, value in kwargs.items():
            self._collect(key, value, nested=False)
        # (s, s x, max(1, max |s x|)) for every input and sign, computed once
        self._scaled = [[(s, s * x, max(1.0, abs(s) * float(np.abs(x).max()))) for s in _SIGNS]
                        for _, x in self.inputs]
        self._vals: np.ndarray | None = None       # every entry of every s x, sorted (built on demand)
        self._refs: list[tuple[int, int, int]] = []
        self._arrays: dict[tuple, set] = {}
        self._irregular: dict[tuple, list[np.ndarray]] = {}
        self._history: dict[tuple, list] = {}
        self._entries: dict[tuple, list[float]] = {}
        self._steps: dict[tuple, dict[int, list[float]]] = {}

    def _collect(self, label: str, value: Any, nested: bool) -> None:
        if isinstance(value, (float, np.floating)) and math.isfinite(value):
            self.inputs.append((label, np.array(float(value))))
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f" and 0 < value.size <= _MAX_SIZE:
            if np.all(np.isfinite(value)):
                self.inputs.append((label, np.array(value, dtype=np.float64)))
        elif not nested and isinstance(value, (tuple, list)):
            for j, item in enumerate(value[:16]):
                self._collect(f"{label}[{j}]", item, nested=True)
        elif not nested and isinstance(value, dict):
            for k, item in list(value.items())[:16]:
                self._collect(f"{label}[{k!r}]", item, nested=True)

    # -- one evaluation ----------------------------------------------------------------------
    def add(self, key: Any, name: str, values: tuple) -> str | None:
        """Record an evaluation of ``key`` with argument ``values``; the reason to flag it, or None."""
        if not self.inputs:
            return None
        for v in values:
            if isinstance(v, bool) or v is None:
                continue
            if isinstance(v, (complex, np.complexfloating)) or (isinstance(v, np.ndarray) and v.dtype.kind == "c"):
                found = self._complex(name, np.asarray(v))
            elif isinstance(v, (float, np.floating)) or (isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.size == 1):
                a = float(np.asarray(v).reshape(()))
                found = self._scalar(key, name, a) or self._scalar_pair(key, name, a)
            elif isinstance(v, np.ndarray) and v.dtype.kind == "f" and 1 < v.size <= _MAX_SIZE:
                found, exact = self._array(key, name, v)
                if not found and not exact:
                    found = self._array_pair(key, name, v)
            else:
                continue
            if found:
                return found
        return None

    def _complex(self, name: str, a: np.ndarray) -> str | None:
        for label, x in self.inputs:
            try:
                real = np.broadcast_to(a.real, np.broadcast_shapes(a.shape, x.shape))
            except ValueError:
                continue
            imag = float(np.max(np.abs(a.imag))) if a.size else 0.0
            for s in _SIGNS:
                scale = max(1.0, float(np.max(np.abs(s * x))))
                if 0 < imag <= TAU * scale and np.allclose(real, s * x, rtol=0, atol=_EXACT * scale):
                    return (f"evaluates {name} at {_what(label, s)} + i·{imag:.0e} (the complex-step "
                            f"trick): that is differentiating numerically")
        return None

    def _array(self, key: Any, name: str, a: np.ndarray) -> tuple[str | None, bool]:
        """(why ``a`` is a perturbed evaluation point, or None; whether ``a`` is exactly an input)."""
        a = np.asarray(a, dtype=np.float64)
        if not np.isfinite(a).all():
            return None, True                     # nothing to compare: treat as explained
        for i, (label, x) in enumerate(self.inputs):
            stacked = False
            if a.shape == x.shape:
                cand = a
            elif a.size == x.size:
                cand = a.reshape(x.shape)
            else:
                try:
                    if np.broadcast_shapes(a.shape, x.shape) != a.shape:
                        continue
                except ValueError:
                    continue
                cand, stacked = a, True
            for s, sx, scale in self._scaled[i]:
                d = cand - sx
                size = float(np.abs(d).max())
                if size > TAU * scale:
                    continue
                seen = self._arrays.setdefault((key, i, s), set())
                exact = size <= _EXACT * scale
                if exact:
                    seen.add(("exact",))
                    if stacked:
                        return None, False
                else:
                    sizes = _step_sizes(d, np.broadcast_to(sx, d.shape), scale) + self._along_an_input(d)
                    step = sizes[0] if sizes else None
                    if step is None:
                        others = self._irregular.setdefault((key, i, s), [])
                        if any(o.shape == d.shape and np.allclose(d, -o, rtol=0, atol=_SAME * size)
                               for o in others):
                            return (f"evaluates {name} at {_what(label, s)} + Δ and {_what(label, s)} − Δ "
                                    f"(a difference along a direction): that is differentiating numerically"), False
                        others.append(d.copy())
                        del others[:-8]                   # the last eight
                        seen.add(("irregular", d.tobytes()[:64]))
                    else:
                        signs = np.sign(np.where(np.abs(d) > _EXACT * scale, d, 0.0))
                        round_ = any(_round(z, scale) for z in sizes)
                        if stacked and (round_ or (signs > 0).any() and (signs < 0).any()):
                            return (f"evaluates {name} at many points next to {_what(label, s)} at once "
                                    f"(steps of {step:.0e}): that is differentiating numerically"), False
                        # 0.0 - signs: an unmoved entry's mirrored sign is 0.0, not -0.0 (whose bytes differ),
                        # so x + h e_i and x - h e_i mirror each other
                        mirror = ("step", (0.0 - signs).tobytes(), f"{step:.4g}")
                        if mirror in seen or (round_ and len(seen) >= 1 and not stacked):
                            return (f"evaluates {name} at points next to {_what(label, s)} (steps of {step:.0e}): "
                                    f"that is differentiating numerically"), False
                        seen.add(("step", signs.tobytes(), f"{step:.4g}"))
                        if round_:
                            seen.add(("round",))
                if "exact" in {f[0] for f in seen} and ("round",) in seen:
                    step = next(float(f[2]) for f in seen if f[0] == "step")
                    return (f"evaluates {name} at points next to {_what(label, s)} (steps of {step:.0e}): "
                            f"that is differentiating numerically"), False
                return None, exact and not stacked
        return None, False

    def _sorted_entries(self) -> np.ndarray:
        """Every entry of every ``s x``, sorted, for nearest-entry look-ups (built on first use)."""
        if self._vals is None:
            vals, refs = [], []
            for i, (_, x) in enumerate(self.inputs):
                for si, s in enumerate(_SIGNS):
                    vals.append(s * x.ravel())
                    refs.append((i, si, x.size))
            flat = np.concatenate(vals)
            self._order = np.argsort(flat, kind="stable")
            self._vals, self._refs = flat[self._order], refs
        return self._vals

    def _entry(self, k: int) -> tuple[int, int, int]:
        """(input, sign index, flat index) of the ``k``-th sorted entry."""
        pos = int(self._order[k])
        for i, si, size in self._refs:
            if pos < size:
                return i, si, pos
            pos -= size
        raise IndexError(k)

    # -- two evaluations of one function a step apart (points derived from the inputs) ---------
    def _array_pair(self, key: Any, name: str, a: np.ndarray) -> str | None:
        a = np.asarray(a, dtype=np.float64)
        history = self._history.setdefault((key, a.shape), [])
        for old in history:
            d = a - old
            scale = max(1.0, float(np.max(np.abs(old))))
            size = float(np.max(np.abs(d)))
            sizes = _step_sizes(d, old, scale) + self._along_an_input(d) if 0 < size <= TAU * scale else []
            if any(_round(z, scale) for z in sizes):
                return (f"evaluates {name} at two points a small step apart (largest difference "
                        f"{size:.0e}): that is differentiating numerically")
        if not any(np.array_equal(a, old) for old in history):
            history.append(a.copy())
            del history[:-8]                              # the last eight
        return None

    def _scalar_pair(self, key: Any, name: str, a: float) -> str | None:
        if not math.isfinite(a) or self._is_entry(a):
            return None
        history = self._history.setdefault((key, ()), [])
        for old in history:
            d = abs(a - old)
            scale = max(1.0, abs(old))
            relative = d / max(abs(old), 1e-300)      # a relative "step" above TAU is no perturbation
            sizes = (d, relative) if relative <= TAU else (d,)
            if 0 < d <= TAU * scale and any(_round(size, scale) for size in sizes):
                return (f"evaluates {name} at {old:.6g} and at {a:.6g}, a step of {d:.0e} apart: that is "
                        f"differentiating numerically")
        history.append(a)
        del history[:-16]
        return None

    def _is_entry(self, a: float) -> bool:
        """Is ``a`` exactly an entry of an input (or of ``-x``, ``2x``, ``-2x``)?"""
        vals = self._sorted_entries()
        if vals.size == 0:
            return False
        j = int(np.searchsorted(vals, a))
        return any(abs(vals[k] - a) <= _EXACT * max(1.0, abs(a)) for k in (j - 1, j) if 0 <= k < vals.size)

    def _along_an_input(self, d: np.ndarray) -> list[float]:
        """``[|c|]`` when ``d = c v`` for one of the inputs ``v`` (a step along a direction), else ``[]``."""
        flat = d.ravel()
        norm = float(np.linalg.norm(flat))
        for _, y in self.inputs:
            if y.size != flat.size or y.size < 2:
                continue
            v = y.ravel()
            vv = float(v @ v)
            if vv > 0 and float(np.linalg.norm(flat - (flat @ v / vv) * v)) <= _SAME * norm:
                return [abs(float(flat @ v / vv))]
        return []

    def _scalar(self, key: Any, name: str, a: float) -> str | None:
        if not math.isfinite(a):
            return None
        vals = self._sorted_entries()
        j = int(np.searchsorted(vals, a))
        near = [k for k in (j - 1, j) if 0 <= k < vals.size]
        k = min(near, key=lambda k: abs(vals[k] - a))
        # equal entries (x_i = 0 is also -x_i, 2x_i, -2x_i; repeated values) are one entry: the
        # first in sorted order, so that x_i + d and x_i - d meet at the same one
        k = int(np.searchsorted(vals, vals[k], side="left"))
        val = float(vals[k])
        d = a - val
        scale = max(1.0, abs(val))
        if abs(d) > TAU * scale:
            return None
        i, si, flat = self._entry(k)
        s = _SIGNS[si]
        at = self._entries.setdefault((key, i, si, flat), [])
        if abs(d) <= _EXACT * scale:
            d = 0.0
        label = self.inputs[i][0]
        entry = label if self.inputs[i][1].ndim == 0 else f"{label}[{_index(self.inputs[i][1], flat)}]"
        what = _what(entry, s)
        if d and any(_close(-d, e, scale) for e in at):
            return f"evaluates {name} at {what} ± {abs(d):.0e}: that is differentiating numerically"
        if any(e != d for e in at):
            for step in (e for e in at + [d] if e):
                if any(_round(size, scale, doubled=False) for size in _sizes(step, val, scale)):
                    return (f"evaluates {name} at {what} and {what} + {step:.0e}: that is differentiating "
                            f"numerically")
        at.append(d)
        if not d:
            return None
        steps = self._steps.setdefault((key, i, si), {})
        mine = _sizes(d, val, scale)
        for other, sizes in steps.items():
            if other != flat and any(_close(m, o, scale) and _round(m, scale, doubled=False)
                                     for m in mine for o in sizes):
                return (f"evaluates {name} next to entry after entry of {_what(label, s)} with the same "
                        f"step {abs(d):.0e}: that is differentiating numerically")
        steps.setdefault(flat, []).extend(mine)
        return None


def _sizes(d: float, val: float, scale: float) -> tuple[float, ...]:
    """The sizes a step ``d`` from an entry ``val`` (``scale = max(1, |val|)``) can have: ``|d|``, and
    ``|d| / scale`` and ``|d| / |val|`` up to ``1e-3`` (``x_i (1 + 1e-6)`` is a step of ``1e-6``
    relative to ``x_i``; ``199`` next to ``200`` is a program's ``x - 1``, not a step of ``5e-3``)."""
    relative = (abs(d) / scale,) + ((abs(d) / abs(val),) if val else ())
    return (abs(d),) + tuple(r for r in relative if r <= 1e-3)


def _what(label: str, s: float) -> str:
    return {1.0: label, -1.0: f"-{label}", 2.0: f"2·{label}", -2.0: f"-2·{label}"}[s]


def _index(x: np.ndarray, flat: int) -> str:
    return ", ".join(str(int(i)) for i in np.unravel_index(flat, x.shape))
