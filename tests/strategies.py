"""Hypothesis strategies shared by the gradient and Hessian tests."""

import numpy as np
from hypothesis import strategies as st

from minnet import MLP
from minnet.activations import ACTIVATIONS

KINK_MARGIN = 1e-2  # keep relu pre-activations this far from 0, so finite differences do not straddle the kink


@st.composite
def mlp_cases(draw):
    """A random MLP (0-3 hidden layers, widths 1-6, 1-4 inputs and outputs), batch and targets."""
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=3))
    activation = draw(st.sampled_from(ACTIVATIONS))
    loss = draw(st.sampled_from(["mse", "half_mse", "cross_entropy"]))
    output = "softmax" if loss == "cross_entropy" else draw(st.sampled_from(["identity", "softmax"]))
    if output == "softmax":
        n_out = max(n_out, 2)
    seed = draw(st.integers(0, 2**32 - 1))
    batch = draw(st.integers(1, 8))
    rng = np.random.default_rng(seed)
    net = MLP([n_in, *hidden, n_out], activation=activation, output=output, loss=loss, seed=seed)
    X = rng.normal(size=(batch, n_in))
    Y = rng.integers(0, n_out, batch) if loss == "cross_entropy" else rng.normal(size=(batch, n_out))
    return net, X, Y


def off_relu_kinks(net, X):
    if not isinstance(net, MLP) or "relu" not in net.hidden_activations:
        return True
    (zs, _), _ = net.forward_pass(X)
    return all(np.min(np.abs(zs[l])) > KINK_MARGIN for l in range(1, net.L) if net.activation_of(l) == "relu")
