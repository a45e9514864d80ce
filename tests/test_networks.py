"""Loss values on hand-computed cases, document 000's reference values, and bad input."""

import numpy as np
import pytest

from minnet import MLP, SGD, Snapshots, TestLoss, TwoLayerNet, fit
from minnet.data import doc000


def test_mse_is_the_mean_over_all_output_elements():
    net = MLP([1, 2], activation="identity", loss="mse", seed=0)
    net.W[1][:] = [[1.0], [2.0]]
    net.b[1][:] = [0.0, 1.0]
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0, 0.0], [2.0, 4.0]])
    # outputs [[1, 3], [2, 5]]; squared errors 1, 9, 0, 1 -> mean 11/4
    assert net.loss(X, Y) == pytest.approx(11 / 4, rel=1e-15)


def test_half_mse_is_half_the_summed_square_averaged_over_examples():
    net = MLP([1, 2], activation="identity", loss="half_mse", seed=0)
    net.W[1][:] = [[1.0], [2.0]]
    net.b[1][:] = [0.0, 1.0]
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0, 0.0], [2.0, 4.0]])
    # per example (1/2)(1 + 9) = 5 and (1/2)(0 + 1) = 0.5 -> mean 2.75
    assert net.loss(X, Y) == pytest.approx(2.75, rel=1e-15)


def test_cross_entropy_of_known_logits():
    net = MLP([1, 3], loss="cross_entropy", seed=0)
    net.W[1][:] = 0.0
    net.b[1][:] = [0.0, np.log(2.0), np.log(5.0)]  # softmax = [1, 2, 5] / 8
    X = np.zeros((2, 1))
    assert net.loss(X, [2, 0]) == pytest.approx(-(np.log(5 / 8) + np.log(1 / 8)) / 2, rel=1e-14)
    assert net.loss(X, np.eye(3)[[2, 0]]) == pytest.approx(net.loss(X, [2, 0]), rel=1e-15)
    np.testing.assert_allclose(net.forward(X)[0], [1 / 8, 2 / 8, 5 / 8], rtol=1e-15)


def test_two_layer_forward_by_hand():
    net = TwoLayerNet(h=2)
    net.U[:] = [[2.0, -1.0]]  # sigma(2x - 1)
    net.V[:] = [[3.0, 0.5]]  # 3 sigma(.) + 0.5
    x = np.array([[0.5]])  # 2 * 0.5 - 1 = 0 -> sigma = 1/2 -> O = 2
    assert net.forward(x)[0, 0] == pytest.approx(2.0, rel=1e-15)
    assert net.loss(x, [[1.0]]) == pytest.approx(0.5, rel=1e-15)  # (1/2)(2 - 1)^2


def test_params_are_one_vector_with_views():
    net = MLP([3, 4, 2], seed=0)
    assert net.params.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    net.params[:] = np.arange(net.n_params)
    assert net.W[1][0, 0] == 0 and net.b[1][0] == 12 and net.W[2][0, 0] == 16
    assert net.weights[1][0] is net.W[2]
    two = TwoLayerNet(h=3)
    two.params = np.arange(7.0)
    assert two.U.tolist() == [[0, 1], [2, 3]] and two.V.tolist() == [[4, 5, 6]]


def test_copy_is_independent():
    net = MLP([2, 3, 1], seed=0)
    twin = net.copy()
    twin.params[:] = 0
    assert np.any(net.params != 0) and np.all(twin.W[1] == 0)


def test_pytorch_init_is_nn_linear_default_and_seeded():
    """W_l and b_l ~ U(-1/sqrt(n_{l-1}), 1/sqrt(n_{l-1})), drawn W_1, b_1, W_2, b_2, ... from the seed."""
    net = MLP([784, 8, 10], activation="sigmoid", loss="cross_entropy", init="pytorch", seed=7)
    for l, fan_in in ((1, 784), (2, 8)):
        bound = 1 / np.sqrt(fan_in)
        assert np.all(np.abs(net.W[l]) <= bound) and np.all(np.abs(net.b[l]) <= bound)
    assert np.abs(net.W[1]).max() > 0.99 / 28 and abs(net.W[1].mean()) < 1e-3  # 6,272 draws fill the interval
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(net.W[1], rng.uniform(-1 / 28, 1 / 28, (8, 784)))
    np.testing.assert_array_equal(net.b[1], rng.uniform(-1 / 28, 1 / 28, 8))
    again = MLP([784, 8, 10], activation="sigmoid", loss="cross_entropy", init="pytorch", seed=7)
    np.testing.assert_array_equal(again.params, net.params)


