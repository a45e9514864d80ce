"""python -m demos.edge_of_stability: files, the claims table, and the measures on known traces."""

import json

import numpy as np
import pytest
from claims_check import check_claims

from demos import edge_of_stability as eos
from minnet.studies import edge_of_stability as measures


def test_quick_run_writes_its_files_and_claims(tmp_path, capsys):
    assert eos.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    check_claims(tmp_path, "edge_of_stability")
    assert (tmp_path / "edge_of_stability.png").stat().st_size > 10_000
    summary = json.loads((tmp_path / "summary.json").read_text())
    claims = {row["id"]: row for row in summary["claims"]}
    assert all(row["kind"] in ("beyond", "setting") for row in claims.values())  # no document of minnet's
    # even 300 iterations on 300 digits show it at lr 0.4: sharpening to 2/lr = 5, then hovering there
    assert claims["edge_of_stability.sharpens_to_2_over_lr_0.4"]["verdict"] == "reproduced"
    assert claims["edge_of_stability.hovers_at_2_over_lr_0.4"]["verdict"] == "reproduced"
    assert "edge_of_stability.adam_preconditioned_38_over_lr" in claims
    with np.load(tmp_path / "results.npz") as results:
        assert results["gd_lr0.4_sharpness"].shape == results["gd_lr0.4_sharpness_iteration"].shape == (31,)
        assert results["adam_stability_threshold"] == pytest.approx(38 / 0.002)
        # Adam's preconditioner is undefined before its first step
        assert np.isnan(results["adam_preconditioned_sharpness"][0])
    assert "Cohen et al. 2021" in capsys.readouterr().out


def test_edge_measures_on_a_known_trace():
    iteration = np.arange(0, 100, 10)
    sharpness = np.array([1.0, 2.0, 3.0, 4.2, 3.9, 4.1, 4.0, 3.9, 4.1, 4.0])
    loss = np.linspace(1.0, 0.1, 100)
    loss[50] = 0.9  # one rise after the crossing
    m = measures.edge_measures(iteration, sharpness, loss, threshold=4.0)
    assert m["crossing"] == 30 and m["peak"] == 4.2 and m["initial"] == 1.0
    assert m["late_mean_over_threshold"] == pytest.approx(np.mean([4.1, 4.0, 3.9, 4.1, 4.0]) / 4.0)
    assert m["loss_rises_after_crossing"] == 1 and m["final_loss"] < m["loss_at_crossing"]
