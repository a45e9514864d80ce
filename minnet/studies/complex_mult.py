"""Document 003: MLPs that learn complex multiplication, and the Mandelbrot set drawn with them.

For x = re_x + i im_x and y = re_y + i im_y,

    x y = (re_x re_y - im_x im_y) + i (re_x im_y + im_x re_y)

The network sees (re_x, im_x, re_y, im_y) and answers (re, im) of the product. The data (document
003): 4,096 inputs drawn from N(0, 2^2) per coordinate, an 80:20 train/test split, Adam with
lr 0.01, batch 512, MSE, no weight decay.

The Mandelbrot set drawn with such a network is in minnet.studies.mandelbrot.
"""

import numpy as np

from minnet.landscape import grid_plane, line, random_direction
from minnet.mlp import MLP
from minnet.optim import Adam
from minnet.recorders import DriftRecorder, Snapshots, TestLoss
from minnet.train import fit

DOC003 = {"n": 4096, "std": 2.0, "train_fraction": 0.8, "lr": 0.01, "batch_size": 512}


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


def model(hidden, activation="relu", seed=0, init="pytorch"):
    """An MLP 4 -> hidden... -> 2 with MSE, as document 003's models: PyTorch's nn.Linear initialisation
    (init="pytorch", which the document's PyTorch code used) unless another is asked for."""
    return MLP([4, *hidden, 2], activation=activation, loss="mse", seed=seed, init=init)


CURVES = ("train", "test")  # the losses a run can record after every epoch


def train_task(config, recorders=()):
    """A sweep task: train one model. config: hidden, activation, epochs, seed, and optionally lr, batch_size,
    data_seed (0), target ("multiply") and curves (CURVES): the losses recorded after every epoch.
    Returns train_loss, test_loss and the final params. A loss in curves is the curve before training and
    after each epoch (epochs+1,); one left out is taken at the end alone, the same bits as the curve's last
    value (train_loss: before training and after the last epoch, test_loss: after it), and its forward pass
    over the whole set after every other epoch, which nobody reads, is not taken.
    `recorders` go to fit (the explorer reports its progress through one)."""
    curves = checked_curves(config.get("curves", CURVES))
    X, Y, X_test, Y_test = dataset(config.get("data_seed", 0), config.get("target", "multiply"))
    net = model(config["hidden"], config["activation"], config["seed"])
    test_curve = [TestLoss(X_test, Y_test)] if "test" in curves else []
    history = fit(
        net,
        X,
        Y,
        Adam(net.params, lr=config.get("lr", DOC003["lr"])),
        config["epochs"],
        batch_size=config.get("batch_size", DOC003["batch_size"]),
        seed=config["seed"],
        recorders=[*test_curve, *recorders],
        record_gradients=False,  # no gradient norms read: no backward pass over the whole set
        epoch_losses="train" in curves,
    )
    test_loss = history["test_loss"] if test_curve else np.array([net.loss(X_test, Y_test)])
    return {"train_loss": history["train_loss"], "test_loss": test_loss, "params": net.params.copy()}


def checked_curves(curves):
    """curves as a tuple of CURVES' names, or a ValueError naming the value."""
    if isinstance(curves, str) or not set(curves) <= set(CURVES):
        raise ValueError(f"curves must be a collection of {CURVES}, got {curves!r}")
    return tuple(curves)


def learned_planes(net, x, extent, pixels):
    """For the fixed first factor x: the plane of y, the true x y and the network's, both (pixels, pixels, 2)."""
    re = np.linspace(-extent, extent, pixels)
    Y_re, Y_im = np.meshgrid(re, re[::-1])
    X = np.column_stack([np.full(Y_re.size, x.real), np.full(Y_re.size, x.imag), Y_re.ravel(), Y_im.ravel()])
    return multiply(X).reshape(pixels, pixels, 2), net.forward(X).reshape(pixels, pixels, 2)


def squaring_planes(net, extent, pixels):
    """z -> z^2, true and learned, over the plane of z."""
    re = np.linspace(-extent, extent, pixels)
    Z_re, Z_im = np.meshgrid(re, re[::-1])
    X = np.column_stack([Z_re.ravel(), Z_im.ravel(), Z_re.ravel(), Z_im.ravel()])
    return multiply(X).reshape(pixels, pixels, 2), net.forward(X).reshape(pixels, pixels, 2)


# ----- how the parameters move through parameter space (demos.trajectories) --------------------------
# the [6, 8, 6] model; a parameter has drifted when it moved more than `threshold` over the last `window` epochs;
# the alignment of consecutive updates is averaged over `smoothing` epochs
TRAJECTORIES = {"hidden": [6, 8, 6], "window": 100, "threshold": 0.05, "smoothing": 20}


