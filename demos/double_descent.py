"""Document 004 (the double-descent slide, Belkin et al. 2019): test error against model size, past the threshold.

    python -m demos.double_descent [--n 1000] [--label-noise 0.1] [--seeds 5]
    python -m demos.double_descent --trained [--workers 2 | --dask tcp://HOST:8786]

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
threshold, 0.871 at it, 0.076 at 10 n).

--trained: Nakkiran et al.'s model-wise double descent ("Deep Double Descent", 2019), every layer
trained. One hidden layer of k relu units on MNIST-5k averaged to 7 x 7 pixels (49 inputs: 16 times
cheaper per unit than 28 x 28), --n 1000 images to fit with 0, 10 and 20% of their labels redrawn,
softmax cross-entropy, Adam (lr 0.003, batch 100) for 1,000 epochs at each of 25 widths k = 1..512
(a third of an octave apart), 5 seeds: 375 independent trainings, run by minnet.tools.sweep on
--workers local processes or on the Dask cluster at --dask (the numbers are the same either way).
The interpolation threshold k* is the narrowest width whose median training error is at most 0.05
(where Nakkiran et al.'s effective model complexity reaches n); the test error's peak is looked for
past the classical U's minimum. Outputs in minnet-out/double_descent_trained: the figure (test and
training error against k per noise level, k* dashed, the peak ringed), results.npz (noise x seed x
width) and summary.json with the claims.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, beats_baseline, exact, holds, not_comparable, print_claims
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


BELKIN = "Reconciling modern machine learning practice and the bias-variance trade-off"
# The claims, declared once (demos.claims.Claims): the random-features study's here, --trained's below.
CLAIMS = Claims("double_descent", "004", where="Double Descent")
CLAIMS.declare(
    "peak_at_threshold",
    quote=BELKIN,
    claim="where the median test error peaks, in weights of the fitted layer, over the threshold n x 10",
    unit="weights / weights",
    document_value=1.0,
    rule=band(*AT_THRESHOLD),
)
CLAIMS.declare(
    "second_descent_below_classical",
    quote=BELKIN,
    claim="best median test error past 2 x the threshold over the best below it (the classical U's minimum)",
    unit="error / error",
    rule=band(None, 1.0),
)
CLAIMS.declare(
    "interpolates_from_threshold",
    quote=BELKIN,
    claim="training error 0 at every width from the threshold on, in every seed",
    unit="",
    rule=holds("all zero"),
    note="training labels: {noise} redrawn, fitted as given; with N + 1 >= n features of full rank the minimum-norm "
    "least squares fit is exact: a check of the code, not evidence",
    kind="check",
)
CLAIMS.declare(
    "norm_peaks_at_threshold",
    quote="",
    claim="the fitted layer's norm |B| peaks at the same width as the test error",
    unit="weights",
    rule=exact(),
    note="Belkin et al. figure 2 (bottom): the norm of the interpolating solution falls past the threshold",
    kind="beyond",
    document="Belkin et al. 2019",
)
CLAIMS.setting(
    "features",
    choice="random relu features of minnet's MLP on {n} MNIST-5k images with {noise} label noise",
    alternative="Belkin et al.: random Fourier features on 10,000 MNIST images; without label noise the curve keeps "
    "its shape (seed 0: best 0.162 below the threshold, 0.871 at it, 0.076 at 10 n)",
    depends_on=["peak_at_threshold", "second_descent_below_classical"],
)
CLAIMS.setting(
    "cutoff",
    choice="the last layer by np.linalg.lstsq with its default cutoff (rcond: singular values below eps x max(n, "
    "N + 1) x the largest count as 0): the exact pseudo-inverse",
    alternative="a larger cutoff regularises the fit and lowers the peak; measured, seed 0, n 1,000, 10% noise, at "
    "the threshold: test error 0.885 with the default, 1e-10 and 1e-6 (the smallest singular value is 1.2e-6 of the "
    "largest), 0.483 with 1e-3; at 2 n 0.257 with each",
    depends_on=["peak_at_threshold", "norm_peaks_at_threshold"],
)


def claims(s):
    n, noise = s["args"]["n"], s["args"]["label_noise"]
    return [
        CLAIMS.attach("peak_at_threshold", measured=s["peak_weights"] / s["threshold"],
                      note=f"peak {s['peak_test_error']:.3f} at {s['peak_weights']:,} weights; threshold "
                      f"{s['threshold']:,}"),
        CLAIMS.attach("second_descent_below_classical", measured=s["best_past_2x_threshold"] / s["best_classical"],
                      note=f"{s['best_past_2x_threshold']:.3f} past {2 * s['threshold']:,} weights; "
                      f"{s['best_classical']:.3f} at {s['best_classical_weights']:,}"),
        CLAIMS.attach("interpolates_from_threshold", measured=s["interpolates_from_threshold"], noise=f"{noise:.0%}"),
        CLAIMS.attach("norm_peaks_at_threshold", measured=s["norm_peak_weights"], reference=s["peak_weights"]),
        CLAIMS.attach("features", measured="relu features", n=f"{n:,}", noise=f"{noise:.0%}"),
        CLAIMS.attach("cutoff", measured="rcond=None"),
    ]  # fmt: skip


def print_summary(s):
    print(f"{'weights':>9}{'train error':>13}{'test error':>12}   (medians over {s['args']['seeds']} seeds)")
    for w, train, test in zip(s["weights"], s["median_train_error"], s["median_test_error"]):
        mark = "  <- interpolation threshold" if w == s["threshold"] else ""
        print(f"{w:>9,}{train:>13.3f}{test:>12.3f}{mark}")
    print_claims(s["claims"])


def save_results(results, out, summary, args):
    keys = ("train_error", "test_error", "test_loss", "train_loss", "readout_norm", "weights")
    save_outputs(out, {key: results[key] for key in keys}, summary)


# ===== --trained: Nakkiran et al.'s model-wise double descent, every layer trained ====================
TRAINED_OUT = os.path.join("minnet-out", "double_descent_trained")
TRAINED_LR, TRAINED_BATCH = 3e-3, 100  # Adam's step size and the mini-batch: 10 steps an epoch at n = 1,000
PEAK_MARGIN = 0.02  # a peak: 2 points of test error above the classical minimum and the widest network
PEAK_NEAR = (0.5, 2.0)  # "near the threshold": the peak's width within a factor 2 of k*
NAKKIRAN = "Deep Double Descent: Where Bigger Models and More Data Hurt"
NAKKIRAN_2019 = "Nakkiran et al. 2019"  # the trained rows go beyond the slide (Belkin et al.'s random features)
TRAINED_NOISE = (0.0, 0.1, 0.2)  # Nakkiran et al.'s label-noise levels (their figure 4); the claims table's
TRAINED_EPOCHS = 1000  # the default: every width at 7 x 7 pixels fits its noisy labels from k ~ 100 on


def trained_configs(args):
    """One sweep task per (label noise, seed, width), in that order (the results' axes)."""
    return [{"n": args.n, "label_noise": noise, "width": k, "seed": args.seed + s, "epochs": args.epochs,
             "lr": TRAINED_LR, "batch_size": TRAINED_BATCH}
            for noise in args.noise_levels for s in range(args.seeds) for k in dd.trained_widths(args.max_width)]  # fmt: skip


def run_trained(args):
    """Every (noise, seed, width) trained through minnet.tools.sweep; arrays (noises, seeds, widths)."""
    widths = dd.trained_widths(args.max_width)
    runs = sweep_runner(args)(dd.trained_task, trained_configs(args))
    shape = (len(args.noise_levels), args.seeds, len(widths))
    grid = {key: np.array([r[key] for r in runs], dtype=float).reshape(shape) for key in runs[0]}
    return {
        **grid,
        "widths": np.array(widths),
        "parameters": dd.parameter_count(np.array(widths)),
        "noise_levels": np.array(args.noise_levels),
        "args": {"n": args.n, "seeds": args.seeds, "seed": args.seed, "epochs": args.epochs,
                 "max_width": args.max_width, "noise_levels": list(args.noise_levels)},
        "config": {
            "data": f"MNIST-5k averaged over 4 x 4 blocks (7 x 7 pixels): {args.n} images to fit, a fraction "
                    f"{args.noise_levels} of their labels redrawn at random; the other {5000 - args.n} (true labels) "
                    "to test", "network": "MLP 49-k-10, relu", "loss": "softmax cross-entropy", "init": "he",
            "optimizer": f"Adam lr {TRAINED_LR}, batch {TRAINED_BATCH}, {args.epochs} epochs", "widths": widths,
            "seeds": list(range(args.seed, args.seed + args.seeds)),
        },
    }  # fmt: skip


def trained_curves(results):
    """Per noise level: the medians over seeds, the threshold k*, the classical minimum and the peak."""
    widths, curves = results["widths"], []
    for i, noise in enumerate(results["noise_levels"]):
        test, train = np.median(results["test_error"][i], axis=0), np.median(results["train_error"][i], axis=0)
        threshold = dd.interpolation_threshold(widths, train)
        classical, peak = dd.peak_of_test_error(widths, test, threshold)
        baseline = max(test[classical], test[-1]) + PEAK_MARGIN  # what a peak must clear
        curves.append({
            "label_noise": float(noise), "median_test_error": test.tolist(), "median_train_error": train.tolist(),
            "threshold_width": threshold, "classical_width": int(widths[classical]),
            "classical_test_error": float(test[classical]), "peak_width": int(widths[peak]),
            "peak_test_error": float(test[peak]), "widest_test_error": float(test[-1]),
            "peak_baseline": float(baseline), "has_peak": bool(test[peak] > baseline),
            # no rise past the classical minimum: no peak to place
            "peak_over_threshold": ratio_of(widths[peak], threshold) if peak != classical else float("nan"),
        })  # fmt: skip
    return curves


def ratio_of(width, threshold):
    """width / threshold, NaN when there is no threshold (no width fits its labels)."""
    return float(width / threshold) if threshold else float("nan")


def trained_summary(results):
    s = {
        "widths": results["widths"].tolist(),
        "parameters": results["parameters"].tolist(),
        "belkin_threshold_parameters": results["args"]["n"] * dd.CLASSES,
        "curves": trained_curves(results),
        "diverged_runs": int(results["diverged"].sum()),
        "args": results["args"],
        "config": results["config"],
    }
    s["claims"] = trained_claims(s)
    return s


def noise_name(noise):
    return f"noise_{round(100 * noise)}"


# The --trained claims: two rows per label-noise level, the shift with the noise, and the settings. A run
# shorter than TRAINED_EPOCHS attaches them as not comparable.
for noise in TRAINED_NOISE:
    CLAIMS.declare(
        f"trained_peak_{noise_name(noise)}",
        quote=NAKKIRAN,
        claim=f"trained networks, {noise:.0%} label noise: the median test error's peak past the classical minimum",
        unit="test error",
        rule="beats_baseline",
        kind="beyond",
        document=NAKKIRAN_2019,
    )
    CLAIMS.declare(
        f"trained_peak_at_threshold_{noise_name(noise)}",
        quote=NAKKIRAN,
        claim=f"trained networks, {noise:.0%} label noise: the peak's width over the interpolation threshold k* (the "
        f"narrowest width with median training error <= {dd.EPS_INTERPOLATES})",
        unit="width / width",
        document_value=1.0,
        rule=band(*PEAK_NEAR),
        kind="beyond",
        document=NAKKIRAN_2019,
    )
for key, what in (("peak", "the peak's width (of the noise levels with a peak)"),
                  ("threshold", "the interpolation threshold k* (more labels to memorise)")):  # fmt: skip
    CLAIMS.declare(
        f"trained_{key}_moves_with_noise",
        quote=NAKKIRAN,
        claim=what + " at {high} label noise over the same at {low}",
        unit="width / width",
        rule=beats_baseline(1.0, "no shift", better="higher"),
        kind="beyond",
        document=NAKKIRAN_2019,
    )
TRAINED_CLAIMS = [key for key in CLAIMS.declared if key.startswith("trained_")]
CLAIMS.setting(
    "trained_setup",
    choice="MNIST-5k averaged to 7 x 7 pixels: {n} training images, a fraction (the label noise) of their labels "
    "redrawn uniformly, the other {n_test} with true labels to test; network 49 -> k -> 10, relu, softmax "
    "cross-entropy, He init; widths k = 1 .. {max_width} ({widths} widths, 3 per octave); seeds: {seeds}, each its "
    "own images, noise and weights",
    alternative="Nakkiran et al.: ResNet18 / CNNs on CIFAR-10 and -100; Belkin et al.: 784-k-10 on 4,000 MNIST "
    "images with squared loss; 28 x 28 pixels cost 16 times more per hidden unit",
    depends_on=TRAINED_CLAIMS,
    document=NAKKIRAN_2019,
)
CLAIMS.setting(
    "trained_optimizer",
    choice=f"Adam, lr {TRAINED_LR}, batch {TRAINED_BATCH}, {{epochs}} epochs at every width, no weight decay, no "
    "early stopping: long enough for the wide networks to fit every noisy label",
    alternative="Nakkiran et al.: Adam lr 1e-4 for 4,000 epochs (CNNs); shorter training lowers the peak (early "
    "stopping removes it, their section 6)",
    depends_on=TRAINED_CLAIMS,
    document=NAKKIRAN_2019,
)
CLAIMS.setting(
    "trained_threshold",
    choice=f"the interpolation threshold k*: the narrowest width whose median training error is <= "
    f"{dd.EPS_INTERPOLATES} (Nakkiran et al.'s effective model complexity reaches n there); the peak: the highest "
    f"median test error past the classical minimum below k*; a peak must clear the higher of that minimum and the "
    f"widest network's error by {PEAK_MARGIN} and lie within a factor {PEAK_NEAR[1]:g} of k*",
    alternative="Belkin et al.'s threshold n x 10 = {belkin} parameters is at width {belkin_width} here (squared "
    "loss must fit 10 numbers per image; cross-entropy only the largest)",
    depends_on=TRAINED_CLAIMS,
    document=NAKKIRAN_2019,
)


def peak_rows(s, c, short):
    """The two rows of one noise level: the peak stands out, and it sits near the threshold."""
    note = (f"peak {c['peak_test_error']:.3f} at width {c['peak_width']}; classical minimum "
            f"{c['classical_test_error']:.3f} at {c['classical_width']}; widest ({s['widths'][-1]}) "
            f"{c['widest_test_error']:.3f}; threshold k* {c['threshold_width']}")  # fmt: skip
    if not c["has_peak"]:  # the measured cause: how high the test error rises at each noise level
        note += "; no peak. The rise past the classical minimum at each label noise: " + ", ".join(
            f"{d['label_noise']:.0%} {d['peak_test_error'] - d['classical_test_error']:+.3f}" for d in s["curves"]
        )
    height = beats_baseline(c["peak_baseline"], f"the higher of the classical minimum and the widest network's "
                            f"error, + {PEAK_MARGIN}", better="higher")  # fmt: skip
    name = noise_name(c["label_noise"])
    return [
        CLAIMS.attach(f"trained_peak_{name}", measured=c["peak_test_error"], rule=short or height, note=note),
        CLAIMS.attach(f"trained_peak_at_threshold_{name}", measured=c["peak_over_threshold"], rule=short, note=note),
    ]


def shift_rows(s, short):
    """Nakkiran et al.: with more label noise the threshold, and the peak with it, moves to wider networks. The
    threshold is compared between the lowest and the highest noise level, the peak between the lowest and the
    highest that have one (a curve without a peak has no peak's width)."""
    no_peak = ", ".join(f"{c['label_noise']:.0%}" for c in s["curves"] if not c["has_peak"])
    one_level = not_comparable("one label-noise level: no shift to measure") if len(s["curves"]) < 2 else None

    def moved(key, field, curves):
        low, high = (curves[0], curves[-1]) if len(curves) > 1 else (s["curves"][0], s["curves"][-1])
        note = (f"{low['label_noise']:.0%} -> {high['label_noise']:.0%} label noise: peak at width "
                f"{low['peak_width']} -> {high['peak_width']}; threshold k* {low['threshold_width']} -> "
                f"{high['threshold_width']} (None: no width fits)")  # fmt: skip
        note += f"; no peak at {no_peak} label noise" if no_peak else ""
        measured = ratio_of(high[field] or float("nan"), low[field]) if len(curves) > 1 else float("nan")
        return CLAIMS.attach(f"trained_{key}_moves_with_noise", measured=measured, rule=short or one_level, note=note,
                             low=f"{low['label_noise']:.0%}", high=f"{high['label_noise']:.0%}")  # fmt: skip

    return [moved("peak", "peak_width", [c for c in s["curves"] if c["has_peak"]]),
            moved("threshold", "threshold_width", s["curves"])]  # fmt: skip


def trained_claims(s):
    a = s["args"]
    short = None  # the rows' own rules; a shortened run's rows are not comparable
    if a["epochs"] < TRAINED_EPOCHS:
        short = not_comparable(f"trained {a['epochs']} epochs, not {TRAINED_EPOCHS}: too short for the wide "
                               "networks to fit every label")  # fmt: skip
    rows = [row for c in s["curves"] for row in peak_rows(s, c, short)] + shift_rows(s, short)
    return rows + [
        CLAIMS.attach("trained_setup", measured="7x7 MNIST-5k", n=f"{a['n']:,}", n_test=f"{5000 - a['n']:,}",
                      max_width=a["max_width"], widths=len(s["widths"]), seeds=a["seeds"]),
        CLAIMS.attach("trained_optimizer", measured=f"Adam {TRAINED_LR}", epochs=f"{a['epochs']:,}"),
        CLAIMS.attach("trained_threshold", measured=f"eps {dd.EPS_INTERPOLATES}",
                      belkin=f"{s['belkin_threshold_parameters']:,}", belkin_width=belkin_width(s)),
    ]  # fmt: skip


def belkin_width(s):
    """The width whose parameters P(k) first reach n x 10."""
    over = [k for k, p in zip(s["widths"], s["parameters"]) if p >= s["belkin_threshold_parameters"]]
    return over[0] if over else f"> {s['widths'][-1]}"


def trained_figure(results, s):
    """Test error (left) and training error (right) against the width, one colour per noise level: thin
    lines per seed, thick the median; k* dashed, the peak ringed."""
    import matplotlib.pyplot as plt

    widths, a = results["widths"], results["args"]
    fig, (test_ax, train_ax) = plt.subplots(1, 2, figsize=(14, 5.8), sharex=True, constrained_layout=True)
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(s["curves"])))
    for i, (c, color) in enumerate(zip(s["curves"], colors)):
        label = f"{c['label_noise']:.0%} label noise"
        for ax, key in ((test_ax, "test_error"), (train_ax, "train_error")):
            ax.plot(widths, results[key][i].T, color=color, linewidth=0.5, alpha=0.35)
            ax.plot(widths, np.median(results[key][i], axis=0), color=color, linewidth=2, marker="o", markersize=3,
                    label=f"{label}, median of {a['seeds']} seed{'s' if a['seeds'] > 1 else ''}")  # fmt: skip
            if c["threshold_width"]:
                ax.axvline(c["threshold_width"], color=color, linestyle="--", linewidth=1)
        if c["has_peak"]:
            test_ax.plot(c["peak_width"], c["peak_test_error"], "o", markersize=14, markerfacecolor="none", color=color)
    peaks = [c["peak_test_error"] for c in s["curves"]]  # the narrowest networks' underfitting may leave the panel
    test_ax.set_ylim(max(0.0, min(np.min(results["test_error"]) - 0.03, 0.5)), min(1.0, max(peaks) + 0.2))
    train_ax.axhline(dd.EPS_INTERPOLATES, color="0.4", linestyle=":", linewidth=1)
    train_ax.text(widths[0], dd.EPS_INTERPOLATES * 1.15, f"eps = {dd.EPS_INTERPOLATES}: 'fits'", color="0.3")
    for ax in (test_ax, train_ax):
        ax.set(xscale="log", xlabel="hidden units k (log scale); dashed: threshold k* of the same colour")
        ax.legend(loc="upper right", fontsize=9)
    d = dd.parameter_count(1) - dd.parameter_count(0)  # P(k) = d k + C: parameters per hidden unit
    top = test_ax.secondary_xaxis("top", functions=(dd.parameter_count, lambda P: np.maximum(P - dd.CLASSES, 1) / d))
    top.set_xlabel(f"parameters P(k) = {d} k + {dd.CLASSES}; dotted: Belkin et al.'s n x 10 = {10 * a['n']:,}")
    test_ax.axvline((10 * a["n"] - dd.CLASSES) / d, color="0.5", linestyle=":", linewidth=1)
    test_ax.set(ylabel=f"test error ({5000 - a['n']:,} images, true labels)",
                title="test error: down, up to a peak (ringed) near the threshold, down again")  # fmt: skip
    train_ax.set(ylabel="training error (against the noisy labels)", ylim=(-0.02, None),
                 title="training error: near 0 from k* on, later with more noise")  # fmt: skip
    fig.suptitle(f"every layer trained (Adam, {a['epochs']:,} epochs): {a['n']:,} MNIST images at 7 x 7 pixels, "
                 "network 49 -> k -> 10")  # fmt: skip
    return fig


