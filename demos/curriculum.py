"""Document 001: per-example gradients at every iteration, the implicit curriculum, forgetting, gradient clusters.

    python -m demos.curriculum                                 5,000 shipped MNIST images, 10 runs (under 2 minutes)
    python -m demos.curriculum --data mnist --data-dir DIR     a seeded 10% of MNIST (6,000), as the document
    python -m demos.curriculum --data digits                   the shipped 8x8 digits
    python -m demos.curriculum --deep                          784 -> 32 -> 16 -> 10 -> 10, layers 2-4 (fc2, fc3, fc4)

Ten networks (one hidden layer of 8 sigmoid units, softmax + cross-entropy) are trained with vanilla
SGD, batch 128, each from its own seed. After every iteration an evaluation step over the whole
training set records each example's correctness and the norm and cosine-with-the-mean of its
gradient with respect to the second layer (the per-example statistics kernel). Ensemble agreement
across the ten runs ranks the examples from typical to atypical; ten chunks of that ranking show
the curriculum: typical examples are learned first and forgotten least.

Defaults are the document's: 784-8-10 sigmoid network, vanilla SGD, lr 0.01, batch 128, 30
epochs, ten seeds, on MNIST-5k (the document's mini-MNIST has 6,000 images, which cannot ship;
5,000 of MNIST's do). Two settings the document does not state are PyTorch's, which it used:
nn.Linear's initialisation (init="pytorch") and, decisively, the loss summed over the batch
(--reduction sum). With the batch mean instead, lr 0.01 reaches only 10-27% training accuracy
at iteration 100 (sigmoid or relu, PyTorch or He/Glorot weights, pixels in [0, 1] or
standardised; measured, 3 seeds each), against the document's "over 80% within the first 100
iterations"; summed, every one of those choices with a sigmoid or tanh unit reaches 84-86%
(a relu network dies at that step size). Momentum 0.9 with the mean would also reach 86%, but
the document says vanilla SGD. The contention pairs appear once the network has learned most
examples (none at -0.95 up to iteration 50 in two runs, 3-6 at 100, 25-28 at 200), so the
clusters are taken at iteration 200. The 4-layer network: the document does not name its
activation; sigmoid, as the 1-hidden-layer one (95% after 30 epochs).
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
    not_comparable,
    print_claims,
)
from demos.cli import (
    DATA_EXAMPLES,
    add_data_options,
    add_output_options,
    add_sweep_options,
    check_data_options,
    count,
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
    sweep_runner,
)
from minnet.data import load_classification
from minnet.studies import curriculum as cu
from minnet.studies.curriculum import (
    CLUSTER_MIN_SIZE,
    N_CHUNKS,
    TYPICAL_BY,
    analyse,
    curriculum_task,
    iteration_reaching,
)

DEFAULT_OUT = os.path.join("minnet-out", "curriculum")
DOCUMENT_PAIRS = [(2, 1), (2, 6), (9, 4), (7, 9)]  # "contention between 2s and 1s", ... (document 001)
ALMOST_ENTIRELY = 0.95
NEVER_FORGOTTEN = 0.05  # "never forgotten": First Correct and Last Mistake at most 5% apart
SAVED_EVERY = 10  # results.npz keeps run 0's per-example records every 10th iteration


def configs(args):
    sizes = [32, 16, 10, 10] if args.deep else [args.hidden, 10]
    layers = [2, 3, 4] if args.deep else [2]
    return [
        {
            "data": args.data,
            "data_dir": args.data_dir,
            "sizes": sizes,
            "activation": args.activation,
            "lr": args.lr,
            "batch_size": args.batch_size,
            "epochs": args.epochs,
            "seed": seed,
            "layers": layers,
            "keep_params_at": [args.cluster_iteration],
            "init": args.init,
            "reduction": args.reduction,
        }
        for seed in range(args.runs)
    ]


def config_of(args, examples):
    """The run's full configuration, as summary.json records it."""
    sizes = [784 if args.data != "digits" else 64, *configs(args)[0]["sizes"]]
    return {
        "data": f"{args.data}, {examples:,} training examples", "network": "MLP " + "-".join(map(str, sizes)),
        "activation": args.activation, "loss": f"softmax cross-entropy, {args.reduction} over the batch",
        "reduction": args.reduction,
        "init": args.init, "optimizer": f"SGD, lr {args.lr}", "batch_size": args.batch_size, "epochs": args.epochs,
        "seeds": list(range(args.runs)), "cluster_iteration": args.cluster_iteration, "contention": args.contention,
    }  # fmt: skip


