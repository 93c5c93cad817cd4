"""Draw the computational graph of a :class:`~course.reference.autodiff.Value` expression.

Matplotlib only (no graphviz). Each value is a box reading
``label | data 2.000 | grad -3.000``; each operation is a small circle between
its inputs and its output; arrows run left to right, the direction of the
forward pass (backpropagation walks them right to left).

Layout
------
A node's column is its depth, the longest path from the leaves to it, so every
arrow points right; then every node is moved right to the column just before
its first consumer, which keeps arrows short (an input or a constant sits next
to where it is used). Within a column, nodes sit near their consumers (first
operand on top), then level with the middle of their parents, at least a row
apart. An arrow into the next column is straight; one that skips columns runs
along the free channels between columns and between boxes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from statistics import fmean
from types import MappingProxyType

from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from course.reference.autodiff import Value, topological_order

# Sizes in inches at the base font size; the drawing is scaled as a whole.
_FONT_PT = 9.0
_CHAR_W = 0.66 * _FONT_PT / 72         # DejaVu Sans Mono: 0.602 em, rounded up to whole pixels at 72 and 100 dpi
_LINE_H = 1.25 * _FONT_PT / 72        # one more line of text in a box
_BOX_H = 2.1 * _FONT_PT / 72           # a box of one line
_BOX_PAD = 0.6 * _FONT_PT / 72         # text to box edge, each side
_ROW_H = _BOX_H + 0.22                 # box centre to box centre within a column
_GAP = 0.28                            # arrow length between a box and an op circle
_MIN_RADIUS = 0.13
_CLEARANCE = 0.06                      # between a long arrow and the boxes it passes
_MARGIN = 0.15
_MAX_FIGSIZE = (24.0, 16.0)            # bigger graphs are drawn smaller

_OP_SYMBOLS = MappingProxyType({"*": "×", "sigmoid": "σ"})
_LEAF_COLOR, _NODE_COLOR, _ROOT_COLOR = "#fdf0d5", "#e3eefa", "#dcf2e0"


def _number(x: float) -> str:
    """Fixed point with 3 decimals for ordinary sizes, scientific otherwise."""
    x = x + 0.0                        # -0.0 -> 0.0
    return f"{x:.3f}" if x == 0 or 1e-3 <= abs(x) < 1e5 else f"{x:.2e}"


def node_text(node: Value, show_grad: bool = True) -> str:
    """The text of ``node``'s box, e.g. ``"x | data 2.000 | grad -3.000"``."""
    parts = [node.label] if node.label else []
    parts.append(f"data {_number(node.data)}")
    if show_grad:
        parts.append(f"grad {_number(node.grad)}")
    return " | ".join(parts)


def _columns(nodes: list[Value], consumers: dict[Value, list[Value]]) -> dict[Value, int]:
    """Longest path from the leaves, then each node moved right next to its first consumer."""
    column: dict[Value, int] = {}
    for node in nodes:                 # topological order: parents first
        column[node] = 1 + max((column[p] for p in node._prev), default=-1)
    for node in reversed(nodes):       # consumers first
        if consumers[node]:
            column[node] = min(column[c] for c in consumers[node]) - 1
    return column


def _place(members: list[Value], wanted: dict[Value, float],
           tiebreak: dict[Value, float]) -> dict[Value, float]:
    """Rows as close to ``wanted`` as keeping the order and one row of spacing allows."""
    members = sorted(members, key=lambda v: (wanted[v], tiebreak[v]))
    placed: list[float] = []
    for v in members:
        placed.append(wanted[v] if not placed else max(wanted[v], placed[-1] + 1.0))
    shift = fmean(wanted.values()) - fmean(placed)
    return {v: y + shift for v, y in zip(members, placed)}


