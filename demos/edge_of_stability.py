"""Beyond the documents: gradient descent at the edge of stability (Cohen et al., ICLR 2021).

    python -m demos.edge_of_stability [--rates 0.2 0.3 0.4] [--adam-lr 0.002] [--epochs 2000]

Full-batch gradient descent on a tanh MLP (64-64-64-10, half squared error on one-hot targets) over
1,000 of the shipped 8x8 digits, at three learning rates. The sharpness, the top eigenvalue of the
training loss' Hessian (minnet.hessian: exact Hessian-vector products, Lanczos), rises while it is
below 2/lr ("progressive sharpening"), reaches 2/lr, and then hovers there while the loss keeps
falling, though no longer monotonically. The same network trained with Adam does the same with
its preconditioned sharpness, the top eigenvalue of P^-1 H, against (2 + 2 beta1) / ((1 - beta1) lr)
= 38/lr (Cohen et al. 2022, "Adaptive Gradient Methods at the Edge of Stability").

Document 000's sudden oscillations are one instance: `python -m demos.oscillations` shows its
sharpness crossing 2/lr at iteration 481, before the angle, the norm and the error turn.

Settings: the pixels are standardised (each pixel to mean 0 and variance 1 over the examples,
as Cohen et al. centre CIFAR-10) and the weights start from PyTorch's default (init="pytorch").
With raw [0, 1] pixels and Glorot weights the sharpness starts at 8.9 and only falls at these rates
(measured: 7.0 after 3,000 iterations at lr 0.05, 0.1 and 0.2), so there is nothing to sharpen.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, holds, print_claims, setting_rule
from demos.cli import (
    add_output_options,
    add_sweep_options,
    int_in,
    parse_study_args,
    positive_float,
    positive_int,
    refuse_if_too_big,
    run_study,
    save_outputs,
    seed,
    study_parser,
    sweep_runner,
)
from minnet.studies import edge_of_stability as eos

DEFAULT_OUT = os.path.join("minnet-out", "edge_of_stability")
COHEN = "Cohen et al. 2021"
COHEN_ADAM = "Cohen et al. 2022"
RATES = [0.2, 0.3, 0.4]  # gradient descent's learning rates (--rates)


def run(args):
    shared = {
        "examples": args.examples,
        "hidden": list(args.hidden),
        "epochs": args.epochs,
        "every": args.every,
        "lanczos_steps": args.lanczos_steps,
        "seed": args.seed,
    }
    configs = [{**shared, "optimizer": "sgd", "lr": lr} for lr in args.rates] + [
        {**shared, "optimizer": "adam", "lr": args.adam_lr}
    ]
    runs = sweep_runner(args)(eos.train_task, configs)
    config = {
        "data": f"the first {args.examples:,} shipped 8x8 digits, pixels standardised, one-hot targets",
        "network": "MLP 64-" + "-".join(map(str, args.hidden)) + "-10", "hidden": list(args.hidden),
        "activation": "tanh", "loss": "half squared error, mean over the examples", "init": "pytorch",
        "optimizers": {"gradient descent": {"lr": list(args.rates)}, "Adam": {"lr": args.adam_lr, "beta1": 0.9}},
        "epochs": args.epochs, "seed": args.seed, "sharpness": f"Lanczos, {args.lanczos_steps} steps, every {args.every}",
    }  # fmt: skip
    return {"gd": dict(zip(args.rates, runs[:-1])), "adam": runs[-1], "adam_lr": args.adam_lr, "epochs": args.epochs,
            "config": config}  # fmt: skip


# ----- figures -----------------------------------------------------------------------------------
def figure(results):
    """Top: gradient descent's loss and sharpness at each rate, 2/lr dashed in the same colour.
    Bottom: Adam's loss and its preconditioned sharpness against 38/lr."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.8, len(results["gd"])))
    for colour, (lr, r) in zip(colours, results["gd"].items()):
        axes[0, 0].semilogy(r["train_loss"], color=colour, label=f"lr {lr}")
        axes[0, 1].plot(r["sharpness_iteration"], r["sharpness"], color=colour, label=f"lr {lr}")
        axes[0, 1].axhline(
            float(r["stability_threshold"]),
            color=colour,
            linestyle="--",
            label=f"2/lr = {float(r['stability_threshold']):.3g}",
        )
    a = results["adam"]
    axes[1, 0].semilogy(a["train_loss"], color="tab:red", label=f"Adam, lr {results['adam_lr']}")
    axes[1, 1].plot(
        a["sharpness_iteration"],
        a["preconditioned_sharpness"],
        color="tab:red",
        label=r"preconditioned sharpness $\lambda_{\max}(P^{-1}H)$",
    )
    axes[1, 1].axhline(
        float(a["stability_threshold"]),
        color="tab:red",
        linestyle="--",
        label=f"38/lr = {float(a['stability_threshold']):,.0f}",
    )
    titles = [
        ["gradient descent: train loss", "gradient descent: sharpness against 2/lr"],
        ["Adam: train loss", "Adam: preconditioned sharpness against 38/lr"],
    ]
    ylabels = [
        ["train loss (log scale)", r"sharpness $\lambda_{\max}(H)$"],
        ["train loss (log scale)", r"$\lambda_{\max}(P^{-1}H)$"],
    ]
    for row in range(2):
        for col in range(2):
            ax = axes[row, col]
            ax.set_title(titles[row][col])
            ax.set_xlabel("iteration")
            ax.set_ylabel(ylabels[row][col])
            ax.legend(
                fontsize=9, loc="upper right" if col == 0 else "lower right", ncol=2 if (row, col) == (0, 1) else 1
            )
    fig.suptitle(
        "the edge of stability: the sharpness rises until gradient descent can no longer be stable, then stays there"
    )
    fig.tight_layout()
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    return [plots.save(figure(results), os.path.join(out, "edge_of_stability.png"), dpi=150)]


