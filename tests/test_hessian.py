"""Hessian-vector products against finite differences of the gradient; Lanczos against eigvalsh;
the sharpness recorder and the preconditioned sharpness on quadratics whose Hessian is known."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import mlp_cases, off_relu_kinks

from minnet import MLP, SGD, Adam, RMSprop, TwoLayerNet, fit
from minnet.gradcheck import STENCIL
from minnet.hessian import hessian, hvp, lanczos, stability_threshold, top_eigenvalues
from minnet.recorders import SharpnessRecorder

TOLERANCE = 1e-6


def numerical_hvp(net, X, Y, v, h=1e-4):
    """Five-point central difference of the (finite-difference-checked) gradient along v."""
    w = net.params.copy()
    total = np.zeros(net.n_params)
    for offset, weight in STENCIL:
        net.params = w + offset * h * v
        total += weight * net.loss_and_grad(X, Y)[1]
    net.params = w
    return total / (12 * h)  # (g(w-2hv) - 8 g(w-hv) + 8 g(w+hv) - g(w+2hv)) / 12h


def relative_error(exact, numeric, loss):
    """Largest entry-wise relative error, with the gradient check's floor 1e-5 max(1, |L|)."""
    floor = 1e-5 * max(1.0, abs(loss))
    return float(np.max(np.abs(exact - numeric) / np.maximum(np.maximum(np.abs(exact), np.abs(numeric)), floor)))


def random_direction(net, seed):
    v = np.random.default_rng(seed).normal(size=net.n_params)
    return v / np.linalg.norm(v)


@given(mlp_cases(), st.integers(0, 2**32 - 1))
def test_mlp_hvp_matches_finite_differences(case, seed):
    net, X, Y = case
    assume(off_relu_kinks(net, X))
    v = random_direction(net, seed)
    assert relative_error(hvp(net, X, Y, v), numerical_hvp(net, X, Y, v), net.loss(X, Y)) < TOLERANCE


@given(
    h=st.integers(2, 6),
    activation=st.sampled_from(["sigmoid", "tanh", "silu", "square", "identity"]),
    loss=st.sampled_from(["half_mse", "mse"]),
    batch=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
)
def test_two_layer_hvp_matches_finite_differences(h, activation, loss, batch, seed):
    rng = np.random.default_rng(seed)
    net = TwoLayerNet(h=h, n_in=2, n_out=2, activation=activation, loss=loss, seed=seed, init_scale=50)
    X, Y = rng.normal(size=(batch, 2)), rng.normal(size=(batch, 2))
    v = random_direction(net, seed + 1)
    assert relative_error(hvp(net, X, Y, v), numerical_hvp(net, X, Y, v), net.loss(X, Y)) < TOLERANCE


def test_a_wrong_second_derivative_fails_the_check(monkeypatch, rng):
    """The finite-difference check can fail: drop s'' (the Gauss-Newton part only) and it does."""
    from minnet import activations

    net = MLP([3, 4, 2], activation="tanh", seed=0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    v = random_direction(net, 0)
    monkeypatch.setattr(activations, "second_derivative", lambda name, z, a: np.zeros_like(z))
    assert relative_error(hvp(net, X, Y, v), numerical_hvp(net, X, Y, v), net.loss(X, Y)) > 1e-3


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "silu", "relu", "square"])
def test_top_eigenvalues_equal_eigvalsh_of_the_full_hessian(activation, rng):
    net = MLP([3, 5, 4, 2], activation=activation, seed=3)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    H = hessian(net, X, Y)
    exact = np.linalg.eigvalsh(H)[::-1][:3]
    np.testing.assert_allclose(top_eigenvalues(net, X, Y, k=3, steps=net.n_params), exact, rtol=1e-9)
    assert top_eigenvalues(net, X, Y, k=1, steps=30)[0] == pytest.approx(exact[0], rel=1e-6)


def test_hessian_is_symmetric_before_symmetrising(rng):
    net = MLP([2, 4, 3], activation="silu", output="softmax", loss="cross_entropy", seed=1)
    X, labels = rng.normal(size=(10, 2)), rng.integers(0, 3, 10)
    H = np.column_stack([hvp(net, X, labels, e) for e in np.eye(net.n_params)])
    np.testing.assert_allclose(H, H.T, rtol=1e-9, atol=1e-12)


