"""Document 002: SGD, RMSprop, Adam and AdamW racing on the loss landscape of two weights.

The data (section 3.1): 1000 points on an evenly spaced 10x10x10 grid of [-2, 2]^3 with
y = x1 x2 - x3^2 - x2 + 0.1 N(0, 1). The network (section 3.2): 3 inputs, three hidden layers of 3,
one output, MSE (equation 2). Two of the nine weights between the first and second hidden layer
(W_2) are studied: the loss over a grid of their values with every other parameter frozen
(full-data MSE, section 5), and the paths of the four optimizers (section 4's formulas) training
only those two weights. Unless named, the two weights are the first pair, in a seeded random order,
whose landscape has a distinct lowest point inside the grid (`interior_pair`). The document's
optimizers are "arbitrarily initialized": unless starts are given, the four race from random starts
where both weights are alive (`default_start`: neither on a dead relu plateau).
"""

import numpy as np

from minnet import MLP, Adam, Snapshots, Trainable, fit
from minnet.data import doc002
from minnet.landscape import grid_two_params, losses_at
from minnet.optim import OPTIMIZERS
from minnet.recorders import TrajectoryRecorder
from minnet.tools.progress import steps

NAMES = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}
PRETRAIN = {"lr": 0.01, "batch_size": 64, "epochs": 1000}  # section 5.1: Adam on the whole network
EXTRA_PAIRS = 4  # other weight pairs drawn on one figure (document figure 5)
AT_MINIMUM = 0.01  # an optimizer "finds the minimum" when its final loss is within 1% of the landscape's lowest
DISTINCT = 0.05  # a default landscape has under this fraction of its grid within AT_MINIMUM of its lowest loss
LIVE_GRADIENT = (
    1e-3  # at a default start both |dL/dw| exceed this: a unit step moves the MSE (about 8) by 0.01% or more
)


def found_minimum(losses, lowest):
    """Which losses count as finding the minimum: within AT_MINIMUM of the landscape's lowest."""
    return np.asarray(losses) <= (1 + AT_MINIMUM) * lowest


def layer2_index(net, k):
    """The parameter index of entry k (row-major, 0..8) of W_2, the weights between hidden layers 1 and 2."""
    return net.offsets[1] + k


def build(activation, trained, seed, pretrain_epochs=PRETRAIN["epochs"], progress=False):
    """Data and network, pre-trained with Adam (PRETRAIN, for `pretrain_epochs`) when `trained`."""
    X, Y = doc002(seed=seed)
    net = MLP([3, 3, 3, 3, 1], activation=activation, loss="mse", seed=seed)
    if trained:
        fit(
            net,
            X,
            Y,
            Adam(net.params, lr=PRETRAIN["lr"]),
            pretrain_epochs,
            batch_size=PRETRAIN["batch_size"],
            seed=seed,
            progress=progress,
        )
    return net, X, Y


def grid_axes(net, i, j, half_width, n):
    """Grid values centred on the weights' current values."""
    return np.linspace(net.params[i] - half_width, net.params[i] + half_width, n), np.linspace(
        net.params[j] - half_width, net.params[j] + half_width, n
    )


def race(net, X, Y, i, j, start, name, lr, epochs, batch_size, seed, points_per="epoch"):
    """One optimizer (a key of NAMES) trained on weights i and j alone from `start`, with mini-batches of
    `batch_size` (None: the full batch): path (points, 2), one point per epoch or per batch (`points_per`), and
    the full-data loss at each point."""
    runner = net.copy()
    runner.params[[i, j]] = start
    two_weights = Trainable(runner, [i, j])
    optimizer = OPTIMIZERS[name](two_weights.params, lr=lr)
    per_batch = points_per == "batch"
    recorders = [TrajectoryRecorder([0, 1])] if per_batch else [Snapshots()]  # the two weights' values
    history = fit(two_weights, X, Y, optimizer, epochs, batch_size=batch_size, seed=seed, recorders=recorders)
    if per_batch:
        path = np.vstack([np.asarray(start, dtype=float)[None], history["trajectory"]])
        P = np.tile(net.params, (path.shape[0], 1))
        P[:, [i, j]] = path
        losses = losses_at(net, X, Y, P)
    else:
        path, losses = history["params"], history["train_loss"]
    return {"path": path, "loss": losses, "diverged_at": history.diverged_at}