# ----- the claims ---------------------------------------------------------------------------------
def summary_of(results):
    gd = {
        str(lr): eos.edge_measures(
            r["sharpness_iteration"], r["sharpness"], r["train_loss"], float(r["stability_threshold"])
        )
        for lr, r in results["gd"].items()
    }
    a = results["adam"]
    adam = eos.edge_measures(
        a["sharpness_iteration"], a["preconditioned_sharpness"], a["train_loss"], float(a["stability_threshold"])
    )
    summary = {"gradient_descent": gd, "adam": adam, "adam_lr": results["adam_lr"], "epochs": results["epochs"],
               "config": results["config"]}  # fmt: skip
    summary["claims"] = claims(summary)
    return summary


def hover_note(m, name):
    """Where a run crossed its threshold, how high it went and where it settled."""
    if m["crossing"] is None:
        return f"never reached {name} = {m['threshold']:.4g} (peak {m['peak']:.4g})"
    return (
        f"crosses {name} = {m['threshold']:.4g} at iteration {m['crossing']}, peaks at {m['peak']:.4g}; second half's "
        f"mean {m['late_mean_over_threshold']:.3f} x {name}"
    )


ABSTRACT = "the maximum eigenvalue of the training loss Hessian hovers just above the numerical value 2/(step size)"
NON_MONOTONE = "the training loss behaves non-monotonically over short timescales, yet consistently decreases"


# ----- the claims table: Cohen et al.'s findings, each by a rule stated in its row, declared once -----------
CLAIMS = Claims("edge_of_stability", COHEN, where="abstract", kind="beyond")


def declare_rate(lr):
    """The three rows of gradient descent at one learning rate: it sharpens to 2/lr, hovers there, and the loss
    falls though not monotonically."""
    CLAIMS.declare(
        f"sharpens_to_2_over_lr_{lr}",
        quote="",
        claim=f"at lr {lr}, gradient descent starts below 2/lr and sharpens until it reaches it",
        unit="",
        document_value=True,
        rule=holds("initial sharpness < 2/lr, crossed later in the run"),
    )
    CLAIMS.declare(
        f"hovers_at_2_over_lr_{lr}",
        quote=ABSTRACT,
        claim=f"at lr {lr}, the sharpness's mean over the run's second half / (2/lr)",
        unit="ratio",
        document_value=1.0,
        rule=band(*eos.HOVER_BAND),
    )
    CLAIMS.declare(
        f"loss_falls_non_monotonically_{lr}",
        quote=NON_MONOTONE,
        claim=f"at lr {lr}, after the crossing the loss rises on some iterations yet is lower at the end",
        unit="",
        document_value=True,
        rule=holds("loss rises on >= 1 iteration after the crossing and final < at the crossing"),
    )


for lr in RATES:  # a rate given on the command line is declared when its run is scored (claims)
    declare_rate(lr)
CLAIMS.declare(
    "adam_preconditioned_38_over_lr",
    quote="",
    claim="Adam (lr {adam_lr}, beta1 0.9): the preconditioned sharpness's mean over the second half / (38/lr)",
    unit="ratio",
    document_value=1.0,
    rule=band(*eos.HOVER_BAND),
    document=COHEN_ADAM,
)
DATA_ALTERNATIVE = (
    "CIFAR-10 does not ship with minnet; the phenomenon, not the numbers, is compared; unstandardised pixels were not "
    "tried here"
)
CLAIMS.setting(  # every claim depends on it: those of the default rates here, those of the run at attach
    "data",
    choice="1,000 standardised 8x8 digits, 64-{hidden}-10 tanh, half squared error, instead of Cohen et al.'s 5,000 "
    "CIFAR-10 images",
    alternative=DATA_ALTERNATIVE,
    depends_on=[f"edge_of_stability.{key}" for key in CLAIMS.declared],  # ids: a rate's key holds a dot
)


