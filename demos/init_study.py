"""Document 003: how much does the random initialisation decide?

    python -m demos.init_study [--models 30] [--epochs 100]

Trains --models [10, 10] relu networks on complex multiplication (document 003's data and training:
Adam lr 0.01, batch 512), each from its own seed, through minnet.tools.sweep (--workers, --dask), and
shows the distribution of their test losses at 0, 10 and 100 epochs, every model's curve, and the
correlation across models between the loss after n and after m epochs (document: 0.556 between
5 and 100 epochs). The correlation of 30 models is itself uncertain: the study reports a 95%
bootstrap interval over the 30 models and the spread over --groups further groups of 30 (other
seeds), so that a reader can tell whether the document's 0.556 is within reach.

Each model draws its own data set (4,096 inputs from its own seed) by default: the document does
not say so, but its initial test losses, "roughly 29 to 38", are the spread of 30 different test
sets' target variance (measured: 28.0-38.0 with a data set per model, 32.7-33.7 with one shared
data set, where the untrained outputs are all near 0). With one data set (--shared-data) the
correlation between epochs 5 and 100 is near 0 (-0.24 to 0.05 over 5 groups of 30); with a data
set per model part of each model's loss level is its data's, shared by every epoch: -0.21 to 0.51
(median 0.31), still short of the document's 0.556. Other readings, each over 10 groups of 30
(300 models): the rank (Spearman) correlation 0.30 (median; -0.20 to 0.45), that of the log
losses 0.29 (-0.22 to 0.48), of the training losses 0.06 (-0.18 to 0.43); one data set with a new
random 80:20 split per model (what torch's random_split gives when called per model) 0.18 (-0.32
to 0.45), though it too gives initial losses of 28-38.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import (
    NN_LINEAR_INIT,
    Claims,
    band,
    not_comparable,
    plausible_draw,
    print_claims,
    rank_correlation,
)
from demos.cli import (
    add_output_options,
    add_sweep_options,
    int_in,
    parse_study_args,
    positive_int,
    refuse_if_too_big,
    refuse_if_too_long,
    run_study,
    save_outputs,
    study_parser,
    sweep_runner,
)
from minnet.studies import complex_mult as cm

DEFAULT_OUT = os.path.join("minnet-out", "init_study")
HISTOGRAM_EPOCHS = (0, 10, 100)
CORRELATION_PAIR = (5, 100)  # the document's 0.556
DOCUMENT = {"correlation": 0.556, "ranges": {0: (29, 38), 10: (6, 18), 100: (1.2, 3.8)}}
BOOTSTRAP = 2000  # resamples of the models for the correlation's interval


def run(args):
    """Group g trains models with seeds g * models .. (g + 1) * models - 1; group 0 is the one pictured."""
    configs = [
        {
            "hidden": [10, 10],
            "activation": "relu",
            "epochs": args.epochs,
            "seed": seed,
            "data_seed": 0 if args.shared_data else seed,
            "curves": ("test",),  # the test loss after every epoch; the training loss is not read
        }
        for seed in range(args.models * args.groups)
    ]
    losses = np.array([r["test_loss"] for r in sweep_runner(args)(cm.train_task, configs)]).reshape(
        args.groups, args.models, -1
    )
    return {
        "test_loss": losses[0],
        "correlation": np.corrcoef(losses[0].T),
        "group_losses": losses,
        "data_per_model": not args.shared_data,
        "config": {
            "data": "4,096 inputs from N(0, 2^2), 80:20 split, " + ("one data set" if args.shared_data else "a data set "
                    "per model"), "network": "MLP 4-10-10-2 relu", "loss": "mean squared error", "init": "pytorch",
            "optimizer": "Adam, lr 0.01", "batch_size": 512, "epochs": args.epochs,
            "seeds": f"0..{args.models * args.groups - 1}, {args.groups} groups of {args.models}",
        },
    }  # fmt: skip


def pair_correlation(losses, n, m):
    """The correlation across models of the loss after n and after m epochs; losses (models, epochs+1). NaN when
    either column is constant (a bootstrap resample can repeat one model)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.corrcoef(losses[:, n], losses[:, m])[0, 1])


def first_place_lost(losses):
    """The first epoch at which the model with the lowest test loss at epoch 0 no longer has the lowest (None: never)."""
    best = np.argmin(losses[:, 0])
    lost = np.flatnonzero(np.argmin(losses, axis=0) != best)
    return int(lost[0]) if lost.size else None


