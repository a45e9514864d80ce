"""Loss landscapes: the Numba kernels against the NumPy reference, and the reference against net.loss."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minnet import MLP, TwoLayerNet
from minnet.activations import ACTIVATIONS
from minnet.landscape import (
    batched_losses,
    grid_plane,
    grid_two_params,
    line,
    random_direction,
)


@st.composite
def nets_and_data(draw):
    activation = draw(st.sampled_from(ACTIVATIONS))
    loss = draw(st.sampled_from(["mse", "half_mse", "cross_entropy"]))
    output = "softmax" if loss == "cross_entropy" else draw(st.sampled_from(["identity", "softmax"]))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        net = MLP([n_in, *hidden, n_out], activation=activation, output=output, loss=loss, seed=seed)
    else:
        net = TwoLayerNet(
            h=draw(st.integers(2, 4)),
            n_in=n_in,
            n_out=n_out,
            activation=activation,
            loss=draw(st.sampled_from(["half_mse", "mse"])),
            seed=seed,
            init_scale=80,
        )
    N = draw(st.integers(1, 12))
    X = rng.normal(size=(N, n_in))
    Y = rng.integers(0, n_out, N) if net.loss_name == "cross_entropy" else rng.normal(size=(N, n_out))
    i, j = rng.choice(net.n_params, size=2, replace=False)
    return net, X, Y, int(i), int(j), rng


@given(nets_and_data())
def test_grid_kernel_equals_numpy_twin(case):
    net, X, Y, i, j, rng = case
    a, b = np.sort(rng.normal(scale=3, size=5)), np.sort(rng.normal(scale=3, size=4))
    fast = grid_two_params(net, X, Y, i, j, a, b, backend="numba")
    plain = grid_two_params(net, X, Y, i, j, a, b, backend="numpy")
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-300)


@given(nets_and_data())
def test_plane_kernel_equals_numpy_twin(case):
    net, X, Y, _, _, rng = case
    d1, d2 = rng.normal(size=net.n_params), rng.normal(size=net.n_params)
    alphas, betas = np.linspace(-1, 1, 3), np.linspace(-2, 2, 4)
    fast = grid_plane(net, X, Y, net.params, d1, d2, alphas, betas, backend="numba")
    plain = grid_plane(net, X, Y, net.params, d1, d2, alphas, betas, backend="numpy")
    np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-300)


@given(nets_and_data())
def test_numpy_grid_is_net_loss_at_each_point(case):
    net, X, Y, i, j, rng = case
    a, b = rng.normal(size=2), rng.normal(size=3)
    grid = grid_two_params(net, X, Y, i, j, a, b, backend="numpy")
    probe = net.copy()
    for ia, ib in [(0, 0), (1, 2)]:
        probe.params = net.params
        probe.params[i], probe.params[j] = a[ia], b[ib]
        assert grid[ia, ib] == pytest.approx(probe.loss(X, Y), rel=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_grid_at_current_weights_is_net_loss(backend, rng):
    net = MLP([3, 3, 3, 3, 1], activation="tanh", seed=0)
    X, Y = rng.normal(size=(50, 3)), rng.normal(size=(50, 1))
    i, j = net.offsets[1] + 1, net.offsets[1] + 5  # two weights of W_2, document 002's choice
    grid = grid_two_params(net, X, Y, i, j, [net.params[i]], [net.params[j]], backend=backend)
    assert grid[0, 0] == pytest.approx(net.loss(X, Y), rel=1e-13)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_overflow_is_inf_not_nan_or_exception(backend, rng, recwarn):
    net = MLP([2, 3, 1], activation="identity", seed=0)
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    grid = grid_two_params(net, X, Y, 0, 7, [1.0, 1e200], [1.0, 1e200], backend=backend)
    assert np.isfinite(grid[0, 0]) and np.all(np.isinf(grid[1:, 1:]))
    assert not np.isnan(grid).any()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_ill_conditioned_tanh_sum_falls_back(rng):
    """Weights large enough that tanh u and tanh v reach -1 and +1 at once, where the addition formula breaks."""
    net = MLP([1, 2, 2, 1], activation="tanh", seed=0)
    net.W[2][:] = [[40.0, -40.0], [1.0, 1.0]]
    X, Y = rng.normal(size=(30, 1)), rng.normal(size=(30, 1))
    i, j = net.offsets[0] + 0, net.offsets[0] + 1  # W_1[0, 0] and W_1[1, 0]: two rows of layer 1
    a = np.linspace(-5, 5, 7)
    fast = grid_two_params(net, X, Y, i, j, a, a, backend="numba")
    plain = grid_two_params(net, X, Y, i, j, a, a, backend="numpy")
    np.testing.assert_allclose(fast, plain, rtol=1e-12)


def test_line_between_two_points(rng):
    net = MLP([2, 4, 1], activation="sigmoid", seed=0)
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    start, end = net.params.copy(), net.params + rng.normal(size=net.n_params)
    values = line(net, X, Y, start, end - start, [0.0, 1.0])
    assert values[0] == pytest.approx(net.loss(X, Y), rel=1e-13)
    net.params = end
    assert values[1] == pytest.approx(net.loss(X, Y), rel=1e-13)


def test_filter_normalised_direction_gives_each_filter_the_norm_of_its_weights(rng):
    net = MLP([4, 5, 3, 2], activation="relu", seed=0)
    d = random_direction(net, rng)
    for W_index, b_index, _ in net.layer_index():
        for row in W_index:
            assert np.linalg.norm(d[row]) == pytest.approx(np.linalg.norm(net.params[row]), rel=1e-12)
        assert np.all(d[b_index] == 0)
    layer = random_direction(net, rng, normalize="layer", include_bias=True)
    W_index, b_index, _ = net.layer_index()[0]
    assert np.linalg.norm(layer[W_index]) == pytest.approx(np.linalg.norm(net.W[1]), rel=1e-12)


def test_batched_losses_checks_shapes():
    net = MLP([2, 1], seed=0)
    with pytest.raises(ValueError, match=r"3 entries, got shape \(1, 4\)"):
        batched_losses(net, np.zeros((2, 2)), np.zeros((2, 1)), np.zeros(4))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"i": 2, "j": 2}, "got 2 twice"),
        ({"i": 99, "j": 0}, r"\[0, 3\), got 99"),
        ({"a_values": []}, "non-empty"),
        ({"b_values": [np.nan]}, "finite"),
    ],
)
def test_grid_arguments_are_checked(kwargs, message):
    net = MLP([2, 1], seed=0)
    args = {"i": 0, "j": 1, "a_values": [0.0], "b_values": [0.0], **kwargs}
    with pytest.raises(ValueError, match=message):
        grid_two_params(net, np.zeros((2, 2)), np.zeros((2, 1)), **args)


def test_unknown_backend():
    net = MLP([2, 1], seed=0)
    with pytest.raises(ValueError, match="'cuda'"):
        grid_two_params(net, np.zeros((2, 2)), np.zeros((2, 1)), 0, 1, [0.0], [0.0], backend="cuda")


def test_vectorised_exp_is_within_one_ulp_of_math_exp():
    import math

    from kernels.exp import exp_row

    x = np.concatenate([np.linspace(-708, 709, 100_001), np.random.default_rng(0).normal(0, 3, 10_000)])
    out, scratch = np.empty_like(x), np.empty_like(x)
    exp_row(x, 1.0, out, scratch)
    ref = np.array([math.exp(v) for v in x])
    assert np.max(np.abs(out - ref) / ref) <= np.finfo(float).eps
    extremes = np.array([-1000.0, 1000.0, np.nan])
    exp_row(extremes, 1.0, out[:3], scratch[:3])
    assert 0 < out[0] < 1e-307 and 1e307 < out[1] < np.inf and np.isnan(out[2])  # clamped, NaN kept


def test_vectorised_tanh_is_within_a_few_ulp_of_math_tanh():
    import math

    from kernels.exp import tanh_row

    magnitudes = np.concatenate([np.geomspace(1e-300, 30, 100_001), np.random.default_rng(0).normal(0, 3, 10_000) ** 2])
    x = np.concatenate([magnitudes, -magnitudes])
    out, scratch = np.empty_like(x), np.empty_like(x)
    tanh_row(x, out, scratch)
    ref = np.array([math.tanh(v) for v in x])
    assert np.max(np.abs(out - ref) / np.spacing(np.abs(ref))) <= 4  # ulp of the true value, near 0 as near 1
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e308])
    tanh_row(specials, out[:6], scratch[:6])
    assert out[:2].tolist() == [0.0, 0.0] and np.signbit(out[1]) and not np.signbit(out[0])
    assert out[2:4].tolist() == [1.0, -1.0] and np.isnan(out[4]) and out[5] == 1.0


@given(st.integers(1, 11), st.integers(1, 4), st.integers(1, 40), st.integers(0, 2**31))
def test_dense_batch_sums_the_inputs_in_order(n_in, n_out, N, seed):
    """Four inputs per pass (and the rest one by one) round exactly as b + W[r, 0] a_0 + W[r, 1] a_1 + ... in order."""
    from kernels.codes import IDENTITY, LINEAR_OUTPUT, MSE, DenseNet
    from kernels.common import dense_batch

    rng = np.random.default_rng(seed)
    W, b, A = rng.normal(size=(n_out, n_in)), rng.normal(size=n_out), rng.normal(size=(n_in, N))
    Z = np.empty((n_out, N))
    one_layer = DenseNet(
        W.ravel(),
        b,
        np.zeros(1, np.int64),
        np.zeros(1, np.int64),
        np.array([n_in, n_out]),
        np.array([IDENTITY]),
        LINEAR_OUTPUT,
        MSE,
    )
    dense_batch(0, A, Z, one_layer)
    in_order = np.tile(b[:, None], (1, N))
    for c in range(n_in):
        in_order = in_order + W[:, c : c + 1] * A[c]
    assert np.array_equal(Z, in_order)