def test_document_000_initial_weights_and_init_scale():
    rng = np.random.default_rng(36255793825986746149655859236796938907)
    U, V = rng.normal(0, 0.01, (2, 2)), rng.normal(0, 0.01, (1, 3))
    net, big = TwoLayerNet(h=3), TwoLayerNet(h=3, init_scale=10)
    assert np.array_equal(net.U, U) and np.array_equal(net.V, V)
    np.testing.assert_array_equal(big.params, 10 * net.params)


def test_document_000_reference_values():
    X, Y, X_test, Y_test = doc000("f1")
    net = TwoLayerNet(h=3, n_in=1, n_out=1, activation="sigmoid", loss="half_mse")
    history = fit(net, X, Y, SGD(net.params, lr=1), epochs=3, recorders=[TestLoss(X_test, Y_test), Snapshots()])
    assert history["train_loss"][0] == pytest.approx(0.897428206, rel=1e-8)
    assert history["test_loss"][0] == pytest.approx(0.9158679919, rel=1e-8)
    assert history["train_loss"][1] == pytest.approx(0.3865902008, rel=1e-8)
    assert history["grad_norm"][0] == pytest.approx(1.429213895, rel=1e-8)
    np.testing.assert_allclose(history["grad_angle"][:2], [150.84, 135.23], atol=0.01)


def test_document_000_data():
    X, Y, X_test, Y_test = doc000("f2")
    assert X.shape == (1000, 1) and X_test.shape == (100, 1)
    assert -5 <= X.min() and X.max() < 5
    np.testing.assert_allclose(Y, np.sin(X) * (25 - X**2))
    np.testing.assert_array_equal(doc000("f1")[0], X)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: MLP([2, 3, 1], activation="softplus"), "softplus"),
        (lambda: MLP([2, 1], loss="hinge"), "hinge"),
        (lambda: MLP([2, 1], loss="cross_entropy", output="identity"), "output='identity'"),
        (lambda: MLP([2, 3, 1], init="zeros"), "zeros"),
        (lambda: MLP([2]), r"\[2\]"),
        (lambda: TwoLayerNet(h=1), "got 1"),
        (lambda: TwoLayerNet(activation="gelu"), "gelu"),
        (lambda: TwoLayerNet(loss="cross_entropy"), "cross_entropy"),
    ],
)
def test_bad_construction_names_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "X, Y, message",
    [
        (np.zeros((4, 3)), np.zeros((4, 1)), r"X must have shape \(N, 2\), got \(4, 3\)"),
        (np.zeros(4), np.zeros((4, 1)), r"got \(4,\)"),
        (np.zeros((4, 2)), np.zeros((4, 2)), r"Y must have shape \(N, 1\), got \(4, 2\)"),
        (np.zeros((4, 2)), np.zeros((3, 1)), "X has 4 rows but Y has 3"),
        (np.array([[0.0, np.nan]]), np.zeros((1, 1)), "X contains NaN or inf"),
        (np.zeros((1, 2)), np.array([[np.inf]]), "Y contains NaN or inf"),
    ],
)
def test_bad_data_names_the_problem(X, Y, message):
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=message):
        net.loss_and_grad(X, Y)


def test_bad_labels_name_the_problem():
    net = MLP([2, 3], loss="cross_entropy", seed=0)
    with pytest.raises(ValueError, match="from 0 to 3"):
        net.loss(np.zeros((2, 2)), np.array([0, 3]))


def test_saved_networks_load_without_pickle(tmp_path, rng):
    from minnet import load

    X = rng.normal(size=(4, 3))
    for net in (
        MLP([3, 5, 2], activation=["silu"], loss="cross_entropy", seed=2),
        TwoLayerNet(h=4, n_in=3, n_out=2, activation="tanh", seed=1),
    ):
        path = tmp_path / f"{type(net).__name__}.npz"
        net.save(str(path))
        again = load(str(path))
        assert type(again) is type(net) and again.config == net.config
        np.testing.assert_array_equal(again.forward(X), net.forward(X))
    bad = tmp_path / "bad.npz"
    np.savez(bad, params=np.zeros(3))
    with pytest.raises(ValueError, match="not a minnet network file"):
        load(str(bad))


def test_softmax_of_large_logits_is_exact_not_nan():
    """softmax subtracts the largest logit before exponentiating: e^1000 would overflow to inf, and inf / inf is NaN."""
    from minnet.losses import log_softmax, softmax

    z = np.array([[1000.0, 0.0, -1000.0], [-5.0, 710.0, 709.0]])
    np.testing.assert_allclose(
        softmax(z), [[1.0, 0.0, 0.0], [0.0, 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0))]], rtol=1e-12, atol=1e-300
    )
    assert np.all(np.isfinite(log_softmax(z)))
