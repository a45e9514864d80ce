"""minnet.tools.sweep: the same results whatever runs them; failures reported, results kept; re-runs fill the gaps."""

import numpy as np
import pytest

from minnet.studies.dynamics import doc000_task
from minnet.tools import sweep

CONFIGS = [
    {"f": f, "h": h, "lr": lr, "epochs": 30, "loop": "example_by_example"}
    for f, h, lr in [("f1", 3, 1.0), ("f2", 5, 0.1), ("f1", 2, 0.4), ("f2", 3, 0.05)]
]


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
    results = sweep.run(str, [{"a": 1}], workers=1, progress=False, folder=str(tmp_path))
    assert results[0] is None and "must be dicts of arrays and numbers, got str" in results.failures[0][2]


def echo_task(config):
    """A sweep task that returns what its config asks for (module level, so that workers can import it)."""
    kind = config["kind"]
    if kind == "none":
        return {"x": None}
    if kind == "list":
        return [1, 2]
    return {"x": np.arange(3.0) * config["scale"]}


def test_config_keys_are_canonical():
    big = np.zeros(2000)
    other = big.copy()
    other[1000] = 1.0  # str() of both elides the middle; the key must not
    assert sweep.config_key({"w": big}) != sweep.config_key({"w": other})
    assert sweep.config_key({"n": np.int64(3), "lr": np.float64(0.5)}) == sweep.config_key({"n": 3, "lr": 0.5})
    assert sweep.config_key({"a": 1, "b": [2, 3]}) == sweep.config_key({"b": (2, 3), "a": 1})
    with pytest.raises(TypeError, match=r"config\['f'\]: a sweep config holds plain values"):
        sweep.config_key({"f": object()})


def test_results_that_cannot_be_saved_are_failures_and_the_sweep_goes_on(tmp_path, capsys):
    configs = [{"kind": "none"}, {"kind": "list"}, {"kind": "ok", "scale": 2.0}]
    results = sweep.run(echo_task, configs, workers=1, progress=False, folder=tmp_path)
    assert results[0] is None and results[1] is None and results[2]["x"].tolist() == [0.0, 2.0, 4.0]
    assert [index for index, _, _ in results.failures] == [0, 1]
    assert "cannot be saved without pickle" in results.failures[0][2] and "dicts of arrays" in results.failures[1][2]
    assert len(list(tmp_path.iterdir())) == 1  # only the good result was kept


def test_a_truncated_result_file_is_named_and_recomputed(tmp_path, capsys):
    configs = [{"kind": "ok", "scale": 1.0}, {"kind": "ok", "scale": 3.0}]
    sweep.run(echo_task, configs, workers=1, progress=False, folder=tmp_path)
    broken = tmp_path / (sweep.config_key(configs[1]) + ".npz")
    broken.write_bytes(broken.read_bytes()[:40])
    again = sweep.run(echo_task, configs, workers=1, progress=False, folder=tmp_path)
    assert again[1]["x"].tolist() == [0.0, 3.0, 6.0] and not again.failures
    assert f"{broken} cannot be read" in capsys.readouterr().err
    assert sweep.load_result(broken, configs[1])["x"].tolist() == [0.0, 3.0, 6.0]  # rewritten whole


def sleepy_task(config):
    """Writes this worker's pid, sleeps config["seconds"], returns its index."""
    import os
    import time

    with open(os.path.join(config["pids"], f"{os.getpid()}.pid"), "w") as f:
        f.write("")
    time.sleep(config["seconds"])
    return {"k": config["k"]}


INTERRUPTED_SWEEP = """
import sys
from minnet.tools import sweep
from test_sweep import sleepy_task
folder, pids = sys.argv[1], sys.argv[2]
configs = [{"k": k, "seconds": 0.2 if k < 2 else 30.0, "pids": pids} for k in range(8)]
if __name__ == "__main__":
    sweep.run(sleepy_task, configs, workers=2, progress=False, folder=folder)
"""


def alive(pid):
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie has ended; only its parent has not reaped it
        return f.read().split(")")[-1].split()[0] != "Z"