def run(args):
    """Train the runs (through minnet.tools.sweep) and analyse their recordings; the data ride along for the figures."""
    X, y = load_classification(args.data, args.data_dir)
    steps = args.epochs * int(np.ceil(len(y) / args.batch_size))
    if args.cluster_iteration > steps:  # IDX files of fewer images than DATA_EXAMPLES says
        raise SystemExit(f"--cluster-iteration {args.cluster_iteration} is past the last iteration, {steps}")
    runs = sweep_runner(args)(curriculum_task, configs(args))
    sizes = configs(args)[0]["sizes"]
    found = analyse(runs, X, y, sizes, args.activation, args.init, args.cluster_iteration, args.contention, args.deep)
    config = config_of(args, len(y))
    return {**found, "cluster_iteration": args.cluster_iteration, "data": args.data, "config": config, "X": X, "y": y}


# ----- figures --------------------------------------------------------------------------------------
def image_grid(ax, X, indices, labels, title, side):
    """Up to 64 examples as an 8x8 grid of images, their labels in the corner."""
    indices = list(indices)[:64]
    cells = 8  # always an 8 x 8 grid: a small set shows small, at the same scale as a large one
    canvas = np.ones((cells * (side + 1), cells * (side + 1)))
    for k, i in enumerate(indices):
        r, c = divmod(k, cells)
        canvas[r * (side + 1) : r * (side + 1) + side, c * (side + 1) : c * (side + 1) + side] = 1 - X[i].reshape(
            side, side
        )
        ax.text(c * (side + 1) + 0.5, r * (side + 1) + 0.5, str(labels[i]), color="tab:red", fontsize=8, va="top")
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title)
    ax.axis("off")


def figure_examples(X, y, a, side, rng):
    import matplotlib.pyplot as plt

    order = np.argsort(a["agr"], kind="stable")
    # 2 x 2: three image grids in a row save wider than 2.5:1
    fig, axes = plt.subplots(2, 2, figsize=(11, 11), constrained_layout=True)
    image_grid(axes[0, 0], X, rng.choice(len(y), 64, replace=False), y, "64 random examples", side)
    image_grid(axes[0, 1], X, order[:64], y, "64 most typical (lowest AGR divergence)", side)
    image_grid(axes[1, 0], X, order[::-1][:64], y, "64 most atypical", side)
    axes[1, 1].hist(a["agr"], bins=50, color="tab:blue")
    axes[1, 1].set(
        title="every example's AGR divergence\n(typical: left; atypical: right)",
        xlabel="AGR divergence across the runs",
        ylabel="examples",
    )
    return fig


SMOOTHING = 25  # iterations in the moving average over the per-chunk gradient curves


