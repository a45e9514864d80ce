"""Document 000, section 3: duplicate and diverging neurons, and the initial-weight scale.

    python -m demos.neurons                 figures 4, 5 and 6 of the document, with their numbers
    python -m demos.neurons --quick         shorter runs, for tests

- Figure 4: (f1, 3, 0.2, 50,000) against (f1, 3, 0.4, 50,000): errors, U over time, learned
  function (document: final error 1.17e-4 at 0.2; with time the two hidden neurons split).
- Figure 5: (f2, 20, 0.05, 40,000): error, learned function, U over time, and which neurons are
  still duplicates at the end.
- Figure 6: (f1, 3, 0.1, 1000) from the document's initial weights and from those weights x 10
  (document: final error 0.0068 against 0.0066).
- For every run, the duplicate measure of `minnet.studies.dynamics.duplicate_distance` over time: the
  relative distance |w_i - w_j| / (|w_i| + |w_j|) between two hidden units' weight vectors
  w_i = [U_i, V[:, i]] (incoming, bias included, and outgoing), and the iteration after which
  each pair stays apart (distance >= 0.05).

The long runs use the compiled document-000 loop (kernels/two_layer.py), a few seconds each, and
the five runs go through minnet.tools.sweep: on every local core by default (--workers N), or on a Dask
cluster with --dask ADDRESS.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, exact, holds, not_comparable, print_claims
from demos.cli import (
    add_full_option,
    add_output_options,
    add_sweep_options,
    parse_study_args,
    run_study,
    save_outputs,
    say_kernels,
    snapshots,
    study_parser,
    sweep_runner,
)
from minnet.studies.dynamics import (
    LOOPS,
    SPLIT_THRESHOLD,
    STAGNATES,
    X_GRID,
    doc000_task,
    late_fall,
    neurons_of_run,
)

DEFAULT_OUT = os.path.join("minnet-out", "neurons")
DISTANCE_FLOOR = 1e-6  # the duplicate measure is drawn at least this high on its log axis
# (name, f, h, lr, epochs, init_scale, what the document says of it; None: its final error, in the claims table)
RUNS = [
    ("fig4_lr0.2", "f1", 3, 0.2, 50_000, 1.0, None),
    ("fig4_lr0.4", "f1", 3, 0.4, 50_000, 1.0, "much better than at 0.2; neurons split"),
    ("fig5_f2_h20", "f2", 20, 0.05, 40_000, 1.0, "very accurate; some duplicate neurons remain"),
    ("fig6_init_x1", "f1", 3, 0.1, 1000, 1.0, None),
    ("fig6_init_x10", "f1", 3, 0.1, 1000, 10.0, None),
]
QUICK_EPOCHS = 3000  # --quick shortens the runs longer than this


def run(args):
    """The five runs, independent of each other, through minnet.tools.sweep (--workers, --dask)."""
    configs = [
        {
            "f": f,
            "h": h,
            "lr": lr,
            "epochs": min(epochs, QUICK_EPOCHS) if args.quick else epochs,
            "init_scale": init_scale,
            "loop": args.loop,
        }
        for _, f, h, lr, epochs, init_scale, _ in RUNS
    ]
    histories = sweep_runner(args)(doc000_task, configs)
    return {name: neurons_of_run(config, history) for (name, *_), config, history in zip(RUNS, configs, histories)}


# ----- figures --------------------------------------------------------------------------------------
def u_over_time(ax, r, max_units=6):
    """U's entries over time for the first few hidden units, one colour per unit: solid column 0 (input weight), dashed column 1 (bias)."""
    from minnet.tools import plots

    plots.weight_entries(ax, np.arange(r["U"].shape[0]), r["U"], "unit {}", max_units)
    ax.set(ylabel="weight value", title="U over time (solid: input weight $u_{i0}$, dashed: bias $u_{i1}$)")


def distances(ax, r, max_pairs=8):
    """The duplicate measure over time for the pairs of hidden units that end closest (the duplicates among them)."""
    t = np.arange(r["distance"].shape[0])
    closest = np.argsort(r["distance"][-1], kind="stable")[:max_pairs]
    for p in closest:
        ax.semilogy(
            t, np.maximum(r["distance"][:, p], DISTANCE_FLOOR), label=f"units {r['pairs'][p][0]}, {r['pairs'][p][1]}"
        )
    ax.axhline(SPLIT_THRESHOLD, color="k", linestyle=":", label=f"split threshold {SPLIT_THRESHOLD}")
    shown = f"the {len(closest)} closest of {len(r['pairs'])} pairs" if len(r["pairs"]) > len(closest) else "every pair"
    ax.set(xlabel="iteration", ylabel=r"$|w_i - w_j|\ /\ (|w_i| + |w_j|)$", title=f"duplicate measure, {shown}")
    ax.legend(ncol=2)


def title(r):
    s = r["setting"]
    return f"({s['f']}, {s['h']}, {s['lr']}, {s['epochs']:,}) x{s['init_scale']:g}"


