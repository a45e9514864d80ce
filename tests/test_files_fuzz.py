"""Damaged files: IDX, History and network files, fuzzed. Only a ValueError naming the file ever comes out."""

import gzip
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minnet
from minnet import MLP, History, TwoLayerNet
from minnet.data import read_idx


def idx_bytes():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    return bytes([0, 0, 0x08, 3]) + np.array(images.shape, ">u4").tobytes() + images.tobytes()


def history_bytes(tmp):
    path = tmp / "h.npz"
    History({"train_loss": np.linspace(1, 0, 5), "params": np.ones((5, 3))}, {"diverged_at": None}).save(path)
    return path.read_bytes()


def network_bytes(tmp):
    path = tmp / "n.npz"
    MLP([2, 3, 1], seed=0).save(path)
    return path.read_bytes()


@st.composite
def damaged(draw, original):
    """The original bytes truncated, with bytes flipped, or with a stretch overwritten."""
    data = bytearray(original)
    kind = draw(st.sampled_from(["truncate", "flip", "overwrite"]))
    if kind == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        else:
            data[at] = draw(st.integers(0, 255))
    return bytes(data)


def assert_only_named_value_errors(read, path, blob):
    path.write_bytes(blob)
    try:
        read(path)
    except ValueError as err:
        assert str(path) in str(err), err


@settings(max_examples=400)
@given(st.data())
def test_damaged_idx_files(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("idx")
    gzipped = data.draw(st.booleans())
    original = gzip.compress(idx_bytes()) if gzipped else idx_bytes()
    path = folder / ("x.idx.gz" if gzipped else "x.idx")
    assert_only_named_value_errors(read_idx, path, data.draw(damaged(original)))


@settings(max_examples=400)
@given(st.data())
def test_damaged_history_files(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("history")
    assert_only_named_value_errors(History.load, folder / "d.npz", data.draw(damaged(history_bytes(folder))))


@settings(max_examples=400)
@given(st.data())
def test_damaged_network_files(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("network")
    assert_only_named_value_errors(minnet.load, folder / "d.npz", data.draw(damaged(network_bytes(folder))))


def test_read_idx_takes_a_pathlib_path(tmp_path):
    path = tmp_path / "x.idx"
    path.write_bytes(idx_bytes())
    assert read_idx(pathlib.Path(path)).shape == (2, 3, 4)


def test_history_keeps_every_name_and_refuses_objects(tmp_path):
    h = History({"allow_pickle": np.ones(2), "file": np.zeros(3)}, {"why": "names np.savez would have taken"})
    h.save(tmp_path / "h.npz")
    back = History.load(tmp_path / "h.npz")
    assert sorted(back) == ["allow_pickle", "file"] and back.meta == h.meta
    with pytest.raises(ValueError, match="holds Python objects"):
        History({"x": np.array([None, 1])}).save(tmp_path / "o.npz")
    with pytest.raises(ValueError, match="array names must be strings other than '__meta__'"):
        History({"__meta__": np.ones(1)}).save(tmp_path / "m.npz")


def test_a_history_missing_an_array_is_refused(tmp_path):
    import zipfile

    History({"a": np.ones(2), "b": np.ones(3)}).save(tmp_path / "h.npz")
    with zipfile.ZipFile(tmp_path / "h.npz") as full, zipfile.ZipFile(tmp_path / "cut.npz", "w") as cut:
        for name in full.namelist():
            if name != "b.npy":
                cut.writestr(name, full.read(name))
    with pytest.raises(ValueError, match=r"arrays \['b'\] are listed but missing"):
        History.load(tmp_path / "cut.npz")


def test_a_network_file_is_checked_before_the_network_is_built(tmp_path, monkeypatch):
    import json

    import minnet.tools.atomic

    path = tmp_path / "huge.npz"
    minnet.tools.atomic.save_npz(
        path,
        {
            "kind": np.array("MLP"),
            "config": np.array(json.dumps({"sizes": [100000, 100000, 1]})),
            "params": np.zeros(3),
        },
    )
    monkeypatch.setattr(minnet.MLP, "__init__", lambda *a, **k: pytest.fail("built before the check"))
    with pytest.raises(ValueError, match="has 10000200001 float64 parameters; the file holds"):
        minnet.load(path)
    assert TwoLayerNet  # the two kinds share the check
