"""The demo launcher and the gradient check a user can run."""

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
    assert any("landscape" in n for n in names) and any("per-example" in n for n in names)
    for workload in results["workloads"]:
        assert all(seconds > 0 for seconds in workload["times"].values())
    memory = results["workloads"][1]["peak_memory_mb"]
    assert memory["materialised (N, P) gradients"] > memory["kernel"]
    assert "ratio to kernel" in capsys.readouterr().out
