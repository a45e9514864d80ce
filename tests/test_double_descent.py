"""Document 004's double-descent study: the minimum-norm fit on cases whose answer is known, the noisy subset,
and the study's --quick run; --trained (every layer trained): its widths, pixels, threshold and peak, the same
numbers serially, in local workers and on a Dask LocalCluster, and its --quick run."""

import json

import numpy as np
import pytest
from claims_check import check_claims, check_rows

from demos import double_descent
from minnet.studies import double_descent as dd


def test_readout_is_the_least_squares_fit_below_the_threshold_and_the_smallest_exact_fit_above():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 6)), rng.normal(size=(30, 10))
    for N in (5, 60):  # 6 columns of [a_1 1] < 30 rows; 61 > 30
        net = dd.MLP([6, N, 10], activation="relu", init="he", seed=1)
        features = dd.fit_readout(net, X, Y)
        np.testing.assert_array_equal(features, dd.random_features(net, X))  # the features it fitted
        F1 = np.hstack([features, np.ones((30, 1))])
        B = np.vstack([net.W[2].T, net.b[2]])
        np.testing.assert_allclose(F1.T @ (F1 @ B - Y), 0, atol=1e-8)  # the normal equations: a least-squares fit
        if N == 60:
            np.testing.assert_allclose(F1 @ B, Y, atol=1e-8)  # exact
            null = np.linalg.svd(F1)[2][30:]  # directions that change no fitted value
            np.testing.assert_allclose(null @ B, 0, atol=1e-8)  # B has no part in them: the smallest exact fit
        np.testing.assert_allclose(net.forward(X), F1 @ B, atol=1e-10)  # the network computes what was fitted


def test_errors_from_the_features_are_the_forward_pass_bit_for_bit():
    X, y, X_test, y_test = dd.noisy_subset(100, 0.1, seed=3)
    net = dd.MLP([784, 60, 10], activation="relu", loss="mse", init="he", seed=4)  # below the threshold
    features = dd.fit_readout(net, X, np.eye(10)[y])
    buffer = np.full(len(X_test) * 70, np.nan)  # a wider width's buffer, dirty: every entry is written
    in_buffer = dd.random_features(net, X_test, out=buffer[: len(X_test) * 60].reshape(-1, 60))
    np.testing.assert_array_equal(in_buffer, dd.random_features(net, X_test))
    assert np.shares_memory(in_buffer, buffer)
    for F, images, labels in ((features, X, y), (in_buffer, X_test, y_test)):
        error, loss = dd.readout_error_and_loss(net, F, labels)
        assert (error, loss) == dd.error_and_loss(net, images, labels)  # the same bits as one forward pass
        assert 0 < error < 1 and loss > 0


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


# ----- --trained: every layer trained (Nakkiran et al.) --------------------------------------------
def test_trained_widths_are_log_spaced_from_1_to_the_widest():
    widths = dd.trained_widths(512)
    assert widths[0] == 1 and widths[-1] == 512 and len(widths) >= 20 and widths == sorted(set(widths))
    wide = np.array([k for k in widths if k >= 16])
    assert np.all(wide[1:] / wide[:-1] < 1.3)  # a third of an octave apart (2^(1/3) = 1.26) once rounding is small


def test_pooled_pixels_are_block_means_and_the_parameter_count_is_the_networks():
    X = np.random.default_rng(0).random((3, 784))
    P = dd.pooled(X)
    image = X[1].reshape(28, 28)
    assert P.shape == (3, 49) and np.isclose(P[1, 7 * 2 + 5], image[8:12, 20:24].mean())
    for k in (1, 37):
        assert dd.parameter_count(k) == dd.MLP([49, k, 10]).n_params


def test_threshold_and_peak_on_a_curve_whose_answer_is_known():
    widths = [1, 2, 4, 8, 16, 32, 64]
    train = [0.6, 0.4, 0.2, 0.06, 0.0, 0.0, 0.0]
    test = [0.7, 0.3, 0.25, 0.4, 0.35, 0.3, 0.28]  # the U's bottom at 4, the peak at 8
    assert dd.interpolation_threshold(widths, train) == 16
    assert dd.interpolation_threshold(widths, train, eps=0.1) == 8
    assert dd.peak_of_test_error(widths, test, 16) == (2, 3)
    assert dd.interpolation_threshold(widths, [0.5] * 7) is None


def run_quick(out, *how):
    assert double_descent.main(["--trained", "--quick", "--quiet", *how, "--out", str(out)]) == 0
    return np.load(out / "results.npz")


def test_double_descent_trained_quick_gives_the_same_numbers_serially_in_local_workers_and_on_dask(tmp_path):
    serial = run_quick(tmp_path / "serial", "--workers", "1")
    rows = check_claims(tmp_path / "serial", "double_descent")
    scored = [row for row in rows.values() if row["kind"] != "setting"]
    assert len(scored) == 2 * 2 + 2 and {row["verdict"] for row in scored} == {"not comparable"}  # 60 epochs
    summary = json.loads((tmp_path / "serial" / "summary.json").read_text())
    as_full = dict(summary, args=dict(summary["args"], epochs=double_descent.TRAINED_EPOCHS))  # the rules themselves
    full_rows = check_rows(double_descent.trained_claims(as_full), "double_descent")
    assert full_rows["double_descent.trained_peak_noise_0"]["rule"]["name"] == "beats_baseline"
    assert serial["test_error"].shape == (2, 2, len(dd.trained_widths(16)))  # noise levels, seeds, widths
    for curve, errors in zip(summary["curves"], serial["train_error"]):
        np.testing.assert_array_equal(curve["median_train_error"], np.median(errors, axis=0))
    assert np.all(serial["train_error"][:, :, -1] < serial["train_error"][:, :, 0])  # 16 units fit more than 1
    assert (tmp_path / "serial" / "double_descent_trained.png").stat().st_size > 1000

    local = run_quick(tmp_path / "local", "--workers", "2")
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = run_quick(tmp_path / "dask", "--dask", cluster.scheduler_address)
        with pytest.raises(ValueError, match="No clients found"):
            distributed.default_client()  # the study closed its client (minnet.tools.sweep.dask_executor)
    for key in serial.files:
        np.testing.assert_array_equal(serial[key], local[key])
        np.testing.assert_array_equal(serial[key], on_dask[key])


def test_trained_writes_its_own_folder_and_refuses_a_day_long_run(monkeypatch, capsys):
    asked = []
    monkeypatch.setattr(double_descent, "run_study", lambda args, *rest: asked.append(args))
    double_descent.main(["--trained", "--quick"])
    double_descent.main(["--quick"])
    assert [args.out for args in asked] == [double_descent.TRAINED_OUT, double_descent.DEFAULT_OUT]
    with pytest.raises(SystemExit):
        double_descent.main(["--trained", "--seeds", "1000"])
    assert "argument --seeds: the run would take about" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        double_descent.main(["--trained", "--noise-levels", "0.3"])
    assert "argument --noise-levels: must be among 0.0 0.1 0.2" in capsys.readouterr().err
