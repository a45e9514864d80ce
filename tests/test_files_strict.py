"""Files read back whole and as written: a damaged .npz never loads part of an array, names survive the round trip."""

import io
import json
import zipfile

import numpy as np
import pytest

import minnet
from minnet import MLP, History
from minnet.tools import sweep
from minnet.tools.atomic import read_npz
from minnet.tools.history import UNREADABLE


def shrink_a_shape(path, member, old, new):
    """Rewrite `member`'s .npy header so that its shape reads `new` instead of `old` (same header length), CRC recomputed."""
    with zipfile.ZipFile(path) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    assert old.encode() in contents[member]
    contents[member] = contents[member].replace(old.encode(), new.encode(), 1)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def test_a_shrunk_shape_in_a_header_is_refused(tmp_path):
    """np.load would read the first 5 of the 50 floats and say nothing."""
    path = tmp_path / "h.npz"
    History({"train_loss": np.arange(50.0)}).save(path)
    shrink_a_shape(path, "train_loss.npy", "(50,)", "(5,) ")
    with np.load(path) as data:
        assert data["train_loss"].shape == (5,)  # what NumPy alone gives
    with pytest.raises(
        ValueError, match=rf"{path}: not a readable History file .*360 bytes beyond its header's shape \(5,\)"
    ):
        History.load(path)


def test_a_flipped_data_bit_fails_the_crc(tmp_path):
    path = tmp_path / "net.npz"
    MLP([2, 3, 1], seed=0).save(path)
    blob = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("params.npy")
    blob[info.header_offset + 30 + len(info.filename) + 200] ^= 4  # a byte of the stored parameters
    path.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match=str(path)):
        minnet.load(path)


def test_names_ending_in_npy_keep_their_own_arrays(tmp_path):
    path = tmp_path / "h.npz"
    History({"a": np.zeros(2), "a.npy": np.ones(3)}).save(path)
    loaded = History.load(path)
    np.testing.assert_array_equal(loaded["a"], np.zeros(2))
    np.testing.assert_array_equal(loaded["a.npy"], np.ones(3))


def test_an_array_name_that_is_not_a_string_is_refused_on_saving(tmp_path):
    with pytest.raises(ValueError, match="array names must be strings other than '__meta__', got 1"):
        History({1: np.zeros(2)}).save(tmp_path / "h.npz")
    assert not (tmp_path / "h.npz").exists()


def test_numpy_numbers_in_meta_are_saved_as_numbers(tmp_path):
    History({"x": np.zeros(2)}, {"diverged_at": np.int64(7), "lr": np.float32(0.5), "ok": np.bool_(True)}).save(
        tmp_path / "h.npz"
    )
    assert History.load(tmp_path / "h.npz").meta == {"diverged_at": 7, "lr": 0.5, "ok": True}


def test_meta_that_is_not_json_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="History.meta must hold JSON values"):
        History({"x": np.zeros(2)}, {"f": print}).save(tmp_path / "h.npz")


def test_a_header_that_is_not_a_literal_is_a_named_value_error(tmp_path):
    """One fuzzed file raised tokenize.TokenError from NumPy's header parser."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.zeros(3))
    member = bytearray(buffer.getvalue())
    start = member.index(b"{")
    member[start : start + 3] = b"'''"  # an unterminated triple-quoted string
    path = tmp_path / "h.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", bytes(member))
    with pytest.raises(ValueError, match=str(path)):
        History.load(path)
    with pytest.raises(
        UNREADABLE
    ):  # what History.load, minnet.load and the sweep turn into a ValueError naming the file
        read_npz(path)


def square_task(config):
    return {"y": np.array(config["x"]) ** 2}


def test_a_sweep_does_not_take_a_result_made_from_another_config(tmp_path, capsys):
    configs = [{"x": 2.0}]
    assert sweep.run(square_task, configs, workers=1, progress=False, folder=tmp_path)[0]["y"] == 4.0
    path = tmp_path / (sweep.config_key(configs[0]) + ".npz")
    other = sweep.result_arrays({"y": np.array(9.0)}, {"x": 3.0})  # a valid result file, of another task
    minnet.tools.atomic.save_npz(path, other)
    assert sweep.run(square_task, configs, workers=1, progress=False, folder=tmp_path)[0]["y"] == 4.0
    assert 'was made from the config {"x": 3.0}, not {"x": 2.0}; its task runs again' in capsys.readouterr().err
    assert json.loads(str(read_npz(path)["__config__"])) == {"x": 2.0}


def test_a_result_file_without_its_config_runs_again(tmp_path, capsys):
    configs = [{"x": 2.0}]
    path = tmp_path / (sweep.config_key(configs[0]) + ".npz")
    minnet.tools.atomic.save_npz(path, {"y": np.array(9.0)})
    assert sweep.run(square_task, configs, workers=1, progress=False, folder=tmp_path)[0]["y"] == 4.0
    assert "cannot be read as a result" in capsys.readouterr().err