def _rows(nodes: list[Value], column: dict[Value, int]) -> dict[Value, float]:
    """Vertical positions in row units (0 = the root's row; larger is lower).

    Two sweeps: from the root leftwards, every parent wishes to sit next to its
    consumers (first operand on top); then from the leaves rightwards, every
    computed node wishes to sit level with the middle of its parents.
    """
    by_column: list[list[Value]] = [[] for _ in range(max(column.values()) + 1)]
    for node in nodes:
        by_column[column[node]].append(node)
    wishes: dict[Value, list[float]] = {node: [] for node in nodes}
    consumer_rows: dict[Value, list[float]] = {node: [] for node in nodes}
    row: dict[Value, float] = {}
    for members in reversed(by_column):
        wanted = {v: fmean(wishes[v] or [0.0]) for v in members}
        # two nodes wishing for the same row keep the order of their consumers
        row.update(_place(members, wanted, {v: fmean(consumer_rows[v] or [0.0]) for v in members}))
        for v in members:
            k = len(v._prev)
            for i, parent in enumerate(v._prev):
                wishes[parent].append(row[v] + i - (k - 1) / 2)
                consumer_rows[parent].append(row[v])
    for members in by_column[1:]:
        wanted = {v: fmean(row[p] for p in v._prev) if v._prev else row[v] for v in members}
        row.update(_place(members, wanted, {v: row[v] for v in members}))
    return row


def _op_radius(node: Value) -> float:
    symbol = _OP_SYMBOLS.get(node._op, node._op)
    return max(_MIN_RADIUS, len(symbol) * _CHAR_W / 2 + 0.05)


@dataclass(frozen=True)
class _Layout:
    """Positions in inches at the base font size (y grows upwards, the top row near 0)."""

    column: dict[Value, int]
    x: dict[Value, float]              # left edge of each box
    y: dict[Value, float]              # centre line of each box (and of its op circle)
    width: dict[Value, float]
    text: dict[Value, str]
    circle_x: list[float]              # centre of the op circles of each column
    channel_x: list[float]             # middle of the empty gap left of each column's circles
    total_w: float
    total_h: float
    box_h: float = _BOX_H              # height of every box (more for boxes of several lines)

    def blocked(self, first: int, last: int) -> list[tuple[float, float]]:
        """The y intervals taken by boxes and circles in columns first..last."""
        intervals = []
        for v in self.y:
            if first <= self.column[v] <= last:
                half = max(self.box_h / 2, _op_radius(v) if v._prev else 0.0) + _CLEARANCE
                intervals.append((self.y[v] - half, self.y[v] + half))
        return intervals


def _layout(root: Value, show_grad: bool, text_of: Callable[[Value], str] | None = None) -> _Layout:
    nodes = topological_order(root)
    consumers: dict[Value, list[Value]] = {node: [] for node in nodes}
    for node in nodes:
        for parent in node._prev:
            consumers[parent].append(node)
    column = _columns(nodes, consumers)
    row = _rows(nodes, column)
    text = {node: text_of(node) if text_of else node_text(node, show_grad) for node in nodes}
    width = {node: max(map(len, text[node].splitlines() or [""])) * _CHAR_W + 2 * _BOX_PAD for node in nodes}
    box_h = _BOX_H + _LINE_H * (max(t.count("\n") for t in text.values()))
    row_h = box_h + _ROW_H - _BOX_H

    n_columns = max(column.values()) + 1
    col_width = [0.0] * n_columns
    radius = [0.0] * n_columns         # largest op circle in each column (0: leaves only)
    for node in nodes:
        col_width[column[node]] = max(col_width[column[node]], width[node])
        if node._prev:
            radius[column[node]] = max(radius[column[node]], _op_radius(node))
    left = [_MARGIN] * n_columns       # left edge of the boxes of each column
    channel = [_MARGIN / 2] * n_columns
    for d in range(1, n_columns):
        channel[d] = left[d - 1] + col_width[d - 1] + _GAP / 2
        left[d] = left[d - 1] + col_width[d - 1] + _GAP + (2 * radius[d] + _GAP if radius[d] else 0.0)
    top, bottom = min(row.values()), max(row.values())
    # room above and below the rows for arrows that skip columns and go round the boxes
    room = row_h / 2 if any(column[v] - column[p] > 1 for v in nodes for p in v._prev) else 0.0
    return _Layout(
        column=column,
        x={node: left[column[node]] for node in nodes},
        y={node: -(row[node] - top) * row_h - _MARGIN - room - box_h / 2 for node in nodes},
        width=width,
        text=text,
        circle_x=[left[d] - _GAP - radius[d] for d in range(n_columns)],
        channel_x=channel,
        total_w=left[-1] + col_width[-1] + _MARGIN,
        total_h=(bottom - top) * row_h + box_h + 2 * (_MARGIN + room),
        box_h=box_h,
    )


