"""Document 000, sections 2.1 and 2.2: a stable run that suddenly oscillates.

    python -m demos.oscillations                     (f1, 3, 1, 1000), the document's figures 1 and 2
    python -m demos.oscillations --f f2 --h 8 --lr 0.1 --epochs 1200 --zoom 1000 1200
    python -m demos.oscillations --lr-study          figure 3: (f1, 2, {0.2, 0.3, 0.4}, 50,000)
    python -m demos.oscillations --animate           the document's dynamic 3x3 view as a GIF

Beyond the document: the sharpness, the top eigenvalue of the training error's Hessian, measured
at every iteration (minnet.hessian), rises past 2/lr (at iteration 481) long before the angle
grows: gradient descent is then unstable along the Hessian's top eigenvector, which is Cohen et
al.'s "edge of stability" (ICLR 2021) and the reason behind the document's sudden oscillations.

Trains document 000's network (TwoLayerNet, sigmoid, half squared error, full-batch gradient
descent from the document's seeded data and weights) and measures the order of events the
document describes: first the angle between consecutive gradients grows, then the gradient norm,
then the error.

The run trains through `fit` and the network's own backpropagation (--loop example_by_example: the
document's loop compiled, the same bits). Figure 3's three runs of 50,000 iterations and the document's
other runs, (f2, 8, 0.1, 1200) and (f1, 3, 0.1, 10,000), train on the compiled loop, their sharpness
measured from their weights after training (the same numbers, minnet.studies.dynamics.sharpness_along). minnet's run finds the smallest gradient norm, train and
test error at iterations 728, 745, 748 on every machine (minnet.arithmetic); the notebook printed
734, 752, 755. The run is chaotic after ~500 iterations, so the study runs it 30 more times with
every input moved by one ulp and judges the notebook's numbers against that spread (figure
last_bit.png: the storms at 724-742, the weights equal to 1e-15 for 500 iterations).
"""

import os
from collections.abc import Sequence

import numpy as np

from demos.claims import (
    Claims,
    band,
    exact,
    holds,
    not_comparable,
    plausible_draw,
    print_claims,
    ratio,
    relative,
)
from demos.cli import (
    add_output_options,
    add_sweep_options,
    count,
    float_in,
    int_in,
    parse_study_args,
    refuse_if_too_big,
    run_study,
    save_outputs,
    say_kernels,
    study_parser,
    sweep_runner,
)
from minnet import TwoLayerNet
from minnet.data import TARGETS
from minnet.studies.dynamics import (
    DOCUMENT_ONSET,
    EVENTS,
    FIGURE_3_LATE_FALL,
    LOOPS,
    LR_STUDY,
    NOTEBOOK_EVENTS,
    SECOND_SETTING,
    STAGNATES,
    X_GRID,
    document_checks,
    first_above,
    gradient_path_2d,
    last_bit_runs,
    lr_study,
    measured_run,
)

DEFAULT_OUT = os.path.join("minnet-out", "oscillations")
LAST_BIT_RUNS, LAST_BIT_RUNS_QUICK = 30, 10  # runs with the inputs moved by one ulp (minnet.studies.dynamics)
APART_AT = (100, 300, 500, 600, 700)  # iterations where the summary gives how far those runs' weights are apart


def run(args):
    """The run and its measures (minnet.studies.dynamics.measured_run); figure 3's learning-rate study when
    asked; at the document's (f1, 3, 1, 1000) its other runs and the runs with the inputs moved by one ulp."""
    every = (args.sharpness_every or None) if args.loop == "vectorised" else None
    results = measured_run(args.f, args.h, args.lr, args.epochs, args.init_scale, args.loop, not args.quiet, every)
    if args.lr_study:
        results["lr_study"] = lr_study(2_000 if args.quick else LR_STUDY["epochs"], runner=sweep_runner(args))
    if DOCUMENT_RUNS.get(results["setting"]) == "figures 1 and 2" and args.loop == "vectorised" and not args.quick:
        results["document_checks"] = document_checks()
    if DOCUMENT_RUNS.get(results["setting"]) == "figures 1 and 2" and results["summary"]["diverged_at"] is None:
        runs = LAST_BIT_RUNS_QUICK if args.quick else LAST_BIT_RUNS
        results["last_bit"] = last_bit_runs(args.f, args.h, args.lr, args.epochs, runs, progress=not args.quiet)
    return results


