"""Document 004 (the "Exponential learning rate" row, Li & Arora 2020): with batch normalisation, weight decay at a
constant learning rate is the same training as no weight decay with an exponentially growing learning rate.

    python -m demos.exp_lr [--steps 300] [--epochs 12] [--seeds 10] [--lr 0.1] [--weight-decay 0.01]

The network (minnet.studies.exp_lr): MNIST-5k (4,000 images to train on, 1,000 to test), 784 -> 64 -> 64 -> 10,
relu, softmax with cross-entropy; both hidden layers batch-normalised with eps 0 and no bias or affine parameters,
so that the loss is scale-invariant in the hidden weights; mini-batches of 100.

(a) The equivalence: run A (SGD with momentum, constant lr 0.1, weight decay 0.01 on the hidden weights) and run B
(no weight decay, the hidden weights' lr growing as 0.1 alpha^(-2t-1)) from the same weights through the same
batches, with momentum 0.9 and without. Shown: their losses overlaid, the relative difference of their outputs at
every step (on a log axis), the ratio of their weight norms against alpha^(-t); and the same pair without
normalisation (the control), which drifts apart.

(b) The practical claim: step decay (lr 0.1, divided by 10 at half and three quarters of training, momentum 0.9,
weight decay 0.01) against its exponential counterpart without weight decay (Li & Arora's tapered exponential
schedule), --seeds runs each (each its own initial weights and batch order), --epochs epochs. Shown: test accuracy,
training loss, the hidden weights' norm and learning rate per epoch.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, plausible_draw, print_claims, relative
from demos.cli import (
    add_output_options,
    add_sweep_options,
    blamed,
    float_in,
    int_in,
    parse_study_args,
    positive_float,
    positive_int,
    refuse_if_too_long,
    run_study,
    save_outputs,
    seed,
    study_parser,
    sweep_runner,
)
from minnet.studies import exp_lr as ex

DEFAULT_OUT = os.path.join("minnet-out", "exp_lr")
EQUIVALENT = 1e-9  # the two runs' outputs agree to this relative difference at every step
DRIFTED = 1e-3  # the control's outputs differ by at least this much: a million times more
LOSS_BOUND = 2.0  # the exponential runs' final training loss stays within this factor of step decay's median
MOMENTA = (0.0, 0.9)
FACTOR = 0.1  # step decay divides the learning rate by 10 at each drop
GROWTH_TOLERANCE = 0.1  # the norm growth against prod 1/alpha: the seeds differ, and momentum is not corrected at drops


def configs(args):
    """The equivalence pairs (normalised and control, each momentum), then the step-decay and exponential runs."""
    hyper = {"lr": args.lr, "weight_decay": args.weight_decay, "width": args.width}
    pairs = [{**hyper, "kind": "pair", "normalised": n, "momentum": m, "steps": args.steps, "seed": args.seed}
             for n in (True, False) for m in MOMENTA]  # fmt: skip
    runs = [{**hyper, "kind": "run", "schedule": schedule, "momentum": args.momentum, "epochs": args.epochs,
             "factor": FACTOR, "seed": args.seed + k + (args.seeds if schedule == "exponential" else 0)}
            for schedule in ("step", "exponential") for k in range(args.seeds)]  # fmt: skip
    return pairs + runs


def task(config):
    """One sweep task: an equivalence pair or one run of the practical comparison."""
    return ex.equivalence_task(config) if config["kind"] == "pair" else ex.schedule_task(config)


def run(args):
    cs = configs(args)
    results = sweep_runner(args)(task, cs)
    for config, r in zip(cs, results):
        r["config"] = config
    return {
        "pairs": [r for r in results if r["config"]["kind"] == "pair"],
        "runs": [r for r in results if r["config"]["kind"] == "run"],
        "args": {key: getattr(args, key) for key in ("lr", "weight_decay", "momentum", "steps", "epochs", "seeds",
                                                     "width", "seed")},
        "predicted_growth": ex.predicted_growth(args.lr, args.weight_decay, args.momentum, args.epochs, FACTOR),
        "config": {
            "data": f"MNIST-5k: {ex.N_TRAIN:,} images to train on, {ex.N_TEST:,} to test (split once, seed "
                    f"{ex.SPLIT_SEED})",
            "network": f"MLP 784-{args.width}-{args.width}-10, relu, hidden layers batch-normalised (eps 0, no bias, "
                       "no affine parameters)",
            "loss": "cross-entropy (softmax)", "init": "he",
            "optimizer": f"GroupSGD: lr {args.lr:g}, weight decay {args.weight_decay:g} on the hidden weights (run A, "
                         f"step decay) or none (run B, exponential); momentum 0 and 0.9 in (a), {args.momentum:g} "
                         "in (b)",
            "batch_size": ex.BATCH_SIZE, "steps": args.steps, "epochs": args.epochs,
            "seeds": list(range(args.seed, args.seed + 2 * args.seeds)),
        },
    }  # fmt: skip


def pair(results, normalised, momentum):
    return next(r for r in results["pairs"] if r["config"]["normalised"] == normalised
                and r["config"]["momentum"] == momentum)  # fmt: skip


def group(results, schedule):
    return [r for r in results["runs"] if r["config"]["schedule"] == schedule]


# ----- figures -------------------------------------------------------------------------------------------------------
COLORS = {0.0: "tab:blue", 0.9: "tab:orange"}
FLOOR = 1e-17  # relative differences that are exactly 0 are drawn here (annotated)


def figure_equivalence(results):
    """Top: the losses of A and B overlaid (normalised, and the control); bottom: the relative output difference
    per step, and the weight-norm ratio against alpha^(-t)."""
    import matplotlib.pyplot as plt

    a = results["args"]
    fig, axes = plt.subplots(2, 2, figsize=(14, 11), constrained_layout=True)
    for ax, normalised, title in ((axes[0, 0], True, "batch-normalised: A and B overlay"),
                                  (axes[0, 1], False, "control, no normalisation: A and B part")):  # fmt: skip
        for m in MOMENTA:
            r = pair(results, normalised, m)
            steps = np.arange(1, r["loss_A"].size + 1)
            ax.plot(steps, r["loss_A"], color=COLORS[m], linewidth=2.5, alpha=0.45,
                    label=f"A: constant lr, weight decay, momentum {m:g}")  # fmt: skip
            ax.plot(steps, r["loss_B"], color=COLORS[m], linestyle="--", linewidth=1.0,
                    label=f"B: exponential lr, no decay, momentum {m:g}")  # fmt: skip
        ax.set(yscale="log", xlabel="step t", ylabel="mini-batch loss (cross-entropy, log scale)", title=title)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9)
    top = max(ax.get_ylim()[1] for ax in axes[0])
    bottom = min(ax.get_ylim()[0] for ax in axes[0])
    for ax in axes[0]:
        ax.set_ylim(bottom, top)
    difference, ratio = axes[1]
    for normalised, style in ((True, "-"), (False, ":")):
        for m in MOMENTA:
            r = pair(results, normalised, m)
            values = r["output_difference"][1:]
            name = "batch-normalised" if normalised else "control"
            difference.plot(np.arange(1, values.size + 1), np.maximum(values, FLOOR), color=COLORS[m],
                            linestyle=style, label=f"{name}, momentum {m:g}")  # fmt: skip
    difference.axhline(EQUIVALENT, color="0.4", linewidth=0.8)
    difference.text(1, EQUIVALENT * 2, f"{EQUIVALENT:g}: 'the same to the last digits'", fontsize=9)
    difference.set(yscale="log", ylim=(FLOOR / 3, 10), xlabel="step t",
                   ylabel=r"$|O_A - O_B| \,/\, |O_A|$ on 500 training images (log scale)",
                   title=f"the outputs' relative difference (exact zeros drawn at {FLOOR:g})")  # fmt: skip
    difference.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9)
    for m in MOMENTA:
        r = pair(results, True, m)
        t = np.arange(r["norm_A"].size)
        ratio.plot(t[::10], (r["norm_B"] / r["norm_A"])[::10], "o", color=COLORS[m], markersize=4,
                   label=rf"measured $|\tilde w_t| / |w_t|$, momentum {m:g}")  # fmt: skip
        ratio.plot(t, r["alpha"] ** -t, color=COLORS[m], linewidth=1,
                   label=rf"$\alpha^{{-t}}$, $\alpha$ = {r['alpha']:.6f}")  # fmt: skip
    ratio.set(
        yscale="log",
        xlabel="step t",
        ylabel="ratio of the hidden weights' norms (log scale)",
        title=rf"B's weights are A's times $\alpha^{{-t}}$ (lr {a['lr']:g}, weight decay {a['weight_decay']:g})",
    )
    ratio.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9)
    return fig


def figure_schedules(results):
    """Per epoch, median over seeds with each seed faint: test accuracy, training loss, |w|, the learning rate."""
    import matplotlib.pyplot as plt

    a = results["args"]
    fig, axes = plt.subplots(2, 2, figsize=(14, 11), constrained_layout=True)
    panels = (("test_accuracy", "test accuracy (1,000 images)", "linear"),
              ("train_loss", "training loss (4,000 images, log scale)", "log"),
              ("norm", "norm of the hidden weights (log scale)", "log"),
              ("lr", "hidden weights' learning rate, each epoch's last step (log)", "log"))  # fmt: skip
    names = {"step": "step decay with weight decay", "exponential": "exponential schedule, no weight decay"}
    colors = {"step": "tab:green", "exponential": "tab:purple"}
    for ax, (key, label, scale) in zip(axes.flat, panels):
        for schedule in ("step", "exponential"):
            curves = np.array([r[key] for r in group(results, schedule)])
            epochs = np.arange(curves.shape[1])
            for curve in curves:
                ax.plot(epochs, curve, color=colors[schedule], alpha=0.25, linewidth=0.7)
            ax.plot(epochs, np.median(curves, axis=0), color=colors[schedule], linewidth=2,
                    label=f"{names[schedule]} (median of {len(curves)})")  # fmt: skip
        ax.set(yscale=scale, xlabel="epoch", ylabel=label)
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=10)
    axes[0, 0].set_title(f"trains as well (momentum {a['momentum']:g}, lr drops x0.1 at the marks)", pad=12)
    start = np.median([r["test_accuracy"][0] for r in results["runs"]])
    axes[0, 0].set_ylim(0.8, 1.0)
    axes[0, 0].annotate(f"epoch 0: {start:.2f} (chance), below the axis", (0, 0.8), xytext=(0.3, 0.82), fontsize=9,
                        arrowprops={"arrowstyle": "->", "color": "0.4"})  # fmt: skip
    axes[0, 1].set_title("the loss does not blow up")
    axes[1, 0].set_title("while the weights grow exponentially")
    axes[1, 1].set_title("Li & Arora's tapered exponential schedule")
    for ax in axes.flat:
        for drop in (round(0.5 * a["epochs"]), round(0.75 * a["epochs"])):
            ax.axvline(drop, color="0.5", linewidth=0.6, linestyle=":")
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    return [plots.save(figure_equivalence(results), os.path.join(out, "exp_lr_equivalence.png")),
            plots.save(figure_schedules(results), os.path.join(out, "exp_lr_schedules.png"))]  # fmt: skip


# ----- the claims ----------------------------------------------------------------------------------------------------
def measures_of_pair(r):
    t = np.arange(r["norm_A"].size)
    with np.errstate(all="ignore"):
        deviation = np.abs(r["norm_B"] / r["norm_A"] / r["alpha"] ** -t - 1.0)
    return {
        "alpha": float(r["alpha"]),
        "largest_output_difference": float(np.max(r["output_difference"])),
        "final_output_difference": float(r["output_difference"][-1]),
        "norm_ratio_deviation": float(np.max(deviation)),
        "final_norm_ratio": float(r["norm_B"][-1] / r["norm_A"][-1]),
        "final_alpha_power": float(r["alpha"] ** -t[-1]),
    }


def measures_of_runs(runs):
    return {
        "final_test_accuracy": [float(r["test_accuracy"][-1]) for r in runs],
        "final_train_loss": [float(r["train_loss"][-1]) for r in runs],
        "norm_growth": [float(r["norm"][-1] / r["norm"][0]) for r in runs],
        "seeds": [r["config"]["seed"] for r in runs],
    }


def summary_of(results):
    summary = {
        "pairs": {
            f"{'normalised' if n else 'control'}_momentum{m:g}": measures_of_pair(pair(results, n, m))
            for n in (True, False)
            for m in MOMENTA
        },  # fmt: skip
        "step": measures_of_runs(group(results, "step")),
        "exponential": measures_of_runs(group(results, "exponential")),
        "args": results["args"],
        "predicted_growth": results["predicted_growth"],
        "config": results["config"],
    }
    summary["claims"] = claims(summary)
    return summary


# ----- the claims table: the slide's row and Li & Arora's findings beyond it, declared once -------------------------
CLAIMS = Claims("exp_lr", "004", where="Exponential learning rate")
PAPER = {"kind": "beyond", "document": "Li & Arora 2020"}
CLAIMS.declare(
    "equivalence",
    quote="Exponential Learning Rate Schedules for Deep Learning",
    claim="largest relative difference of the outputs of run A (constant lr, weight decay) and run B (lr growing as "
    "alpha^(-2t-1), no decay) on 500 training images over {steps}, momentum 0 and 0.9",
    unit="relative",
    rule=band(None, EQUIVALENT),
)
CLAIMS.declare(
    "norm_ratio",
    quote="",
    claim="largest relative deviation of |w~_t| / |w_t| (hidden weights, B over A) from alpha^(-t) over {steps}",
    unit="relative",
    rule=band(None, EQUIVALENT),
    **PAPER,
)
CLAIMS.declare(
    "control_drifts",
    quote="",
    claim="without normalisation, the smaller of the two pairs' largest relative output differences over {steps}",
    unit="relative",
    rule=band(DRIFTED, None),
    **PAPER,
)
CLAIMS.declare(  # its document-value column is the exponential schedule's median, which the run computes
    "trains_as_well",
    quote="",
    claim="the exponential schedule's median final test accuracy (document-value column) lies inside the 5-95% "
    "interval of step decay's {runs} runs ({epochs} epochs; measured: step decay's median)",
    unit="accuracy",
    rule="plausible_draw",
    **PAPER,
)
CLAIMS.declare(  # its document-value column is c_T, which the run computes
    "norm_growth",
    quote="",
    claim="the exponential runs' hidden-weight norm growth |w_T| / |w_0| over step decay's (medians), against c_T = "
    "prod_t 1 / alpha_t (exact without momentum)",
    unit="times",
    rule=relative(GROWTH_TOLERANCE),
    **PAPER,
)
CLAIMS.declare(
    "loss_bounded",
    quote="",
    claim="the largest final training loss of the exponential runs, in units of step decay's median ({step_loss:.3g})",
    unit="x median",
    rule=band(None, LOSS_BOUND),
    **PAPER,
)
CLAIMS.setting(
    "network",
    choice="MNIST-5k, 784-64-64-10 relu, both hidden layers batch-normalised with eps 0, no bias and no affine "
    "parameters before them; mini-batches of 100",
    alternative="eps > 0 breaks the scale invariance by terms of order eps / var (minnet.normalisation); a bias or "
    "gamma, beta would join the output layer's group (no weight decay, constant lr)",
    depends_on=["equivalence", "norm_ratio"],
)
CLAIMS.setting(
    "hyperparameters",
    choice="lr {lr:g}, weight decay {weight_decay:g} on the hidden weights only (the output layer is not "
    "scale-invariant: lr as run A, no decay), coupled into the momentum as Li & Arora write it",
    alternative="a smaller weight decay makes alpha closer to 1 and the growth slower; the equivalence does not depend "
    "on it",
    depends_on=["equivalence", "norm_ratio", "norm_growth"],
)
CLAIMS.setting(
    "first_momentum",
    choice="run B's first momentum buffer is -(1 - alpha) w_0 / (alpha lr) on the hidden weights: run A starts from "
    "rest, which in B's coordinates is a step already under way (minnet.studies.exp_lr derives it)",
    alternative="B from rest too: the runs differ by that first step (tests/test_exp_lr.py: above 1e-6 relative)",
    depends_on=["equivalence"],
)
CLAIMS.setting(
    "evaluation",
    choice="test accuracy and training loss with population statistics recomputed over the training set at the "
    "current weights",
    alternative="running averages of batch statistics mix weights of different scales in the growing-rate run",
    depends_on=["trains_as_well", "loss_bounded"],
)
CLAIMS.setting(
    "schedules",
    choice=f"step decay: lr x{FACTOR:g} at epochs {{half}} and {{three_quarters}}, momentum {{momentum:g}}; "
    "exponential: Li & Arora's tapered exponential schedule of it, whose momentum is not corrected at the drops; each "
    "run its own seed",
    alternative="a single exponential rate without drops is the equivalent of constant lr with weight decay",
    depends_on=["trains_as_well", "norm_growth", "loss_bounded"],
)


def claims(s):
    a, pairs = s["args"], s["pairs"]
    normalised = [pairs[f"normalised_momentum{m:g}"] for m in MOMENTA]
    control = [pairs[f"control_momentum{m:g}"] for m in MOMENTA]
    step, exp = s["step"], s["exponential"]
    step_loss = float(np.median(step["final_train_loss"]))
    steps = f"{a['steps']} steps"
    return [
        CLAIMS.attach(
            "equivalence",
            measured=max(p["largest_output_difference"] for p in normalised),
            note=", ".join(
                f"momentum {m:g}: {p['largest_output_difference']:.2g} (alpha {p['alpha']:.6f})"
                for m, p in zip(MOMENTA, normalised)
            ),
            steps=steps,
        ),
        CLAIMS.attach(
            "norm_ratio",
            measured=max(p["norm_ratio_deviation"] for p in normalised),
            note=", ".join(
                f"momentum {m:g}: ratio {p['final_norm_ratio']:.4g} after {steps}, alpha^(-t) "
                f"{p['final_alpha_power']:.4g}"
                for m, p in zip(MOMENTA, normalised)
            ),
            steps=steps,
        ),
        CLAIMS.attach(
            "control_drifts",
            measured=min(p["largest_output_difference"] for p in control),
            note=", ".join(f"momentum {m:g}: {p['largest_output_difference']:.2g}" for m, p in zip(MOMENTA, control)),
            steps=steps,
        ),
        CLAIMS.attach(
            "trains_as_well",
            reference=float(np.median(exp["final_test_accuracy"])),
            measured=float(np.median(step["final_test_accuracy"])),
            rule=plausible_draw(step["final_test_accuracy"]),
            note=f"exponential: {fmt(exp['final_test_accuracy'])}; step decay: {fmt(step['final_test_accuracy'])}",
            runs=len(step["seeds"]),
            epochs=a["epochs"],
        ),
        CLAIMS.attach(
            "norm_growth",
            reference=s["predicted_growth"],
            measured=float(np.median(exp["norm_growth"]) / np.median(step["norm_growth"])),
            note=f"exponential: {fmt(exp['norm_growth'], '.3g')}; step decay: {fmt(step['norm_growth'], '.3g')}",
        ),
        CLAIMS.attach(
            "loss_bounded",
            measured=max(exp["final_train_loss"]) / step_loss,
            note=f"exponential: {fmt(exp['final_train_loss'], '.3g')}; step decay: "
            f"{fmt(step['final_train_loss'], '.3g')}",
            step_loss=step_loss,
        ),
        CLAIMS.attach("network", measured="eps 0"),
        CLAIMS.attach("hyperparameters", measured=f"lr {a['lr']:g}, wd {a['weight_decay']:g}", **a),
        CLAIMS.attach("first_momentum", measured="u~_0 = -(1 - alpha) w_0 / (alpha lr)"),
        CLAIMS.attach("evaluation", measured="population"),
        CLAIMS.attach(
            "schedules",
            measured="tapered exponential",
            half=round(0.5 * a["epochs"]),
            three_quarters=round(0.75 * a["epochs"]),
            momentum=a["momentum"],
        ),
    ]


def fmt(values, spec=".3f"):
    return ", ".join(f"{v:{spec}}" for v in values)


def print_summary(s):
    print(f"{'pair':>26}{'alpha':>11}{'largest |O_A - O_B|/|O_A|':>28}{'|w~|/|w| at the end':>22}"
          f"{'alpha^(-t)':>12}")  # fmt: skip
    for name, p in s["pairs"].items():
        print(f"{name:>26}{p['alpha']:>11.6f}{p['largest_output_difference']:>28.3g}{p['final_norm_ratio']:>22.6g}"
              f"{p['final_alpha_power']:>12.6g}")  # fmt: skip
    for name in ("step", "exponential"):
        m = s[name]
        print(f"{name:>12}: final test accuracy median {np.median(m['final_test_accuracy']):.4f} "
              f"(min {min(m['final_test_accuracy']):.4f}, max {max(m['final_test_accuracy']):.4f}), weight norm "
              f"growth median {np.median(m['norm_growth']):.3g}")  # fmt: skip
    print_claims(s["claims"])


def save_results(results, out, summary, args):
    arrays = {}
    for r in results["pairs"]:
        c = r["config"]
        name = f"{'normalised' if c['normalised'] else 'control'}_momentum{c['momentum']:g}"
        arrays.update({f"{name}/{key}": r[key] for key in ("loss_A", "loss_B", "output_difference", "norm_A",
                                                            "norm_B")})  # fmt: skip
    for r in results["runs"]:
        c = r["config"]
        arrays.update({f"{c['schedule']}_seed{c['seed']}/{key}": r[key] for key in ("test_accuracy", "train_loss",
                                                                                    "norm", "lr")})  # fmt: skip
    save_outputs(out, arrays, summary)


SECONDS_PER_STEP = 0.02  # a step with its bookkeeping, width 64, one core (measured 15-20 ms on 2 loaded cores)
QUICK = {"steps": 20, "epochs": 2, "seeds": 2, "width": 16}


def refuse_bad_rates(parser, args):
    """parser.error naming --lr or --weight-decay when alpha has no real value in (0, 1)."""
    for m in (*MOMENTA, args.momentum):
        b = 1 + m - args.lr * args.weight_decay
        if args.lr * args.weight_decay >= 1 or b * b < 4 * m:
            option = blamed(parser, args, ("--lr", "--weight-decay", "--momentum"))
            parser.error(f"argument {option}: lr x weight decay = {args.lr * args.weight_decay:g} leaves no alpha in "
                         f"(0, 1) with momentum {m:g} (x^2 - {b:g} x + {m:g} = 0 needs a real root below 1)")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("exp_lr", __doc__)
    p.add_argument("--steps", type=int_in(2), default=300, help="steps of each equivalence pair (default 300)")
    p.add_argument("--epochs", type=int_in(2), default=12, help="epochs of each run of (b) (default 12)")
    p.add_argument("--seeds", type=positive_int, default=10, help="runs of each schedule in (b) (default 10)")
    p.add_argument("--lr", type=positive_float, default=0.1, help="the learning rate eta (default 0.1)")
    p.add_argument("--weight-decay", type=positive_float, default=0.01, help="lambda (default 0.01)")
    p.add_argument("--momentum", type=float_in(0, 0.99), default=0.9, help="gamma in (b) (default 0.9)")
    p.add_argument("--width", type=int_in(2, 1024), default=64, help="hidden units per layer (default 64)")
    p.add_argument("--seed", type=seed, default=0, help="the first seed (default 0)")
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "20 steps, 2 epochs, 2 seeds, width 16, for tests")
    args = parse_study_args(p, argv, QUICK)
    refuse_bad_rates(p, args)
    steps = 4 * 2 * args.steps + 2 * args.seeds * args.epochs * 40
    seconds = steps * SECONDS_PER_STEP * args.width / 64
    refuse_if_too_long(p, {blamed(p, args, ("--steps", "--epochs", "--seeds", "--width")): seconds})
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
