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
    "exp_lr",
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
        named = "error: argument --" in err or "error: ambiguous option: --" in err or (
            looks_like_an_option and "error: unrecognized arguments: -" in err
        )
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
    # issue 38: each refused only after building its runs (1.7 GB), in a MemoryError, never, or after work
    (["grokking", "--seeds", "1000000"], "argument --seeds: the run would need about"),
    (["grokking", "--seeds", "10000000"], "argument --seeds: the run would need about"),
    (["grokking", "--seeds", "100000000000"], "argument --seeds: the run would need about"),
    (["grokking", "--width", "10000000"], "argument --width: the run would need about"),
    (["grokking", "--width", "10000000", "--steps", "10", "--seeds", "1"], "argument --width: the run would need"),
    (["grokking", "--steps", "100000", "--width", "1024", "--seeds", "1"], "argument --steps: the run would need"),
    (["grokking", "--fraction", "1e-320"], "argument --fraction: must leave a pair to train on and one to test on: "
                                           "1e-320 of the 961 pairs (p 31) is 0 to train on, 961 to test on"),
    (["grokking", "--fractions", "0.3", "0.9995"], "argument --fractions: must leave a pair to train on and one to "
                                                   "test on: 0.9995 of the 961 pairs (p 31) is 961 to train on, 0"),
    (["grokking", "--p", "3", "--fraction", "0.05"], "argument --fraction: must leave a pair to train on"),
    (["grokking", "--lr", "10"], "argument --lr: each step multiplies the weights by 1 - lr x weight decay, which "
                                 "must lie above -1: lr 10 x 1 = 10"),
    (["grokking", "--weight-decay", "300"], "argument --weight-decay: each step multiplies the weights by"),
    (["grokking", "--workers", "100000000000"], "argument --workers: must be an integer in 1..256, got '100000000000'"),
    (["double_descent", "--workers", "100000000000"], "argument --workers: must be an integer in 1..256"),
    (["minima", "--workers", "100000000000"], "argument --workers: must be an integer in 1..256"),
    (["minima", "--lrs", *["0.1"] * 3000], "argument --lrs: the run would take about"),
    (["double_descent", "--n", "4000", "--max-factor", "100"], "argument --max-factor: the run would need about"),
    (["curriculum", "--quick", "--cluster-iteration", "500"], "argument --cluster-iteration: must be at most the "
                                                              "run's last iteration, 120 (3 epochs of 5,000"),
])  # fmt: skip
def test_the_issues_cases_are_refused_at_once(argv, message, capsys):
    """Each of these ran out of memory, took hours, ran to garbage or ended in a traceback."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(SystemExit) as stop:
            importlib.import_module(f"demos.{argv[0]}").main(argv[1:])
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert time.perf_counter() - start < 5 and peak < 2**26, (time.perf_counter() - start, peak)


def test_workers_whose_processes_do_not_fit_in_memory_are_refused(monkeypatch, capsys):
    monkeypatch.setattr(cli, "available_memory", lambda: 2**30)
    with pytest.raises(SystemExit) as stop:
        importlib.import_module("demos.grokking").main(["--workers", "20"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "argument --workers: the run would need about 2.0 GiB of memory, 1.0 GiB" in err


def work_of(study, argv, monkeypatch):
    """The args a study's main hands to its work (run_study stopped there), or SystemExit when refused."""
    module = importlib.import_module(f"demos.{study}")

    def stop_with_args(args, *rest):
        raise Parsed(args)

    monkeypatch.setattr(module, "run_study", stop_with_args)
    with pytest.raises(Parsed) as parsed:
        module.main(argv)
    return parsed.value.args[0]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(p=st.integers(3, 97), fraction=st.floats(0, 1, exclude_min=True))
def test_grokking_refuses_exactly_the_fractions_that_leave_no_pair_to_train_or_test_on(p, fraction, monkeypatch):
    argv = ["--p", str(p), "--fraction", repr(fraction), "--steps", "10", "--seeds", "1"]
    n_train = round(fraction * p * p)
    if 1 <= n_train < p * p:
        assert fraction in work_of("grokking", argv, monkeypatch).fractions
    else:
        with pytest.raises(SystemExit) as stop:
            work_of("grokking", argv, monkeypatch)
        assert stop.value.code == 2


def test_grokking_quick_keeps_the_options_given(monkeypatch):
    """The issue's case: --quick ran 300 steps, 2 seeds and fractions 0.4 and 0.6 without a word."""
    args = work_of("grokking", ["--quick", "--steps", "5000", "--seeds", "4", "--fractions", "0.3"], monkeypatch)
    assert (args.steps, args.seeds, args.fractions) == (5000, 4, [0.3, 0.4])  # 0.4: --fraction's, always run
    quick = work_of("grokking", ["--quick"], monkeypatch)
    assert (quick.steps, quick.seeds, quick.fractions) == (300, 2, [0.4, 0.6])


QUICK_STUDIES = [study for study in STUDIES if study != "gradcheck"]  # gradcheck has no --quick


@pytest.mark.parametrize("study", QUICK_STUDIES)
def test_quick_sets_only_the_options_left_out(study, monkeypatch, capsys):
    """Every option --quick changes, given with --quick at its usual default: kept, or refused naming it."""
    module, options = options_of(study, monkeypatch)
    defaults, quick = work_of(study, [], monkeypatch), work_of(study, ["--quick"], monkeypatch)
    changed = {dest for dest, value in vars(defaults).items() if value != getattr(quick, dest) and dest != "quick"}
    flag = {action_dest(option): option for option, _, _ in options}
    assert changed <= set(flag), changed - set(flag)
    for dest in changed:
        value = getattr(defaults, dest)
        given = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        try:
            assert getattr(work_of(study, ["--quick", flag[dest], *given], monkeypatch), dest) == value, dest
        except SystemExit as stop:
            assert stop.code == 2 and f"argument {flag[dest]}:" in capsys.readouterr().err, dest


def action_dest(option):
    return option.lstrip("-").replace("-", "_")
