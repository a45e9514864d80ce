"""The README's gallery, regenerated from what the studies write.

    python -m demos.gallery [--out DIR] [--from DIR] [--only NAME ...]

Runs each gallery command (GALLERY below: a name, the study, its options) into DIR/<name> (default
minnet-out/gallery), or with --from reads the folders an earlier run left there, and copies the
listed figures, under the names the studies give them, to docs/gallery/<name>/. The README shows
each figure beside the command that made it; a test holds the README and GALLERY to each other.
"""

import importlib
import os
import shutil
import time
from collections.abc import Sequence

from demos.cli import study_parser

GALLERY_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "gallery")
DEFAULT_OUT = os.path.join("minnet-out", "gallery")
# name: (study, options, the figures the README shows)
GALLERY = {
    "oscillations": (
        "oscillations",
        ["--lr-study"],
        [
            "fig1_errors_gradients_weights.png",
            "fig2_gradient_picture.png",
            "edge_of_stability.png",
            "fig3_learning_rates.png",
            "last_bit.png",
        ],
    ),
    "neurons": ("neurons", [], ["fig4_learning_rates.png", "fig5_f2_20_units.png"]),
    "optimizer_paths": ("optimizer_paths", [], ["paths.png"]),
    "optimizer_paths_trained_sigmoid": (
        "optimizer_paths",
        ["--trained", "--activation", "sigmoid", "--log-color"],
        ["paths.png"],
    ),
    "curriculum": ("curriculum", [], ["curriculum.png", "clusters_and_contention.png"]),
    "complex_mult": ("complex_mult", [], ["learned_function.png", "neuron_grid.png"]),
    "mandelbrot": ("mandelbrot", [], ["mandelbrot.png", "equal_loss_control.png"]),
    "landscape_slices": ("landscape_slices", [], ["landscape_slices.png"]),
    "trajectories": ("trajectories", [], ["trajectories.png"]),
    "init_study": ("init_study", [], ["initialisation.png"]),
    "loss_surface": ("loss_surface", [], ["surface_2d.png", "deep_relu.png"]),
    "checkpointing": ("checkpointing", [], ["checkpointing.png"]),
    "grokking": ("grokking", [], ["grokking.png"]),
    "double_descent": ("double_descent", [], ["double_descent.png"]),
    "minima": ("minima", [], ["minima.png", "network.png"]),
    "exp_lr": ("exp_lr", [], ["exp_lr_equivalence.png", "exp_lr_schedules.png"]),
    "edge_of_stability": ("edge_of_stability", [], ["edge_of_stability.png"]),
}


# The explorer's views, photographed in Debian's Chromium (Playwright): view: (address hash, when the view is ready)
SCREENSHOTS = {
    "doc000": ("#view=doc000&steps=1000", "document.getElementById('d0-t').textContent === '1000'"),
    "race": (
        "#view=race&a=0.4845&b=1.1107&epochs=100",
        "document.getElementById('r-claim').textContent.includes('From this start')",
    ),
    "mandelbrot": (
        "#view=mandelbrot&re=-0.75&im=0.1&width=0.6&iter=200",
        "document.getElementById('m-status').textContent.startsWith('centre')",
    ),
    "doc001": ("#view=doc001&t=60", "document.getElementById('e-about').textContent.includes('label')"),
    "grokking": ("#view=grok&steps=3000", "document.getElementById('g-t').textContent === '3000'"),
    "minima": ("#view=minima&lr=0.2", "document.getElementById('mi-claim').textContent.includes('settles wide')"),
    "double_descent": ("#view=dd", "document.getElementById('dd-status').textContent.includes('widths, one seed')"),
}
EXPLORE = "explore"  # the gallery entry of the screenshots


def explorer_screenshots(gallery_dir):
    """One screenshot per explorer view into gallery_dir/explore/, from a server on a free port of this machine."""
    import threading

    from playwright.sync_api import sync_playwright

    from demos.explore import make_server

    server = make_server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = os.path.join(gallery_dir, EXPLORE)
    os.makedirs(target, exist_ok=True)
    paths = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for view, (address, ready) in SCREENSHOTS.items():
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/{address}")
                page.wait_for_function(f"() => {ready}", timeout=180_000)
                page.wait_for_timeout(3000)  # the race's paths are drawn step by step
                paths.append(os.path.join(target, f"{view}.png"))
                page.screenshot(path=paths[-1], full_page=True)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return paths


def command(name):
    """The command line that makes gallery entry `name`'s figures."""
    study, options, _ = GALLERY[name]
    return " ".join(["python -m demos." + study, *options])


def figure_path(name, figure):
    """Where the README finds a gallery figure, relative to the repository."""
    return f"docs/gallery/{name}/{figure}"


def make(name, folder, quiet):
    """Run gallery entry `name` into `folder`; its wall time in seconds."""
    study, options, _ = GALLERY[name]
    start = time.perf_counter()
    print(f"\n=== {command(name)}", flush=True)
    status = importlib.import_module(f"demos.{study}").main(
        [*options, "--out", folder, *(["--quiet"] if quiet else [])]
    )
    if status:
        raise SystemExit(f"{command(name)} failed (exit status {status})")
    return time.perf_counter() - start


def copy_figures(name, folder, gallery_dir):
    """Copy entry `name`'s figures from `folder` into gallery_dir/<name>/, naming any that is missing."""
    missing = [f for f in GALLERY[name][2] if not os.path.exists(os.path.join(folder, f))]
    if missing:
        raise SystemExit(
            f"{folder} has no {', '.join(missing)}: run `{command(name)} --out {folder}` first, or drop --from"
        )
    target = os.path.join(gallery_dir, name)
    os.makedirs(target, exist_ok=True)
    for figure in GALLERY[name][2]:
        shutil.copyfile(os.path.join(folder, figure), os.path.join(target, figure))
    return [os.path.join(target, f) for f in GALLERY[name][2]]


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("gallery", __doc__)
    p.add_argument("--out", default=DEFAULT_OUT, help=f"where the studies write (default {DEFAULT_OUT})")
    p.add_argument("--from", dest="source", metavar="DIR", help="copy from DIR/<name> without running anything")
    p.add_argument(
        "--only",
        nargs="+",
        choices=sorted([*GALLERY, EXPLORE]),
        help="these entries only (explore: the explorer's screenshots)",
    )
    p.add_argument(
        "--gallery-dir", default=GALLERY_DIR, help="where the figures go (default docs/gallery of this checkout)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    for name in args.only or [*GALLERY, EXPLORE]:
        if name == EXPLORE:
            for path in explorer_screenshots(args.gallery_dir):
                print("photographed", path)
            continue
        folder = os.path.join(args.source or args.out, name)
        if args.source is None:
            print(f"({make(name, folder, args.quiet):.0f} s)")
        for path in copy_figures(name, folder, args.gallery_dir):
            print("copied", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