def test_lanczos_returns_eigenvectors(rng):
    A = rng.normal(size=(12, 12))
    A = A + A.T
    values, vectors = lanczos(lambda u: A @ u, 12, k=2, steps=12)
    for value, vector in zip(values, vectors):
        np.testing.assert_allclose(A @ vector, value * vector, atol=1e-9)


def diagonal_quadratic(a, b):
    """A linear model [2] -> 1 with half squared error: L = (1/2N) sum (w . x + c - y)^2, a quadratic.

    The inputs +-(a, 0), +-(0, b) have orthogonal zero-mean columns, so its Hessian (1/N) [X 1]^T [X 1]
    is diag(a^2 / 2, b^2 / 2, 1)."""
    X = np.array([[a, 0.0], [-a, 0.0], [0.0, b], [0.0, -b]])
    Y = np.array([[1.0], [2.0], [-1.0], [0.5]])
    return MLP([2, 1], loss="half_mse", seed=0), X, Y


def test_hessian_of_a_known_quadratic():
    net, X, Y = diagonal_quadratic(3.0, 0.5)
    np.testing.assert_allclose(hessian(net, X, Y), np.diag([4.5, 0.125, 1.0]), atol=1e-14)


def test_recorder_measures_a_known_sharpness_at_the_right_steps():
    net, X, Y = diagonal_quadratic(3.0, 0.5)
    recorder = SharpnessRecorder(X, Y, every=3)
    history = fit(net, X, Y, SGD(net.params, lr=0.1), epochs=10, recorders=[recorder])
    np.testing.assert_array_equal(history["sharpness_iteration"], [0, 3, 6, 9])
    np.testing.assert_allclose(history["sharpness"], 4.5, rtol=1e-12)


@pytest.mark.parametrize("make", [lambda p: RMSprop(p, lr=0.01), lambda p: Adam(p, lr=0.01)])
def test_preconditioned_sharpness_on_a_diagonal_quadratic(make):
    """For H = diag(h) and P = diag(p), P^-1 H is diagonal: its top eigenvalue is max h_i / p_i."""
    net, X, Y = diagonal_quadratic(3.0, 0.5)
    optimizer = make(net.params)
    recorder = SharpnessRecorder(X, Y, every=1, optimizer=optimizer)
    fit(net, X, Y, optimizer, epochs=4, recorders=[recorder])
    p = optimizer.preconditioner()
    expected = np.max(np.array([4.5, 0.125, 1.0]) / p)
    assert recorder.preconditioned[-1] == pytest.approx(expected, rel=1e-10)
    assert top_eigenvalues(net, X, Y, preconditioner=p)[0] == pytest.approx(expected, rel=1e-10)


def test_stability_thresholds():
    w = np.zeros(3)
    assert stability_threshold(SGD(w, lr=0.5)) == pytest.approx(4.0)
    assert stability_threshold(SGD(w, lr=0.5, momentum=0.9)) == pytest.approx(3.8 / 0.5)
    assert stability_threshold(Adam(w, lr=0.01)) == pytest.approx(38 / 0.01)
    assert stability_threshold(RMSprop(w, lr=0.01)) == pytest.approx(200.0)


def test_gradient_descent_on_the_quadratic_turns_unstable_at_two_over_lr():
    """The threshold's meaning: lr just below 2 / lambda_max converges, just above diverges."""
    for lr, converges in ((0.99 * 2 / 4.5, True), (1.01 * 2 / 4.5, False)):
        net, X, Y = diagonal_quadratic(3.0, 0.5)
        history = fit(net, X, Y, SGD(net.params, lr=lr), epochs=3000)
        assert (history["grad_norm"][-1] < 1e-6) == converges


def test_bad_inputs_are_named(rng):
    net = MLP([2, 3, 1], seed=0)
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    with pytest.raises(ValueError, match="v must have shape"):
        hvp(net, X, Y, np.ones(3))
    with pytest.raises(ValueError, match="preconditioner must be positive"):
        top_eigenvalues(net, X, Y, preconditioner=-np.ones(net.n_params))
    with pytest.raises(ValueError, match="every must be a positive integer"):
        SharpnessRecorder(X, Y, every=0)


