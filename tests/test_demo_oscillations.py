"""python -m demos.oscillations: files, and the numbers against document 000."""

import json

import numpy as np
import pytest
from claims_check import check_claims

from demos import oscillations


def test_oscillations_reproduces_the_document(tmp_path, capsys):
    assert oscillations.main(["--quick", "--quiet", "--lr-study", "--animate", "--out", str(tmp_path)]) == 0
    check_claims(tmp_path, "oscillations")
    for name in (
        "fig1_errors_gradients_weights.png",
        "fig2_gradient_picture.png",
        "learned_function.png",
        "edge_of_stability.png",
        "fig3_learning_rates.png",
        "last_bit.png",
        "dynamic_view.gif",
    ):
        assert (tmp_path / name).stat().st_size > 1000, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    # minnet's own run, the same bits on every machine (tests/test_same_everywhere.py)
    assert (summary["argmin_grad_norm"], summary["argmin_train_loss"], summary["argmin_test_loss"]) == (728, 745, 748)
    assert 500 < summary["grad_norm_growth"] < 700  # the document: "600 times bigger"
    assert summary["order_as_document"] is True
    # the edge of stability (exact Hessian, issue 18): 1.56 at the start, past 2/lr = 2 at 481, peak ~2.25 near the blow-up
    assert summary["sharpness_initial"] == pytest.approx(1.563, abs=1e-3)
    assert summary["sharpness_crosses_2_over_lr"] == 481
    assert (
        summary["sharpness_peak"] == pytest.approx(2.25, abs=0.01) and 734 <= summary["sharpness_peak_iteration"] <= 780
    )
    assert summary["order_with_sharpness"] is True
    claims = {row["id"]: row for row in summary["claims"]}
    last_bit = summary["last_bit"]
    assert last_bit["runs"] == 10 and len(set(last_bit["argmin_grad_norm"])) > 1  # the storm moves with the last bit
    assert last_bit["apart_at"]["500"] <= 1e-12 < last_bit["apart_at"]["700"]
    for key, document in (("argmin_grad_norm", 734), ("argmin_train", 752), ("argmin_test", 755)):
        row = claims[f"oscillations.{key}"]  # the notebook's iteration among the runs moved by one ulp
        assert row["document_value"] == document and row["rule"]["name"] == "plausible_draw"
        assert row["rule"]["n_seeds"] == 10 and "minnet's own run, the same bits on every machine" in row["note"]
    assert claims["oscillations.storm_moves_with_the_last_bit"]["verdict"] == "reproduced"
    sharpness = claims["oscillations.sharpness_before_angle"]
    assert sharpness["measured"] is True and "crosses 2/lr at iteration 481" in sharpness["note"]
    for lr, study in summary["lr_study"]["rates"].items():
        assert (
            study["two_over_lr"] == pytest.approx(2 / float(lr))
            and study["sharpness_peak"] > study["sharpness_initial"]
        )
    for key in ("min_test_loss", "final_test_loss", "angle_onset_10", "angle_onset_45", "angle_onset_90"):
        assert key in summary
    with np.load(tmp_path / "results.npz") as results:
        assert results["train_loss"][0] == np.float64(0.8974282059804602)  # the same bits on every machine
        assert results["U"].shape == (1001, 2, 2) and results["V"].shape == (1001, 1, 3)
        assert results["grad_angle"].shape == (999,)
        np.testing.assert_array_equal(results["sharpness_iteration"], np.arange(1001))
        assert results["sharpness"][900] == pytest.approx(2.02, abs=0.01)  # back near 2/lr after the blow-up
    out = capsys.readouterr().out
    assert "as the document says" in out and "learning-rate study" in out


def test_a_diverged_run_says_so_without_warnings_or_infinity(tmp_path):
    """oscillations --lr 30 blows up at iteration 105: figures marked, nothing measured from garbage, strict JSON."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy or matplotlib warning fails the test
        assert oscillations.main(["--lr", "30", "--quiet", "--sharpness-every", "5", "--out", str(tmp_path)]) == 0

    def refuse(constant):
        raise AssertionError(f"summary.json holds {constant}")

    summary = json.loads((tmp_path / "summary.json").read_text(), parse_constant=refuse)
    assert summary["diverged_at"] == 105 and "not finite" in summary["reason"]
    assert "argmin_grad_norm" not in summary and "sharpness_peak" not in summary  # no statistics of the blow-up
    assert [row["id"] for row in summary["claims"]] == ["oscillations.diverged"]
    with np.load(tmp_path / "results.npz") as results:
        assert np.all(np.isfinite(results["train_loss"])) and results["train_loss"].shape == (105,)
    assert (tmp_path / "fig1_errors_gradients_weights.png").stat().st_size > 1000