def bootstrap_interval(losses, n, m, rng, resamples=BOOTSTRAP):
    """The 2.5 and 97.5 percentiles of the correlation over resamples of the models (with replacement)."""
    picks = rng.integers(0, losses.shape[0], size=(resamples, losses.shape[0]))
    values = [pair_correlation(losses[p], n, m) for p in picks]
    return [float(v) for v in np.nanpercentile(values, [2.5, 97.5])]


def figure(results):
    """2 x 3: histograms of the test loss at the document's epochs, every model's curve, and the
    correlation of the loss after n and after m epochs (the document's 5 / 100 pair marked)."""
    import matplotlib.pyplot as plt

    losses = results["test_loss"]
    epochs = [e for e in HISTOGRAM_EPOCHS if e < losses.shape[1]]
    fig, axes = plt.subplots(2, 3, figsize=(15, 9), constrained_layout=True)
    for ax, e in zip(axes.flat, epochs):
        ax.hist(losses[:, e], bins=12, color="tab:blue")
        ax.set(title=f"test loss after {e} epochs", xlabel="test loss (MSE)", ylabel="models")
    ax = axes.flat[len(epochs)]
    for curve in losses:
        ax.semilogy(curve, linewidth=0.8)
    ax.set(title=f"test loss of each of the {len(losses)} models", xlabel="epoch", ylabel="test loss (MSE, log scale)")
    ax = axes.flat[len(epochs) + 1]
    mesh = ax.imshow(results["correlation"], cmap="coolwarm", vmin=-1, vmax=1, origin="lower")
    fig.colorbar(mesh, ax=ax, label="correlation over the models")
    ax.set(title="correlation of the loss after n and m epochs", xlabel="m (epochs)", ylabel="n (epochs)")
    n, m = CORRELATION_PAIR
    ax = axes.flat[len(epochs) + 2]
    if max(n, m) < losses.shape[1]:
        ax.plot(losses[:, n], losses[:, m], "o", color="tab:blue")
        ax.set(
            title=f"loss after {n} vs after {m} epochs: r = {results['correlation'][n, m]:.2f} (document {DOCUMENT['correlation']})",
            xlabel=f"test loss after {n} epochs",
            ylabel=f"test loss after {m} epochs",
        )
    else:
        ax.text(
            0.5,
            0.5,
            f"no epoch {max(n, m)} in this run:\nthe document's pair ({n}, {m}) needs {max(n, m)} epochs",
            ha="center",
            va="center",
        )
        ax.set_axis_off()
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    return [plots.save(figure(results), os.path.join(out, "initialisation.png"))]


# ----- the claims table: document 003's section on initialisation, declared once ---------------------------
# The candidate causes tried for the rows that differ at the defaults, by "<end>_<epochs>" (medians [range] over
# groups of 30 models; a group's highest is one model, and varies by about 0.7 between groups).
CAUSES = {
    "lowest_10": ". Around epoch 10 the loss falls about 15% an epoch, so one epoch (one step in seven) is the gap: "
    "the last partial batch dropped (6 steps an epoch, DataLoader(drop_last=True), which the document does not state) "
    "gives 6.85 [6.44-7.86] (3 groups) against 5.17 [4.27-5.96] (10 groups), and the loss read one epoch early 6.24 "
    "(group 0); not moved by no shuffling (4.96) or Glorot (5.16); lr 0.005 overshoots (14.9); He gives 6.90 but "
    "breaks epoch 0 (highest 55)",
    "lowest_100": ". minnet's best model is lower: 0.89 [0.81-1.02] (10 groups) against "
    f"{DOCUMENT['ranges'][100][0]}; last batch dropped 1.07 [0.83-1.25] (3), Glorot 1.02 [0.97-1.18] (3), both 1.09 "
    "(3), no shuffling 1.05 (1), He 1.33 (2, breaks epoch 0), lr 0.005 1.82 (1, breaks epoch 10): drop_last and "
    f"Glorot each bring {DOCUMENT['ranges'][100][0]} within their groups' spread; no single choice is established",
    "highest_100": f". The document's {DOCUMENT['ranges'][100][1]} is above minnet's worst model in all 10 groups "
    "(2.87-3.59) and above the median of every choice tried: last batch dropped 3.21, Glorot 3.62, both 3.35, He 3.48, "
    "no shuffling 2.96; only single groups at lr 0.005 (3.85) or with He (3.81) reach it, and each breaks another row "
    "(epoch 10: 14.9; epoch 0: 49-62). Cause not established",
}
QUOTES = {0: "ranged from roughly 29 to 38", 10: "Ranging from roughly 6 to 18", 100: "Ranging from about 1.2 to 3.8"}
CHURN = 0.5  # "the order of the models changes a lot": the ranks at the start and the end correlate below 0.5
NOT_LONG = 10  # "did not stay in first place for long": it loses first place within 10 epochs

