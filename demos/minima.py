"""Document 004 (its slides on minima): large steps avoid a narrow minimum, stochasticity escapes one.

    python -m demos.minima [--sigma 10] [--batches 1 2 4 100] [--lrs 0.05 0.2 0.8]

Three parts. (a) Gradient descent on a hand-written landscape with a narrow, shallow well and a
wide, deep one (minnet.studies.minima, its gradient and Hessian written out), started at the
narrow minimum, at --sweep learning rates from 0.005 to 1: where does it settle, against 2/lambda
of each minimum? The same in two weights, two paths drawn. (b) Stochastic gradients at lr 0.01
(below 2/lambda_narrow, where gradient descent stays): 100 examples each tilt the landscape by
xi_i ~ N(0, --sigma^2) (mean exactly 0); --seeds runs per batch size from the narrow minimum for
3,000 steps; how many end in the wide well? (c) A real network: a 64-32-10 tanh MLP on the
shipped 8x8 digits, SGD at each --lrs and batch 10, 100 and 1,000 (full) for 3,000 steps; the
sharpness of the minimum reached (minnet.hessian) against lr and batch size, and the test error
against the sharpness (Keskar et al. 2017: large batches find sharp minima that generalise worse).

The slides show pictures without numbers or setups; every landscape, rate and size here is
minnet's. The exponential learning-rate slide (Li & Arora 2020) is its own study, with a
batch-normalised MLP: python -m demos.exp_lr.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import (
    Claims,
    band,
    holds,
    permutation_p,
    print_claims,
    rank_correlation,
    sign_test_p,
    significant,
)
from demos.cli import (
    add_output_options,
    add_sweep_options,
    blamed,
    int_in,
    parse_study_args,
    positive_float,
    positive_int,
    refuse_if_too_big,
    refuse_if_too_long,
    run_study,
    save_outputs,
    study_parser,
    sweep_runner,
)
from minnet.studies import edge_of_stability as eos
from minnet.studies import minima as mn

DEFAULT_OUT = os.path.join("minnet-out", "minima")
NETWORK_BATCHES, NETWORK_STEPS, NETWORK_SEEDS = (10, 100, 1000), 3000, 3


def run(args):
    configs = [{"lr": lr, "batch": b, "steps": NETWORK_STEPS, "seed": s} for lr in args.lrs
               for b in NETWORK_BATCHES for s in range(min(args.seeds, NETWORK_SEEDS))]  # fmt: skip
    network = sweep_runner(args)(mn.network_task, configs)
    return {
        "large_steps": mn.large_steps(np.geomspace(*mn.SWEEP, args.sweep)),
        "escapes": mn.escapes(args.sigma, args.batches, args.seeds),
        "network": [{**c, **r} for c, r in zip(configs, network)],
        "args": {"sigma": args.sigma, "batches": args.batches, "seeds": args.seeds, "lrs": args.lrs},
        "config": {
            "data": f"(a, b) the landscape of minnet.studies.minima; (b) {mn.EXAMPLES} examples tilting it by N(0, "
                    f"{args.sigma:g}^2); (c) the shipped 8x8 digits, 1,000 to train and 797 to test",
            "network": "(c) MLP 64-32-10 tanh", "loss": "(c) cross-entropy", "init": "(c) glorot",
            "optimizer": f"gradient descent / SGD: (b) lr {mn.SGD_LR}, batches {args.batches}; (c) lr {args.lrs}, "
                         f"batches {list(NETWORK_BATCHES)}", "steps": f"(a) 3,000, (b) {mn.SGD_STEPS:,}, (c) "
                         f"{NETWORK_STEPS:,}", "seeds": f"(b) 0..{args.seeds - 1}, (c) 0..{min(args.seeds, NETWORK_SEEDS) - 1}",
        },
    }  # fmt: skip


# ----- figures -----------------------------------------------------------------------------------
COLORS = {"settles narrow": "tab:red", "oscillates narrow": "tab:orange", "settles wide": "tab:blue",
          "oscillates wide": "tab:cyan", "neither": "0.5", "diverges": "k"}  # fmt: skip


def figure_toy(results):
    """Top: the landscape; where gradient descent ends against its rate; two paths in two weights. Bottom: SGD
    paths with batch 1 and the full batch; the runs that escaped, per batch size."""
    import matplotlib.pyplot as plt

    a, steps, esc = results["args"], results["large_steps"], results["escapes"]
    fig, axes = plt.subplots(2, 3, figsize=(19, 11), constrained_layout=True)
    w = np.linspace(-2.5, 3.5, 1200)
    axes[0, 0].plot(w, mn.loss(w[:, None]), "k")
    for kind, color in (("narrow", "tab:red"), ("wide", "tab:blue")):
        m, lam = mn.minimum(kind, 1)[0], steps["sharpness"][kind]
        axes[0, 0].plot(m, mn.loss([m]), "o", color=color, label=f"{kind} minimum: sharpness {lam:.3g}, "
                        f"2/sharpness = {2 / lam:.3g}")  # fmt: skip
    axes[0, 0].set(xlabel="w", ylabel="L(w)", title="a narrow, shallow minimum and a wide, deep one")
    axes[0, 0].legend(loc="upper right")
    figure_rates(axes[0, 1], steps)
    figure_paths_2d(axes[0, 2], steps)
    ax = axes[1, 0]
    for batch, color in ((min(a["batches"]), "tab:purple"), (max(a["batches"]), "k")):
        ax.plot(esc["paths"][batch], color=color, linewidth=0.7, label=f"batch {batch}" +
                (" (full: gradient descent)" if batch == mn.EXAMPLES else ""))  # fmt: skip
    for kind, color in (("narrow", "tab:red"), ("wide", "tab:blue")):
        ax.axhline(mn.minimum(kind, 1)[0], color=color, linestyle=":", label=f"{kind} minimum")
    ax.set(xlabel="step", ylabel="w", title=f"lr {mn.SGD_LR} (< 2/sharpness of the narrow minimum): seed 0's paths")
    ax.legend(loc="center right")
    ax = axes[1, 1]
    fractions = [esc["ends"][b].count("wide") / len(esc["ends"][b]) for b in a["batches"]]
    ax.bar([str(b) for b in a["batches"]], fractions, color="tab:purple")
    ax.set(xlabel="batch size (of 100 examples)", ylabel="fraction of runs ending in the wide minimum", ylim=(0, 1),
           title=f"stochasticity escapes the narrow minimum ({a['seeds']} seeds, tilts sigma {a['sigma']:g})")  # fmt: skip
    axes[1, 2].axis("off")
    axes[1, 2].text(0, 0.95, TOY_NOTE, va="top", wrap=True, fontsize=12)
    return fig


TOY_NOTE = (
    "Gradient descent multiplies the distance to a minimum\nof sharpness lambda by (1 - lr lambda) each step:"
    "\nit settles only if lr < 2 / lambda.\n\nJust above 2/lambda of the narrow minimum it does not\n"
    "settle but stays in the narrow well, oscillating\nwhere the well's sides are less curved than its\n"
    "bottom. Larger steps leave the well and settle in\nthe wide minimum, up to its own 2/lambda."
)


def figure_rates(ax, steps):
    """Where each rate ends (w), coloured by outcome, 2/lambda of both minima dashed."""
    for name, color in COLORS.items():
        chosen = [i for i, o in enumerate(steps["outcomes"]) if o == name]
        if chosen:
            ax.plot(steps["rates"][chosen], steps["final_w"][chosen], "o", color=color, label=name, markersize=4)
    for kind, color in (("narrow", "tab:red"), ("wide", "tab:blue")):
        ax.axvline(2 / steps["sharpness"][kind], color=color, linestyle="--", linewidth=1,
                   label=f"2 / sharpness of the {kind} minimum")  # fmt: skip
    ax.set(xscale="log", xlabel="learning rate (log scale)", ylabel="w after 3,000 steps",
           title="gradient descent from the narrow minimum")  # fmt: skip
    ax.legend(loc="center left", fontsize=9)


def figure_paths_2d(ax, steps):
    """Contours of L in two weights, and the two rates' paths from the narrow minimum."""
    g = np.linspace(-2.2, 2.8, 300)
    W1, W2 = np.meshgrid(g, np.linspace(-2.2, 2.2, 260))
    ax.contourf(W1, W2, mn.loss(np.stack([W1, W2], axis=-1)), levels=30, cmap="viridis")
    for (lr, path), color in zip(steps["paths_2d"].items(), ("tab:red", "white")):
        ax.plot(*path.T, "-o", color=color, markersize=2, linewidth=0.8, label=f"lr {lr}: {mn.outcome(path, 2)}")
    ax.set(xlabel="w_1", ylabel="w_2", title="the same in two weights, 300 steps", aspect="equal")
    ax.legend(loc="lower left")


