"""The demo launcher, the gradient check a user can run, and the command-line plumbing the studies share."""

import numpy as np

from demos import __main__ as launcher
from demos import gradcheck


def test_launcher_lists_studies(capsys):
    assert launcher.main([]) == 0
    assert "gradcheck" in capsys.readouterr().out


def test_gradcheck_demo_passes_for_mlp_and_two_layer(capsys):
    assert gradcheck.main(["--sizes", "2", "5", "3", "1", "--activation", "tanh", "--loss", "mse"]) == 0
    out = capsys.readouterr().out
    assert "W3" in out and "PASS" in out
    assert launcher.main(["gradcheck", "--two-layer", "--sizes", "1", "1"]) == 0
    assert "U " in capsys.readouterr().out


def test_benchmark_quick_writes_its_numbers(tmp_path, capsys):
    import json

    from demos import benchmark

    path = tmp_path / "bench.json"
    assert benchmark.main(["--quick", "--repeats", "1", "--json", str(path)]) == 0
    results = json.loads(path.read_text())
    names = [w["workload"] for w in results["workloads"]]
    assert sum("landscape" in n for n in names) == 3 and any("per-example" in n for n in names)  # three weight scales
    for workload in results["workloads"]:
        assert all(seconds > 0 for seconds in workload["times"].values())
    memory = next(w for w in results["workloads"] if "per-example" in w["workload"])["peak_memory_mb"]
    assert memory["materialised (N, P) gradients"] > memory["kernel"]
    out = capsys.readouterr().out
    assert "ratio to kernel" in out
    assert "threads (minnet.tools.threads): cores" in out and "openblas" in results["threads"]  # what it ran with


def test_results_keep_every_tenth_snapshot_and_the_last_unless_full():
    from demos.cli import snapshots

    values = np.arange(25.0)[:, None] * np.ones((1, 3))
    kept = snapshots(values, full=False)
    assert kept.dtype == np.float32 and kept[:, 0].tolist() == [0, 10, 20, 24]
    assert snapshots(values, full=True) is values


def test_help_shows_the_notes_it_points_to(capsys):
    import pytest

    from demos import trajectories

    with pytest.raises(SystemExit):
        trajectories.main(["--help"])
    help_text = capsys.readouterr().out
    assert "see the notes below" in help_text
    assert trajectories.__doc__.strip().split("\n\n")[1].split()[0] in help_text  # the notes follow the options
