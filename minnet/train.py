"""Training with gradient descent and recording what a study needs.

`fit` runs full-batch gradient descent (batch_size=None: one iteration is one
epoch, as document 000) or shuffled mini-batches. It always records

    train_loss, test_loss   (T+1,)   before training and after each epoch
    grad_norm               (T,)     |G_i|, the full-batch gradient at the weights before epoch i
    grad_angle              (T-1,)   angle in degrees between G_i and G_{i+1}:
                                     arccos(G_i . G_{i+1} / (|G_i| |G_{i+1}|)), cosine clipped to [-1, 1]
    params                  (T+1, P) the parameters before training and after each epoch

and recorders add more. A run whose loss or parameters stop being finite ends
there; ``history.meta["diverged_at"]`` names the epoch and the arrays stop with it.
"""

from collections import deque

import numpy as np

from minnet.history import History
from minnet.optim import SGD
from minnet.progress import steps as progress_steps
from minnet.two_layer import TwoLayerNet


def angle_degrees(a, b):
    """The angle between vectors a and b in degrees; NaN if either is zero."""
    denom = np.linalg.norm(a) * np.linalg.norm(b)
    if denom == 0.0 or not np.isfinite(denom):
        return np.nan
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b) / denom, -1.0, 1.0))))


class Recorder:
    """Called by `fit` before training, after every optimizer step and after every epoch.

    Subclasses override the hooks they need and return their arrays from `result`.
    """

    def start(self, net):
        pass

    def after_step(self, net, grad, update):
        pass

    def after_epoch(self, net, epoch):
        pass

    def result(self):
        return {}


class UpdateRecorder(Recorder):
    """Length of every update and the cosine between consecutive updates (document 003).

    update_length     (S,)    |w_{s+1} - w_s| for each of the S optimizer steps
    update_alignment  (S-1,)  (u_s . u_{s+1}) / (|u_s| |u_{s+1}|)
    """

    def start(self, net):
        self.lengths, self.alignments, self.previous = [], [], None

    def after_step(self, net, grad, update):
        self.lengths.append(np.linalg.norm(update))
        if self.previous is not None:
            self.alignments.append(np.cos(np.radians(angle_degrees(self.previous, update))))
        self.previous = update

    def result(self):
        return {"update_length": np.array(self.lengths), "update_alignment": np.array(self.alignments)}


class TrajectoryRecorder(Recorder):
    """The values of chosen parameters after every optimizer step: trajectory (S, len(indices)).

    For document 002's paths with one point per batch; per-epoch points are in History["params"]."""

    def __init__(self, indices):
        self.indices = np.asarray(indices, dtype=np.int64)

    def start(self, net):
        self.points = []

    def after_step(self, net, grad, update):
        self.points.append(net.params[self.indices].copy())

    def result(self):
        return {"trajectory": np.array(self.points).reshape(-1, self.indices.size)}


class LayerGradRecorder(Recorder):
    """The norm of each layer's part of the gradient (W_l with b_l) at every optimizer step: layer_grad_norm (S, L).

    Vanishing gradients show as norms that shrink towards the input layer, exploding ones as norms that grow."""

    def start(self, net):
        self.layers = [np.concatenate([W.ravel(), b]) for W, b, _ in net.layer_index()]
        self.norms = []

    def after_step(self, net, grad, update):
        self.norms.append([np.linalg.norm(grad[idx]) for idx in self.layers])

    def result(self):
        return {"layer_grad_norm": np.array(self.norms).reshape(-1, len(self.layers))}


class DriftRecorder(Recorder):
    """Fraction of parameters that moved more than `threshold` over the last `window` epochs (document 003).

    drift_fraction (T,): after epoch e >= window, mean over parameters of |w_e - w_{e-window}| > threshold;
    NaN before the window is full.
    """

    def __init__(self, window=100, threshold=0.05):
        if int(window) != window or window < 1:
            raise ValueError(f"window must be a positive integer, got {window!r}")
        if not threshold >= 0:
            raise ValueError(f"threshold must be >= 0, got {threshold!r}")
        self.window, self.threshold = int(window), float(threshold)

    def start(self, net):
        self.snapshots = deque([net.params.copy()], maxlen=self.window + 1)
        self.fractions = []

    def after_epoch(self, net, epoch):
        self.snapshots.append(net.params.copy())
        full = len(self.snapshots) == self.window + 1
        moved = np.abs(self.snapshots[-1] - self.snapshots[0]) > self.threshold
        self.fractions.append(float(np.mean(moved)) if full else np.nan)

    def result(self):
        return {"drift_fraction": np.array(self.fractions)}