CLAIMS = Claims("init_study", "003", where="importance of network initialization")
for e, (low, high) in DOCUMENT["ranges"].items():  # a group's lowest and highest loss, judged against minnet's groups
    for end, value in (("lowest", low), ("highest", high)):
        CLAIMS.declare(
            f"test_loss_{end}_{e}",
            quote=QUOTES[e],
            claim=f"the {end} test loss of 30 models after {e} epochs (median over groups)",
            unit="MSE",
            document_value=value,
            rule="plausible_draw",
            note="per group: {per_group}" + CAUSES.get(f"{end}_{e}", ""),
        )
CLAIMS.declare(
    "correlation_5_100",
    quote="while there is a decent correlation of 0.556",
    claim="correlation across 30 models of the test loss after 5 and after 100 epochs (median over groups)",
    unit="",
    document_value=DOCUMENT["correlation"],
    rule="plausible_draw",
)
CLAIMS.declare(
    "rank_churn",
    quote="one can certainly see that the order of the models changes a lot",
    claim="rank (Spearman) correlation across 30 models of the test loss at epoch 0 and at epoch {epochs} (median over "
    "groups)",
    unit="",
    rule=band(None, CHURN),
    note=f"'a lot': below {CHURN} (an unchanged order gives 1); per group {{per_group}}",
)
CLAIMS.declare(
    "best_not_first_for_long",
    quote="And the one that started out best did not stay in first place for long",
    claim="the first epoch at which the model best at epoch 0 no longer is (median over groups)",
    unit="epoch",
    rule=band(None, NOT_LONG),
    note=f"'not for long': within {NOT_LONG} epochs; per group {{per_group}}",
)
CLAIMS.pytorch_init(["correlation_5_100"])
CLAIMS.setting(
    "data_per_model",
    choice="each model trains on its own randomly drawn data set",
    alternative="the document does not say; one shared data set gives initial losses of 32.7-33.7 (not the "
    "document's {0}-{1}) and a correlation near 0 (-0.24 to 0.05 over 5 groups of 30)".format(*DOCUMENT["ranges"][0]),
    depends_on=["test_loss_lowest_0", "test_loss_highest_0", "correlation_5_100"],
)


def summary_of(results):
    losses, corr, groups = results["test_loss"], results["correlation"], results["group_losses"]
    n, m = (min(e, losses.shape[1] - 1) for e in CORRELATION_PAIR)
    epochs = [e for e in HISTOGRAM_EPOCHS if e < losses.shape[1]]
    summary = {
        "models": int(losses.shape[0]),
        "groups": int(groups.shape[0]),
        "test_loss_ranges": {str(e): [float(losses[:, e].min()), float(losses[:, e].max())] for e in epochs},
        "test_loss_ranges_per_group": {
            str(e): [[float(g[:, e].min()), float(g[:, e].max())] for g in groups] for e in epochs
        },
        "correlation_epochs": [n, m],
        "correlation": float(corr[n, m]),
        "correlation_bootstrap_95": bootstrap_interval(losses, n, m, np.random.default_rng(0)),
        "correlation_per_group": [pair_correlation(g, n, m) for g in groups],
        "rank_correlation_0_last_per_group": [rank_correlation(g[:, 0], g[:, -1]) for g in groups],
        "best_at_0_loses_first_place_per_group": [first_place_lost(g) for g in groups],
        "document_correlation_5_100": DOCUMENT["correlation"],
        "config": results["config"],
    }
    summary["claims"] = claims(summary, (n, m) == CORRELATION_PAIR) + [
        CLAIMS.attach("initialisation", measured=NN_LINEAR_INIT),
        CLAIMS.attach("data_per_model", measured="own data" if results["data_per_model"] else "shared data"),
    ]
    return summary


