"""Measures of training dynamics from document 000: the 2-D gradient picture, the order of events
when a stable run turns unstable, and duplicate hidden neurons.

Iterations are counted as the document counts them: the error at iteration t is the error after t
updates (t = 0 before training); gradient i (0-based in `grad_norm`) is used by update i + 1 and
plotted at iteration i + 1; the angle between gradients i and i + 1 is plotted at iteration i + 2.
"""

import numpy as np

from minnet.compiled import fit_example_by_example
from minnet.data import TARGETS, doc000
from minnet.optim import SGD
from minnet.recorders import SharpnessRecorder, Snapshots, TestLoss
from minnet.tools.progress import steps as progress_steps
from minnet.train import fit
from minnet.two_layer import TwoLayerNet

LOOPS = ("vectorised", "example_by_example")
# What document 000's notebook printed for (f1, 3, 1, 1000): the iterations of the smallest gradient
# norm, train error and test error. One draw of its machine's floating-point noise (`last_bit_runs`).
NOTEBOOK_EVENTS = {"argmin_grad_norm": 734, "argmin_train_loss": 752, "argmin_test_loss": 755}
EVENTS = tuple(NOTEBOOK_EVENTS)


def train_doc000(f, h, lr, epochs, init_scale=1.0, loop="vectorised", progress=False, sharpness_every=None):
    """One run of document 000's setting (its data, its initial weights, full-batch gradient descent).

    loop="vectorised" trains with `fit` (the network's own backprop); "example_by_example" with
    `fit_example_by_example` (document 000's loop compiled): the same bits either way. With `sharpness_every` k,
    the top eigenvalue of the training error's Hessian is measured every k iterations (SharpnessRecorder:
    history["sharpness"], history["sharpness_iteration"]): by fit as it trains, or, after the compiled loop, from
    the run's weights (`sharpness_along`), the same numbers.
    Returns (net, history, (X, Y)) with the trained network and its History (U, V in
    ``net.split(history["params"])``)."""
    if loop not in LOOPS:
        raise ValueError(f"loop must be one of {LOOPS}, got {loop!r}")
    X, Y, X_test, Y_test = doc000(f)
    net = TwoLayerNet(h=h, init_scale=init_scale)
    if loop == "example_by_example":
        history = fit_example_by_example(net, X, Y, lr, epochs, X_test, Y_test, progress=progress)
        if sharpness_every:
            history.update(sharpness_along(TwoLayerNet(h=h), X, Y, history["params"], sharpness_every))
    else:
        recorders = [SharpnessRecorder(X, Y, every=sharpness_every)] if sharpness_every else []
        history = fit(
            net,
            X,
            Y,
            SGD(net.params, lr=lr),
            epochs,
            recorders=[TestLoss(X_test, Y_test), Snapshots(), *recorders],
            progress=progress,
        )
    return net, history, (X, Y)


def sharpness_along(net, X, Y, params, every):
    """What SharpnessRecorder(X, Y, every) records during a full-batch run, measured after it: the
    recorder sees `net` at the run's weights params[0], params[1], ... (Snapshots' (T+1, P)), one
    update after another, as `fit` shows them to it. The measurements depend on the weights alone
    (and on the previous measurement, whose eigenvector starts the next): the same numbers."""
    recorder = SharpnessRecorder(X, Y, every=every)
    net.params = params[0]
    recorder.start(net)
    for weights in params[1:]:
        net.params = weights  # the weights after this update
        recorder.after_step(net, None, None)
    return recorder.result()


def last_bit_runs(f, h, lr, epochs, runs, seed=0, progress=False):
    """Document 000's run `runs` times, each with every training input x_n moved by one ulp, up or down
    at random (np.nextafter): how far a chaotic run's events move with the last bit of its arithmetic.

    minnet's own run is the same bits on every machine (minnet.arithmetic); another correct program,
    the notebook on another CPU, say, rounds some sums differently, which is a change of this size.
    (Moving the initial weights by one ulp instead changes nothing here: the first update rounds the
    difference away.) Returns {event: [iteration per run]} for the three events of `event_order`,
    "apart": the largest relative difference of any weight from the unmoved run's, per iteration,
    over the runs (epochs + 1,), and every run's "grad_norm" (runs, epochs)."""
    X, Y, X_test, Y_test = doc000(f)
    reference = fit_example_by_example(TwoLayerNet(h=h), X, Y, lr, epochs)["params"]
    rng = np.random.default_rng(seed)
    found, apart = {key: [] for key in EVENTS}, np.zeros(len(reference))
    norms = np.full((runs, epochs), np.nan)
    for r in progress_steps(range(runs), progress, desc="runs with the inputs moved by one ulp"):
        moved = np.nextafter(X, rng.choice([-np.inf, np.inf], size=X.shape))  # x_n one ulp up or down
        history = fit_example_by_example(TwoLayerNet(h=h), moved, Y, lr, epochs, X_test, Y_test)
        order = event_order(history)
        norms[r, : len(history["grad_norm"])] = history["grad_norm"]
        for key in EVENTS:
            found[key].append(order[key])
        n = min(len(reference), len(history["params"]))
        relative = np.abs(history["params"][:n] - reference[:n]) / np.abs(reference[:n])
        apart[:n] = np.maximum(apart[:n], relative.max(axis=1))
    return {**found, "apart": apart, "grad_norm": norms}


