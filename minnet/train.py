"""Training: the loop of gradient descent, with what a study records around it.

    for each epoch:
        for each batch (the whole set when batch_size is None, else shuffled mini-batches):
            g = dL_batch/dw            gradient   net.loss_and_grad, the network's own backprop
            w := optimizer step(g)     step       the optimizer's own update (minnet.optim)
            recorders see (g, update)  record     minnet.recorders

Full-batch gradient descent (batch_size=None) makes one step per epoch, as document 000. `fit`
itself records, in the History it returns,

    train_loss   (T+1,)   the mean training loss before training and after each epoch
    grad_norm    (T,)     |G_i|, the full-batch gradient at the weights before epoch i
    grad_angle   (T-1,)   angle in degrees between G_i and G_{i+1}:
                          arccos(G_i . G_{i+1} / (|G_i| |G_{i+1}|)), cosine clipped to [-1, 1]

and recorders add the rest (TestLoss: test_loss; Snapshots: params; minnet.recorders). A run
whose loss or parameters stop being finite ends there; ``history.meta["diverged_at"]`` names the
epoch and the arrays stop with it. `Trainable` trains chosen parameters only (document 002).
"""

import contextlib
import math

import numpy as np

from minnet.arithmetic import dot_in_order, norm_in_order
from minnet.checks import check_fit_args, checked_indices
from minnet.tools.history import History
from minnet.tools.progress import steps as progress_steps


def fit(
    net,
    X,
    Y,
    optimizer,
    epochs,
    batch_size=None,
    seed=None,
    recorders=(),
    progress=False,
    reduction="mean",
    record_gradients=True,
    gradient_stats=True,
    epoch_losses=True,
):
    """Train `net` with `optimizer` (built on ``net.params``) for `epochs` epochs; return a History.

    Parameters
    ----------
    net : TwoLayerNet, MLP, or Trainable (chosen parameters of one)
    X, Y : training inputs (N, n_in) and targets (N, n_out) (or integer labels for cross-entropy)
    optimizer : a minnet.optim optimizer built on ``net.params`` itself, e.g. Adam(net.params)
    epochs : int >= 0
    batch_size : None for full-batch gradient descent, else the size of the mini-batches
        (shuffled each epoch)
    seed : seed of the shuffling generator
    recorders : minnet.recorders, e.g. [TestLoss(X_test, Y_test), Snapshots()]
    progress : show a progress bar over epochs
    reduction : "mean" (default) or "sum": each step descends the batch's mean loss
        (1/B) sum_n l_n, or its sum sum_n l_n (PyTorch's reduction="sum"), whose gradient is B
        times larger. The recorded losses and grad_norm are the full data set's mean either way.
    record_gradients : False leaves grad_norm and grad_angle out of a mini-batch run's History:
        the training loss after each epoch then comes from a forward pass alone (net.loss, the
        same bits), without the full data set's backward pass, which no step uses. A study that
        reads neither saves that pass (full-batch runs step with it, and record it either way).
    gradient_stats : False leaves grad_norm and grad_angle out of the History of any run, full
        batch too: their sums in order over the P parameters (four per epoch) are not taken. For
        a study that reads neither; the training and every other record keep their bits.
    epoch_losses : False (with mini-batches and record_gradients=False) takes the training loss
        before training and after the last epoch only, not after every epoch: train_loss is then
        (2,) (the same bits as the first and last of every epoch's), and a run ends early only
        when its parameters stop being finite. For a study that reads the last loss alone: the
        forward pass over the whole set at every other epoch, which no step uses, is not taken.

    Every step is the network's own `loss_and_grad` and the optimizer's own `step`: an edit to
    either changes what trains.
    """
    X, Y = net.check_XY(X, Y)
    check_fit_args(net, optimizer, X, epochs, batch_size, reduction)
    rng, recorders = np.random.default_rng(seed), list(recorders or [])
    gradients = bool(record_gradients) or batch_size is None or not hasattr(net, "loss")
    stats = gradients and bool(gradient_stats)  # grad_norm and grad_angle recorded
    every_epoch = bool(epoch_losses)  # the training loss after every epoch, or the last only
    if not every_epoch and gradients:
        raise ValueError(
            "epoch_losses=False needs mini-batches and record_gradients=False (a full-batch run "
            f"takes the loss with its gradient at every epoch), got batch_size={batch_size!r}, "
            f"record_gradients={record_gradients!r}"
        )
    with np.errstate(all="ignore"):  # divergence is detected and reported, not warned about
        loss, grad = whole_set(net, X, Y, gradients)  # L(w) and G on the whole training set
        train_losses, meta = [loss], {"epochs_run": 0, "diverged_at": None}
        grad_norms, grad_angles, previous = [], [], None  # |G_i|, angle(G_{i-1}, G_i), G_{i-1}
        for recorder in recorders:
            recorder.start(net)
        for epoch in progress_steps(range(epochs), progress):
            if stats:
                grad_norms.append(norm_in_order(grad))
                if previous is not None:
                    grad_angles.append(angle_degrees(previous, grad))
                previous = grad
            for rows in batches(X.shape[0], batch_size, rng):
                # gradient of the batch's mean loss
                g = grad if rows is None else batch_gradient(net, X[rows], Y[rows])
                if reduction == "sum":
                    g = g * (X.shape[0] if rows is None else rows.size)  # d(sum_n l_n)/dw = B dL/dw
                update = optimizer.step(g)  # step
                for recorder in recorders:
                    recorder.after_step(net, g, update)  # record
            # the loss after this epoch: every epoch's, or the last (or the last finite parameters)
            measured = every_epoch or epoch + 1 == epochs or not np.all(np.isfinite(net.params))
            if measured:
                loss, grad = whole_set(net, X, Y, gradients)
                train_losses.append(loss)
            for recorder in recorders:
                recorder.after_epoch(net, epoch)
            meta["epochs_run"] = epoch + 1
            if measured and not (np.isfinite(loss) and np.all(np.isfinite(net.params))):
                meta["diverged_at"] = epoch + 1
                meta["reason"] = (
                    f"train loss {loss} or parameters not finite after epoch {epoch + 1}"
                )
                break
        recorded = {"train_loss": np.array(train_losses)}
        if stats:
            recorded["grad_norm"] = np.array(grad_norms)
            recorded["grad_angle"] = np.array(grad_angles)
        history = History(recorded, meta)
    for recorder in recorders:
        history.update(recorder.result())
    return history


