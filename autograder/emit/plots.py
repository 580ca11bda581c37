"""Pictures for the HTML pages: plain numbers in, PNG bytes out (matplotlib, Agg, no pyplot, no display).

Every function takes the small plain data a Report keeps (lists of floats, pairs of ints) and draws it; none
reads a file or a tensor. Figures are built with the object API under one lock, because matplotlib's shared
state (font cache, rcParams) is not thread-safe and batch.py renders from worker threads.
"""
from __future__ import annotations

import functools
import io
import json
import math
import threading

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

_LOCK = threading.Lock()
_MEMO: dict[str, bytes] = {}
_MEMO_LOCK = threading.Lock()
MEMO_SIZE = 256
DPI = 100
PASS, FAIL, MUTED, ACCENT = "#2e7d32", "#c62828", "#9e9e9e", "#1565c0"
EDGES = ListedColormap(["#1565c0", "#f5f5f5", "#c62828"])     # -1, 0, +1: the chapter's edge map in three colours


def _memo(draw):
    """Draw each distinct picture once: in a class most students' edge maps and regions are the same."""
    @functools.wraps(draw)
    def cached(*args):
        key = draw.__name__ + json.dumps(args)
        with _MEMO_LOCK:
            png = _MEMO.get(key)
        if png is None:
            png = draw(*args)
            with _MEMO_LOCK:
                if len(_MEMO) >= MEMO_SIZE:
                    _MEMO.pop(next(iter(_MEMO)))
                _MEMO[key] = png
        return png
    return cached


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _grid(ax, rows: list[list[float]] | None, title: str, *, cmap, vmin: float, vmax: float,
          wrong: bool = False) -> None:
    """A small matrix as coloured cells with each value written in, or a note that there is none."""
    ax.set_title(title + (": differs" if wrong else ""), fontsize=10, color=FAIL if wrong else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    if not rows:
        ax.text(0.5, 0.5, "no answer to draw", ha="center", va="center", color=MUTED, transform=ax.transAxes)
        ax.set_frame_on(False)
        return
    ax.imshow(rows, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    if len(rows) * len(rows[0]) <= 100:
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                dark = cmap(max(0.0, min(1.0, (v - vmin) / ((vmax - vmin) or 1))))[:3]
                light = sum(dark) / 3 > 0.5
                ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=7, color="black" if light else "white")
    ax.set_xticks([x - 0.5 for x in range(len(rows[0]) + 1)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(len(rows) + 1)], minor=True)
    ax.grid(which="minor", color="#bdbdbd", linewidth=0.5)
    ax.tick_params(which="minor", length=0)


@_memo
def edge_maps(image: list[list[float]] | None, edge_map: list[list[float]] | None,
              expected: list[list[float]]) -> bytes:
    """Three panels: the student's edge_image(), their corr2d of the chapter's image and kernel, the chapter's map."""
    with _LOCK:
        fig = Figure(figsize=(10.5, 2.6))
        axes = fig.subplots(1, 3)
        _grid(axes[0], image, "your edge_image()", cmap=colormaps["gray"], vmin=0, vmax=1)
        _grid(axes[1], edge_map, "your corr2d(X, K)", cmap=EDGES, vmin=-1, vmax=1,
              wrong=edge_map is not None and edge_map != expected)
        _grid(axes[2], expected, "expected (the chapter's edge map)", cmap=EDGES, vmin=-1, vmax=1)
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.03, top=0.8, wspace=0.12)
        return _png(fig)


@_memo
def loss_curves(losses: list[float | None] | None, reference: list[float]) -> bytes:
    """The student's loss per step beside plain gradient descent from a seeded start, on a log scale."""
    floor = 1e-12                   # a loss of exactly 0 still has a place on a log axis

    def points(values):
        ys = [max(v, floor) if v is not None and math.isfinite(v) else math.nan for v in values]
        return range(1, len(ys) + 1), ys
    with _LOCK:
        fig = Figure(figsize=(6.4, 3.4))
        ax = fig.subplots()
        ax.plot(*points(reference), color=MUTED, linewidth=2, label="reference: plain gradient descent")
        if losses:
            ax.plot(*points(losses), color=ACCENT, linewidth=1.5, marker=".", markersize=3, label="yours")
        else:
            ax.text(0.5, 0.5, "no losses came back", ha="center", va="center", color=MUTED, transform=ax.transAxes)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("loss ((Y_hat - Y) ** 2).sum()")
        ax.set_title("learn_kernel on the chapter's X and Y, lr = 0.01", fontsize=10)
        ax.grid(True, which="major", color="#e0e0e0")
        ax.legend(fontsize=8, loc="upper right")
        fig.subplots_adjust(left=0.14, right=0.97, bottom=0.15, top=0.9)
        return _png(fig)


