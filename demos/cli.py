"""Plumbing every demo's command line shares."""

import os

RESULT_FILES = ("results.npz", "summary.json")


def headless_figures(show=False):
    """Draw with the Agg backend (files only), unless a live window was asked for and a display exists."""
    import matplotlib

    if not (show and os.environ.get("DISPLAY")):
        matplotlib.use("Agg")


def print_written(out, paths):
    """The closing line: every file the demo wrote."""
    print("\nwrote " + ", ".join(list(paths) + [os.path.join(out, name) for name in RESULT_FILES]))
