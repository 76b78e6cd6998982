"""Diagrams for the book, drawn with matplotlib: computational graphs, networks, grids.

Every number a diagram shows comes from running the library: the computational graphs run
``MulLayer``, ``AddLayer`` and ``Sigmoid``, the grids run ``im2col``, ``Convolution`` and
``Pooling``, and the architectures run a forward pass to find each layer's output shape. So a
diagram cannot disagree with the code it explains.

Each function returns a :class:`Diagram`, which Jupyter shows as an SVG image (it draws on a
``matplotlib.figure.Figure`` of its own, never through ``pyplot``, so no second PNG copy is
shown). Forward values are written above an edge in black, gradients below it in red.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from dlfs.conv import Convolution, Pooling, im2col
from dlfs.i18n import tr
from dlfs.layers import AddLayer, MulLayer, Sigmoid
from dlfs.perceptron import AND, NAND, OR, XOR

__all__ = [
    "Diagram",
    "GraphEdge",
    "GraphNode",
    "apple_graph",
    "architecture",
    "computational_graph",
    "conv_sliding",
    "im2col_unrolling",
    "network_diagram",
    "pooling_backward",
    "pooling_forward",
    "sigmoid_gate",
    "two_layer_network",
    "xor_network",
]

FORWARD_COLOR = "#1f3b73"
BACKWARD_COLOR = "#c0392b"
HIGHLIGHT = "#f6c85f"
SOFT = "#dbe9f6"
_WINDOW_COLORS = ["#f6c85f", "#9fd3c7", "#f4a6a6", "#b5b8f0"]
#: Font of the numbers in grids: matplotlib's own, which has a bold weight.
NUMBER_FONT = "DejaVu Sans"


class Diagram:
    """A drawn figure that Jupyter displays as SVG.

    Parameters
    ----------
    figure : matplotlib.figure.Figure

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    texts : list of str
        Every text drawn, in order (what a test or a screen reader can check).
    """

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.texts = [t.get_text() for ax in figure.axes for t in ax.texts if t.get_text()]

    def svg(self) -> str:
        """The figure as an SVG document, the same for the same drawing (no date, fixed ids)."""
        buffer = io.StringIO()
        with mpl.rc_context({"svg.hashsalt": "dlfs", "svg.fonttype": "path"}):
            self.figure.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()

    def _repr_svg_(self) -> str:
        return self.svg()


def _canvas(width: float, height: float, xlim: tuple[float, float], ylim: tuple[float, float]):
    """A figure of ``width`` x ``height`` inches with one frameless Axes of equal aspect."""
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _fmt(value: Any, fmt: str) -> str:
    return fmt.format(float(np.asarray(value)))


# --- computational graphs --------------------------------------------------------------------


@dataclass(frozen=True)
class GraphNode:
    """A node of a computational graph at ``(x, y)``.

    ``kind`` is ``"op"`` (a circle with ``label`` inside, e.g. ``"×"``), ``"input"`` (a name
    written left of the point where its edge starts) or ``"output"`` (a name written right of
    the point where the last edge ends).
    """

    x: float
    y: float
    label: str
    kind: str = "op"


@dataclass(frozen=True)
class GraphEdge:
    """An edge ``src -> dst`` carrying ``forward`` (drawn above) and ``backward`` (below)."""

    src: str
    dst: str
    forward: str
    backward: str = ""


_RADIUS = 0.32


def computational_graph(
    nodes: Mapping[str, GraphNode],
    edges: Sequence[GraphEdge],
    *,
    width: float = 7.0,
    margin: float = 1.6,
) -> Diagram:
    """Draw a computational graph: nodes, arrows, forward values above and gradients below.

    Parameters
    ----------
    nodes : mapping of str to GraphNode
    edges : sequence of GraphEdge
        ``src`` and ``dst`` are keys of ``nodes``.
    width : float, default 7.0
        Figure width in inches; the height follows from the layout.
    margin : float, default 1.6
        Room (in layout units) left and right of the nodes for the names of inputs and output.
    """
    xs = [n.x for n in nodes.values()]
    ys = [n.y for n in nodes.values()]
    xlim = (min(xs) - margin - 0.4, max(xs) + margin)
    ylim = (min(ys) - 0.7, max(ys) + 0.7)
    height = width * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    fig, ax = _canvas(width, height, xlim, ylim)
    for node in nodes.values():
        if node.kind == "op":
            ax.add_patch(Circle((node.x, node.y), _RADIUS, fc="white", ec="black", lw=1.4))
            ax.text(node.x, node.y, node.label, ha="center", va="center", fontsize=14)
        elif node.kind == "input":
            ax.text(node.x - 0.12, node.y, node.label, ha="right", va="center", fontsize=11)
        else:
            ax.text(node.x + 0.12, node.y, node.label, ha="left", va="center", fontsize=11)
    for edge in edges:
        a, b = nodes[edge.src], nodes[edge.dst]
        start, end = np.array([a.x, a.y]), np.array([b.x, b.y])
        direction = (end - start) / np.linalg.norm(end - start)
        if a.kind == "op":
            start = start + _RADIUS * direction
        if b.kind == "op":
            end = end - _RADIUS * direction
        ax.annotate(
            "",
            xy=tuple(end),
            xytext=tuple(start),
            arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2, "shrinkA": 0},
        )
        normal = np.array([-direction[1], direction[0]])
        if normal[1] < 0:
            normal = -normal
        # labels of edges that leave an input sit nearer the input, where converging edges
        # are still far apart
        middle = start + (0.4 if a.kind == "input" else 0.5) * (end - start)
        above, below = middle + 0.22 * normal, middle - 0.24 * normal
        ax.text(*above, edge.forward, ha="center", va="center", fontsize=11, color=FORWARD_COLOR)
        if edge.backward:
            ax.text(
                *below, edge.backward, ha="center", va="center", fontsize=11, color=BACKWARD_COLOR
            )
    return Diagram(fig)


def apple_graph(price: float = 100, count: int = 2, tax: float = 1.1) -> Diagram:
    """The apple bill ``price * count * tax`` as a graph, run forward and backward.

    Two ``MulLayer`` nodes compute the total; their ``backward`` (from ``d total = 1``) gives
    the gradients written under the edges.
    """
    apple_node, tax_node = MulLayer(), MulLayer()
    apples = apple_node.forward(price, count)
    total = tax_node.forward(apples, tax)
    d_apples, d_tax = tax_node.backward(1.0)
    d_price, d_count = apple_node.backward(d_apples)
    fmt = "{:.3g}"
    nodes = {
        "price": GraphNode(0, 1.6, tr("apple price", "사과 가격"), "input"),
        "count": GraphNode(0, 0, tr("apple count", "사과 개수"), "input"),
        "tax": GraphNode(2.6, -0.9, tr("tax", "소비세"), "input"),
        "mul": GraphNode(2.4, 0.8, "×"),
        "taxmul": GraphNode(4.8, 0.8, "×"),
        "total": GraphNode(6.6, 0.8, tr("total", "지불 금액"), "output"),
    }
    edges = [
        GraphEdge("price", "mul", _fmt(price, fmt), _fmt(d_price, fmt)),
        GraphEdge("count", "mul", _fmt(count, fmt), _fmt(d_count, fmt)),
        GraphEdge("mul", "taxmul", _fmt(apples, fmt), _fmt(d_apples, fmt)),
        GraphEdge("tax", "taxmul", _fmt(tax, fmt), _fmt(d_tax, fmt)),
        GraphEdge("taxmul", "total", _fmt(total, fmt), "1"),
    ]
    return computational_graph(nodes, edges, width=6.5)


def sigmoid_gate(
    w: Sequence[float] = (2.0, -3.0, -3.0), x: Sequence[float] = (-1.0, -2.0)
) -> Diagram:
    """The neuron ``σ(w0 x0 + w1 x1 + w2)`` as a graph of layers, run forward and backward.

    The default numbers are those of the CS231n lecture's example. ``MulLayer``, ``AddLayer``
    and a ``Sigmoid`` layer compute every value and gradient shown.
    """
    mul0, mul1, add0, add1, gate = MulLayer(), MulLayer(), AddLayer(), AddLayer(), Sigmoid()
    p0, p1 = mul0.forward(w[0], x[0]), mul1.forward(w[1], x[1])
    s = add0.forward(p0, p1)
    a = add1.forward(s, w[2])
    y = gate.forward(np.array(a))
    da = gate.backward(np.array(1.0))
    ds, dw2 = add1.backward(da)
    dp0, dp1 = add0.backward(ds)
    dw0, dx0 = mul0.backward(dp0)
    dw1, dx1 = mul1.backward(dp1)
    f = "{:.2f}"
    nodes = {
        "w0": GraphNode(0, 5.4, "$w_0$", "input"),
        "x0": GraphNode(0, 4.0, "$x_0$", "input"),
        "w1": GraphNode(0, 2.8, "$w_1$", "input"),
        "x1": GraphNode(0, 1.4, "$x_1$", "input"),
        "w2": GraphNode(0, 0.0, "$w_2$", "input"),
        "m0": GraphNode(2.4, 4.7, "×"),
        "m1": GraphNode(2.4, 2.1, "×"),
        "a0": GraphNode(4.4, 3.4, "+"),
        "a1": GraphNode(6.2, 2.1, "+"),
        "sig": GraphNode(7.8, 2.1, "σ"),
        "out": GraphNode(9.3, 2.1, "$y$", "output"),
    }
    edges = [
        GraphEdge("w0", "m0", _fmt(w[0], f), _fmt(dw0, f)),
        GraphEdge("x0", "m0", _fmt(x[0], f), _fmt(dx0, f)),
        GraphEdge("w1", "m1", _fmt(w[1], f), _fmt(dw1, f)),
        GraphEdge("x1", "m1", _fmt(x[1], f), _fmt(dx1, f)),
        GraphEdge("m0", "a0", _fmt(p0, f), _fmt(dp0, f)),
        GraphEdge("m1", "a0", _fmt(p1, f), _fmt(dp1, f)),
        GraphEdge("a0", "a1", _fmt(s, f), _fmt(ds, f)),
        GraphEdge("w2", "a1", _fmt(w[2], f), _fmt(dw2, f)),
        GraphEdge("a1", "sig", _fmt(a, f), _fmt(da, f)),
        GraphEdge("sig", "out", _fmt(y, f), "1.00"),
    ]
    return computational_graph(nodes, edges, width=7.5, margin=1.0)


# --- networks --------------------------------------------------------------------------------


def network_diagram(
    columns: Sequence[Sequence[str]],
    captions: Sequence[str],
    *,
    notes: Mapping[str, str] | None = None,
    edge_labels: Sequence[str] | None = None,
    width: float = 6.5,
) -> Diagram:
    """Draw a layered network: a column of labelled neurons per layer, all-to-all arrows.

    Parameters
    ----------
    columns : sequence of sequence of str
        Neuron labels, one sequence per layer from input to output; a label ``"⋮"`` is drawn
        as a gap (more neurons than shown) and gets no arrows.
    captions : sequence of str
        One caption per layer, written under its column.
    notes : mapping of str to str, optional
        Extra text written right of the neuron with that label (e.g. the gate it computes).
    edge_labels : sequence of str, optional
        One label per pair of adjacent layers (e.g. the weight matrix), written above its arrows.
    width : float, default 6.5
    """
    notes = dict(notes or {})
    gap_x, gap_y, radius = 2.6, 1.0, 0.3
    tallest = max(len(c) for c in columns)
    positions: list[list[tuple[float, float, str]]] = []
    for i, column in enumerate(columns):
        top = (len(column) - 1) * gap_y / 2
        positions.append([(i * gap_x, top - j * gap_y, label) for j, label in enumerate(column)])
    span_x = (len(columns) - 1) * gap_x
    half = (tallest - 1) * gap_y / 2
    fig, ax = _canvas(
        width,
        width * (2 * half + 2.4) / (span_x + 2.6),
        (-1.0, span_x + 1.6),
        (-half - 1.3, half + 1.1),
    )
    for i in range(len(columns) - 1):
        for x0, y0, a in positions[i]:
            for x1, y1, b in positions[i + 1]:
                if "⋮" in (a, b):
                    continue
                d = np.array([x1 - x0, y1 - y0]) / np.hypot(x1 - x0, y1 - y0)
                ax.annotate(
                    "",
                    xy=(x1 - radius * d[0], y1 - radius * d[1]),
                    xytext=(x0 + radius * d[0], y0 + radius * d[1]),
                    arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 0.8, "shrinkA": 0},
                )
        if edge_labels:
            ax.text(
                (i + 0.5) * gap_x,
                half + 0.75,
                edge_labels[i],
                ha="center",
                fontsize=11,
                color=FORWARD_COLOR,
            )
    for placed in positions:
        for x, y, label in placed:
            if label == "⋮":
                ax.text(x, y, "⋮", ha="center", va="center", fontsize=16)
                continue
            ax.add_patch(Circle((x, y), radius, fc=SOFT, ec="black", lw=1.2, zorder=3))
            ax.text(x, y, label, ha="center", va="center", fontsize=11, zorder=4)
            if label in notes:
                ax.text(x + 0.42, y + 0.3, notes[label], ha="left", va="center", fontsize=10)
    for i, caption in enumerate(captions):
        ax.text(i * gap_x, -half - 0.85, caption, ha="center", va="center", fontsize=10)
    return Diagram(fig)


def xor_network() -> Diagram:
    """XOR as two layers of perceptrons, with its truth table computed by ``dlfs.perceptron``."""
    x1 = np.array([0, 1, 0, 1])
    x2 = np.array([0, 0, 1, 1])
    s1, s2 = NAND(x1, x2), OR(x1, x2)
    y = AND(s1, s2)
    if not np.array_equal(y, XOR(x1, x2)):
        raise AssertionError("NAND, OR and AND do not make XOR")
    diagram = network_diagram(
        [["$x_1$", "$x_2$"], ["$s_1$", "$s_2$"], ["$y$"]],
        [tr("input", "입력"), tr("layer 1", "1층"), tr("layer 2", "2층")],
        notes={"$s_1$": "NAND", "$s_2$": "OR", "$y$": "AND"},
        width=6.5,
    )
    ax = diagram.figure.axes[0]
    rows = ["x1 x2 │ s1 s2 │ y"]
    rows += [
        f"{a}  {b}  │ {c}  {d}  │ {e}" for a, b, c, d, e in zip(x1, x2, s1, s2, y, strict=True)
    ]
    ax.text(6.6, 0.0, "\n".join(rows), ha="left", va="center", fontsize=10, family="monospace")
    ax.set_xlim(-1.0, 9.6)
    diagram.figure.set_size_inches(8.0, 8.0 * 3.4 / 10.6)
    return Diagram(diagram.figure)


def two_layer_network(network: Any) -> Diagram:
    """A two-layer network (``Affine - ReLU - Affine - Softmax``) as neurons and weights.

    Parameters
    ----------
    network : dlfs.networks.TwoLayerNet
        Its ``W1`` and ``W2`` give the number of inputs, hidden neurons and outputs.
    """
    w1, w2 = network.params["W1"].shape, network.params["W2"].shape

    def column(letter: str, n: int) -> list[str]:
        if n <= 4:
            return [f"${letter}_{{{i}}}$" for i in range(1, n + 1)]
        return [f"${letter}_1$", f"${letter}_2$", "⋮", f"${letter}_{{{n}}}$"]

    return network_diagram(
        [column("x", w1[0]), column("z", w1[1]), column("y", w2[1])],
        [
            tr(f"input: {w1[0]} pixels", f"입력: 픽셀 {w1[0]}개"),
            tr(f"hidden: {w1[1]} neurons", f"은닉층: 뉴런 {w1[1]}개"),
            tr(f"output: {w2[1]} classes", f"출력: 클래스 {w2[1]}개"),
        ],
        edge_labels=[f"W1 {w1[0]}×{w1[1]}, b1", f"W2 {w2[0]}×{w2[1]}, b2"],
    )


# --- grids: im2col, convolution, pooling -----------------------------------------------------


def _grid(
    ax: Axes,
    values: np.ndarray,
    left: float,
    top: float,
    *,
    colors: Mapping[tuple[int, int], str] | None = None,
    bold: set[tuple[int, int]] | None = None,
    fmt: str = "{:g}",
    title: str = "",
    blank: set[tuple[int, int]] | None = None,
    fontsize: float = 10,
) -> None:
    """Draw a matrix of numbers with unit cells, its top-left corner at ``(left, top)``."""
    colors, bold, blank = colors or {}, bold or set(), blank or set()
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            face = colors.get((r, c), "white")
            ax.add_patch(Rectangle((left + c, top - r - 1), 1, 1, fc=face, ec="0.3", lw=0.8))
            if (r, c) not in blank:
                ax.text(
                    left + c + 0.5,
                    top - r - 0.5,
                    fmt.format(values[r, c]),
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    fontweight="bold" if (r, c) in bold else "normal",
                    # digits need no Hangul fallback; looking up a bold weight in the Hangul
                    # font dlfs.plotting adds would log a findfont warning
                    family=NUMBER_FONT,
                )
    if title:
        ax.text(left + cols / 2, top + 0.45, title, ha="center", va="bottom", fontsize=10)


def conv_sliding(
    x: np.ndarray | None = None, w: np.ndarray | None = None, stride: int = 1
) -> Diagram:
    """A 3x3 filter sliding over a 4x4 input: one panel per output value.

    The output is computed by ``Convolution``; each panel shades the window the filter covers
    and the output value it produces. The defaults are the textbook's example.
    """
    if x is None:
        x = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]], dtype=float)
    if w is None:
        w = np.array([[2, 0, 1], [0, 1, 2], [1, 0, 2]], dtype=float)
    layer = Convolution(w[None, None], np.zeros(1), stride=stride)
    out = layer.forward(x[None, None])[0, 0]
    fh, fw = w.shape
    positions = [(i, j) for i in range(out.shape[0]) for j in range(out.shape[1])]
    ncols = 2
    nrows = -(-len(positions) // ncols)
    panel_w, panel_h = x.shape[1] + w.shape[1] + out.shape[1] + 3.2, x.shape[0] + 1.6
    fig, ax = _canvas(
        8.0,
        8.0 * nrows * panel_h / (ncols * panel_w),
        (0, ncols * panel_w),
        (-nrows * panel_h, 0),
    )
    for k, (i, j) in enumerate(positions):
        left, top = (k % ncols) * panel_w + 0.3, -(k // ncols) * panel_h - 1.0
        window = {(i * stride + r, j * stride + c): HIGHLIGHT for r in range(fh) for c in range(fw)}
        _grid(ax, x, left, top, colors=window, title=tr("input", "입력"))
        ax.text(left + x.shape[1] + 0.5, top - x.shape[0] / 2, "⊛", ha="center", va="center")
        filter_colors = dict.fromkeys(np.ndindex(w.shape), SOFT)
        _grid(ax, w, left + x.shape[1] + 1.0, top, colors=filter_colors, title=tr("filter", "필터"))
        right = left + x.shape[1] + w.shape[1] + 1.0
        ax.text(right + 0.6, top - x.shape[0] / 2, "=", ha="center", va="center")
        done = set(positions[: k + 1])
        _grid(
            ax,
            out,
            right + 1.2,
            top,
            colors={(i, j): HIGHLIGHT},
            blank={p for p in positions if p not in done},
            bold={(i, j)},
            title=tr("output", "출력"),
        )
    return Diagram(fig)


def im2col_unrolling(shape: Sequence[int] = (2, 2, 3, 3), filter_size: int = 2) -> Diagram:
    """How ``im2col`` unrolls a 4-D batch: each filter window becomes one row.

    The input holds ``0, 1, 2, ...`` so every number of the matrix shows where it came from;
    the first window of each sample and its row are shaded.
    """
    n, c, h, w = shape
    x = np.arange(n * c * h * w, dtype=float).reshape(n, c, h, w)
    col = im2col(x, filter_size, filter_size)
    oh, ow = h - filter_size + 1, w - filter_size + 1
    rows_per_sample = oh * ow
    grid_w = c * (w + 0.6)
    left_w = grid_w + 1.0
    col_left = left_w + 1.6
    total_w = col_left + col.shape[1] + 0.4
    total_h = max(n * (h + 1.3), col.shape[0] + 1.0) + 0.6
    fig, ax = _canvas(8.0, 8.0 * total_h / total_w, (0, total_w), (-total_h, 0.2))
    for i in range(n):
        top = -0.8 - i * (h + 1.3)
        for ch in range(c):
            cells = {
                (r, s): _WINDOW_COLORS[i] for r in range(filter_size) for s in range(filter_size)
            }
            _grid(
                ax,
                x[i, ch],
                0.3 + ch * (w + 0.6),
                top,
                colors=cells,
                title=f"x[{i}, {ch}]",
                fmt="{:.0f}",
            )
    row_colors = {
        (k * rows_per_sample, j): _WINDOW_COLORS[k] for k in range(n) for j in range(col.shape[1])
    }
    _grid(
        ax,
        col,
        col_left,
        -0.8,
        colors=row_colors,
        fmt="{:.0f}",
        fontsize=9,
        title=f"im2col: {col.shape[0]} × {col.shape[1]}",
    )
    ax.annotate(
        "",
        xy=(col_left - 0.2, -1.3),
        xytext=(left_w - 0.3, -1.3),
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.4},
    )
    return Diagram(fig)


def _pool_windows(shape: tuple[int, int], size: int) -> dict[tuple[int, int], str]:
    return {
        (r, c): _WINDOW_COLORS[((r // size) * (shape[1] // size) + c // size) % 4]
        for r in range(shape[0])
        for c in range(shape[1])
    }


def _pooling(x: np.ndarray, size: int) -> tuple[Pooling, np.ndarray]:
    layer = Pooling(size, size, stride=size)
    return layer, layer.forward(x[None, None])[0, 0]


def pooling_forward(x: np.ndarray | None = None, size: int = 2) -> Diagram:
    """Max pooling forward: each coloured window gives its largest value (bold) to the output.

    The output is computed by ``Pooling``.
    """
    if x is None:
        x = np.array([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], dtype=float)
    _, out = _pooling(x, size)
    colors = _pool_windows(x.shape, size)
    winners = {
        (r, c)
        for r in range(x.shape[0])
        for c in range(x.shape[1])
        if x[r, c] == out[r // size, c // size]
    }
    out_colors = {(i, j): colors[(i * size, j * size)] for i, j in np.ndindex(out.shape)}
    width = x.shape[1] + out.shape[1] + 3.0
    fig, ax = _canvas(5.0, 5.0 * (x.shape[0] + 1.4) / width, (0, width), (-x.shape[0] - 0.4, 1.0))
    _grid(ax, x, 0.2, 0, colors=colors, bold=winners, title=tr("input", "입력"))
    middle = -x.shape[0] / 2
    ax.annotate(
        "",
        xy=(x.shape[1] + 1.9, middle),
        xytext=(x.shape[1] + 0.5, middle),
        arrowprops={"arrowstyle": "-|>", "lw": 1.4},
    )
    ax.text(x.shape[1] + 1.2, -x.shape[0] / 2 + 0.35, "max", ha="center", fontsize=10)
    _grid(
        ax,
        out,
        x.shape[1] + 2.2,
        -(x.shape[0] - out.shape[0]) / 2,
        colors=out_colors,
        bold=set(np.ndindex(out.shape)),
        title=tr("output", "출력"),
    )
    return Diagram(fig)


def pooling_backward(
    x: np.ndarray | None = None, dout: np.ndarray | None = None, size: int = 2
) -> Diagram:
    """Max pooling backward: each gradient goes to the position that won its window.

    ``Pooling.backward`` computes the input gradient; the other positions get 0.
    """
    if x is None:
        x = np.array([[1, 2, 1, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 4, 0, 1]], dtype=float)
    layer, out = _pooling(x, size)
    if dout is None:
        dout = np.array([[0.1, 0.2], [0.3, 0.4]])
    dx = layer.backward(dout[None, None])[0, 0]
    colors = _pool_windows(x.shape, size)
    routed = {(r, c) for r in range(dx.shape[0]) for c in range(dx.shape[1]) if dx[r, c] != 0}
    dout_colors = {(i, j): colors[(i * size, j * size)] for i, j in np.ndindex(out.shape)}
    width = dout.shape[1] + dx.shape[1] + 3.0
    fig, ax = _canvas(5.0, 5.0 * (x.shape[0] + 1.4) / width, (0, width), (-x.shape[0] - 0.4, 1.0))
    _grid(
        ax,
        dout,
        0.2,
        -(x.shape[0] - dout.shape[0]) / 2,
        colors=dout_colors,
        fmt="{:g}",
        bold=set(np.ndindex(dout.shape)),
        title="dout",
    )
    middle = -x.shape[0] / 2
    ax.annotate(
        "",
        xy=(dout.shape[1] + 1.9, middle),
        xytext=(dout.shape[1] + 0.5, middle),
        arrowprops={"arrowstyle": "-|>", "lw": 1.4, "color": BACKWARD_COLOR},
    )
    route = tr("route", "전달")
    ax.text(dout.shape[1] + 1.2, -x.shape[0] / 2 + 0.35, route, ha="center", fontsize=10)
    faded = {p: (colors[p] if p in routed else "white") for p in colors}
    _grid(ax, dx, dout.shape[1] + 2.2, 0, colors=faded, bold=routed, fmt="{:g}", title="dx")
    return Diagram(fig)


# --- architectures ---------------------------------------------------------------------------


def architecture(network: Any, input_shape: Sequence[int], *, per_row: int = 4) -> Diagram:
    """The layers of a ``dlfs`` network as a chain of boxes, each with its output shape.

    The shapes come from a forward pass of one zero image through ``network.layers``, then
    the softmax of ``network.last_layer``.

    Parameters
    ----------
    network : dlfs.netbase.Network
        ``SimpleConvNet``, ``DeepConvNet``, ``TwoLayerNet``, ...
    input_shape : sequence of int
        Shape of one sample, e.g. ``(1, 28, 28)``.
    per_row : int, default 4
        Boxes per row; longer chains wrap onto the next row.
    """
    x = np.zeros((1, *input_shape), dtype=next(iter(network.params.values())).dtype)
    steps = [(tr("input", "입력"), x.shape[1:])]
    for name, layer in network.layers.items():
        if type(layer).__name__ in ("Dropout", "BatchNormalization"):
            x = layer.forward(x, train_flg=False)
        else:
            x = layer.forward(x)
        steps.append((name, x.shape[1:]))
    steps.append(("Softmax", x.shape[1:]))
    box_w, box_h, gap_x, gap_y = 2.2, 0.9, 0.7, 1.0
    rows = -(-len(steps) // per_row)
    total_w = per_row * box_w + (per_row - 1) * gap_x + 0.4
    total_h = rows * (box_h + gap_y + 0.45)
    fig, ax = _canvas(7.5, 7.5 * total_h / total_w, (0, total_w), (-total_h, 0.2))
    centers = []
    for k, (name, shape) in enumerate(steps):
        r, c = divmod(k, per_row)
        left = 0.2 + c * (box_w + gap_x)
        top = -r * (box_h + gap_y + 0.45)
        face = SOFT if k not in (0, len(steps) - 1) else "#eeeeee"
        ax.add_patch(
            FancyBboxPatch(
                (left, top - box_h),
                box_w,
                box_h,
                boxstyle="round,pad=0.02,rounding_size=0.12",
                fc=face,
                ec="black",
                lw=1.1,
            )
        )
        ax.text(left + box_w / 2, top - box_h / 2, name, ha="center", va="center", fontsize=11)
        ax.text(
            left + box_w / 2,
            top - box_h - 0.25,
            " × ".join(map(str, shape)),
            ha="center",
            va="center",
            fontsize=9,
            color=FORWARD_COLOR,
        )
        centers.append((left, top - box_h / 2))
    arrow = {"arrowstyle": "-|>", "lw": 1.1, "shrinkA": 0, "shrinkB": 0}
    for k in range(len(steps) - 1):
        (l0, y0), (l1, y1) = centers[k], centers[k + 1]
        if y0 == y1:
            ax.annotate("", xy=(l1, y1), xytext=(l0 + box_w, y0), arrowprops=arrow)
            continue
        # wrap: down below the last box of a row, left above the next row, down into its box
        drop = y0 - box_h / 2 - 0.5
        ax.plot([l0 + box_w / 2, l0 + box_w / 2], [y0 - box_h / 2 - 0.38, drop], "k", lw=1.1)
        ax.plot([l0 + box_w / 2, l1 + box_w / 2], [drop, drop], "k", lw=1.1)
        ax.annotate(
            "", xy=(l1 + box_w / 2, y1 + box_h / 2), xytext=(l1 + box_w / 2, drop), arrowprops=arrow
        )
    return Diagram(fig)
