"""python -m demos.oscillations: files, and the numbers against document 000."""

import json

import numpy as np

from demos import oscillations


def test_oscillations_reproduces_the_document(tmp_path, capsys):
    assert oscillations.main(["--quick", "--quiet", "--lr-study", "--animate", "--out", str(tmp_path)]) == 0
    for name in ("fig1_errors_gradients_weights.png", "fig2_gradient_picture.png", "learned_function.png", "fig3_learning_rates.png", "dynamic_view.gif"):
        assert (tmp_path / name).stat().st_size > 1000, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["argmin_grad_norm"], summary["argmin_train_loss"], summary["argmin_test_loss"]) == (734, 752, 755)
    assert 500 < summary["grad_norm_growth"] < 700  # the document: "600 times bigger"
    assert summary["order_as_document"] is True
    for key in ("min_test_loss", "final_test_loss", "angle_onset_10", "angle_onset_45", "angle_onset_90"):
        assert key in summary
    with np.load(tmp_path / "results.npz") as results:
        assert results["train_loss"][0] == np.float64(0.8974282059804607)
        assert results["U"].shape == (1001, 2, 2) and results["V"].shape == (1001, 1, 3)
        assert results["grad_angle"].shape == (999,)
    out = capsys.readouterr().out
    assert "as the document says" in out and "learning-rate study" in out