def figure_network(results):
    """Left: the final sharpness against lr, per batch size, 2/lr dashed. Right: test error against sharpness."""
    import matplotlib.pyplot as plt

    runs = results["network"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 6), constrained_layout=True)
    lrs = np.array(sorted({r["lr"] for r in runs}))
    for batch, color in zip(NETWORK_BATCHES, ("tab:green", "tab:orange", "k")):
        mine = [r for r in runs if r["batch"] == batch]
        left.plot([r["lr"] for r in mine], [r["sharpness"] for r in mine], "o", color=color, alpha=0.5)
        left.plot(lrs, [np.median([r["sharpness"] for r in mine if r["lr"] == lr]) for lr in lrs], color=color,
                  label=f"batch {batch}" + (" (full)" if batch == 1000 else ""))  # fmt: skip
        right.plot([r["sharpness"] for r in mine], [r["test_error"] for r in mine], "o", color=color,
                   label=f"batch {batch}")  # fmt: skip
    left.plot(lrs, 2 / lrs, "k--", linewidth=1, label="2 / lr")
    left.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="sharpness at the end (log)",
             title=f"64-32-10 MLP on 8x8 digits, {NETWORK_STEPS:,} SGD steps")  # fmt: skip
    left.legend()
    right.set(xscale="log", xlabel="sharpness at the end (log)", ylabel="test error", title="flat vs sharp minima")
    right.legend()
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    return [plots.save(figure_toy(results), os.path.join(out, "minima.png")),
            plots.save(figure_network(results), os.path.join(out, "network.png"))]  # fmt: skip


