"""Document 004: random-direction projections of the loss surface, and the effect of initialisation.

A classifier (inputs -> hidden -> 10, relu, softmax + cross-entropy) trained with Adam, and its loss
along lines and planes of parameter space (minnet.landscape):

    L(alpha) = L(w + alpha d)                          d a random, filter-normalised direction (Li et al.)
    L(alpha, beta) = L(w_hat + alpha d1 + beta d2)     the plane of two such directions around the trained w_hat
    L(t) = L((1 - t) w0 + t w_hat)                     the line from the initial to the trained weights (Goodfellow et al.)

and the same network (and a deep one) trained from the initialisations of INITS: all equal weights
(the hidden units stay identical), N(0, sigma^2) with too small and too large sigma, He and Glorot.
"""

import numpy as np

from minnet import MLP, Adam, fit
from minnet.data import load_classification, load_idx_dataset
from minnet.landscape import grid_plane, line, random_direction
from minnet.recorders import LayerGradRecorder, TestLoss

INITS = {  # name: (MLP init, init_std)
    "all equal": ("normal", 0.0),  # then every weight set to the same value, below
    "N(0, 1e-3^2): too small": ("normal", 1e-3),
    "N(0, 1): too large": ("normal", 1.0),
    "He": ("he", None),
    "Glorot": ("glorot", None),
}
EQUAL_VALUE = 0.05


def load(data, data_dir=None, subset=None, seed=0):
    """(X_train, y_train, X_test, y_test): a shipped set ("mnist5k", "digits") split 80:20 with the seed, or an IDX
    data set's own split ("mnist", "fashion", read from data_dir): `subset` of its training examples and a fifth as
    many of its test examples, drawn with the seed."""
    if data in ("mnist5k", "digits"):
        X, y = load_classification(data)
        order = np.random.default_rng(seed).permutation(len(y))
        cut = int(0.8 * len(y))
        return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]
    if not data_dir:
        raise ValueError(f"data {data!r} needs data_dir, the folder of its IDX files")
    X, y = load_idx_dataset(data_dir, "train")
    X_test, y_test = load_idx_dataset(data_dir, "test")
    rng = np.random.default_rng(seed)
    keep, keep_test = rng.permutation(len(y))[:subset], rng.permutation(len(y_test))[: subset // 5]
    return X[keep], y[keep], X_test[keep_test], y_test[keep_test]


def classifier(sizes, init, init_std, seed, activation="relu"):
    """A softmax + cross-entropy MLP; init_std 0.0: every weight and bias EQUAL_VALUE (the symmetry never breaks)."""
    net = MLP(sizes, activation=activation, loss="cross_entropy", init=init, init_std=init_std or 0.01, seed=seed)
    if init_std == 0.0:
        net.params[:] = EQUAL_VALUE  # every weight and bias the same: all hidden units start identical
    return net


def train(net, data, lr, batch_size, epochs, seed, progress=False):
    """Adam at lr on (X, y) of data = (X, y, X_test, y_test), recording the test loss and each layer's gradient norm."""
    X, y, X_test, y_test = data
    return fit(
        net,
        X,
        y,
        Adam(net.params, lr=lr),
        epochs,
        batch_size=min(batch_size, len(y)),
        seed=seed,
        recorders=[TestLoss(X_test, y_test), LayerGradRecorder()],
        progress=progress,
        record_gradients=False,  # no grad_norm or grad_angle is read: no backward pass over the whole set
    )


def surfaces(net, w0, w_hat, data, bound, points, plane_points, seed):
    """The 1-D slices around w0 and w_hat (`points` alphas in [-bound, bound]), the 2-D plane around w_hat
    (plane_points x plane_points) and the interpolation line from w0 to w_hat; directions drawn with seed + 1."""
    X, y, X_test, y_test = data
    rng = np.random.default_rng(seed + 1)
    alphas = np.linspace(-bound, bound, points)
    slices = {}
    for name, origin in (("w0", w0), ("w_hat", w_hat)):
        d = random_direction(net, rng, params=origin)  # filter-normalised to the weights at that point
        slices[name] = {
            "train": line(net, X, y, origin, d, alphas),
            "test": line(net, X_test, y_test, origin, d, alphas),
        }
    d1, d2 = random_direction(net, rng, params=w_hat), random_direction(net, rng, params=w_hat)
    plane_axis = np.linspace(-bound, bound, plane_points)
    plane = grid_plane(net, X, y, w_hat, d1, d2, plane_axis, plane_axis)
    ts = np.linspace(-0.5, 1.5, points)
    interpolation = {
        "train": line(net, X, y, w0, w_hat - w0, ts),
        "test": line(net, X_test, y_test, w0, w_hat - w0, ts),
    }
    return {
        "alphas": alphas,
        "slices": slices,
        "plane_axis": plane_axis,
        "plane": plane,
        "ts": ts,
        "interpolation": interpolation,
    }


def hidden_units_spread(net):
    """Largest difference between any hidden unit's incoming weights and the first unit's, per hidden layer."""
    return [float(np.max(np.abs(net.W[l] - net.W[l][0]))) for l in range(1, net.L)]


def init_study(sizes, data, lr, batch_size, epochs, seed, progress=False):
    """The network of `sizes` trained (`train`) from each initialisation of INITS: its curves, each layer's gradient
    norm, and how far apart its hidden units' weights end (`hidden_units_spread`)."""
    runs = {}
    for name, (init, std) in INITS.items():
        net = classifier(sizes, init, std, seed)
        history = train(net, data, lr, batch_size, epochs, seed, progress)
        runs[name] = {
            "train_loss": history["train_loss"],
            "test_loss": history["test_loss"],
            "layer_grad_norm": history["layer_grad_norm"],
            "hidden_spread": hidden_units_spread(net),
            "diverged_at": history.diverged_at,
        }
    return runs
