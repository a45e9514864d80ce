"""Plot helpers shared by the demos: one function per kind of panel, drawing on a given Axes.

This is the only module of minnet that imports matplotlib.

The figure standard (every study's figures follow it; `figure_problems` checks what a machine can,
and the test suite runs it on every figure the studies' --quick runs save):
- every axis names its quantity (and its unit or scale); every panel has a title a student
  understands without the code; math in mathtext ($|w_i - w_j|$), not raw ASCII;
- slide shape: at most 2.5:1 (grids such as 2x2 or 2x3, never a strip of five panels); text at
  least 9 pt at the saved size (STYLE below), nothing under 8 pt; saved at 150 dpi;
- nothing hides the data: legends outside the data or in an empty corner; markers that coincide
  are offset or labelled distinctly; the start of a path is marked; every image has a colour bar
  (log-scaled where its values span decades) or axes that name what it shows;
- log axes cover the data's meaningful range: an exact zero is annotated, never drawn at 1e-315;
- noisy per-iteration curves: a smoothed line over the faint raw data, the window stated;
- an empty panel says why it is empty; panels that are compared share limits; a diverged run is
  marked "diverged at iteration k" instead of plotted.
"""

import io
import os
from itertools import combinations

import numpy as np

from minnet.tools.atomic import atomic_write

STYLE = {
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9,
    "figure.titlesize": 13,
    "savefig.dpi": 150,
}
MAX_ASPECT = 2.5
MIN_FONT_PT = 8
MIN_LOG_LIMIT = 1e-100


def use_style():
    """The figure standard's text sizes and resolution, for every figure drawn after this call."""
    import matplotlib

    matplotlib.rcParams.update(STYLE)


def figure_problems(fig):
    """What breaks the figure standard in `fig`, as sentences (an empty list when nothing does).

    Checked: the shape (at most MAX_ASPECT:1); every Axes that shows data names both axes, or
    shows an image with a colour bar; no text smaller than MIN_FONT_PT; no two visible texts
    overlap; no log axis reaches below MIN_LOG_LIMIT."""
    # as in save: a log axis near the float64 limit overflows while matplotlib pads it
    with np.errstate(all="ignore"):
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.get_size_inches()
    problems = (
        []
        if max(width, height) <= MAX_ASPECT * min(width, height)
        else [f"shape {width:.3g} x {height:.3g} in is wider than {MAX_ASPECT}:1"]
    )
    for ax in fig.axes:
        problems += axes_problems(ax)
    texts = visible_texts(fig)
    problems += [
        f"{len(text.get_text())}-character text {text.get_text()!r} "
        f"is {text.get_fontsize():.3g} pt (< {MIN_FONT_PT})"
        for text in texts
        if text.get_fontsize() < MIN_FONT_PT
    ]
    boxes = [(text, text.get_window_extent(renderer)) for text in texts]
    problems += [
        f"{a.get_text()!r} overlaps {b.get_text()!r}"
        for (a, box_a), (b, box_b) in combinations(boxes, 2)
        if box_a.overlaps(box_b)
    ]
    return problems


def axes_problems(ax):
    """One Axes: its labels (or its image's colour bar) and its log limits."""
    title = ax.get_title() or ax.get_title("left") or "untitled panel"
    shows_data = (
        ax.axison
        and (ax.lines or ax.collections or ax.images or ax.patches)
        and not hasattr(ax, "_colorbar")
    )
    problems = []
    unlabelled = [
        axis for axis in (ax.xaxis, ax.yaxis) if not axis.get_label_text() and has_tick_labels(axis)
    ]
    if shows_data and unlabelled:
        if not (ax.images and all(image.colorbar is not None for image in ax.images)):
            problems.append(f"{title!r}: an axis without a label")
    for name, scale, limits in (
        ("x", ax.get_xscale(), ax.get_xlim()),
        ("y", ax.get_yscale(), ax.get_ylim()),
    ):
        if scale == "log" and min(limits) < MIN_LOG_LIMIT:
            problems.append(f"{title!r}: log {name} axis down to {min(limits):.3g}")
    return problems


def has_tick_labels(axis):
    """Whether an axis shows tick labels (a shared axis with hidden labels is its neighbour's)."""
    return any(
        tick.label1.get_visible() or tick.label2.get_visible() for tick in axis.get_major_ticks()
    )


def visible_texts(fig):
    """Every non-empty text on the figure: titles, labels, ticks in view, legends, annotations."""
    texts = list(fig.texts)  # the suptitle is one of them
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        legend = ax.get_legend()
        texts += list(legend.get_texts()) + [legend.get_title()] if legend else []
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis, *([ax.zaxis] if hasattr(ax, "zaxis") else [])):
                texts += [axis.label, axis.get_offset_text()]
                for tick in axis._update_ticks():  # the ticks drawn
                    texts += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    for legend in fig.legends:
        texts += list(legend.get_texts()) + [legend.get_title()]
    return [text for text in dict.fromkeys(texts) if text.get_visible() and text.get_text().strip()]