def doc000_task(config):
    """A sweep task (minnet.tools.sweep): one document-000 run from a config dict.

    config: f, h, lr, epochs, and optionally init_scale (1), loop ("vectorised") and sharpness_every
    (None). Returns the run's History arrays (train_loss, test_loss, grad_norm, grad_angle, params,
    sharpness if measured) and diverged_at (-1 if not).
    """
    options = {key: config[key] for key in ("init_scale", "loop", "sharpness_every") if key in config}
    _, history, _ = train_doc000(config["f"], config["h"], config["lr"], config["epochs"], **options)
    diverged = history.diverged_at
    return {**history, "diverged_at": -1 if diverged is None else diverged}


def gradient_path_2d(grad_norm, grad_angle):
    """Points (T+1, 2) of document 000's 2-D picture of the gradients.

    Arrow i has length |G_i|; arrow 0 points along +x; arrow i turns from arrow i-1 by the angle
    between G_{i-1} and G_i, counter-clockwise after even-indexed angles and clockwise after odd
    ones (so that a steady zig-zag reads as a zig-zag); the points are the running sum of arrows.
    """
    grad_norm = np.asarray(grad_norm, dtype=np.float64)
    angles = np.radians(np.nan_to_num(np.asarray(grad_angle, dtype=np.float64)))
    if angles.size != max(grad_norm.size - 1, 0):
        raise ValueError(f"{grad_norm.size} gradient norms need {max(grad_norm.size - 1, 0)} angles, got {angles.size}")
    turns = np.where(np.arange(angles.size) % 2 == 0, 1.0, -1.0) * angles  # +: counter-clockwise
    heading = np.concatenate([[0.0], np.cumsum(turns)])  # direction of arrow i
    arrows = grad_norm[:, None] * np.column_stack([np.cos(heading), np.sin(heading)])
    return np.vstack([[0.0, 0.0], np.cumsum(arrows, axis=0)])


