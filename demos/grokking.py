"""Document 004 (the grokking slide, Power et al. 2022): an MLP learns a + b mod p long after it fits its data.

    python -m demos.grokking [--p 31] [--fraction 0.4] [--steps 4000] [--seeds 5]

Gromov 2023's network (minnet.studies.grokking): [e_a; e_b] -> 128 square units -> p outputs, the
mean squared error against the one-hot answer, full-batch AdamW (lr 0.01, beta2 0.98 as in Power
et al., weight decay 1 in PyTorch's convention: w := w - lr * 1 * w each step). Each seed draws its
own training pairs and initial weights. Runs: --seeds seeds at every --fractions training fraction
with weight decay, and --seeds at --fraction without it. Shown: train and test accuracy over the
steps on a log axis (the slide's figure), the weight norm, how much of each hidden unit's embedding
is a single frequency (Gromov's solution: all of it), the step at which train and test reach 99%
(Power et al.'s threshold) against the fraction, and the units' spectra at the end.

What differs from the slide's setup, and why: the slide's network is a 2-layer transformer of
~4e5 parameters, trained for ~1e5 steps (half an hour on a GPU); this MLP has 12,063 parameters
and groks in ~1e3 steps on 2 cores. Its activation and loss are Gromov's: with relu and the
cross-entropy (minnet measured, p 31, fraction 0.4, lr 0.01, weight decay 1) the test accuracy was
0.14 after 8,000 steps, with relu and the squared error 0.02 after 4,000.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, holds, print_claims
from demos.cli import (
    add_output_options,
    add_sweep_options,
    blamed,
    float_in,
    int_in,
    parse_study_args,
    positive_float,
    positive_int,
    refuse_if_too_big,
    refuse_if_too_long,
    run_study,
    runs_at_once,
    save_outputs,
    seed,
    study_parser,
    sweep_runner,
)
from minnet.studies import grokking as gk

DEFAULT_OUT = os.path.join("minnet-out", "grokking")
LEVEL = 0.99  # Power et al.: "steps until validation accuracy > 99%"
LONG_BEFORE = gk.LONG_BEFORE  # grokking: test reaches 99% at least this many times later than train
ONE_FREQUENCY = 0.9  # Gromov's solution: each unit's embedding is one frequency (share 1); at least 0.9 of it


def configs(args):
    """Every run: each fraction with weight decay, and the main fraction without, --seeds seeds each."""
    base = {"p": args.p, "width": args.width, "lr": args.lr, "steps": args.steps}
    runs = [(f, args.weight_decay) for f in args.fractions] + [(args.fraction, 0.0)]
    return [{**base, "fraction": f, "weight_decay": wd, "seed": args.seed + s} for f, wd in runs
            for s in range(args.seeds)]  # fmt: skip


def run(args):
    """The runs, through minnet.tools.sweep; each with the steps at which train and test reach 99%."""
    cs = configs(args)
    runs = sweep_runner(args)(gk.train_task, cs)
    for config, r in zip(cs, runs):
        r["config"] = config
        r["train_step"] = gk.first_step_reaching(r["train_accuracy"], LEVEL)
        r["test_step"] = gk.first_step_reaching(r["test_accuracy"], LEVEL)
    n_params = gk.n_params(args.p, args.width)
    return {
        "runs": runs,
        "args": {key: getattr(args, key) for key in ("p", "fraction", "fractions", "lr", "weight_decay", "steps", "seeds")},
        "config": {
            "data": f"a + b mod {args.p}: all {args.p ** 2} pairs, a random fraction to train on (the rest to test), "
                    "one split per seed", "network": f"MLP {2 * args.p}-{args.width}-{args.p}, square activation, "
                    f"{n_params:,} parameters", "loss": "mean squared error against one-hot answers", "init": "glorot",
            "optimizer": f"AdamW, lr {args.lr}, beta2 {gk.GROMOV['beta2']}, weight decay {args.weight_decay} "
                         "(scaled by lr, as PyTorch)", "batch_size": "full batch", "steps": args.steps,
            "seeds": list(range(args.seed, args.seed + args.seeds)),
        },
    }  # fmt: skip


def group(results, fraction, weight_decay):
    """The runs with this training fraction and weight decay, in seed order."""
    return [r for r in results["runs"] if r["config"]["fraction"] == fraction
            and r["config"]["weight_decay"] == weight_decay]  # fmt: skip


# ----- figures -----------------------------------------------------------------------------------
def figure(results):
    """Top: the first seed's accuracies (log steps), weight norms and single-frequency shares, with and without
    weight decay. Bottom: the 99% steps against the fraction; the embedding spectra at the end of both runs."""
    import matplotlib.pyplot as plt

    a = results["args"]
    grok, plain = group(results, a["fraction"], a["weight_decay"])[0], group(results, a["fraction"], 0.0)[0]
    fig, axes = plt.subplots(2, 3, figsize=(18, 10), constrained_layout=True)
    accuracy, norm, fourier = axes[0]
    for r, style, name in ((grok, "-", f"weight decay {a['weight_decay']:g}"), (plain, ":", "no weight decay")):
        steps = np.arange(r["train_accuracy"].size)  # fewer than --steps + 1 when the run diverged
        accuracy.plot(steps[1:], r["train_accuracy"][1:], "tab:red", linestyle=style, label=f"train, {name}")
        accuracy.plot(steps[1:], r["test_accuracy"][1:], "tab:green", linestyle=style, label=f"test, {name}")
        norm.plot(steps, r["weight_norm"], "k", linestyle=style, label=name)
        fourier.plot(*np.reshape(r["fourier"], (-1, 2)).T, "tab:purple", linestyle=style, label=name)
    for step, color in ((grok["train_step"], "tab:red"), (grok["test_step"], "tab:green")):
        accuracy.axvline(step, color=color, linewidth=0.6)
    accuracy.set(xscale="log", xlabel="optimisation step (log scale)", ylabel="accuracy", ylim=(-0.02, 1.02),
                 title=f"a + b mod {a['p']}, {a['fraction']:.0%} of the pairs to train on: train 99% at step "
                       f"{grok['train_step']:.0f}, test at {grok['test_step']:.0f}")  # fmt: skip
    accuracy.legend(loc="center left")
    norm.set(xlabel="optimisation step", ylabel="|w| (all weights and biases)", title="the weight norm")
    norm.legend()
    fourier.set(xlabel="optimisation step", ylabel="mean share of a unit's embedding power at its top frequency",
                ylim=(0, 1.02), title="embedding: one frequency per hidden unit (Gromov's solution: 1)")  # fmt: skip
    fourier.legend(loc="lower right")
    figure_delays(axes[1, 0], results)
    for ax, r, name in (
        (axes[1, 1], grok, f"weight decay {a['weight_decay']:g}"),
        (axes[1, 2], plain, "no weight decay"),
    ):
        figure_spectrum(ax, r["spectrum"], f"{name}: embedding spectra, step {a['steps']:,}")
    return fig


def figure_delays(ax, results):
    """Each seed's 99% steps (train o, test x) against the training fraction; a run that never reaches 99% is
    drawn at the last step with an arrow up."""
    a = results["args"]
    for i, f in enumerate(a["fractions"]):
        for r in group(results, f, a["weight_decay"]):
            jitter = f + 0.004 * (r["config"]["seed"] - a["seeds"] / 2)
            ax.plot(jitter, r["train_step"], "o", color="tab:red", markersize=4)
            if np.isfinite(r["test_step"]):
                ax.plot(jitter, r["test_step"], "x", color="tab:green")
            else:
                ax.plot(jitter, a["steps"], "^", color="tab:green", markerfacecolor="none")
    ax.axhline(a["steps"], color="0.5", linewidth=0.6)
    ax.plot([], [], "o", color="tab:red", label="train reaches 99%")
    ax.plot([], [], "x", color="tab:green", label="test reaches 99%")
    ax.plot([], [], "^", color="tab:green", markerfacecolor="none", label="test not at 99% by the last step")
    ax.set(yscale="log", xlabel="fraction of the pairs trained on", ylabel="step (log scale)",
           title=f"more data, less delay (weight decay {a['weight_decay']:g}, one mark per seed)")  # fmt: skip
    ax.legend(loc="upper right")


def figure_spectrum(ax, spectrum, title):
    """Units as rows, sorted by their top frequency; frequencies k = 1 .. (p-1)/2 as columns."""
    order = np.lexsort((-spectrum.max(axis=1), np.argmax(spectrum, axis=1)))
    image = ax.imshow(spectrum[order], aspect="auto", cmap="magma", vmin=0, vmax=1, interpolation="nearest",
                      extent=(0.5, spectrum.shape[1] + 0.5, spectrum.shape[0], 0))  # fmt: skip
    ax.set(xlabel="frequency k", ylabel="hidden unit (sorted by its top frequency)", title=title)
    ax.figure.colorbar(image, ax=ax, label="share of the unit's power")


def plot(results, out, args):
    from minnet.tools import plots

    return [plots.save(figure(results), os.path.join(out, "grokking.png"))]


# ----- the claims ---------------------------------------------------------------------------------
# The claims table: what document 004 (the slide cites Power et al.'s title) and the papers it rests on say, declared
# once; every row has the slide's section "Grokking".
CLAIMS = Claims("grokking", "004", where="Grokking")
CLAIMS.declare(
    "test_long_after_train",
    quote="Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
    claim=f"test accuracy reaches 99% at least {LONG_BEFORE} times later than train accuracy, in every seed "
    "(fraction {fraction}; measured: the median ratio)",
    unit="steps / steps",
    rule=holds(f"all {{n}} seeds reach 99% on test, median ratio >= {LONG_BEFORE}"),
)
CLAIMS.declare(
    "weight_decay_needed",
    quote="",
    claim="within this budget ({steps:,} full-batch AdamW steps), seeds whose test accuracy reaches 99% without "
    "weight decay",
    unit="seeds",
    rule=band(None, 0),
    note="final test accuracy {final} (chance: 1/{p}). Not 'never': Power et al. figure 2 see grokking without weight "
    "decay too, later (weight decay speeds it the most), and Gromov 2023 without any regularisation under plain "
    "gradient descent, over longer runs",
    kind="beyond",
    document="Power et al. 2022",
)
CLAIMS.declare(
    "more_data_less_delay",
    quote="",
    claim="the median step at which test reaches 99% falls as the fraction grows from {fraction}",
    unit="steps",
    rule=holds("strictly decreasing over the fractions"),
    kind="beyond",
    document="Power et al. 2022",
)
CLAIMS.declare(
    "one_frequency_per_unit",
    quote="",
    claim="share of each hidden unit's embedding power at its top frequency, at the last step (median over seeds)",
    unit="share",
    rule=band(ONE_FREQUENCY, 1.0),
    note="without weight decay: {plain_share:.2f}; a random embedding about 0.2",
    kind="beyond",
    document="Gromov 2023",
)
CLAIMS.setting(
    "network",
    choice="Gromov 2023's MLP: square activation, squared error, AdamW with weight decay 1",
    alternative="the slide's transformer (~4e5 parameters, ~1e5 steps) is out of reach on 2 cores; relu with "
    "cross-entropy: test accuracy 0.14 after 8,000 steps; relu with squared error: 0.02 after 4,000 (p 31, fraction "
    "0.4, lr 0.01)",
    depends_on=["test_long_after_train"],
)
# The choices the slide leaves open: Gromov's small setting, minnet's budget; every claim above depends on them.
EVERY_CLAIM = ["test_long_after_train", "weight_decay_needed", "more_data_less_delay", "one_frequency_per_unit"]
CLAIMS.setting(
    "task",
    choice="a + b mod p with p {p}, a fraction {fraction} of the p^2 pairs to train on (others {fractions}), {seeds} "
    "seeds each: Gromov 2023's sizes",
    alternative="Power et al.: p 97 on a transformer; p 97 here would train on 9,409 pairs against 961 per full-batch "
    "step: not run",
    depends_on=EVERY_CLAIM,
)
CLAIMS.setting(
    "optimizer",
    choice="AdamW, lr {lr}, beta2 {beta2}, weight decay {weight_decay:g} applied as lr x wd = {per_step:g} per step, "
    "full batch: Gromov 2023's",
    alternative="Power et al.: lr 1e-3 with weight decay 1 (1e-3 per step, 10 times less) and batch 512; not run here",
    depends_on=EVERY_CLAIM,
)
CLAIMS.setting(
    "budget",
    choice=f"{{steps:,}} steps per run; 'grokking' when test reaches 99% at least {LONG_BEFORE} times later than "
    "train (a decade on the log axis)",
    alternative="a longer budget can only add grokked runs (weight_decay_needed and the smallest fraction are the rows "
    "it would change); the measured ratios are in test_long_after_train's note, so another threshold's verdict can "
    "be read off",
    depends_on=EVERY_CLAIM,
)


def measures(runs):
    """Per seed: the 99% steps, their ratio, the final test accuracy and single-frequency share; how many
    runs diverged (fit stops at the first step whose loss or weights are not finite)."""
    train, test = np.array([r["train_step"] for r in runs]), np.array([r["test_step"] for r in runs])
    return {
        "train_step": train.tolist(),
        "test_step": test.tolist(),
        "delay_ratio": (test / train).tolist(),
        "grokked": int(np.sum(np.isfinite(test))),
        "final_test_accuracy": [float(r["test_accuracy"][-1]) for r in runs],
        "single_frequency": [float(r["fourier"][-1, 1]) for r in runs if r["fourier"].size],
        "diverged": sum(r["train_accuracy"].size <= r["config"]["steps"] for r in runs),
    }


def summary_of(results):
    a = results["args"]
    summary = {
        "weight_decay": {str(f): measures(group(results, f, a["weight_decay"])) for f in a["fractions"]},
        "no_weight_decay": measures(group(results, a["fraction"], 0.0)),
        "args": a,
        "config": results["config"],
    }
    summary["claims"] = claims(summary)
    return summary


def median(values):
    """The median of the finite values, nan when there is none."""
    finite = np.asarray(values, dtype=float)[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def claims(s):
    a = s["args"]
    main, plain = s["weight_decay"][str(a["fraction"])], s["no_weight_decay"]
    n = a["seeds"]
    grokking = main["grokked"] == n and median(main["delay_ratio"]) >= LONG_BEFORE
    later = [s["weight_decay"][str(f)] for f in sorted(a["fractions"]) if f >= a["fraction"]]
    test_steps = [median(m["test_step"]) for m in later]
    shares = main["single_frequency"] or [float("nan")]
    return [
        CLAIMS.attach(
            "test_long_after_train",
            measured=grokking,
            note=f"train 99% at steps {fmt(main['train_step'])}; test at {fmt(main['test_step'])}; ratio median "
            f"{median(main['delay_ratio']):.3g}",
            fraction=a["fraction"],
            n=n,
        ),
        CLAIMS.attach(
            "weight_decay_needed",
            measured=plain["grokked"],
            steps=a["steps"],
            final=fmt(plain["final_test_accuracy"], ".2f"),
            p=a["p"],
        ),
        CLAIMS.attach(
            "more_data_less_delay",
            measured=len(test_steps) > 1 and bool(np.all(np.diff(test_steps) < 0)),
            note=", ".join(f"{f}: {t:.4g}" for f, t in zip(sorted(a["fractions"])[-len(test_steps) :], test_steps))
            + "".join(
                f"; fraction {f}: {m['grokked']} of {n} seeds grok within {a['steps']:,} steps (left out)"
                for f, m in sorted(s["weight_decay"].items())
                if float(f) < a["fraction"]
            ),
            fraction=a["fraction"],
        ),
        CLAIMS.attach(
            "one_frequency_per_unit",
            measured=median(shares),
            plain_share=median(plain["single_frequency"] or [float("nan")]),
        ),
        CLAIMS.attach("network", measured="square, MSE"),
        CLAIMS.attach("task", measured=f"p {a['p']}", **a),
        CLAIMS.attach(
            "optimizer", measured="full batch", **a, beta2=gk.GROMOV["beta2"], per_step=a["lr"] * a["weight_decay"]
        ),
        CLAIMS.attach("budget", measured=f"{a['steps']:,} steps", steps=a["steps"]),
    ]


def fmt(values, spec=".0f"):
    return ", ".join("never" if not np.isfinite(v) else f"{v:{spec}}" for v in values)


def print_summary(s):
    a = s["args"]
    print(f"{'fraction':>9}{'weight decay':>14}{'train 99% (median)':>20}{'test 99% (median)':>19}{'grokked':>9}")
    groups = [(f, a["weight_decay"], s["weight_decay"][str(f)]) for f in a["fractions"]]
    for f, wd, m in [*groups, (a["fraction"], 0.0, s["no_weight_decay"])]:
        print(f"{f:>9}{wd:>14g}{median(m['train_step']):>20.4g}{median(m['test_step']):>19.4g}"
              f"{m['grokked']:>6} of {a['seeds']}" + (f" ({m['diverged']} diverged)" if m["diverged"] else ""))  # fmt: skip
    print_claims(s["claims"])


def save_results(results, out, summary, args):
    arrays = {}
    for r in results["runs"]:
        c = r["config"]
        name = f"fraction{c['fraction']}_wd{c['weight_decay']:g}_seed{c['seed']}"
        arrays.update({f"{name}/{key}": r[key] for key in ("train_accuracy", "test_accuracy", "weight_norm")})
    save_outputs(out, arrays, summary)


SECONDS_PER_STEP = 2e-3  # one step with its accuracies, p 31, width 128, on one core (measured: about 1.5 ms)
QUICK = {"steps": 300, "seeds": 2, "fractions": [0.4, 0.6]}
SIZES = ("--steps", "--seeds", "--width", "--fractions", "--p")  # the options a run's time and memory grow with


def refuse_empty_splits(parser, args):
    """parser.error naming --fraction or --fractions when a fraction leaves no pair to train on or none to test on."""
    for option, fractions in (("--fraction", [args.fraction]), ("--fractions", args.fractions)):
        for fraction in fractions:
            n_train, n_test = gk.split_sizes(args.p, fraction)
            if min(n_train, n_test) < 1:
                parser.error(
                    f"argument {option}: must leave a pair to train on and one to test on: {fraction!r} of the "
                    f"{args.p**2} pairs (p {args.p}) is {n_train} to train on, {n_test} to test on"
                )


def refuse_too_large(parser, args):
    """The run's time and memory from the options alone (nothing is built): parser.error naming the option
    furthest above its default when the run would take over a day or more memory than there is."""
    runs = (len(args.fractions) + 1) * args.seeds  # each fraction with weight decay, and --fraction without
    kept = 8 * (4 * (args.steps + 1) + args.width * args.p // 2)  # a run's curves and spectrum, kept to the end
    memory = runs_at_once(args, runs) * gk.run_bytes(args.p, args.width, args.steps) + runs * kept
    seconds = runs * args.steps * SECONDS_PER_STEP * (args.p / 31) ** 3 * args.width / 128
    option = blamed(parser, args, SIZES)
    refuse_if_too_big(parser, {option: memory})
    refuse_if_too_long(parser, {option: seconds})


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("grokking", __doc__)
    p.add_argument("--p", type=int_in(3, 97), default=gk.GROMOV["p"], help="the modulus (default 31)")
    p.add_argument("--fraction", type=float_in(0, 1, open_lo=True), default=gk.GROMOV["fraction"],
                   help="fraction of the pairs to train on, pictured (default 0.4)")  # fmt: skip
    p.add_argument("--fractions", type=float_in(0, 1, open_lo=True), nargs="+", default=[0.3, 0.4, 0.5, 0.6],
                   help="fractions for the delay against the amount of data (default 0.3 0.4 0.5 0.6)")  # fmt: skip
    p.add_argument("--width", type=positive_int, default=gk.GROMOV["width"], help="hidden units (default 128)")
    p.add_argument("--lr", type=positive_float, default=gk.GROMOV["lr"], help="AdamW's learning rate (default 0.01)")
    p.add_argument("--weight-decay", type=positive_float, default=gk.GROMOV["weight_decay"],
                   help="AdamW's weight decay, scaled by lr (default 1)")  # fmt: skip
    p.add_argument("--steps", type=int_in(10), default=4000, help="full-batch steps per run (default 4000)")
    p.add_argument("--seeds", type=positive_int, default=5, help="runs per setting (default 5)")
    p.add_argument("--seed", type=seed, default=0, help="the first seed (default 0)")
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "300 steps, 2 seeds, fractions 0.4 0.6, for tests")
    args = parse_study_args(p, argv, QUICK)
    if args.lr * args.weight_decay >= 2:
        p.error(f"argument {blamed(p, args, ('--lr', '--weight-decay'))}: each step multiplies the weights by 1 - lr x weight decay, which must "
                f"lie above -1: lr {args.lr:g} x {args.weight_decay:g} = {args.lr * args.weight_decay:g}")  # fmt: skip
    refuse_empty_splits(p, args)
    args.fractions = sorted({*args.fractions, args.fraction})
    refuse_too_large(p, args)
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
