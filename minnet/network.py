"""What every minnet network shares: the assembly of gradients from the error signals of
backpropagation, one flat parameter vector, and the input checks (minnet.checks).

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

import contextlib
import json
from typing import NamedTuple

import numpy as np

from minnet import losses
from minnet.arithmetic import mean_in_order
from minnet.checks import check_finite_2d, checked_targets
from minnet.tools.atomic import save_npz


class Block(NamedTuple):
    """What `backprop` returns per block of parameters (a weight matrix, with its bias or not):

        A      (N, m)   the input the block multiplies, one row per example
        delta  (N, n)   dl_n/dz_n, the error at the block's output, per example
        bias   bool     whether a bias vector b follows W in `params`
        grad   (P_block,)  the block's gradient of the mean loss, dW (then db), laid out as `params`

    delta_n A_n^T is example n's own gradient of W (`per_example_grads`, minnet.per_example)."""

    A: np.ndarray
    delta: np.ndarray
    bias: bool
    grad: np.ndarray


class Network:
    """Base class: subclasses set n_in, n_out, loss_name, output, _params and write forward_pass
    and backprop; loss_and_grad is the same for all."""

    n_in: int
    n_out: int
    loss_name: str
    output: str
    _params: np.ndarray

    # ----- forward, loss, gradient -----------------------------------------------
    def forward_pass(self, X):
        """(what backprop needs, output pre-activation Z (N, n_out)) for a checked X."""
        raise NotImplementedError

    def backprop(self, X, Y):
        """Forward and backward pass: (l_n (N,), outputs (N, k), [Block, in params order])."""
        raise NotImplementedError

    def forward(self, X):
        """Network outputs for the rows of X: (N, n_in) -> (N, n_out)."""
        _, Z = self.forward_pass(self.check_X(X))
        return losses.output_activation(self.output, Z)

    def outputs_and_losses(self, X, Y):
        """The outputs (N, n_out) and l_n for every example (N,), from one forward pass."""
        X, Y = self.check_XY(X, Y)
        _, Z = self.forward_pass(X)
        return self.outputs_and_losses_at(Z, Y)

    def outputs_and_losses_at(self, Z, Y):
        """The outputs and l_n from the output pre-activations Z (N, n_out) of a forward pass and
        checked targets Y."""
        O, log_O = losses.outputs_and_log(self.output, Z)  # s_out(Z), and log p for a softmax
        return O, losses.per_example_loss(self.loss_name, Z, O, Y, log_O)

    def per_example_loss(self, X, Y):
        """l_n for every example: (N,)."""
        return self.outputs_and_losses(X, Y)[1]

    def loss(self, X, Y):
        """L = (1/N) sum_n l_n, a float."""
        return float(mean_in_order(self.per_example_loss(X, Y)))  # the same bits on every CPU

    def loss_and_grad(self, X, Y):
        """(L, dL/dparams): the mean loss and its gradient, laid out as `params`."""
        per_example, _, blocks = self.backprop(X, Y)
        return float(mean_in_order(per_example)), np.concatenate([block.grad for block in blocks])

    def per_example_grads(self, X, Y):
        """(N, P): row n is the gradient of example n's own loss l_n, delta_n A_n^T per block."""
        _, _, blocks = self.backprop(X, Y)
        parts = []
        for block in blocks:
            outer = np.einsum("ni,nj->nij", block.delta, block.A)  # delta_n A_n^T  (N, n, m)
            parts.append(outer.reshape(outer.shape[0], -1))
            if block.bias:
                parts.append(block.delta)
        return np.concatenate(parts, axis=1)

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
        """Write the architecture (JSON) and the parameters to one .npz file, atomically.

        `minnet.load` reads it."""
        save_npz(
            path,
            {
                "kind": np.array(type(self).__name__),
                "config": np.array(json.dumps(self.config)),
                "params": self.params,
            },
        )

    def copy(self):
        """An independent network of the same architecture holding the same parameter values."""
        twin = type(self)(**self.config)
        twin.params = self.params
        return twin

    # ----- input checks (minnet.checks) -------------------------------------------
    def check_X(self, X):
        """X as a float64 (N, n_in) array of finite numbers, or an error naming what is wrong."""
        return check_finite_2d("X", X, self.n_in)

    inputs_trusted = False  # True inside `inputs_checked` only

    @contextlib.contextmanager
    def inputs_checked(self):
        """Within, check_XY hands X and Y back as given: for fit, which checks its data once and
        then passes rows of it at every step (its recorders run outside, checked as ever)."""
        self.inputs_trusted = True
        try:
            yield self
        finally:
            self.inputs_trusted = False

    def check_XY(self, X, Y):
        """(X, Y) checked and as float64 arrays; see check_X and check_Y."""
        if self.inputs_trusted:
            return X, Y  # fit's rows of its checked X and Y (`inputs_checked`)
        X = self.check_X(X)
        return X, self.check_Y(Y, X.shape[0])

    def check_Y(self, Y, N):
        """Targets as (N, n_out) float64; integer class labels (N,) become one-hot rows."""
        return checked_targets(Y, N, self.n_out, self.loss_name)
