"""The document-003 studies run with --quick and write what they promise; the trajectory measures on a hand-made path."""

import json

import numpy as np
from claims_check import check_claims, check_rows

from demos import init_study, landscape_slices, trajectories
from minnet.studies import complex_mult as cm


def test_epoch_updates_on_a_hand_made_trajectory():
    snapshots = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [2.0, 0.0], [1.0, 0.0]])
    distance, cosine = cm.epoch_updates(snapshots)
    np.testing.assert_allclose(distance, [1, 1, 0, 1])
    assert cosine[0] == 1.0 and np.isnan(cosine[1]) and np.isnan(cosine[2])
    np.testing.assert_allclose(cm.moving_average(np.array([1.0, 3.0, 5.0, 7.0]), 2), [1, 2, 4, 6])


def test_init_study_quick(tmp_path):
    assert init_study.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    assert "init_study.correlation_5_100" in check_claims(tmp_path, "init_study")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["models"] == 5 and -1 <= summary["correlation"] <= 1
    # the rows a default run judges (100 epochs, 10 groups), each able to fail: the quick groups repeated to 10
    ten = lambda values: (values * 10)[:10]  # noqa: E731
    as_default = {
        **summary,
        **{key: ten(v) for key, v in summary.items() if key.endswith("_per_group") and isinstance(v, list)},
        "test_loss_ranges_per_group": {e: ten(v) for e, v in summary["test_loss_ranges_per_group"].items()},
    }
    rows = check_rows(init_study.claims(as_default, True), "init_study")
    assert all(row["verdict"] != "not comparable" for row in rows.values())
    assert (tmp_path / "initialisation.png").stat().st_size > 1000


def test_trajectories_quick(tmp_path):
    assert trajectories.main(["--quick", "--quiet", "--out", str(tmp_path)]) == 0
    assert check_claims(tmp_path, "trajectories")["trajectories.lr_0.01"]["verdict"] == "not comparable"  # --quick
    with np.load(tmp_path / "results.npz") as results:
        assert results["lr0.01/params"].shape == (151, 4 * 6 + 6 + 6 * 8 + 8 + 8 * 6 + 6 + 6 * 2 + 2)
        assert (
            np.isnan(results["lr0.03/drift_fraction"][:99]).all()
            and np.isfinite(results["lr0.03/drift_fraction"][99:]).all()
        )


def test_landscape_slices_quick(tmp_path):
    assert landscape_slices.main(["--quick", "--quiet", "--out", str(tmp_path)]) == 0
    check_claims(tmp_path, "landscape_slices")
    summary = json.loads((tmp_path / "summary.json").read_text())
    with np.load(tmp_path / "results.npz") as results:
        assert abs(results["along_gradient"][len(results["s"]) // 2]) < 1e-12  # s = 0 is theta itself
        plane = results["model_plane"]
        span = results["span"]
        i0, i1 = np.argmin(np.abs(span - 0)), np.argmin(np.abs(span - 1))
        np.testing.assert_allclose([plane[i0, i0], plane[i1, i0], plane[i0, i1]], summary["model_losses"], rtol=1e-10)