# ----- the claims ---------------------------------------------------------------------------------
def summary_of(results):
    steps, esc, a = results["large_steps"], results["escapes"], results["args"]
    limit = {kind: 2 / lam for kind, lam in steps["sharpness"].items()}
    rates, outcomes = steps["rates"], steps["outcomes"]
    between = [o for lr, o in zip(rates, outcomes) if limit["narrow"] < lr < limit["wide"]]
    settles_narrow = [lr for lr, o in zip(rates, outcomes) if o == "settles narrow"]
    summary = {
        "sharpness": steps["sharpness"],
        "outcomes": {f"{lr:.4g}": o for lr, o in zip(rates, outcomes)},
        "largest_rate_settling_narrow": float(max(settles_narrow, default=float("nan"))),
        "between_settling_wide": between.count("settles wide") / max(len(between), 1),
        "between_oscillating_narrow": [float(lr) for lr, o in zip(rates, outcomes) if o == "oscillates narrow"],
        "settles_above_wide_limit": sum(
            o.startswith("settles") for lr, o in zip(rates, outcomes) if lr > limit["wide"]
        ),
        "escaped": {str(b): esc["ends"][b].count("wide") / len(esc["ends"][b]) for b in a["batches"]},
        "network": network_summary(results["network"]),
        "args": a,
        "config": results["config"],
    }
    summary["claims"] = claims(summary)
    return summary


