"""python -m demos.neurons: files, the duplicate measure, and figure 6's numbers against document 000."""

import json

import numpy as np
from claims_check import check_claims

from demos import neurons


def test_neurons_quick_run(tmp_path, capsys):
    assert neurons.main(["--quick", "--quiet", "--out", str(tmp_path)]) == 0
    check_claims(tmp_path, "neurons")
    for name in (
        "fig4_learning_rates.png",
        "fig5_f2_20_units.png",
        "fig6_initial_scale.png",
        "results.npz",
        "summary.json",
    ):
        assert (tmp_path / name).stat().st_size > 1000, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    # document 000, figure 6: error 0.0068 from the drawn weights, 0.0066 from them x 10 (the test error, 2 digits)
    document = neurons.CLAIMS.document_value
    assert round(summary["runs"]["fig6_init_x1"]["final_test_loss"], 4) == document("final_test_f1_3_0.1_init1")
    assert round(summary["runs"]["fig6_init_x10"]["final_test_loss"], 4) == document("final_test_f1_3_0.1_init10")
    # small equal-ish weights: still duplicates after 1000
    assert summary["runs"]["fig6_init_x1"]["duplicates_at_end"] == ["0-1"]
    assert summary["runs"]["fig5_f2_h20"]["h"] == 20 and len(summary["runs"]["fig5_f2_h20"]["splits"]) == 19 * 18 // 2
    claims = {row["id"]: row for row in summary["claims"]}
    assert (
        claims["neurons.final_test_f1_3_0.1_init1"]["verdict"]
        == claims["neurons.final_test_f1_3_0.1_init10"]["verdict"]
        == "reproduced"
    )
    assert claims["neurons.final_test_f1_3_0.2"]["verdict"] == "not comparable"  # --quick shortens its 50,000 epochs
    with np.load(tmp_path / "results.npz") as results:
        # every 10th of the 3,001 snapshots (not --full)
        assert results["fig4_lr0.2/U"].shape == (
            neurons.QUICK_EPOCHS // 10 + 1,
            2,
            2,
        )
    assert "duplicates at end" in capsys.readouterr().out