def test_a_warm_start_needs_few_lanczos_steps(rng):
    """Started from the previous top eigenvector, 8 steps find the top eigenvalue after a small move
    to 1e-7; from a random vector they do not reach 1e-4."""
    net = MLP([6, 10, 10, 3], activation="tanh", seed=2)
    X, Y = rng.normal(size=(40, 6)), rng.normal(size=(40, 3))
    _, vectors = top_eigenvalues(net, X, Y, steps=net.n_params, vectors=True)
    net.params = net.params + 0.01 * rng.normal(size=net.n_params)
    exact = np.linalg.eigvalsh(hessian(net, X, Y))[-1]
    assert top_eigenvalues(net, X, Y, steps=8, start=vectors[0])[0] == pytest.approx(exact, rel=1e-7)
    assert top_eigenvalues(net, X, Y, steps=8)[0] != pytest.approx(exact, rel=1e-4)


@pytest.mark.parametrize(
    "eigenvalues",
    [
        [2.0] * 10,
        [5.0, 5.0, 5.0, 1.0, 1.0, 0.5, 0.0, 0.0, -1.0, -1.0],
        list(np.arange(1.0, 11.0) * 1e-11),
        [1e-14, 1e-14, 3e-15, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ],
)
def test_lanczos_finds_repeated_and_tiny_eigenvalues_with_their_multiplicity(eigenvalues, rng):
    """Repeats (the Krylov space of one vector runs out: restarts) and a scale far below 1 (the breakdown test is relative)."""
    Q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    A = Q @ np.diag(eigenvalues) @ Q.T
    values, vectors = lanczos(lambda v: A @ v, 10, k=5, steps=10)
    expected = np.sort(np.linalg.eigvalsh(A))[::-1][:5]
    np.testing.assert_allclose(values, expected, rtol=1e-8, atol=1e-12 * max(np.abs(eigenvalues)))
    np.testing.assert_allclose(
        np.linalg.norm(A @ vectors.T - vectors.T * values, axis=0), 0.0, atol=1e-8 * max(np.abs(eigenvalues))
    )


def test_lanczos_of_twice_the_identity_is_two_three_times():
    np.testing.assert_allclose(lanczos(lambda v: 2 * v, 10, k=3)[0], [2.0, 2.0, 2.0])


def test_the_hessians_repeated_top_eigenvalue_is_found_twice(rng):
    """MLP([3, 2]) with the mean squared error: each output's block of the Hessian is the same matrix, so every eigenvalue is double."""
    net = MLP([3, 2], loss="mse", seed=0)
    X, Y = rng.standard_normal((50, 3)), rng.standard_normal((50, 2))
    exact = np.linalg.eigvalsh(hessian(net, X, Y))[::-1][:4]
    assert exact[0] == pytest.approx(exact[1]) and exact[2] == pytest.approx(exact[3])
    np.testing.assert_allclose(top_eigenvalues(net, X, Y, k=4, steps=net.n_params), exact, rtol=1e-9)
    np.testing.assert_allclose(top_eigenvalues(net, X, Y, k=4), exact, rtol=1e-9)


def test_one_forward_pass_serves_every_product_at_the_weights(rng):
    """forward_at, computed once (as top_eigenvalues does for its Lanczos), gives each H v the bits of hvp's own
    forward pass; it holds the weights it was taken at: after a step, it still gives the Hessian there."""
    from minnet.hessian import forward_at

    net = MLP([4, 6, 5, 3], activation="tanh", loss="cross_entropy", seed=2)
    X, labels = rng.normal(size=(12, 4)), rng.integers(0, 3, 12)
    at, before = forward_at(net, X, labels), net.params.copy()
    vs = [np.eye(net.n_params)[0], rng.normal(size=net.n_params)]
    expected = [hvp(net, X, labels, v) for v in vs]
    net.params = before + 0.1
    for v, Hv in zip(vs, expected):
        np.testing.assert_array_equal(hvp(net, X, labels, v, at), Hv)
    assert not np.array_equal(hvp(net, X, labels, vs[1]), expected[1])