def longest_run_below(values, threshold):
    """(start, end) of the longest run of consecutive values < threshold (end exclusive); (0, 0) if none."""
    below = np.concatenate([[False], np.asarray(values) < threshold, [False]])
    edges = np.flatnonzero(np.diff(below.astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    if starts.size == 0:
        return 0, 0
    k = np.argmax(ends - starts)
    return int(starts[k]), int(ends[k])


def first_above(values, threshold, start=0):
    """The first index >= start where values exceed threshold, or None."""
    hits = np.flatnonzero(np.asarray(values)[start:] > threshold)
    return int(start + hits[0]) if hits.size else None


def instability_onset(train_loss, rise=0.1):
    """The first iteration t where the error exceeds its running minimum by more than `rise` (relative), or None."""
    train_loss = np.asarray(train_loss, dtype=np.float64)
    running_min = np.minimum.accumulate(train_loss)
    return first_above(train_loss / running_min - 1.0, rise)


STAGNATES = 0.05  # document 000's "stagnates": the error falls by less than 5% over the run's last fifth
# The late fall of document 000's own figure 3 (f1, 2, 0.2), (l(40,000) - l(50,000)) / l(50,000), read off
# the figure's log axis (calibrated on its decade ticks; one pixel is 2.6% of the error): 2.53e-4 at 40,000,
# 2.22e-4 at 50,000, so 0.138 +- 0.03. Figure 4's h = 3 falls 0.397 the same way: "stagnates" is comparative.
FIGURE_3_LATE_FALL = {"value": 0.138, "reading_error": 0.03}


def late_fall(loss, fraction=0.2):
    """How much the error still falls over the run's last `fraction`: (l((1 - fraction) T) - l(T)) / l(T)."""
    loss = np.asarray(loss, dtype=np.float64)
    return float((loss[int((1 - fraction) * (len(loss) - 1))] - loss[-1]) / loss[-1])


def event_order(history, stable_angle=1.0, thresholds=(10, 45, 90)):
    """When a stable run turns unstable: first the angle grows, then the gradient norm, then the error.

    Returns the numbers of document 000's section 2.1, in the document's iteration count:
        stable_start, stable_end   the stable stretch: the longest run of angles below `stable_angle`
                            degrees (document: "iterations 30 to 710")
        angle_growth_start  first iteration after it with an angle above `stable_angle` degrees
        angle_onset_<d>     first iteration after the stable stretch where the angle exceeds d degrees
        argmin_grad_norm    iteration of the smallest gradient norm (where the norm starts to grow)
        argmin_train_loss, argmin_test_loss, min_test_loss, final_test_loss
        grad_norm_growth    largest gradient norm after its minimum, divided by the minimum
        order_as_document   angle_growth_start < argmin_grad_norm < argmin_train_loss
    """
    angles, norms = history["grad_angle"], history["grad_norm"]
    train, test = history["train_loss"], history["test_loss"]
    stable_start, stable_end = longest_run_below(angles, stable_angle)
    growth = first_above(angles, stable_angle, stable_end)
    summary = {
        "stable_start": stable_start + 2,
        "stable_end": stable_end + 1,  # the last iteration of the stretch
        "angle_growth_start": None if growth is None else growth + 2,
    }
    for d in thresholds:
        k = first_above(angles, d, stable_end)
        summary[f"angle_onset_{d}"] = None if k is None else k + 2  # angle k is plotted at iteration k + 2
    i_min = int(np.argmin(norms))
    summary.update(
        argmin_grad_norm=i_min + 1,  # gradient i is plotted at iteration i + 1
        argmin_train_loss=int(np.argmin(train)),
        argmin_test_loss=int(np.nanargmin(test)) if np.any(np.isfinite(test)) else None,
        min_test_loss=float(np.nanmin(test)) if np.any(np.isfinite(test)) else None,
        final_test_loss=float(test[-1]),
        grad_norm_growth=float(np.max(norms[i_min:]) / norms[i_min]),
    )
    onset = summary["angle_growth_start"]
    summary["order_as_document"] = bool(
        onset is not None and onset < summary["argmin_grad_norm"] < summary["argmin_train_loss"]
    )
    return summary


def sharpness_events(sharpness, iteration, lr):
    """The edge of stability in one gradient-descent run (Cohen et al. 2021), against 2 / lr.

        sharpness_initial            lambda_max(H) at the initial weights
        sharpness_crosses_2_over_lr  the first iteration whose weights have lambda_max > 2 / lr, or None
        sharpness_peak, sharpness_peak_iteration   the largest value and where
        sharpness_final              at the last measurement

    `iteration` (as SharpnessRecorder's sharpness_iteration) counts the updates made before each
    measurement, as document 000 counts its iterations."""
    sharpness, iteration = np.asarray(sharpness, dtype=np.float64), np.asarray(iteration)
    above = first_above(sharpness, 2.0 / lr)
    finite = np.isfinite(sharpness)
    peak = int(np.argmax(np.where(finite, sharpness, -np.inf)))
    return {
        "sharpness_initial": float(sharpness[0]),
        "two_over_lr": 2.0 / lr,
        "sharpness_crosses_2_over_lr": None if above is None else int(iteration[above]),
        "sharpness_peak": float(sharpness[peak]),
        "sharpness_peak_iteration": int(iteration[peak]),
        "sharpness_final": float(sharpness[finite][-1]) if finite.any() else None,
    }


# ----- document 000, sections 2.1 and 2.2: a stable run that suddenly oscillates ---------------------
X_GRID = np.arange(-5.0, 5.0, 0.1)  # where the document draws the learned function
LR_STUDY = {"f": "f1", "h": 2, "rates": (0.2, 0.3, 0.4), "epochs": 50_000}  # document 000, figure 3
DOCUMENT_ONSET = {0.2: None, 0.3: 34_000, 0.4: 9_000}  # "~34000", "~9000", none at 0.2
LR_STUDY_SHARPNESS_POINTS = 1000  # sharpness measurements per learning-rate-study run


def finite_part(history, k):
    """The records of a run that diverged after update k, up to the last finite ones: errors and weights
    up to iteration k-1, gradients up to k-2, angles up to k-3, sharpness measured before iteration k."""
    kept = {key: history[key][:k] for key in ("train_loss", "test_loss", "params")}
    kept["grad_norm"], kept["grad_angle"] = history["grad_norm"][: k - 1], history["grad_angle"][: max(k - 2, 0)]
    if "sharpness" in history:
        before = history["sharpness_iteration"] < k
        kept["sharpness"], kept["sharpness_iteration"] = (
            history["sharpness"][before],
            history["sharpness_iteration"][before],
        )
    return kept


def measured_run(f, h, lr, epochs, init_scale=1.0, loop="vectorised", progress=False, sharpness_every=None):
    """One run of document 000's setting (`train_doc000`) and its measures: the order of events (`event_order`)
    and, with `sharpness_every`, the sharpness's (`sharpness_events`). A run that diverged is kept up to its last
    finite records (`finite_part`), its summary saying where and why it stopped. Returns the curves, the weights
    U and V per iteration, the data, the target and the learned function on X_GRID, the summary and the setting
    (f, h, lr, epochs, init_scale)."""
    net, history, (X, Y) = train_doc000(f, h, lr, epochs, init_scale, loop, progress, sharpness_every)
    diverged = history.diverged_at
    if diverged is not None:  # nothing is measured from the blow-up: the summary says where and why it stopped
        summary = {"diverged_at": diverged, "reason": history.meta["reason"], "loop": loop}
        history = finite_part(history, diverged)
        net.params = history["params"][-1]
    else:
        summary = {**event_order(history), "diverged_at": None, "loop": loop}
        if sharpness_every:
            summary.update(sharpness_events(history["sharpness"], history["sharpness_iteration"], lr))
            crossing = summary["sharpness_crosses_2_over_lr"]
            summary["order_with_sharpness"] = bool(
                summary["order_as_document"] and crossing is not None and crossing < summary["angle_growth_start"]
            )
    U, V = net.split(history["params"])
    results = {
        "train_loss": history["train_loss"],
        "test_loss": history["test_loss"],
        "grad_norm": history["grad_norm"],
        "grad_angle": history["grad_angle"],
        "U": U,
        "V": V,
        "X": X,
        "Y": Y,
        "target": TARGETS[f](X_GRID),
        "learned": net.forward(X_GRID[:, None])[:, 0],
        "summary": summary,
        "setting": (f, h, lr, epochs, init_scale),
    }
    if sharpness_every and diverged is None:
        results["sharpness"], results["sharpness_iteration"] = history["sharpness"], history["sharpness_iteration"]
    return results


def one_after_another(fn, configs):
    """A sweep run in this process, one config after the other: [fn(config) for config in configs]."""
    return [fn(config) for config in configs]


def lr_study(epochs=LR_STUDY["epochs"], loop="example_by_example", runner=one_after_another):
    """Figure 3: the onset of instability (error 10% above its running minimum) for each learning rate.

    The three runs are independent: runner(doc000_task, configs) runs them (the study's, through
    minnet.tools.sweep). They train on document 000's compiled loop by default, the same bits as `fit`
    (loop="vectorised") about 25 times faster (7.8 against 196 us per update at h = 2), the sharpness
    measured from their weights."""
    every = max(1, epochs // LR_STUDY_SHARPNESS_POINTS)
    configs = [
        {
            "f": LR_STUDY["f"],
            "h": LR_STUDY["h"],
            "lr": lr,
            "epochs": epochs,
            "loop": loop,
            "sharpness_every": every,
        }
        for lr in LR_STUDY["rates"]
    ]
    study = {"epochs": epochs, "rates": {}}
    for lr, history in zip(LR_STUDY["rates"], runner(doc000_task, configs)):
        study["rates"][lr] = {
            "train_loss": history["train_loss"],
            "onset": instability_onset(history["train_loss"]),
            "final_train_loss": float(history["train_loss"][-1]),
            "final_test_loss": float(history["test_loss"][-1]),
            "late_fall": late_fall(history["test_loss"]),
            "document_onset": DOCUMENT_ONSET[lr],
            "sharpness": history["sharpness"],
            "sharpness_iteration": history["sharpness_iteration"],
            **sharpness_events(history["sharpness"], history["sharpness_iteration"], lr),
        }
    return study


SECOND_SETTING = {"f": "f2", "h": 8, "lr": 0.1, "epochs": 1200}  # "The same order holds for (f2, 8, 0.1, 1200)"
SLOWER = {"f": "f1", "h": 3, "lr": 0.1, "epochs": 10_000}  # section 2.2: lr / 10, epochs x 10


def document_checks():
    """The document's other statements about runs this study does not draw: its second setting
    (f2, 8, 0.1, 1200) with the sharpness, and (f1, 3, 0.1, 10,000), where the instability is gone."""
    _, f2, _ = train_doc000(**SECOND_SETTING, loop="example_by_example", sharpness_every=1)
    _, slower, _ = train_doc000(**SLOWER, loop="example_by_example")
    second = {**event_order(f2), **sharpness_events(f2["sharpness"], f2["sharpness_iteration"], SECOND_SETTING["lr"])}
    return {"f2": second, "slower_onset": instability_onset(slower["train_loss"])}


# ----- document 000, section 3: duplicate neurons ------------------------------------------------------
SPLIT_THRESHOLD = 0.05  # two hidden units are duplicates while their relative distance is below this


def neuron_vectors(U, V):
    """Each hidden unit's weights, incoming and outgoing: rows [U_i, V[:, i]] for i < h-1.  U (..., h-1, n_in+1), V (..., k, h)."""
    outgoing = np.swapaxes(V[..., :-1], -1, -2)  # V[:, i] for the non-bias units   (..., h-1, k)
    return np.concatenate([U, outgoing], axis=-1)


def duplicate_distance(U_hist, V_hist):
    """Relative distance between every pair of hidden units over time: (T+1, pairs), and the pairs (i, j).

    Two units compute the same function of the input, and contribute the same to the output, when
    their incoming weights U_i (bias included) and outgoing weights V[:, i] are equal. The measure is

        d_ij(t) = |w_i - w_j| / (|w_i| + |w_j|),   w_i = [U_i, V[:, i]] at iteration t,

    0 for identical units, 1 for units pointing in opposite directions, scale-free so that small
    initial weights and large trained ones read alike.
    """
    W = neuron_vectors(np.asarray(U_hist), np.asarray(V_hist))  # (T+1, h-1, d)
    pairs = [(i, j) for i in range(W.shape[1]) for j in range(i + 1, W.shape[1])]
    distance = np.empty((W.shape[0], len(pairs)))
    lengths = [np.linalg.norm(W[:, i], axis=1) for i in range(W.shape[1])]  # |w_i| over time, once per unit
    for p, (i, j) in enumerate(pairs):
        gap = np.linalg.norm(W[:, i] - W[:, j], axis=1)
        size = lengths[i] + lengths[j]
        distance[:, p] = gap / np.where(size > 0, size, 1.0)
    return distance, pairs


def split_iterations(distance, threshold=SPLIT_THRESHOLD):
    """For each pair: the iteration after which it stays apart (d >= threshold), None if still duplicates at the end, 0 if never close."""
    result = []
    for column in np.asarray(distance).T:
        close = np.flatnonzero(column < threshold)
        if close.size == 0:
            result.append(0)
        elif close[-1] == column.size - 1:
            result.append(None)
        else:
            result.append(int(close[-1] + 1))
    return result


def neurons_of_run(config, history):
    """What demos.neurons shows of one run's History (a `doc000_task` result): its curves, weights, the duplicate
    measure of every pair of hidden units and when each split, and the learned function on X_GRID."""
    f, h, lr, epochs, init_scale = (config[key] for key in ("f", "h", "lr", "epochs", "init_scale"))
    X, Y, _, _ = doc000(f)
    net = TwoLayerNet(h=h)
    net.params = history["params"][-1]
    U, V = net.split(history["params"])
    distance, pairs = duplicate_distance(U, V)
    splits = split_iterations(distance, SPLIT_THRESHOLD)
    return {
        "setting": {"f": f, "h": h, "lr": lr, "epochs": epochs, "init_scale": init_scale},
        "train_loss": history["train_loss"],
        "test_loss": history["test_loss"],
        "U": U,
        "V": V,
        "distance": distance,
        "pairs": pairs,
        "splits": splits,
        "duplicates_at_end": [pair for pair, split in zip(pairs, splits) if split is None],
        "X": X,
        "Y": Y,
        "target": TARGETS[f](X_GRID),
        "learned": net.forward(X_GRID[:, None])[:, 0],
        "diverged_at": None if history["diverged_at"] < 0 else int(history["diverged_at"]),
    }
