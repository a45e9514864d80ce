"""The general L-layer multilayer perceptron of document 004:

    NN(w, x) = s_L(W_L s_{L-1}( ... s_1(W_1 x + b_1) ... ) + b_L)

Layer l (1 <= l <= L) maps n_{l-1} inputs to n_l outputs. With rows as examples:

    a_0 = X                                             (N, n_0)
    z_l = a_{l-1} W_l^T + b_l                           (N, n_l)
    a_l = s_l(z_l)                                      s_L is the output activation

Backpropagation, with delta_l = dl_n/dz_l per example:

    delta_L     = dl/dz_L                               from the loss (minnet.losses)
    dW_l        = delta_l^T a_{l-1} / N,  db_l = sum_n delta_l / N
    delta_{l-1} = (delta_l W_l) * s'_{l-1}(z_{l-1})

The code's layer index is the math's: ``net.W[1]`` is W_1, ``net.W[L]`` is W_L.
"""

import numpy as np

from minnet import activations, losses
from minnet.checks import check_loss, checked_hidden_activations, checked_init, checked_sizes
from minnet.network import Block, Network  # Block: a layer's input, error and gradient

INITS = ("auto", "glorot", "he", "normal", "pytorch")


class MLP(Network):
    """A multilayer perceptron with any number of hidden layers (zero included).

    Parameters
    ----------
    sizes : sequence of int
        [n_0, n_1, ..., n_L]: inputs, hidden widths, outputs. Two entries mean no hidden layer.
    activation : str or sequence of str, default "tanh"
        Hidden activation(s): relu, sigmoid, tanh, silu, identity; one name for all
        hidden layers or one per hidden layer.
    output : {"identity", "softmax"}, optional
        Output activation; default softmax for cross_entropy, identity otherwise.
    loss : {"mse", "half_mse", "cross_entropy"}, default "mse"
    init : {"auto", "glorot", "he", "normal", "pytorch"}, default "auto"
        glorot: W ~ N(0, 2 / (n_in + n_out)); he: W ~ N(0, 2 / n_in); both with zero biases.
        normal: every weight and bias ~ N(0, init_std^2) (document 000's style).
        pytorch: every W_l and b_l entry ~ U(-1/sqrt(n_{l-1}), 1/sqrt(n_{l-1})), the default of
        PyTorch's nn.Linear, which documents 001 and 003 used (layer by layer, W_l before b_l).
        auto: he for relu and silu networks, glorot otherwise.
    init_std : float, default 0.01
        Standard deviation for init="normal".
    seed, rng : optional
        Source of the initial weights (``np.random.default_rng(seed)`` unless rng is given).
    """

    def __init__(
        self,
        sizes,
        activation="tanh",
        output=None,
        loss="mse",
        init="auto",
        init_std=0.01,
        seed=None,
        rng=None,
    ):
        sizes = checked_sizes(sizes)
        L = len(sizes) - 1
        hidden = checked_hidden_activations(activation, L)
        output = output or ("softmax" if loss == "cross_entropy" else "identity")
        check_loss(loss, output)
        checked_init(init, init_std, INITS)

        self.sizes, self.L, self.hidden_activations = sizes, L, hidden
        self.n_in, self.n_out, self.loss_name, self.output = sizes[0], sizes[-1], loss, output
        self.config = dict(sizes=sizes, activation=hidden, output=output, loss=loss)
        n_params = sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
        self._params = np.zeros(n_params)
        # W[l], b[l] for l = 1..L; offsets[l-1] where layer l starts in params
        self.W, self.b, self.offsets = {}, {}, [0]
        for l in range(1, L + 1):
            start, n_in, n_out = self.offsets[-1], sizes[l - 1], sizes[l]
            end_W, end_b = start + n_out * n_in, start + n_out * (n_in + 1)
            self.W[l] = self._params[start:end_W].reshape(n_out, n_in)  # view (n_l, n_{l-1})
            self.b[l] = self._params[end_W:end_b]  # view (n_l,)
            self.offsets.append(end_b)
        self.weights = [(self.W[l], self.b[l]) for l in range(1, L + 1)]
        self._initialise(init, init_std, rng if rng is not None else np.random.default_rng(seed))

    def _initialise(self, init, init_std, rng):
        if init == "auto":
            init = "he" if set(self.hidden_activations) & {"relu", "silu"} else "glorot"
        for l in range(1, self.L + 1):
            n_out, n_in = self.W[l].shape
            if init == "normal":
                self.W[l][:] = rng.normal(0.0, init_std, size=(n_out, n_in))
                self.b[l][:] = rng.normal(0.0, init_std, size=n_out)
            elif init == "pytorch":
                bound = 1.0 / np.sqrt(n_in)  # nn.Linear: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
                self.W[l][:] = rng.uniform(-bound, bound, size=(n_out, n_in))
                self.b[l][:] = rng.uniform(-bound, bound, size=n_out)
            else:
                std = np.sqrt(2.0 / (n_in + n_out)) if init == "glorot" else np.sqrt(2.0 / n_in)
                self.W[l][:] = rng.normal(0.0, std, size=(n_out, n_in))

    def activation_of(self, l):
        """s_l, the activation of layer l (1 <= l < L); the output layer's is `output`."""
        return self.hidden_activations[l - 1]

    def layer_index(self):
        layers = []
        for l in range(1, self.L + 1):
            n_out, n_in = self.W[l].shape
            start = self.offsets[l - 1]
            W_index = np.arange(start, start + n_out * n_in).reshape(n_out, n_in)
            b_index = np.arange(start + n_out * n_in, self.offsets[l])
            layers.append((W_index, b_index, self.activation_of(l) if l < self.L else "identity"))
        return layers

    def forward_pass(self, X):
        """((z, a), z_L) for a checked X: z[l] = z_l, a[l] = a_l for l = 0..L (z[0] unused)."""
        z, a = [None], [X]  # a_0 = X
        for l in range(1, self.L + 1):
            z.append(a[l - 1] @ self.W[l].T + self.b[l])  # z_l = a_{l-1} W_l^T + b_l   (N, n_l)
            # a_l = s_l(z_l); a_L = z_L: the output activation belongs to the loss (minnet.losses)
            a.append(activations.activate(self.activation_of(l), z[l]) if l < self.L else z[l])
        return (z, a), z[self.L]

    def backprop(self, X, Y):
        """The backward pass: (l_n (N,), outputs (N, n_L), [Block per layer l = 1..L]).

        Layer l's Block holds its input a_{l-1}, its error delta_l and its gradient dW_l, db_l."""
        X, Y = self.check_XY(X, Y)
        (z, a), z_L = self.forward_pass(X)
        N = X.shape[0]
        O = losses.output_activation(self.output, z_L)  # s_L(z_L)
        per_example = losses.per_example_loss(self.loss_name, z_L, O, Y)  # l_n   (N,)
        delta = losses.output_delta(self.loss_name, self.output, O, Y)  # delta_L = dl_n/dz_L
        blocks = [None] * (self.L + 1)
        for l in range(self.L, 0, -1):
            dW = delta.T @ a[l - 1] / N  # dW_l = delta_l^T a_{l-1} / N   (n_l, n_{l-1})
            db = delta.sum(axis=0) / N  # db_l = sum_n delta_l / N      (n_l,)
            blocks[l] = Block(a[l - 1], delta, bias=True, grad=np.concatenate([dW.ravel(), db]))
            if l > 1:
                delta = self.delta_below(l, delta, z[l - 1], a[l - 1])  # delta_{l-1}
        return per_example, O, blocks[1:]

    def delta_below(self, l, delta, z_below, a_below):
        """delta_{l-1} (N, n_{l-1}) from delta_l (N, n_l): one step of the backward recursion, which
        every NumPy backward pass of an MLP takes (backprop, minnet.studies.checkpoint)."""
        # exercise mlp_backward: one step of the backward recursion (the MLP)
        s_prime = activations.derivative(self.activation_of(l - 1), z_below, a_below)  # s'(z_{l-1})
        return (delta @ self.W[l]) * s_prime  # delta_{l-1} = (delta_l W_l) * s'   (N, n_{l-1})
        # end exercise
