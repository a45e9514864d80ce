"""Document 002: SGD, RMSprop, Adam and AdamW racing on the loss landscape of two weights.

    python -m demos.optimizer_paths                              untrained relu network (figure 3)
    python -m demos.optimizer_paths --trained                    after 1000 epochs of Adam (figures 4-6)
    python -m demos.optimizer_paths --activation sigmoid --batch-size 4 --points-per batch
    python -m demos.optimizer_paths --weights 1 5 --start 2 -1 --start -2 2 --log-color --animate

The data (section 3.1): 1000 points on an evenly spaced 10x10x10 grid of [-2, 2]^3 with
y = x1 x2 - x3^2 - x2 + 0.1 N(0, 1). The network (section 3.2): 3 inputs, three hidden layers of 3,
one output, MSE (equation 2). Two of the nine weights between the first and second hidden layer
(W_2) are studied: the loss over a grid of their values with every other parameter frozen
(full-data MSE, section 5), and the paths of the four optimizers (section 4's formulas and
defaults, alpha = 0.1) training only those two weights. Unless --weights names them, the two
weights are the first pair, in a seeded random order, whose landscape has a distinct lowest point
inside the grid (a landscape that falls past the frame shows no minimum to find). The document's
optimizers are "arbitrarily initialized": unless --start names starting points, the four race from
each of --count-starts random starts where both weights are alive (neither on a dead relu plateau),
the table counts how many reach the minimum from each, and the figure shows a start with the most
common count.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, exact, not_comparable, print_claims
from demos.cli import (
    add_output_options,
    float_in,
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
from minnet.studies import optimizer_paths as op
from minnet.studies.optimizer_paths import AT_MINIMUM, NAMES, PRETRAIN, flat_fraction, found_minimum

DEFAULT_OUT = os.path.join("minnet-out", "optimizer_paths")
COLORS = {"sgd": "tab:red", "rmsprop": "tab:green", "adam": "tab:blue", "adamw": "tab:purple"}
QUICK_PRETRAIN_EPOCHS = 50  # --quick --trained: Adam's pre-training shortened to this


def run(args):
    """The landscape and the races (minnet.studies.optimizer_paths) and, in the document's setting, the two
    sigmoid networks the document compares with and the trained relu network's landscapes' scales."""
    options = {"seed": args.seed, "count_starts": args.count_starts, "lr": args.lr, "epochs": args.epochs,
               "batch_size": args.batch_size, "points_per": args.points_per, "grid": args.grid,
               "half_width": args.half_width, "tolerance": args.tolerance, "progress": not args.quiet,
               "pretrain_epochs": QUICK_PRETRAIN_EPOCHS if args.quick else PRETRAIN["epochs"]}  # fmt: skip
    results = op.landscape_and_races(args.activation, args.trained, args.weights, args.start, **options)
    document = op.document_setting(args.activation, args.trained, args.weights, args.start)
    companions = op.sigmoid_companions(**options) if document else {}
    scales = {"untrained relu": [op.scale_ratio(e["grid"]) for e in results["extra"]],
              "trained relu": op.trained_relu_scales(args.seed, args.grid, args.half_width,
                                                     options["pretrain_epochs"], options["progress"])} if document else None  # fmt: skip
    return {**results, "config": config_of(args, results), "companions": companions, "scales": scales}


def config_of(args, results):
    """The run's full configuration, as summary.json records it."""
    return {
        "data": f"document 002's cubic, {results['X'].shape[0]:,} points, seed {args.seed}",
        "network": "MLP 3-3-3-3-1",
        "activation": args.activation,
        "loss": "mean squared error",
        "init": "minnet's default for the activation, seed " + str(args.seed),
        "pretraining": f"Adam on the whole network, {PRETRAIN}" if args.trained else None,
        "weights": [int(k) for k in results["weights"]],
        "optimizers": {name: f"lr {args.lr}" for name in NAMES.values()},
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "grid": args.grid,
        "half_width": args.half_width,
    }


