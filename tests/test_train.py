"""fit, the recorders, divergence, and the History file."""

import math

import numpy as np
import pytest

from minnet import (
    MLP,
    SGD,
    Adam,
    History,
    Snapshots,
    TestLoss,
    Trainable,
    TwoLayerNet,
    fit,
)
from minnet.data import doc000
from minnet.recorders import DriftRecorder, UpdateRecorder
from minnet.train import angle_degrees


def test_full_batch_fit_is_plain_gradient_descent(rng):
    X, Y = rng.normal(size=(20, 2)), rng.normal(size=(20, 1))
    net, twin = MLP([2, 4, 1], seed=3), MLP([2, 4, 1], seed=3)
    history = fit(net, X, Y, SGD(net.params, lr=0.05), epochs=5, recorders=[Snapshots()])
    for _ in range(5):
        twin.params -= 0.05 * twin.loss_and_grad(X, Y)[1]
    np.testing.assert_array_equal(net.params, twin.params)
    np.testing.assert_array_equal(history["params"][-1], net.params)
    assert (
        history["train_loss"].shape == (6,)
        and history["grad_norm"].shape == (5,)
        and history["grad_angle"].shape == (4,)
    )
    assert history["train_loss"][-1] == net.loss(X, Y)


def test_summed_loss_steps_are_batch_size_times_the_mean_steps(rng):
    """reduction="sum": each step descends sum_n l_n, B times the mean's gradient, B the batch's own size."""
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    net, twin = MLP([2, 3, 1], seed=0), MLP([2, 3, 1], seed=0)
    fit(net, X, Y, SGD(net.params, lr=0.01), epochs=2, batch_size=4, seed=5, reduction="sum")
    order_rng = np.random.default_rng(5)
    for _ in range(2):
        order = order_rng.permutation(10)
        for rows in (order[0:4], order[4:8], order[8:10]):  # the last batch has 2 examples
            twin.params -= 0.01 * rows.size * twin.loss_and_grad(X[rows], Y[rows])[1]
    np.testing.assert_allclose(net.params, twin.params, rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError, match="reduction must be one of"):
        fit(net, X, Y, SGD(net.params, lr=0.01), epochs=1, reduction="none")


def test_mini_batches_make_ceil_n_over_b_steps_per_epoch(rng):
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    net = MLP([2, 3, 1], seed=0)
    history = fit(net, X, Y, Adam(net.params, lr=0.01), epochs=3, batch_size=4, seed=1, recorders=[UpdateRecorder()])
    assert history["update_length"].shape == (9,)
    assert history["update_alignment"].shape == (8,)
    again = MLP([2, 3, 1], seed=0)
    fit(again, X, Y, Adam(again.params, lr=0.01), epochs=3, batch_size=4, seed=1)
    np.testing.assert_array_equal(net.params, again.params)


def test_grad_angle_is_the_angle_between_consecutive_gradients():
    assert angle_degrees(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(90)
    assert angle_degrees(np.array([1.0, 1.0]), np.array([-1.0, -1.0])) == pytest.approx(180)
    assert angle_degrees(np.array([1e-100, 0.0]), np.array([3.0, 0.0])) == 0.0
    assert np.isnan(angle_degrees(np.zeros(2), np.ones(2)))


def test_update_recorder_on_known_updates():
    recorder = UpdateRecorder()
    recorder.start(None)
    for update in (np.array([3.0, 4.0]), np.array([6.0, 8.0]), np.array([-1.0, 0.0])):
        recorder.after_step(None, None, update)
    result = recorder.result()
    np.testing.assert_allclose(result["update_length"], [5, 10, 1])
    np.testing.assert_allclose(result["update_alignment"], [1.0, -0.6])


def test_drift_recorder_on_a_hand_made_trajectory():
    class Fake:
        params = np.zeros(4)

    net, recorder = Fake(), DriftRecorder(window=2, threshold=0.05)
    recorder.start(net)
    for step in range(4):
        net.params = net.params + np.array([0.0, 0.01, 0.03, 1.0])  # drifts 0, 0.02, 0.06, 2 per window
        recorder.after_epoch(net, step)
    drift = recorder.result()["drift_fraction"]
    assert np.isnan(drift[0])
    np.testing.assert_allclose(drift[1:], [0.5, 0.5, 0.5])


def test_divergence_stops_the_run_and_says_when(recwarn):
    X, Y, _, _ = doc000("f2")
    net = TwoLayerNet(h=8)
    history = fit(net, X, Y, SGD(net.params, lr=50.0), epochs=200, recorders=[Snapshots()])
    assert history.diverged_at is not None and history.diverged_at < 200
    assert history["train_loss"].shape == (history.diverged_at + 1,)
    assert not np.isfinite(history["train_loss"][-1]) or not np.all(np.isfinite(history["params"][-1]))
    assert np.all(np.isfinite(history["train_loss"][:-1]))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_fit_refuses_an_optimizer_on_another_array(rng):
    net = MLP([2, 1], seed=0)
    with pytest.raises(ValueError, match="net.params"):
        fit(net, np.zeros((3, 2)), np.zeros((3, 1)), SGD(net.params.copy()), epochs=1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": -1}, "got -1"),
        ({"epochs": 2, "batch_size": 0}, "got 0"),
        ({"epochs": 2, "batch_size": 4}, r"\[1, 3\], got 4"),
    ],
)
def test_fit_checks_its_arguments(kwargs, message):
    net = MLP([2, 1], seed=0)
    with pytest.raises(ValueError, match=message):
        fit(net, np.zeros((3, 2)), np.zeros((3, 1)), SGD(net.params), **kwargs)


