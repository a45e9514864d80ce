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

With ``normalise="batch"`` or ``"layer"`` every hidden layer standardises its pre-activations
before the activation (minnet.normalisation: the equations of both passes):

    z_l = a_{l-1} W_l^T + b_l                           (no b_l with norm_bias=False)
    y_l = gamma_l * z_hat_l + beta_l,  z_hat_l = (z_l - mu_l) / sqrt(var_l + eps)
    a_l = s_l(y_l)

and backpropagation passes through it: delta_below gives dl/dy_{l-1}, the normalisation's backward
pass turns it into dl/dz_{l-1}. Under batch normalisation that error is the batch's, not one
example's (N dL/dz_{l-1}, so that dW_l = delta_l^T a_{l-1} / N still holds).
"""

import numpy as np

from minnet import activations, losses, normalisation
from minnet.checks import (
    check_in_range,
    check_loss,
    checked_hidden_activations,
    checked_init,
    checked_sizes,
)
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
    normalise : {None, "batch", "layer"}, default None
        Normalise every hidden layer's pre-activations before its activation (module docstring).
    affine : bool, default True
        With normalise: learn gamma_l (ones at first) and beta_l (zeros) after each normalisation.
    norm_bias : bool, default True
        With normalise: keep b_l in the normalised layers (the normalisation subtracts it again).
    norm_eps : float >= 0, default 1e-5
        With normalise: eps in sqrt(var + eps); 0 makes the loss exactly scale-invariant in each
        normalised layer's W_l (and b_l).

    Parameter layout: layer by layer, W_l, then b_l (unless dropped), then gamma_l and beta_l
    (normalised layers with affine parameters); without normalise exactly as before.
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
        normalise=None,
        affine=True,
        norm_bias=True,
        norm_eps=1e-5,
    ):
        sizes = checked_sizes(sizes)
        L = len(sizes) - 1
        hidden = checked_hidden_activations(activation, L)
        output = output or ("softmax" if loss == "cross_entropy" else "identity")
        check_loss(loss, output)
        checked_init(init, init_std, INITS)
        norm = checked_normalisation(normalise, affine, norm_bias, norm_eps, L)

        self.sizes, self.L, self.hidden_activations = sizes, L, hidden
        self.n_in, self.n_out, self.loss_name, self.output = sizes[0], sizes[-1], loss, output
        self.config = dict(sizes=sizes, activation=hidden, output=output, loss=loss, **norm)
        self.normalise, self.affine = normalise, bool(affine)
        self.norm_bias, self.norm_eps = bool(norm_bias), float(norm_eps)
        self.population = None  # {l: (mu_l, var_l)} once set_statistics("population", X)
        self._params = np.zeros(parameter_count(sizes, normalise, affine, norm_bias))
        # W[l], b[l] (None when dropped), gamma[l], beta[l] for l = 1..L: views into params;
        # offsets[l-1] where layer l starts in params
        self.W, self.b, self.gamma, self.beta, self.offsets = {}, {}, {}, {}, [0]
        views = {"W": self.W, "b": self.b, "gamma": self.gamma, "beta": self.beta}
        for l in range(1, L + 1):
            start = self.offsets[-1]
            for name, size in self.layout(l):
                views[name][l] = self._params[start : start + size]
                start += size
            self.W[l] = self.W[l].reshape(sizes[l], sizes[l - 1])  # view (n_l, n_{l-1})
            self.b.setdefault(l, None)
            self.offsets.append(start)
        self.weights = [(self.W[l], self.b[l]) for l in range(1, L + 1)]
        self._initialise(init, init_std, rng if rng is not None else np.random.default_rng(seed))

    def normalised(self, l):
        """Whether layer l normalises its pre-activations (every hidden layer, with normalise)."""
        return self.normalise is not None and l < self.L

    def layout(self, l):
        """[(name, size)] of layer l's parameters in params order."""
        return layer_layout(self.sizes, l, self.normalise, self.affine, self.norm_bias)

    def scale_invariant(self):
        """Indices into params of the weights the loss is scale-invariant in, with norm_eps = 0:
        every normalised layer's W_l and b_l (minnet.normalisation)."""
        index = np.arange(self.n_params)
        parts = []
        for l in range(1, self.L):
            if self.normalised(l):
                size = self.W[l].size + (self.b[l].size if self.b[l] is not None else 0)
                parts.append(index[self.offsets[l - 1] : self.offsets[l - 1] + size])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=int)

    def _initialise(self, init, init_std, rng):
        if init == "auto":
            init = "he" if set(self.hidden_activations) & {"relu", "silu"} else "glorot"
        for l in range(1, self.L + 1):
            n_out, n_in = self.W[l].shape
            if init == "normal":
                self.W[l][:] = rng.normal(0.0, init_std, size=(n_out, n_in))
                if self.b[l] is not None:
                    self.b[l][:] = rng.normal(0.0, init_std, size=n_out)
            elif init == "pytorch":
                bound = 1.0 / np.sqrt(n_in)  # nn.Linear: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
                self.W[l][:] = rng.uniform(-bound, bound, size=(n_out, n_in))
                if self.b[l] is not None:
                    self.b[l][:] = rng.uniform(-bound, bound, size=n_out)
            else:
                std = np.sqrt(2.0 / (n_in + n_out)) if init == "glorot" else np.sqrt(2.0 / n_in)
                self.W[l][:] = rng.normal(0.0, std, size=(n_out, n_in))
            if l in self.gamma:
                self.gamma[l][:] = 1.0  # y = z_hat at first

    def per_example_grads(self, X, Y):
        """(N, P): row n is the gradient of example n's own loss l_n. Layer normalisation keeps
        examples apart, so row n is the gradient on example n alone; batch normalisation refuses."""
        if self.normalise is None:
            return super().per_example_grads(X, Y)
        normalisation.refuse_batch_coupling(self, "per_example_grads")
        X, Y = self.check_XY(X, Y)
        return np.array([self.loss_and_grad(X[n : n + 1], Y[n : n + 1])[1] for n in range(len(X))])

    def activation_of(self, l):
        """s_l, the activation of layer l (1 <= l < L); the output layer's is `output`."""
        return self.hidden_activations[l - 1]

    def layer_index(self):
        if self.normalise is not None:
            raise ValueError(
                f"a {self.normalise}-normalised MLP is not a stack of dense layers: layer_index "
                "(the kernels, the landscape, the Hessian) does not describe it"
            )
        layers = []
        for l in range(1, self.L + 1):
            n_out, n_in = self.W[l].shape
            start = self.offsets[l - 1]
            W_index = np.arange(start, start + n_out * n_in).reshape(n_out, n_in)
            b_index = np.arange(start + n_out * n_in, self.offsets[l])
            layers.append((W_index, b_index, self.activation_of(l) if l < self.L else "identity"))
        return layers

    def forward_pass(self, X):
        """((z, a), z_L) for a checked X: z[l] = z_l, a[l] = a_l for l = 0..L (z[0] unused).

        In a normalised layer z[l] is the activation's input y_l (the normalised z_l)."""
        z, a, _ = self.layers_forward(X)
        return (z, a), z[self.L]

    def layers_forward(self, X):
        """(z, a, norm): the forward pass; norm[l] the Cache of layer l's normalisation or None."""
        z, a, norm = [None], [X], [None]  # a_0 = X
        for l in range(1, self.L + 1):
            z_l = self.dense(l, a[l - 1])  # z_l = a_{l-1} W_l^T + b_l   (N, n_l)
            norm.append(None)
            if self.normalised(l):
                z_l, norm[l] = self.normalisation_forward(l, z_l)  # y_l
            z.append(z_l)
            # a_l = s_l(z_l); a_L = z_L: the output activation belongs to the loss (minnet.losses)
            a.append(activations.activate(self.activation_of(l), z[l]) if l < self.L else z[l])
        return z, a, norm

    def dense(self, l, a_below):
        """z_l = a_{l-1} W_l^T + b_l (N, n_l): layer l's weights and bias applied to its input."""
        z_l = a_below @ self.W[l].T  # a_{l-1} W_l^T
        if self.b[l] is not None:
            z_l += self.b[l]  # + b_l, added in place
        return z_l

    def normalisation_forward(self, l, z_l):
        """(y_l, Cache): y_l = gamma_l * z_hat_l + beta_l (y_l = z_hat_l without affine)."""
        population = None if self.population is None else self.population[l]
        z_hat, cache = normalisation.forward(z_l, self.normalise, self.norm_eps, population)
        if not self.affine:
            return z_hat, cache
        return self.gamma[l] * z_hat + self.beta[l], cache  # y_l = gamma_l * z_hat_l + beta_l

    def backprop(self, X, Y):
        """The backward pass: (l_n (N,), outputs (N, n_L), [Block per layer l = 1..L]).

        Layer l's Block holds its input a_{l-1}, its error delta_l and its gradient dW_l, db_l
        (then dgamma_l, dbeta_l in a normalised layer with affine parameters)."""
        X, Y = self.check_XY(X, Y)
        z, a, norm = self.layers_forward(X)
        N = X.shape[0]
        O, log_O = losses.outputs_and_log(self.output, z[self.L])  # s_L(z_L), log p for softmax
        if log_O is None:  # an identity output (a subclass may write output_error(z_L, O, Y))
            per_example, delta = self.output_error(z[self.L], O, Y)  # l_n, delta_L = dl_n/dz_L
        else:  # a softmax: l_n reads log p, taken with p from one e^x
            per_example, delta = self.output_error(z[self.L], O, Y, log_O)
        blocks = [None] * (self.L + 1)
        affine_grad = np.zeros(0)
        for l in range(self.L, 0, -1):
            dW = delta.T @ a[l - 1] / N  # dW_l = delta_l^T a_{l-1} / N   (n_l, n_{l-1})
            db = delta.sum(axis=0) / N  # db_l = sum_n delta_l / N      (n_l,)
            bias = self.b[l] is not None
            parts = [dW.ravel(), db, affine_grad] if bias else [dW.ravel(), affine_grad]
            blocks[l] = Block(a[l - 1], delta, bias=bias, grad=np.concatenate(parts))
            if l > 1:
                delta = self.delta_below(l, delta, z[l - 1], a[l - 1])  # delta_{l-1}
                if self.normalised(l - 1):  # dl/dy_{l-1} -> dl/dz_{l-1}
                    delta, affine_grad = self.normalisation_backward(l - 1, delta, norm[l - 1])
        return per_example, O, blocks[1:]

    def output_error(self, z_L, O, Y, log_O=None):
        """(l_n (N,), delta_L (N, n_L)): each example's loss and its error dl_n/dz_L at the output,
        from z_L, the outputs O = s_L(z_L) (log O of a softmax, if known) and the targets Y
        (minnet.losses)."""
        per_example = losses.per_example_loss(self.loss_name, z_L, O, Y, log_O)  # l_n
        return per_example, losses.output_delta(self.loss_name, self.output, O, Y)  # delta_L

    def normalisation_backward(self, l, dy, cache):
        """(dl/dz_l (N, n_l), [dgamma_l, dbeta_l] / N) from dy = dl/dy_l (minnet.normalisation)."""
        if not self.affine:
            return normalisation.backward(dy, cache), np.zeros(0)
        N = dy.shape[0]
        dgamma = np.sum(dy * cache.z_hat, axis=0) / N  # dgamma_l = sum_n dy * z_hat / N
        dbeta = dy.sum(axis=0) / N  # dbeta_l = sum_n dy / N
        dz_hat = dy * self.gamma[l]  # dz_hat = dy * gamma_l
        return normalisation.backward(dz_hat, cache), np.concatenate([dgamma, dbeta])

    def set_statistics(self, kind, X=None):
        """Which mean and variance a batch-normalised network standardises with:

        "batch"        each batch's own (training mode; the default)
        "population"   the mean and variance of every unit over the rows of X, computed now at the
                       current weights with a batch-statistics pass over all of X (evaluation
                       mode: each example's output stops depending on its batch)

        The population statistics stay fixed until the next call: recompute them after training.
        Returns the output pre-activations z_L of that pass over X ("population"; None for "batch"):
        X's outputs under the statistics just set, which are X's own."""
        if self.normalise != "batch":
            raise ValueError(
                "set_statistics is for batch normalisation; this MLP has "
                f"normalise={self.normalise!r}"
            )
        if kind == "batch":
            self.population = None
        elif kind == "population":
            X = self.check_X(X)
            self.population = None
            z, _, norm = self.layers_forward(X)  # one batch-statistics pass over all of X
            self.population = {l: (norm[l].mu, norm[l].var) for l in range(1, self.L)}
            return z[self.L]
        else:
            raise ValueError(f"kind must be 'batch' or 'population', got {kind!r}")

    def delta_below(self, l, delta, z_below, a_below):
        """delta_{l-1} (N, n_{l-1}) from delta_l (N, n_l): one step of the backward recursion, which
        every NumPy backward pass of an MLP takes (backprop, minnet.studies.checkpoint)."""
        # exercise mlp_backward: one step of the backward recursion (the MLP)
        s_prime = activations.derivative(self.activation_of(l - 1), z_below, a_below)  # s'(z_{l-1})
        return (delta @ self.W[l]) * s_prime  # delta_{l-1} = (delta_l W_l) * s'   (N, n_{l-1})
        # end exercise