# ----- figures ------------------------------------------------------------------------------------
def heatmap(ax, a, b, grid, log_color, label_weights, limits=None, colorbar=True):
    """The loss over the grid: colours (between `limits`, default the grid's own range), contour lines,
    axes in weight values; returns the colour mesh."""
    from matplotlib.colors import LogNorm, Normalize

    finite = np.where(np.isfinite(grid), grid, np.nan)
    low, high = limits if limits is not None else (np.nanmin(finite), np.nanmax(finite))
    mesh = ax.pcolormesh(
        a, b, finite.T, shading="auto", cmap="viridis", norm=LogNorm(low, high) if log_color else Normalize(low, high)
    )
    levels = np.geomspace(low, high, 12) if log_color else np.linspace(low, high, 12)
    ax.contour(a, b, finite.T, levels=levels, colors="white", linewidths=0.5, alpha=0.7)
    ax.set_xlabel(f"weight {label_weights[0]} of $W_2$")
    ax.set_ylabel(f"weight {label_weights[1]} of $W_2$")
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="MSE (all 1000 points)")
    return mesh


def figure_landscape(results, args, with_paths):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.5, 8.5), constrained_layout=True)
    heatmap(ax, results["a_values"], results["b_values"], results["grid"], args.log_color, results["weights"])
    ax.plot(
        *results["grid_min"],
        "*",
        color="gold",
        markersize=16,
        markeredgecolor="k",
        label=f"grid minimum {results['grid_min_loss']:.4g}",
        clip_on=False,
        zorder=5,
    )
    ax.plot(*results["current"], "o", color="w", markeredgecolor="k", label="the network's weights")
    if with_paths:
        for (s, name), r in results["paths"].items():
            ax.plot(
                r["path"][:, 0],
                r["path"][:, 1],
                ".-",
                color=COLORS[name],
                markersize=3,
                linewidth=1,
                label=NAMES[name] if s == 0 else None,
            )
            ax.plot(*r["path"][-1], "X", color=COLORS[name], markeredgecolor="k", markersize=9)
        for k, start in enumerate(results["starts"]):
            ax.plot(*start, "s", color="w", markeredgecolor="k", markersize=8, label="start" if k == 0 else None)
        ax.plot([], [], "X", color="0.6", markeredgecolor="k", markersize=9, label="where each optimizer ends")
    ax.set_xlim(results["a_values"][[0, -1]])
    ax.set_ylim(results["b_values"][[0, -1]])
    state = "trained" if args.trained else "untrained"
    batch = "full batch" if args.batch_size is None else f"batch size {args.batch_size}"
    ax.set_title(
        f"{state} {args.activation} network; "
        + (f"{batch}, one point per {args.points_per}" if with_paths else "loss landscape")
    )
    # below the axes: nothing on the landscape is hidden
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    return fig


def figure_extra(results, args):
    """Document 002's figure 5: other pairs of W_2 entries of the same network, on one colour scale."""
    import matplotlib.pyplot as plt

    grids = [other["grid"] for other in results["extra"]]
    limits = (min(np.nanmin(g[np.isfinite(g)]) for g in grids), max(np.nanmax(g[np.isfinite(g)]) for g in grids))
    fig, axes = plt.subplots(2, 2, figsize=(14, 11), constrained_layout=True)
    for ax, other in zip(axes.flat, results["extra"]):
        mesh = heatmap(
            ax,
            other["a_values"],
            other["b_values"],
            other["grid"],
            args.log_color,
            other["weights"],
            limits,
            colorbar=False,
        )
        ia, ib = np.unravel_index(np.nanargmin(other["grid"]), other["grid"].shape)
        edge = ia in (0, other["grid"].shape[0] - 1) or ib in (0, other["grid"].shape[1] - 1)
        # whole on the edge too
        ax.plot(
            other["a_values"][ia],
            other["b_values"][ib],
            "*",
            color="gold",
            markersize=14,
            markeredgecolor="k",
            clip_on=False,
        )
        ax.set_title(
            f"weights {other['weights'][0]} and {other['weights'][1]}: lowest MSE {other['grid'][ia, ib]:.4g}"
            + (" (on the edge)" if edge else "")
        )
    fig.colorbar(mesh, ax=axes, label="MSE (all 1000 points), one scale for the four panels", shrink=0.8)
    fig.suptitle("other pairs of weights of the same network (star: the lowest point of each grid)")
    return fig