class SharpnessRecorder(Recorder):
    """The sharpness, the top eigenvalue of the training loss' Hessian, every `every` optimizer steps.

    sharpness                (M,)  lambda_max(H) (minnet.hessian.top_eigenvalues on X, Y)
    sharpness_iteration      (M,)  the step count whose parameters it was measured at (0: the initial weights)
    preconditioned_sharpness (M,)  with `optimizer`: lambda_max(P^-1 H) for its diagonal preconditioner P
                                   (NaN before Adam's first step, where P is undefined)
    stability_threshold      ()    with `optimizer`: the value above which it is unstable (2 / lr for SGD)

    X, Y are the data whose loss the Hessian is of (the full training set, as in Cohen et al.);
    `steps` Lanczos steps per measurement (exact once steps >= the number of parameters), each
    measurement started from the previous one's top eigenvector (the first from `seed`).
    """

    def __init__(self, X, Y, every=1, optimizer=None, steps=20, seed=0):
        if int(every) != every or every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}")
        self.X, self.Y, self.every, self.optimizer, self.steps, self.seed = X, Y, int(every), optimizer, steps, seed

    def start(self, net):
        self.step, self.values, self.preconditioned, self.iterations = 0, [], [], []
        self.directions = {"plain": None, "preconditioned": None}  # the last top eigenvectors, to start the next Lanczos
        self.measure(net)

    def after_step(self, net, grad, update):
        self.step += 1
        if self.step % self.every == 0:
            self.measure(net)

    def measure(self, net):
        self.iterations.append(self.step)
        self.values.append(self.top_eigenvalue(net, "plain", None))
        if self.optimizer is not None:
            p = self.optimizer.preconditioner()
            self.preconditioned.append(self.top_eigenvalue(net, "preconditioned", p) if np.all(np.isfinite(p)) else np.nan)

    def top_eigenvalue(self, net, kind, preconditioner):
        from minnet.hessian import top_eigenvalues

        start = self.directions[kind]
        values, vectors = top_eigenvalues(net, self.X, self.Y, steps=self.steps, seed=self.seed, preconditioner=preconditioner, start=start, vectors=True)
        if np.all(np.isfinite(vectors)):
            self.directions[kind] = vectors[0]
        return values[0]

    def result(self):
        arrays = {"sharpness": np.array(self.values), "sharpness_iteration": np.array(self.iterations, dtype=np.int64)}
        if self.optimizer is not None:
            from minnet.hessian import stability_threshold

            arrays["preconditioned_sharpness"] = np.array(self.preconditioned)
            arrays["stability_threshold"] = np.array(stability_threshold(self.optimizer))
        return arrays


def is_whole(value):
    """An int (Python or NumPy), not a bool or a float that happens to be whole."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_fit_args(X, epochs, batch_size):
    if not is_whole(epochs) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if batch_size is not None and (not is_whole(batch_size) or not 1 <= batch_size <= X.shape[0]):
        raise ValueError(f"batch_size must be None or an integer in [1, {X.shape[0]}], got {batch_size!r}")


REDUCTIONS = ("mean", "sum")


def run_epoch(net, X, Y, optimizer, batch_size, rng, recorders, full_grad, trainable, reduction):
    """One epoch of updates: the full-batch step with `full_grad`, or shuffled mini-batches.

    With `trainable` (parameter indices) the optimizer holds only those parameters: it gets their
    part of the gradient and its result is written back into net.params; the rest stay frozen.
    With reduction "sum" the step descends the batch's summed loss, whose gradient is the batch
    size times the mean's."""
    if batch_size is None:
        batches = [(None, full_grad)]
    else:
        order = rng.permutation(X.shape[0])
        batches = [(order[s : s + batch_size], None) for s in range(0, X.shape[0], batch_size)]
    for rows, grad in batches:
        if grad is None:
            _, grad = net.loss_and_grad(X[rows], Y[rows])
        if reduction == "sum":
            grad = grad * (X.shape[0] if rows is None else rows.size)  # d(sum_n l_n)/dw = B dL/dw
        if trainable is not None:
            grad = grad[trainable]
        update = optimizer.step(grad)
        if trainable is not None:
            net.params[trainable] = optimizer.params
        for recorder in recorders:
            recorder.after_step(net, grad, update)