def network_summary(runs):
    """Medians over seeds per (lr, batch); Keskar's comparison, paired: per (lr, seed), the smallest batch
    against the full batch; and the rank correlation of sharpness and test error with its permutation test."""
    cells = {}
    for r in runs:
        cells.setdefault(f"lr {r['lr']:g}, batch {r['batch']}", []).append(r)
    median = {key: {q: float(np.median([r[q] for r in rs])) for q in ("sharpness", "test_error", "train_loss")}
              | {"lr": rs[0]["lr"], "batch": rs[0]["batch"]} for key, rs in cells.items()}  # fmt: skip
    sharp, err = (np.array([r[q] for r in runs]) for q in ("sharpness", "test_error"))
    return {
        "cells": median,
        "runs": len(runs),
        "pairs": keskar_pairs(runs),
        "rank_correlation": rank_correlation(sharp, err),
        "rank_correlation_p": permutation_p(sharp, err, rank_correlation, PERMUTATIONS),
        "rank_correlation_within_lr": {
            f"{lr:g}": rank_correlation(*(np.array([r[q] for r in runs if r["lr"] == lr]) for q in ("sharpness", "test_error")))
            for lr in sorted({r["lr"] for r in runs})
        },
    }  # fmt: skip


PERMUTATIONS = 10_000  # the permutation test's shuffles


def keskar_pairs(runs):
    """Keskar et al.'s comparison, one pair per (lr, seed): the smallest batch's run and the full batch's,
    same seed (same data split and initial weights), same number of steps."""
    small, large = min(NETWORK_BATCHES), max(NETWORK_BATCHES)
    by_key = {(r["lr"], r["seed"], r["batch"]): r for r in runs}
    keys = sorted({(lr, seed) for lr, seed, b in by_key if (lr, seed, small) in by_key and (lr, seed, large) in by_key})
    return [{"lr": lr, "seed": seed, **{f"{q}_{name}": by_key[(lr, seed, b)][q] for q in ("sharpness", "test_error",
             "train_loss") for name, b in (("small", small), ("large", large))}} for lr, seed in keys]  # fmt: skip


def paired_sign_test(pairs, quantity):
    """How many pairs have the large batch's `quantity` above the small batch's, how many below (ties
    dropped), and the one-sided sign test's p."""
    above = sum(p[f"{quantity}_large"] > p[f"{quantity}_small"] for p in pairs)
    below = sum(p[f"{quantity}_large"] < p[f"{quantity}_small"] for p in pairs)
    return above, below, sign_test_p(above, below)