def claims(summary):
    """Cohen et al.'s findings against this run (beyond the documents)."""
    rows = []
    for lr, m in summary["gradient_descent"].items():
        if f"hovers_at_2_over_lr_{lr}" not in CLAIMS:
            declare_rate(lr)
        rows.append(
            CLAIMS.attach(
                f"sharpens_to_2_over_lr_{lr}",
                measured=m["initial"] < m["threshold"] and m["crossing"] is not None,
                note=f"from {m['initial']:.3g}; " + hover_note(m, "2/lr"),
            )
        )
        rows.append(
            CLAIMS.attach(
                f"hovers_at_2_over_lr_{lr}",
                measured=m["late_mean_over_threshold"] if m["crossing"] is not None else None,
                note=hover_note(m, "2/lr"),
            )
        )
        if m["crossing"] is not None:
            rows.append(
                CLAIMS.attach(
                    f"loss_falls_non_monotonically_{lr}",
                    measured=m["loss_rises_after_crossing"] > 0 and m["final_loss"] < m["loss_at_crossing"],
                    note=f"rises on {m['loss_rises_after_crossing']} iterations; {m['loss_at_crossing']:.3g} at "
                    f"the crossing, {m['final_loss']:.3g} at the end",
                )
            )
    m = summary["adam"]
    rows.append(
        CLAIMS.attach(
            "adam_preconditioned_38_over_lr",
            measured=m["late_mean_over_threshold"] if m["crossing"] is not None else None,
            note=hover_note(m, "38/lr"),
            adam_lr=summary["adam_lr"],
        )
    )
    hidden = "-".join(map(str, summary["config"]["hidden"]))
    every = setting_rule([r["id"] for r in rows], DATA_ALTERNATIVE)
    rows.append(CLAIMS.attach("data", measured="digits", rule=every, hidden=hidden))
    return rows


# ----- outputs and the command line ------------------------------------------------------------
def save_results(results, out, summary, args):
    arrays = {}
    for lr, r in results["gd"].items():
        arrays.update({f"gd_lr{lr}_{key}": np.asarray(value) for key, value in r.items()})
    arrays.update({f"adam_{key}": np.asarray(value) for key, value in results["adam"].items()})
    save_outputs(out, arrays, summary)


def print_summary(summary):
    print(f"{'run':<14}{'threshold':>11}{'initial':>10}{'crosses at':>12}{'peak':>10}{'late / threshold':>18}")
    runs = [(f"GD lr {lr}", m) for lr, m in summary["gradient_descent"].items()] + [
        (f"Adam lr {summary['adam_lr']}", summary["adam"])
    ]
    for name, m in runs:
        print(
            f"{name:<14}{m['threshold']:>11.4g}{m['initial']:>10.4g}{str(m['crossing']):>12}{m['peak']:>10.4g}{m['late_mean_over_threshold']:>18.3f}"
        )
    print_claims(summary["claims"])


def parser():
    p = study_parser("edge_of_stability", __doc__)
    p.add_argument(
        "--rates",
        type=positive_float,
        nargs="+",
        default=list(RATES),
        help=f"gradient descent's learning rates (default {' '.join(map(str, RATES))})",
    )
    p.add_argument("--adam-lr", type=positive_float, default=0.002, help="Adam's learning rate (default 0.002)")
    p.add_argument("--epochs", type=int_in(2), default=2000, help="full-batch iterations per run (default 2000)")
    p.add_argument(
        "--examples", type=int_in(2, 1797), default=1000, help="how many of the 1,797 digits to train on (default 1000)"
    )
    p.add_argument("--hidden", type=positive_int, nargs="+", default=[64, 64], help="hidden widths (default 64 64)")
    p.add_argument(
        "--every", type=positive_int, default=20, help="measure the sharpness every this many iterations (default 20)"
    )
    p.add_argument(
        "--lanczos-steps",
        type=int_in(1, 500),
        default=10,
        help="Lanczos steps per measurement, each warm-started: as many Hessian-vector products (default 10, at most 500)",
    )
    p.add_argument("--seed", type=seed, default=0, help="initial weights (default 0)")
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "300 iterations on 300 digits, for tests")
    return p


def memory_needed(args):
    """Bytes of the largest arrays of a run: the Lanczos basis (steps + 1 vectors of P weights, in each
    of the runs at once) and the layers' activations on the training set."""
    sizes = [64, *args.hidden, 10]
    P = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    runs = len(args.rates) + 1
    lanczos = 8 * (min(args.lanczos_steps, P) + 1) * P * runs
    activations = 8 * 6 * args.examples * sum(sizes) * runs
    return {"--hidden": lanczos + activations, "--lanczos-steps": lanczos + activations}


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = parse_study_args(p, argv, {"epochs": 300, "examples": 300, "every": 10})
    if args.every > args.epochs // 2:
        p.error(
            f"argument --every: measure at least twice in {args.epochs} iterations: at most {args.epochs // 2}, got "
            f"{args.every}"
        )
    refuse_if_too_big(p, memory_needed(args))
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
