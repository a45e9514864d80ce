"""minnet.sweep: the same results whatever runs them; failures reported, results kept; re-runs fill the gaps."""

import numpy as np
import pytest

from minnet import sweep
from minnet.dynamics import doc000_task

CONFIGS = [{"f": f, "h": h, "lr": lr, "epochs": 30, "loop": "example_by_example"} for f, h, lr in [("f1", 3, 1.0), ("f2", 5, 0.1), ("f1", 2, 0.4), ("f2", 3, 0.05)]]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for key in x:
            np.testing.assert_array_equal(x[key], y[key])


def test_serial_local_processes_and_dask_agree():
    serial = sweep.run(doc000_task, CONFIGS, workers=1, progress=False)
    local = sweep.run(doc000_task, CONFIGS, workers=2, progress=False)
    assert_same(serial, local)
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_dask = sweep.run(doc000_task, CONFIGS, executor=client.get_executor(), progress=False)
    assert_same(serial, on_dask)
    assert not serial.failures and not local.failures and not on_dask.failures


def test_a_failing_task_is_reported_and_the_others_kept(capsys):
    configs = [CONFIGS[0], {"f": "f1", "h": 1, "lr": 1.0, "epochs": 5}, CONFIGS[1]]  # h = 1 is refused
    results = sweep.run(doc000_task, configs, workers=1, progress=False)
    assert results[1] is None and results[0] is not None and results[2] is not None
    [(index, config, text)] = results.failures
    assert index == 1 and config["h"] == 1 and "ValueError" in text and "h counts the hidden bias unit" in text
    assert "task 1 with config" in capsys.readouterr().err


def test_rerun_fills_only_the_missing_results(tmp_path, monkeypatch):
    calls = []

    def counted(config):
        calls.append(config["h"])
        return doc000_task(config)

    first = sweep.run(counted, CONFIGS, workers=1, progress=False, folder=str(tmp_path))
    assert sorted(calls) == sorted(c["h"] for c in CONFIGS)
    missing = tmp_path / (sweep.config_key(CONFIGS[2]) + ".npz")
    missing.unlink()
    calls.clear()
    again = sweep.run(counted, CONFIGS, workers=1, progress=False, folder=str(tmp_path))
    assert calls == [CONFIGS[2]["h"]]
    assert_same(first, again)


def test_results_saved_to_a_folder_must_be_dicts(tmp_path):
    with pytest.raises(ValueError, match="must be dicts of arrays and numbers, got str"):
        sweep.run(str, [{"a": 1}], workers=1, progress=False, folder=str(tmp_path))