def claims(s, full):
    """The document's loss ranges and its correlation: single runs of 30 models, each judged as a draw from
    minnet's groups of 30 (a group's lowest and highest loss, a group's correlation)."""
    rows = []
    for e in DOCUMENT["ranges"]:
        if str(e) not in s["test_loss_ranges"]:
            continue
        per_group = np.array(s["test_loss_ranges_per_group"][str(e)])
        for end, draws in (("lowest", per_group[:, 0]), ("highest", per_group[:, 1])):
            rows.append(
                CLAIMS.attach(
                    f"test_loss_{end}_{e}",
                    measured=float(np.median(draws)),
                    rule=plausible_draw(draws),
                    per_group=", ".join(f"{v:.3g}" for v in draws),
                )
            )
    groups = s["correlation_per_group"]
    lo, hi = s["correlation_bootstrap_95"]
    rule = plausible_draw(groups) if full else not_comparable(f"trained {s['correlation_epochs'][1]} epochs, not 100")
    rows.append(
        CLAIMS.attach(
            "correlation_5_100",
            measured=float(np.median(groups)),
            rule=rule,
            note=f"group 0 (pictured): {s['correlation']:.3f}, 95% bootstrap interval over its models "
            f"{lo:.2f} to {hi:.2f}",
        )
    )
    return rows + churn_rows(s, full)


def churn_rows(s, full):
    """The figure of every model's curve: the order changes a lot, and the best at the start soon is not."""
    ranks, lost = s["rank_correlation_0_last_per_group"], s["best_at_0_loses_first_place_per_group"]
    epochs = s["correlation_epochs"][1]
    judged = None if full else not_comparable(f"trained {epochs} epochs, not 100")
    lost_epochs = [e if e is not None else epochs + 1 for e in lost]  # never lost: after the last epoch
    return [
        CLAIMS.attach(
            "rank_churn",
            measured=float(np.median(ranks)),
            rule=judged,
            epochs=epochs,
            per_group=", ".join(f"{r:.2f}" for r in ranks),
        ),
        CLAIMS.attach(
            "best_not_first_for_long",
            measured=float(np.median(lost_epochs)),
            rule=judged,
            per_group=", ".join(str(e) if e is not None else "never" for e in lost),
        ),
    ]


def print_summary(s):
    for e, (low, high) in s["test_loss_ranges"].items():
        print(f"test loss after {e:>3} epochs: {low:.4g} .. {high:.4g}")
    n, m = s["correlation_epochs"]
    lo, hi = s["correlation_bootstrap_95"]
    print(
        f"correlation across {s['models']} models of the loss after {n} and after {m} epochs: {s['correlation']:.3f}, "
        f"95% bootstrap interval {lo:.2f} to {hi:.2f} (document, 5 and 100: {DOCUMENT['correlation']})"
    )
    print(
        f"in {len(s['correlation_per_group'])} groups of {s['models']} seeds: "
        + ", ".join(f"{v:.2f}" for v in s["correlation_per_group"])
    )
    print_claims(s["claims"])


def save_results(results, out, summary, args):
    save_outputs(out, {"test_loss": results["test_loss"], "correlation": results["correlation"]}, summary)


SECONDS_PER_EPOCH = 1e-3  # one [10, 10] model's epoch on 3,277 examples, on one core (measured: about 1 ms)


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("init_study", __doc__)
    p.add_argument("--models", type=int_in(3), default=30, help="independently initialised models (default 30)")
    p.add_argument("--epochs", type=positive_int, default=100, help="training epochs (default 100)")
    p.add_argument(
        "--shared-data",
        action="store_true",
        help="train every model on the same data set (default: each its own, see the notes below)",
    )
    p.add_argument(
        "--groups",
        type=positive_int,
        default=10,
        help="groups of --models models, each with its own seeds: the spread the document's single group is "
        "judged against (default 10)",
    )
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "5 models of 12 epochs, for tests")
    args = parse_study_args(p, argv, {"models": 5, "epochs": 12, "groups": 2})
    models = args.models * args.groups
    refuse_if_too_big(
        p,
        {
            "--groups": models * 8 * (2 * (args.epochs + 1) + 200),
            "--models": models * 8 * (2 * (args.epochs + 1) + 200),
        },
    )
    refuse_if_too_long(
        p, {"--groups": models * args.epochs * SECONDS_PER_EPOCH, "--models": models * args.epochs * SECONDS_PER_EPOCH}
    )
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