def test_history_round_trip(tmp_path, rng):
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    net = MLP([2, 2, 1], seed=0)
    history = fit(net, X, Y, SGD(net.params), epochs=4, recorders=[TestLoss(X, Y), Snapshots()])
    path = tmp_path / "run.npz"
    history.save(str(path))
    loaded = History.load(str(path))
    assert loaded.meta == history.meta
    assert sorted(loaded) == sorted(history)
    for key in history:
        np.testing.assert_array_equal(loaded[key], history[key])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_history_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, train_loss=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        History.load(str(path))


def test_trainable_trains_the_chosen_parameters_alone(rng):
    """Trainable(net, [i, j]): the step is gradient descent on w_i, w_j with the others frozen."""
    X, Y = rng.normal(size=(12, 2)), rng.normal(size=(12, 1))
    net, twin = MLP([2, 3, 1], seed=1), MLP([2, 3, 1], seed=1)
    frozen = twin.params.copy()
    two = Trainable(net, [2, 7])
    history = fit(two, X, Y, SGD(two.params, lr=0.1), epochs=4, recorders=[Snapshots()])
    for _ in range(4):
        twin.params[[2, 7]] -= 0.1 * twin.loss_and_grad(X, Y)[1][[2, 7]]
    np.testing.assert_array_equal(history["params"][-1], twin.params[[2, 7]])
    np.testing.assert_array_equal(np.delete(net.params, [2, 7]), np.delete(frozen, [2, 7]))
    assert history["grad_norm"].shape == (4,) and history["train_loss"][-1] == twin.loss(X, Y)


def test_softmax_and_log_is_p_and_log_p_without_overflow():
    """(p, log p) from one e^x, as the formulas in exact arithmetic say (math.fsum of math.exp per row),
    also where e^z alone overflows (z = 1e300) or p underflows (log p = -800 where log(p) is -inf):
    fails without the max shift, or if log p were taken as log(p)."""
    from minnet import losses

    rng = np.random.default_rng(4)
    rows = [rng.normal(0, 40, (7, 10)), np.zeros((2, 3)), [[1e300, 0.0, -1e300]], [[0.0, -800.0]], [[1e-300, 3.0]]]
    for z in map(np.asarray, rows):
        p, log_p = losses.softmax_and_log(z)
        for z_n, p_n, log_p_n in zip(z, p, log_p):
            top = max(z_n)
            total = math.fsum(math.exp(v - top) for v in z_n)  # sum_j e^{z_nj - max_j z_nj}
            assert np.allclose(p_n, [math.exp(v - top) / total for v in z_n], rtol=1e-14, atol=0.0)
            log_total = top + math.log(total)  # logsumexp_j z_nj
            assert np.allclose(log_p_n, [v - log_total for v in z_n], rtol=1e-14, atol=1e-12)
        assert np.array_equal(p, losses.softmax(z)) and np.array_equal(log_p, losses.log_softmax(z))


def test_fit_checks_its_data_once_and_leaves_the_checks_on():
    """fit's steps skip check_XY on rows of its checked data; afterwards (and after a step that
    raises) every call checks again: fails if inputs_checked stayed on."""
    from minnet.mlp import MLP
    from minnet.optim import SGD
    from minnet.train import fit

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    net = MLP([3, 4, 2], loss="cross_entropy", seed=0)
    fit(net, X, y, SGD(net.params, lr=0.1), 2, batch_size=5, seed=0)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        net.loss_and_grad(bad, y)
    with pytest.raises(RuntimeError), net.inputs_checked():
        raise RuntimeError("a step that fails")
    assert not net.inputs_trusted
    with pytest.raises(ValueError, match="NaN"):
        net.loss(bad, y)
