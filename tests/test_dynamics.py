"""Document 000's measures of training dynamics, on hand-made inputs."""

import numpy as np
import pytest

from minnet.studies.dynamics import (
    duplicate_distance,
    event_order,
    gradient_path_2d,
    instability_onset,
    longest_run_below,
    split_iterations,
)


def test_gradient_path_turns_left_after_even_angles_and_right_after_odd():
    points = gradient_path_2d([1.0, 1.0, 1.0], [90.0, 90.0])
    np.testing.assert_allclose(points, [[0, 0], [1, 0], [1, 1], [2, 1]], atol=1e-12)


def test_gradient_path_arrow_lengths_are_the_norms():
    norms = np.array([2.0, 0.5, 3.0, 1.0])
    points = gradient_path_2d(norms, [30.0, 170.0, 10.0])
    np.testing.assert_allclose(np.linalg.norm(np.diff(points, axis=0), axis=1), norms)
    with pytest.raises(ValueError, match="need 3 angles, got 2"):
        gradient_path_2d(norms, [1.0, 2.0])


def test_longest_run_and_onset():
    assert longest_run_below([5, 0.1, 0.2, 7, 0.1, 0.1, 0.1, 9], 1.0) == (4, 7)
    assert longest_run_below([5, 6], 1.0) == (0, 0)
    assert instability_onset([1.0, 0.5, 0.4, 0.42, 0.3, 0.5]) == 5  # 0.42 is within 10% of 0.4; 0.5 is not of 0.3
    assert instability_onset([1.0, 0.5, 0.25]) is None


def test_event_order_on_a_made_up_run():
    angles = np.array([100.0] * 3 + [0.5] * 20 + [5.0, 20.0, 60.0, 120.0, 150.0])  # stable stretch, then growth
    norms = np.concatenate([np.linspace(1.0, 0.1, 25), [0.2, 0.8, 5.0, 60.0]])  # minimum at gradient 24
    train = np.concatenate([np.linspace(1.0, 0.01, 28), [0.02, 0.5]])  # minimum at iteration 27
    summary = event_order({"grad_angle": angles, "grad_norm": norms, "train_loss": train, "test_loss": train})
    assert (summary["stable_start"], summary["stable_end"]) == (5, 24)  # angles 3..22, plotted at iterations 5..24
    assert summary["angle_growth_start"] == 25 and summary["angle_onset_10"] == 26 and summary["angle_onset_90"] == 28
    assert summary["argmin_grad_norm"] == 25 and summary["argmin_train_loss"] == 27
    assert summary["grad_norm_growth"] == pytest.approx(600.0)
    assert summary["order_as_document"] is False  # the angle grows at 25, not before the norm's minimum at 25


def test_duplicate_distance_and_splits():
    T = 5
    U = np.zeros((T, 3, 2))
    V = np.zeros((T, 1, 4))
    U[:, 0] = [1.0, 1.0]
    U[:, 1] = [1.0, 1.0]
    U[3:, 1] = [-1.0, 1.0]  # unit 1 leaves unit 0 at iteration 3
    U[:, 2] = [1.0, 1.0]  # unit 2 stays a duplicate of unit 0
    V[:, 0, :3] = 1.0
    distance, pairs = duplicate_distance(U, V)
    assert pairs == [(0, 1), (0, 2), (1, 2)]
    np.testing.assert_allclose(distance[:3, 0], 0.0)
    assert distance[3, 0] == pytest.approx(2 / (2 * np.sqrt(3)))
    assert split_iterations(distance) == [3, None, 3]
