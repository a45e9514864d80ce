"""Hand-written gradients against central finite differences, as hypothesis properties."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import mlp_cases, off_relu_kinks

from minnet import MLP, TwoLayerNet
from minnet.gradcheck import check_gradient, numerical_gradient, relative_errors

TOLERANCE = 1e-6
# The MLP cases' finite-difference step. The five-point rule's error is about h^4 f^(5) / 30: a deep stack of
# "square" layers is a polynomial of degree 16 in its first weights, and at h = 1e-3 its difference missed the
# hand-written gradient by 3.3e-4 (relative) on a drawn case where h = 1e-4 agrees to 1e-9 (the gradient was right;
# 3,000 drawn cases at 1e-4: none fails). Rounding stays near eps |L| / h = 1e-12.
MLP_STEP = 1e-4


@given(mlp_cases())
def test_mlp_gradient_matches_finite_differences(case):
    net, X, Y = case
    assume(off_relu_kinks(net, X))
    errors = check_gradient(net, X, Y, h=MLP_STEP)
    assert max(errors.values()) < TOLERANCE, errors


@given(
    h=st.integers(2, 6),
    n_in=st.integers(1, 3),
    n_out=st.integers(1, 3),
    activation=st.sampled_from(["sigmoid", "tanh", "silu", "square", "identity"]),
    loss=st.sampled_from(["half_mse", "mse"]),
    batch=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
)
def test_two_layer_gradient_matches_finite_differences(h, n_in, n_out, activation, loss, batch, seed):
    rng = np.random.default_rng(seed)
    net = TwoLayerNet(h=h, n_in=n_in, n_out=n_out, activation=activation, loss=loss, seed=seed, init_scale=50)
    X, Y = rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out))
    errors = check_gradient(net, X, Y)
    assert max(errors.values()) < TOLERANCE, errors


@given(mlp_cases())
def test_mean_of_per_example_grads_is_the_batch_gradient(case):
    net, X, Y = case
    _, grad = net.loss_and_grad(X, Y)
    per_example = net.per_example_grads(X, Y)
    assert per_example.shape == (X.shape[0], net.n_params)
    np.testing.assert_allclose(per_example.mean(axis=0), grad, rtol=1e-10, atol=1e-14)


@given(mlp_cases())
def test_each_per_example_grad_is_the_gradient_of_that_example_alone(case):
    net, X, Y = case
    per_example = net.per_example_grads(X, Y)
    n = X.shape[0] - 1
    _, grad_n = net.loss_and_grad(X[n : n + 1], Y[n : n + 1])
    np.testing.assert_allclose(per_example[n], grad_n, rtol=1e-10, atol=1e-14)


def test_a_wrong_gradient_fails_the_checker(rng):
    net = MLP([3, 4, 2], activation="tanh", seed=0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))

    def wrong(X, Y):  # forget the factor 2 of the squared error in the output layer's bias
        grad = net.loss_and_grad(X, Y)[1]
        grad[-2:] /= 2
        return grad

    errors = check_gradient(net, X, Y, grad_fn=wrong)
    assert errors["b2"] > 0.1
    assert max(v for k, v in errors.items() if k != "b2") < TOLERANCE


def test_relative_errors_name_every_block():
    net = TwoLayerNet(h=4)
    g = np.zeros(net.n_params)
    assert set(relative_errors(g, g, net, floor=1e-6)) == {"U", "V"}


def test_numerical_gradient_leaves_params_unchanged(rng):
    net = MLP([2, 3, 1], seed=1)
    before = net.params.copy()
    numerical_gradient(net, rng.normal(size=(4, 2)), rng.normal(size=(4, 1)))
    assert np.array_equal(net.params, before)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "silu", "square", "identity"])
def test_one_hidden_layer_mlp_equals_two_layer_net(activation, rng):
    two = TwoLayerNet(h=4, n_in=2, n_out=3, activation=activation, loss="half_mse", seed=5, init_scale=30)
    mlp = MLP([2, 3, 3], activation=activation, loss="half_mse", seed=0)
    mlp.W[1][:], mlp.b[1][:] = two.U[:, :-1], two.U[:, -1]  # U = [W_1 | b_1]
    mlp.W[2][:], mlp.b[2][:] = two.V[:, :-1], two.V[:, -1]  # V = [W_2 | b_2]
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 3))
    loss_two, grad_two = two.loss_and_grad(X, Y)
    loss_mlp, grad_mlp = mlp.loss_and_grad(X, Y)
    assert loss_two == pytest.approx(loss_mlp, rel=1e-14)
    dU = grad_two[: two.U.size].reshape(two.U.shape)
    dV = grad_two[two.U.size :].reshape(two.V.shape)
    dW1 = grad_mlp[:6].reshape(3, 2)
    db1 = grad_mlp[6:9]
    dW2, db2 = grad_mlp[9:18].reshape(3, 3), grad_mlp[18:]
    np.testing.assert_allclose(dU, np.column_stack([dW1, db1]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dV, np.column_stack([dW2, db2]), rtol=1e-12, atol=1e-15)
