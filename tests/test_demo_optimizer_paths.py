"""python -m demos.optimizer_paths: the frozen-weights race against plain gradient descent, and the files."""

import json

import numpy as np
import pytest
from claims_check import check_claims

from demos import optimizer_paths
from minnet import MLP
from minnet.data import doc002
from minnet.studies import optimizer_paths as op


def test_full_batch_sgd_path_is_gradient_descent_on_two_weights():
    X, Y = doc002(seed=0)
    net = MLP([3, 3, 3, 3, 1], activation="tanh", seed=0)
    i, j = op.layer2_index(net, 1), op.layer2_index(net, 5)
    r = op.race(net, X, Y, i, j, np.array([0.5, -0.5]), "sgd", lr=0.1, epochs=5, batch_size=None, seed=0)
    w = net.copy()
    w.params[[i, j]] = [0.5, -0.5]
    expected = [w.params[[i, j]].copy()]
    for _ in range(5):
        grad = w.loss_and_grad(X, Y)[1]
        w.params[[i, j]] -= 0.1 * grad[[i, j]]  # w := w - alpha g, the two weights only
        expected.append(w.params[[i, j]].copy())
    np.testing.assert_array_equal(r["path"], np.array(expected))
    assert r["loss"][-1] == pytest.approx(w.loss(X, Y), rel=1e-14)
    others = np.setdiff1d(np.arange(net.n_params), [i, j])
    assert np.array_equal(w.params[others], net.params[others])


def test_demo_files_and_numbers(tmp_path, capsys):
    argv = [
        "--quick",
        "--quiet",
        "--activation",
        "tanh",
        "--weights",
        "1",
        "5",
        "--start",
        "0.5",
        "-0.5",
        "--out",
        str(tmp_path),
        "--animate",
    ]
    assert optimizer_paths.main(argv + ["--points-per", "batch", "--batch-size", "100"]) == 0
    for name in (
        "landscape.png",
        "paths.png",
        "other_landscapes.png",
        "losses.png",
        "paths.gif",
        "results.npz",
        "summary.json",
    ):
        assert (tmp_path / name).stat().st_size > 500, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [o["optimizer"] for o in summary["optimizers"]] == ["SGD", "RMSprop", "Adam", "AdamW"]
    with np.load(tmp_path / "results.npz") as results:
        grid = results["grid"]
        assert grid.shape == (41, 41)
        # the centre is the network's own weights
        assert grid[20, 20] == pytest.approx(summary["network_loss"], rel=1e-9)
        assert results["start0/adam/path"].shape == (10 * 10 + 1, 2)  # 10 epochs of 10 batches, plus the start
        assert np.all(grid >= summary["grid_min_loss"])
    assert "grid minimum" in capsys.readouterr().out


def test_default_claims_and_an_interior_minimum(tmp_path):
    """At the defaults (untrained relu) the two weights are a pair whose landscape has its lowest point inside the grid."""
    assert optimizer_paths.main(["--quick", "--quiet", "--out", str(tmp_path)]) == 0
    claims = check_claims(tmp_path, "optimizer_paths")
    assert {"optimizer_paths.untrained_relu_minimum", "optimizer_paths.untrained_relu_optimizers_at_minimum"} <= set(
        claims
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["grid_min_on_edge"] is False
    assert isinstance(claims["optimizer_paths.untrained_relu_minimum"]["measured"], float)


def test_scale_ratio_is_the_rise_along_one_weight_over_the_other():
    a = np.linspace(-1, 1, 41)
    A, B = np.meshgrid(a, a, indexing="ij")
    assert op.scale_ratio(A**2 + 100 * B**2) == pytest.approx(100)
    assert op.scale_ratio(A**2 + 0 * B) == float("inf")  # one weight changes nothing


def test_the_varying_scales_row_is_there_at_the_defaults(tmp_path):
    assert optimizer_paths.main(["--quick", "--quiet", "--out", str(tmp_path)]) == 0
    claims = check_claims(tmp_path, "optimizer_paths")
    row = claims["optimizer_paths.trained_relu_varying_scales"]
    assert "untrained relu network's, a baseline" in row["note"] and row["rule"] == {
        "name": "band",
        "lo": 3,
        "hi": None,
    }


def test_roughness_is_one_for_a_straight_path_and_grows_with_zigzags():
    straight = np.linspace([0, 0], [1, 2], 21)
    zigzag = straight + 0.2 * np.array([[(-1) ** k, 0] for k in range(21)])
    assert op.roughness(straight) == pytest.approx(1.0)
    assert op.roughness(zigzag) > 2