def whole_set(net, X, Y, gradient):
    """(L, G) on the whole training set, or (L, None) from a forward pass alone."""
    with inputs_checked(net):
        return net.loss_and_grad(X, Y) if gradient else (net.loss(X, Y), None)


def batch_gradient(net, X_batch, Y_batch):
    """dL_batch/dw: the network's gradient on rows of fit's checked X and Y."""
    with inputs_checked(net):
        return net.loss_and_grad(X_batch, Y_batch)[1]


def inputs_checked(net):
    """The network's `inputs_checked` (minnet.network: fit's X and Y are checked once, not again at
    every step); for a network without one, a context that changes nothing."""
    context = getattr(net, "inputs_checked", None)
    return context() if context is not None else contextlib.nullcontext()


def batches(N, batch_size, rng):
    """The rows of each step of an epoch: [None] (the whole set) or a shuffled split in batches."""
    if batch_size is None:
        return [None]
    order = rng.permutation(N)
    return [order[s : s + batch_size] for s in range(0, N, batch_size)]


def angle_degrees(a, b):
    """The angle between vectors a and b in degrees; NaN if either is zero."""
    # exercise gradient_angle: the angle between two gradients, in degrees (document 000)
    denom = norm_in_order(a) * norm_in_order(b)  # the sums in order: the same bits on every CPU
    if denom == 0.0 or not np.isfinite(denom):
        return np.nan
    return math.degrees(math.acos(min(1.0, max(-1.0, dot_in_order(a, b) / denom))))
    # end exercise


class Trainable:
    """The parameters `indices` of `net` trained, the others frozen: document 002's two weights.

    It stands in for the network in `fit`:
    ``part = Trainable(net, [i, j]); fit(part, X, Y, SGD(part.params), ...)``. Its `params` are
    the chosen values, its gradient their part of the network's, and the network's parameter
    vector takes the values before every gradient."""

    def __init__(self, net, indices):
        self.net, self.indices = net, checked_indices(indices, net.n_params)
        self.params = net.params[self.indices].copy()

    def loss_and_grad(self, X, Y):
        self.net.params[self.indices] = self.params
        loss, grad = self.net.loss_and_grad(X, Y)
        return loss, grad[self.indices]

    def check_XY(self, X, Y):
        return self.net.check_XY(X, Y)

    def inputs_checked(self):
        return self.net.inputs_checked()

    @property
    def n_params(self):
        return self.indices.size
