"""What every minnet network shares: one flat parameter vector, input checks,
and the assembly of gradients from the error signals of backpropagation.

A network computes, for a batch X (N, n_in), a forward pass that ends in the
output pre-activation Z (N, k). Backpropagation then yields, for each block of
parameters (a weight matrix, with or without its bias vector), the pair

    A      (N, m)   the input the block multiplies, one row per example
    delta  (N, n)   dl_n/dz_n, the error at the block's output, per example

The gradient of example n's own loss term with respect to the block is the
outer product delta_n A_n^T (n, m), plus delta_n for the bias. The batch
gradient is the mean over n:

    dW = (1/N) delta^T A        db = (1/N) sum_n delta_n

Every concrete network (TwoLayerNet, MLP) writes its whole forward pass
(`forward_pass`), its backward pass (`backprop`, which returns the (A, delta)
pairs) and its gradient in the document's symbols (`loss_and_grad`). What
follows from those pairs alone, the per-example gradients and their
statistics (minnet.per_example), lives here and there once.
"""

import json
from typing import NamedTuple

import numpy as np

from minnet import activations, losses
from minnet.arithmetic import mean_in_order
from minnet.tools.atomic import save_npz


class Block(NamedTuple):
    """One parameter block's backpropagated quantities: its input A (N, m) and error delta (N, n),
    whether a bias follows W, and the block's gradient of the mean loss, flattened as in `params`."""

    A: np.ndarray
    delta: np.ndarray
    bias: bool
    grad: np.ndarray


def check_finite_2d(name, M, n_cols):
    """Return M as a float64 (N, n_cols) array with N >= 1, or raise a ValueError (TypeError for a
    non-numeric array: complex, strings, dates, objects) naming the problem."""
    M = np.asarray(M)
    if M.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {M.dtype}")
    M = M.astype(np.float64, copy=False)
    if M.ndim != 2 or M.shape[1] != n_cols:
        raise ValueError(f"{name} must have shape (N, {n_cols}), got {M.shape}")
    if M.shape[0] == 0:
        raise ValueError(f"{name} has no rows: shape {M.shape}; a loss is a mean over at least one example")
    with np.errstate(over="ignore"):  # finite entries near the float64 limit may sum to inf: then each entry is checked
        finite_sum = np.isfinite(np.sum(M))  # a finite sum proves every entry finite, in one vectorised pass
    if not finite_sum and not np.all(np.isfinite(M)):
        raise ValueError(f"{name} contains NaN or inf ({int(np.sum(~np.isfinite(M)))} entries)")
    return M


def checked_sizes(sizes):
    """[n_0, ..., n_L] as ints: at least two positive whole widths, or a ValueError naming them."""
    if any(
        isinstance(n, bool) or not isinstance(n, (int, np.integer, float, np.floating)) or int(n) != n for n in sizes
    ):
        raise ValueError(f"sizes must be whole numbers, got {list(sizes)}")
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least 2 positive widths, got {sizes}")
    return sizes


def checked_hidden_activations(activation, L):
    """The L - 1 hidden activations: one name for all hidden layers, or one per hidden layer."""
    hidden = [activation] * (L - 1) if isinstance(activation, str) else list(activation)
    if len(hidden) != L - 1:
        raise ValueError(f"{L - 1} hidden layers need {L - 1} activations, got {len(hidden)}: {hidden}")
    for name in hidden:
        activations.check_activation(name)
    return hidden


def checked_init(init, init_std, inits):
    """An initialisation's name among `inits` and a finite, non-negative init_std, or a ValueError."""
    if init not in inits:
        raise ValueError(f"unknown init {init!r}; expected one of {inits}")
    if not (np.isfinite(init_std) and init_std >= 0):
        raise ValueError(f"init_std must be finite and >= 0, got {init_std!r}")