# ----- figures -----------------------------------------------------------------------------------
def figure_errors_and_gradients(results, zoom):
    """Document 000's figure 1: errors, gradient norm, angles, their zooms, and the weights."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    fig, axes = plt.subplots(3, 3, figsize=(16, 12), constrained_layout=True)
    train, test, norms, degrees = (
        results["train_loss"],
        results["test_loss"],
        results["grad_norm"],
        results["grad_angle"],
    )
    plots.errors(axes[0, 0], train, test)
    plots.grad_norms(axes[0, 1], norms)
    plots.angles(axes[0, 2], degrees)
    a, b = zoom
    plots.errors(axes[1, 0], train[a : b + 1], test[a : b + 1], start=a, marks=False)
    plots.grad_norms(axes[1, 1], norms[max(a - 1, 0) : b], start=max(a, 1), marks=False)
    plots.angles(axes[1, 2], degrees[max(a - 2, 0) : max(b - 1, 0)], start=max(a, 2))
    plots.errors(axes[2, 0], train[a : b + 1], test[a : b + 1], start=a, marks=False)
    axes[2, 0].set(yscale="linear", ylabel="error (linear scale)")
    U, V = results["U"], results["V"]
    t = np.arange(U.shape[0])
    plots.weight_entries(axes[2, 1], t, U, "U[{}, :]")
    axes[2, 1].set_ylabel("U (solid: input weight, dashed: bias)")
    plots.weight_entries(axes[2, 2], t, np.swapaxes(V, 1, 2), "V[0, {}]")
    axes[2, 2].set_ylabel("entries of V")
    titles = [
        "error",
        "gradient norm",
        "angle between consecutive gradients",
        *(f"{name}, iterations {a}-{b}" for name in ("error", "gradient norm", "angle")),
        f"error, iterations {a}-{b}, linear scale",
        "hidden weights U",
        "output weights V",
    ]
    for ax, letter, title in zip(axes.flat, "abcdefghi", titles):
        ax.set_title(f"({letter}) {title}", loc="left")
    fig.suptitle(f"document 000, figure 1: errors, gradients and weights; (d)-(g) zoom on iterations {a}-{b}")
    return fig


def figure_gradient_path(results, zoom):
    """Document 000's figure 2: the 2-D gradient picture, whole and zoomed."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    points = gradient_path_2d(results["grad_norm"], results["grad_angle"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 6.5), constrained_layout=True)
    plots.gradient_path(left, points, dots_every=100, start="iteration 1")
    left.set_title("(a) 2-D gradient picture (red dot every 100 iterations)")
    a, b = zoom
    i_norm, i_train = int(np.argmin(results["grad_norm"])), int(np.argmin(results["train_loss"]))
    marks = {
        f"smallest gradient norm (iteration {i_norm + 1})": (i_norm - a, "rx"),
        f"smallest train error (iteration {i_train})": (i_train - a, "m+"),
    }
    plots.gradient_path(
        right,
        points[a : b + 2],
        dots_every=0,
        start=f"iteration {a}",
        marks={k: v for k, v in marks.items() if 0 <= v[0] <= b + 1 - a},
    )
    right.set_title(f"(b) zoom on iterations {a}-{b}")
    return fig


def figure_learned_function(results, title):
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    fig, ax = plt.subplots(figsize=(7.5, 5.5), constrained_layout=True)
    plots.learned_function(ax, results["X"], results["Y"], X_GRID, results["target"], results["learned"])
    train = results["train_loss"]
    best, last = int(np.nanargmin(train)), len(train) - 1
    if train[last] > 2 * train[best]:  # the last weights are not the best ones: say which the picture shows
        title += f"\nafter the last iteration, {last}: error {train[last]:.2g}, against {train[best]:.2g} at iteration {best}"
    ax.set_title(title)
    return fig


def figure_lr_study(study):
    """Document 000's figure 3 (top): the error for each learning rate, the onset of instability marked;
    below, each run's sharpness against its own 2/lr."""
    import matplotlib.pyplot as plt

    rates = study["rates"]
    fig, axes = plt.subplots(2, len(rates), figsize=(6 * len(rates), 8), sharex=True, sharey="row", squeeze=False)
    for (top, bottom), (lr, r) in zip(axes.T, rates.items()):
        top.semilogy(r["train_loss"], label="train error")
        if r["onset"] is not None:
            top.axvline(r["onset"], color="r", linestyle="--", label=f"instability from iteration {r['onset']:,}")
        top.set_title(f"(f1, 2, {lr}, {study['epochs']:,}): final error {r['final_train_loss']:.3g}")
        top.set_ylabel("train error (log scale)")
        top.legend(fontsize=9)
        sharpness_panel(bottom, r["sharpness_iteration"], r["sharpness"], lr)
    return fig


