"""Plot helpers shared by the demos: one function per kind of panel, drawing on a given Axes.

This is the only module of minnet that imports matplotlib.
"""

import io

import numpy as np

from minnet.atomic import atomic_write


def save(fig, path, dpi=110):
    """Save a figure as PNG atomically (a crash leaves no half-written file) and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    with np.errstate(all="ignore"):  # a log axis over values near the float64 limit overflows while matplotlib pads it
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    atomic_write(path, lambda f: f.write(buffer.getvalue()))
    return path


def errors(ax, train, test, start=0, marks=True):
    """Train and test error on a log scale against iterations start, start+1, ...; markers at the last and minimum values."""
    t = start + np.arange(len(train))
    ax.semilogy(t, test, label="test error", color="tab:blue")
    ax.semilogy(t, train, label="train error", color="tab:orange")
    if marks:
        i_test, i_train = int(np.nanargmin(test)), int(np.nanargmin(train))
        ax.plot(t[-1], test[-1], "ro", label=f"last test error {test[-1]:.4g}")
        ax.plot(t[i_test], test[i_test], "mx", label=f"min test error {test[i_test]:.4g} (iter {t[i_test]})")
        ax.plot(t[i_train], train[i_train], "rx", label=f"min train error {train[i_train]:.4g} (iter {t[i_train]})")
    ax.set_xlabel("iteration")
    ax.set_ylabel("error")
    ax.legend(fontsize=7)


def grad_norms(ax, norms, start=1, marks=True):
    """|G| on a log scale; gradient i is plotted at iteration start + i; a cross at its minimum."""
    t = start + np.arange(len(norms))
    ax.semilogy(t, norms, label="norm of the gradient")
    if marks:
        i = int(np.argmin(norms))
        ax.semilogy(t[i], norms[i], "rx", label=f"minimum {norms[i]:.3g} (iter {t[i]})")
    ax.set_xlabel("iteration")
    ax.set_ylabel("norm")
    ax.legend(fontsize=7)


def angles(ax, degrees, start=2):
    """Angle between consecutive gradients, in degrees; angle k is plotted at iteration start + k."""
    ax.plot(start + np.arange(len(degrees)), degrees, label="angle between consecutive gradients")
    ax.set_ylim(-5, 185)
    ax.set_xlabel("iteration")
    ax.set_ylabel("degrees")
    ax.legend(fontsize=7)


def gradient_path(ax, points, dots_every=100, crosses=()):
    """Document 000's 2-D gradient picture: consecutive arrows, equal axes, no axes drawn."""
    steps = np.diff(points, axis=0)
    ax.quiver(points[:-1, 0], points[:-1, 1], steps[:, 0], steps[:, 1], angles="xy", scale_units="xy", scale=1, color="b", width=0.003)
    if dots_every:
        ax.plot(points[::dots_every, 0], points[::dots_every, 1], "r.")
    for k in crosses:
        ax.plot(points[k, 0], points[k, 1], "rx", markersize=10)
    ax.axis("equal")
    ax.axis("off")


def series(ax, t, values, labels, ylabel):
    """Several curves over iterations t (one column of `values` per label)."""
    for column, label in zip(np.asarray(values).T, labels):
        ax.plot(t, column, label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)


def learned_function(ax, X, Y, x_grid, target, learned):
    """The data, the target function and the network's function of one input."""
    ax.plot(X[:, 0], Y[:, 0], ".", color="0.75", markersize=3, label="train set")
    ax.plot(x_grid, target, "b", label="true function")
    ax.plot(x_grid, learned, "r", label="learned function")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=7)


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
