"""Every study's command line, driven with bad values: refused at parse time (exit 2, one line naming the
argument) or accepted, and never a traceback, a hang or a large allocation before the work starts."""

import importlib
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demos import cli

STUDIES = [
    "oscillations",
    "neurons",
    "curriculum",
    "optimizer_paths",
    "complex_mult",
    "mandelbrot",
    "init_study",
    "landscape_slices",
    "trajectories",
    "loss_surface",
    "checkpointing",
    "grokking",
    "double_descent",
    "minima",
    "edge_of_stability",
    "gradcheck",
]
# --dask waits up to 3 s for an answer (its own test); --data-dir names a folder
SKIPPED = {
    "--help",
    "--dask",
    "--data-dir",
}
ODD = [
    "nan",
    "-nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "0",
    "-0",
    "-1",
    "-5",
    "1e308",
    "-1e308",
    "1e400",
    "99999999999999999999",
    "4294967296",
    "",
    " ",
    "abc",
    "1.5",
    "2",
    "3",
    "full",
    "1_000",
    "0x10",
    "\u0661",
    "\U0001f4a5",
    "1e-320",
    "0.0",
    "-0.5",
    "100000",
    "1000000000",
]


class Parsed(Exception):
    """Raised where the work would start: the command line was accepted."""


def options_of(study, monkeypatch):
    """The study's module with its work replaced by Parsed, and its options: [(option string, nargs)]."""
    module = importlib.import_module(f"demos.{study}")
    made = []

    def recording(*args, **kwargs):
        made.append(cli.study_parser(*args, **kwargs))
        return made[-1]

    def parsed(*args, **kwargs):
        raise Parsed

    monkeypatch.setattr(module, "study_parser", recording)
    monkeypatch.setattr(module, "run_study" if hasattr(module, "run_study") else "run", parsed)
    with pytest.raises((SystemExit, Parsed)):
        module.main(["--help"])
    actions = [a for a in made[0]._actions if a.option_strings and a.option_strings[-1] not in SKIPPED]
    return module, [(a.option_strings[-1], a.nargs, a.const is not None or a.nargs == 0) for a in actions]


@pytest.mark.parametrize("study", STUDIES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_values_are_refused_in_one_line_before_any_work(study, data, monkeypatch_module, capsys):
    module, options = options_of(study, monkeypatch_module)
    argv = []
    for option, nargs, flag in data.draw(st.lists(st.sampled_from(options), min_size=1, max_size=3, unique=True)):
        if flag:
            argv.append(option)
            continue
        count = nargs if isinstance(nargs, int) else 1 if nargs in (None, "?") else data.draw(st.integers(1, 3))
        argv += [
            option,
            *data.draw(st.lists(st.sampled_from(ODD) | st.text(max_size=4), min_size=count, max_size=count)),
        ]
    capsys.readouterr()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        module.main(argv)
    except Parsed:
        pass  # accepted: the work would start here
    except SystemExit as stop:
        err = capsys.readouterr().err
        assert stop.code == 2, (argv, stop.code, err)
        # "-nan": argparse takes it for an option
        looks_like_an_option = [v for v in argv if v.startswith("-") and not v.startswith("--")]
        named = "error: argument --" in err or (looks_like_an_option and "error: unrecognized arguments: -" in err)
        assert err.count("\n") == 1 and named, (argv, err)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < 5, argv
    assert peak < 2**30, (argv, peak)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("argv, message", [
    (["mandelbrot", "--width", "nan"], "argument --width: must be a finite number > 0 and <= 100, got 'nan'"),
    (["mandelbrot", "--pixels", "100000", "100000"], "argument --pixels: the run would need about 1,490.1 GiB of memory"),
    (["checkpointing", "--batch", "100000000"], "argument --batch: the run would need about"),
    (["oscillations", "--h", "3000000"], "argument --h: the run would need about"),
    (["loss_surface", "--plane-points", "100000"], "argument --plane-points: the run would need about"),
    (["landscape_slices", "--points", "100000000"], "argument --points: the run would need about"),
    (["optimizer_paths", "--grid", "100000"], "argument --grid: the run would need about"),
    (["complex_mult", "--pixels", "100000"], "argument --pixels: the run would need about"),
    (["gradcheck", "--sizes", "100000", "100000"], "argument --sizes: the run would need about"),
    (["init_study", "--groups", "1000000"], "argument --groups: the run would need about"),
    (["trajectories", "--seeds", "1000000"], "argument --seeds: the run would take about"),
    (["edge_of_stability", "--lanczos-steps", "1000000000"], "argument --lanczos-steps: must be an integer in 1..500"),
    (["edge_of_stability", "--every", "1000000000"], "argument --every: measure at least twice in 2000 iterations"),
    (["curriculum", "--data", "mnist"], "argument --data-dir: --data mnist reads the IDX files"),
    (["curriculum", "--dask", "tcp://127.0.0.1:9"], "argument --dask: must be the address of a running Dask scheduler"),
    (["gradcheck", "--step", "0"], "argument --step: must be a finite number > 0 and <= 1, got '0'"),
    (["oscillations", "--zoom", "-5", "5"], "argument --zoom: must be an integer >= 0, got '-5'"),
    (["complex_mult", "--grid-epochs", "-1"], "argument --grid-epochs: must be an integer >= 1, got '-1'"),
    (["checkpointing", "--seed", "-1"], "argument --seed: must be an integer in 0..4294967295, got '-1'"),
    (["checkpointing", "--out", ""], "argument --out: must be a folder's path, got ''"),
])  # fmt: skip
def test_the_issues_cases_are_refused_at_once(argv, message, capsys):
    """Each of these ran out of memory, took hours, ran to garbage or ended in a traceback."""
    start = time.perf_counter()
    with pytest.raises(SystemExit) as stop:
        importlib.import_module(f"demos.{argv[0]}").main(argv[1:])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert time.perf_counter() - start < 5