def default_start(net, X, Y, i, j, a_values, b_values, rng, tries=100):
    """A random start in the inner 80% of the grid where both weights are alive: each one's partial
    derivative of the loss is not (nearly) zero.

    (Where a weight's relu unit is dead, its derivative is 0 and every optimizer but AdamW leaves it
    where it is, which shows nothing of the race; pass --start to begin there on purpose.)"""
    probe = net.copy()
    span = np.array([a_values[-1] - a_values[0], b_values[-1] - b_values[0]])
    corner = np.array([a_values[0], b_values[0]])
    for _ in range(tries):
        start = corner + span * (0.1 + 0.8 * rng.random(2))
        probe.params[[i, j]] = start
        if np.all(np.abs(probe.loss_and_grad(X, Y)[1][[i, j]]) > LIVE_GRADIENT):
            return start
    return start


def interior_pair(net, X, Y, rng, half_width, points=41):
    """The first pair of W_2 entries, in a seeded random order, whose two-weight landscape (all else frozen) has
    a distinct lowest point inside the grid, as document 002's figure 3b does: not on the grid's edge (a
    landscape that goes on falling past the frame shows no minimum to find), and with under 5% of the grid
    within 1% of the lowest loss (in a valley flat to 1%, "finding the minimum" by the loss says nothing
    about reaching the star). A 41 x 41 grid decides."""
    pairs = [[int(a), int(b)] for a in range(9) for b in range(9) if a != b]
    for k in rng.permutation(len(pairs)):
        ks = pairs[k]
        i, j = layer2_index(net, ks[0]), layer2_index(net, ks[1])
        a, b = grid_axes(net, i, j, half_width, points)
        grid = grid_two_params(net, X, Y, i, j, a, b)
        ia, ib = np.unravel_index(np.argmin(grid), grid.shape)
        near_lowest = np.mean(found_minimum(grid, grid[ia, ib]))
        if 0 < ia < points - 1 and 0 < ib < points - 1 and near_lowest < DISTINCT:
            return ks
    return pairs[0]


def first_within(path, target, tolerance, points_per_epoch):
    """The epoch at which the path first comes within `tolerance` of `target`, or None."""
    close = np.flatnonzero(np.linalg.norm(path - target, axis=1) <= tolerance)
    return None if close.size == 0 else float(close[0] / points_per_epoch)


