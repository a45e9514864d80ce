"""`python -m demos` (or `minnet-demo`): list the studies, or run one: `minnet-demo gradcheck --sizes 2 5 1`."""

import argparse
import importlib
import sys
from collections.abc import Sequence

STUDIES = {
    "oscillations": "document 000: a stable run turns unstable; gradient norm, angles, the 2-D gradient picture",
    "neurons": "document 000: duplicate and diverging hidden neurons, learning rate and initial-weight scale",
    "curriculum": "document 001: per-example gradients every iteration, the implicit curriculum, forgetting, gradient clusters",
    "optimizer_paths": "document 002: SGD, RMSprop, Adam, AdamW on the loss landscape of two weights",
    "complex_mult": "document 003: MLPs learning complex multiplication; model-size table, neuron grid, learned function",
    "mandelbrot": "document 003: the Mandelbrot set drawn with the learned multiplication, and its training animation",
    "init_study": "document 003: 30 random initialisations, loss histograms and the correlation across epochs",
    "landscape_slices": "document 003: the loss along the gradient, on a random plane and through three trained models",
    "trajectories": "document 003: every parameter over 3,000 epochs; step distance, update alignment, drift",
    "loss_surface": "document 004: random-direction loss-surface projections and the effect of initialisation",
    "checkpointing": "document 004: vanilla, memory-poor and checkpointed backpropagation, counted",
    "double_descent": "document 004: test error against model size, peaking at the interpolation threshold and falling again",
    "minima": "document 004: large steps avoid a narrow minimum, SGD's noise escapes one, sharpness against lr and batch",
    "grokking": "document 004: an MLP learns a + b mod p long after it fits its training pairs (weight decay, more data)",
    "exp_lr": "document 004: with batch normalisation, weight decay at a constant lr is the same training as an "
    "exponentially growing lr without it (Li & Arora 2020)",
    "edge_of_stability": "beyond the documents: the sharpness rises to 2/lr and hovers there (Cohen et al. 2021), and Adam's at 38/lr",
    "report": "every study's claims against its document, with the figures, as HTML pages (minnet-out/report/index.html)",
    "gallery": "re-run the README gallery's commands and copy their figures to docs/gallery/",
    "gradcheck": "hand-written gradients against central finite differences, per weight matrix",
    "benchmark": "Numba kernels against their NumPy twins (and PyTorch when installed), one table",
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in STUDIES:
        parser = argparse.ArgumentParser(prog="minnet-demo", description="minnet's studies")
        parser.add_argument("study", nargs="?", choices=sorted(STUDIES))
        parser.parse_args(argv[:1])
        print("minnet's demos; run one with `python -m demos.<name> --help` or `minnet-demo <name> ...`:\n")
        for name, what in STUDIES.items():
            print(f"  {name:<16} {what}")
        return 0
    return importlib.import_module(f"demos.{argv[0]}").main(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