def figure_curriculum(a):
    """The implicit curriculum: accuracy, then per chunk of the agreement ranking (coloured, chunk 0 the
    most typical) accuracy, cosine with the mean gradient and gradient norm."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    fig, axes = plt.subplots(2, 2, figsize=(14, 10), constrained_layout=True)
    axes[0, 0].plot(a["accuracy"])
    axes[0, 0].set(title="training accuracy, mean over the runs", ylabel="accuracy")
    panels = (
        (axes[0, 1], "chunk_accuracy", "accuracy of each chunk", "accuracy", 1),
        (
            axes[1, 0],
            "chunk_cos",
            f"cosine with the mean gradient ({SMOOTHING}-iteration average)",
            "mean cosine",
            SMOOTHING,
        ),
        (
            axes[1, 1],
            "chunk_norm",
            f"gradient norm, layer 2 ({SMOOTHING}-iteration average)",
            "mean gradient norm",
            SMOOTHING,
        ),
    )
    for ax, key, title, ylabel, window in panels:
        for c in range(N_CHUNKS):
            if window > 1:
                plots.smoothed(ax, a[key][c], window, plots.index_color(c, N_CHUNKS))
            else:
                ax.plot(a[key][c], color=plots.index_color(c, N_CHUNKS))
        ax.set(title=title, ylabel=ylabel)
    for ax in axes.flat:
        ax.set_xlabel("iteration")
    plots.index_colorbar(fig, axes[:, 1], 0, N_CHUNKS - 1, "chunk of the agreement ranking (0: most typical)")
    return fig


def figure_forgetting(a):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 5.8), sharey=True, constrained_layout=True)
    for ax, (name, (fc, acc, lm)) in zip(axes, a["fc_acc_lm"].items()):
        ax.plot(fc, color="tab:blue", label="First Correct")
        ax.plot(acc, color="tab:green", label="accuracy")
        ax.plot(lm, color="tab:orange", label="Last Mistake")
        ax.fill_between(np.arange(len(fc)), lm, fc, color="tab:blue", alpha=0.1)
        ax.set(title=f"{name} of examples by AGR", xlabel="iteration", ylabel="fraction of these examples")
    axes[0].legend(loc="lower right")
    return fig


def scatter(ax, norm, cos, correct, title):
    ax.scatter(norm[correct], cos[correct], s=3, color="tab:green", label="correct")
    ax.scatter(norm[~correct], cos[~correct], s=3, color="tab:red", label="wrong")
    ax.set_xlabel("gradient norm")
    ax.set_ylabel("cosine with the mean gradient")
    ax.set_ylim(-1.05, 1.05)
    ax.set_title(title)


def figure_scatter(a, iterations):
    import matplotlib.pyplot as plt

    rows = int(np.ceil(len(iterations) / 2))
    fig, axes = plt.subplots(rows, 2, figsize=(11, 4.5 * rows), sharey=True, squeeze=False, constrained_layout=True)
    for ax, t in zip(axes.flat, iterations):
        scatter(ax, a["norm"][0, t], a["cos"][0, t], a["correct"][0, t], f"iteration {t} (run 0, layer 2)")
    for ax in axes.flat[len(iterations) :]:
        ax.set_axis_off()
    axes[0, 0].legend(loc="lower right", markerscale=3)
    return fig


def figure_deep(a, t):
    import matplotlib.pyplot as plt

    d = a["deep_scatter"]
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 5.5), sharey=True, constrained_layout=True)
    for k, ax in enumerate(axes):
        scatter(ax, d["norm"][:, k], d["cos"][:, k], d["correct"], f"layer {k + 2}, iteration {t}")
    return fig


def examples(count):
    return f"{count} example" + ("" if count == 1 else "s")


def figure_clusters(a, X, y, side, iteration, shown=2):
    """Side by side, up to `shown` clusters (those with a contention set first): the cluster's images,
    its contention set's, and both groups' cosine and accuracy over the iterations."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    pairs = ([c for c in a["clusters"] if c["contention"].size] or a["clusters"])[:shown]
    fig, axes = plt.subplots(2, 2 * len(pairs), figsize=(10 * len(pairs), 10), squeeze=False, constrained_layout=True)
    for k, c in enumerate(pairs):
        images, curves = axes[0, 2 * k : 2 * k + 2], axes[1, 2 * k : 2 * k + 2]
        members, against = c["members"], c["contention"]
        image_grid(
            images[0],
            X,
            members,
            y,
            f"cluster {k + 1}: {examples(len(members))} at iteration {iteration}\n"
            f"(every pair's cosine >= 0.95){', 64 shown' if len(members) > 64 else ''}",
            side,
        )
        if against.size:
            image_grid(
                images[1],
                X,
                against,
                y,
                f"its contention set: {examples(len(against))}\n(cosine <= "
                f"-0.95){', 64 shown' if len(against) > 64 else ''}",
                side,
            )
        else:
            images[1].text(
                0.5,
                0.5,
                "no contention set:\nno example's gradient has cosine <= -0.95\nwith this cluster's at iteration "
                f"{iteration}",
                ha="center",
                va="center",
                transform=images[1].transAxes,
            )
            images[1].axis("off")
        for ax, key, label in ((curves[0], "cos", "cosine with the mean gradient"), (curves[1], "acc", "accuracy")):
            plots.smoothed(ax, c[f"members_{key}"], SMOOTHING, "tab:blue", label=f"cluster {k + 1}")
            if c[f"contention_{key}"] is not None:
                plots.smoothed(ax, c[f"contention_{key}"], SMOOTHING, "tab:orange", label="its contention set")
            ax.axvline(iteration, color="0.5", linestyle=":")
            ax.set(
                xlabel="iteration",
                ylabel=f"{label} ({SMOOTHING}-iteration mean)",
                title=f"cluster {k + 1}: mean {label}",
            )
            ax.legend(loc="lower right")
    return fig


