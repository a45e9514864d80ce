"""Document 004's double-descent slide (Belkin et al. 2019): the test error against the model's size.

The model is minnet's two-layer MLP 784 -> N (relu) -> 10 whose first layer is random and frozen:
random features a_1 = relu(X W_1^T + b_1). Only the last layer is fitted, by the minimum-norm least
squares solution (Belkin et al.'s "random features" model):

    [a_1 1] B = Y,   B = [a_1 1]^+ Y        (the pseudo-inverse: the smallest |B| among the exact fits)

with Y the one-hot labels. The last layer has 10 (N + 1) weights. With N + 1 < n training images
there is no exact fit and B is the least-squares one; from N + 1 = n on (the interpolation
threshold, n x 10 weights) the fit is exact and, among the exact fits, the pseudo-inverse picks the
one with the smallest norm, which shrinks as N grows.
"""

import numpy as np

from minnet import activations
from minnet.data import load_classification
from minnet.mlp import MLP

CLASSES = 10  # the ten digits
WIDTHS = 24  # widths on the log scale from 10 to max_factor x n, the threshold's added


def widths(n, max_factor):
    """Hidden widths N from 10 to max_factor n, log-spaced, with N = n - 1 (N + 1 = n, the threshold)."""
    return sorted({*np.round(np.geomspace(10, max_factor * n, WIDTHS)).astype(int).tolist(), n - 1})


def noisy_subset(n, label_noise, seed):
    """(X_train, y_train, X_test, y_test) from the shipped MNIST-5k: n random images to fit, a fraction
    `label_noise` of their labels replaced by a uniformly drawn digit (which may be the right one), and the
    other 5,000 - n images with their true labels to test on."""
    X, y = load_classification("mnist5k")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    train, test = order[:n], order[n:]
    noisy = y[train].copy()
    flipped = rng.random(n) < label_noise
    noisy[flipped] = rng.integers(0, CLASSES, int(flipped.sum()))
    return X[train], noisy, X[test], y[test]


def random_features(net, X):
    """a_1 = relu(X W_1^T + b_1): the frozen first layer's outputs (N_examples, N)."""
    return activations.activate("relu", X @ net.W[1].T + net.b[1])  # a_1 = s(z_1),  z_1 = X W_1^T + b_1


def fit_readout(net, X, Y):
    """Set the last layer to the minimum-norm least-squares fit of Y by [a_1 1]: W_2 = B[:-1]^T, b_2 = B[-1]."""
    F = random_features(net, X)
    # exercise min_norm_readout: the minimum-norm least-squares last layer (document 004, double descent)
    F1 = np.hstack([F, np.ones((F.shape[0], 1))])  # [a_1 1]
    B = np.linalg.lstsq(F1, Y, rcond=None)[0]  # B = [a_1 1]^+ Y, the smallest |B| among the best fits
    net.W[2][...], net.b[2][...] = B[:-1].T, B[-1]
    # end exercise


def error_and_loss(net, X, y):
    """The fraction of rows whose largest output is not the label, and the mean squared error against the
    one-hot labels, from one forward pass (at 10,000 hidden units the pass is most of a width's time)."""
    O, l = net.outputs_and_losses(X, np.eye(CLASSES)[y])
    return float(np.mean(np.argmax(O, axis=1) != y)), float(np.mean(l))


def width_task(config):
    """A sweep task: one seed's curve. config: n, label_noise, widths, seed. For each width N: a fresh random
    first layer (He initialisation, seeded by seed and N), the fitted readout, and its errors and norm."""
    X, y, X_test, y_test = noisy_subset(config["n"], config["label_noise"], config["seed"])
    rows = []
    for N in config["widths"]:
        net = MLP([X.shape[1], N, CLASSES], activation="relu", loss="mse", init="he", seed=[config["seed"], N])
        fit_readout(net, X, np.eye(CLASSES)[y])
        norm = np.sqrt(np.sum(net.W[2] ** 2) + np.sum(net.b[2] ** 2))  # |B|
        rows.append([*error_and_loss(net, X, y), *error_and_loss(net, X_test, y_test), norm])
    train_error, train_loss, test_error, test_loss, norm = np.array(rows).T
    return {"train_error": train_error, "test_error": test_error, "test_loss": test_loss, "train_loss": train_loss,
            "readout_norm": norm}  # fmt: skip