def checked_normalisation(normalise, affine, norm_bias, norm_eps, L):
    """The normalisation options as MLP's config keeps them ({} without normalise), or an error."""
    if normalise is None:
        if not (affine is True and norm_bias is True and norm_eps == 1e-5):
            raise ValueError(
                "affine, norm_bias and norm_eps apply with normalise='batch' or 'layer'"
            )
        return {}
    if normalise not in normalisation.KINDS:
        raise ValueError(f"normalise must be None, 'batch' or 'layer', got {normalise!r}")
    if L < 2:
        raise ValueError(f"normalise={normalise!r} normalises hidden layers; sizes has none")
    norm_eps = check_in_range("norm_eps", norm_eps, 0.0, np.inf)
    return dict(
        normalise=normalise, affine=bool(affine), norm_bias=bool(norm_bias), norm_eps=norm_eps
    )


def layer_layout(sizes, l, normalise=None, affine=True, norm_bias=True):
    """[(name, size)] of layer l's parameters in params order: W_l, then b_l (unless a normalised
    layer drops it), then gamma_l and beta_l (a normalised layer with affine parameters)."""
    n_in, n_out = sizes[l - 1], sizes[l]
    normalised = normalise is not None and l < len(sizes) - 1  # every hidden layer
    parts = [("W", n_out * n_in)]
    if not normalised or norm_bias:
        parts.append(("b", n_out))
    if normalised and affine:
        parts += [("gamma", n_out), ("beta", n_out)]
    return parts


def parameter_count(sizes, normalise=None, affine=True, norm_bias=True, **_):
    """How many parameters an MLP with these sizes and options (a config's keys) has, unbuilt."""
    return sum(size for l in range(1, len(sizes)) for _, size in layer_layout(sizes, l, normalise,
               affine, norm_bias))  # fmt: skip
