"""python -m demos.loss_surface: files, the symmetry that never breaks, and the IDX path."""

import gzip
import json
import struct

import numpy as np
from claims_check import check_claims

from demos import loss_surface


def test_loss_surface_quick(tmp_path, capsys):
    assert loss_surface.main(["--quick", "--quiet", "--out", str(tmp_path)]) == 0
    # MNIST-5k, not Fashion-MNIST
    assert check_claims(tmp_path, "loss_surface")["loss_surface.data"]["verdict"] == "not comparable"
    for name in (
        "surface_1d.png",
        "surface_2d.png",
        "interpolation.png",
        "initialisation.png",
        "deep_relu.png",
        "results.npz",
        "summary.json",
    ):
        assert (tmp_path / name).stat().st_size > 1000, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["init"]["all equal"]["hidden_spread"] == [0.0]  # identical hidden units stay identical
    assert summary["init"]["He"]["hidden_spread"][0] > 0
    assert summary["train_loss"]["w_hat"] < summary["train_loss"]["w0"]
    with np.load(tmp_path / "results.npz") as results:
        assert results["plane"].shape == (7, 7)
        centre = results["slice_w_hat/train"][len(results["alphas"]) // 2]
        assert (
            centre == np.float64(summary["train_loss"]["w_hat"])
            or abs(centre / summary["train_loss"]["w_hat"] - 1) < 1e-12
        )
    assert "hidden units still identical after training (largest difference 0): True" in capsys.readouterr().out


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_loss_surface_reads_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 60), ("t10k", 20)):
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", rng.integers(0, 10, n))
    out = tmp_path / "out"
    assert (
        loss_surface.main(["--quick", "--quiet", "--data", "fashion", "--data-dir", str(tmp_path), "--out", str(out)])
        == 0
    )
    assert json.loads((out / "summary.json").read_text())["sizes"] == [784, 32, 10]
