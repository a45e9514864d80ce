"""Document 003: MLPs learning complex multiplication — the model-size table, the neuron grid, the learned function.

    python -m demos.complex_mult                    the table (150 epochs each), the grid (121 models x 30 epochs)
    python -m demos.complex_mult --skip-grid        the table and the pictures only
    python -m demos.complex_mult --target interesting     document 003's irregular target instead

Data and training as the document: 4,096 inputs from N(0, 2^2), 80:20 split, Adam lr 0.01, batch
512, MSE. The table trains hidden layers [], [10], [10, 10], [20, 30, 20] relu, [20, 30, 20] silu
for 150 epochs, and the silu model for 1000; the neuron grid trains two hidden layers of n, m in
2..12 for 30 epochs each; both go through minnet.tools.sweep (--workers, --dask). The learned function:
for a fixed first factor x, the plane of second factors y coloured by the angle (hue) and size
(brightness) of x y, true and learned, and the size of their difference; also the squaring map.
"""

import math
import os
from collections.abc import Sequence

import numpy as np

from demos.claims import (
    NN_LINEAR_INIT,
    Claims,
    band,
    beats_baseline,
    chance_q95,
    exact,
    holds,
    not_comparable,
    plausible_draw,
    print_claims,
    rank_correlation,
)
from demos.cli import (
    add_output_options,
    add_sweep_options,
    float_in,
    int_in,
    parse_study_args,
    positive_int,
    refuse_if_too_big,
    run_study,
    save_outputs,
    seed,
    study_parser,
    sweep_runner,
)
from minnet.studies import complex_mult as cm

DEFAULT_OUT = os.path.join("minnet-out", "complex_mult")
TABLE = [  # (hidden layers, activation, epochs, the document's train and test loss)
    ([], "relu", 150, None, None),
    ([10], "relu", 150, 3.1443, 3.7585),
    ([10, 10], "relu", 150, 1.6828, 2.2726),
    ([20, 30, 20], "relu", 150, 0.1662, 0.3403),
    ([20, 30, 20], "silu", 150, 0.0225, 0.1108),
    ([20, 30, 20], "silu", 1000, 0.0036, 0.0262),
]
GRID = range(2, 13)


def table_configs(args):
    """Every table row once per seed, row-major: row k, seed s is entry k * seeds + s. A seed draws the data as well
    as the weights and batches: the document's single run is one draw of each. The first seed's run records its
    loss curves (the figure and results.npz show them); the others' losses are read after training alone."""
    return [
        {
            "hidden": h,
            "activation": a,
            "epochs": min(e, args.max_epochs),
            "seed": args.seed + s,
            "data_seed": args.seed + s,
            "target": args.target,
            "curves": cm.CURVES if s == 0 else (),
        }
        for h, a, e, _, _ in TABLE
        for s in range(args.seeds)
    ]


def grid_configs(args):
    """One model per (n, m), row-major; only its test loss after training is read."""
    return [
        {
            "hidden": [n, m],
            "activation": "relu",
            "epochs": args.grid_epochs,
            "seed": args.seed,
            "target": args.target,
            "curves": (),
        }
        for n in GRID
        for m in GRID
    ]


def run(args):
    runner = sweep_runner(args)
    runs = runner(cm.train_task, table_configs(args))
    table = runs[:: args.seeds]  # the first seed's run of every row: its curves and pictures
    finals = np.array([[r["train_loss"][-1], r["test_loss"][-1]] for r in runs]).reshape(len(TABLE), args.seeds, 2)
    grid = None if args.skip_grid else runner(cm.train_task, grid_configs(args))
    pictured = cm.model(TABLE[args.picture][0], TABLE[args.picture][1])
    pictured.params = table[args.picture]["params"]
    return {
        "table": table,
        "finals": finals,  # (rows, seeds, train / test)
        "full_epochs": args.max_epochs >= max(e for _, _, e, _, _ in TABLE),
        "grid": None if grid is None else np.array([r["test_loss"][-1] for r in grid]).reshape(len(GRID), len(GRID)),
        "planes": cm.learned_planes(pictured, complex(args.x_re, args.x_im), args.extent, args.pixels),
        "squares": cm.squaring_planes(pictured, args.extent / 2, args.pixels),
        "config": {
            "data": f"4,096 inputs from N(0, 2^2), 80:20 split, target {args.target}, data seed = run seed",
            "networks": [f"MLP 4-{'-'.join(map(str, h)) + '-' if h else ''}2 {a}, {e} epochs" for h, a, e, *_ in TABLE],
            "grid": None if args.skip_grid else f"MLP 4-n-m-2 relu, n, m in 2..12, {args.grid_epochs} epochs",
            "loss": "mean squared error", "init": "pytorch", "optimizer": "Adam, lr 0.01", "batch_size": 512,
            "max_epochs": args.max_epochs, "seeds": list(range(args.seed, args.seed + args.seeds)),
        },
    }  # fmt: skip


