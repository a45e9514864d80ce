"""Per-example gradient statistics: the kernel, its NumPy twin, and the materialised gradients agree."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernels import per_example as kernel
from minnet import MLP, TwoLayerNet
from minnet.activations import ACTIVATIONS
from minnet.per_example import Evaluation, gradient_stats, layer_grads
from minnet.tools.backend import dense_net


@st.composite
def cases(draw):
    activation = draw(st.sampled_from(ACTIVATIONS))
    loss = draw(st.sampled_from(["mse", "half_mse", "cross_entropy"]))
    output = "softmax" if loss == "cross_entropy" else draw(st.sampled_from(["identity", "softmax"]))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    n_in, n_out = draw(st.integers(1, 5)), draw(st.integers(2, 4))
    if draw(st.booleans()):
        hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
        net = MLP([n_in, *hidden, n_out], activation=activation, output=output, loss=loss, seed=seed)
    else:
        net = TwoLayerNet(
            h=draw(st.integers(2, 5)), n_in=n_in, n_out=n_out, activation=activation, seed=seed, init_scale=50
        )
    N = draw(st.integers(1, 300))  # more than one kernel block of 256 at times
    X = rng.normal(size=(N, n_in))
    Y = rng.integers(0, n_out, N) if net.loss_name == "cross_entropy" else rng.normal(size=(N, n_out))
    return net, X, Y


@given(cases())
def test_kernel_equals_numpy_twin(case):
    net, X, Y = case
    fast, plain = gradient_stats(net, X, Y, backend="numba"), gradient_stats(net, X, Y, backend="numpy")
    assert fast.keys() == plain.keys()
    np.testing.assert_allclose(fast["loss"], plain["loss"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast["norm"], plain["norm"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast["cos"], plain["cos"], rtol=1e-10, atol=1e-10)
    if "correct" in plain:  # the argmax agrees wherever the top two outputs differ by more than the sums' rounding
        outputs = np.sort(net.forward(X), axis=1)
        clear = outputs[:, -1] - outputs[:, -2] > 1e-12 * np.abs(outputs[:, -1]) + 1e-14
        np.testing.assert_array_equal(fast["correct"][clear], plain["correct"][clear])


@given(cases())
def test_statistics_equal_those_of_materialised_gradients(case):
    net, X, Y = case
    stats = gradient_stats(net, X, Y, backend="numba")
    G_all = net.per_example_grads(X, Y)  # (N, P)
    G_mean = G_all.mean(axis=0)
    np.testing.assert_allclose(stats["loss"], net.per_example_loss(X, Y), rtol=1e-12, atol=1e-14)
    columns = [np.concatenate([W.ravel(), b]) for W, b, _ in net.layer_index()] + [np.arange(net.n_params)]
    for col, idx in enumerate(columns):
        g, G = G_all[:, idx], G_mean[idx]
        norms = np.linalg.norm(g, axis=1)
        np.testing.assert_allclose(stats["norm"][:, col], norms, rtol=1e-10, atol=1e-14)
        ok = (norms > 1e-12) & (np.linalg.norm(G) > 1e-12)
        expected = g[ok] @ G / (norms[ok] * np.linalg.norm(G))
        np.testing.assert_allclose(stats["cos"][ok, col], expected, rtol=1e-9, atol=1e-9)


def test_correctness_of_a_classifier(rng):
    net = MLP([2, 3], loss="cross_entropy", seed=0)
    net.W[1][:] = [[1, 0], [0, 1], [0, 0]]
    X = np.array([[5.0, 0.0], [0.0, 5.0], [-5.0, -5.0]])
    stats = gradient_stats(net, X, [0, 0, 2])
    np.testing.assert_array_equal(stats["correct"], [True, False, True])
    assert "correct" not in gradient_stats(MLP([2, 1], seed=0), X, np.zeros((3, 1)))


def test_layer_grads_materialise_one_layer(rng):
    net = MLP([3, 4, 2], activation="tanh", seed=0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    second = layer_grads(net, X, Y, 2)
    assert second.shape == (6, 4 * 2 + 2)
    np.testing.assert_allclose(second, net.per_example_grads(X, Y)[:, 16:], rtol=1e-14)
    with pytest.raises(ValueError, match="got 3"):
        layer_grads(net, X, Y, 3)


@given(cases(), st.data())
def test_chosen_layers_are_the_same_columns(case, data):
    """gradient_stats(layers=[...]) gives exactly the full result's columns of those layers, on both backends."""
    net, X, Y = case
    L = len(net.layer_index())
    layers = data.draw(st.lists(st.integers(1, L), min_size=1, max_size=L, unique=True))
    for backend in ("numpy", "numba"):
        full, chosen = (
            gradient_stats(net, X, Y, backend=backend),
            gradient_stats(net, X, Y, backend=backend, layers=layers),
        )
        columns = [layer - 1 for layer in layers]
        np.testing.assert_array_equal(chosen["norm"], full["norm"][:, columns])
        np.testing.assert_array_equal(chosen["cos"], full["cos"][:, columns])
        np.testing.assert_array_equal(chosen["loss"], full["loss"])


