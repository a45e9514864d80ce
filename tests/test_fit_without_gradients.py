"""fit(record_gradients=False): a mini-batch run without the whole set's backward pass after each epoch trains
and records the same bits, less grad_norm and grad_angle."""

import numpy as np
import pytest

from minnet import MLP, Adam, TestLoss, TwoLayerNet, fit


@pytest.mark.parametrize("make", [lambda: MLP([3, 7, 5, 2], activation="silu", seed=4),
                                  lambda: TwoLayerNet(h=4, n_in=3, n_out=2, seed=4)])  # fmt: skip
def test_the_same_bits_without_the_gradients(make):
    rng = np.random.default_rng(0)
    X, Y, X_test, Y_test = (
        rng.normal(size=(50, 3)),
        rng.normal(size=(50, 2)),
        rng.normal(size=(9, 3)),
        rng.normal(size=(9, 2)),
    )
    runs = []
    for record in (True, False):
        net = make()
        history = fit(net, X, Y, Adam(net.params, lr=0.01), 6, batch_size=16, seed=3,
                      recorders=[TestLoss(X_test, Y_test)], record_gradients=record)  # fmt: skip
        runs.append((history, net.params.copy()))
    (full, w_full), (lean, w_lean) = runs
    np.testing.assert_array_equal(lean["train_loss"], full["train_loss"])
    np.testing.assert_array_equal(lean["test_loss"], full["test_loss"])
    np.testing.assert_array_equal(w_lean, w_full)
    assert "grad_norm" in full and "grad_norm" not in lean and "grad_angle" not in lean


def test_a_full_batch_run_steps_with_the_gradient_and_records_it():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(20, 2)), rng.normal(size=(20, 1))
    net = MLP([2, 3, 1], seed=0)
    history = fit(net, X, Y, Adam(net.params, lr=0.01), 4, record_gradients=False)
    assert history["grad_norm"].shape == (4,) and history["train_loss"][-1] < history["train_loss"][0]