# ----- figures --------------------------------------------------------------------------------------
def table_label(k):
    hidden, activation, epochs, _, _ = TABLE[k]
    return f"{hidden} {activation}" + (f" ({epochs} epochs)" if epochs != 150 else "")


def figure_loss_curve(results, k=3):
    import matplotlib.pyplot as plt

    r = results["table"][k]
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.semilogy(r["train_loss"], label="train")
    ax.semilogy(r["test_loss"], label="test")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE")
    ax.set_title(f"model {table_label(k)}")
    ax.legend()
    return fig


def figure_grid(grid):
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    mesh = ax.imshow(grid, origin="lower", cmap="viridis", norm=LogNorm(), extent=(1.5, 12.5, 1.5, 12.5))
    fig.colorbar(mesh, ax=ax, label="test MSE after training (log scale; dark: better)")
    n, m = np.unravel_index(np.nanargmin(grid), grid.shape)
    ax.plot(
        m + 2,
        n + 2,
        "r*",
        markersize=14,
        markeredgecolor="w",
        label=f"best: n = {n + 2}, m = {m + 2}, MSE {grid[n, m]:.3g}",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12))
    ax.set_xlabel("m: neurons in hidden layer 2")
    ax.set_ylabel("n: neurons in hidden layer 1")
    ax.set_title("two hidden layers of n and m relu units")
    return fig


def figure_planes(true, learned, extent, title):
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    scale = float(np.median(np.hypot(true[..., 0], true[..., 1])))
    fig, axes = plt.subplots(1, 3, figsize=(14.5, 5.8), constrained_layout=True)
    box = (-extent, extent, -extent, extent)
    axes[0].imshow(plots.complex_colors(true[..., 0], true[..., 1], scale), extent=box)
    axes[0].set_title("true")
    axes[1].imshow(plots.complex_colors(learned[..., 0], learned[..., 1], scale), extent=box)
    axes[1].set_title("learned")
    diff = axes[2].imshow(np.hypot(*(learned - true).transpose(2, 0, 1)), extent=box, cmap="magma")
    fig.colorbar(diff, ax=axes[2], label="|learned - true|")
    axes[2].set_title("difference")
    for ax in axes:
        ax.set_xlabel("Re")
        ax.set_ylabel("Im")
    fig.suptitle(title + "\n(hue: the angle of the output, brightness: its size)")
    return fig


def plot(results, out, args):
    from minnet.tools import plots

    x = complex(args.x_re, args.x_im)
    paths = [
        plots.save(figure_loss_curve(results), os.path.join(out, "loss_curve_20_30_20_relu.png")),
        plots.save(
            figure_planes(*results["planes"], args.extent, f"y -> x y for x = {x}, model {table_label(args.picture)}"),
            os.path.join(out, "learned_function.png"),
        ),
        plots.save(
            figure_planes(*results["squares"], args.extent / 2, f"z -> z^2, model {table_label(args.picture)}"),
            os.path.join(out, "learned_square.png"),
        ),
    ]
    if results["grid"] is not None:
        paths.append(plots.save(figure_grid(results["grid"]), os.path.join(out, "neuron_grid.png")))
    return paths