def png_problems(path):
    """What breaks the figure standard's shape in the PNG as saved (bbox_inches="tight" crops it, so
    it can be wider than the figure was): its pixel size from the PNG header, at most
    MAX_ASPECT:1."""
    with open(path, "rb") as f:
        header = f.read(24)
    # the IHDR chunk
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    if max(width, height) <= MAX_ASPECT * min(width, height):
        return []
    return [
        f"saved as {width} x {height} pixels, "
        f"{max(width, height) / min(width, height):.2f}:1, wider than "
        f"{MAX_ASPECT}:1"
    ]


def save(fig, path, dpi=150):
    """Save a figure as PNG atomically (a crash leaves no half-written file) and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    # a log axis over values near the float64 limit overflows while matplotlib pads it
    with np.errstate(all="ignore"):
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    atomic_write(path, lambda f: f.write(buffer.getvalue()))
    return path


def save_animation(fig, draw, frames, path, fps, progress=True, close=True):
    """The frames draw(frame) for frame in `frames` as a GIF at `path` (matplotlib's Pillow writer),
    with a bar over the frames as they are drawn; returns the animation (kept alive for a live
    window)."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    from minnet.tools.progress import animation_bar

    animation = FuncAnimation(fig, draw, frames=frames, interval=1000 / fps)
    callback, done = animation_bar(len(frames), progress, desc=f"drawing {os.path.basename(path)}")
    animation.save(path, writer=PillowWriter(fps=fps), progress_callback=callback)
    done()
    if close:
        plt.close(fig)
    return animation


def errors(ax, train, test, start=0, marks=True):
    """Train and test error on a log scale against iterations start, start+1, ...

    Markers at the last and the minimum values."""
    t = start + np.arange(len(train))
    ax.semilogy(t, test, label="test error", color="tab:blue")
    ax.semilogy(t, train, label="train error", color="tab:orange")
    if marks:
        i_test, i_train = int(np.nanargmin(test)), int(np.nanargmin(train))
        ax.plot(t[-1], test[-1], "ro", label=f"last test error {test[-1]:.4g}")
        ax.plot(
            t[i_test],
            test[i_test],
            "mx",
            label=f"min test error {test[i_test]:.4g} (iter {t[i_test]})",
        )
        ax.plot(
            t[i_train],
            train[i_train],
            "rx",
            label=f"min train error {train[i_train]:.4g} (iter {t[i_train]})",
        )
    ax.set_xlabel("iteration")
    ax.set_ylabel("error")
    ax.legend()


def grad_norms(ax, norms, start=1, marks=True):
    """|G| on a log scale; gradient i is plotted at iteration start + i; a cross at its minimum."""
    t = start + np.arange(len(norms))
    ax.semilogy(t, norms, label="norm of the gradient")
    if marks:
        i = int(np.argmin(norms))
        ax.semilogy(t[i], norms[i], "rx", label=f"minimum {norms[i]:.3g} (iter {t[i]})")
    ax.set_xlabel("iteration")
    ax.set_ylabel("norm")
    ax.legend()


def angles(ax, degrees, start=2):
    """Angle between consecutive gradients in degrees; angle k is drawn at iteration start + k."""
    ax.plot(start + np.arange(len(degrees)), degrees, label="angle between consecutive gradients")
    ax.set_ylim(-5, 185)
    ax.set_xlabel("iteration")
    ax.set_ylabel("degrees")
    ax.legend()


def gradient_path(ax, points, dots_every=100, start="start", marks=None):
    """Document 000's 2-D gradient picture: consecutive arrows, equal axes, no axes drawn (the
    plane's coordinates mean nothing: only lengths, the gradient norms, and angles do). The first
    point is marked `start`; `marks` maps a legend label to (point index, marker style)."""
    steps = np.diff(points, axis=0)
    ax.quiver(
        points[:-1, 0],
        points[:-1, 1],
        steps[:, 0],
        steps[:, 1],
        angles="xy",
        scale_units="xy",
        scale=1,
        color="b",
        width=0.003,
    )
    if dots_every:
        ax.plot(points[::dots_every, 0], points[::dots_every, 1], "r.")
    ax.plot(points[0, 0], points[0, 1], "o", color="tab:green", markersize=9, label=start)
    for label, (k, style) in (marks or {}).items():
        ax.plot(points[k, 0], points[k, 1], style, markersize=14, markeredgewidth=2.5, label=label)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0))  # below the picture, filling its box
    ax.axis("equal")
    ax.axis("off")


def weight_entries(ax, t, W, label, max_rows=None):
    """Every entry W[:, i, j] of a weight matrix over iterations t: one colour per row i, with the
    legend entry label.format(i); column 0 solid, column 1 dashed, further columns dotted."""
    for i in range(W.shape[1] if max_rows is None else min(max_rows, W.shape[1])):
        line = ax.plot(t, W[:, i, 0], label=label.format(i))[0]
        for j in range(1, W.shape[2]):
            ax.plot(t, W[:, i, j], "--" if j == 1 else ":", color=line.get_color())
    ax.set_xlabel("iteration")
    ax.legend(ncol=2)