def check_optimizer(net, optimizer, trainable):
    """The optimizer must hold net.params itself, or, with `trainable`, a vector of that many entries."""
    if trainable is None:
        if optimizer.params is not net.params:
            raise ValueError("optimizer must be built on net.params (the very array), e.g. Adam(net.params)")
        return None
    given = np.asarray(trainable)
    if given.dtype.kind not in "iu":
        raise ValueError(f"trainable must list integer parameter indices, got {given.tolist()!r}")
    trainable = given.astype(np.int64)
    if trainable.ndim != 1 or trainable.size == 0 or trainable.min() < 0 or trainable.max() >= net.n_params:
        raise ValueError(f"trainable must list parameter indices in [0, {net.n_params}), got {trainable.tolist()}")
    if optimizer.params.shape != trainable.shape:
        raise ValueError(f"with trainable, the optimizer must hold {trainable.size} parameters, e.g. SGD(net.params[trainable].copy()); it holds {optimizer.params.size}")
    return trainable


COMPILED_CHUNK = 1000  # epochs per kernel call, so that a long compiled run can show progress


def fit_example_by_example(net, X, Y, lr, epochs, X_test=None, Y_test=None, progress=False, snapshots=True):
    """Document 000's own training loop, compiled: full-batch gradient descent w := w - lr G on a
    TwoLayerNet with the document's error, with G summed example by example as the document's code does.

    This is kernels/two_layer.py, not the network's `loss_and_grad`: an edit to TwoLayerNet does
    not change what it trains. It is about twice as fast as `fit` on document 000's problem, and
    it sums in another order, so an unstable run's blow-up comes at another iteration
    ((f1, 3, 1, 1000): 729 / 747 / 749 where `fit` and the notebook give 734 / 752 / 755).
    Returns the History `fit` would (train_loss, test_loss, grad_norm, grad_angle, params).
    Runs in chunks of COMPILED_CHUNK epochs, handing each chunk the previous gradient so that the
    angles (and every number) are the same as in one long call.
    """
    from kernels import codes
    from kernels import two_layer as kernel

    if not isinstance(net, TwoLayerNet) or net.loss_name != "half_mse":
        raise ValueError(f"the example-by-example loop is document 000's: a TwoLayerNet with loss 'half_mse', got {type(net).__name__} with {net.loss_name!r}")
    X, Y = net.check_XY(X, Y)
    check_fit_args(X, epochs, None)
    lr = SGD(net.params, lr=lr).lr  # checked as SGD checks it
    if X_test is None:
        X_test, Y_test = np.zeros((0, net.n_in)), np.zeros((0, net.n_out))
    else:
        X_test, Y_test = net.check_XY(X_test, Y_test)
    code = codes.ACTIVATION[net.activation]
    parts = {key: [] for key in ("train_loss", "test_loss", "grad_norm", "grad_angle", "U", "V")}
    previous, done = None, 0
    for start in progress_steps(range(0, max(epochs, 1), COMPILED_CHUNK), progress, desc=f"chunks of {COMPILED_CHUNK:,} epochs"):  # epochs = 0: one call, no update
        chunk = min(COMPILED_CHUNK, epochs - start)
        train, test, norms, angles, U, V, previous = kernel.train(X, Y, X_test, Y_test, net.U, net.V, lr, chunk, code, previous)
        skip = 1 if start else 0  # a later chunk's first error and weights are the previous chunk's last
        for key, values in zip(parts, (train[skip:], test[skip:], norms, angles, U[skip:], V[skip:])):
            parts[key].append(values)
        net.U[:], net.V[:] = U[-1], V[-1]
        done += norms.size
        if norms.size < chunk or not np.isfinite(train[-1]):
            break
    arrays = {key: np.concatenate(values) for key, values in parts.items()}
    diverged = not np.isfinite(arrays["train_loss"][-1])
    meta = {"epochs_run": done, "diverged_at": done if diverged else None}
    if diverged:
        meta["reason"] = f"train loss {arrays['train_loss'][-1]} not finite after epoch {done}"
    U_all, V_all = arrays.pop("U"), arrays.pop("V")
    history = History(arrays, meta)
    if snapshots:
        history["params"] = np.hstack([U_all.reshape(done + 1, -1), V_all.reshape(done + 1, -1)])
    return history


