"""Document 004's double-descent slide (Belkin et al. 2019): the test error against the model's size.

The model is minnet's two-layer MLP 784 -> N (relu) -> 10 whose first layer is random and frozen:
random features a_1 = relu(X W_1^T + b_1). Only the last layer is fitted, by the minimum-norm least
squares solution (Belkin et al.'s "random features" model):

    [a_1 1] B = Y,   B = [a_1 1]^+ Y        (the pseudo-inverse: the smallest |B| among the exact fits)

with Y the one-hot labels. The last layer has 10 (N + 1) weights. With N + 1 < n training images
there is no exact fit and B is the least-squares one; from N + 1 = n on (the interpolation
threshold, n x 10 weights) the fit is exact and, among the exact fits, the pseudo-inverse picks the
one with the smallest norm, which shrinks as N grows.

The trained version (Nakkiran et al. 2019, `trained_task`, below): every layer of 49 -> k -> 10 trained
by Adam on 7 x 7 images with noisy labels, one sweep task per (label noise, seed, width); its
threshold is where the training error first reaches near zero (`interpolation_threshold`).
"""

import functools

import numpy as np

from minnet.data import load_classification
from minnet.mlp import MLP

CLASSES = 10  # the ten digits
WIDTHS = 24  # widths on the log scale from 10 to max_factor x n, the threshold's added
MAX_FACTOR = 10.0  # the widest: 10 n units, far enough past the threshold n for the second descent


def widths(n, max_factor):
    """Hidden widths N from 10 to max_factor n, log-spaced, with N = n - 1 (N + 1 = n, the threshold)."""
    return sorted({*np.round(np.geomspace(10, max_factor * n, WIDTHS)).astype(int).tolist(), n - 1})


@functools.lru_cache(maxsize=1)
def mnist5k():
    """The shipped MNIST-5k, read once per process (a sweep's worker runs many tasks on it; read-only)."""
    X, y = load_classification("mnist5k")
    X.flags.writeable = y.flags.writeable = False
    return X, y


def noisy_subset(n, label_noise, seed):
    """(X_train, y_train, X_test, y_test) from the shipped MNIST-5k: n random images to fit, a fraction
    `label_noise` of their labels replaced by a uniformly drawn digit (which may be the right one), and the
    other 5,000 - n images with their true labels to test on."""
    X, y = mnist5k()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    train, test = order[:n], order[n:]
    noisy = y[train].copy()
    flipped = rng.random(n) < label_noise
    noisy[flipped] = rng.integers(0, CLASSES, int(flipped.sum()))
    return X[train], noisy, X[test], y[test]


def random_features(net, X, out=None):
    """a_1 = relu(X W_1^T + b_1): the frozen first layer's outputs (N_examples, N), the same arithmetic
    as the network's forward pass; written into `out` (contiguous, (N_examples, N)) when given, so that a
    curve's widths reuse one buffer instead of faulting in fresh memory for each (300 MB at 10 n)."""
    z = np.matmul(X, net.W[1].T, out=out)  # X W_1^T
    z += net.b[1]  # z_1 = X W_1^T + b_1
    return np.maximum(z, 0.0, out=z)  # a_1 = relu(z_1), in place


def fit_readout(net, X, Y):
    """Set the last layer to the minimum-norm least-squares fit of Y by [a_1 1]: W_2 = B[:-1]^T, b_2 = B[-1].
    Returns the features a_1 of X it fitted (random_features), for the training errors without a second pass."""
    F = random_features(net, X)
    # exercise min_norm_readout: the minimum-norm least-squares last layer (document 004, double descent)
    F1 = np.hstack([F, np.ones((F.shape[0], 1))])  # [a_1 1]
    B = np.linalg.lstsq(F1, Y, rcond=None)[0]  # B = [a_1 1]^+ Y, the smallest |B| among the best fits
    net.W[2][...], net.b[2][...] = B[:-1].T, B[-1]
    # end exercise
    return F


def error_and_loss(net, X, y):
    """The fraction of rows whose largest output is not the label, and the mean loss (the network's own:
    squared error or cross-entropy) against the one-hot labels, from one forward pass (at 10,000 hidden
    units the pass is most of a width's time)."""
    return error_and_mean(*net.outputs_and_losses(X, np.eye(CLASSES)[y]), y)


def readout_error_and_loss(net, features, y):
    """error_and_loss from the first layer's outputs a_1 (random_features): the last layer and the loss
    of the network's forward pass, z_2 = a_1 W_2^T + b_2, without computing a_1 again."""
    Z = net.dense(net.L, features)  # z_2 = a_1 W_2^T + b_2   (N, 10)
    return error_and_mean(*net.outputs_and_losses_at(Z, np.eye(CLASSES)[y]), y)  # o = s_out(z_2), l_n


def error_and_mean(O, l, y):
    """(error, loss): the fraction of rows of O whose largest output is not the label y, the mean of l."""
    return float(np.mean(np.argmax(O, axis=1) != y)), float(np.mean(l))