# ----- the claims table: what the slides on minima show, and what the cited papers say, declared once ----------
DIVERGENCE = "Local divergence can also be benefitial"  # the slide's heading, its spelling
ESCAPE = "Stochasticity allows to escape local minima"
ESCAPE_MARGIN = 0.5  # smallest batch's escapes minus the full batch's: more than a tie of two zeros
SMALL, LARGE = min(NETWORK_BATCHES), max(NETWORK_BATCHES)  # Keskar's pair: the smallest batch and the full one
CLAIMS = Claims("minima", "004", where="Wide vs narrow local minima")
CLAIMS.declare(
    "narrow_settles_below_2_over_lambda",
    quote=DIVERGENCE,
    claim="the largest rate that settles in the narrow minimum, over 2 / its sharpness",
    unit="lr / lr",
    document_value=1.0,
    rule=band(0.9, 1.0),
    kind="check",
)
CLAIMS.declare(
    "large_step_settles_wide",
    where=DIVERGENCE,
    quote="Градиентный спуск с большим шагом избегает узкого локального минимума",
    claim="fraction of the rates between 2/lambda of the narrow and of the wide minimum that settle in the wide one",
    unit="",
    rule=band(0.5, 1.0),
)
CLAIMS.declare(
    "nothing_settles_above_2_over_lambda_wide",
    where=DIVERGENCE,
    quote=DIVERGENCE,
    claim="rates above 2/lambda of the wide minimum that settle anywhere",
    unit="rates",
    document_value=0,
    rule=band(0, 0),
    kind="check",
    note="the stability condition again, on the hand-built landscape's two wells (its only minima)",
)
CLAIMS.declare(
    "stochasticity_escapes",
    where=ESCAPE,
    quote="Стохастический градиентный спуск выпрыгивает из локальных минимумов",
    claim="fraction of SGD runs with batch {batch} from the narrow minimum that end in the wide one "
    f"(lr {mn.SGD_LR}, {{seeds}} seeds)",
    unit="",
    rule=band(0.5, 1.0),
)
CLAIMS.declare(
    "smaller_batches_escape_more",
    where=ESCAPE,
    quote=ESCAPE,
    claim="the fraction that escapes never grows with the batch size, and batch {smallest} escapes more often than "
    f"batch {{largest}} by at least {ESCAPE_MARGIN}",
    unit="",
    rule=holds(f"non-increasing in the batch size, first - last >= {ESCAPE_MARGIN}"),
)
CLAIMS.declare(
    "sharpness_rises_to_2_over_lr",
    quote="",
    claim="full-batch gradient descent's "
    "sharpness rises to 2/lr and hovers there: the final sharpness over 2/lr, of the run that comes closest",
    unit="ratio",
    document_value=1.0,
    rule=band(*eos.HOVER_BAND),
    kind="beyond",
    document="Cohen et al. 2021",
)
CLAIMS.declare(
    "larger_batch_sharper",
    quote="",
    claim=f"per (lr, seed) pair, batch {LARGE} (full) "
    f"reaches a sharper minimum than batch {SMALL} at the same number of steps: pairs where it does",
    unit="pairs",
    rule="significant",
    kind="beyond",
    document="Keskar et al. 2017",
)
CLAIMS.declare(
    "flat_generalises_better",
    quote="",
    claim=f"per (lr, seed) pair, batch {LARGE} (sharper) has a higher test error than batch {SMALL}: pairs where it does",
    unit="pairs",
    rule="significant",
    kind="beyond",
    document="Keskar et al. 2017",
)
ESCAPES = ["large_step_settles_wide", "stochasticity_escapes", "smaller_batches_escape_more"]
KESKAR = ["larger_batch_sharper", "flat_generalises_better", "sharpness_rises_to_2_over_lr"]
CLAIMS.setting(  # the choices the slides leave open, every one minnet's
    "landscape",
    choice="a 1-d (and 2-d) landscape of two Gaussian wells: narrow (depth "
    f"{mn.WELLS['narrow']['depth']}, width {mn.WELLS['narrow']['width']}) and wide (depth "
    f"{mn.WELLS['wide']['depth']}, width {mn.WELLS['wide']['width']}), inside a confining bowl of radius {mn.R}",
    alternative="the slides draw such a landscape without numbers; with the wide well also the deeper "
    "one, settling in it is also the lower loss (a shallower wide well was not tried)",
    depends_on=ESCAPES,
)
CLAIMS.setting(
    "tilts",
    choice=f"stochastic gradients from {mn.EXAMPLES} examples, each tilting the landscape "
    "by xi ~ N(0, sigma^2), sigma {sigma:g}, their mean exactly 0",
    alternative="measured (20 seeds, batches 1, 2, "
    "4, 100): sigma 1e-3, 1 and 3: nothing escapes (0, 0, 0, 0); 10: 0.95, 0.10, 0, 0; 30: 1, 1, 0.55, 0 "
    "(python -m demos.minima --sigma S)",
    depends_on=ESCAPES[1:],
)
CLAIMS.setting(
    "sgd",
    choice=f"SGD at lr {mn.SGD_LR} (below 2/lambda of the narrow well, where gradient "
    f"descent stays) for {mn.SGD_STEPS:,} steps, from the narrow minimum",
    alternative="a rate above 2/lambda_narrow leaves by divergence, not noise (part a)",
    depends_on=ESCAPES[1:],
)
CLAIMS.setting(
    "network",
    choice="a 64-32-10 tanh MLP on the shipped 8x8 digits (1,000 train, 797 test), "
    f"glorot, cross-entropy, SGD at lr {{lrs}} and batch {list(NETWORK_BATCHES)}, {NETWORK_STEPS:,} "
    "steps each, seeds 0..{last_seed}",
    alternative="runs matched by steps, not epochs: at "
    "equal epochs the full batch would take 100 times fewer steps and stop far from a minimum (not "
    "measured)",
    depends_on=KESKAR,
)