# ----- the claims ------------------------------------------------------------------------------------
def summary_of(results):
    finals = results["finals"]
    rows = [
        {
            "model": table_label(k),
            "train_loss": float(np.median(finals[k, :, 0])),
            "test_loss": float(np.median(finals[k, :, 1])),
            "train_range": [float(finals[k, :, 0].min()), float(finals[k, :, 0].max())],
            "test_range": [float(finals[k, :, 1].min()), float(finals[k, :, 1].max())],
            "document_train_loss": TABLE[k][3],
            "document_test_loss": TABLE[k][4],
        }
        for k in range(len(TABLE))
    ]
    summary = {"seeds": int(finals.shape[1]), "table": rows, "config": results["config"]}
    claims = table_claims(finals, results["full_epochs"])
    if results["grid"] is not None:
        grid = results["grid"]
        n, m = np.unravel_index(np.argmin(grid), grid.shape)
        below = np.tril_indices(len(GRID), -1)  # (n, m) with n > m: the wider layer first
        wider_first, mirrored = grid[below], grid.T[below]  # grid.T[n, m] is the (m, n) model
        sizes = np.add.outer(np.array(GRID), np.array(GRID))  # n + m hidden units
        summary["grid"] = {
            "best": [int(GRID[n]), int(GRID[m])],
            "best_test_loss": float(grid[n, m]),
            "wider_first_better_fraction": float(np.mean(wider_first < mirrored)),
            "pairs": int(wider_first.size),
            "rank_correlation_units_loss": rank_correlation(sizes.ravel(), grid.ravel()),
        }
        claims += grid_claims(summary["grid"])
    summary["claims"] = claims + [CLAIMS.attach("initialisation", measured=NN_LINEAR_INIT)]
    return summary


def coin_flips_q95(n):
    """The 95th percentile of the fraction of heads in n fair coin flips (binomial)."""
    return chance_q95([math.comb(n, k) / 2**n for k in range(n + 1)]) / n


DOCUMENT_MODEL0 = (6.2571, 7.6424)  # the document's no-hidden-layer row, which these data cannot give (table_claims)
LINEAR = (
    "a model without hidden layers is linear, and no linear map of (re_x, im_x, re_y, im_y) beats predicting 0 on "
    "their products: the MSE is at least their variance, 2 x 2^4 = 32 for N(0, 2^2) inputs. The document's value "
    "would need inputs of std 1.33, but its other rows match std 2, so this row is not what it says"
)


# Model 4 at the defaults: the candidate causes tried and measured (150 epochs; medians [range] over seeds).
UNSTATED = (
    "Tried (the document leaves each unstated): minnet's defaults 0.046 [0.022-0.094] (10 seeds); no shuffling 0.043, "
    "the last partial batch dropped 0.044, the loss summed 0.053, Glorot 0.055 (3 seeds each); gradients never zeroed: "
    "nothing trains. He initialisation gives 0.122 (6 seeds) but breaks three other numbers of the document: model 4's "
    f"train loss (0.046 against {TABLE[4][3]}), model 4 at 30 epochs (0.54-0.80 against 0.3435) and the "
    "initialisation study's epoch-0 losses (highest 49-62 against 38)"
)
CAUSES = {
    "model4_test_loss": "The document's model-4 train loss is inside minnet's (0.012-0.030); the test/train gap is not "
    "(document 4.9, minnet 1.8 [1.25-7.3]). One trained model's test loss varies 2.3-3.5 times (5-95%) with the draw "
    f"of its 820 test points alone: over 5 models x 2,000 fresh test sets, P(>= {TABLE[4][4]}) = 1.4%: a tail draw. "
    + UNSTATED,
    "silu_third_of_relu": f"The document's model 3 ({TABLE[3][4]}) is inside minnet's (0.271 [0.212-0.416], 10 "
    "seeds): the ratio differs through model 4 alone (see model4_test_loss). Per-seed ratio medians: no shuffling "
    "5.71, last batch dropped 7.39, loss summed 4.84, Glorot 4.77 (3 seeds each); only He initialisation reaches it "
    "(2.60, 6 seeds). On shared fresh test sets a ratio <= 3.07 has probability 0.9%",
}
PARTS = (("train", 0), ("test", 1))  # the table's two losses, by column


