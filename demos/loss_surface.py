"""Document 004: random-direction projections of the loss surface, and the effect of initialisation.

    python -m demos.loss_surface                          5,000 shipped MNIST images (28x28, as the lecture's)
    python -m demos.loss_surface --data fashion --data-dir DIR    Fashion-MNIST IDX files, as the slides
    python -m demos.loss_surface --data digits            the shipped 8x8 digits (fast)

The lecture uses Fashion-MNIST, which cannot ship; MNIST-5k has the same 28x28 inputs and ten
classes, so the network is the lecture's size.

- A small classifier (inputs -> --hidden -> 10, relu, softmax + cross-entropy) trained with Adam.
- 1-D: the train and test loss along a random Gaussian direction d with filter normalisation (Li et
  al.), L(alpha) = L(w + alpha d), alpha in [-b, b], around the initial weights w0 and around the
  trained weights w_hat, on one figure.
- 2-D: L(w_hat + alpha d1 + beta d2) on the plane of two such directions: contours and a 3-D surface.
- The line from w0 to w_hat (Goodfellow et al.), L((1 - t) w0 + t w_hat), t in [-0.5, 1.5].
- Initialisation: the same network trained from all-equal weights (the hidden units stay identical:
  the symmetry never breaks), from N(0, sigma^2) with too small and too large sigma, and from He and
  Glorot scaling; the loss and each layer's gradient norm; and a deep relu network (--deep-layers,
  default 20) where only the good initialisation trains.
"""

import math
import os
from collections.abc import Sequence

import numpy as np