def figure_last_bit(results):
    """Chaos, beyond the document: minnet's run and the runs whose inputs differ in the last bit agree to
    1e-15 for hundreds of iterations (right), then part, and each meets its storm at its own iteration (left)."""
    import matplotlib.pyplot as plt

    draws, norms = results["last_bit"], results["grad_norm"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 5.2))
    t = np.arange(1, norms.size + 1)  # gradient i is plotted at iteration i + 1
    window = (t >= 650) & (t <= 800)
    for k, run in enumerate(draws["grad_norm"]):
        left.semilogy(
            t[window],
            run[window],
            color="tab:blue",
            lw=0.6,
            alpha=0.5,
            label="inputs moved by one ulp" if k == 0 else None,
        )
    left.semilogy(t[window], norms[window], color="k", lw=1.5, label="minnet's run (every machine)")
    left.axvline(NOTEBOOK_EVENTS["argmin_grad_norm"], color="tab:red", ls="--", label="the notebook's smallest norm")
    left.set(
        xlabel="iteration",
        ylabel="gradient norm (log scale)",
        title=f"{len(draws['grad_norm'])} runs: each its own storm",
    )
    left.legend(fontsize=9)
    apart = draws["apart"]
    right.semilogy(np.arange(1, apart.size), np.maximum(apart[1:], 1e-17), color="tab:blue")
    right.axhline(1e-12, color="gray", ls=":", label="1e-12")
    right.set(
        xlabel="iteration",
        ylabel="largest relative weight difference (log scale)",
        title="how far the runs' weights are from minnet's",
    )
    right.legend(fontsize=9)
    return fig


def sharpness_panel(ax, iteration, sharpness, lr, legend="best"):
    """The sharpness lambda_max(H) against iterations, with the stability limit 2/lr and where it is crossed."""
    ax.plot(iteration, sharpness, color="tab:purple", label=r"sharpness $\lambda_{\max}(H)$")
    ax.axhline(2.0 / lr, color="k", linestyle="--", label=f"2/lr = {2.0 / lr:.3g}")
    above = first_above(sharpness, 2.0 / lr)
    if above is not None:
        ax.axvline(
            iteration[above], color="tab:purple", linestyle=":", label=f"crosses 2/lr at iteration {iteration[above]:,}"
        )
    ax.set_xlabel("iteration")
    ax.set_ylabel("top Hessian eigenvalue")
    ax.legend(fontsize=9, loc=legend)


