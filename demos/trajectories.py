"""Document 003: how the parameters move through parameter space.

    python -m demos.trajectories [--epochs 3000] [--rates 0.01 0.03]

A [6, 8, 6] relu model learns complex multiplication (Adam, batch 512) at each learning rate. Shown:
every parameter over the epochs; and, per epoch, the step distance |w_e - w_{e-1}|, the normalised
dot product of consecutive epoch updates (with its 20-epoch moving average), the fraction of
parameters that drifted more than 0.05 over the last 100 epochs, and the test loss, on one figure.
"""

import argparse
import os
from collections.abc import Sequence

import numpy as np

from demos.cli import add_output_options, run_study, save_outputs
from minnet import Adam, fit
from minnet import complex_mult as cm
from minnet.train import DriftRecorder

DEFAULT_OUT = os.path.join("minnet-out", "trajectories")
HIDDEN = [6, 8, 6]
WINDOW, THRESHOLD, SMOOTHING = 100, 0.05, 20


def epoch_updates(snapshots):
    """Step distance per epoch (E,) and the cosine between consecutive epoch updates (E-1,)."""
    updates = np.diff(snapshots, axis=0)  # w_e - w_{e-1}
    distance = np.linalg.norm(updates, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.sum(updates[1:] * updates[:-1], axis=1) / (distance[1:] * distance[:-1])
    return distance, cosine


def moving_average(values, window):
    """Mean of the last `window` values at every position (fewer at the start)."""
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, values.size + 1), window)
    return (sums[1:] - sums[np.maximum(np.arange(1, values.size + 1) - window, 0)]) / counts


def train_one(lr, epochs, seed):
    X, Y, X_test, Y_test = cm.dataset()
    net = cm.model(HIDDEN, "relu", seed)
    drift = DriftRecorder(WINDOW, THRESHOLD)
    history = fit(net, X, Y, Adam(net.params, lr=lr), epochs, batch_size=cm.DOC003["batch_size"], X_test=X_test, Y_test=Y_test, seed=seed, recorders=[drift])
    distance, cosine = epoch_updates(history["params"])
    return {"params": history["params"], "test_loss": history["test_loss"], "distance": distance, "cosine": cosine,
            "cosine_smoothed": moving_average(cosine, SMOOTHING), "drift_fraction": history["drift_fraction"]}  # fmt: skip


def run(args):
    return {lr: train_one(lr, args.epochs, args.seed) for lr in args.rates}


def figure(results):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(results), figsize=(8 * len(results), 10), squeeze=False)
    for column, (lr, r) in enumerate(results.items()):
        axes[0, column].plot(r["params"], linewidth=0.4)
        axes[0, column].set_title(f"every parameter of the [6, 8, 6] model, lr {lr}")
        axes[0, column].set_xlabel("epoch")
        ax = axes[1, column]
        epochs = np.arange(1, r["distance"].size + 1)
        ax.plot(np.arange(r["test_loss"].size), r["test_loss"], color="tab:blue", label="test loss")
        ax.plot(epochs, 10 * r["distance"], color="tab:orange", label="step distance x 10")
        ax.scatter(epochs[1:], r["cosine"], s=1, color="tab:red", alpha=0.3)
        ax.plot(epochs[1:], r["cosine_smoothed"], color="tab:red", label=f"update alignment ({SMOOTHING}-epoch mean)")
        ax.plot(epochs, r["drift_fraction"], color="tab:green", label=f"fraction drifted > {THRESHOLD} over {WINDOW} epochs")
        ax.set_ylim(-1.05, max(2.0, float(np.nanpercentile(r["test_loss"], 5)) * 2))
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    return fig


def plot(results, out, args):
    from minnet import plots

    return [plots.save(figure(results), os.path.join(out, "trajectories.png"))]


def summary_of(results):
    summary = {}
    for lr, r in results.items():
        late = slice(max(0, r["cosine"].size - 500), None)
        summary[str(lr)] = {
            "final_test_loss": float(r["test_loss"][-1]),
            "final_step_distance": float(r["distance"][-1]),
            "mean_alignment_last_500": float(np.nanmean(r["cosine"][late])),
            "final_drift_fraction": float(r["drift_fraction"][-1]),
        }
    return summary


def print_summary(summary):
    print(f"{'lr':>6}{'final test':>12}{'step distance':>15}{'alignment (last 500)':>22}{'drifting > 0.05':>17}")
    for lr, s in summary.items():
        print(f"{lr:>6}{s['final_test_loss']:>12.4g}{s['final_step_distance']:>15.4g}{s['mean_alignment_last_500']:>22.3f}{s['final_drift_fraction']:>17.3f}")


def save_results(results, out, summary):
    arrays = {f"lr{lr}/{key}": v for lr, r in results.items() for key, v in r.items()}
    save_outputs(out, arrays, summary)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m demos.trajectories", description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=3000, help="epochs (default 3000)")
    p.add_argument("--rates", type=float, nargs="+", default=[0.01, 0.03], help="learning rates (default 0.01 0.03)")
    p.add_argument("--seed", type=int, default=0)
    add_output_options(p, DEFAULT_OUT, "150 epochs, for tests")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs = 150
    if args.epochs < 2 or min(args.rates) <= 0:
        p.error(f"need epochs >= 2 and positive rates, got {args.epochs} and {args.rates}")
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