def test_a_layer_outside_the_network_is_named(rng):
    net = MLP([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match=r"layers must be layer numbers in \[1, 2\], got 3"):
        gradient_stats(net, rng.normal(size=(5, 3)), rng.normal(size=(5, 2)), layers=[3])


def test_saturated_tanh_units_agree_to_1e_12():
    """Units far in tanh's tails: s'(z) = 1 / cosh^2 z agrees across backends where 1 - a^2 would not (1e-7 before)."""
    rng = np.random.default_rng(0)
    net = MLP([3, 6, 6, 2], activation="tanh", seed=1)
    net.params = net.params * 12  # pre-activations of tens: tanh within ulps of +-1
    X, Y = rng.normal(size=(200, 3)), rng.normal(size=(200, 2))
    fast, plain = gradient_stats(net, X, Y, backend="numba"), gradient_stats(net, X, Y, backend="numpy")
    np.testing.assert_allclose(fast["norm"], plain["norm"], rtol=1e-12, atol=1e-300)


@given(cases(), st.data())
def test_an_evaluation_prepared_once_gives_gradient_stats_bits_after_every_step(case, data):
    """Evaluation (minnet.per_example) keeps the kernel's layout, the targets and the labels from its first call:
    after the parameters change, it still gives gradient_stats' arrays bit for bit, on both backends."""
    net, X, Y = case
    L = len(net.layer_index())
    layers = data.draw(st.one_of(st.none(), st.lists(st.integers(1, L), min_size=1, max_size=L, unique=True)))
    X_checked = net.check_X(X)
    Y_checked = net.check_Y(Y, X_checked.shape[0])
    for backend in ("numpy", "numba"):
        evaluation = Evaluation(net, X_checked, Y_checked, layers, backend, None)
        for step in range(2):
            fresh = gradient_stats(net, X, Y, backend=backend, layers=layers)
            again = evaluation(net)
            assert fresh.keys() == again.keys()
            for key in fresh:
                np.testing.assert_array_equal(again[key], fresh[key])
            net.params = net.params * 0.5 + 0.1  # a step: new weights, the same layers


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 6), st.integers(1, 70))
def test_a_hidden_layers_gradient_sums_add_the_examples_in_order(seed, n_in, n_out, nb):
    """kernels.per_example.gradient_sums adds delta_n a_n^T example after example into G_W (one rounding per
    product and per sum, the loop over G_W's row vectorised): the bits of the loop over n in NumPy."""
    rng = np.random.default_rng(seed)
    net = dense_net(MLP([3, n_in, n_out], seed=0))
    D, A = rng.normal(size=(n_out, nb)), rng.normal(size=(n_in, nb)) * 10.0 ** rng.integers(-5, 5, (n_in, nb))
    w_low, b_low = net.w_start[1], net.b_start[1]  # the parts hold layer 2's parameters alone
    GW, Gb = np.zeros(n_out * n_in), np.zeros(n_out)
    kernel.gradient_sums(1, D, A, np.zeros((nb, 3)), 0, net, GW, Gb, w_low, b_low)
    expected_W, expected_b = np.zeros((n_out, n_in)), np.zeros(n_out)
    for n in range(nb):
        expected_W += np.outer(D[:, n], A[:, n])  # G_W += delta_n a_n^T
        expected_b += D[:, n]
    np.testing.assert_array_equal(GW, expected_W.ravel())
    np.testing.assert_array_equal(Gb, expected_b)
