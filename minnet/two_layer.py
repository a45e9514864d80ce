"""Document 000's network: one hidden layer, weight matrices U and V, bias units last.

For one example x (n_in,), written as in the document:

    X = [x, 1]                 input with the bias unit last          (n_in + 1,)
    H = [sigma(U X), 1]        hidden layer, bias unit last           (h,)   U: (h-1, n_in+1)
    O = V H                    linear output                          (k,)   V: (k, h)
    l = (1/2) |O - y|^2        the document's error for one example

so `h` counts the hidden bias unit, as the document does. With e = O - y,

    dl/dV   = e H^T                                 (k, h)
    dl/dU_i = (e . V_i) H_i (1 - H_i) X^T           row i of U, for a sigmoid hidden layer

(V_i is column i of V). For a batch the rows of X, H, O are examples and the
error is the mean of l over the N examples, so with rows as examples
(`backprop` below, line by line):

    e     = O - Y                                   (N, k)     (2 (O - Y) / k for loss="mse")
    dV    = (1/N) sum_n e_n H_n^T  = e^T H / N      (k, h)
    delta = (e V) * sigma'(U X)                     (N, h-1)   V without its bias column
    dU    = (1/N) sum_n delta_n X_n^T = delta^T X / N   (h-1, n_in+1)

Every sum runs in a fixed order (minnet.arithmetic): over examples n = 0, 1, 2, ... as the
document's own loop adds them, and over the inner index of each product, without BLAS. Document
000's run is chaotic after ~700 iterations, so a BLAS product, whose order of additions depends on
the CPU, would move its storm from one machine to the next (734 here, 727 there); in this order
the run is the same bits on every machine, and kernels/two_layer.py computes the same bits compiled.
"""

import numpy as np

from minnet import activations, losses
from minnet.arithmetic import matmul_in_order, sum_in_order
from minnet.checks import checked_two_layer
from minnet.network import Block, Network  # Block: a layer's input, error and gradient

# The document's generator seed for its initial weights (its `get_initial_weights`).
DOC000_WEIGHT_SEED = 36255793825986746149655859236796938907
DOC000_WEIGHT_STD = 0.01


class TwoLayerNet(Network):
    """Document 000's one-hidden-layer network with explicit U and V.

    Parameters
    ----------
    h : int, default 3
        Number of hidden units *including* the bias unit (h >= 2), as in the document.
    n_in, n_out : int, default 1
        Input and output sizes.
    activation : str, default "sigmoid"
        Hidden activation: relu, sigmoid, tanh, silu or identity.
    loss : {"half_mse", "mse"}, default "half_mse"
        half_mse is the document's error, mean over examples of (1/2)|o - y|^2.
    seed, rng : optional
        Source of the initial weights. Neither given: the document's generator,
        ``np.random.default_rng(36255793825986746149655859236796938907)``, made anew,
        drawing U = normal(0, 0.01, (h-1, n_in+1)) first and then V = normal(0, 0.01, (n_out, h)).
    init_scale : float, default 1
        Multiplies the initial U and V (document 000, section 3.3: ``U *= 10; V *= 10``).
    """

    def __init__(
        self,
        h=3,
        n_in=1,
        n_out=1,
        activation="sigmoid",
        loss="half_mse",
        seed=None,
        rng=None,
        init_scale=1.0,
    ):
        checked_two_layer(h, n_in, n_out, loss, init_scale)
        self.h, self.n_in, self.n_out = int(h), int(n_in), int(n_out)
        self.activation = activations.check_activation(activation)
        self.loss_name, self.output = loss, "identity"
        self.config = dict(
            h=self.h, n_in=self.n_in, n_out=self.n_out, activation=activation, loss=loss
        )

        n_U = (self.h - 1) * (self.n_in + 1)
        self._params = np.zeros(n_U + self.n_out * self.h)
        self.U = self._params[:n_U].reshape(self.h - 1, self.n_in + 1)  # view (h-1, n_in+1)
        self.V = self._params[n_U:].reshape(self.n_out, self.h)  # view (n_out, h)

        if rng is None:
            rng = np.random.default_rng(DOC000_WEIGHT_SEED if seed is None else seed)
        self.U[:] = rng.normal(0.0, DOC000_WEIGHT_STD, size=self.U.shape) * init_scale  # U first
        self.V[:] = rng.normal(0.0, DOC000_WEIGHT_STD, size=self.V.shape) * init_scale

    def split(self, P):
        """U (..., h-1, n_in+1) and V (..., k, h) of parameter vectors P (..., n_params).

        P: one vector, or e.g. a run's snapshots."""
        P = np.asarray(P)
        lead = P.shape[:-1]
        U = P[..., : self.U.size].reshape(*lead, *self.U.shape)
        V = P[..., self.U.size :].reshape(*lead, *self.V.shape)
        return U, V

    def layer_index(self):
        U_index = np.arange(self.U.size).reshape(self.U.shape)  # U = [W_1 | b_1]
        V_index = self.U.size + np.arange(self.V.size).reshape(self.V.shape)  # V = [W_2 | b_2]
        return [
            (U_index[:, :-1], U_index[:, -1], self.activation),
            (V_index[:, :-1], V_index[:, -1], "identity"),
        ]

    def forward_pass(self, X):
        """((X, U X, H), O) for a checked batch X (N, n_in): the document's forward pass."""
        ones = np.ones((X.shape[0], 1))
        Xb = np.hstack([X, ones])  # X = [x, 1]                                      (N, n_in+1)
        Z = matmul_in_order(Xb, self.U.T)  # U X                                     (N, h-1)
        H = np.hstack([activations.activate(self.activation, Z), ones])  # [sigma(U X), 1]  (N, h)
        O = matmul_in_order(H, self.V.T)  # O = V H                                  (N, k)
        return (Xb, Z, H), O

    def backprop(self, X, Y):
        """(l_n (N,), O (N, k), [Block for U, Block for V]): document 000's backward pass.

        A Block (minnet.network) holds a layer's input A and its error delta, whose products
        delta_n A_n^T are the per-example gradients (minnet.per_example), and the layer's gradient
        of the mean error, dU or dV, flattened as in `params`."""
        X, Y = self.check_XY(X, Y)
        (Xb, Z, H), O = self.forward_pass(X)
        N = X.shape[0]
        per_example = losses.per_example_loss(self.loss_name, z=O, o=O, Y=Y)  # l_n (linear: z = O)
        e = losses.output_delta(self.loss_name, self.output, O, Y)  # e = dl_n/dO_n = O - Y   (N, k)
        # exercise two_layer_output: the output layer's gradient dV (document 000)
        dV = sum_in_order(e[:, :, None] * H[:, None, :]) / N  # dV = (1/N) sum_n e_n H_n^T  (k, h)
        # end exercise
        # exercise two_layer_hidden: the hidden delta and dU (document 000)
        sigma_prime = activations.derivative(self.activation, Z, H[:, :-1])  # sigma' = H (1 - H)
        delta = matmul_in_order(e, self.V[:, :-1]) * sigma_prime  # delta = (e V) * sigma'  (N, h-1)
        dU = sum_in_order(delta[:, :, None] * Xb[:, None, :]) / N  # dU = (1/N) sum_n delta_n X_n^T
        # end exercise
        U_block = Block(A=Xb, delta=delta, bias=False, grad=dU.ravel())  # U's input X, error delta
        V_block = Block(A=H, delta=e, bias=False, grad=dV.ravel())  # V's input H, its error e
        return per_example, O, [U_block, V_block]