def plot(a, out, args):
    from minnet.tools import plots

    X, y = a["X"], a["y"]
    side = int(round(np.sqrt(X.shape[1])))
    T = a["accuracy"].size - 1
    iterations = sorted({0, min(10, T), min(50, T), T})
    paths = [
        plots.save(
            figure_examples(X, y, a, side, np.random.default_rng(args.seed)),
            os.path.join(out, "examples_by_agreement.png"),
        ),
        plots.save(figure_curriculum(a), os.path.join(out, "curriculum.png")),
        plots.save(figure_forgetting(a), os.path.join(out, "first_correct_last_mistake.png")),
        plots.save(figure_scatter(a, iterations), os.path.join(out, "gradient_scatter.png")),
    ]
    if a["clusters"]:
        paths.append(
            plots.save(
                figure_clusters(a, X, y, side, args.cluster_iteration), os.path.join(out, "clusters_and_contention.png")
            )
        )
    if a["deep_scatter"] is not None:
        paths.append(plots.save(figure_deep(a, args.cluster_iteration), os.path.join(out, "deep_layers_scatter.png")))
    if args.animate:
        paths.append(animate(a, out, 12 if args.quick else 90, not args.quiet))
    return paths


def animate(a, out, frames, progress):
    """The scatter of run 0 over the iterations, as a GIF."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    fig, ax = plt.subplots(figsize=(7, 5))
    steps = np.unique(np.linspace(0, a["accuracy"].size - 1, frames).astype(int))
    x_max = float(np.nanmax(a["norm"][0]))

    def draw(t):
        ax.clear()
        scatter(ax, a["norm"][0, t], a["cos"][0, t], a["correct"][0, t], f"iteration {t}")
        ax.set_xlim(0, x_max)

    path = os.path.join(out, "gradient_scatter.gif")
    plots.save_animation(fig, draw, steps, path, fps=8, progress=progress)
    return path


# ----- the command line ---------------------------------------------------------------------------
def contention_classes(a):
    """The distinct (cluster's digit, contending digit) pairs, each the majority label of its group."""
    y = a["y"]
    pairs = {
        (int(np.bincount(y[c["members"]]).argmax()), int(np.bincount(y[c["contention"]]).argmax()))
        for c in a["clusters"]
        if c["contention"].size
    }
    return sorted(pairs)


def summary_of(a):
    c0, c9 = a["reach80"][0], a["reach80"][-1]
    faster = c0 is not None and (c9 is None or c0 < c9)
    first50 = slice(0, min(51, a["chunk_cos"].shape[1]))
    at50 = min(TYPICAL_BY, a["chunk_accuracy"].shape[1] - 1)
    gap = {
        name: float(np.max(np.mean(fc, axis=0) - np.mean(lm, axis=0))) for name, (fc, _, lm) in a["fc_acc_lm"].items()
    }
    summary = {
        "data": a["data"],
        "iterations": int(a["accuracy"].size - 1),
        "accuracy_at_0": float(a["accuracy"][0]),
        "accuracy_80_iteration": iteration_reaching(a["accuracy"], 0.8),
        "final_accuracy": float(a["accuracy"][-1]),
        "chunk0_reaches_80": c0,
        "chunk9_reaches_80": c9,
        "chunk0_learned_faster_than_chunk9": bool(faster),
        f"chunk_accuracy_at_{at50}": [float(v) for v in a["chunk_accuracy"][:, at50]],
        "final_accuracy_per_chunk": [float(v) for v in a["chunk_accuracy"][:, -1]],
        "mean_cos_first_50_per_chunk": [float(v) for v in np.nanmean(a["chunk_cos"][:, first50], axis=1)],
        "mean_norm_per_chunk": [float(v) for v in np.nanmean(a["chunk_norm"], axis=1)],
        "largest_fc_minus_lm": gap,
        "cluster_iteration": a["cluster_iteration"],
        "clusters": len(a["clusters"]),
        "clusters_with_contention": sum(1 for c in a["clusters"] if c["contention"].size),
        "contention_classes": contention_classes(a),
        "fc_ge_accuracy_ge_lm": a["fc_lm_ok"],
        "deep_layers": a["deep_layers"],
        "config": a["config"],
    }
    summary["claims"] = claims(summary)
    return summary


# ----- the claims table: every claim of document 001 this study tests, declared once ----------------------
CLAIMS = Claims("curriculum", "001")
ACCURACY_80_BY = 100  # "accuracy surpassed 80% within the first 100 iterations"
SHORTER_THAN_50 = "the run is shorter than 50 iterations"
CLAIMS.declare(
    "accuracy_80_iteration",
    where="section 1, training accuracy figure",
    quote="accuracy surpassed 80% within the first 100 iterations",
    claim="first iteration where the ten runs' mean training accuracy reaches 80%",
    unit="iteration",
    document_value=ACCURACY_80_BY,
    rule=band(None, ACCURACY_80_BY),
)
CLAIMS.declare(
    "accuracy_at_start",
    where="section 3, iteration 0",
    quote="only a few examples (10% ?) were correctly classified by the randomly initialized network by luck",
    claim="training accuracy at iteration 0",
    unit="fraction",
    document_value=0.1,
    rule=not_comparable("any untrained 10-class classifier scores about 10%: nothing of minnet's is tested"),
)
CLAIMS.declare(
    "typical_first",
    where="section 1, chunk accuracy figure",
    quote="most well-represented examples (chunk 0) are almost entirely learned within the first 50 iterations",
    claim=f"chunk 0's accuracy at iteration {TYPICAL_BY} (mean of runs)",
    unit="fraction",
    rule=band(ALMOST_ENTIRELY, 1.0),
    note=f"'almost entirely': at least {ALMOST_ENTIRELY:.0%}",
)
CLAIMS.declare(
    "atypical_slower",
    where="section 1, chunk accuracy figure",
    quote="whereas the accuracy for chunk 9 improves at a much slower pace",
    claim=f"chunk 9's accuracy at iteration {TYPICAL_BY} / chunk 0's",
    unit="ratio",
    rule=band(None, 0.5),
    note="'much slower': at most half of chunk 0's",
)
CLAIMS.declare(
    "typical_highest_cosine",
    where="section 2, cosine figure",
    quote="the most well-represented chunk has the highest cosine similarity score, particularly during the first 50 "
    "iterations",
    claim="chunk with the highest mean cosine to the mean gradient, iterations 0-50",
    unit="chunk",
    document_value=0,
    rule=exact(),
)
CLAIMS.declare(
    "typical_smaller_gradients",
    where="section 2, norm figure",
    quote="well-represented examples tend to have smaller gradients",
    claim="mean gradient norm (layer 2) of chunk 0 / of chunk 9, over the run",
    unit="ratio",
    rule=band(None, 1.0),
)
CLAIMS.declare(
    "top_never_forgotten",
    where="section 3, FC / LM figures",
    quote="the top 10% of well-represented examples ... were never forgotten afterward",
    claim="top 10%: largest gap First Correct - Last Mistake over the run (mean of runs)",
    unit="fraction",
    rule=band(None, NEVER_FORGOTTEN),
    note=f"'never': at most {NEVER_FORGOTTEN:.0%} of the examples",
)
CLAIMS.declare(
    "bottom_not_secured",
    where="section 3, FC / LM figures",
    quote='the large region between FC and LM ... it fails to "secure" these learnings',
    claim="bottom 10%'s largest gap First Correct - Last Mistake / the top 10%'s",
    unit="ratio",
    rule=band(2.0, None),
    note="'large': at least twice",
)
CLAIMS.declare(
    "cones_exist",
    where="section 3, cluster of gradients",
    quote='By identifying "cones" where all examples fall within a cosine similarity of 0.95 with each other',
    claim=f"cones of >= {CLUSTER_MIN_SIZE} examples at iteration {{cluster_iteration}} (run 0)",
    unit="cones",
    rule=band(1, None),
)
CLAIMS.declare(
    "contention_sets",
    where="section 3, contention",
    quote="we can also find examples learning against them by identifying examples under -0.95 cosine similarities",
    claim="cones with a contention set at cosine <= -0.95, iteration {cluster_iteration}",
    unit="cones",
    rule=band(1, None),
)
CLAIMS.declare(
    "contention_digits",
    where="section 3, contention",
    quote='Contention between "2"s and "1"s ... "2"s and "6"s ... "9"s and "4"s ... "7"s and "9"s',
    claim="how many of the document's four digit pairs recur among this run's contention pairs",
    unit="pairs",
    document_value=len(DOCUMENT_PAIRS),
    rule="beats_baseline",
)
# --deep: the document shows the same pictures for fc2, fc3 and fc4 in a video and states no result; minnet checks
# section 2's two findings layer by layer (findings of its own: scored beyond the documents).
DEEP = {
    "where": "section 4, networks with more than one hidden layer",
    "quote": "I trained a network with four fully-connected layers ... and applied the same visualization technique "
    "on fc2, fc3, and fc4",
    "rule": band(3, 3),
    "unit": "layers",
    "kind": "beyond",
}
CLAIMS.declare(
    "deep_layers_smaller_gradients",
    claim="layers among fc2, fc3, fc4 where chunk 0's mean gradient norm over the run is below chunk 9's (section 2's "
    "norm finding, layer by layer)",
    **DEEP,
)
CLAIMS.declare(
    "deep_layers_typical_highest_cosine",
    claim="layers among fc2, fc3, fc4 where chunk 0 has the highest mean cosine with the mean gradient, iterations "
    "0-50 (section 2's cosine finding, layer by layer)",
    **DEEP,
)
EVERY_CLAIM = list(CLAIMS.declared)
# The choices the document leaves unstated, made to reproduce it, and what the alternatives gave.
CLAIMS.pytorch_init(["accuracy_80_iteration"])
CLAIMS.setting(
    "reduction",
    choice="each SGD step descends the batch's summed cross-entropy (PyTorch's CrossEntropyLoss(reduction='sum'))",
    alternative="with the batch mean, lr 0.01 reaches only 10-27% training accuracy at iteration 100 (sigmoid or "
    "relu, PyTorch or He/Glorot weights, [0, 1] or standardised pixels; 3 seeds each); summed, 84-86%",
    depends_on=["accuracy_80_iteration", "typical_first", "atypical_slower"],
)
CLAIMS.setting(
    "cluster_iteration",
    choice="the cones are taken at iteration {cluster_iteration}",
    alternative="none at -0.95 up to iteration 50 in two runs, 3-6 cones with a contention set at 100, 25-28 at 200",
    depends_on=["contention_sets", "contention_digits"],
)
CLAIMS.setting(
    "data",
    choice="{data} instead of the document's random 6,000-image mini-MNIST",
    alternative="the 6,000 images are not published; 5,000 MNIST images ship with minnet (--data mnist --data-dir DIR "
    "reads the IDX files and draws a seeded 10%)",
    depends_on=EVERY_CLAIM,
)


def chance_pairs_q95(found, named=len(DOCUMENT_PAIRS), pairs=45):
    """The 95th percentile of how many of the document's `named` digit pairs a set of `found` distinct
    pairs, drawn at random among the 45 unordered pairs of digits, would share (hypergeometric)."""
    p = [
        math.comb(named, k) * math.comb(pairs - named, found - k) / math.comb(pairs, found)
        for k in range(min(named, found) + 1)
    ]
    return chance_q95(p)


def claims(s):
    """Document 001's findings against this run, and the settings they depend on."""
    on_mnist, deep = s["data"] in ("mnist5k", "mnist"), s.get("deep_layers") is not None
    off = None  # None: each row keeps its declared rule
    if not on_mnist or deep:
        off = not_comparable(
            f"run on {s['data']}, not MNIST: the document's numbers are for MNIST"
            if not on_mnist
            else f"--deep: the network is {s['config']['network']}, not the document's 784-8-10 of this figure"
        )
    early = off or (None if s["iterations"] >= TYPICAL_BY else not_comparable(SHORTER_THAN_50))
    found = {frozenset(p) for p in s["contention_classes"]}
    shared = [p for p in DOCUMENT_PAIRS if frozenset(p) in found]
    at50 = s[f"chunk_accuracy_at_{min(TYPICAL_BY, s['iterations'])}"]
    cos, norm, gap = s["mean_cos_first_50_per_chunk"], s["mean_norm_per_chunk"], s["largest_fc_minus_lm"]
    chance = f"95th percentile by chance with {len(found)} pairs found among 45"
    rows = [
        CLAIMS.attach("accuracy_80_iteration", measured=s["accuracy_80_iteration"], rule=off),
        CLAIMS.attach("accuracy_at_start", measured=s["accuracy_at_0"]),
        CLAIMS.attach("typical_first", measured=at50[0], rule=early),
        CLAIMS.attach(
            "atypical_slower",
            measured=at50[-1] / at50[0],
            rule=early,
            note=f"chunk 9 reaches 80% at iteration {s['chunk9_reaches_80']}, chunk 0 at {s['chunk0_reaches_80']}",
        ),
        CLAIMS.attach(
            "typical_highest_cosine",
            measured=int(np.argmax(cos)),
            rule=off,
            note="per chunk: " + ", ".join(f"{v:.3f}" for v in cos),
        ),
        CLAIMS.attach(
            "typical_smaller_gradients",
            measured=norm[0] / norm[-1],
            rule=off,
            note="per chunk: " + ", ".join(f"{v:.3g}" for v in norm),
        ),
        CLAIMS.attach(
            "top_never_forgotten",
            measured=gap["top 10%"],
            rule=off,
            note=f"the bottom 10%'s gap is {gap['bottom 10%']:.2f}",
        ),
        CLAIMS.attach("bottom_not_secured", measured=gap["bottom 10%"] / max(gap["top 10%"], 1e-12), rule=off),
        CLAIMS.attach("cones_exist", measured=s["clusters"], rule=off, cluster_iteration=s["cluster_iteration"]),
        CLAIMS.attach(
            "contention_sets",
            measured=s["clusters_with_contention"],
            rule=off,
            cluster_iteration=s["cluster_iteration"],
        ),
        CLAIMS.attach(
            "contention_digits",
            measured=len(shared),
            rule=off or beats_baseline(chance_pairs_q95(len(found)), chance),
            note=f"pairs found here: {s['contention_classes']}",
        ),
    ]
    return rows + (deep_rows(s) if deep else []) + settings(s)


def deep_rows(s):
    """--deep: section 2's two findings, layer by layer."""
    layers = s["deep_layers"]
    smaller = [k for k, v in layers.items() if v["norm_chunk0_over_chunk9"] < 1]
    highest = [k for k, v in layers.items() if v["highest_cosine_chunk"] == 0]
    return [
        CLAIMS.attach(
            "deep_layers_smaller_gradients",
            measured=len(smaller),
            note="; ".join(f"fc{k}: chunk 0 / chunk 9 {v['norm_chunk0_over_chunk9']:.3g}" for k, v in layers.items()),
        ),
        CLAIMS.attach(
            "deep_layers_typical_highest_cosine",
            measured=len(highest),
            note="; ".join(
                f"fc{k}: chunk {v['highest_cosine_chunk']} highest, cosines {min(v['chunk_cos']):.3f}-"
                f"{max(v['chunk_cos']):.3f}"
                for k, v in layers.items()
            ),
        ),
    ]


def settings(s):
    """The setting rows, with the value this run took."""
    rows = [
        CLAIMS.attach(
            "initialisation", measured=NN_LINEAR_INIT if s["config"]["init"] == "pytorch" else s["config"]["init"]
        ),
        CLAIMS.attach("reduction", measured=s["config"]["reduction"]),
        CLAIMS.attach("cluster_iteration", measured=s["cluster_iteration"], cluster_iteration=s["cluster_iteration"]),
    ]
    if s["data"] != "mnist":
        rows.append(CLAIMS.attach("data", measured=s["data"], data=s["data"]))
    return rows


def print_summary(s):
    print(f"{s['iterations']} iterations; final training accuracy (mean of runs) {s['final_accuracy']:.3f}")
    print(f"{'chunk':>6}{'final accuracy':>16}{'mean cos, first 50':>20}")
    for c, (acc, cos) in enumerate(zip(s["final_accuracy_per_chunk"], s["mean_cos_first_50_per_chunk"])):
        print(f"{c:>6}{acc:>16.3f}{cos:>20.3f}")
    print(f"80% accuracy: chunk 0 at iteration {s['chunk0_reaches_80']}, chunk 9 at {s['chunk9_reaches_80']}")
    verdict = (
        "yes, as the document finds"
        if s["chunk0_learned_faster_than_chunk9"]
        else "NO: this run differs from the document"
    )
    print(f"typical examples (chunk 0) learned faster than atypical ones (chunk 9): {verdict}")
    print(f"First Correct >= accuracy >= Last Mistake at every iteration: {s['fc_ge_accuracy_ge_lm']}")
    print(
        f"gradient clusters of >= {CLUSTER_MIN_SIZE} examples at iteration {s['cluster_iteration']}: {s['clusters']}; "
        f"with a contention set: {s['clusters_with_contention']} (digits: {s['contention_classes']})"
    )
    if s["clusters"] and not s["clusters_with_contention"]:
        print(
            "  (no example's gradient is that far against a cluster's here; try a later --cluster-iteration or a "
            "milder --contention)"
        )
    print_claims(s["claims"])


def save_results(a, out, summary, args):
    """The curves the figures show, and run 0's per-example records every SAVED_EVERY-th iteration (compressed)."""
    kept = slice(0, None, SAVED_EVERY)
    arrays = {
        "accuracy": a["accuracy"],
        "chunk_accuracy": a["chunk_accuracy"],
        "chunk_cos": a["chunk_cos"],
        "agr": a["agr"],
        "chunk": a["chunk"],
        "run0_iterations": np.arange(a["accuracy"].size)[kept],
        "run0_correct": a["correct"][0, kept],
        "run0_grad_norm": a["norm"][0, kept],
        "run0_grad_cos": a["cos"][0, kept],
    }
    save_outputs(out, arrays, summary)


def memory_needed(args):
    """Bytes of every run's per-example records, which the analysis holds at once: at each of the
    S + 1 iterations, for each example, whether it is right (1 byte) and its gradient's norm and
    cosine (float32) per recorded layer (three with --deep)."""
    N = DATA_EXAMPLES[args.data]
    iterations = args.epochs * -(-N // args.batch_size) + 1
    per_run = iterations * N * (1 + 8 * (3 if args.deep else 1))
    return {"--epochs": args.runs * per_run, "--runs": args.runs * per_run}


CLUSTER_ITERATION, QUICK_CLUSTER_ITERATION = 200, 100


def choose_cluster_iteration(parser, args):
    """--cluster-iteration as given, refused by name past the run's last iteration; left out, CLUSTER_ITERATION
    (--quick: QUICK_CLUSTER_ITERATION) or the last iteration when the run is shorter."""
    steps = args.epochs * -(-DATA_EXAMPLES[args.data] // args.batch_size)
    if args.cluster_iteration is None:
        args.cluster_iteration = min(QUICK_CLUSTER_ITERATION if args.quick else CLUSTER_ITERATION, steps)
    elif args.cluster_iteration > steps:
        parser.error(
            f"argument --cluster-iteration: must be at most the run's last iteration, {steps:,} ({args.epochs} epochs "
            f"of {DATA_EXAMPLES[args.data]:,} examples in batches of {args.batch_size}), got {args.cluster_iteration}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("curriculum", __doc__)
    add_data_options(p, "a seeded 10%% of their training set")
    p.add_argument(
        "--hidden", type=positive_int, default=cu.DEFAULTS["hidden"], help="hidden units (default %(default)s)"
    )
    p.add_argument(
        "--activation",
        choices=["sigmoid", "tanh", "relu", "silu"],
        default=cu.DEFAULTS["activation"],
        help="hidden activation (default %(default)s)",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=cu.DEFAULTS["lr"],
        help="SGD learning rate (default %(default)s, the document's)",
    )
    p.add_argument("--batch-size", type=positive_int, default=cu.DEFAULTS["batch_size"])
    p.add_argument(
        "--reduction",
        choices=["sum", "mean"],
        default=cu.DEFAULTS["reduction"],
        help="each step descends the batch's summed or mean cross-entropy (default %(default)s)",
    )
    p.add_argument(
        "--init",
        choices=["pytorch", "auto", "glorot", "he"],
        default=cu.DEFAULTS["init"],
        help="initial weights (default %(default)s: nn.Linear's U(-1/sqrt(n_in), 1/sqrt(n_in)))",
    )
    p.add_argument("--epochs", type=positive_int, default=cu.DEFAULTS["epochs"])
    p.add_argument(
        "--runs", type=int_in(2), default=cu.DEFAULTS["runs"], help="independently seeded runs (default %(default)s)"
    )
    p.add_argument("--deep", action="store_true", help="the 4-layer network, scatter for layers 2, 3 and 4")
    p.add_argument(
        "--cluster-iteration",
        type=count,
        help=f"iteration of the gradient clusters (default {CLUSTER_ITERATION}, --quick {QUICK_CLUSTER_ITERATION}, or the "
        "last iteration when the run is shorter; see the module docstring)",
    )
    p.add_argument(
        "--contention",
        type=float_in(-1, 1),
        default=-0.95,
        help="cosine with a cluster's mean gradient at or below which an example is in contention (default -0.95)",
    )
    p.add_argument("--animate", action="store_true", help="write the scatter over iterations as a GIF")
    add_sweep_options(p)
    p.add_argument("--seed", type=seed, default=0, help="seed of the random image grid (runs use seeds 0..runs-1)")
    add_output_options(p, DEFAULT_OUT, "3 runs of 3 epochs, for tests")
    args = parse_study_args(p, argv, {"runs": 3, "epochs": 3})
    check_data_options(p, args)
    choose_cluster_iteration(p, args)
    refuse_if_too_big(p, memory_needed(args))
    say_kernels("per_example")
    summary = run_study(args, run, plot, summary_of, save_results, print_summary)
    if not summary["fc_ge_accuracy_ge_lm"]:
        raise AssertionError("First Correct >= accuracy >= Last Mistake was violated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