# ----- the claims table: every claim of document 003's table and neuron grid, declared once -------------------
CLAIMS = Claims("complex_mult", "003")
for k, (_, _, epochs, *_) in enumerate(TABLE):  # the document's single run, against minnet's seeds
    for part, column in PARTS:
        CLAIMS.declare(
            f"model{k}_{part}_loss",
            where="model-size table",
            quote="the train and test losses I obtained after 150 epochs"
            if epochs == 150
            else "the last model, after its 1000 epochs",
            claim=f"model {k}, {table_label(k)}: {part} MSE after training (median of seeds)",
            unit="MSE",
            document_value=DOCUMENT_MODEL0[column] if k == 0 else TABLE[k][3 + column],
            rule="plausible_draw",
            note=LINEAR if k == 0 else CAUSES.get(f"model{k}_{part}_loss"),
        )
CLAIMS.declare(
    "train_below_test",
    where="model-size table",
    quote="In all cases, train loss was lower than test loss",
    claim="models 1-5 whose median train MSE is below their median test MSE",
    unit="models",
    document_value=len(TABLE) - 1,
    rule=exact(),
)
CLAIMS.declare(
    "larger_is_better",
    where="model-size table",
    quote="Unsurprisingly, larger models performed better than smaller ones",
    claim="median test MSE falls from model 1 to 2 to 3 (relu, growing)",
    unit="",
    document_value=True,
    rule=holds("test(model 1) > test(model 2) > test(model 3)"),
)
CLAIMS.declare(
    "silu_third_of_relu",
    where="Mandelbrot section",
    quote="reducing test loss roughly to a third for otherwise same training conditions",
    claim="test MSE of model 3 (relu) / model 4 (silu), per seed (median shown)",
    unit="ratio",
    document_value=TABLE[3][4] / TABLE[4][4],
    rule="plausible_draw",
    note=CAUSES["silu_third_of_relu"],
)
CLAIMS.declare(
    "grid_more_is_better",
    where="neuron grid",
    quote="it's clear that indeed more is better",
    claim=f"rank correlation between n + m hidden units and the test MSE over the {len(GRID) ** 2} models",
    unit="",
    rule=band(None, -0.5),
    note="'clear': at most -0.5",
)
CLAIMS.declare(
    "grid_wider_first",
    where="neuron grid",
    quote='there\'s a small effect of "first layer being larger" indeed being the better choice',
    claim="fraction of the (n, m) pairs, n > m, where (n, m) has a lower test MSE than (m, n)",
    unit="fraction",
    rule="beats_baseline",
)
CLAIMS.pytorch_init([key for key in CLAIMS.declared])


def table_claims(finals, full_epochs):
    """The document's table, row by row: its single run is "reproduced" when it is a plausible draw from
    minnet's seeds (inside their 5-95% interval); then what the document says of the whole table."""
    short = not_comparable("shortened training (--quick / --max-epochs)")
    judged = lambda rule=None: rule if full_epochs else short  # noqa: E731
    rows = [
        CLAIMS.attach(
            f"model{k}_{part}_loss",
            measured=float(np.median(finals[k, :, column])),
            rule=judged(plausible_draw(finals[k, :, column])),
        )
        for k in range(len(TABLE))
        for part, column in PARTS
    ]
    train, test = np.median(finals[1:, :, 0], axis=1), np.median(finals[1:, :, 1], axis=1)
    ratios = finals[3, :, 1] / finals[4, :, 1]
    rows += [
        CLAIMS.attach(
            "train_below_test",
            measured=int(np.sum(train < test)),
            rule=judged(),
            note="train / test: " + ", ".join(f"{a:.3g} / {b:.3g}" for a, b in zip(train, test)),
        ),
        CLAIMS.attach("larger_is_better", measured=bool(test[0] > test[1] > test[2]), rule=judged()),
        CLAIMS.attach("silu_third_of_relu", measured=float(np.median(ratios)), rule=judged(plausible_draw(ratios))),
    ]
    return rows