def claims(s):
    a, limit = s["args"], {kind: 2 / lam for kind, lam in s["sharpness"].items()}
    cells, pairs = list(s["network"]["cells"].values()), s["network"]["pairs"]
    lrs = sorted({c["lr"] for c in cells})
    full = [next(c for c in cells if c["lr"] == lr and c["batch"] == LARGE) for lr in lrs]
    escaped = [s["escaped"][str(b)] for b in sorted(a["batches"])]
    sharper, flatter, p_sharp = paired_sign_test(pairs, "sharpness")
    worse, better, p_worse = paired_sign_test(pairs, "test_error")
    edge = max(c["sharpness"] * c["lr"] / 2 for c in full)  # the final sharpness over 2/lr, the closest run
    n = len(pairs)
    return [
        CLAIMS.attach(
            "narrow_settles_below_2_over_lambda",
            measured=s["largest_rate_settling_narrow"] / limit["narrow"],
            note=f"2 / sharpness = {limit['narrow']:.4g}; rates {len(s['outcomes'])}, log-spaced 0.005 to 1; gradient "
            "descent near a minimum is stable iff lr < 2/lambda: a property of the hand-built well, which the slides "
            "do not state",
        ),
        CLAIMS.attach(
            "large_step_settles_wide",
            measured=s["between_settling_wide"],
            note="oscillating in the narrow well instead "
            f"(just above its 2/lambda): lr {', '.join(f'{lr:.3g}' for lr in s['between_oscillating_narrow'])}",
        ),
        CLAIMS.attach("nothing_settles_above_2_over_lambda_wide", measured=s["settles_above_wide_limit"]),
        CLAIMS.attach(
            "stochasticity_escapes",
            measured=s["escaped"][str(min(a["batches"]))],
            note="full batch (gradient descent): " + f"{s['escaped'].get(str(mn.EXAMPLES), float('nan')):.2f}",
            batch=min(a["batches"]),
            seeds=a["seeds"],
        ),
        CLAIMS.attach(
            "smaller_batches_escape_more",
            measured=bool(np.all(np.diff(escaped) <= 0)) and escaped[0] - escaped[-1] >= ESCAPE_MARGIN,
            note=", ".join(f"batch {b}: {f:.2f}" for b, f in zip(sorted(a["batches"]), escaped))
            + "; the margin keeps a "
            "run where nothing escapes (sigma 3: 0, 0, 0, 0) from passing",
            smallest=min(a["batches"]),
            largest=max(a["batches"]),
        ),
        CLAIMS.attach(
            "sharpness_rises_to_2_over_lr",
            measured=edge,
            note=", ".join(f"lr {c['lr']:g}: {c['sharpness']:.3g} (2/lr {2 / c['lr']:.3g})" for c in full)
            + ": far below; with cross-entropy the sharpness falls as the loss "
            "goes to 0 (the logits grow, the softmax saturates), and these runs end at losses 0.002-0.07. Under squared "
            "error the edge is reached: python -m demos.edge_of_stability",
        ),
        CLAIMS.attach(
            "larger_batch_sharper",
            measured=sharper,
            rule=significant(p_sharp, f"one-sided sign test over {n} pairs"),
            note=f"{sharper} sharper, {flatter} flatter; " + keskar_note(pairs),
        ),
        CLAIMS.attach(
            "flat_generalises_better",
            measured=worse,
            rule=significant(p_worse, f"one-sided sign test over {n} pairs"),
            note=f"{worse} worse, {better} better, "
            f"{n - worse - better} tied (1 test image is 0.00125); over all {s['network']['runs']} runs "
            f"the rank correlation of sharpness and test error is {s['network']['rank_correlation']:.2f}, permutation "
            f"p = {s['network']['rank_correlation_p']:.2f} (runs of one seed are not independent); within each lr: "
            + ", ".join(f"{lr}: {r:.2f}" for lr, r in s["network"]["rank_correlation_within_lr"].items())
            + ". "
            "Keskar's batches are 10% of 50,000 images on large networks; here the full batch is 1,000 digits on a "
            "64-32-10 network",
        ),
        CLAIMS.attach("landscape", measured="two wells"),
        CLAIMS.attach("tilts", measured=f"sigma {a['sigma']:g}", sigma=a["sigma"]),
        CLAIMS.attach("sgd", measured=f"lr {mn.SGD_LR}"),
        CLAIMS.attach("network", measured="equal steps", lrs=a["lrs"], last_seed=min(a["seeds"], NETWORK_SEEDS) - 1),
    ]


