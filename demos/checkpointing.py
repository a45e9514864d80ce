"""Document 004: vanilla, memory-poor and checkpointed backpropagation, counted.

    python -m demos.checkpointing [--depths 4 8 16 32 64] [--width 32] [--batch 256] [--k K]

For MLPs of L layers (all of width --width, tanh), runs the three strategies of minnet.studies.checkpoint
on one batch, checks that their gradients are bit-identical, and prints what the instrumented code
counted: the peak number of activation floats held for the backward pass (also in units of one
layer's (z, a) pair) and the number of layer forward evaluations, next to the lecture's formulas
(vanilla: L layers held, L evaluations; memory-poor: O(1) and L + L(L-1)/2; checkpointed every
k = sqrt(L): O(sqrt L) and about 2L), and the wall time of each.
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, holds, not_comparable, print_claims, relative
from demos.cli import (
    add_output_options,
    parse_study_args,
    positive_int,
    refuse_if_too_big,
    run_study,
    save_outputs,
    seed,
    study_parser,
)
from minnet.studies.checkpoint import STRATEGIES, measure

DEFAULT_OUT = os.path.join("minnet-out", "checkpointing")


def run(args):
    setting = {"width": args.width, "batch": args.batch, "seed": args.seed, "repeats": args.repeats}
    return [{**measure(L, args.width, args.batch, args.k, args.repeats, args.seed), **setting} for L in args.depths]


def plot(results, out, args):
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    depths = [r["L"] for r in results]
    fig, axes = plt.subplots(1, 3, figsize=(15, 6), constrained_layout=True)
    for strategy, color in zip(STRATEGIES, ("tab:blue", "tab:red", "tab:green")):
        axes[0].plot(depths, [r["rows"][strategy]["peak_layers"] for r in results], "o-", color=color, label=strategy)
        axes[1].plot(depths, [r["rows"][strategy]["evaluations"] for r in results], "o-", color=color, label=strategy)
        axes[2].plot(depths, [r["rows"][strategy]["seconds"] for r in results], "o-", color=color, label=strategy)
    axes[0].plot(depths, 2 * np.sqrt(depths), "k:", label=r"$2\sqrt{L}$")
    axes[1].plot(depths, [2 * L for L in depths], "k:", label="$2L$")
    for ax, label in zip(axes, ("peak activations held (layers)", "layer forward evaluations", "wall time (s)")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("layers L")
        ax.set_ylabel(label)
        ax.legend()
    fig.suptitle("backpropagation: memory against recomputation, measured by instrumenting the code")
    return [plots.save(fig, os.path.join(out, "checkpointing.png"))]


def summary_of(results):
    """The measured rows per depth (JSON-ready), whether the three gradients were bit-identical everywhere, the claims."""
    summary = {
        "depths": results,
        "bit_identical": all(r["bit_identical"] for r in results),
        "config": config_of(results),
    }
    summary["claims"] = claims(summary)
    return summary


def config_of(results):
    r = results[0]
    return {
        "network": f"MLP of L layers of {r['width']} units, L in {[q['L'] for q in results]}",
        "checkpoints": {q["L"]: q["k"] for q in results}, "batch": r["batch"], "seed": r["seed"],
        "timing": f"median of {r['repeats']} runs per strategy",
    }  # fmt: skip


def slope(depths, values):
    """The log-log slope of values against depths (least squares): 1 for linear growth, 2 for quadratic, 0 for flat."""
    return float(np.polyfit(np.log(depths), np.log(values), 1)[0])


# ----- the claims table: the lecture's scalings (it gives no numbers), declared once ---------------------------------
CLAIMS = Claims("checkpointing", "004", where="backpropagation slides, figures 12-14")
CHEN = {"kind": "beyond", "document": "Chen et al. 2016"}
CLAIMS.declare(
    "scaling",
    quote="",
    claim="the scalings over the depths",
    unit="",
    rule=not_comparable("fewer than three depths: no slope to measure"),
)
CLAIMS.declare(
    "gradients_identical",
    quote="",
    claim="the three strategies compute the same gradient, bit for bit",
    unit="",
    document_value=True,
    rule=holds("np.array_equal at every depth"),
    note="a property of minnet's code, which the lecture takes for granted",
    kind="beyond",
)
CLAIMS.declare(
    "vanilla_memory_linear",
    quote="The memory usage grows linearly with the number of layers",
    claim="vanilla: slope of log(layers held) against log L, {span}",
    unit="slope",
    document_value=1.0,
    rule=relative(0.1),
)
CLAIMS.declare(
    "memory_poor_evaluations_quadratic",
    quote="The number of node evaluations scales with n^2, whereas it vanilla backprop scaled as n",
    claim="memory-poor: slope of log(evaluations) against log L, {span}",
    unit="slope",
    document_value=2.0,
    rule=relative(0.1),
)
CLAIMS.declare(
    "memory_poor_memory_constant",
    quote="Optimal in terms of memory: there is no need to store all activations in memory",
    claim="memory-poor: slope of log(layers held) against log L, {span}",
    unit="slope",
    document_value=0.0,
    rule=band(-0.1, 0.1),
)
CLAIMS.declare(
    "checkpoint_trade_off",
    quote="Trade-off between the vanilla and memory poor approaches",
    claim="checkpoint, L = {deepest}: fewer layers held than vanilla and fewer evaluations than memory-poor",
    unit="",
    document_value=True,
    rule=holds("held < vanilla's and evaluations < memory-poor's"),
)
CLAIMS.declare(
    "checkpoint_memory_sqrt",
    quote="",
    claim="checkpoint every k = round(sqrt L): slope of log(layers held) against log L, {span}",
    unit="slope",
    document_value=0.5,
    rule=relative(0.1),
    note="held: {held} (L/k + k - 2 at these depths; 2 sqrt L only asymptotically)",
    **CHEN,
)
CLAIMS.declare(
    "checkpoint_evaluations_linear",
    quote="",
    claim="checkpoint: slope of log(evaluations) against log L, {span}",
    unit="slope",
    document_value=1.0,
    rule=relative(0.1),
    note="evaluations: {evaluations} (one forward, the segments' recomputation and the backward: linear in L only "
    "asymptotically)",
    **CHEN,
)


def claims(summary):
    """The lecture's scalings against what the instrumented code counted over the depths: log-log slopes of the
    layers held and the evaluations; the checkpoint's square root is Chen et al.'s."""
    runs = summary["depths"]
    depths = [r["L"] for r in runs]
    if len(depths) < 3:
        return [CLAIMS.attach("scaling")]
    measured = lambda strategy, key: [r["rows"][strategy][key] for r in runs]  # noqa: E731
    deepest = runs[-1]["rows"]
    span = f"L = {depths[0]}..{depths[-1]}"
    return [
        CLAIMS.attach("gradients_identical", measured=summary["bit_identical"]),
        CLAIMS.attach("vanilla_memory_linear", measured=slope(depths, measured("vanilla", "peak_layers")), span=span),
        CLAIMS.attach(
            "memory_poor_evaluations_quadratic",
            measured=slope(depths, measured("memory_poor", "evaluations")),
            span=span,
        ),
        CLAIMS.attach(
            "memory_poor_memory_constant",
            measured=slope(depths, measured("memory_poor", "peak_layers")),
            span=span,
        ),
        CLAIMS.attach(
            "checkpoint_trade_off",
            measured=deepest["checkpoint"]["peak_layers"] < deepest["vanilla"]["peak_layers"]
            and deepest["checkpoint"]["evaluations"] < deepest["memory_poor"]["evaluations"],
            note=f"held {deepest['checkpoint']['peak_layers']:g} of {depths[-1]}, evaluations "
            f"{deepest['checkpoint']['evaluations']} against {deepest['memory_poor']['evaluations']}",
            deepest=depths[-1],
        ),
        CLAIMS.attach(
            "checkpoint_memory_sqrt",
            measured=slope(depths, measured("checkpoint", "peak_layers")),
            span=span,
            held=", ".join(f"{v:g}" for v in measured("checkpoint", "peak_layers")),
        ),
        CLAIMS.attach(
            "checkpoint_evaluations_linear",
            measured=slope(depths, measured("checkpoint", "evaluations")),
            span=span,
            evaluations=", ".join(f"{v:g}" for v in measured("checkpoint", "evaluations")),
        ),
    ]


def save_results(results, out, summary, args):
    arrays = {
        f"{s}/{key}": np.array([r["rows"][s][key] for r in results])
        for s in STRATEGIES
        for key in ("peak_floats", "evaluations", "seconds")
    }
    save_outputs(out, {"depths": np.array([r["L"] for r in results]), **arrays}, summary)


def print_table(summary):
    results = summary["depths"]
    print(
        f"{'L':>4}{'k':>4}  {'strategy':<12}{'peak floats':>12}{'layers held':>12}{'formula':>9}{'evaluations':>13}{'formula':>9}{'seconds':>10}"
    )
    for r in results:
        for strategy in STRATEGIES:
            row, (held, evals) = r["rows"][strategy], r["formulas"][strategy]
            print(
                f"{r['L']:>4}{r['k']:>4}  {strategy:<12}{row['peak_floats']:>12}{row['peak_layers']:>12.1f}{held:>9}"
                f"{row['evaluations']:>13}{evals:>9}{row['seconds']:>10.4f}"
            )
    print(f"\ngradients bit-identical across the three strategies at every depth: {summary['bit_identical']}")
    print_claims(summary["claims"])


def memory_needed(args):
    """Bytes the run holds at its largest depth: the vanilla strategy's activations (z and a of every layer),
    X and Y, and the weights with three strategies' gradients."""
    L, B, n = max(args.depths), args.batch, args.width
    activations = 8 * B * n * (2 * (L + 1) + 2)
    weights = 8 * 4 * L * (n * n + n)
    return {"--batch": activations + weights, "--width": activations + weights, "--depths": activations + weights}


def main(argv: Sequence[str] | None = None) -> int:
    parser = study_parser("checkpointing", __doc__)
    parser.add_argument(
        "--depths",
        type=positive_int,
        nargs="+",
        default=[4, 8, 16, 32, 64],
        help="numbers of layers (default 4 8 16 32 64)",
    )
    parser.add_argument("--width", type=positive_int, default=32, help="units per layer (default 32)")
    parser.add_argument("--batch", type=positive_int, default=256, help="examples in the batch (default 256)")
    parser.add_argument("--k", type=positive_int, help="checkpoint every k layers (default round(sqrt L))")
    parser.add_argument("--repeats", type=positive_int, default=3, help="timed runs per strategy (default 3)")
    parser.add_argument("--seed", type=seed, default=0)
    add_output_options(parser, DEFAULT_OUT, "depths 4 8 16 and a small batch, for tests")
    args = parse_study_args(parser, argv, {"depths": [4, 8, 16], "batch": 32, "repeats": 1})
    refuse_if_too_big(parser, memory_needed(args))
    summary = run_study(args, run, plot, summary_of, save_results, print_table)
    return 0 if summary["bit_identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