def epoch_updates(snapshots):
    """Step distance per epoch (E,) and the cosine between consecutive epoch updates (E-1,)."""
    updates = np.diff(snapshots, axis=0)  # w_e - w_{e-1}
    distance = np.linalg.norm(updates, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.sum(updates[1:] * updates[:-1], axis=1) / (distance[1:] * distance[:-1])
    return distance, cosine


def moving_average(values, window):
    """Mean of the last `window` values at every position (fewer at the start)."""
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, values.size + 1), window)
    return (sums[1:] - sums[np.maximum(np.arange(1, values.size + 1) - window, 0)]) / counts


def trajectory_run(lr, epochs, seed, activation, progress=False):
    """One TRAJECTORIES["hidden"] model trained with Adam at `lr`: every epoch's parameters, the test loss, the
    step distance and alignment of the epoch updates (`epoch_updates`), and the fraction of parameters drifting."""
    X, Y, X_test, Y_test = dataset()
    net = model(TRAJECTORIES["hidden"], activation, seed)
    drift = DriftRecorder(TRAJECTORIES["window"], TRAJECTORIES["threshold"])
    history = fit(
        net,
        X,
        Y,
        Adam(net.params, lr=lr),
        epochs,
        batch_size=DOC003["batch_size"],
        seed=seed,
        recorders=[TestLoss(X_test, Y_test), Snapshots(), drift],
        progress=progress,
        record_gradients=False,
        epoch_losses=False,  # the training loss is not read: no pass over the set after each epoch
    )
    distance, cosine = epoch_updates(history["params"])
    return {
        "params": history["params"],
        "test_loss": history["test_loss"],
        "distance": distance,
        "cosine": cosine,
        "cosine_smoothed": moving_average(cosine, TRAJECTORIES["smoothing"]),
        "drift_fraction": history["drift_fraction"],
    }


# ----- slices of the loss landscape (demos.landscape_slices) -------------------------------------------
SLICES_HIDDEN = [10, 10, 10]


def adam_trained(hidden, seed, lr, epochs, data):
    """A relu model of `hidden` layers trained with Adam at lr, batch DOC003's, on data = (X, Y, X_test, Y_test)."""
    X, Y, X_test, Y_test = data
    net = model(hidden, "relu", seed)
    fit(net, X, Y, Adam(net.params, lr=lr), epochs, batch_size=DOC003["batch_size"], seed=seed, record_gradients=False)
    return net


def rises_outward(plane):
    """The share of a square grid's points (all but its centre) whose loss is at least that of the point one
    step nearer the centre (i - sign(i - c), j - sign(j - c)): 1 for a bowl around the centre, less for a
    saddle, a ridge or a second valley."""
    n = plane.shape[0]
    c = n // 2
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    outer = (i != c) | (j != c)
    inward = plane[i - np.sign(i - c), j - np.sign(j - c)]  # one step towards the centre
    return float(np.mean(plane[outer] >= inward[outer]))


def landscape_slices(target, lr, epochs, seed, points, plane_points):
    """Three SLICES_HIDDEN models (seeds seed..seed+2) trained `epochs` on the `target` data set; the training loss of
    the first along its gradient, L(theta - s lr g) / L(theta) - 1 for `points` s in [-10, 10], on the plane of two
    random filter-normalised directions through it, and on the plane through the three models (model 1 at (0, 0),
    model 2 at (1, 0), model 3 at (0, 1)), plane_points x plane_points each."""
    data = dataset(target=target)
    X, Y = data[0], data[1]
    nets = [adam_trained(SLICES_HIDDEN, s, lr, epochs, data) for s in (seed, seed + 1, seed + 2)]
    net, theta = nets[0], nets[0].params.copy()
    loss, g = net.loss_and_grad(X, Y)
    s = np.linspace(-10, 10, points)
    along_gradient = line(net, X, Y, theta, -lr * g, s) / loss - 1.0  # L(theta - s lr g) / L(theta) - 1
    rng = np.random.default_rng(seed)
    axis = np.linspace(-1, 1, plane_points)
    random_plane = grid_plane(net, X, Y, theta, random_direction(net, rng), random_direction(net, rng), axis, axis)
    span = np.linspace(-0.5, 1.5, plane_points)
    w1, w2, w3 = (n.params.copy() for n in nets)
    model_plane = grid_plane(net, X, Y, w1, w2 - w1, w3 - w1, span, span)
    return {
        "s": s,
        "along_gradient": along_gradient,
        "axis": axis,
        "random_plane": random_plane,
        "span": span,
        "model_plane": model_plane,
        "loss": loss,
        "model_losses": [n.loss(X, Y) for n in nets],
    }