def figure_edge_of_stability(results, lr):
    """Error, gradient norm, angle and sharpness on one time axis, with the order of events marked."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    s = results["summary"]
    events = [
        ("sharpness > 2/lr", s["sharpness_crosses_2_over_lr"], "tab:purple"),
        ("angle grows", s["angle_growth_start"], "tab:green"),
        ("min gradient norm", s["argmin_grad_norm"], "tab:red"),
        ("min train error", s["argmin_train_loss"], "tab:orange"),
    ]
    fig, axes = plt.subplots(4, 1, figsize=(10, 11), sharex=True)
    plots.errors(axes[0], results["train_loss"], results["test_loss"], marks=False)
    plots.grad_norms(axes[1], results["grad_norm"], marks=False)
    plots.angles(axes[2], results["grad_angle"])
    sharpness_panel(axes[3], results["sharpness_iteration"], results["sharpness"], lr, legend="upper left")
    for ax in axes:
        for label, t, colour in events:
            if t is not None:
                ax.axvline(
                    t,
                    color=colour,
                    linestyle=":",
                    linewidth=1.5,
                    label=f"{label} (iteration {t})" if ax is axes[0] else None,
                )
        ax.label_outer()
    axes[0].legend(fontsize=9, loc="upper center", ncol=2)
    for ax, title in zip(
        axes,
        [
            "error",
            "norm of the gradient",
            "angle between consecutive gradients",
            "sharpness against the stability limit 2/lr",
        ],
    ):
        ax.set_title(title, fontsize=11)
    fig.suptitle(
        f"the edge of stability: the sharpness passes 2/lr = {2 / lr:g} first, then the angle, the norm and the "
        "error follow"
    )
    fig.tight_layout()
    return fig


def plot(results, out, args):
    """Write every figure of the study to `out`; returns the paths."""
    from minnet.tools import plots

    zoom = clamp_zoom(args.zoom, len(results["grad_norm"]))
    title = f"({args.f}, {args.h}, {args.lr}, {args.epochs}): learned function"
    figures = {
        "fig1_errors_gradients_weights.png": figure_errors_and_gradients(results, zoom),
        "fig2_gradient_picture.png": figure_gradient_path(results, zoom),
        "learned_function.png": figure_learned_function(results, title),
    }
    diverged = results["summary"]["diverged_at"]
    if diverged is not None:
        for fig in figures.values():
            fig.suptitle(
                f"diverged at iteration {diverged}: shown up to iteration {diverged - 1}, the last finite one",
                color="tab:red",
            )
    paths = [plots.save(fig, os.path.join(out, name)) for name, fig in figures.items()]
    if "sharpness" in results:
        paths.append(plots.save(figure_edge_of_stability(results, args.lr), os.path.join(out, "edge_of_stability.png")))
    if "lr_study" in results:
        paths.append(plots.save(figure_lr_study(results["lr_study"]), os.path.join(out, "fig3_learning_rates.png")))
    if "last_bit" in results:
        paths.append(plots.save(figure_last_bit(results), os.path.join(out, "last_bit.png")))
    if args.animate:
        paths.append(
            animate(
                results,
                out,
                args.frames,
                args.show and bool(os.environ.get("DISPLAY")),
                not args.quiet,
            )
        )
    return paths


def clamp_zoom(zoom, T):
    """The zoom window inside the run (a run that diverged early is shorter)."""
    a, b = min(zoom[0], max(T - 1, 0)), min(zoom[1], T)
    return a, max(a, b)


# ----- the dynamic view ---------------------------------------------------------------------------
def animate(results, out, frames, show, progress):
    """The document's 3x3 dynamic view, one frame per few iterations, as a GIF (matplotlib's Pillow writer)."""
    import matplotlib.pyplot as plt

    from minnet.tools import plots

    points = gradient_path_2d(results["grad_norm"], results["grad_angle"])
    T = len(results["grad_norm"])
    steps = np.unique(np.linspace(1, T, frames).astype(int))
    fig, axes = plt.subplots(3, 3, figsize=(15, 11))

    def draw(t):
        for ax in axes.flat:
            ax.clear()
        net = TwoLayerNet(h=results["U"].shape[1] + 1)
        net.U[:], net.V[:] = results["U"][t], results["V"][t]
        axes[0, 0].plot(results["X"][:, 0], results["Y"][:, 0], "r.", markersize=2, label="train set")
        axes[0, 0].legend()
        plots.learned_function(
            axes[0, 1], results["X"], results["Y"], X_GRID, results["target"], net.forward(X_GRID[:, None])[:, 0]
        )
        plots.errors(axes[0, 2], results["train_loss"][: t + 1], results["test_loss"][: t + 1], marks=False)
        plots.grad_norms(axes[1, 0], results["grad_norm"][:t], marks=False)
        plots.angles(axes[1, 1], results["grad_angle"][: max(t - 1, 0)])
        plots.gradient_path(axes[1, 2], points[max(0, t - 30) : t + 1], dots_every=0)
        shown = range(min(4, results["U"].shape[1]))
        plots.series(
            axes[2, 0], np.arange(t + 1), results["U"][: t + 1, list(shown), 0], [f"U{i}0" for i in shown], "U column 0"
        )
        plots.series(
            axes[2, 1], np.arange(t + 1), results["U"][: t + 1, list(shown), 1], [f"U{i}1" for i in shown], "U column 1"
        )
        plots.series(
            axes[2, 2],
            np.arange(t + 1),
            results["V"][: t + 1, 0, :],
            [f"V[{i}]" for i in range(results["V"].shape[2])],
            "V",
        )
        fig.suptitle(f"iteration {t}/{T}")

    path = os.path.join(out, "dynamic_view.gif")
    animation = plots.save_animation(fig, draw, steps, path, fps=10, progress=progress, close=not show)
    if show:
        plt.show()  # the window plays `animation`, which must stay referenced until it closes
        plt.close(fig)
    del animation
    return path


# ----- the claims -------------------------------------------------------------------------------------
DOCUMENT_RUNS = {("f1", 3, 1.0, 1000, 1.0): "figures 1 and 2", ("f2", 8, 0.1, 1200, 1.0): "section 2.1"}
ORDER = "first the angle grows ... then the norm of the gradient grows ... and finally the error grows"


def summary_of(results):
    """The run's measures (event_order, sharpness_events) and each learning-rate-study run's, without
    curves; the document's other runs; the configuration; the claims."""
    summary = dict(results["summary"])
    if "lr_study" in results:
        curves = ("train_loss", "sharpness", "sharpness_iteration")
        rates = {
            str(lr): {k: v for k, v in r.items() if k not in curves} for lr, r in results["lr_study"]["rates"].items()
        }
        summary["lr_study"] = {"epochs": results["lr_study"]["epochs"], "rates": rates}
    if "document_checks" in results:
        summary["document_checks"] = results["document_checks"]
    if "last_bit" in results:
        draws = results["last_bit"]
        summary["last_bit"] = {
            "runs": len(draws[EVENTS[0]]),
            **{key: [int(i) for i in draws[key]] for key in EVENTS},
            "apart_at": {str(t): float(draws["apart"][t]) for t in APART_AT if t < len(draws["apart"])},
        }
    f, h, lr, epochs, init_scale = results["setting"]
    summary["config"] = {
        "data": f"document 000's {f}: 1,000 training and 100 test points x in [-5, 5), seeded as the notebook",
        "network": f"TwoLayerNet 1-{h - 1}(+bias)-1, sigmoid hidden units, linear output",
        "init": f"N(0, 0.01^2) from the document's seed, x{init_scale:g}",
        "loss": "half squared error, mean over the examples",
        "optimizer": f"full-batch gradient descent, lr {lr}",
        "epochs": epochs,
        "loop": results["summary"]["loop"],
        "lr_study": {**LR_STUDY, "epochs": summary["lr_study"]["epochs"]} if "lr_study" in summary else None,
    }
    summary["claims"] = claims(summary, results["setting"])
    return summary


