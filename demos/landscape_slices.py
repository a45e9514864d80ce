"""Document 003: slices of the loss landscape of a complex-multiplication MLP.

    python -m demos.landscape_slices                       complex multiplication
    python -m demos.landscape_slices --target interesting  the document's irregular function

A [10, 10, 10] relu model is trained with Adam (lr 0.01, batch 512) for --epochs (document: 45).
Drawn, with the training loss on the full training set:
- along the gradient: L(theta - s lr g) / L(theta) - 1 for s in [-10, 10] (document: "just a parabola");
- on the plane of two random filter-normalised directions through theta (a bowl);
- on the plane through three independently trained models, model 1 at (0, 0), model 2 at (1, 0) and
  model 3 at (0, 1), in log scale.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, holds, print_claims, ratio
from demos.cli import (
    add_output_options,
    int_in,
    parse_study_args,
    positive_float,
    positive_int,
    refuse_if_too_big,
    run_study,
    save_outputs,
    say_kernels,
    seed,
    study_parser,
)
from minnet.studies import complex_mult as cm

DEFAULT_OUT = os.path.join("minnet-out", "landscape_slices")


def run(args):
    """The slices (minnet.studies.complex_mult.landscape_slices) with the run's configuration."""
    slices = cm.landscape_slices(args.target, args.lr, args.epochs, args.seed, args.points, args.plane_points)
    return {
        "config": {
            "data": f"document 003's, target {args.target}: 4,096 inputs from N(0, 2^2), 80:20 split",
            "network": "MLP 4-10-10-10-2 relu (three of them, seeds seed..seed+2)",
            "loss": "mean squared error",
            "init": "pytorch",
            "optimizer": f"Adam, lr {args.lr}",
            "batch_size": 512,
            "epochs": args.epochs,
            "seed": args.seed,
            "points": args.points,
            "plane_points": args.plane_points,
        },  # fmt: skip
        **slices,
        "target": args.target,
    }


def figure(r):
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    fig = plt.figure(figsize=(16, 6.5), constrained_layout=True)
    ax = fig.add_subplot(1, 3, 1)
    ax.plot(r["s"], r["along_gradient"])
    ax.axhline(0, color="k", linewidth=0.5)
    ax.axvline(0, color="k", linewidth=0.5)
    ax.set_xlabel(r"s (multiples of lr $\times$ gradient)")
    ax.set_ylabel(r"$L(\theta - s\,\mathrm{lr}\,g)\ /\ L(\theta) - 1$")
    ax.set_title("along the gradient")
    A, B = np.meshgrid(r["axis"], r["axis"], indexing="ij")
    ax3 = fig.add_subplot(1, 3, 2, projection="3d")
    ax3.plot_surface(A, B, np.log10(r["random_plane"]), cmap="viridis", linewidth=0)
    ax3.set_title("two random filter-normalised directions\n(height: log10 training loss)")
    plots.sparse_3d_ticks(ax3, r"$\alpha$", r"$\beta$", "")
    ax = fig.add_subplot(1, 3, 3)
    mesh = ax.contourf(r["span"], r["span"], np.log10(r["model_plane"]).T, levels=30, cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="log10 training loss")
    for (a, b), label in (((0, 0), "model 1"), ((1, 0), "model 2"), ((0, 1), "model 3")):
        ax.plot(a, b, "r*", markersize=12)
        ax.annotate(label, (a, b), textcoords="offset points", xytext=(5, 5), color="w")
    ax.set(
        title="the plane through three trained models",
        xlabel="a: weight of (model 2 - model 1)",
        ylabel="b: weight of (model 3 - model 1)",
    )
    fig.suptitle(f"target: {r['target']}")
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    return [plots.save(figure(results), os.path.join(out, "landscape_slices.png"))]


