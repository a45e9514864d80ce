"""Document 004's double-descent study: the minimum-norm fit on cases whose answer is known, the noisy subset,
and the study's --quick run."""

import json

import numpy as np
from claims_check import check_claims

from demos import double_descent
from minnet.studies import double_descent as dd


def test_readout_is_the_least_squares_fit_below_the_threshold_and_the_smallest_exact_fit_above():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 6)), rng.normal(size=(30, 10))
    for N in (5, 60):  # 6 columns of [a_1 1] < 30 rows; 61 > 30
        net = dd.MLP([6, N, 10], activation="relu", init="he", seed=1)
        dd.fit_readout(net, X, Y)
        F1 = np.hstack([dd.random_features(net, X), np.ones((30, 1))])
        B = np.vstack([net.W[2].T, net.b[2]])
        np.testing.assert_allclose(F1.T @ (F1 @ B - Y), 0, atol=1e-8)  # the normal equations: a least-squares fit
        if N == 60:
            np.testing.assert_allclose(F1 @ B, Y, atol=1e-8)  # exact
            null = np.linalg.svd(F1)[2][30:]  # directions that change no fitted value
            np.testing.assert_allclose(null @ B, 0, atol=1e-8)  # B has no part in them: the smallest exact fit
        np.testing.assert_allclose(net.forward(X), F1 @ B, atol=1e-10)  # the network computes what was fitted


def test_noisy_subset_redraws_about_the_asked_fraction_and_keeps_test_labels_true():
    X, y, X_test, y_test = dd.noisy_subset(1000, 0.3, seed=2)
    _, clean, _, same_test = dd.noisy_subset(1000, 0.0, seed=2)
    assert X.shape == (1000, 784) and X_test.shape == (4000, 784)
    changed = np.mean(y != clean)  # a redrawn label keeps its value 1 time in 10
    assert 0.3 * 0.9 - 0.05 < changed < 0.3 * 0.9 + 0.05
    np.testing.assert_array_equal(y_test, same_test)


def test_widths_pass_through_the_threshold():
    assert 999 in dd.widths(1000, 10) and max(dd.widths(1000, 10)) == 10_000


def test_double_descent_quick(tmp_path):
    assert double_descent.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    rows = check_claims(tmp_path, "double_descent")
    assert rows["double_descent.interpolates_from_threshold"]["measured"] is True
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["threshold"] == 2000 and summary["peak_weights"] == 2000  # 200 images: the peak at 10 x 200
    assert (tmp_path / "double_descent.png").stat().st_size > 1000