# ----- the claims table: every claim of document 000 this study tests, declared once ----------------------
CLAIMS = Claims("oscillations", "000")
ONSET = "iteration where the error first rises 10% above its running minimum"
EVENT_NAMES = {
    "argmin_grad_norm": "smallest gradient norm",
    "argmin_train_loss": "smallest train error",
    "argmin_test_loss": "smallest test error",
}
CLAIMS.declare(
    "diverged",
    where="section 2",
    quote="",
    claim="the run {setting} stays finite",
    unit="",
    rule=not_comparable("it diverged at iteration {at} ({reason}); nothing is measured from the blow-up"),
)
CLAIMS.setting(
    "setting",
    choice="this run is {setting}; the document describes (f1, 3, 1, 1000) and (f2, 8, 0.1, 1200)",
    alternative="no document numbers for this setting; run the defaults to compare",
    depends_on=[],
)
for key, name in EVENT_NAMES.items():  # the notebook's printed iterations, one draw of a chaotic run
    CLAIMS.declare(
        key.replace("_loss", ""),
        where="figure 2 (the notebook's printout)",
        quote="the red crosses highlight where the gradient's norm and the training error are minimal",
        claim=f"iteration of the {name} of (f1, 3, 1, 1000), among runs whose inputs differ in the last bit",
        unit="iteration",
        document_value=NOTEBOOK_EVENTS[key],
        rule="plausible_draw",
    )
CLAIMS.declare(
    "storm_moves_with_the_last_bit",
    where="beyond the document",
    quote="",
    claim="a change of the inputs in their last bit moves the storm by iterations, while the stable stretch agrees "
    "to 1e-12",
    unit="",
    rule=holds("spread of argmin_grad_norm >= 2 and weights apart by <= 1e-12 at iteration 500"),
    kind="beyond",
)
CLAIMS.declare(
    "grad_norm_growth",
    where="section 2.2",
    quote="the gradient's norm gets 600 times bigger",
    claim="largest gradient norm after its minimum / the minimum",
    unit="ratio",
    document_value=600,
    rule=ratio(1.5),
)
CLAIMS.declare(
    "stable_stretch",
    where="section 2.2",
    quote="For hundreds of iterations (iterations 30 to 710), consecutive updates ... are almost perfectly aligned",
    claim="last iteration of the longest stretch of angles below 1 degree",
    unit="iteration",
    document_value=710,
    rule=relative(0.05),
)
for prefix, quote, setting_name in (
    ("", ORDER, "the angle grows before the gradient norm, which grows before the error"),
    ("f2_", "The same order holds for (f2, 8, 0.1, 1200)", "(f2, 8, 0.1, 1200): the angle grows before the gradient "
     "norm, before the error"),
):  # fmt: skip
    CLAIMS.declare(
        f"{prefix}order_of_events",
        where="section 2.1",
        quote=quote,
        claim=setting_name,
        unit="",
        document_value=True,
        rule=holds("angle_growth_start < argmin_grad_norm < argmin_train_loss"),
    )
    CLAIMS.declare(  # beyond the document (Cohen et al. 2021): the top Hessian eigenvalue passes 2/lr first
        f"{prefix}sharpness_before_angle",
        where="beyond the document (Cohen et al. 2021)",
        quote="",
        claim="at lr {lr} the sharpness passes 2/lr = {two_over_lr} before the angle starts growing",
        unit="",
        rule=holds("sharpness_crosses_2_over_lr < angle_growth_start"),
        kind="beyond",
    )
CLAIMS.declare(
    "slower_removes_instability",
    where="section 2.2",
    quote="dividing the learning rate and multiplying the number of epochs accordingly leads to the same plots but "
    "without the instability",
    claim="(f1, 3, 0.1, 10,000): iteration where the error first rises 10% above its running minimum",
    unit="iteration",
    rule=exact(),
)
CLAIMS.declare(
    "lr_study",
    where="figure 3",
    quote="",
    claim="the learning-rate study",
    unit="",
    rule=not_comparable("a shortened study of {epochs:,} iterations (--quick)"),
)
for lr, onset in DOCUMENT_ONSET.items():
    CLAIMS.declare(
        f"lr_study_onset_{lr}",
        where="figure 3",
        quote="The last plot of figure 3 does not show any instability"
        if onset is None
        else "reducing the learning rate from 0.4 to 0.3 moves the start of the instability from iteration ~9000 to "
        "~34000",
        claim=f"(f1, 2, {lr}, 50,000): {ONSET}",
        unit="iteration",
        document_value=onset,
        rule=exact() if onset is None else relative(0.05),
    )
