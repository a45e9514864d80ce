"""Document 004 (the double-descent slide, Belkin et al. 2019): test error against model size, past the threshold.

    python -m demos.double_descent [--n 1000] [--label-noise 0.1] [--seeds 5]

minnet.studies.double_descent: --n images of the shipped MNIST-5k with --label-noise of their labels
redrawn, the other 5,000 - n images (true labels) to test on; a two-layer relu network 784 -> N -> 10
whose first layer is random and frozen, and whose last layer is the minimum-norm least-squares fit
of the one-hot labels. N runs from 10 to 10 n on a log scale, through N + 1 = n, where the last
layer's 10 (N + 1) weights first fit the n x 10 targets exactly (the interpolation threshold).
Shown, per seed and as the median over --seeds seeds (each its own images, noise and features):
train and test error, the test squared loss and the norm of the fitted layer (Belkin et al.'s
figure 2 has the same three panels), against the fitted layer's number of weights.

What differs from Belkin et al.'s setup, and why: their features are random Fourier features
cos(w x + b) on 10,000 MNIST images; these are random relu features, the first layer of minnet's
own MLP, on 1,000 of the 5,000 shipped images (2 cores, seconds per curve). Without label noise
(--label-noise 0) the curve keeps its shape (measured, seed 0: test error 0.162 at best below the
threshold, 0.871 at it, 0.076 at 10 n). Nakkiran et al.'s end-to-end trained version (every layer
by SGD) is not run here: a curve of 20 widths trained to zero training error takes hours on 2 cores.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import band, holds, print_claims, rows_of, setting
from demos.cli import (
    add_output_options,
    add_sweep_options,
    blamed,
    float_in,
    int_in,
    parse_study_args,
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
from minnet.studies import double_descent as dd

DEFAULT_OUT = os.path.join("minnet-out", "double_descent")
AT_THRESHOLD = (0.5, 2.0)  # "at the threshold": the peak within a factor 2 of it, on the log axis


def run(args):
    """One curve per seed, through minnet.tools.sweep."""
    Ns = dd.widths(args.n, args.max_factor)
    configs = [{"n": args.n, "label_noise": args.label_noise, "widths": Ns, "seed": args.seed + s}
               for s in range(args.seeds)]  # fmt: skip
    curves = sweep_runner(args)(dd.width_task, configs)
    stacked = {key: np.array([c[key] for c in curves]) for key in curves[0]}
    return {
        **stacked,
        "weights": dd.CLASSES * (np.array(Ns) + 1),  # the fitted layer's weights, 10 (N + 1)
        "threshold": dd.CLASSES * args.n,
        "args": {"n": args.n, "label_noise": args.label_noise, "seeds": args.seeds, "max_factor": args.max_factor},
        "config": {
            "data": f"MNIST-5k: {args.n} images to fit, {args.label_noise:.0%} of their labels redrawn at random; "
                    f"the other {5000 - args.n} (true labels) to test", "network": "MLP 784-N-10, relu, first layer "
                    "random (he) and frozen", "loss": "squared error against one-hot labels", "init": "he",
            "optimizer": "none: the last layer is the minimum-norm least-squares fit (pseudo-inverse)",
            "widths": Ns, "seeds": list(range(args.seed, args.seed + args.seeds)),
        },
    }  # fmt: skip


# ----- figures -----------------------------------------------------------------------------------
def figure(results):
    """Three panels over the fitted layer's number of weights (log): errors, test squared loss, norm; thin lines
    per seed, thick the median; the interpolation threshold n x 10 dashed."""
    import matplotlib.pyplot as plt

    x, threshold, a = results["weights"], results["threshold"], results["args"]
    fig, (errors, loss, norm) = plt.subplots(3, 1, figsize=(11, 13), sharex=True, constrained_layout=True)
    panels = ((errors, "test_error", "tab:green", "test"), (errors, "train_error", "tab:red", "train"),
              (loss, "test_loss", "tab:green", "test"), (norm, "readout_norm", "k", "fitted layer"))  # fmt: skip
    for ax, key, color, name in panels:
        ax.plot(x, results[key].T, color=color, linewidth=0.5, alpha=0.4)
        ax.plot(x, np.median(results[key], axis=0), color=color, linewidth=2, marker="o", markersize=3,
                label=f"{name}, median of {a['seeds']} seeds")  # fmt: skip
    for ax in (errors, loss, norm):
        ax.axvline(threshold, color="0.3", linestyle="--", linewidth=1)
        ax.set(xscale="log")
    errors.text(threshold * 1.1, 0.95, f"interpolation threshold\nn x 10 = {threshold:,}", va="top")
    errors.set(ylabel="error (fraction misclassified)", ylim=(-0.02, 1.0),
               title=f"random relu features, last layer by minimum-norm least squares: {a['n']:,} MNIST images, "
                     f"{a['label_noise']:.0%} labels redrawn")  # fmt: skip
    loss.set(yscale="log", ylabel="test squared loss (log)", title="the test loss peaks where the fit turns exact")
    norm.set(yscale="log", ylabel="|B|, the fitted layer's norm (log)", xlabel="weights of the fitted layer, "
             "10 (N + 1), log scale", title="and so does the norm of the fit: past the threshold, the smallest "
             "exact fit shrinks")  # fmt: skip
    for ax in (errors, loss, norm):
        ax.legend(loc="upper right" if ax is not errors else "center right")
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    return [plots.save(figure(results), os.path.join(out, "double_descent.png"))]


# ----- the claims ---------------------------------------------------------------------------------
def summary_of(results):
    x, threshold = results["weights"], results["threshold"]
    test, train = np.median(results["test_error"], axis=0), results["train_error"]
    classical, modern = x < threshold, x > 2 * threshold
    peak = int(np.argmax(test))
    summary = {
        "weights": x.tolist(),
        "median_test_error": test.tolist(),
        "median_train_error": np.median(train, axis=0).tolist(),
        "peak_weights": int(x[peak]),
        "peak_test_error": float(test[peak]),
        "norm_peak_weights": int(x[np.argmax(np.median(results["readout_norm"], axis=0))]),
        "best_classical": float(test[classical].min()) if classical.any() else float("nan"),
        "best_classical_weights": int(x[classical][np.argmin(test[classical])]) if classical.any() else 0,
        "best_past_2x_threshold": float(test[modern].min()) if modern.any() else float("nan"),
        "interpolates_from_threshold": bool(np.all(train[:, x >= threshold] == 0)),
        "threshold": int(threshold),
        "args": results["args"],
        "config": results["config"],
    }
    summary["claims"] = claims(summary)
    return summary


row = rows_of("double_descent", "004", where="Double Descent")
BELKIN = "Reconciling modern machine learning practice and the bias-variance trade-off"


def claims(s):
    n, noise = s["args"]["n"], s["args"]["label_noise"]
    return [
        row(
            "peak_at_threshold",
            quote=BELKIN,
            claim="where the median test error peaks, in weights of the fitted layer, over the threshold n x 10",
            unit="weights / weights",
            document_value=1.0,
            rule=band(*AT_THRESHOLD),
            measured=s["peak_weights"] / s["threshold"],
            note=f"peak {s['peak_test_error']:.3f} at {s['peak_weights']:,} weights; threshold {s['threshold']:,}",
        ),
        row(
            "second_descent_below_classical",
            quote=BELKIN,
            claim="best median test error past 2 x the threshold over the best below it (the classical U's minimum)",
            unit="error / error",
            document_value=None,
            rule=band(None, 1.0),
            measured=s["best_past_2x_threshold"] / s["best_classical"],
            note=f"{s['best_past_2x_threshold']:.3f} past "
            f"{2 * s['threshold']:,} weights; {s['best_classical']:.3f} at {s['best_classical_weights']:,}",
        ),
        row(
            "interpolates_from_threshold",
            quote=BELKIN,
            claim="training error 0 at every width from the threshold on, in every seed",
            unit="",
            document_value=None,
            rule=holds("all zero"),
            measured=s["interpolates_from_threshold"],
            note=f"training labels: {noise:.0%} redrawn, fitted as given; with N + 1 >= n features of full rank the "
            "minimum-norm least squares fit is exact: a check of the code, not evidence",
            kind="check",
        ),
        row(
            "norm_peaks_at_threshold",
            quote="",
            claim="the fitted layer's norm |B| peaks at the same width as the test error",
            unit="weights",
            document_value=s["peak_weights"],
            rule=band(s["peak_weights"], s["peak_weights"]),
            measured=s["norm_peak_weights"],
            note="Belkin et al. figure 2 (bottom): the norm of the interpolating solution falls past the threshold",
            kind="beyond",
            document="Belkin et al. 2019",
        ),
        setting(
            "double_descent.features",
            document="004",
            choice=f"random relu features of minnet's MLP on {n:,} MNIST-5k images with {noise:.0%} label noise",
            alternative="Belkin et al.: random Fourier features on 10,000 MNIST images; "
            "without label noise the curve keeps its shape (seed 0: best 0.162 below the threshold, 0.871 at it, "
            "0.076 at 10 n)",
            depends_on=["double_descent.peak_at_threshold", "double_descent.second_descent_below_classical"],
            value="relu features",
        ),
        setting(
            "double_descent.cutoff",
            document="004",
            choice="the last layer by np.linalg.lstsq with its default cutoff "
            "(rcond: singular values below eps x max(n, N + 1) x the largest count as 0): the exact pseudo-inverse",
            alternative="a larger cutoff regularises the fit and lowers the peak; measured, seed 0, n 1,000, 10% noise, at "
            "the threshold: test error 0.885 with the default, 1e-10 and 1e-6 (the smallest singular value is "
            "1.2e-6 of the largest), 0.483 with 1e-3; at 2 n 0.257 with each",
            depends_on=["double_descent.peak_at_threshold", "double_descent.norm_peaks_at_threshold"],
            value="rcond=None",
        ),
    ]


def print_summary(s):
    print(f"{'weights':>9}{'train error':>13}{'test error':>12}   (medians over {s['args']['seeds']} seeds)")
    for w, train, test in zip(s["weights"], s["median_train_error"], s["median_test_error"]):
        mark = "  <- interpolation threshold" if w == s["threshold"] else ""
        print(f"{w:>9,}{train:>13.3f}{test:>12.3f}{mark}")
    print_claims(s["claims"])


def save_results(results, out, summary, args):
    keys = ("train_error", "test_error", "test_loss", "train_loss", "readout_norm", "weights")
    save_outputs(out, {key: results[key] for key in keys}, summary)


SECONDS_PER_FEATURE = 5e-8  # per hidden unit, per image, per seed (measured: about 7 s for one seed's curve, n 1000)


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("double_descent", __doc__)
    p.add_argument("--n", type=int_in(20, 4000), default=1000, help="training images (default 1000)")
    p.add_argument("--label-noise", type=float_in(0, 1), default=0.1,
                   help="fraction of the training labels redrawn at random (default 0.1)")  # fmt: skip
    p.add_argument("--max-factor", type=float_in(2, 100), default=10.0,
                   help="the widest network has this many times n hidden units (default 10)")  # fmt: skip
    p.add_argument("--seeds", type=positive_int, default=5, help="curves, each with its own images, noise and "
                   "features (default 5)")  # fmt: skip
    p.add_argument("--seed", type=seed, default=0, help="the first seed (default 0)")
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "200 images, 2 seeds, for tests")
    args = parse_study_args(p, argv, {"n": 200, "seeds": 2})
    features = sum(dd.widths(args.n, args.max_factor))
    memory = runs_at_once(args, args.seeds) * 8 * 5000 * args.max_factor * args.n * 3  # each curve's widest features
    refuse_if_too_big(p, {blamed(p, args, ("--max-factor", "--n")): memory})
    seconds = args.seeds * features * 5000 * SECONDS_PER_FEATURE
    refuse_if_too_long(p, {blamed(p, args, ("--seeds", "--n", "--max-factor")): seconds})
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
