"""Beyond the documents: gradient descent at the edge of stability (Cohen et al., ICLR 2021).

A tanh MLP with half squared error on one-hot targets, trained full-batch on the first examples of the
shipped 8x8 digits (pixels standardised), by gradient descent or Adam, with its sharpness measured as it
trains (minnet.recorders.SharpnessRecorder: the top eigenvalue of the training loss' Hessian, for Adam of
the preconditioned P^-1 H). Gradient descent is stable along the top eigenvector only while

    sharpness < 2 / lr      (Adam: preconditioned sharpness < (2 + 2 beta1) / ((1 - beta1) lr), Cohen et al. 2022)

and the runs show the sharpness rise to that threshold ("progressive sharpening") and hover there
while the loss keeps falling, not monotonically (`edge_measures`). Document 000's sudden
oscillations are one instance (minnet.studies.dynamics.sharpness_events).
"""

import numpy as np

from minnet import MLP, SGD, Adam, fit
from minnet.data import load_digits
from minnet.losses import one_hot
from minnet.recorders import SharpnessRecorder
from minnet.studies.dynamics import first_above

# "hovers just above 2/lr" (Cohen et al. 2021), as minnet reads it: a mean within 20% of 2/lr
HOVER_BAND = (0.8, 1.2)


def dataset(examples):
    """The first `examples` digits, pixels standardised; targets one-hot (N, 10)."""
    X, labels = load_digits()
    X, labels = X[:examples], labels[:examples]
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)  # (x - mean) / std, per pixel
    return X, one_hot(labels, 10)


def train_task(config):
    """A sweep task: one run, gradient descent ("sgd", full batch) or Adam, with its sharpness measured."""
    X, Y = dataset(config["examples"])
    net = MLP(
        [X.shape[1], *config["hidden"], 10], activation="tanh", loss="half_mse", init="pytorch", seed=config["seed"]
    )
    optimizer = SGD(net.params, lr=config["lr"]) if config["optimizer"] == "sgd" else Adam(net.params, lr=config["lr"])
    recorder = SharpnessRecorder(
        X, Y, every=config["every"], optimizer=optimizer, steps=config["lanczos_steps"], seed=config["seed"]
    )
    history = fit(net, X, Y, optimizer, config["epochs"], recorders=[recorder], gradient_stats=False)  # reads neither
    keys = ("train_loss", "sharpness", "sharpness_iteration", "preconditioned_sharpness", "stability_threshold")
    return {key: history[key] for key in keys} | {
        "diverged_at": -1 if history.diverged_at is None else history.diverged_at
    }


def edge_measures(iteration, sharpness, loss, threshold):
    """Progressive sharpening, the crossing of the threshold, hovering at it, and the loss meanwhile."""
    iteration, sharpness = np.asarray(iteration), np.asarray(sharpness, dtype=np.float64)
    finite = np.isfinite(sharpness)
    above = first_above(sharpness, threshold)  # NaN (Adam's undefined start) is never above
    crossing = None if above is None else int(iteration[above])
    late = sharpness[iteration >= iteration[-1] / 2]
    measures = {
        "threshold": threshold,
        "initial": float(sharpness[finite][0]),
        "crossing": crossing,
        "peak": float(np.max(sharpness[finite])),
        "late_mean_over_threshold": float(np.nanmean(late) / threshold),
    }
    if crossing is not None:
        after = np.asarray(loss)[crossing:]
        measures["loss_rises_after_crossing"] = int(np.sum(np.diff(after) > 0))  # iterations whose loss went up
        measures["loss_at_crossing"], measures["final_loss"] = float(after[0]), float(after[-1])
    return measures