def figure_losses(results, args):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 6), constrained_layout=True)
    per_epoch = (
        1 if args.points_per == "epoch" else (1 if args.batch_size is None else int(np.ceil(1000 / args.batch_size)))
    )
    for (s, name), r in results["paths"].items():
        ax.plot(
            np.arange(len(r["loss"])) / per_epoch, r["loss"], color=COLORS[name], label=NAMES[name] if s == 0 else None
        )
    ax.axhline(results["grid_min_loss"], color="k", linestyle=":", label=f"grid minimum {results['grid_min_loss']:.4g}")
    losses = np.concatenate([r["loss"] for r in results["paths"].values()] + [[results["grid_min_loss"]]])
    spans_decades = np.nanmax(losses) > 10 * np.nanmin(losses)
    ax.set(
        xlabel="epoch",
        ylabel="MSE (all 1000 points)" + (", log scale" if spans_decades else ""),
        yscale="log" if spans_decades else "linear",
        title="the loss along each optimizer's path",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    paths = [
        plots.save(figure_landscape(results, args, with_paths=False), os.path.join(out, "landscape.png")),
        plots.save(figure_landscape(results, args, with_paths=True), os.path.join(out, "paths.png")),
        plots.save(figure_extra(results, args), os.path.join(out, "other_landscapes.png")),
        plots.save(figure_losses(results, args), os.path.join(out, "losses.png")),
    ]
    if args.animate:
        paths.append(animate(results, out, args, 10 if args.quick else 80))
    return paths


def animate(results, out, args, frames):
    """The four paths advancing together over the landscape, as a GIF."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    fig, ax = plt.subplots(figsize=(8, 6.5))
    heatmap(ax, results["a_values"], results["b_values"], results["grid"], args.log_color, results["weights"])
    lines = {
        key: ax.plot([], [], ".-", color=COLORS[key[1]], markersize=3, label=NAMES[key[1]] if key[0] == 0 else None)[0]
        for key in results["paths"]
    }
    ax.legend(loc="upper right")
    longest = max(len(r["path"]) for r in results["paths"].values())
    points = np.unique(np.linspace(1, longest, frames).astype(int))

    def draw(t):
        for key, line in lines.items():
            line.set_data(*results["paths"][key]["path"][:t].T)
        ax.set_title(f"point {t} of {longest}")

    path = os.path.join(out, "paths.gif")
    plots.save_animation(fig, draw, points, path, fps=10, progress=not args.quiet)
    return path


# ----- the command line -----------------------------------------------------------------------------
PLATEAU = 0.05  # "the large flat patch": at least 5% of the grid
DOCUMENT_MINIMUM = 7.695  # section 5.1: "the minimum for these two weights has an MSE of 7.695"


def summary_of(results):
    summary = {
        "setting": results["setting"],
        "config": results["config"],
        "companions": results["companions"],
        "weights_of_W2": results["weights"],
        "param_indices": [int(p) for p in results["param_indices"]],
        "network_loss": float(results["net_loss"]),
        "grid_min_loss": results["grid_min_loss"],
        "grid_min_at": results["grid_min"].tolist(),
        "grid_min_on_edge": bool(
            np.any(
                np.isin(
                    np.unravel_index(np.argmin(results["grid"]), results["grid"].shape),
                    [0, results["grid"].shape[0] - 1],
                )
            )
        ),
        "tolerance": float(results["tolerance"]),
        "variance_of_y": results["variance_of_y"],
        "scale_ratios": results["scales"],
        "flat_fraction": flat_fraction(results["grid"]),
        "optimizers": [
            {
                "optimizer": NAMES[name],
                "start": results["starts"][s].tolist(),
                "final_position": r["path"][-1].tolist(),
                "final_loss": float(r["loss"][-1]),
                "distance_to_grid_min": float(np.linalg.norm(r["path"][-1] - results["grid_min"])),
                "epoch_within_tolerance": r["epoch_within_tolerance"],
                "diverged_at": r["diverged_at"],
            }
            for (s, name), r in results["paths"].items()
        ],
        "arbitrary_starts": [
            {
                "start": start.tolist(),
                "final_losses": dict(zip(NAMES.values(), finals.tolist())),
                "reached": [
                    NAMES[name] for name, found in zip(NAMES, found_minimum(finals, results["grid_min_loss"])) if found
                ],
                "shown": k in results["shown"],
            }
            for k, (start, finals) in enumerate(zip(results["tried_starts"], results["tried_finals"]))
        ],
    }
    summary["claims"] = claims(summary)
    return summary


# ----- the claims table: every claim of document 002 this study tests, declared once ----------------------
DEFAULT_STARTS = 8  # --count-starts: random starts of each race
COMMON = 0.1  # an outcome at least one random start in ten gives is a common one, not a rare draw
VARYING = 10  # "varying scales": the loss rises at least ten times more along one weight than along the other
CLAIMS = Claims("optimizer_paths", "002")
CLAIMS.declare(
    "untrained_relu",
    where="section 5.1, figure 3b",
    quote="",
    claim="the untrained relu network's landscape",
    unit="",
    rule=not_comparable("this run is the {setting} network; the document's numbers are for the untrained relu one"),
)
CLAIMS.declare(
    "untrained_relu_minimum",
    where="section 5.1, figure 3b",
    quote="the minimum for these two weights has an MSE of 7.695",
    claim="the lowest MSE over the two weights' grid",
    unit="MSE",
    document_value=DOCUMENT_MINIMUM,
    rule=not_comparable(
        "any untrained network's two-weight minimum lies between var(y) = {variance_of_y:.3g} and its own loss "
        "({network_loss:.4g}); the document's other weights are not known"
    ),
)
CLAIMS.declare(
    "untrained_relu_optimizers_at_minimum",
    where="section 5.1, figure 3b",
    quote="we note that 3 out of 4 optimizers find the global minima",
    claim=f"the document's outcome (3 of the 4 optimizers end within {AT_MINIMUM:.0%} of the lowest loss, from its one "
    "start) is a common one: the share of {starts} random alive starts that give it",
    unit="share",
    rule=band(COMMON, 1.0),
)
CLAIMS.declare(
    "relu_plateau",
    where="section 5.1, figure 3a",
    quote="the gradient will forever be 0 if the weight becomes too negative ... This results in the large flat patch",
    claim="fraction of the two-weight grid where the loss does not change to either neighbour",
    unit="fraction",
    rule=band(PLATEAU, None),
)
CLAIMS.declare(
    "adamw_close",
    where="section 6",
    quote="AdamW gets close to the identified minima in 9 out of the 10 cases",
    claim=f"starts (of the ones tried) from which AdamW ends within {AT_MINIMUM:.0%} of the lowest loss",
    unit="starts",
    document_value=9,
    rule=not_comparable(
        "the document's ten cases are ten landscapes (networks, weight pairs, batch sizes); these are starts on one "
        "landscape"
    ),
)
CLAIMS.declare(
    "trained_relu_varying_scales",
    where="section 5.1, figure 5",
    quote="Many weights have convex or near-convex "
    "landscapes, but notice the scales in the figure ... Optimization in landscapes with varying scales is "
    "difficult",
    claim=f"trained relu network, {op.EXTRA_PAIRS} pairs of W_2: how many rise at least {VARYING} times more along one "
    "weight than along the other, from the lowest point to the grid's edge",
    unit="pairs",
    rule=band(op.EXTRA_PAIRS // 2 + 1, None),  # 'many': more than half
)
CLAIMS.declare(
    "sgd_slowest",
    where="section 5.2, figure 7",
    quote="SGD is the slowest since its propagation is proportional to the small gradients",
    claim="untrained sigmoid network: the slowest optimizer (highest mean loss over the race)",
    unit="",
    document_value="SGD",
    rule=exact(),
)
CLAIMS.declare(
    "speed_order",
    where="section 5.2, figure 7",
    quote="RMSprop is quickly accelerated ... the adams are slightly held "
    "back by the bias correction. AdamW is even slower ... SGD is the slowest",
    claim="untrained sigmoid network: the optimizers from fastest to slowest",
    unit="",
    document_value="RMSprop < Adam < AdamW < SGD",
    rule=exact(),
)
CLAIMS.declare(
    "trained_sigmoid_all_succeed",
    where="section 5.2, figure 8",
    quote="near-optimum minimization of the two weights can easily be done by all of the studied optimizers",
    claim=f"trained sigmoid network: optimizers (of 4) ending within {AT_MINIMUM:.0%} of the lowest loss, most common "
    "count over {starts} starts",
    unit="optimizers",
    document_value=4,
    rule=exact(),
)
CLAIMS.declare(
    "adams_calmer",
    where="section 5.2, figure 9a",
    quote="the momentum terms from the Adam optimizers make the process "
    '"calmer" ... They are not bumped around by the gradient noise in the same way SGD and RMSprop are',
    claim="trained sigmoid network, batch 1, {starts} starts: starts where both Adams' paths are less rough (length "
    "over displacement, second half) than SGD's and RMSprop's",
    unit="starts",
    rule=band(DEFAULT_STARTS, DEFAULT_STARTS),  # every start; a run with --count-starts attaches its own number
)


def claims(s):
    """Section 5.1 (figure 3b) and the speed of figure 8 on the untrained relu network's two weights; the
    most common count of optimizers at the minimum over the starts tried, every start's count in the note."""
    counts = [len(a["reached"]) for a in s["arbitrary_starts"]]
    at_minimum = int(np.bincount(counts).argmax())  # the most common count
    if s["setting"] != "untrained relu":
        return [CLAIMS.attach("untrained_relu", setting=s["setting"])]
    missed = sorted({name for a in s["arbitrary_starts"] if len(a["reached"]) == 3 for name in NAMES.values()
                     if name not in a["reached"]})  # fmt: skip
    adamw = sum("AdamW" in a["reached"] for a in s["arbitrary_starts"])
    rows = [
        CLAIMS.attach(
            "untrained_relu_minimum",
            measured=s["grid_min_loss"],
            variance_of_y=s["variance_of_y"],
            network_loss=s["network_loss"],
        ),
        CLAIMS.attach(
            "untrained_relu_optimizers_at_minimum",
            measured=counts.count(3) / len(counts),
            note=f"counts {', '.join(map(str, counts))} (most common: {at_minimum})"
            + (f"; {' or '.join(missed)} is the one missing" if missed else "")
            + "; a path that enters the dead relu plateau stops there. The document shows one start; its "
            "author 'has done his best to choose representative figures' (section 6)",
            starts=len(counts),
        ),
        CLAIMS.attach(
            "relu_plateau",
            measured=s["flat_fraction"],
            note=f"'large': at least {PLATEAU:.0%} of the grid; "
            f"{counts.count(0)} of {len(counts)} starts end on it with no optimizer at the minimum",
        ),
        CLAIMS.attach("adamw_close", measured=adamw, note=f"{adamw} of {len(counts)}"),
    ]
    if not s["companions"]:
        return rows
    return (
        rows
        + scales_rows(s["scale_ratios"])
        + sigmoid_rows(s["companions"])
        + calm_rows(s["companions"]["trained sigmoid"]["roughness_batch_1"])
    )


def calm_rows(rough):
    """Figure 9a: with batch 1 the Adams' momentum keeps their paths calmer than SGD's and RMSprop's."""
    starts = len(rough["SGD"])
    calmer = sum(max(rough["Adam"][k], rough["AdamW"][k]) < min(rough["SGD"][k], rough["RMSprop"][k])
                 for k in range(starts))  # fmt: skip
    note = "; ".join(f"{name} " + ", ".join(f"{v:.0f}" for v in values) for name, values in rough.items())
    return [CLAIMS.attach("adams_calmer", measured=calmer, rule=band(starts, starts), note=note, starts=starts)]


def scales_rows(ratios):
    """Figure 5: the trained relu network's landscapes rise at very different rates along their two weights."""
    trained, untrained = ratios["trained relu"], ratios["untrained relu"]
    shown = lambda values: ", ".join(f"{v:.3g}" for v in values)  # noqa: E731
    return [
        CLAIMS.attach(
            "trained_relu_varying_scales",
            measured=sum(r >= VARYING for r in trained),
            note=f"'many': more than half; ratios "
            f"{shown(trained)} (inf: one weight changes nothing, figure 5a's 'weight 2'); the untrained relu "
            f"network's, a baseline: {shown(untrained)} ({sum(r >= VARYING for r in untrained)} of {len(untrained)})",
        ),
    ]


def sigmoid_rows(companions):
    """Figure 7's speed order on the untrained sigmoid network, figure 8's four successes on the trained one."""
    excess = companions["untrained sigmoid"]["mean_loss"]
    order = sorted(excess, key=excess.get)
    trained = companions["trained sigmoid"]["counts"]
    speed = "mean loss over the race (lower: faster): " + ", ".join(f"{n} {excess[n]:.3g}" for n in order)
    return [
        CLAIMS.attach("sgd_slowest", measured=order[-1], note=speed),
        CLAIMS.attach("speed_order", measured=" < ".join(order), note=speed),
        CLAIMS.attach(
            "trained_sigmoid_all_succeed",
            measured=int(np.bincount(trained).argmax()),
            note=f"counts {', '.join(map(str, trained))}; not at the minimum from some start: "
            f"{', '.join(companions['trained sigmoid']['missed']) or 'none'}; final loss over the lowest, minus 1 "
            "(median over the starts): "
            + ", ".join(f"{n} {v:.2%}" for n, v in companions["trained sigmoid"]["excess"].items())
            + f". 'Near-optimum' is the document's word; minnet's 'at the minimum' is within {AT_MINIMUM:.0%}",
            starts=len(trained),
        ),
    ]


def print_summary(summary):
    print(
        f"weights {summary['weights_of_W2']} of W_2 (parameters {summary['param_indices']}); network loss "
        f"{summary['network_loss']:.4g}"
    )
    at = ", ".join(f"{v:.3f}" for v in summary["grid_min_at"])
    print(f"grid minimum: {summary['grid_min_loss']:.4g} at ({at})")
    if summary["grid_min_on_edge"]:
        print(
            "note: the grid minimum lies on the grid's edge; the landscape goes on falling outside it (widen "
            "--half-width)"
        )
    print()
    print(
        f"{'optimizer':<10}{'start':>18}{'final position':>20}{'final loss':>12}{'to minimum':>12}{'within ' + format(summary['tolerance'], '.2g'):>12}"
    )
    for o in summary["optimizers"]:
        start = "({:.2f}, {:.2f})".format(*o["start"])
        final = "({:.3f}, {:.3f})".format(*o["final_position"])
        reached = "never" if o["epoch_within_tolerance"] is None else f"epoch {o['epoch_within_tolerance']:g}"
        print(
            f"{o['optimizer']:<10}{start:>18}{final:>20}{o['final_loss']:>12.4g}{o['distance_to_grid_min']:>12.3g}{reached:>12}"
        )
    print_claims(summary["claims"])


def save_results(results, out, summary, args):
    arrays = {"a_values": results["a_values"], "b_values": results["b_values"], "grid": results["grid"]}
    for (s, name), r in results["paths"].items():
        arrays[f"start{s}/{name}/path"] = r["path"]
        arrays[f"start{s}/{name}/loss"] = r["loss"]
    save_outputs(out, arrays, summary)


def batch_size(text):
    """--batch-size: 'full', or an integer in 1..1000 (the data set's size)."""
    return None if text == "full" else int_in(1, 1000)(text)


N_PARAMS = 3 * (3 + 1) * 3 + (3 + 1) * 1  # the [3, 3, 3, 3, 1] network's weights and biases: 40


def parser():
    p = study_parser("optimizer_paths", __doc__)
    p.add_argument(
        "--activation",
        choices=["relu", "sigmoid", "tanh"],
        default="relu",
        help="hidden activation (default relu, section 5.1)",
    )
    p.add_argument(
        "--trained",
        action="store_true",
        help="first train the whole network with Adam (lr 0.01, batch 64, 1000 epochs)",
    )
    p.add_argument(
        "--weights",
        type=int_in(0, 8),
        nargs=2,
        metavar=("I", "J"),
        help="two entries (0-8, row-major) of W_2; default: chosen with the seed",
    )
    p.add_argument(
        "--start",
        type=float_in(-1000, 1000),
        nargs=2,
        action="append",
        metavar=("A", "B"),
        help="a starting point; repeat for several (default: --count-starts random ones)",
    )
    p.add_argument(
        "--count-starts",
        type=positive_int,
        default=DEFAULT_STARTS,
        help="random starts from which the optimizers that reach the minimum are counted; the figure shows one with the most common count (default 8)",
    )
    p.add_argument("--lr", type=positive_float, default=0.1, help="alpha for every optimizer (default 0.1, section 5)")
    p.add_argument("--epochs", type=positive_int, default=100, help="epochs of each optimizer (default 100)")
    p.add_argument("--batch-size", type=batch_size, default=64, help="mini-batch size, or 'full' (default 64)")
    p.add_argument(
        "--points-per", choices=["epoch", "batch"], default="epoch", help="one path point per epoch or per batch"
    )
    p.add_argument("--grid", type=int_in(3), default=201, help="grid points per axis (default 201)")
    p.add_argument(
        "--half-width",
        type=float_in(0, 1000, open_lo=True),
        default=3.0,
        help="the grid spans the current weights +- this (default 3)",
    )
    p.add_argument(
        "--tolerance",
        type=positive_float,
        help="distance that counts as reaching the grid minimum (default 2 grid steps)",
    )
    p.add_argument("--log-color", action="store_true", help="logarithmic colour scale")
    p.add_argument("--animate", action="store_true", help="write paths.gif")
    p.add_argument(
        "--seed", type=seed, default=0, help="seed of the data noise, the weights and the choices (default 0)"
    )
    add_output_options(p, DEFAULT_OUT, "small grid, few epochs, for tests")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = parse_study_args(p, argv, {"grid": 41, "epochs": 10, "count_starts": 2})
    if args.weights and len(set(args.weights)) != 2:
        p.error(f"argument --weights: needs two different entries of W_2, got {args.weights}")
    # the grid's losses and, per point, the network's parameters and activations (five grids)
    grid_bytes = 5 * 8 * args.grid**2 * (N_PARAMS + 16)
    refuse_if_too_big(p, {"--grid": grid_bytes})
    say_kernels("landscape")
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