def fit(net, X, Y, optimizer, epochs, batch_size=None, X_test=None, Y_test=None, seed=None, recorders=None, progress=False, snapshots=True, trainable=None,
        reduction="mean"):  # fmt: skip
    """Train `net` with `optimizer` (built on ``net.params``) and return a History.

    Parameters
    ----------
    net : TwoLayerNet or MLP
    X, Y : training inputs (N, n_in) and targets (N, n_out) (or integer labels for cross-entropy)
    optimizer : a minnet.optim optimizer whose params are ``net.params`` (or, with `trainable`,
        a vector of those parameters' values)
    epochs : int >= 0
    batch_size : None for full-batch gradient descent, else the mini-batch size (shuffled each epoch)
    X_test, Y_test : optional test set; test_loss is NaN without one
    seed : seed of the shuffling generator
    recorders : list of Recorder
    progress : show a progress bar over epochs
    snapshots : record the parameter vector after every epoch
    trainable : optional parameter indices; only these are trained, all others stay frozen
        (document 002's two weights); grad_norm and grad_angle then describe their gradient
    reduction : "mean" (default) or "sum": each step descends the batch's mean loss
        (1/B) sum_n l_n, or its sum sum_n l_n (PyTorch's reduction="sum"), whose gradient is B
        times larger. The recorded losses and grad_norm are the full data set's mean either way.

    Every step is the network's own `loss_and_grad` and the optimizer's own `step`: an edit to
    either changes what trains. (Document 000's loop compiled is `fit_example_by_example`.)
    """
    X, Y = net.check_XY(X, Y)
    trainable = check_optimizer(net, optimizer, trainable)
    check_fit_args(X, epochs, batch_size)
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    has_test = X_test is not None
    rng, recorders = np.random.default_rng(seed), list(recorders or [])

    def test_loss():
        return net.loss(X_test, Y_test) if has_test else np.nan

    with np.errstate(all="ignore"):  # divergence is detected and reported, not warned about
        loss, grad = net.loss_and_grad(X, Y)
        train_losses, test_losses, grads = [loss], [test_loss()], []
        params = [net.params.copy()] if snapshots else []
        meta = {"epochs_run": 0, "diverged_at": None}
        for recorder in recorders:
            recorder.start(net)
        for epoch in progress_steps(range(epochs), progress):
            grads.append(grad if trainable is None else grad[trainable])
            run_epoch(net, X, Y, optimizer, batch_size, rng, recorders, grad, trainable, reduction)
            loss, grad = net.loss_and_grad(X, Y)
            train_losses.append(loss)
            test_losses.append(test_loss())
            if snapshots:
                params.append(net.params.copy())
            for recorder in recorders:
                recorder.after_epoch(net, epoch)
            meta["epochs_run"] = epoch + 1
            if not (np.isfinite(loss) and np.all(np.isfinite(net.params))):
                meta["diverged_at"] = epoch + 1
                meta["reason"] = f"train loss {loss} or parameters not finite after epoch {epoch + 1}"
                break
        history = History(
            {
                "train_loss": np.array(train_losses),
                "test_loss": np.array(test_losses),
                "grad_norm": np.array([np.linalg.norm(g) for g in grads]),
                "grad_angle": np.array([angle_degrees(a, b) for a, b in zip(grads[:-1], grads[1:])]),
            },
            meta,
        )
    if snapshots:
        history["params"] = np.array(params)
    for recorder in recorders:
        history.update(recorder.result())
    return history