@_memo
def receptive_field(kernel_sizes: list[list[int]], element: list[int], input_shape: list[int],
                    region: list[list[int]] | None, expected: list[list[int]]) -> bytes:
    """The input grid and each layer's output, with the output element and the input cells it sees.

    region / expected: [[first row, stop], [first column, stop]] on the input.
    """
    shapes = [tuple(input_shape)]
    for h, w in kernel_sizes:
        shapes.append((shapes[-1][0] - h + 1, shapes[-1][1] - w + 1))
    i, j = element
    with _LOCK:
        fig = Figure(figsize=(3.2 * len(shapes), 3.2))
        axes = fig.subplots(1, len(shapes))
        for n, (ax, (H, W)) in enumerate(zip(axes, shapes)):
            ax.set_xlim(-0.2, max(s[1] for s in shapes) + 0.2)
            ax.set_ylim(max(s[0] for s in shapes) + 0.2, -0.2)
            ax.set_aspect("equal")
            ax.axis("off")
            name = "input X" if n == 0 else ("output" if n == len(shapes) - 1 else f"after layer {n}")
            ax.set_title(f"{name} ({H}×{W})", fontsize=10)
            for r in range(H):
                for c in range(W):
                    ax.add_patch(Rectangle((c, r), 1, 1, facecolor="white", edgecolor="#9e9e9e", linewidth=0.8))
            if n == len(shapes) - 1:
                ax.add_patch(Rectangle((j, i), 1, 1, facecolor=ACCENT, alpha=0.8))
                ax.text(j + 0.5, i + 0.5, f"({i}, {j})", ha="center", va="center", color="white", fontsize=8)
            else:
                # what output (i, j) sees on this layer: from (i, j), as many cells as the layers above add
                rows = 1 + sum(h - 1 for h, _ in kernel_sizes[n:])
                cols = 1 + sum(w - 1 for _, w in kernel_sizes[n:])
                ax.add_patch(Rectangle((j, i), cols, rows, facecolor=PASS, alpha=0.25, edgecolor=PASS, linewidth=2))
        ax0 = axes[0]
        (r0, r1), (c0, c1) = expected
        ax0.add_patch(Rectangle((c0, r0), c1 - c0, r1 - r0, fill=False, edgecolor=PASS, linewidth=2.5,
                                label=f"expected: X[{r0}:{r1}, {c0}:{c1}]"))
        if region is not None:
            (r0, r1), (c0, c1) = region
            H, W = shapes[0]
            clipped = [max(-0.15, min(v, limit + 0.15)) for v, limit in ((c0, W), (r0, H), (c1, W), (r1, H))]
            ax0.add_patch(Rectangle((clipped[0], clipped[1]), clipped[2] - clipped[0], clipped[3] - clipped[1],
                                    fill=False, edgecolor=FAIL if region != expected else ACCENT, linewidth=2,
                                    linestyle="--", hatch="//", label=f"yours: X[{r0}:{r1}, {c0}:{c1}]"))
        ax0.legend(loc="upper center", bbox_to_anchor=(0.5, 0.02), fontsize=8, frameon=False)
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.12, top=0.9, wspace=0.08)
        return _png(fig)


def score_histogram(scores: list[float], max_score: float) -> bytes:
    """How many students scored in each tenth of the maximum."""
    with _LOCK:
        fig = Figure(figsize=(5.2, 3.0))
        ax = fig.subplots()
        top = max_score or 1
        ax.hist(scores, bins=[top * k / 10 for k in range(11)], color=ACCENT, edgecolor="white")
        ax.set_xlim(0, top)
        ax.set_xlabel(f"score (of {top:g})")
        ax.set_ylabel("students")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title("Scores", fontsize=10)
        fig.tight_layout()
        return _png(fig)


def seconds_histogram(seconds: list[float]) -> bytes:
    """How long the grader took per submission."""
    with _LOCK:
        fig = Figure(figsize=(5.2, 3.0))
        ax = fig.subplots()
        ax.hist(seconds, bins=min(20, max(1, len(seconds))), color=MUTED, edgecolor="white")
        ax.set_xlabel("seconds per submission")
        ax.set_ylabel("submissions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title("Grading time", fontsize=10)
        fig.tight_layout()
        return _png(fig)