from demos.claims import Claims, band, beats_baseline, exact, holds, not_comparable, print_claims, ratio, relative
from demos.cli import (
    DATA_EXAMPLES,
    add_data_options,
    add_output_options,
    check_data_options,
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
from minnet.studies import loss_surface as ls

DEFAULT_OUT = os.path.join("minnet-out", "loss_surface")


def run(args):
    data = ls.load(args.data, args.data_dir, args.subset, args.seed)
    n_in = data[0].shape[1]
    sizes = [n_in, args.hidden, 10]
    training = {"lr": args.lr, "batch_size": args.batch_size, "seed": args.seed, "progress": not args.quiet}
    net = ls.classifier(sizes, "he", None, args.seed)
    w0 = net.params.copy()
    history = ls.train(net, data, epochs=args.epochs, **training)
    w_hat = net.params.copy()
    surfaces = ls.surfaces(net, w0, w_hat, data, args.bound, args.points, args.plane_points, args.seed)
    results = {"data": args.data, "sizes": sizes, "history": history, "surfaces": surfaces}
    results["config"] = {
        "data": f"{args.data}, {data[0].shape[0]:,} training examples", "network": f"MLP {n_in}-{args.hidden}-10 relu",
        "loss": "softmax cross-entropy, mean", "init": "He (the surfaces); all equal, N(0, 1e-3^2), N(0, 1), He, "
        "Glorot (the initialisation study)", "optimizer": f"Adam, lr {args.lr}", "batch_size": args.batch_size,
        "epochs": args.epochs, "deep": f"{args.deep_layers} relu layers of {args.deep_width}, {args.deep_epochs} epochs",
        "seed": args.seed, "bound": args.bound,
    }  # fmt: skip
    results["init"] = ls.init_study(sizes, data, epochs=args.epochs, **training)
    deep_sizes = [n_in] + [args.deep_width] * (args.deep_layers - 1) + [10]
    results["deep_sizes"] = deep_sizes
    results["deep"] = ls.init_study(deep_sizes, data, epochs=args.deep_epochs, **training)
    return results


# ----- figures --------------------------------------------------------------------------------------
def figure_slices(s):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for name, style in (("w0", "--"), ("w_hat", "-")):
        label = "initial weights $w_0$" if name == "w0" else r"trained weights $\hat w$"
        ax.semilogy(s["alphas"], s["slices"][name]["train"], style, color="tab:orange", label=f"train, around {label}")
        ax.semilogy(s["alphas"], s["slices"][name]["test"], style, color="tab:blue", label=f"test, around {label}")
    ax.set_xlabel(r"$\alpha$ (step along a filter-normalised random direction)")
    ax.set_ylabel("cross-entropy")
    ax.legend()
    ax.set_title(r"$L(w + \alpha d)$ along a random direction d")
    return fig


def figure_plane(s):
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    A, B = np.meshgrid(s["plane_axis"], s["plane_axis"], indexing="ij")
    Z = np.log10(s["plane"])
    fig = plt.figure(figsize=(15, 6))
    ax = fig.add_subplot(1, 2, 1)
    contours = ax.contour(A, B, Z, levels=20, cmap="viridis")
    fig.colorbar(contours, ax=ax, label="log10 train loss")
    ax.plot(0, 0, "r*", markersize=12, label=r"$\hat w$")
    ax.set_xlabel(r"$\alpha$ (along $d_1$)")
    ax.set_ylabel(r"$\beta$ (along $d_2$)")
    ax.legend()
    ax3 = fig.add_subplot(1, 2, 2, projection="3d")
    ax3.plot_surface(A, B, Z, cmap="viridis", linewidth=0)
    plots.sparse_3d_ticks(ax3, r"$\alpha$", r"$\beta$", "log10 train loss")
    fig.suptitle(r"$L(\hat w + \alpha d_1 + \beta d_2)$ on the plane of two filter-normalised random directions")
    return fig


def figure_interpolation(s):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.semilogy(s["ts"], s["interpolation"]["train"], color="tab:orange", label="train")
    ax.semilogy(s["ts"], s["interpolation"]["test"], color="tab:blue", label="test")
    for t, text in ((0, "$w_0$"), (1, r"$\hat w$")):
        ax.axvline(t, color="k", linestyle=":")
        ax.annotate(text, (t, 0.02), xycoords=("data", "axes fraction"), xytext=(4, 0), textcoords="offset points")
    ax.set_xlabel("t")
    ax.set_ylabel("cross-entropy")
    ax.set_title(r"the line $(1 - t)\,w_0 + t\,\hat w$ (Goodfellow et al.)")
    ax.legend()
    return fig


def figure_init(runs, title):
    """Six panels (2 x 3): the train loss of every initialisation, then each one's per-layer gradient
    norms on one shared log axis, coloured by layer (a colour bar, not 20 legend entries)."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    fig, axes = plt.subplots(2, 3, figsize=(15, 9.5), constrained_layout=True)
    loss_axes, norm_axes = axes.flat[0], axes.flat[1 : 1 + len(runs)]
    for name, r in runs.items():
        loss_axes.semilogy(r["train_loss"], label=name)
    loss_axes.set(xlabel="epoch", ylabel="train loss (cross-entropy)", title="train loss of each initialisation")
    loss_axes.legend()
    norms = {name: r["layer_grad_norm"] for name, r in runs.items()}
    limits = plots.positive_range(list(norms.values()))
    for ax, (name, layer_norms) in zip(norm_axes, norms.items()):
        plots.layer_curves(ax, layer_norms, limits, title=f"{name}: {gradient_verdict(layer_norms[0])}")
        ax.set(xlabel="optimizer step", ylabel="gradient norm $|g_l|$ of layer l")
    for ax in axes.flat[1 + len(runs) :]:
        ax.set_axis_off()
    plots.index_colorbar(fig, norm_axes, 1, layer_norms.shape[1], "layer l (1: next to the input)")
    fig.suptitle(title)
    return fig


def gradient_verdict(first_step):
    """What the first step's per-layer gradient norms say, in a few words."""
    if not np.any(first_step > 0):
        return "every gradient exactly 0"
    if first_step[0] == 0:
        return "layer 1's gradient exactly 0"
    ratio = first_step[0] / first_step[-1]
    return f"|g_1| / |g_L| = {ratio:.2g}" + (" (vanishing)" if ratio < 1e-3 else " (exploding)" if ratio > 1e3 else "")


def plot(results, out, args):
    from minnet.tools import plots

    s = results["surfaces"]
    return [
        plots.save(figure_slices(s), os.path.join(out, "surface_1d.png")),
        plots.save(figure_plane(s), os.path.join(out, "surface_2d.png")),
        plots.save(figure_interpolation(s), os.path.join(out, "interpolation.png")),
        plots.save(
            figure_init(results["init"], f"initialisation, {results['sizes']} relu"),
            os.path.join(out, "initialisation.png"),
        ),
        plots.save(
            figure_init(results["deep"], f"initialisation of a {len(results['deep_sizes']) - 1}-layer relu network"),
            os.path.join(out, "deep_relu.png"),
        ),
    ]


def summary_of(results):
    s, h = results["surfaces"], results["history"]
    init_rows = lambda runs: {
        name: {
            "final_train_loss": float(r["train_loss"][-1]),
            "final_test_loss": float(r["test_loss"][-1]),  # noqa: E731
            "hidden_spread": r["hidden_spread"],
            "diverged_at": r["diverged_at"],
            "first_step_layer_grad_norms": r["layer_grad_norm"][0].tolist(),
        }
        for name, r in runs.items()
    }
    summary = {
        "data": results["data"],
        "sizes": results["sizes"],
        "train_loss": {"w0": float(h["train_loss"][0]), "w_hat": float(h["train_loss"][-1])},
        "test_loss": {"w0": float(h["test_loss"][0]), "w_hat": float(h["test_loss"][-1])},
        "slice_minimum_offset": {name: float(s["alphas"][np.argmin(v["train"])]) for name, v in s["slices"].items()},
        "interpolation_monotone_train": bool(
            np.all(np.diff(s["interpolation"]["train"][(s["ts"] >= 0) & (s["ts"] <= 1)]) <= 0)
        ),
        "plane_min_at_centre": bool(
            np.unravel_index(np.argmin(s["plane"]), s["plane"].shape) == (len(s["plane_axis"]) // 2,) * 2
        ),
        "init": init_rows(results["init"]),
        "deep_sizes": results["deep_sizes"],
        "deep": init_rows(results["deep"]),
    }
    centre = len(s["plane_axis"]) // 2
    summary["plane_centre_loss"], summary["plane_min_loss"] = (
        float(s["plane"][centre, centre]),
        float(np.min(s["plane"])),
    )
    summary["config"] = results["config"]
    summary["claims"] = [
        *surface_claims(summary),
        CLAIMS.attach("data", measured=results["data"], data=results["data"]),
    ]
    return summary


# ----- the claims table: the lecture's pictures and statements on initialisation, declared once ------------
VANISH = "the gradient will decrease exponentially fast and tend to vanish (hurting learning in lower layers much more)"
EXPLODE = "Conversely, if several matrices have large norm, the gradient will tend to explode"
CHANCE = math.log(10)  # the cross-entropy of uniform probabilities over 10 classes
DEEP_WIDTH = 32  # --deep-width's default: the width the vanishing factor's document value is computed for
CLAIMS = Claims("loss_surface", "004")
CLAIMS.declare(
    "slice_minimum_at_w_hat",
    where="line projection",
    quote="sample the training and testing loss surfaces at points "
    "along the direction w1, situated close to either w0 or ŵ",
    claim="alpha of the lowest train loss on the 1-D slice through the trained weights",
    unit="alpha",
    document_value=0.0,
    rule=exact(),
)
CLAIMS.declare(
    "plane_minimum_at_w_hat",
    where="plane projection",
    quote="draw the projection of the loss surface to the plane, which is defined by 2 random vectors",
    claim="the lowest point of the plane through w_hat is w_hat itself",
    unit="",
    document_value=True,
    rule=holds("argmin of the plane = its centre"),
)
CLAIMS.declare(
    "all_equal_never_breaks",
    where="impact of initialization",
    quote="Don't initialize all weights to be the same",
    claim="hidden units' largest weight difference after training from all-equal weights (shallow and deep)",
    unit="",
    document_value=0.0,
    rule=exact(),
)
CLAIMS.declare(
    "vanishing_gradients",
    where="vanishing / exploding gradients",
    quote=VANISH,
    claim="N(0, 1e-3^2), {layers} relu layers of {width}: per-layer factor of the first step's gradient norm, "
    "(|g_1| / |g_L|)^(1 / (L - 1))",
    unit="factor",
    # per layer, backpropagation multiplies |delta| by about sigma sqrt(n / 2) (relu halves the variance: He et al.)
    document_value=1e-3 * math.sqrt(DEEP_WIDTH / 2),
    rule=ratio(1.5),
    note="document value: sigma sqrt(n / 2), He et al.'s per-layer factor for relu (the lecture's footnote 4)",
)
CLAIMS.declare(
    "exploding_gradients",
    where="vanishing / exploding gradients",
    quote=EXPLODE,
    claim="N(0, 1), {layers} relu layers: the first step's layer-1 gradient norm / He initialisation's",
    unit="ratio",
    rule=band(1e3, None),
)
CLAIMS.declare(
    "good_init_converges",
    where="impact of initialization, figure 9",
    quote="30-layer ReLU net: good init is able to converge",
    claim="{layers}-layer relu network from He initialisation: final train loss",
    unit="cross-entropy",
    rule=beats_baseline(CHANCE, "ln 10, uniform probabilities", better="lower"),
)
CLAIMS.declare(
    "small_init_stuck",
    where="impact of initialization, figure 9",
    quote="good init is able to converge",
    claim="{layers}-layer relu network from N(0, 1e-3^2): final train loss",
    unit="cross-entropy",
    document_value=CHANCE,
    rule=relative(0.01),
    note="ln 10: it learns nothing",
)
CLAIMS.declare(
    "interpolation_monotone",
    where="beyond the lecture (Goodfellow et al. 2015)",
    quote="",
    claim="the training loss falls monotonically along the straight line from w0 to w_hat",
    unit="",
    document_value=True,
    rule=holds("every step of the line t in [0, 1] lowers the train loss"),
    kind="beyond",
    document="Goodfellow et al. 2015",
)
CLAIMS.setting(
    "data",
    choice="{data} (the lecture trains on Fashion-MNIST)",
    alternative="Fashion-MNIST cannot ship with minnet (--data fashion --data-dir DIR reads its IDX files); the "
    "shapes of the curves are compared, not their values",
    depends_on=list(CLAIMS.declared),  # every claim above
)


def surface_claims(s):
    """The lecture's pictures and statements on initialisation, as measured statements; what it cites beside them."""
    small, large, he = (s["deep"][name]["first_step_layer_grad_norms"] for name in
                        ("N(0, 1e-3^2): too small", "N(0, 1): too large", "He"))  # fmt: skip
    layers, width = len(s["deep_sizes"]) - 1, s["deep_sizes"][1]
    per_layer = (small[0] / small[-1]) ** (1 / (layers - 1)) if small[-1] > 0 and small[0] > 0 else None
    deep = s["deep"]
    vanishing = {} if width == DEEP_WIDTH else {"rule": not_comparable(f"the document value is for width {DEEP_WIDTH}")}
    return [
        CLAIMS.attach(
            "slice_minimum_at_w_hat",
            measured=s["slice_minimum_offset"]["w_hat"],
            note=f"through w0 the lowest point is at alpha {s['slice_minimum_offset']['w0']:.2f}: w0 is no minimum",
        ),
        CLAIMS.attach(
            "plane_minimum_at_w_hat",
            measured=s["plane_min_at_centre"],
            note=f"lowest {s['plane_min_loss']:.4g}, at w_hat {s['plane_centre_loss']:.4g}",
        ),
        CLAIMS.attach(
            "all_equal_never_breaks",
            measured=max(max(s["init"]["all equal"]["hidden_spread"]), max(deep["all equal"]["hidden_spread"])),
            note=f"train loss {s['init']['all equal']['final_train_loss']:.4g} (ln 10 = {CHANCE:.4g}: chance)",
        ),
        CLAIMS.attach("vanishing_gradients", measured=per_layer, layers=layers, width=width, **vanishing),
        CLAIMS.attach(
            "exploding_gradients",
            measured=large[0] / he[0],
            note=f"every layer alike: |g_1| / |g_L| = {large[0] / large[-1]:.3g}, as the activations explode going up",
            layers=layers,
        ),
        CLAIMS.attach("good_init_converges", measured=deep["He"]["final_train_loss"], layers=layers),
        CLAIMS.attach("small_init_stuck", measured=deep["N(0, 1e-3^2): too small"]["final_train_loss"], layers=layers),
        CLAIMS.attach("interpolation_monotone", measured=s["interpolation_monotone_train"]),
    ]


def print_summary(summary):
    print(
        f"network {summary['sizes']}: train loss {summary['train_loss']['w0']:.4g} -> "
        f"{summary['train_loss']['w_hat']:.4g}, "
        f"test {summary['test_loss']['w0']:.4g} -> {summary['test_loss']['w_hat']:.4g}"
    )
    print(f"1-D slices: lowest train loss at alpha = {summary['slice_minimum_offset']}")
    print(f"train loss falls monotonically along the line w0 -> w_hat: {summary['interpolation_monotone_train']}")
    print(f"the plane's lowest point is w_hat itself: {summary['plane_min_at_centre']}")
    for title, key in (
        ("initialisation", "init"),
        (f"deep relu {summary['deep_sizes'][:2]}... ({len(summary['deep_sizes']) - 1} layers)", "deep"),
    ):
        print(f"\n{title}:")
        print(
            f"  {'init':<26}{'final train':>12}{'final test':>12}{'hidden units spread':>22}{'|g| layer 1 / layer L':>24}"
        )
        for name, r in summary[key].items():
            g = r["first_step_layer_grad_norms"]
            ratio = g[0] / g[-1] if g[-1] > 0 else float("nan")
            spread = max(r["hidden_spread"]) if r["hidden_spread"] else 0.0
            print(
                f"  {name:<26}{r['final_train_loss']:>12.4g}{r['final_test_loss']:>12.4g}{spread:>22.3g}{ratio:>24.3g}"
            )
    spread = summary["init"]["all equal"]["hidden_spread"]
    print(
        f"\nall-equal start: hidden units still identical after training (largest difference {max(spread):.3g}): "
        f"{max(spread) == 0.0}"
    )
    print_claims(summary["claims"])


def save_results(results, out, summary, args):
    s = results["surfaces"]
    arrays = {"alphas": s["alphas"], "plane_axis": s["plane_axis"], "plane": s["plane"], "ts": s["ts"]}
    for name, v in s["slices"].items():
        arrays.update({f"slice_{name}/train": v["train"], f"slice_{name}/test": v["test"]})
    arrays.update(
        {"interpolation/train": s["interpolation"]["train"], "interpolation/test": s["interpolation"]["test"]}
    )
    for group in ("init", "deep"):
        for name, r in results[group].items():
            arrays[f"{group}/{name}/train_loss"] = r["train_loss"]
            arrays[f"{group}/{name}/layer_grad_norm"] = r["layer_grad_norm"]
    save_outputs(out, arrays, summary)


def memory_needed(args):
    """Bytes of the largest arrays: the parameter vectors of a plane or slice evaluated at once (P floats
    each, twice), and the activations of the deep network on the training set (z and a of every layer)."""
    N = min(args.subset, 60000) if args.data in ("mnist", "fashion") else DATA_EXAMPLES[args.data]
    n_in = 64 if args.data == "digits" else 784
    P = (n_in + 1) * args.hidden + (args.hidden + 1) * 10
    deep = 8 * 2 * N * (n_in + args.deep_width * args.deep_layers) + 8 * 4 * args.deep_layers * args.deep_width**2
    return {
        "--plane-points": 16 * P * args.plane_points**2,
        "--points": 16 * P * args.points,
        "--hidden": 16 * P * args.plane_points**2 + 8 * 4 * N * args.hidden,
        "--deep-width": deep,
        "--deep-layers": deep,
        "--subset": 8 * 2 * N * n_in,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = study_parser("loss_surface", __doc__)
    add_data_options(p, "--subset examples of their training set, a fifth as many of their test set")
    p.add_argument(
        "--subset", type=positive_int, default=6000, help="training examples taken from an IDX data set (default 6000)"
    )
    p.add_argument("--hidden", type=positive_int, default=32, help="hidden units (default 32)")
    p.add_argument("--epochs", type=positive_int, default=30, help="Adam epochs (default 30)")
    p.add_argument("--lr", type=positive_float, default=0.01, help="Adam learning rate (default 0.01)")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument("--bound", type=float_in(0, 1000, open_lo=True), default=1.0, help="alpha in [-b, b] (default 1)")
    p.add_argument("--points", type=positive_int, default=51, help="points along each 1-D slice (default 51)")
    p.add_argument(
        "--plane-points", type=positive_int, default=31, help="points per axis of the 2-D plane (default 31)"
    )
    p.add_argument("--deep-layers", type=int_in(2), default=20, help="layers of the deep relu network (default 20)")
    p.add_argument("--deep-width", type=positive_int, default=DEEP_WIDTH)
    p.add_argument("--deep-epochs", type=positive_int, default=15)
    p.add_argument("--seed", type=seed, default=0)
    add_output_options(p, DEFAULT_OUT, "few epochs and points, for tests")
    quick = {"epochs": 3, "deep_epochs": 2, "points": 11, "plane_points": 7, "deep_layers": 6}
    args = parse_study_args(p, argv, quick)
    check_data_options(p, args)
    refuse_if_too_big(p, memory_needed(args))
    say_kernels("landscape")
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