def plot_trained(results, out, args):
    from minnet.tools import plots

    return [
        plots.save(trained_figure(results, trained_summary(results)), os.path.join(out, "double_descent_trained.png"))
    ]


def print_trained(s):
    noises = [c["label_noise"] for c in s["curves"]]
    print(f"{'width':>6}{'params':>8}" + "".join(f"{f'test {p:.0%}':>11}{f'train {p:.0%}':>11}" for p in noises)
          + f"   (medians over {s['args']['seeds']} seeds)")  # fmt: skip
    for j, (k, params) in enumerate(zip(s["widths"], s["parameters"])):
        cells = "".join(f"{c['median_test_error'][j]:>11.3f}{c['median_train_error'][j]:>11.3f}" for c in s["curves"])
        print(f"{k:>6}{params:>8,}{cells}")
    for c in s["curves"]:
        print(f"{c['label_noise']:.0%} noise: threshold k* {c['threshold_width']}, peak {c['peak_test_error']:.3f} "
              f"at width {c['peak_width']}")  # fmt: skip
    if s["diverged_runs"]:
        print(f"warning: {s['diverged_runs']} runs diverged (their loss stopped being finite)")
    print_claims(s["claims"])


def save_trained(results, out, summary, args):
    keys = ("train_error", "test_error", "train_loss", "test_loss", "diverged", "widths", "parameters", "noise_levels")
    save_outputs(out, {key: results[key] for key in keys}, summary)


