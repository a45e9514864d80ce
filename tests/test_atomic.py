"""Files are written whole or not at all."""

import json

import numpy as np
import pytest

from minnet.tools.atomic import atomic_write, save_json, save_npz


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "summary.json"
    save_json(path, {"a": 1})

    def half_then_crash(f):
        f.write(b'{"a": ')
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        atomic_write(path, half_then_crash)
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_npz_round_trip_into_a_new_folder(tmp_path):
    path = tmp_path / "new" / "results.npz"
    save_npz(path, {"x": np.arange(3.0)})
    with np.load(path, allow_pickle=False) as data:
        np.testing.assert_array_equal(data["x"], [0.0, 1.0, 2.0])


def test_an_interrupted_study_leaves_the_previous_outputs(tmp_path, monkeypatch):
    from demos import checkpointing

    out = tmp_path / "out"
    assert checkpointing.main(["--quick", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupted(results, out, args):
        (tmp_path / "seen").write_text(out)
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpointing, "plot", interrupted)
    with pytest.raises(KeyboardInterrupt):
        checkpointing.main(["--quick", "--out", str(out)])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # not a file changed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "seen"]  # no partial folder, no lock left
