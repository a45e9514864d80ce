"""A study's numbers do not depend on --workers: its runs in this process (--workers 1) compute as they do in
a pool's worker processes (minnet.tools.sweep runs every task on one OpenBLAS thread). Before, OpenBLAS
split the long sums of an in-process run between the cores: grokking's single_frequency 0.9002727 against
0.9002960, weight norms 0.016 apart; minima's sharpness in its last digits."""

import json

import numpy as np

from demos import grokking
from minnet.studies import minima as mn
from minnet.tools import sweep


def test_grokking_quick_is_the_same_bits_with_one_worker_and_two(tmp_path):
    """One seed: fraction 0.6 (577 training pairs) is where the threads moved the weights."""
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"workers{workers}"
        assert grokking.main(["--quick", "--seeds", "1", "--quiet", "--workers", workers, "--out", str(out)]) == 0
        with np.load(out / "results.npz") as arrays:
            outputs[workers] = ({key: arrays[key] for key in arrays.files}, json.loads((out / "summary.json").read_text()))
    (arrays_1, summary_1), (arrays_2, summary_2) = outputs["1"], outputs["2"]
    assert arrays_1.keys() == arrays_2.keys()
    for key in arrays_1:
        np.testing.assert_array_equal(arrays_1[key], arrays_2[key], err_msg=key)
    assert summary_1 == summary_2


def test_minimas_network_runs_are_the_same_bits_with_one_worker_and_two():
    """minima's sweep, shortened (its --quick takes ~20 s a run): the rest of the study runs in the main
    process whatever --workers says. The sharpness sums over the 1,000 training digits."""
    configs = [{"lr": 0.2, "batch": batch, "steps": 300, "seed": 0} for batch in (100, 1000)]
    one, two = (sweep.run(mn.network_task, configs, workers=workers, progress=False) for workers in (1, 2))
    assert one == two and not one.failures


def test_a_study_in_the_terminal_computes_as_in_a_one_thread_process(tmp_path):
    """loss_surface trains in the main process (no sweep): with OpenBLAS on two threads its losses moved in
    their last bits against demos.report's run of it in a worker (one thread)."""
    import os
    import subprocess
    import sys

    from demos import loss_surface

    argv = ["--quick", "--quiet", "--epochs", "1", "--deep-epochs", "1", "--points", "5", "--plane-points", "3", "--out"]
    assert loss_surface.main([*argv, str(tmp_path / "here")]) == 0
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-m", "demos.loss_surface", *argv, str(tmp_path / "one")], env=env, check=True,
                   capture_output=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # fmt: skip
    with np.load(tmp_path / "here" / "results.npz") as here, np.load(tmp_path / "one" / "results.npz") as one:
        assert here.files == one.files
        for key in here.files:
            np.testing.assert_array_equal(here[key], one[key], err_msg=key)
