"""Plumbing every demo's command line shares."""

import argparse
import contextlib
import math
import os
import textwrap

import numpy as np

RESULT_FILES = ("results.npz", "summary.json")


def study_parser(module, doc):
    """The command line of `python -m demos.<module>`: its docstring's first paragraph as the
    description and the rest, as written, below the options (what "see the notes" points to)."""
    first, _, rest = doc.strip().partition("\n\n")
    return OneLineErrors(
        prog=f"python -m demos.{module}",
        description=first,
        epilog=textwrap.dedent(rest),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


class OneLineErrors(argparse.ArgumentParser):
    """An ArgumentParser whose refusal is one line naming the argument and the value (exit status 2), without the usage."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (--help lists the options)\n")


# ----- option values, checked when parsed: `type=` functions for argparse --------------------------
# A bad value stops the command before any work with exit status 2 and one line, e.g.
#     error: argument --width: must be a finite number > 0, got nan
def value_type(description, convert, valid):
    """An argparse type: `convert` the text, then require `valid(value)`; else 'must be <description>, got <text>'."""

    def parse(text):
        try:
            value = convert(text)
        except (ValueError, OverflowError):
            value = None
        if value is None or not valid(value):
            raise argparse.ArgumentTypeError(f"must be {description}, got {text!r}")
        return value

    parse.__name__ = description
    return parse


def finite(text):
    """A float that is a number: NaN and +-inf refused."""
    value = float(text)
    return value if math.isfinite(value) else None


def int_in(lo, hi=None):
    """An integer lo <= n (<= hi)."""
    return value_type(
        f"an integer >= {lo}" if hi is None else f"an integer in {lo}..{hi}",
        int,
        lambda n: n >= lo and (hi is None or n <= hi),
    )


def float_in(lo=-math.inf, hi=math.inf, open_lo=False):
    """A finite number lo <= x <= hi (lo < x with open_lo)."""
    low = f"> {lo}" if open_lo else f">= {lo}"
    description = (
        "a finite number" + ("" if lo == -math.inf else f" {low}") + ("" if hi == math.inf else f" and <= {hi}")
    )
    return value_type(description, finite, lambda x: (x > lo if open_lo else x >= lo) and x <= hi)


positive_int = int_in(1)
MAX_WORKERS = 256  # --workers: more processes than cores only share them, and each holds NumPy and Numba
workers = int_in(1, MAX_WORKERS)
count = int_in(0)
seed = int_in(0, 2**32 - 1)
finite_float = float_in()
positive_float = float_in(0, open_lo=True)
folder = value_type("a folder's path", str, lambda text: text.strip() != "" and "\0" not in text)


def reachable(address):
    """A Dask scheduler address (tcp://host:port) that answers a connection within 3 s."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else "tcp://" + address)
    try:
        with socket.create_connection((parts.hostname, parts.port or 8786), timeout=3):
            return address
    except (OSError, ValueError):
        return None


dask_address = value_type(
    "the address of a running Dask scheduler, e.g. tcp://host:8786 (nothing answered there)", reachable, bool
)


def available_memory():
    """Bytes of memory this machine can still give (MemAvailable of /proc/meminfo; the physical memory elsewhere)."""
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


LONGEST_RUN = 24 * 3600  # seconds: a run estimated longer than a day is refused before it starts


def refuse_if_too_long(parser, estimates):
    """parser.error before any work when one estimate {option: seconds the run would take} exceeds LONGEST_RUN."""
    for option, seconds in estimates.items():
        if seconds > LONGEST_RUN:
            parser.error(
                f"argument {option}: the run would take about {seconds / 86400:,.0f} days on this machine "
                "(estimated); minnet refuses runs over a day"
            )


def blamed(parser, args, options):
    """Of `options`, the one whose value is the most times its default (a list counts by its length): the
    option a refusal names when a run's size grows with all of them."""

    def times_default(option):
        dest = option.lstrip("-").replace("-", "_")
        value, default = getattr(args, dest), parser.get_default(dest)
        if isinstance(value, list):
            value, default = len(value), len(default)
        return value / default

    return max(options, key=times_default)


def refuse_if_too_big(parser, estimates):
    """parser.error before any work when one estimate {option: bytes it makes the run hold} exceeds the memory available."""
    free = available_memory()
    for option, needed in estimates.items():
        if needed > free:
            parser.error(
                f"argument {option}: the run would need about {needed / 2**30:,.1f} GiB of memory, "
                f"{free / 2**30:,.1f} GiB are available"
            )


def headless_figures(show=False):
    """Draw with the Agg backend (files only), unless a live window was asked for and a display exists,
    in the figure standard's style (minnet.tools.plots)."""
    import matplotlib

    from minnet.tools import plots

    if not (show and os.environ.get("DISPLAY")):
        matplotlib.use("Agg")
    plots.use_style()


def save_outputs(out, arrays, summary):
    """results.npz (the arrays, compressed) and summary.json (the printed numbers) in `out`, each written atomically."""
    from minnet.tools.atomic import save_json, save_npz

    save_npz(os.path.join(out, RESULT_FILES[0]), arrays, compressed=True)
    save_json(os.path.join(out, RESULT_FILES[1]), summary)


SNAPSHOT_EVERY = 10  # results.npz keeps every 10th row of per-iteration recordings unless --full


def add_full_option(parser):
    """--full: results.npz keeps every iteration's recordings (default: every SNAPSHOT_EVERY-th, which the figures and claims need)."""
    parser.add_argument(
        "--full",
        action="store_true",
        help=f"keep every iteration's recordings in results.npz (default: every {SNAPSHOT_EVERY}th and the last, float32)",
    )


def snapshots(values, full):
    """Per-iteration recordings as results.npz stores them: all of them with --full, otherwise every
    SNAPSHOT_EVERY-th row and the last, in float32 (nothing a figure shows changes)."""
    if full:
        return values
    rows = np.unique(np.r_[np.arange(0, len(values), SNAPSHOT_EVERY), len(values) - 1])
    return np.asarray(values)[rows].astype(np.float32)


def add_data_options(parser, what):
    """--data and --data-dir for the classification studies."""
    parser.add_argument(
        "--data",
        choices=["mnist5k", "digits", "mnist", "fashion"],
        default="mnist5k",
        help=f"the shipped 5,000 MNIST images (default) or 8x8 digits, or IDX files: {what}",
    )
    parser.add_argument("--data-dir", help="folder with the IDX files (train-images-idx3-ubyte[.gz], ...)")


# training examples the studies take of each
DATA_EXAMPLES = {
    "mnist5k": 5000,
    "digits": 1797,
    "mnist": 6000,
    "fashion": 6000,
}


def check_data_options(parser, args):
    """--data mnist or fashion need --data-dir, an existing folder: parser.error before any work otherwise."""
    if args.data in ("mnist", "fashion") and not args.data_dir:
        parser.error(
            f"argument --data-dir: --data {args.data} reads the IDX files of {args.data}: give their folder with "
            "--data-dir"
        )
    if args.data_dir and not os.path.isdir(args.data_dir):
        parser.error(f"argument --data-dir: no such folder: {args.data_dir!r}")


def print_written(out, paths):
    """The closing line: every file the demo wrote."""
    print("\nwrote " + ", ".join(list(paths) + [os.path.join(out, name) for name in RESULT_FILES]))


WORKER_BYTES = 100 * 2**20  # a sweep's worker process with NumPy and Numba loaded, before its task's arrays


def add_sweep_options(parser):
    """--workers and --dask, for demos that train many independent models through minnet.tools.sweep."""
    parser.add_argument(
        "--workers",
        type=workers,
        help=f"local worker processes for the independent runs (default: every core; 1: in this process; at most "
        f"{MAX_WORKERS})",
    )
    parser.add_argument(
        "--dask",
        type=dask_address,
        metavar="ADDRESS",
        help="run them on the Dask cluster at ADDRESS (e.g. tcp://host:8786) instead",
    )


def runs_at_once(args, runs):
    """How many of `runs` independent runs a sweep holds in memory at once: one per worker."""
    return min(args.workers or os.cpu_count() or 1, runs)


def sweep_runner(args):
    """A function configs -> results that runs a sweep the way --workers / --dask ask for."""
    from minnet.tools import sweep

    def run(fn, configs):
        with sweep.dask_executor(args.dask) if args.dask else contextlib.nullcontext() as executor:
            results = sweep.run(fn, configs, executor=executor, workers=args.workers, progress=not args.quiet)
        if results.failures:
            raise SystemExit(f"{len(results.failures)} of {len(configs)} runs failed (tracebacks above)")
        return results

    return run


KERNELS = {  # kernel: (what it computes, its NumPy code, which calls the networks' own backprop where there is one)
    "two_layer": ("trained", "train with minnet/two_layer.py (TwoLayerNet.backprop)"),
    "per_example": (
        "per-example gradient statistics computed",
        "compute them with minnet/per_example.py (MLP.backprop)",
    ),
    "landscape": ("loss landscapes computed", "compute them with minnet/landscape.py (the networks' forward pass)"),
    "mandelbrot": (
        "pictures of the learned products computed",
        "compute them with minnet/studies/mandelbrot.py (MLP.forward)",
    ),
}


def say_kernels(*kernels):
    """One line per kernel a study computes with, and how to run minnet's NumPy code instead."""
    from minnet.tools.backend import resolve

    if resolve() == "numba":
        for kernel in kernels:
            what, twin = KERNELS[kernel]
            print(f"{what} by kernels/{kernel}.py; set MINNET_BACKEND=numpy to {twin}")


def run_study(args, run, plot, summary_of, save_results, print_summary):
    """A demo's main once its options are parsed: compute, draw, save, print. Returns the summary.

    Everything is written into a temporary folder beside --out that replaces it at the end
    (minnet.tools.atomic.atomic_folder): an interrupted run leaves the previous outputs untouched, a
    second run into the same --out at the same time is refused, and so is an --out holding files
    minnet did not write. A failure after the start is one line (the traceback with --debug).
    OpenBLAS computes on one thread, as in a sweep's workers: the same numbers from the terminal, from
    demos.report and from any --workers (minnet.tools.sweep.one_blas_thread)."""
    from minnet.tools.atomic import OutputRefused, atomic_folder
    from minnet.tools.sweep import one_blas_thread
    from minnet.tools.threads import keep_freed_memory

    headless_figures(getattr(args, "show", False))
    keep_freed_memory()  # each step's temporary arrays reuse the heap rather than fault in fresh pages
    try:
        with atomic_folder(args.out) as staging, one_blas_thread():
            results = run(args)
            paths = plot(results, staging, args)
            summary = summary_of(results)
            save_results(results, staging, summary, args)
    except OutputRefused as err:
        raise SystemExit(f"error: {err}") from err
    except Exception as err:
        if getattr(args, "debug", False):
            raise
        raise SystemExit(
            f"error: the run failed: {type(err).__name__}: {err} (run again with --debug for the traceback)"
        ) from err
    print_summary(summary)
    print_written(args.out, [os.path.join(args.out, os.path.relpath(path, staging)) for path in paths])
    return summary


def add_output_options(parser, default_out, quick_help):
    """--out, --quick, --quiet and --debug, which every study has."""
    parser.add_argument(
        "--out",
        type=folder,
        default=default_out,
        help=f"output folder, replaced whole: new, empty or minnet's own (default {default_out})",
    )
    parser.add_argument("--quick", action="store_true", help=f"{quick_help}; options given keep their values")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--debug", action="store_true", help="show the traceback when the run fails")


def parse_study_args(parser, argv, quick):
    """A study's options, checked before any work. With --quick, `quick` {dest: value} are the defaults
    of the options left out; an option given keeps its value (--quick --steps 5000 runs 5000 steps).
    --workers is refused when its processes would not fit in memory."""
    unknown = set(quick) - {action.dest for action in parser._actions}
    if unknown:
        raise ValueError(f"--quick sets options the parser does not have: {sorted(unknown)}")
    args = parser.parse_args(argv)
    if args.quick:
        parser.set_defaults(**quick)
        args = parser.parse_args(argv)
    if getattr(args, "workers", None):
        refuse_if_too_big(parser, {"--workers": args.workers * WORKER_BYTES})
    return args
