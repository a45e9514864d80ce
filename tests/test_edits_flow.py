"""An edit to a network's backward pass changes every computation on the numpy backend (MINNET_BACKEND=numpy)."""

import numpy as np
import pytest

from minnet import MLP, SGD, TwoLayerNet, fit
from minnet.compiled import fit_example_by_example
from minnet.data import doc000
from minnet.per_example import gradient_stats
from minnet.studies.checkpoint import backprop as checkpointed
from minnet.tools.backend import resolve


def everything(net, X, Y):
    """The three computations that run an MLP's backward pass: per-example statistics, training, checkpointing."""
    stats = gradient_stats(net, X, Y, layers=[1])["norm"]
    _, grad, _ = checkpointed(net, X, Y, "checkpoint", k=2)
    trained = net.copy()
    fit(trained, X, Y, SGD(trained.params, lr=0.1), 3)
    return stats, grad, trained.params


def test_doubling_delta_in_mlp_backprop_changes_every_computation_on_numpy(monkeypatch, rng):
    monkeypatch.setenv("MINNET_BACKEND", "numpy")
    net = MLP([3, 4, 4, 2], activation="tanh", seed=1)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    before = everything(net, X, Y)
    original = MLP.delta_below
    monkeypatch.setattr(MLP, "delta_below", lambda self, *args: 2.0 * original(self, *args))
    after = everything(net, X, Y)
    for name, a, b in zip(("gradient_stats", "checkpointed gradient", "fit"), before, after):
        assert not np.allclose(a, b), f"{name} did not change with MLP.backprop's delta doubled"


def test_the_kernel_does_not_see_the_edit(monkeypatch, rng):
    """On the numba backend gradient_stats runs kernels/per_example.py: the edit does not reach it (which the studies say)."""
    monkeypatch.setenv("MINNET_BACKEND", "numba")
    net = MLP([3, 4, 4, 2], activation="tanh", seed=1)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    before = gradient_stats(net, X, Y, layers=[1])["norm"]
    original = MLP.delta_below
    monkeypatch.setattr(MLP, "delta_below", lambda self, *args: 2.0 * original(self, *args))
    np.testing.assert_array_equal(gradient_stats(net, X, Y, layers=[1])["norm"], before)


def test_document_000_loop_on_numpy_runs_two_layer_backprop(monkeypatch):
    monkeypatch.setenv("MINNET_BACKEND", "numpy")
    X, Y, X_test, Y_test = doc000("f1")
    plain = fit_example_by_example(TwoLayerNet(h=3), X, Y, 1.0, 20, X_test, Y_test)
    original = TwoLayerNet.backprop

    def doubled_dU(self, X, Y):
        per_example, O, (hidden, output) = original(self, X, Y)
        return per_example, O, [hidden._replace(grad=2 * hidden.grad), output]

    monkeypatch.setattr(TwoLayerNet, "backprop", doubled_dU)
    edited = fit_example_by_example(TwoLayerNet(h=3), X, Y, 1.0, 20, X_test, Y_test)
    assert not np.allclose(plain["train_loss"], edited["train_loss"])
    assert set(plain) >= {"train_loss", "test_loss", "grad_norm", "grad_angle", "params"}


def test_numpy_twin_of_the_document_loop_agrees_with_the_kernel(monkeypatch):
    """The same iteration, summed in another order: equal to rounding over 50 stable iterations."""
    X, Y, X_test, Y_test = doc000("f1")
    kernel = fit_example_by_example(TwoLayerNet(h=3), X, Y, 1.0, 50, X_test, Y_test, backend="numba")
    twin = fit_example_by_example(TwoLayerNet(h=3), X, Y, 1.0, 50, X_test, Y_test, backend="numpy")
    for key in ("train_loss", "test_loss", "grad_norm", "params"):
        np.testing.assert_allclose(twin[key], kernel[key], rtol=1e-10, atol=1e-14, err_msg=key)


@pytest.mark.parametrize("value", ["cuda", "NUMPY", " numpy"])
def test_a_wrong_minnet_backend_is_named(monkeypatch, value):
    monkeypatch.setenv("MINNET_BACKEND", value)
    with pytest.raises(ValueError, match=f"MINNET_BACKEND must be one of .*got {value!r}"):
        resolve()