def summary_of(r):
    s, along = r["s"], r["along_gradient"]
    plane = r["model_plane"]
    i, j = np.unravel_index(np.argmin(plane), plane.shape)
    summary = {
        "target": r["target"],
        "epochs": r["config"]["epochs"],
        "config": r["config"],
        "loss": float(r["loss"]),
        "model_losses": [float(v) for v in r["model_losses"]],
        "gradient_slice_minimum_at_s": float(s[np.argmin(along)]),
        "gradient_slice_minimum": float(along.min()),
        "gradient_slice_is_convex": bool(np.all(np.diff(along, 2) >= -1e-12)),
        "gradient_slice_least_curvature": float(np.min(np.diff(along, 2))),
        "gradient_slice_least_curvature_at_s": float(s[1:-1][np.argmin(np.diff(along, 2))]),
        "model_plane_minimum_at": [float(r["span"][i]), float(r["span"][j])],
        "random_plane_minimum_at_centre": bool(
            np.unravel_index(np.argmin(r["random_plane"]), r["random_plane"].shape) == (len(r["axis"]) // 2,) * 2
        ),
        "random_plane_rising_outward": cm.rises_outward(r["random_plane"]),
    }
    summary["claims"] = claims(summary, plane, r["span"])
    return summary


# ----- the claims table: document 003's loss-landscape statements, declared once ------------------------------
CLAIMS = Claims("landscape_slices", "003")
CLAIMS.declare(
    "gradient_slice_lowest_point",
    where="loss landscape, gradient slice",
    quote="the function's low point is more towards α = 0.2 or so",
    claim="step factor s of the lowest loss along theta - s lr g",
    unit="step factor",
    document_value=0.2,
    rule=ratio(2.0),
    note="'or so': within x2",
)
CLAIMS.declare(
    "gradient_slice_convex",
    where="loss landscape, gradient slice",
    quote="this loss landscape is just a parabola",
    claim="the slice along the gradient is convex on the grid (second differences >= 0)",
    unit="",
    document_value=True,
    rule=holds("every second difference of the slice >= -1e-12"),
)
CLAIMS.declare(
    "random_plane_bowl",
    where="loss landscape, random plane",
    quote="And I basically got a bowl",
    claim="on the plane of two random filter-normalised directions, the share of grid points whose loss is at least "
    "that one step nearer the trained model (1 for a bowl; a saddle or a second valley falls short)",
    unit="share",
    document_value=1.0,
    rule=band(1.0, 1.0),
)
CLAIMS.declare(
    "barrier_between_models",
    where="loss landscape, three models",
    quote="clear minima at (0,0), (1,0) and (0,1), where the trained models are placed, and something elevated "
    "between them",
    claim="loss at the three models' centroid / the worst model's",
    unit="ratio",
    rule=band(1.0, None),
)
CLAIMS.setting(
    "three_models",
    choice="the three models are [10, 10, 10] relu trained {epochs} "
    "epochs (the gradient slice's model), not the document's [20, 30, 20] relu trained 100 epochs",
    alternative="the document's architecture was not measured here",
    depends_on=["barrier_between_models"],
)


def claims(s, plane, span):
    """Document 003's loss-landscape statements, each checked on this run; the barrier's setting."""
    at = lambda v: int(np.argmin(np.abs(span - v)))  # noqa: E731  the grid index nearest to coordinate v
    corners = np.array([plane[at(0), at(0)], plane[at(1), at(0)], plane[at(0), at(1)]])  # the three models
    middle = plane[at(1 / 3), at(1 / 3)]  # their centroid
    return [
        CLAIMS.attach("gradient_slice_lowest_point", measured=s["gradient_slice_minimum_at_s"]),
        CLAIMS.attach(
            "gradient_slice_convex",
            measured=s["gradient_slice_is_convex"],
            note=f"smallest second difference {s['gradient_slice_least_curvature']:.3g} at s = "
            f"{s['gradient_slice_least_curvature_at_s']:.3g}",
        ),
        CLAIMS.attach(
            "random_plane_bowl",
            measured=s["random_plane_rising_outward"],
            note="lowest point at the trained model: "
            f"{'yes' if s['random_plane_minimum_at_centre'] else 'no'} (true of any trained point, so not the test)",
        ),
        CLAIMS.attach("barrier_between_models", measured=float(middle / corners.max())),
        CLAIMS.attach("three_models", measured="[10, 10, 10]", epochs=s["epochs"]),
    ]


def print_summary(s):
    print(
        f"target {s['target']}: training loss {s['loss']:.4g}; the three models "
        f"{', '.join(f'{v:.4g}' for v in s['model_losses'])}"
    )
    print(
        f"along the gradient: lowest at s = {s['gradient_slice_minimum_at_s']:.2f} "
        f"({100 * s['gradient_slice_minimum']:.1f}% change); convex: {s['gradient_slice_is_convex']}"
    )
    print(f"random plane: lowest point at theta itself: {s['random_plane_minimum_at_centre']}")
    print(f"plane through three models: lowest at {s['model_plane_minimum_at']}")
    print_claims(s["claims"])


def save_results(r, out, summary, args):
    save_outputs(
        out, {key: r[key] for key in ("s", "along_gradient", "axis", "random_plane", "span", "model_plane")}, summary
    )


def memory_needed(args):
    """Bytes of the parameter vectors evaluated at once: every point of the gradient slice and of a plane (P floats each, twice)."""
    sizes = [4, *cm.SLICES_HIDDEN, 2]
    P = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    return {"--points": 16 * P * args.points, "--plane-points": 16 * P * args.plane_points**2}


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("landscape_slices", __doc__)
    p.add_argument("--target", choices=sorted(cm.TARGETS), default="multiply")
    p.add_argument("--epochs", type=positive_int, default=45, help="training epochs (default 45, as the document)")
    p.add_argument("--lr", type=positive_float, default=0.01)
    p.add_argument("--points", type=int_in(3), default=201, help="points along the gradient (default 201)")
    p.add_argument("--plane-points", type=int_in(3), default=41, help="points per axis of each plane (default 41)")
    p.add_argument("--seed", type=seed, default=0, help="seed of model 1; models 2 and 3 use the next two")
    add_output_options(p, DEFAULT_OUT, "few epochs and points, for tests")
    args = parse_study_args(p, argv, {"epochs": 3, "points": 21, "plane_points": 9})
    refuse_if_too_big(p, memory_needed(args))
    say_kernels("landscape")
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
