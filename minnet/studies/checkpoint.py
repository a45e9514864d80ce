"""Backpropagation three ways, trading memory for recomputation (document 004, the lecture's last part).

Backpropagation through an L-layer MLP (minnet.mlp) needs, at layer l, the error delta_l and the
forward quantities of the layer below, z_{l-1} and a_{l-1}:

    dW_l = delta_l^T a_{l-1} / N,   db_l = sum_n delta_l / N,   delta_{l-1} = (delta_l W_l) * s'(z_{l-1})

- vanilla:     the forward pass keeps every (z_l, a_l): memory O(L) layers, L layer evaluations.
- memory-poor: the forward pass keeps only the output; each (z_{l-1}, a_{l-1}) is recomputed from
               the input when backpropagation reaches it: memory O(1) layers, L + L(L-1)/2
               evaluations, O(L^2).
- checkpoint:  the forward pass keeps every k-th layer (the checkpoints); when backpropagation
               enters the stretch above a checkpoint, that stretch is recomputed from it once and
               kept until backpropagation leaves it: memory O(L/k + k) layers, O(sqrt L) at
               k = sqrt L, and L + (L - 1) - floor((L - 1)/k) evaluations, about 2L.

All three do the same arithmetic in the same order, so their gradients are bit-identical (to each
other and to MLP.loss_and_grad). A `Tape` holds every array a strategy keeps between layer
evaluations and counts: the floats it holds now and at its peak, and the layer forward evaluations; the numbers in
demos.checkpointing are these counts, not formulas.
"""

import time

import numpy as np

from minnet import activations, losses
from minnet.mlp import MLP

STRATEGIES = ("vanilla", "memory_poor", "checkpoint")


class Tape:
    """Named arrays kept for the backward pass, with the float count now and at its peak, and layer evaluations."""

    def __init__(self):
        self.kept, self.floats, self.peak_floats, self.evaluations = {}, 0, 0, 0

    def keep(self, key, *arrays):
        self.drop(key)
        self.kept[key] = arrays
        self.floats += sum(a.size for a in arrays)
        self.peak_floats = max(self.peak_floats, self.floats)

    def drop(self, key):
        if key in self.kept:
            self.floats -= sum(a.size for a in self.kept.pop(key))

    def get(self, key):
        return self.kept[key]


def layer_forward(net, l, a_prev, tape):
    """(z_l, a_l) from a_{l-1}: one counted layer evaluation."""
    tape.evaluations += 1
    z = a_prev @ net.W[l].T + net.b[l]  # z_l = a_{l-1} W_l^T + b_l
    a = activations.activate(net.activation_of(l), z) if l < net.L else z
    return z, a


def forward(net, X, tape, keep_every):
    """The forward pass; keeps layer l on the tape when l is a multiple of keep_every (0: none), and always the output."""
    a = X
    for l in range(1, net.L + 1):
        z, a = layer_forward(net, l, a, tape)
        tape.drop("current")  # the layer below is not needed any more ...
        # ... this one is, for now
        tape.keep(l if l == net.L or (keep_every and l % keep_every == 0) else "current", z, a)
    tape.drop("current")


def recompute(net, X, tape, start, stop, keep):
    """Layers start+1 .. stop from the kept layer `start` (the input when start = 0); keeps them all when `keep`, else only `stop`."""
    # exercise checkpoint_recompute: recompute a stretch of layers from a checkpoint (document 004)
    a = X if start == 0 else tape.get(start)[1]
    for l in range(start + 1, stop + 1):
        z, a = layer_forward(net, l, a, tape)
        tape.drop("current")
        tape.keep(l if (keep or l == stop) else "current", z, a)
    # end exercise


def layer_below(net, X, l, strategy, k, tape):
    """(z_{l-1}, a_{l-1}), from the tape or recomputed as the strategy says (l >= 2)."""
    m = l - 1
    if m not in tape.kept:
        if strategy == "memory_poor":
            recompute(net, X, tape, 0, m, keep=False)
        else:  # checkpoint: recompute the whole stretch above the checkpoint below m, once
            recompute(net, X, tape, (m // k) * k, m, keep=True)
    return tape.get(m)


def backprop(net, X, Y, strategy="checkpoint", k=None):
    """(loss, gradient, tape) of an MLP on (X, Y) by the chosen strategy; k defaults to round(sqrt L)."""
    if not isinstance(net, MLP):
        raise ValueError(f"checkpointed backpropagation is written for MLP, got {type(net).__name__}")
    if net.normalise is not None:
        raise ValueError(
            f"checkpointed backpropagation is written for dense layers; this MLP is {net.normalise}-normalised"
        )
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    k = max(1, round(np.sqrt(net.L))) if k is None else k
    if int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[0])
    N, tape = X.shape[0], Tape()
    forward(net, X, tape, {"vanilla": 1, "memory_poor": 0, "checkpoint": k}[strategy])
    z_L, _ = tape.get(net.L)
    O = losses.output_activation(net.output, z_L)
    loss = float(np.mean(losses.per_example_loss(net.loss_name, z_L, O, Y)))
    delta = losses.output_delta(net.loss_name, net.output, O, Y)  # delta_L = dl/dz_L   (N, n_L)
    tape.drop(net.L)
    parts = []
    for l in range(net.L, 0, -1):
        if l > 1:
            z_below, a_below = layer_below(net, X, l, strategy, k, tape)
        else:
            a_below = X
        parts.append(((delta.T @ a_below).ravel() / N, delta.sum(axis=0) / N))  # dW_l, db_l
        if l > 1:
            # delta_{l-1} = (delta_l W_l) * s'(z_{l-1}), MLP's own step
            delta = net.delta_below(l, delta, z_below, a_below)
            tape.drop(l - 1)  # backpropagation never needs layer l-1 again
    grad = np.concatenate([piece for pair in reversed(parts) for piece in pair])
    return loss, grad, tape


def formulas(L, k):
    """The lecture's counts: (layers held, layer evaluations) per strategy."""
    return {
        "vanilla": (L, L),
        "memory_poor": (1, L + L * (L - 1) // 2),
        "checkpoint": (L // k + k, L + (L - 1) - (L - 1) // k),
    }


def measure(L, width, batch, k, repeats, seed):
    """The three strategies on one batch of `batch` random rows through an MLP of L tanh layers of `width`
    (checkpoints every k-th layer, None: round(sqrt L)): what each Tape counted (peak floats, also in layers'
    (z, a) pairs; layer evaluations), the median wall time of `repeats` calls, the lecture's `formulas`, and
    whether the three gradients are bit-identical."""
    rng = np.random.default_rng(seed)
    net = MLP([width] * (L + 1), activation="tanh", seed=seed)
    X, Y = rng.normal(size=(batch, width)), rng.normal(size=(batch, width))
    k = k or max(1, round(np.sqrt(L)))
    layer_floats = 2 * batch * width  # one layer's z and a
    rows, grads = {}, {}
    for strategy in STRATEGIES:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            _, grads[strategy], tape = backprop(net, X, Y, strategy, k)
            times.append(time.perf_counter() - start)
        rows[strategy] = {
            "peak_floats": tape.peak_floats,
            "peak_layers": tape.peak_floats / layer_floats,
            "evaluations": tape.evaluations,
            "seconds": float(np.median(times)),
        }
    identical = all(np.array_equal(grads["vanilla"], grads[s]) for s in STRATEGIES)
    return {"L": L, "k": k, "rows": rows, "formulas": formulas(L, k), "bit_identical": identical}