def width_task(config):
    """A sweep task: one seed's curve. config: n, label_noise, widths, seed. For each width N: a fresh random
    first layer (He initialisation, seeded by seed and N), the fitted readout, and its errors and norm. Each
    width's features are computed once, for the fit and the training errors alike, the test images' into one
    buffer that every width reuses."""
    X, y, X_test, y_test = noisy_subset(config["n"], config["label_noise"], config["seed"])
    test_buffer = np.empty(len(X_test) * max(config["widths"]))
    rows = []
    for N in config["widths"]:
        net = MLP([X.shape[1], N, CLASSES], activation="relu", loss="mse", init="he", seed=[config["seed"], N])
        features = fit_readout(net, X, np.eye(CLASSES)[y])
        norm = np.sqrt(np.sum(net.W[2] ** 2) + np.sum(net.b[2] ** 2))  # |B|
        test_features = random_features(net, X_test, out=test_buffer[: len(X_test) * N].reshape(-1, N))
        rows.append([*readout_error_and_loss(net, features, y), *readout_error_and_loss(net, test_features, y_test),
                     norm])  # fmt: skip
    train_error, train_loss, test_error, test_loss, norm = np.array(rows).T
    return {"train_error": train_error, "test_error": test_error, "test_loss": test_loss, "train_loss": train_loss,
            "readout_norm": norm}  # fmt: skip


# ----- the trained version: Nakkiran et al. 2019, model-wise double descent -----------------------
# Every layer of a one-hidden-layer network 49 -> k -> 10 is trained by Adam on n noisy training
# images, for a fixed number of epochs, whatever k: small networks cannot fit the noisy labels, large
# ones fit them exactly. Nakkiran et al.'s effective model complexity of a training procedure T is
#
#     EMC_eps(T) = max { n : E[train error of T on n examples] <= eps }
#
# and their hypothesis: the test error peaks where EMC ~ n, the width at which the training error
# first reaches (near) zero, the interpolation threshold of trained networks. With more label noise
# there are more arbitrary labels to memorise, so the threshold (and the peak with it) moves to wider
# networks. For reference the study also shows Belkin et al.'s n x classes parameters:
#
#     P(k) = k (d + 1) + C (k + 1)          (W_1, b_1, W_2, b_2 of a d -> k -> C network)

POOL = 4  # 28 x 28 images averaged over 4 x 4 blocks: 7 x 7 = 49 inputs (cost per hidden unit / 16)
EPS_INTERPOLATES = 0.05  # "near zero" training error: eps of the effective model complexity


def pooled(X, pool=POOL):
    """MNIST images (N, 784) averaged over pool x pool blocks: (N, (28 / pool)^2), each pixel the mean
    of its block (the 7 x 7 digits stay legible: trained on 1,000 of them, 49 -> 512 -> 10 errs on 10% of
    the other 4,000)."""
    side = 28 // pool
    return X.reshape(-1, side, pool, side, pool).mean(axis=(2, 4)).reshape(len(X), side * side)


def trained_widths(max_width, per_octave=3):
    """Hidden widths 1 .. max_width, per_octave of them per doubling (log-spaced, rounded, distinct):
    dense enough to locate the peak within a factor 2^(1/3) = 1.26."""
    octaves = np.log2(max_width)
    grid = 2.0 ** (np.arange(int(np.floor(octaves * per_octave)) + 1) / per_octave)
    return sorted({*np.round(grid).astype(int).tolist(), int(max_width)})


def parameter_count(width, d=(28 // POOL) ** 2):
    """P(k) = k (d + 1) + C (k + 1): the network d -> k -> C's weights and biases."""
    return width * (d + 1) + CLASSES * (width + 1)


def trained_task(config):
    """A sweep task: one width, one label-noise level, one seed. config: n, label_noise, width, seed,
    epochs, lr, batch_size. The seed draws the training images, their noisy labels (the same at
    every width: a curve over widths compares networks on one data set) and, with the width, the
    initial weights. Returns the final training and test error and loss."""
    from minnet.optim import Adam
    from minnet.train import fit

    X, y, X_test, y_test = noisy_subset(config["n"], config["label_noise"], config["seed"])
    X, X_test = pooled(X), pooled(X_test)
    k, seed = config["width"], config["seed"]
    net = MLP([X.shape[1], k, CLASSES], activation="relu", loss="cross_entropy", init="he",
              seed=[seed, k])  # fmt: skip
    # every layer by Adam on the mean cross-entropy -(1/B) sum_n log softmax(z_2)_{y_n}, shuffled batches
    history = fit(net, X, y, Adam(net.params, lr=config["lr"]), config["epochs"],
                  batch_size=config["batch_size"], seed=[seed, k, 1], record_gradients=False)  # fmt: skip
    train_error, train_loss = error_and_loss(net, X, y)  # against the noisy labels it was fitted to
    test_error, test_loss = error_and_loss(net, X_test, y_test)  # against the true labels
    return {"train_error": train_error, "test_error": test_error, "train_loss": train_loss,
            "test_loss": test_loss, "diverged": history.meta["diverged_at"] is not None}  # fmt: skip


def interpolation_threshold(widths, train_error, eps=EPS_INTERPOLATES):
    """k* = min { k : median train error(k) <= eps }: the narrowest network that fits its (noisy)
    training labels, where EMC_eps reaches n. None when no width does."""
    fits = [k for k, error in zip(widths, train_error) if error <= eps]
    return min(fits) if fits else None


def peak_of_test_error(widths, test_error, threshold):
    """The double-descent peak: (classical minimum index, peak index). The classical minimum is the
    lowest test error below the threshold k* (the bottom of the classical U); the peak is the highest
    test error from there on (the smallest widths' underfitting error is not the peak)."""
    widths, test_error = np.asarray(widths), np.asarray(test_error)
    below = np.flatnonzero(widths < threshold) if threshold is not None else np.arange(len(widths))
    classical = int(below[np.argmin(test_error[below])]) if below.size else 0
    return classical, classical + int(np.argmax(test_error[classical:]))