def series(ax, t, values, labels, ylabel):
    """Several curves over iterations t (one column of `values` per label)."""
    for column, label in zip(np.asarray(values).T, labels):
        ax.plot(t, column, label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.legend()


def positive_range(arrays, pad=2.0):
    """(low, high) of a log axis for the positive values of `arrays`, widened by `pad` either side
    (exact zeros have no place on a log axis: layer_curves annotates them)."""
    values = np.concatenate([np.ravel(a) for a in arrays])
    positive = values[np.isfinite(values) & (values > 0)]
    return (
        (float(positive.min()) / pad, float(positive.max()) * pad) if positive.size else (0.1, 10.0)
    )


def layer_curves(ax, norms, limits, title):
    """One line per layer (column of `norms`, coloured by layer) on a log axis with the given
    limits; the layers whose values are exactly 0 are named in the panel instead of drawn at the
    smallest float."""
    n_layers = norms.shape[1]
    for l in range(n_layers):
        ax.semilogy(
            np.where(norms[:, l] > 0, norms[:, l], np.nan),
            color=index_color(l, n_layers),
            linewidth=1,
        )
    ax.set_ylim(*limits)
    zero = [l + 1 for l in range(n_layers) if np.any(norms[:, l] == 0)]
    if zero:
        ax.text(
            0.03,
            0.04,
            f"exactly 0 (not drawn): layer{'s' if len(zero) > 1 else ''} {spans(zero)}",
            transform=ax.transAxes,
            fontsize=9,
        )
    ax.set_title(title)


def spans(numbers):
    """Sorted integers as ranges: [1, 2, 3, 7] -> '1-3, 7'."""
    groups, start = [], numbers[0]
    for previous, n in zip(numbers, numbers[1:] + [None]):
        if n != previous + 1:
            groups.append(str(start) if start == previous else f"{start}-{previous}")
            start = n
    return ", ".join(groups)


def index_colorbar(fig, axes, first, last, label):
    """A colour bar for curves coloured by an index first..last on viridis (layers, chunks): one bar
    instead of a legend of many entries."""
    import matplotlib
    from matplotlib.cm import ScalarMappable

    mappable = ScalarMappable(
        matplotlib.colors.Normalize(first, last), matplotlib.colormaps["viridis"]
    )
    fig.colorbar(mappable, ax=list(axes), label=label, shrink=0.8)


def index_color(k, n):
    """The viridis colour of curve k of n (index_colorbar's scale)."""
    import matplotlib

    return matplotlib.colormaps["viridis"](k / max(n - 1, 1))


def smoothed(ax, values, window, color, label=None):
    """A noisy curve as the figure standard wants it: the raw values faint, their moving average
    over `window` points (centred, shorter at the ends) drawn over them."""
    values = np.asarray(values, dtype=float)
    t = np.arange(len(values))
    ax.plot(t, values, color=color, alpha=0.2, linewidth=0.6)
    kernel = np.ones(min(window, len(values)))
    counts = np.convolve(np.ones_like(values), kernel, "same")  # values under the window
    average = np.convolve(values, kernel, "same") / counts
    ax.plot(t, average, color=color, linewidth=1.4, label=label)


def sparse_3d_ticks(ax, xlabel, ylabel, zlabel, ticks=3):
    """A 3-D surface's axes named, with `ticks` ticks each.

    So few that tick labels run neither into each other nor into the names."""
    from matplotlib.ticker import MaxNLocator

    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_major_locator(MaxNLocator(ticks))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_zlabel(zlabel)


def learned_function(ax, X, Y, x_grid, target, learned):
    """The data, the target function and the network's function of one input."""
    ax.plot(X[:, 0], Y[:, 0], ".", color="0.75", markersize=3, label="train set")
    ax.plot(x_grid, target, "b", label="true function")
    ax.plot(x_grid, learned, "r", label="learned function")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()


def complex_colors(re, im, scale=None):
    """RGB (..., 3) in [0, 1]: hue from the angle of re + i im, brightness from its magnitude.

    Brightness is |w| / (|w| + scale) (scale: the median magnitude unless given), so 0 is black and
    large values approach full brightness; angle 0 is red, 2 pi / 3 green, 4 pi / 3 blue.
    """
    from matplotlib.colors import hsv_to_rgb

    magnitude = np.hypot(re, im)
    scale = float(np.median(magnitude)) if scale is None else scale
    hue = np.mod(np.arctan2(im, re), 2 * np.pi) / (2 * np.pi)
    value = magnitude / (magnitude + scale) if scale > 0 else np.ones_like(magnitude)
    return hsv_to_rgb(np.stack([hue, np.ones_like(hue), value], axis=-1))
