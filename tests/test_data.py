"""Shipped digits, document 002's toy data, and the IDX reader on files made here."""

import gzip
import struct

import numpy as np
import pytest

from minnet.data import doc002, load_digits, load_idx_dataset, mnist5k, read_idx


def write_idx(path, array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(data)


def test_digits_ship_with_minnet():
    X, labels = load_digits()
    assert X.shape == (1797, 64) and labels.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert sorted(np.unique(labels)) == list(range(10))
    assert np.bincount(labels).min() >= 170


def test_mnist5k_ships_with_minnet():
    X, labels = mnist5k()
    assert X.shape == (5000, 784) and X.dtype == np.float64 and labels.shape == (5000,) and labels.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(labels).tolist() == [500] * 10
    first = np.rint(X[0] * 255).astype(np.int64)  # the file's grey values, exactly
    assert labels[0] == 0 and first.sum() == 31095 and np.count_nonzero(first) == 176
    np.testing.assert_array_equal(X[0] * 255, first)


def test_doc002_grid_and_target():
    X, Y = doc002(seed=0, noise=0.0)
    assert X.shape == (1000, 3) and Y.shape == (1000, 1)
    assert sorted(np.unique(X[:, 0])) == pytest.approx(np.linspace(-2, 2, 10))
    x1, x2, x3 = X.T
    np.testing.assert_allclose(Y[:, 0], x1 * x2 - x3**2 - x2)
    noisy = doc002(seed=0)[1]
    assert 0.08 < np.std(noisy - Y) < 0.12


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, suffix):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, size=5).astype(np.uint8)
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels)
    X, y = load_idx_dataset(str(tmp_path), "train")
    np.testing.assert_array_equal(X, images.reshape(5, -1) / 255.0)
    np.testing.assert_array_equal(y, labels)


def test_idx_big_endian_types(tmp_path):
    values = np.arange(6, dtype=np.int32).reshape(2, 3) - 3
    write_idx(tmp_path / "x.idx", values, type_code=0x0C)
    np.testing.assert_array_equal(read_idx(str(tmp_path / "x.idx")), values)


def test_truncated_idx_names_file_and_problem(tmp_path):
    path = tmp_path / "cut.idx"
    write_idx(path, np.zeros((4, 3, 3), np.uint8))
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError, match=r"cut\.idx.*truncated or malformed"):
        read_idx(str(path))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x01\x02\x08\x01", "bad magic"),
        (b"\x00\x00\x42\x01", "type code 0x42"),
        (b"\x00\x00\x08\x03\x00", "truncated header"),
    ],
)
def test_malformed_idx(tmp_path, content, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_idx(str(path))


def test_corrupt_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="cannot read IDX file"):
        read_idx(str(path))


def test_missing_idx_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_idx_dataset(str(tmp_path))


def test_label_count_mismatch(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((3, 2, 2), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match="2 labels|labels for 3 images"):
        load_idx_dataset(str(tmp_path), "test")