def checked_two_layer(h, n_in, n_out, loss, init_scale):
    """TwoLayerNet's arguments: h >= 2 counting the bias unit, positive sizes, a linear output's loss."""
    if int(h) != h or h < 2:
        raise ValueError(f"h counts the hidden bias unit and must be an integer >= 2, got {h!r}")
    for name, value in (("n_in", n_in), ("n_out", n_out)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if loss not in ("half_mse", "mse"):
        losses.check_loss(loss, "identity")
        raise ValueError(f"TwoLayerNet has a linear output: loss must be 'half_mse' or 'mse', got {loss!r}")
    if not np.isfinite(init_scale):
        raise ValueError(f"init_scale must be finite, got {init_scale!r}")


class Network:
    """Base class: subclasses set n_in, n_out, loss_name, output, _params and write forward_pass
    and backprop; loss_and_grad is the same for all."""

    n_in: int
    n_out: int
    loss_name: str
    output: str
    _params: np.ndarray

    # ----- the parameter vector -------------------------------------------------
    @property
    def params(self):
        """All parameters as one contiguous float64 vector; the named matrices are views into it."""
        return self._params

    @params.setter
    def params(self, values):
        values = np.asarray(values, dtype=np.float64)
        if values.shape != self._params.shape:
            raise ValueError(f"params must have shape {self._params.shape}, got {values.shape}")
        self._params[:] = values  # copy in place so that every view stays valid

    @property
    def n_params(self):
        return self._params.size

    def layer_index(self):
        """[(W_index (n_l, n_{l-1}), b_index (n_l,), activation)] for l = 1..L, as dense layers.

        The index arrays say where each W_l[r, c] and b_l[r] sit in `params`, so that any
        parameter vector p gives W_l = p[W_index] and b_l = p[b_index]. The last layer's
        activation is "identity"; the output activation (`output`) follows it.
        """
        raise NotImplementedError

    def save(self, path):
        """Write the architecture (JSON) and the parameters to one .npz file, atomically; `minnet.load` reads it."""
        save_npz(
            path,
            {"kind": np.array(type(self).__name__), "config": np.array(json.dumps(self.config)), "params": self.params},
        )

    def copy(self):
        """An independent network of the same architecture holding the same parameter values."""
        twin = type(self)(**self.config)
        twin.params = self.params
        return twin

    # ----- checks -----------------------------------------------------------------
    def check_X(self, X):
        return check_finite_2d("X", X, self.n_in)

    def check_XY(self, X, Y):
        """(X, Y) checked and as float64 arrays; see check_X and check_Y."""
        X = self.check_X(X)
        return X, self.check_Y(Y, X.shape[0])

    def check_Y(self, Y, N):
        """Targets as (N, n_out) float64; integer class labels (N,) become one-hot rows."""
        Y = np.asarray(Y)
        if self.loss_name == "cross_entropy" and Y.ndim == 1:
            Y = losses.one_hot(Y, self.n_out)
        Y = check_finite_2d("Y", Y, self.n_out)
        if Y.shape[0] != N:
            raise ValueError(f"X has {N} rows but Y has {Y.shape[0]}")
        return Y

    # ----- forward, loss, gradient -----------------------------------------------
    def forward(self, X):
        """Network outputs for the rows of X: (N, n_in) -> (N, n_out)."""
        _, Z = self.forward_pass(self.check_X(X))
        return losses.output_activation(self.output, Z)

    def outputs_and_losses(self, X, Y):
        """The outputs (N, n_out) and l_n for every example (N,), from one forward pass."""
        X, Y = self.check_XY(X, Y)
        _, Z = self.forward_pass(X)
        O = losses.output_activation(self.output, Z)
        return O, losses.per_example_loss(self.loss_name, Z, O, Y)

    def per_example_loss(self, X, Y):
        """l_n for every example: (N,)."""
        return self.outputs_and_losses(X, Y)[1]

    def loss(self, X, Y):
        """L = (1/N) sum_n l_n, a float."""
        return float(mean_in_order(self.per_example_loss(X, Y)))  # summed in order: the same bits on every CPU

    def per_example_grads(self, X, Y):
        """(N, P): row n is the gradient of example n's own loss term l_n, delta_n A_n^T per block."""
        _, _, blocks = self.backprop(X, Y)
        parts = []
        for block in blocks:
            outer = np.einsum("ni,nj->nij", block.delta, block.A)  # delta_n A_n^T  (N, n, m)
            parts.append(outer.reshape(outer.shape[0], -1))
            if block.bias:
                parts.append(block.delta)
        return np.concatenate(parts, axis=1)

    def forward_pass(self, X):
        """(what backprop needs, output pre-activation Z (N, n_out)) for a checked X."""
        raise NotImplementedError

    def backprop(self, X, Y):
        """Forward and backward pass: (l_n (N,), outputs (N, k), [Block per parameter block in params order])."""
        raise NotImplementedError

    def loss_and_grad(self, X, Y):
        """(L, dL/dparams): the mean loss and its gradient, the blocks' gradients laid out like `params`."""
        per_example, _, blocks = self.backprop(X, Y)
        return float(mean_in_order(per_example)), np.concatenate([block.grad for block in blocks])