CLAIMS.declare(
    "lr_study_stability_ratio",
    where="section 2.2",
    quote="multiplies the period of stability by 3.77 (and not 1.33)",
    claim="onset at lr 0.3 / onset at lr 0.4",
    unit="ratio",
    document_value=3.77,
    rule=relative(0.05),
)
CLAIMS.declare(
    "final_error_f1_2_0.2",
    where="section 3.1",
    quote="(f1, 2, 0.2, 50*10^3) achieves a final error of 2.22*10^-4",
    claim="(f1, 2, 0.2, 50,000): final test error",
    unit="half squared error",
    document_value=2.22e-4,
    rule=relative(0.05),
)
LATE_FALL = "(f1, 2, 0.2, 50,000): fall of the test error over the last 10,000 iterations, relative to its end"
CLAIMS.declare(
    "stagnates_f1_2_0.2",
    where="section 3.1",
    quote="the former is still decreasing while later stagnates",
    claim=LATE_FALL,
    unit="fraction",
    rule=band(None, STAGNATES),
    note="neurons.still_decreasing_f1_3_0.2 is the other half (h = 3 keeps falling). The rule (minnet's reading of "
    f"'stagnates': a fall below {STAGNATES:.0%}), not the run, differs: the document's own figure 3 falls "
    f"{FIGURE_3_LATE_FALL['value']:.1%} +- {FIGURE_3_LATE_FALL['reading_error']:.0%} over its last 10,000 iterations "
    "(read off the figure: row stagnates_as_figure_3), and h = 3 falls 40% in its figure 4 (minnet 37.5%): on the "
    "figure's log axis 14% is 1.5% of the plot's height",
)
CLAIMS.declare(
    "stagnates_as_figure_3",
    where="figure 3",
    quote="the former is still decreasing while later stagnates",
    claim=LATE_FALL + ", against the same fall read off the document's figure 3",
    unit="fraction",
    document_value=FIGURE_3_LATE_FALL["value"],
    rule=band(
        FIGURE_3_LATE_FALL["value"] - FIGURE_3_LATE_FALL["reading_error"],
        FIGURE_3_LATE_FALL["value"] + FIGURE_3_LATE_FALL["reading_error"],
    ),
    note="the figure read at 10,000 / 20,000 / 40,000 / 50,000: 5.55e-4, 3.74e-4, 2.53e-4 and the document's final "
    "error; the band is the reading's error (one pixel of the log axis is 2.6%)",
)


def claims(s, setting):
    """Document 000's statements about this run (only those it makes about this (f, h, lr, epochs)), its
    other runs when they were made, the edge of stability beside them (beyond the document)."""
    where = DOCUMENT_RUNS.get(setting)
    if s["diverged_at"] is not None:
        return [CLAIMS.attach("diverged", setting=setting[:4], at=s["diverged_at"], reason=s["reason"])]
    rows = [] if where else [CLAIMS.attach("setting", setting=setting[:4])]
    if setting[0] == "f1" and where:
        rows += first_setting_rows(s)
    if where:
        rows.append(order_row("order_of_events", s))
    if "sharpness_crosses_2_over_lr" in s:
        rows.append(sharpness_row("sharpness_before_angle", s, setting[2]))
    if "document_checks" in s:
        rows += document_check_rows(s["document_checks"])
    if "lr_study" in s:
        rows += lr_study_rows(s["lr_study"])
    return rows


def first_setting_rows(s):
    """Figures 1 and 2 and section 2.2, (f1, 3, 1, 1000). The notebook's printed iterations are one draw of
    a chaotic run's floating-point noise: each is judged against minnet's runs with the inputs moved by one ulp."""
    rows = [event_row(key, s) for key in EVENTS]
    if "last_bit" in s:
        rows.append(last_bit_row(s))
    rows.append(CLAIMS.attach("grad_norm_growth", measured=s["grad_norm_growth"]))
    rows.append(
        CLAIMS.attach(
            "stable_stretch", measured=s["stable_end"], note=f"the stretch starts at iteration {s['stable_start']}"
        )
    )
    return rows