def figure_runs(results, names, heading):
    """Per run: errors, U over time, the duplicate measure, the learned function (one row per run; a 2 x 2 grid for one run)."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    shape, size = ((2, 2), (13, 10)) if len(names) == 1 else ((len(names), 4), (24, 5.2 * len(names)))
    fig, axes = plt.subplots(*shape, figsize=size, constrained_layout=True)
    for row, name in zip(axes.reshape(len(names), 4), names):
        r = results[name]
        plots.errors(row[0], r["train_loss"], r["test_loss"])
        u_over_time(row[1], r)
        distances(row[2], r)
        plots.learned_function(row[3], r["X"], r["Y"], X_GRID, r["target"], r["learned"])
        row[0].set_title(title(r) + ": error")
        row[3].set_title(f"{title(r)}: learned function")
    fig.suptitle(heading)
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    figures = {
        "fig4_learning_rates.png": (
            ["fig4_lr0.2", "fig4_lr0.4"],
            "figure 4: f1 with 3 hidden units at learning rates 0.2 and 0.4",
        ),
        "fig5_f2_20_units.png": (["fig5_f2_h20"], "figure 5: f2 with 20 hidden units"),
        "fig6_initial_scale.png": (
            ["fig6_init_x1", "fig6_init_x10"],
            "figure 6: the document's initial weights, and x 10",
        ),
    }
    return [
        plots.save(figure_runs(results, names, heading), os.path.join(out, file))
        for file, (names, heading) in figures.items()
    ]


# id, where, value, significant digits shown
DOCUMENT_TEST_ERRORS = {  # run: (claim id, where, the document's sentence, its value, the digits it prints)
    "fig4_lr0.2": ("final_test_f1_3_0.2", "section 3.1", "(f1, 3, 0.2, 50*10^3) achieves a final error of 1.17*10^-4",
                   1.17e-4, 3),
    "fig6_init_x1": ("final_test_f1_3_0.1_init1", "section 3.3", "an error of 0.0066 instead of 0.0068", 0.0068, 2),
    "fig6_init_x10": ("final_test_f1_3_0.1_init10", "section 3.3", "an error of 0.0066 instead of 0.0068", 0.0066, 2),
}  # fmt: skip
MUCH_BETTER = 2.0  # "much better performance": at least half the error


def summary_of(results):
    runs = {
        name: {
            **r["setting"],
            "final_train_loss": float(r["train_loss"][-1]),
            "final_test_loss": float(r["test_loss"][-1]),
            "late_fall": late_fall(r["test_loss"]),
            "mean_distance": float(np.mean(r["distance"])),
            "splits": {f"{i}-{j}": s for (i, j), s in zip(r["pairs"], r["splits"])},
            "duplicates_at_end": [f"{i}-{j}" for i, j in r["duplicates_at_end"]],
            "diverged_at": r["diverged_at"],
        }
        for name, r in results.items()
    }
    config = {
        "data": "document 000's f1 / f2: 1,000 training and 100 test points x in [-5, 5), seeded as the notebook",
        "network": "TwoLayerNet 1-(h-1)(+bias)-1, sigmoid hidden units, linear output",
        "init": "N(0, 0.01^2) from the document's seed, x init_scale",
        "loss": "half squared error, mean over the examples",
        "optimizer": "full-batch gradient descent",
        "runs": {name: r["setting"] for name, r in results.items()},
    }
    return {"runs": runs, "config": config, "claims": claims(runs)}


# ----- the claims table: document 000's final errors and its comparisons of figures 4 to 6, declared once ------
CLAIMS = Claims("neurons", "000", where="section 3.1")
for name, (key, where, quote, value, digits) in DOCUMENT_TEST_ERRORS.items():
    CLAIMS.declare(
        key,
        where=where,
        quote=quote,
        claim=f"({{f}}, {{h}}, {{lr}}, {{epochs:,}}) x{{init_scale:g}}: final test error, to {digits} digits",
        unit="half squared error",
        document_value=value,
        rule=exact(),
    )
CLAIMS.declare(
    "figure_4",
    quote="",
    claim="figure 4's comparisons",
    unit="",
    rule=not_comparable("the 50,000-epoch runs were shortened (--quick)"),
)
CLAIMS.declare(
    "still_decreasing_f1_3_0.2",
    quote="the former is still decreasing while later stagnates",
    claim="(f1, 3, 0.2, 50,000): fall of the test error over the last 10,000 iterations, relative to its end",
    unit="fraction",
    rule=band(STAGNATES, None),
    note="oscillations.stagnates_f1_2_0.2 is the other half (h = 2 stagnates)",
)
CLAIMS.declare(
    "higher_lr_much_better",
    quote="a slightly higher learning rate leads to faster (but stable) learning and much better performance",
    claim="final test error at lr 0.2 / at lr 0.4 (f1, 3, 50,000)",
    unit="ratio",
    rule=band(MUCH_BETTER, None),
    note="much better: at least half the error",
)
CLAIMS.declare(
    "neurons_split_sooner_at_0.4",
    quote="the hidden neurons indeed diverge if given enough time",
    claim="the two hidden units split (stay >= 0.05 apart) within 50,000 iterations, sooner at lr 0.4",
    unit="",
    rule=holds("split at 0.4 < split at 0.2, both before the end"),
)
CLAIMS.declare(
    "f2_duplicates_remain",
    where="section 3.2",
    quote="The last two plots of figure 5 show that there are duplicate neurons",
    claim="(f2, 20, 0.05, 40,000): pairs of hidden units still < 0.05 apart at the end",
    unit="pairs",
    rule=band(1, None),
)
CLAIMS.declare(
    "init_x10_bigger_differences",
    where="section 3.3",
    quote="resulting in a bigger difference between the neurons",
    claim="mean distance between the hidden units over the run, init x10 / init x1 (f1, 3, 0.1, 1000)",
    unit="ratio",
    rule=band(1, None),
)


def full_length(r, name):
    return r["epochs"] == next(epochs for n, _, _, _, epochs, _, _ in RUNS if n == name)


def claims(runs):
    """Document 000's final test errors to the digits it prints (its runs are deterministic), and its
    statements comparing the runs of figures 4 to 6."""
    rows = []
    for name, (key, _, _, _, digits) in DOCUMENT_TEST_ERRORS.items():
        r = runs[name]
        rounded = float(f"{r['final_test_loss']:.{digits}g}")
        shortened = (
            {} if full_length(r, name) else {"rule": not_comparable(f"shortened to {r['epochs']:,} epochs (--quick)")}
        )
        setting = {k: r[k] for k in ("f", "h", "lr", "epochs", "init_scale")}
        rows.append(
            CLAIMS.attach(key, measured=rounded, note=f"unrounded {r['final_test_loss']:.6g}", **shortened, **setting)
        )
    if not all(full_length(runs[name], name) for name in ("fig4_lr0.2", "fig4_lr0.4")):
        return rows + [CLAIMS.attach("figure_4")]
    slow, fast = runs["fig4_lr0.2"], runs["fig4_lr0.4"]
    x1, x10 = runs["fig6_init_x1"], runs["fig6_init_x10"]
    split = [r["splits"]["0-1"] for r in (slow, fast)]
    return rows + [
        CLAIMS.attach("still_decreasing_f1_3_0.2", measured=slow["late_fall"]),
        CLAIMS.attach("higher_lr_much_better", measured=slow["final_test_loss"] / fast["final_test_loss"]),
        CLAIMS.attach(
            "neurons_split_sooner_at_0.4",
            measured=None not in split and 0 < split[1] < split[0],
            note=f"split at iteration {split[0]} (lr 0.2), {split[1]} (lr 0.4)",
        ),
        CLAIMS.attach(
            "f2_duplicates_remain",
            measured=len(runs["fig5_f2_h20"]["duplicates_at_end"]),
            note=", ".join(runs["fig5_f2_h20"]["duplicates_at_end"]) or "none",
        ),
        CLAIMS.attach("init_x10_bigger_differences", measured=x10["mean_distance"] / x1["mean_distance"]),
    ]


def print_summary(summary):
    document = {name: note for name, *_, note in RUNS} | {
        name: f"final error {CLAIMS.document_value(key):.3g}" for name, (key, *_) in DOCUMENT_TEST_ERRORS.items()
    }
    runs = summary["runs"]
    print(f"{'run':<16}{'setting':<28}{'final train':>12}{'final test':>12}  duplicates at end   document 000")
    for name, s in runs.items():
        setting = f"({s['f']}, {s['h']}, {s['lr']}, {s['epochs']:,}) x{s['init_scale']:g}"
        duplicates = (
            ", ".join(s["duplicates_at_end"][:4]) + (" ..." if len(s["duplicates_at_end"]) > 4 else "") or "none"
        )
        print(
            f"{name:<16}{setting:<28}{s['final_train_loss']:>12.4g}{s['final_test_loss']:>12.4g}  "
            f"{duplicates:<19}{document[name]}"
        )
    for name, s in runs.items():
        split = {pair: it for pair, it in s["splits"].items() if it}
        if split:
            print(
                f"{name}: pairs that split, at iteration: "
                + ", ".join(f"{p} @ {it}" for p, it in list(split.items())[:8])
            )
    print_claims(summary["claims"])


def save_results(results, out, summary, args):
    arrays = {}
    for name, r in results.items():
        for key in ("train_loss", "test_loss", "U", "V", "distance"):
            arrays[f"{name}/{key}"] = snapshots(r[key], args.full)
    save_outputs(out, arrays, summary)


def main(argv: Sequence[str] | None = None) -> int:
    parser = study_parser("neurons", __doc__)
    parser.add_argument(
        "--loop",
        choices=LOOPS,
        default="example_by_example",
        help="example_by_example: document 000's loop compiled (default; the same bits, 12x faster); vectorised: fit and the network's own backprop",
    )
    add_sweep_options(parser)
    add_full_option(parser)
    add_output_options(parser, DEFAULT_OUT, f"cut the long runs to {QUICK_EPOCHS:,} epochs, for tests")
    args = parse_study_args(parser, argv, {})
    say_kernels(*(["two_layer"] if args.loop == "example_by_example" else []))
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