def _free_level(blocked: list[tuple[float, float]], y_from: float, y_to: float) -> float:
    """The y closest to the way from ``y_from`` to ``y_to`` that avoids every interval."""
    candidates = [y_from, y_to] + [edge for interval in blocked for edge in interval]
    free = [y for y in candidates if not any(lo < y < hi for lo, hi in blocked)]
    return min(free, key=lambda y: (abs(y - y_from) + abs(y - y_to), abs(y - y_from)))


class _Router:
    """Paths of the arrows, keeping the ones that skip columns apart from boxes and each other."""

    def __init__(self, layout: _Layout) -> None:
        self.layout = layout
        self.levels: list[tuple[int, int, float]] = []    # (first, last column, y) already used
        self.channel_use = [0] * len(layout.channel_x)

    def _channel(self, k: int) -> float:
        """x of a vertical run in channel k: its middle, then alternately right and left of it."""
        n = self.channel_use[k] % 7
        self.channel_use[k] += 1
        return self.layout.channel_x[k] + _GAP / 8 * ((n + 1) // 2) * (1 if n % 2 else -1)

    def _cuts_a_box(self, parent: Value, start: tuple[float, float], end: tuple[float, float]) -> bool:
        """Whether the straight line from ``start`` to ``end`` cuts a box in ``parent``'s column."""
        layout = self.layout
        (x0, y0), (x1, y1) = start, end
        for v in layout.y:
            if v is parent or layout.column[v] != layout.column[parent]:
                continue
            half = layout.box_h / 2 + _CLEARANCE
            y_in = layout.y[v] + (half if y1 < y0 else -half)   # the side the line meets first
            if min(y0, y1) < y_in < max(y0, y1):
                x_in = x0 + (y_in - y0) / (y1 - y0) * (x1 - x0)
                if x_in < layout.x[v] + layout.width[v] + _CLEARANCE:
                    return True
        return False

    def path(self, parent: Value, node: Value, r: float, offset: float) -> list[tuple[float, float]]:
        """From ``parent``'s box to ``node``'s op circle (radius ``r``), ``offset`` up for a + a."""
        layout = self.layout
        start = (layout.x[parent] + layout.width[parent], layout.y[parent] + offset)
        cx, y = layout.circle_x[layout.column[node]], layout.y[node]
        first, last = layout.column[parent] + 1, layout.column[node]
        points = [start]
        if last > first or self._cuts_a_box(parent, start, (cx, y)):
            # straight on to the right edge of the parent's column: nothing else is in that row
            points.append((layout.channel_x[first] - _GAP / 2, start[1]))
        if last > first:
            # skips columns: right into the channel after the parent's column, along a
            # free level past the columns in between, down (or up) the channel before
            # the node's column
            blocked = layout.blocked(first, last - 1) + [
                (level - _CLEARANCE / 2, level + _CLEARANCE / 2)
                for a, b, level in self.levels if a <= last and first <= b]
            level = _free_level(blocked, start[1], y)
            self.levels.append((first, last, level))
            x_out, x_in = self._channel(first), self._channel(last)
            points += [(x_out, start[1]), (x_out, level), (x_in, level)]
            if level != y:              # arrive from slightly above or below
                points.append((x_in, y + (r if level > y else -r)))
        dx, dy = points[-1][0] - cx, points[-1][1] - y + offset
        norm = (dx * dx + dy * dy) ** 0.5
        return points + [(cx + r * dx / norm, y + r * dy / norm)]


def plot_graph(root: Value, ax: Axes | None = None, *, show_grad: bool = True,
               text: Callable[[Value], str] | None = None,
               style: Callable[[Value], dict | None] | None = None) -> Axes:
    """Draw the computational graph that computed ``root``.

    Parameters
    ----------
    root : Value
        The output node; every node it depends on is drawn.
    ax : matplotlib Axes, optional
        Where to draw. By default a new figure sized to the graph is made
        (for a big graph, capped at 24 x 16 inches and drawn smaller). In a
        given Axes the whole drawing, text included, is scaled to fit.
    show_grad : bool, default True
        Also show each node's ``grad`` (run ``root.backward()`` first).
    text : callable, optional
        ``text(node) -> str``, the text of a node's box (default :func:`node_text`); lines
        separated by ``"\n"`` make every box that many lines high.
    style : callable, optional
        ``style(node) -> dict or None``: ``facecolor``, ``edgecolor`` and ``linewidth`` (a
        multiple of the usual line width) of a node's box, overriding the defaults (e.g. to
        mark a wrong gradient).

    Returns
    -------
    matplotlib Axes
        With one text per value node (gid ``"value"``) and one per operation
        (gid ``"op"``), and one arrow per operand and per operation.

    Examples
    --------
    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> f = (x + y) * z
    >>> f.label = "f"
    >>> f.backward()
    >>> ax = plot_graph(f)      # doctest: +SKIP
    """
    if not isinstance(root, Value):
        raise TypeError(f"root: expected a Value, got {type(root).__name__}")
    layout = _layout(root, show_grad, text)
    if ax is None:
        import matplotlib.pyplot as plt
        shrink = min(1.0, _MAX_FIGSIZE[0] / layout.total_w, _MAX_FIGSIZE[1] / layout.total_h)
        _, ax = plt.subplots(figsize=(layout.total_w * shrink, layout.total_h * shrink))
        ax.set_position((0.0, 0.0, 1.0, 1.0))
    fig_w, fig_h = ax.get_figure().get_size_inches()
    box = ax.get_position()
    scale = min(box.width * fig_w / layout.total_w, box.height * fig_h / layout.total_h)
    line = max(0.2, 0.9 * scale)

    def arrow(points: list[tuple[float, float]]) -> None:
        ax.add_artist(FancyArrowPatch(path=Path(points), arrowstyle="-|>", mutation_scale=10 * scale,
                                     color="#555555", linewidth=line, zorder=1))

    router = _Router(layout)
    for node in layout.y:
        x, y = layout.x[node], layout.y[node]
        color = _ROOT_COLOR if node is root else _NODE_COLOR if node._prev else _LEAF_COLOR
        box = {"facecolor": color, "edgecolor": "#333333", "linewidth": 1.0, **((style and style(node)) or {})}
        ax.add_artist(FancyBboxPatch((x, y - layout.box_h / 2), layout.width[node], layout.box_h,
                                    boxstyle="round,pad=0,rounding_size=0.04", facecolor=box["facecolor"],
                                    edgecolor=box["edgecolor"], linewidth=line * box["linewidth"], zorder=2))
        ax.text(x + layout.width[node] / 2, y, layout.text[node], ha="center", va="center",
                fontsize=_FONT_PT * scale, fontfamily="monospace", zorder=3, gid="value")
        if not node._prev:
            continue
        cx, r = layout.circle_x[layout.column[node]], _op_radius(node)
        ax.add_artist(Circle((cx, y), r, facecolor="white", edgecolor="#333333",
                            linewidth=line, zorder=2))
        ax.text(cx, y, _OP_SYMBOLS.get(node._op, node._op), ha="center", va="center",
                fontsize=_FONT_PT * scale, zorder=3, gid="op")
        arrow([(cx + r, y), (x, y)])
        for i, parent in enumerate(node._prev):
            repeats = node._prev.count(parent)          # a + a: two arrows side by side
            offset = (node._prev[:i].count(parent) - (repeats - 1) / 2) * _BOX_H / 2
            arrow(router.path(parent, node, r, offset))

    ax.set_xlim(0.0, layout.total_w)
    ax.set_ylim(-layout.total_h, 0.0)
    ax.set_aspect("equal", adjustable="box")
    ax.axis("off")
    return ax
