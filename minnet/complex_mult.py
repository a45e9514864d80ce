"""Document 003: MLPs that learn complex multiplication, and the Mandelbrot set drawn with them.

For x = re_x + i im_x and y = re_y + i im_y,

    x y = (re_x re_y - im_x im_y) + i (re_x im_y + im_x re_y)

The network sees (re_x, im_x, re_y, im_y) and answers (re, im) of the product. The data (document
003): 4,096 inputs drawn from N(0, 2^2) per coordinate, an 80:20 train/test split, Adam with
lr 0.01, batch 512, MSE, no weight decay.

The Mandelbrot set is the set of c for which z_{k+1} = z_k^2 + c, z_0 = 0, stays bounded; the
escape-time picture colours c by the first k with |z_k| > 2 (max_iter if none). With a network f
in place of the multiplication, z_{k+1} = f(z_k, z_k) + c.
"""

import numpy as np

from minnet.backend import kernel_layout, resolve
from minnet.mlp import MLP
from minnet.optim import Adam
from minnet.train import fit

DOC003 = {"n": 4096, "std": 2.0, "train_fraction": 0.8, "lr": 0.01, "batch_size": 512}
ESCAPE_RADIUS2 = 4.0  # |z|^2 > 4: escaped


def multiply(X):
    """The exact product of the rows (re_x, im_x, re_y, im_y) of X: (N, 2) rows (re, im)."""
    re_x, im_x, re_y, im_y = X.T
    return np.column_stack([re_x * re_y - im_x * im_y, re_x * im_y + im_x * re_y])


def interesting_function(X):
    """Document 003's irregular alternative target, row by row on (a, b, c, d) = X's columns."""
    a, b, c, d = X.T
    with np.errstate(all="ignore"):
        v1 = np.sin(np.power(np.abs(a), np.abs(b)))
        v2 = np.fmod(d, b - a)
        v3 = np.minimum(c, d) / np.maximum(c, d)
        v4 = np.fmod(a * b, v3)
        out = np.column_stack([np.mod(np.abs(v1 * c + (1 - c) * v2), 3), np.mod(np.abs(v3 * v4), 3)])
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


TARGETS = {"multiply": multiply, "interesting": interesting_function}


def dataset(seed=0, target="multiply", n=DOC003["n"], std=DOC003["std"], train_fraction=DOC003["train_fraction"]):
    """(X_train, Y_train, X_test, Y_test): n inputs from N(0, std^2), the target's outputs, split 80:20."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, std, size=(n, 4))
    Y = TARGETS[target](X)
    cut = int(train_fraction * n)
    return X[:cut], Y[:cut], X[cut:], Y[cut:]


def model(hidden, activation="relu", seed=0):
    """An MLP 4 -> hidden... -> 2 with MSE, as document 003's models."""
    return MLP([4, *hidden, 2], activation=activation, loss="mse", seed=seed)


def train_task(config):
    """A sweep task: train one model. config: hidden, activation, epochs, seed, and optionally lr, batch_size,
    data_seed (0), target ("multiply"). Returns train_loss, test_loss (epochs+1,) and the final params."""
    X, Y, X_test, Y_test = dataset(config.get("data_seed", 0), config.get("target", "multiply"))
    net = model(config["hidden"], config["activation"], config["seed"])
    history = fit(net, X, Y, Adam(net.params, lr=config.get("lr", DOC003["lr"])), config["epochs"], batch_size=config.get("batch_size", DOC003["batch_size"]),
                  X_test=X_test, Y_test=Y_test, seed=config["seed"], snapshots=False)  # fmt: skip
    return {"train_loss": history["train_loss"], "test_loss": history["test_loss"], "params": net.params.copy()}


# ----- colouring a complex-valued function -----------------------------------------------------------
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


# ----- the Mandelbrot set, NumPy twin of kernels/mandelbrot.py ------------------------------------------
def network_square(net, z_re, z_im):
    """f(z, z) for arrays of z: the network's answer to z * z."""
    out = net.forward(np.column_stack([z_re, z_im, z_re, z_im]))
    return out[:, 0], out[:, 1]


def escape_counts(c_re, c_im, max_iter, net=None, backend=None):
    """Escape iteration of every c (2-D grids): the first k >= 1 with |z_k|^2 > 4, max_iter if none.

    net None: exact squaring, written as the product z * z = (re re - im im) + i (re im + im re).
    Otherwise the network's f(z, z). backend "numba": kernels/mandelbrot.py; "numpy": this function's
    own loop, which iterates only the points still bounded.
    """
    if resolve(backend) == "numba":
        from kernels import mandelbrot as kernel

        if net is None:
            return kernel.escape_counts(c_re, c_im, max_iter)
        lay = kernel_layout(net)
        W_flat, b_flat = lay.dense(net.params)
        return kernel.escape_counts(c_re, c_im, max_iter, W_flat, b_flat, lay.w_start, lay.b_start, lay.sizes, lay.acts)
    shape = np.shape(c_re)
    c_re, c_im = np.ravel(c_re).astype(np.float64), np.ravel(c_im).astype(np.float64)
    counts = np.full(c_re.size, max_iter, dtype=np.int64)
    active = np.arange(c_re.size)
    z_re, z_im = np.zeros(c_re.size), np.zeros(c_re.size)
    with np.errstate(all="ignore"):
        for k in range(1, max_iter + 1):
            if net is None:
                a, b = z_re * z_re - z_im * z_im, z_re * z_im + z_im * z_re  # z * z = (re re - im im) + i (re im + im re)
            else:
                a, b = network_square(net, z_re, z_im)
            z_re, z_im = a + c_re[active], b + c_im[active]  # z <- f(z, z) + c
            escaped = ~(z_re * z_re + z_im * z_im <= ESCAPE_RADIUS2)  # NaN counts as escaped
            counts[active[escaped]] = k
            active, z_re, z_im = active[~escaped], z_re[~escaped], z_im[~escaped]
            if active.size == 0:
                break
    return counts.reshape(shape)


def pixel_grid(center, width, pixels):
    """c values (rows, cols) of a picture `width` wide around `center` (complex), pixels = (cols, rows), square pixels."""
    cols, rows = pixels
    height = width * rows / cols
    re = np.linspace(center.real - width / 2, center.real + width / 2, cols)
    im = np.linspace(center.imag + height / 2, center.imag - height / 2, rows)
    return np.meshgrid(re, im)