def landscape_and_races(activation, trained, weights, starts, seed, count_starts, lr, epochs, batch_size, points_per,
                        grid, half_width, tolerance=None, pretrain_epochs=PRETRAIN["epochs"], progress=False,
                        companion=False):  # fmt: skip
    """The landscape of entries `weights` of W_2 (None: `interior_pair`) over a grid of `grid` points per axis,
    +- `half_width` around the network's values, and the four optimizers' races (`race`) from each of `starts`
    (None: `count_starts` default starts); `tolerance` (None: 2 grid steps) is the distance that counts as
    reaching the grid's lowest point. A companion run computes no other landscapes (`extra_landscapes`)."""
    net, X, Y = build(activation, trained, seed, pretrain_epochs, progress)
    rng = np.random.default_rng(seed)
    ks = weights if weights else interior_pair(net, X, Y, rng, half_width)
    i, j = layer2_index(net, ks[0]), layer2_index(net, ks[1])
    a_values, b_values = grid_axes(net, i, j, half_width, grid)
    losses = grid_two_params(net, X, Y, i, j, a_values, b_values)
    ia, ib = np.unravel_index(np.argmin(losses), losses.shape)
    grid_min = np.array([a_values[ia], b_values[ib]])
    given = starts is not None
    tried = (
        [np.array(s, dtype=float) for s in starts]
        if given
        else [default_start(net, X, Y, i, j, a_values, b_values, rng) for _ in range(count_starts)]
    )
    races = [
        {name: race(net, X, Y, i, j, start, name, lr, epochs, batch_size, seed, points_per) for name in NAMES}
        for start in steps(tried, progress, "starts (four races each)")
    ]
    finals = np.array([[r[name]["loss"][-1] for name in NAMES] for r in races])
    counts = np.sum(found_minimum(finals, losses[ia, ib]), axis=1)
    # a start with the most common count
    shown = range(len(tried)) if given else [int(np.flatnonzero(counts == np.bincount(counts).argmax())[0])]
    batches_per_epoch = 1 if batch_size is None else int(np.ceil(X.shape[0] / batch_size))
    points_per_epoch = batches_per_epoch if points_per == "batch" else 1
    reach = tolerance if tolerance is not None else 2 * (a_values[1] - a_values[0])
    paths = {(s, name): races[k][name] for s, k in enumerate(shown) for name in NAMES}
    for r in paths.values():
        r["epoch_within_tolerance"] = first_within(r["path"], grid_min, reach, points_per_epoch)
        r["mean_loss"] = float(np.mean(r["loss"]))  # the race's speed: the lower, the faster
    extra = [] if companion else extra_landscapes(net, X, Y, ks, rng, grid, half_width)
    return {
        "setting": f"{'trained' if trained else 'untrained'} {activation}",
        "net": net, "X": X, "Y": Y,  # for the companions' further races
        "weights": ks,
        "param_indices": (i, j),
        "current": net.params[[i, j]].copy(),
        "net_loss": net.loss(X, Y),
        "variance_of_y": float(np.var(Y)),
        "a_values": a_values,
        "b_values": b_values,
        "grid": losses,
        "grid_min": grid_min,
        "grid_min_loss": float(losses[ia, ib]),
        "starts": [tried[k] for k in shown],
        "tried_starts": tried,
        "tried_finals": finals,
        "shown": list(shown),
        "tolerance": reach,
        "paths": paths,
        "extra": extra,
    }  # fmt: skip


def document_setting(activation, trained, weights, starts):
    """Section 5.1's setting: the untrained relu network, its weights and starts chosen as the document's are."""
    return activation == "relu" and not trained and starts is None and weights is None


def sigmoid_companions(seed, count_starts, lr, epochs, batch_size, points_per, grid, half_width, tolerance=None,
                       pretrain_epochs=PRETRAIN["epochs"], progress=False):  # fmt: skip
    """Figure 7 (untrained sigmoid: the optimizers' speed) and figures 8 and 9a (trained sigmoid: all four find the
    minimum; the Adams calmer with batch 1), each with the same options as `landscape_and_races` (about 6 s each)."""
    found = {}
    for trained in (False, True):
        other = landscape_and_races("sigmoid", trained, None, None, seed, count_starts, lr, epochs, batch_size,
                                    points_per, grid, half_width, tolerance, pretrain_epochs, progress, companion=True)  # fmt: skip
        (s, _), *_ = other["paths"]
        found["trained sigmoid" if trained else "untrained sigmoid"] = {
            "counts": [int(c) for c in np.sum(found_minimum(other["tried_finals"], other["grid_min_loss"]), axis=1)],
            "mean_loss": {NAMES[name]: other["paths"][(s, name)]["mean_loss"] for name in NAMES},
            "missed": [
                NAMES[name]
                for name, f in zip(NAMES, found_minimum(other["tried_finals"], other["grid_min_loss"]).T)
                if not f.all()
            ],
            "excess": {
                NAMES[name]: float(np.median(f / other["grid_min_loss"] - 1))
                for name, f in zip(NAMES, np.asarray(other["tried_finals"]).T)
            },  # final / lowest - 1
            "weights": [int(k) for k in other["weights"]],
            **({"roughness_batch_1": calm_paths(other, lr, seed)} if trained else {}),
        }
    return found


