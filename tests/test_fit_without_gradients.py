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


def test_the_last_loss_alone_has_the_bits_of_every_epochs():
    """epoch_losses=False: the loss before training and after the last epoch, the same bits as every epoch's run's
    first and last, the same weights and test losses; refused where the loss comes with the gradient anyway."""
    rng = np.random.default_rng(2)
    X, Y, X_test, Y_test = (rng.normal(size=(40, 3)), rng.normal(size=(40, 2)), rng.normal(size=(9, 3)),
                            rng.normal(size=(9, 2)))  # fmt: skip
    runs = []
    for every in (True, False):
        net = MLP([3, 6, 2], activation="tanh", seed=1)
        history = fit(net, X, Y, Adam(net.params, lr=0.01), 5, batch_size=15, seed=3, record_gradients=False,
                      recorders=[TestLoss(X_test, Y_test)], epoch_losses=every)  # fmt: skip
        runs.append((history, net.params.copy()))
    (full, w_full), (lean, w_lean) = runs
    np.testing.assert_array_equal(lean["train_loss"], full["train_loss"][[0, -1]])
    np.testing.assert_array_equal(lean["test_loss"], full["test_loss"])
    np.testing.assert_array_equal(w_lean, w_full)
    assert full["train_loss"].shape == (6,) and lean.meta["epochs_run"] == 5
    net = MLP([3, 6, 2], seed=1)
    for options in ({"batch_size": None, "record_gradients": False}, {"batch_size": 15, "record_gradients": True}):
        with pytest.raises(ValueError, match="epoch_losses=False needs mini-batches"):
            fit(net, X, Y, Adam(net.params, lr=0.01), 2, epoch_losses=False, **options)


def test_without_every_epochs_loss_a_run_ends_where_its_weights_stop_being_finite():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(30, 2)), rng.normal(size=(30, 1))
    net = MLP([2, 4, 1], activation="relu", seed=0)
    history = fit(net, X, Y, Adam(net.params, lr=1e300), 50, batch_size=10, seed=0, record_gradients=False,
                  epoch_losses=False)  # fmt: skip
    assert history.diverged_at is not None and history.diverged_at < 50
    assert history["train_loss"].shape == (2,) and not np.isfinite(history["train_loss"][-1])