def keskar_note(pairs):
    """How the pairs compare with Keskar et al.'s setup: the measure and the matching."""
    gap = max(abs(p["train_loss_large"] - p["train_loss_small"]) / p["train_loss_large"] for p in pairs)
    return ("sharpness is the top eigenvalue of the training loss's Hessian (Keskar's measure is the largest loss in "
            "a small box around the minimum: an optimisation per run, not computed here); the runs are matched by "
            f"steps ({NETWORK_STEPS:,}: {NETWORK_STEPS // 100} to {NETWORK_STEPS:,} epochs) and end at training losses "
            f"within {gap:.0%} of each other (Keskar: both near zero)")  # fmt: skip


def print_summary(s):
    print("gradient descent from the narrow minimum (2/sharpness: narrow "
          f"{2 / s['sharpness']['narrow']:.4g}, wide {2 / s['sharpness']['wide']:.4g}):")  # fmt: skip
    for lr, o in s["outcomes"].items():
        print(f"  lr {lr:>7}: {o}")
    print("SGD from the narrow minimum, fraction ending in the wide one: " +
          ", ".join(f"batch {b}: {f:.2f}" for b, f in s["escaped"].items()))  # fmt: skip
    print(f"{'network':>22}{'sharpness':>11}{'test error':>12}{'train loss':>12}")
    for key, c in s["network"]["cells"].items():
        print(f"{key:>22}{c['sharpness']:>11.4g}{c['test_error']:>12.4f}{c['train_loss']:>12.4g}")
    print_claims(s["claims"])


def save_results(results, out, summary, args):
    steps = results["large_steps"]
    arrays = {"rates": steps["rates"], "final_w": steps["final_w"],
              **{f"sgd_path_batch{b}": p for b, p in results["escapes"]["paths"].items()},
              **{f"network/{q}": np.array([r[q] for r in results["network"]]) for q in
                 ("lr", "batch", "seed", "sharpness", "test_error", "train_loss")}}  # fmt: skip
    save_outputs(out, arrays, summary)


SECONDS_PER_RUN = 7.0  # the slowest network run (full batch, 3,000 steps) on one core (measured: about 5 s)


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("minima", __doc__)
    p.add_argument("--sigma", type=positive_float, default=10.0, help="the examples' tilts' spread (default 10)")
    p.add_argument("--batches", type=int_in(1, mn.EXAMPLES), nargs="+", default=[1, 2, 4, mn.EXAMPLES],
                   help=f"SGD batch sizes of {mn.EXAMPLES} examples, {mn.EXAMPLES} = gradient descent (default 1 2 4 100)")  # fmt: skip
    p.add_argument("--lrs", type=positive_float, nargs="+", default=[0.05, 0.2, 0.8],
                   help="the network's learning rates (default 0.05 0.2 0.8)")  # fmt: skip
    p.add_argument(
        "--sweep", type=int_in(3, 1000), default=mn.SWEEP_RATES, help="rates in part (a) (default %(default)s)"
    )
    p.add_argument("--seeds", type=positive_int, default=20, help="SGD runs per batch size; the network's seeds "
                   "are the first 3 (default 20)")  # fmt: skip
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "few seeds and rates, for tests")
    args = parse_study_args(p, argv, {"seeds": 2, "sweep": 12, "lrs": [0.2]})
    seconds = len(args.lrs) * len(NETWORK_BATCHES) * min(
        args.seeds, NETWORK_SEEDS
    ) * SECONDS_PER_RUN + 0.05 * args.seeds * len(args.batches)
    refuse_if_too_big(p, {"--seeds": 8 * (mn.SGD_STEPS + 1) * args.seeds})  # (b): one batch size's paths at once
    refuse_if_too_long(p, {blamed(p, args, ("--seeds", "--lrs", "--batches")): seconds})
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