def event_row(key, s):
    """The notebook's iteration of one event against the central 90% of minnet's last-bit runs."""
    if "last_bit" not in s:
        why = "needs the runs with the inputs moved by one ulp (made at the document's setting)"
        return CLAIMS.attach(key.replace("_loss", ""), measured=s[key], rule=not_comparable(why))
    draws = s["last_bit"][key]
    return CLAIMS.attach(
        key.replace("_loss", ""),
        measured=float(np.median(draws)),
        rule=plausible_draw(draws),
        note=f"minnet's own run, the same bits on every machine: {s[key]}; {len(draws)} runs with every x_n moved by "
        f"one ulp: {min(draws)}-{max(draws)}",
    )


def last_bit_row(s):
    """Beyond the document: the storm's iteration is chaos, the stable stretch is not."""
    draws, apart = s["last_bit"]["argmin_grad_norm"], s["last_bit"]["apart_at"]
    spread = max(draws) - min(draws)
    return CLAIMS.attach(
        "storm_moves_with_the_last_bit",
        measured=spread >= 2 and apart["500"] <= 1e-12,
        note=f"smallest gradient norm at {min(draws)}-{max(draws)} over {len(draws)} runs; the weights' largest "
        "relative difference from minnet's run: " + ", ".join(f"{value:.1e} at {t}" for t, value in apart.items()),
    )


def order_row(key, s):
    return CLAIMS.attach(
        key,
        measured=bool(s["order_as_document"]),
        note=f"angle grows at {s['angle_growth_start']}, norm smallest at {s['argmin_grad_norm']}, "
        f"train error smallest at {s['argmin_train_loss']}",
    )


def sharpness_row(key, s, lr):
    """Beyond the document (Cohen et al. 2021): the top Hessian eigenvalue passes 2/lr before the angle grows."""
    crossing, peak = s["sharpness_crosses_2_over_lr"], s["sharpness_peak"]
    return CLAIMS.attach(
        key,
        measured=crossing is not None and s["angle_growth_start"] is not None and crossing < s["angle_growth_start"],
        note=f"crosses 2/lr at iteration {crossing}, peaks at {peak:.3g} ({peak * lr / 2:.2g} x 2/lr) at iteration "
        f"{s['sharpness_peak_iteration']}; the angle grows at {s['angle_growth_start']}, the error is smallest at "
        f"{s['argmin_train_loss']}",
        lr=lr,
        two_over_lr=f"{2 / lr:g}",
    )


def document_check_rows(checks):
    """The document's second setting and section 2.2's slower run (made at the defaults, ~5 s)."""
    f2 = checks["f2"]
    return [
        order_row("f2_order_of_events", f2),
        sharpness_row("f2_sharpness_before_angle", f2, SECOND_SETTING["lr"]),
        CLAIMS.attach(
            "slower_removes_instability",
            measured=checks["slower_onset"],
            note="None: no instability within the 10,000 iterations",
        ),
    ]


def lr_study_rows(study):
    """Figure 3: the onsets at lr 0.2, 0.3 and 0.4, their ratio, and (f1, 2, 0.2)'s final error."""
    rates = study["rates"]
    if study["epochs"] < LR_STUDY["epochs"]:
        return [CLAIMS.attach("lr_study", epochs=study["epochs"])]
    rows = [CLAIMS.attach(f"lr_study_onset_{lr}", measured=rates[str(lr)]["onset"]) for lr in DOCUMENT_ONSET]
    late = [rates[lr]["onset"] for lr in ("0.3", "0.4")]
    rows.append(CLAIMS.attach("lr_study_stability_ratio", measured=late[0] / late[1] if None not in late else None))
    rows.append(CLAIMS.attach("final_error_f1_2_0.2", measured=rates["0.2"]["final_test_loss"]))
    rows.append(CLAIMS.attach("stagnates_f1_2_0.2", measured=rates["0.2"]["late_fall"]))
    rows.append(CLAIMS.attach("stagnates_as_figure_3", measured=rates["0.2"]["late_fall"]))
    return rows