def grid_claims(g):
    """The neuron grid (one model per (n, m), 30 epochs): more is better, and the wider first layer a little."""
    chance = coin_flips_q95(g["pairs"])
    return [
        CLAIMS.attach("grid_more_is_better", measured=g["rank_correlation_units_loss"]),
        CLAIMS.attach(
            "grid_wider_first",
            measured=g["wider_first_better_fraction"],
            rule=beats_baseline(chance, f"95th percentile of {g['pairs']} coin flips"),
            note=f"{round(g['wider_first_better_fraction'] * g['pairs'])} of "
            f"{g['pairs']} pairs; 'a small effect': coin flips reach {chance:.3g} one time in 20",
        ),
    ]


def print_summary(summary):
    print(
        f"{'model':<34}{'train':>10}{'test':>10}{'document train':>16}{'document test':>15}   (median of "
        f"{summary['seeds']} seeds)"
    )
    for r in summary["table"]:
        doc = lambda v: "" if v is None else f"{v:.4f}"  # noqa: E731
        print(
            f"{r['model']:<34}{r['train_loss']:>10.4f}{r['test_loss']:>10.4f}{doc(r['document_train_loss']):>16}{doc(r['document_test_loss']):>15}"
        )
    if "grid" in summary:
        g = summary["grid"]
        print(
            f"\nneuron grid: lowest test loss {g['best_test_loss']:.4f} at n, m = {g['best']}; "
            f"(n, m) with n > m beats (m, n) in {100 * g['wider_first_better_fraction']:.0f}% of the pairs"
        )
    print_claims(summary["claims"])


def save_results(results, out, summary, args):
    arrays = {f"table/{k}/{key}": r[key] for k, r in enumerate(results["table"]) for key in ("train_loss", "test_loss")}
    if results["grid"] is not None:
        arrays["grid_test_loss"] = results["grid"]
    save_outputs(out, arrays, summary)


def memory_needed(args):
    """Bytes of the largest arrays: each picture's inputs, outputs and the widest model's activations
    (4 + 2 + 2 + 20 + 30 + 20 floats a pixel, two pictures), and every table run's loss curves."""
    pictures = 8 * 2 * args.pixels**2 * (4 + 2 + 2 + 20 + 30 + 20)
    curves = 8 * 2 * len(TABLE) * args.seeds * min(args.max_epochs, 1000)
    return {"--pixels": pictures, "--seeds": curves}


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("complex_mult", __doc__)
    p.add_argument(
        "--target", choices=sorted(cm.TARGETS), default="multiply", help="what the networks learn (default multiply)"
    )
    p.add_argument("--skip-grid", action="store_true", help="leave out the 121-model neuron grid")
    p.add_argument("--grid-epochs", type=positive_int, default=30, help="epochs of each grid model (default 30)")
    p.add_argument(
        "--max-epochs", type=positive_int, default=1000, help="cap on the table's epochs (default 1000: none)"
    )
    p.add_argument(
        "--picture",
        type=int_in(0, len(TABLE) - 1),
        default=4,
        help="table row drawn in the pictures (default 4: [20, 30, 20] silu)",
    )
    p.add_argument(
        "--x-re", type=float_in(-1000, 1000), default=1.0, help="the fixed first factor's real part (default 1)"
    )
    p.add_argument("--x-im", type=float_in(-1000, 1000), default=1.0, help="... and imaginary part (default 1)")
    p.add_argument(
        "--extent",
        type=float_in(0, 1000, open_lo=True),
        default=4.0,
        help="the second factor's plane spans [-extent, extent]^2 (default 4)",
    )
    p.add_argument("--pixels", type=int_in(2), default=200, help="pixels per side of the pictures (default 200)")
    p.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="first seed: table row seed s draws its data, weights and batches from seed + s; the neuron grid uses seed for its weights and data seed 0",
    )
    p.add_argument(
        "--seeds",
        type=positive_int,
        default=10,
        help="runs of every table row, seeds seed .. seed+seeds-1; the table shows their median, the claims their "
        "5-95%% interval (default 10)",
    )
    add_sweep_options(p)
    add_output_options(p, DEFAULT_OUT, "few epochs, small pictures, for tests")
    args = parse_study_args(p, argv, {"max_epochs": 3, "grid_epochs": 1, "pixels": 40, "seeds": 2})
    refuse_if_too_big(p, memory_needed(args))
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