SECONDS_PER_EXAMPLE_EPOCH = (2.8e-6, 5.7e-8)  # a task's time / (n x epochs) = a + b k (measured, 1 core)


def trained_seconds(args):
    a, b = SECONDS_PER_EXAMPLE_EPOCH
    per_curve = sum(a + b * k for k in dd.trained_widths(args.max_width)) * args.n * args.epochs
    return per_curve * len(args.noise_levels) * args.seeds / runs_at_once(args, 10**9)


SECONDS_PER_FEATURE = 5e-8  # per hidden unit, per image, per seed (measured: about 7 s for one seed's curve, n 1000)


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("double_descent", __doc__)
    p.add_argument("--n", type=int_in(20, 4000), default=1000, help="training images (default 1000)")
    p.add_argument("--label-noise", type=float_in(0, 1), default=0.1,
                   help="fraction of the training labels redrawn at random (default 0.1)")  # fmt: skip
    p.add_argument("--max-factor", type=float_in(2, 100), default=dd.MAX_FACTOR,
                   help="the widest network has this many times n hidden units (default %(default)g)")  # fmt: skip
    p.add_argument("--seeds", type=positive_int, default=5, help="curves, each with its own images, noise and "
                   "features (default 5)")  # fmt: skip
    p.add_argument("--seed", type=seed, default=0, help="the first seed (default 0)")
    trained = p.add_argument_group("--trained: every layer trained (Nakkiran et al.); --n, --seeds, --seed as above")
    trained.add_argument("--trained", action="store_true", help="train every width end to end, through minnet's "
                         f"sweep (locally, or on a cluster with --dask); outputs in {TRAINED_OUT}")  # fmt: skip
    trained.add_argument("--noise-levels", type=float_in(0, 1), nargs="+", default=list(TRAINED_NOISE),
                         help="label-noise levels, one curve each (default 0 0.1 0.2)")  # fmt: skip
    trained.add_argument("--epochs", type=int_in(1, 100_000), default=TRAINED_EPOCHS,
                         help="epochs of Adam at every width (default 1000)")  # fmt: skip
    trained.add_argument("--max-width", type=int_in(2, 4096), default=512,
                         help="the widest network's hidden units (default 512)")  # fmt: skip
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "200 images, 2 seeds, for tests; with --trained 60 epochs, widths to 16, "
                       "noise 0 and 0.2")  # fmt: skip
    args = parse_study_args(p, argv, {"n": 200, "seeds": 2, "epochs": 60, "max_width": 16, "noise_levels": [0.0, 0.2]})
    if args.trained:
        undeclared = sorted(set(args.noise_levels) - set(TRAINED_NOISE))
        if undeclared:
            p.error(f"argument --noise-levels: must be among {' '.join(map(str, TRAINED_NOISE))} (the levels the "
                    f"claims table declares), got {undeclared[0]}")  # fmt: skip
        args.noise_levels = sorted(set(args.noise_levels))
        args.out = TRAINED_OUT if args.out == DEFAULT_OUT else args.out
        refuse_if_too_long(p, {blamed(p, args, ("--seeds", "--n", "--epochs", "--max-width")): trained_seconds(args)})
        run_study(args, run_trained, plot_trained, trained_summary, save_trained, print_trained)
        return 0
    features = sum(dd.widths(args.n, args.max_factor))
    memory = runs_at_once(args, args.seeds) * 8 * 5000 * args.max_factor * args.n * 3  # each curve's widest features
    refuse_if_too_big(p, {blamed(p, args, ("--max-factor", "--n")): memory})
    seconds = args.seeds * features * 5000 * SECONDS_PER_FEATURE
    refuse_if_too_long(p, {blamed(p, args, ("--seeds", "--n", "--max-factor")): seconds})
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