def start_sweep(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    script, pids = tmp_path / "sweep_script.py", tmp_path / "pids"
    script.write_text(INTERRUPTED_SWEEP)
    pids.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "results"), str(pids)],
        env=env,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Ctrl-C as at a terminal: a job started
    )  # in the background without job control, as CI may be, inherits SIGINT ignored
    deadline = time.time() + 60
    while time.time() < deadline and len(list((tmp_path / "results").glob("*.npz"))) < 2:
        time.sleep(0.1)  # the two short tasks are done; the workers sleep in two long ones
    time.sleep(0.5)
    return process, pids


def test_ctrl_c_keeps_what_finished_and_exits_at_once(tmp_path):
    import signal
    import time

    process, pids = start_sweep(tmp_path)
    process.send_signal(signal.SIGINT)
    start = time.time()
    process.wait(timeout=20)
    assert time.time() - start < 10 and process.returncode != 0
    assert len(list((tmp_path / "results").glob("*.npz"))) == 2  # the two finished tasks were saved
    time.sleep(1)
    assert not [p for p in pids.glob("*.pid") if alive(int(p.stem))]  # no worker goes on


def test_workers_exit_when_the_sweep_is_killed(tmp_path):
    import signal
    import time

    process, pids = start_sweep(tmp_path)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.time() + 10
    while time.time() < deadline and [p for p in pids.glob("*.pid") if alive(int(p.stem))]:
        time.sleep(0.2)
    assert not [p for p in pids.glob("*.pid") if alive(int(p.stem))]  # orphans noticed their parent was gone


@pytest.mark.parametrize("workers", [1, 2])
def test_running_tasks_report_their_progress_to_the_sweeps_bar(monkeypatch, workers):
    """A task's training loop (minnet.tools.progress.steps, here fit's epochs) reports to the sweep's bar, from this
    process or from the pool's workers through the queue; with progress off nothing is reported."""
    reports = []
    monkeypatch.setattr(
        sweep.ProgressBar, "report", lambda self, who, desc, done, total: reports.append((desc, done, total))
    )
    configs = [{"f": "f1", "h": 3, "lr": 1.0, "epochs": 300, "loop": "vectorised"}]
    sweep.run(doc000_task, configs, workers=workers, progress=True)
    assert ("epochs", 300, 300) in reports  # the last report: the loop's end
    reports.clear()
    sweep.run(doc000_task, configs, workers=workers, progress=False)
    assert reports == []


def counted_task(config):
    """A sweep task that counts its calls in a file (module level, so that workers can import it)."""
    with open(config["calls"], "a") as f:
        f.write("x")
    return {"x": np.asarray(config["x"]) * 2}


def test_configs_built_with_numpy_are_saved_and_found_again(tmp_path):
    """np.int64 and np.float64 values (np.arange, np.linspace) and NaN: saved with their result, and a re-run
    finds every result instead of computing it again."""
    calls = str(tmp_path / "calls")
    configs = [{"x": x, "calls": calls} for x in [np.int64(2), *np.arange(2), *np.linspace(0, 1, 3), float("nan")]]
    first = sweep.run(counted_task, configs, workers=1, progress=False, folder=str(tmp_path / "results"))
    assert not first.failures and [int(r["x"]) for r in first[:5]] == [4, 0, 2, 0, 1]
    again = sweep.run(counted_task, configs, workers=1, progress=False, folder=str(tmp_path / "results"))
    assert not again.failures and (tmp_path / "calls").read_text() == "x" * len(configs)  # none ran twice
    assert_same(first[:-1], again[:-1]) and np.isnan(again[-1]["x"])


def blas_threads_task(config):
    """The thread counts of the OpenBLAS libraries where this task runs."""
    return {"threads": np.array(sweep.blas_threads())}


@pytest.mark.parametrize("workers", [1, 2])
def test_every_task_computes_on_one_blas_thread_wherever_it_runs(workers):
    """OpenBLAS on several threads adds a long sum in another order (x @ x over 12,063 weights, a gradient summed
    over 577 examples): a task in this process must compute as one in a pool's worker, and this process gets
    its own thread count back."""
    before = sweep.blas_threads()
    if not before:
        pytest.skip("NumPy's BLAS here is not an OpenBLAS whose threads minnet can set")
    results = sweep.run(blas_threads_task, [{"k": k} for k in range(3)], workers=workers, progress=False)
    assert all(r["threads"].tolist() == [1] * len(before) for r in results), results
    assert sweep.blas_threads() == before