def print_summary(summary):
    lr_results, claims_rows = summary.get("lr_study"), summary["claims"]
    hidden = ("lr_study", "claims", "config", "document_checks")
    summary = {key: value for key, value in summary.items() if key not in hidden}
    print(f"{'measure':<30}{'this run':>14}   document 000")
    document = {
        **{key: str(value) for key, value in NOTEBOOK_EVENTS.items()},
        "grad_norm_growth": "~600",
        "stable_start": "~30",
        "stable_end": "~710",
    }
    for key, value in summary.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"{key:<30}{shown:>14}   {document.get(key, '')}")
    if "order_as_document" in summary:
        verdict = "as the document says" if summary["order_as_document"] else "NOT in the document's order"
        print(f"order of events (angle grows, then gradient norm, then error): {verdict}")
    if "sharpness_crosses_2_over_lr" in summary:
        print(
            f"with the sharpness: crosses 2/lr at {summary['sharpness_crosses_2_over_lr']} -> the angle grows at "
            f"{summary['angle_growth_start']}"
            f" -> the norm is smallest at {summary['argmin_grad_norm']} -> the train error at "
            f"{summary['argmin_train_loss']}"
            f" (peak sharpness {summary['sharpness_peak']:.3g} at {summary['sharpness_peak_iteration']})"
        )
    if lr_results:
        print(f"\nlearning-rate study (f1, 2, lr, {lr_results['epochs']:,} epochs):")
        print(
            f"{'lr':>6}{'onset':>10}{'document':>10}{'final train':>14}{'final test':>14}{'2/lr':>8}{'crossed at':>12}{'peak':>8}"
        )
        for lr, r in lr_results["rates"].items():
            print(
                f"{lr:>6}{str(r['onset']):>10}{str(r['document_onset']):>10}{r['final_train_loss']:>14.4g}{r['final_test_loss']:>14.4g}"
                f"{r['two_over_lr']:>8.3g}{str(r['sharpness_crosses_2_over_lr']):>12}{r['sharpness_peak']:>8.3g}"
            )
    if summary["diverged_at"] is not None:
        print(f"note: the run diverged (loss not finite) at iteration {summary['diverged_at']}")
    print_claims(claims_rows)


def save_results(results, out, summary, args):
    keys = ("train_loss", "test_loss", "grad_norm", "grad_angle", "U", "V", "sharpness", "sharpness_iteration")
    arrays = {key: results[key] for key in keys if key in results}
    if "last_bit" in results:
        arrays["last_bit_grad_norm"], arrays["last_bit_apart"] = (
            results["last_bit"]["grad_norm"],
            results["last_bit"]["apart"],
        )
    save_outputs(out, arrays, summary)


def parser():
    p = study_parser("oscillations", __doc__)
    p.add_argument("--f", choices=sorted(TARGETS), default="f1", help="target function (default f1 = exp(x/5))")
    p.add_argument("--h", type=int_in(2), default=3, help="hidden units including the bias unit (default 3)")
    p.add_argument(
        "--lr",
        type=float_in(0, 1e4, open_lo=True),
        default=1.0,
        help="learning rate, in (0, 10000]: larger steps overflow at the first update (default 1)",
    )
    p.add_argument("--epochs", type=int_in(2), default=1000, help="full-batch iterations (default 1000)")
    p.add_argument(
        "--init-scale",
        type=float_in(0, 1e3, open_lo=True),
        default=1.0,
        help="multiply the initial weights, in (0, 1000] (default 1)",
    )
    p.add_argument(
        "--zoom",
        type=count,
        nargs=2,
        default=[730, 760],
        metavar=("FROM", "TO"),
        help="zoomed window (default 730 760)",
    )
    p.add_argument(
        "--loop",
        choices=LOOPS,
        default="vectorised",
        help="the run's loop: vectorised: fit with the network's own backprop, as the notebook (default); "
        "example_by_example: the document's loop compiled, no sharpness (figure 3's runs train compiled either way)",
    )
    p.add_argument(
        "--sharpness-every",
        type=count,
        default=1,
        metavar="K",
        help="measure the Hessian's top eigenvalue every K iterations (default 1; 0: not at all)",
    )
    p.add_argument("--lr-study", action="store_true", help="also run figure 3: (f1, 2, {0.2, 0.3, 0.4}, 50,000)")
    add_sweep_options(p)
    p.add_argument("--animate", action="store_true", help="write the 3x3 dynamic view as dynamic_view.gif")
    p.add_argument("--frames", type=int_in(2), default=100, help="frames of the animation (default 100)")
    p.add_argument("--show", action="store_true", help="open the animation in a window when a display exists")
    add_output_options(p, DEFAULT_OUT, "short learning-rate study and animation, for tests")
    return p


def memory_needed(args):
    """Bytes of the recordings: at every iteration the weights, the gradient and the Hessian's top
    eigenvector (3h floats each), and the 1,000 examples' hidden activations while it trains."""
    P = 2 * (args.h - 1) + args.h
    return {"--h": 8 * (args.epochs + 1) * 3 * P + 8 * 4 * 1000 * args.h, "--epochs": 8 * (args.epochs + 1) * 3 * P}


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = parse_study_args(p, argv, {"frames": 10})
    if args.zoom[0] >= args.zoom[1]:
        p.error(f"argument --zoom: FROM must come before TO, got {args.zoom[0]} {args.zoom[1]}")
    refuse_if_too_big(p, memory_needed(args))
    say_kernels(*(["two_layer"] if args.loop == "example_by_example" else []))
    run_study(args, run, plot, summary_of, save_results, print_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
