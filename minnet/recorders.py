"""What a study records while `fit` trains: one Recorder per quantity.

`fit` calls every recorder before training (`start`), after every optimizer step (`after_step`,
with the gradient the step descended and the update it made) and after every epoch
(`after_epoch`), and adds each recorder's arrays (`result`) to the History it returns:

    TestLoss            test_loss (T+1,)         the mean loss on a test set, before training and
                                                 after each epoch
    Snapshots           params (T+1, P)          the parameter vector at the same moments
    UpdateRecorder      update_length, update_alignment   each update's length, consecutive cosines
    TrajectoryRecorder  trajectory (S, k)        chosen parameters after every step (document 002)
    LayerGradRecorder   layer_grad_norm (S, L)   each layer's gradient norm at every step
    DriftRecorder       drift_fraction (T,)      how many parameters moved lately (document 003)
    SharpnessRecorder   sharpness, ...           the Hessian's top eigenvalue (edge of stability)
"""

from collections import deque

import numpy as np

from minnet.train import angle_degrees


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


class TestLoss(Recorder):
    """test_loss (T+1,): the mean loss on (X_test, Y_test) before training and after each epoch."""

    __test__ = False  # for pytest: a recorder, not a test class

    def __init__(self, X_test, Y_test):
        self.X_test, self.Y_test = X_test, Y_test

    def start(self, net):
        self.X_test, self.Y_test = net.check_XY(self.X_test, self.Y_test)
        self.losses = [net.loss(self.X_test, self.Y_test)]

    def after_epoch(self, net, epoch):
        self.losses.append(net.loss(self.X_test, self.Y_test))

    def result(self):
        return {"test_loss": np.array(self.losses)}


class Snapshots(Recorder):
    """params (T+1, P): the parameter vector before training and after each epoch."""

    def start(self, net):
        self.params = [net.params.copy()]

    def after_epoch(self, net, epoch):
        self.params.append(net.params.copy())

    def result(self):
        return {"params": np.array(self.params)}


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
        return {
            "update_length": np.array(self.lengths),
            "update_alignment": np.array(self.alignments),
        }


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
    """layer_grad_norm (S, L): the norm of each layer's gradient (W_l with b_l) at every step.

    Vanishing gradients show as norms that shrink towards the input layer, exploding ones as norms
    that grow."""

    def start(self, net):
        self.layers = [np.concatenate([W.ravel(), b]) for W, b, _ in net.layer_index()]
        self.norms = []

    def after_step(self, net, grad, update):
        self.norms.append([np.linalg.norm(grad[idx]) for idx in self.layers])

    def result(self):
        return {"layer_grad_norm": np.array(self.norms).reshape(-1, len(self.layers))}


class DriftRecorder(Recorder):
    """Fraction of parameters that moved more than `threshold` in `window` epochs (document 003).

    drift_fraction (T,): after epoch e >= window, the mean over parameters of
    |w_e - w_{e-window}| > threshold; NaN before the window is full.
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
    """The sharpness, the top eigenvalue of the loss' Hessian, every `every` optimizer steps.

    sharpness                (M,)  lambda_max(H) (minnet.hessian.top_eigenvalues on X, Y)
    sharpness_iteration      (M,)  the step count whose parameters it measured (0: initial weights)
    preconditioned_sharpness (M,)  with `optimizer`: lambda_max(P^-1 H) for its diagonal
                                   preconditioner P (NaN before Adam's first step: P undefined)
    stability_threshold      ()    with `optimizer`: the value above which it is unstable (SGD 2/lr)

    X, Y are the data whose loss the Hessian is of (the full training set, as in Cohen et al.);
    `steps` Lanczos steps per measurement (exact once steps >= the number of parameters), each
    measurement started from the previous one's top eigenvector (the first from `seed`).
    """

    def __init__(self, X, Y, every=1, optimizer=None, steps=20, seed=0):
        if int(every) != every or every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}")
        self.X, self.Y, self.every = X, Y, int(every)
        self.optimizer, self.steps, self.seed = optimizer, steps, seed

    def start(self, net):
        self.step, self.values, self.preconditioned, self.iterations = 0, [], [], []
        # the last top eigenvectors, to start the next Lanczos
        self.directions = {
            "plain": None,
            "preconditioned": None,
        }
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
            self.preconditioned.append(
                self.top_eigenvalue(net, "preconditioned", p) if np.all(np.isfinite(p)) else np.nan
            )

    def top_eigenvalue(self, net, kind, preconditioner):
        from minnet.hessian import top_eigenvalues

        start = self.directions[kind]
        values, vectors = top_eigenvalues(
            net,
            self.X,
            self.Y,
            steps=self.steps,
            seed=self.seed,
            preconditioner=preconditioner,
            start=start,
            vectors=True,
        )
        if np.all(np.isfinite(vectors)):
            self.directions[kind] = vectors[0]
        return values[0]

    def result(self):
        arrays = {
            "sharpness": np.array(self.values),
            "sharpness_iteration": np.array(self.iterations, dtype=np.int64),
        }
        if self.optimizer is not None:
            from minnet.hessian import stability_threshold

            arrays["preconditioned_sharpness"] = np.array(self.preconditioned)
            arrays["stability_threshold"] = np.array(stability_threshold(self.optimizer))
        return arrays