def scale_ratio(grid):
    """How differently the loss rises along the two weights from the landscape's lowest point: the larger rise (to
    the grid's edge, along one weight with the other held) over the smaller (inf when one weight changes nothing)."""
    ia, ib = np.unravel_index(np.argmin(grid), grid.shape)
    rise_a, rise_b = np.max(grid[:, ib]) - grid[ia, ib], np.max(grid[ia, :]) - grid[ia, ib]
    return float(max(rise_a, rise_b) / min(rise_a, rise_b)) if min(rise_a, rise_b) > 0 else float("inf")


def trained_relu_scales(seed, grid, half_width, pretrain_epochs=PRETRAIN["epochs"], progress=False):
    """Figure 5's network (relu, trained by Adam as section 5.1 trains it): scale_ratio of EXTRA_PAIRS landscapes
    of its W_2 (about 8 s)."""
    net, X, Y = build("relu", True, seed, pretrain_epochs, progress)
    rng = np.random.default_rng(seed)
    return [scale_ratio(e["grid"]) for e in extra_landscapes(net, X, Y, [], rng, grid, half_width)]


CALM = {"batch_size": 1, "epochs": 2, "starts": 3}  # figure 9a: batch 1, a point per batch


def roughness(path):
    """How much a path wanders: its length over the distance between its ends, over its second half (where it
    is near the optimum and the gradient noise moves it)."""
    half = path[len(path) // 2 :]
    length = np.sum(np.linalg.norm(np.diff(half, axis=0), axis=1))  # sum_t |w_{t+1} - w_t|
    return float(length / max(np.linalg.norm(half[-1] - half[0]), 1e-12))


def calm_paths(companion, lr, seed):
    """Figure 9a: on the trained sigmoid network (the companion run's: its network, weights and first starts),
    batch 1, each optimizer's roughness from up to CALM["starts"] starts, each with its own shuffling seed
    (about 2 s). {optimizer: [roughness per start]}."""
    net, X, Y, (i, j) = companion["net"], companion["X"], companion["Y"], companion["param_indices"]
    starts = companion["tried_starts"][: CALM["starts"]]
    # each start with its own batches (seed + k): the paths end in the same noise otherwise
    return {NAMES[name]: [roughness(race(net, X, Y, i, j, start, name, lr, CALM["epochs"], CALM["batch_size"],
                                         seed + k, points_per="batch")["path"]) for k, start in enumerate(starts)]
            for name in NAMES}  # fmt: skip


def extra_landscapes(net, X, Y, chosen, rng, grid, half_width):
    """Landscapes of EXTRA_PAIRS other pairs of W_2 entries of the same network (document figure 5), on grids of
    half as many points per axis as `grid` (at least 21)."""
    others = []
    n = max(21, grid // 2)
    while len(others) < EXTRA_PAIRS:
        ks = [int(k) for k in rng.choice(9, size=2, replace=False)]
        if sorted(ks) not in [sorted(chosen)] + [
            sorted(o["weights"]) for o in others
        ]:  # each pair once, in either order
            i, j = layer2_index(net, ks[0]), layer2_index(net, ks[1])
            a, b = grid_axes(net, i, j, half_width, n)
            others.append({"weights": ks, "a_values": a, "b_values": b, "grid": grid_two_params(net, X, Y, i, j, a, b)})
    return others


def flat_fraction(grid):
    """The fraction of grid points where the loss equals both neighbours' along each axis (a dead relu's plateau)."""
    flat_a = np.diff(grid, axis=0) == 0
    flat_b = np.diff(grid, axis=1) == 0
    return float(np.mean(flat_a[:, :-1] & flat_b[:-1, :]))
