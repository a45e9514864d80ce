"""Document 003: how much does the random initialisation decide?

    python -m demos.init_study [--models 30] [--epochs 100]

Trains --models [10, 10] relu networks on complex multiplication (document 003's data and training:
Adam lr 0.01, batch 512), each from its own seed, through minnet.sweep (--workers, --dask), and
shows the distribution of their test losses at 0, 10 and 100 epochs, every model's curve, and the
correlation across models between the loss after n and after m epochs (document: 0.556 between
5 and 100 epochs).
"""

import argparse
import os
from collections.abc import Sequence

import numpy as np

from demos.cli import add_output_options, add_sweep_options, run_study, save_outputs, sweep_runner
from minnet import complex_mult as cm

DEFAULT_OUT = os.path.join("minnet-out", "init_study")
HISTOGRAM_EPOCHS = (0, 10, 100)
CORRELATION_PAIR = (5, 100)  # the document's 0.556


def run(args):
    configs = [{"hidden": [10, 10], "activation": "relu", "epochs": args.epochs, "seed": seed} for seed in range(args.models)]
    losses = np.array([r["test_loss"] for r in sweep_runner(args)(cm.train_task, configs)])  # (models, epochs+1)
    return {"test_loss": losses, "correlation": np.corrcoef(losses.T)}


def figure(results):
    import matplotlib.pyplot as plt

    losses = results["test_loss"]
    epochs = [e for e in HISTOGRAM_EPOCHS if e < losses.shape[1]]
    fig, axes = plt.subplots(1, len(epochs) + 2, figsize=(5 * (len(epochs) + 2), 4.3))
    for ax, e in zip(axes, epochs):
        ax.hist(losses[:, e], bins=12, color="tab:blue")
        ax.set_title(f"test loss after {e} epochs")
        ax.set_xlabel("MSE")
    ax = axes[len(epochs)]
    for curve in losses:
        ax.semilogy(curve, linewidth=0.8)
    ax.set_title(f"{len(losses)} models")
    ax.set_xlabel("epoch")
    mesh = axes[-1].imshow(results["correlation"], cmap="coolwarm", vmin=-1, vmax=1, origin="lower")
    fig.colorbar(mesh, ax=axes[-1])
    axes[-1].set_title("correlation of the loss after n and m epochs")
    axes[-1].set_xlabel("m")
    axes[-1].set_ylabel("n")
    return fig


def plot(results, out, args):
    from minnet import plots

    return [plots.save(figure(results), os.path.join(out, "initialisation.png"))]


def summary_of(results):
    losses, corr = results["test_loss"], results["correlation"]
    n, m = (min(e, losses.shape[1] - 1) for e in CORRELATION_PAIR)
    return {
        "models": int(losses.shape[0]),
        "test_loss_ranges": {str(e): [float(losses[:, e].min()), float(losses[:, e].max())] for e in HISTOGRAM_EPOCHS if e < losses.shape[1]},
        "correlation_epochs": [n, m],
        "correlation": float(corr[n, m]),
        "document_correlation_5_100": 0.556,
    }


def print_summary(s):
    for e, (low, high) in s["test_loss_ranges"].items():
        print(f"test loss after {e:>3} epochs: {low:.4g} .. {high:.4g}")
    n, m = s["correlation_epochs"]
    print(f"correlation across {s['models']} models of the loss after {n} and after {m} epochs: {s['correlation']:.3f} (document, 5 and 100: 0.556)")


def save_results(results, out, summary):
    save_outputs(out, {"test_loss": results["test_loss"], "correlation": results["correlation"]}, summary)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m demos.init_study", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", type=int, default=30, help="independently initialised models (default 30)")
    p.add_argument("--epochs", type=int, default=100, help="training epochs (default 100)")
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "5 models of 12 epochs, for tests")
    args = p.parse_args(argv)
    if args.quick:
        args.models, args.epochs = 5, 12
    if args.models < 3 or args.epochs < 1:
        p.error(f"need at least 3 models and 1 epoch, got {args.models} and {args.epochs}")
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
