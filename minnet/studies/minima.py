"""Document 004's slides on minima: wide vs narrow, stochasticity escapes, large steps avoid a narrow one.

A landscape with two minima, in one or two weights w, written out with its gradient and Hessian:

    L(w) = -d_n exp(-|w - c_n|^2 / (2 s_n^2)) - d_w exp(-|w - c_w|^2 / (2 s_w^2)) + |w|^2 / (2 R^2)

a narrow, shallow well at c_n (width s_n, depth d_n) and a wide, deep one at c_w; the last term
keeps every path in reach. Near a minimum L is a quadratic of curvature lambda (the sharpness,
about d / s^2), and gradient descent w := w - lr L'(w) multiplies the distance to it by
(1 - lr lambda) each step: it settles only if lr < 2 / lambda. A step between 2 / lambda_narrow and
2 / lambda_wide cannot stay in the narrow well but can in the wide one.

Stochastic gradients: example i tilts the landscape, L_i(w) = L(w) + xi_i . w, with tilts xi_i
drawn from N(0, sigma^2) and centred so that their mean is exactly 0: the full batch sees L itself,
a batch of B examples L plus a random tilt of about sigma / sqrt(B).
"""

import functools

import numpy as np

WELLS = {"narrow": {"depth": 1.0, "width": 0.1}, "wide": {"depth": 1.5, "width": 0.7}}
CENTRES = {1: {"narrow": [-1.0], "wide": [1.5]}, 2: {"narrow": [-1.0, 0.6], "wide": [1.2, -0.6]}}
R = 3.0  # the confining term's radius
SETTLED = 1e-6  # a path has settled when its last step moved it less than this
NUDGE = 0.01  # large steps start this far from the narrow minimum (at it exactly, gradient descent has nothing to do)
SWEEP = (0.005, 1.0)  # the large steps' rates, log-spaced between these
SWEEP_RATES = 60  # how many of them
PATH_RATES = (0.01, 0.2)  # the two paths in two weights: below 2/lambda_narrow, and between the two
SGD_LR, SGD_STEPS, EXAMPLES = 0.01, 3000, 100  # the stochastic escapes: below 2/lambda_narrow, tilting examples


# {dim: [(depth, width, centre)] of the narrow and the wide well in dim weights}, built once
WELL_LIST = {dim: [(WELLS[k]["depth"], WELLS[k]["width"], np.array(CENTRES[dim][k])) for k in ("narrow", "wide")]
             for dim in CENTRES}  # fmt: skip


def loss(w):
    """L(w) for w of shape (..., dim)."""
    w = np.asarray(w, dtype=float)
    total = np.sum(w * w, axis=-1) / (2 * R**2)  # |w|^2 / (2 R^2)
    for d, s, c in WELL_LIST[w.shape[-1]]:
        total = total - d * np.exp(-np.sum((w - c) ** 2, axis=-1) / (2 * s**2))  # - d exp(-|w - c|^2 / (2 s^2))
    return total


def gradient(w):
    """L'(w) = sum_wells d exp(-|w - c|^2 / (2 s^2)) (w - c) / s^2 + w / R^2, for w of shape (..., dim)."""
    w = np.asarray(w, dtype=float)
    g = w / R**2
    for d, s, c in WELL_LIST[w.shape[-1]]:
        g = g + d * np.exp(-((w - c) ** 2).sum(axis=-1, keepdims=True) / (2 * s**2)) * (w - c) / s**2
    return g


def hessian(w):
    """L''(w) = sum_wells d e (I / s^2 - (w - c)(w - c)^T / s^4) + I / R^2, e = exp(-|w - c|^2 / (2 s^2))."""
    w = np.asarray(w, dtype=float)
    eye = np.eye(w.size)
    H = eye / R**2
    for d, s, c in WELL_LIST[w.size]:
        e = np.exp(-np.sum((w - c) ** 2) / (2 * s**2))
        H = H + d * e * (eye / s**2 - np.outer(w - c, w - c) / s**4)
    return H


def sharpness(w):
    """The largest eigenvalue of the Hessian at w."""
    return float(np.linalg.eigvalsh(hessian(w))[-1])


@functools.cache  # computed once: every basin asks for it
def minimum(kind, dim):
    """The minimum near the centre of the `kind` well, by Newton's method from the centre (read-only)."""
    w = np.array(CENTRES[dim][kind], dtype=float)
    for _ in range(50):
        w = w - np.linalg.solve(hessian(w), gradient(w))  # w := w - H^-1 L'(w)
    w.setflags(write=False)
    return w


def basin(w, dim):
    """Which well w ends in: "narrow" or "wide" when within two widths of its minimum, else "neither"."""
    for kind in ("narrow", "wide"):
        if np.linalg.norm(w - minimum(kind, dim)) < 2 * WELLS[kind]["width"]:
            return kind
    return "neither"


def descend(w0, lr, steps, tilts=None, batch=None, seed=0):
    """Gradient descent from w0: w := w - lr (L'(w) + mean of the batch's tilts). The path (steps + 1, dim), or
    up to its first point that is not finite.

    tilts (n, dim): the examples' xi_i (full batch when None or batch is None: the mean tilt is exactly 0);
    batch: examples per step, drawn without replacement, a new shuffle each pass (`batch_tilts`)."""
    w0 = np.array(w0, dtype=float)
    tilt = 0.0 if tilts is None or batch is None else batch_tilts(tilts, batch, steps, seed)[None]
    paths, last = descend_rows(w0[None], [lr], steps, tilt)
    return paths[0, : last[0] + 1]


def descend_rows(w0, rates, steps, tilts=0.0):
    """Gradient descent from every row of w0 (R, dim) at its rate at once, each row's numbers those of its own
    descent: w := w - lr (L'(w) + tilt_t), tilts (R, steps, dim) (or 0.0: none). A row stops at its first point
    that is not finite. The paths (R, steps + 1, dim), a stopped row's later points repeating its last one, and
    the index of each row's last point (R,)."""
    lr = np.asarray(rates, dtype=float)[:, None]
    w = np.array(w0, dtype=float)
    paths = np.empty((lr.size, steps + 1, w.shape[1]))
    paths[:, 0] = w
    last = np.full(lr.size, steps)
    going = np.ones(lr.size, dtype=bool)  # the rows still finite
    for t in range(steps):
        tilt = tilts if np.isscalar(tilts) else tilts[going, t]
        w[going] = w[going] - lr[going] * (gradient(w[going]) + tilt)  # w := w - lr L_batch'(w)
        paths[:, t + 1] = w
        stopped = going & ~np.all(np.isfinite(w), axis=-1)
        last[stopped], going = t + 1, going & ~stopped
    return paths, last


def batch_tilts(tilts, batch, steps, seed):
    """The mean tilt of each step's batch (steps, dim), (1/B) sum_batch xi_i: `batch` examples drawn without
    replacement, a new shuffle (from seed) each pass, the examples left over at a pass's end unused."""
    rng = np.random.default_rng(seed)
    per_pass = len(tilts) // batch  # batches per shuffle
    shuffles = [rng.permutation(len(tilts))[: per_pass * batch] for _ in range(-(-steps // per_pass))]
    rows = np.concatenate(shuffles).reshape(-1, batch)[:steps]
    return tilts[rows].mean(axis=1)


def descend_at_rates(w0, rates, steps):
    """Gradient descent from w0 at every rate at once (`descend_rows`): each path's last two points,
    (before_last (R, dim), last (R, dim))."""
    rates = np.asarray(rates, dtype=float)
    paths, last = descend_rows(np.tile(np.asarray(w0, dtype=float), (rates.size, 1)), rates, steps)
    rows = np.arange(rates.size)
    return paths[rows, np.maximum(last - 1, 0)], paths[rows, last]


def example_tilts(n, dim, sigma, seed):
    """xi_i ~ N(0, sigma^2) for n examples, centred: their mean is exactly 0."""
    xi = np.random.default_rng(seed).normal(0.0, sigma, size=(n, dim))
    return xi - xi.mean(axis=0)


def outcome(path, dim):
    """Where a path ends: "settles narrow" / "settles wide" (still, at a minimum), "oscillates narrow" /
    "oscillates wide" (moving, in the well), "diverges" or "neither"."""
    if not np.all(np.isfinite(path[-1])):
        return "diverges"
    well = basin(path[-1], dim)
    if well == "neither":
        return "neither"
    return ("settles " if np.linalg.norm(path[-1] - path[-2]) < SETTLED else "oscillates ") + well


def large_steps(rates, steps=3000):
    """Gradient descent from the narrow minimum (nudged by NUDGE) at every rate, in one weight; and two paths in
    two weights (PATH_RATES)."""
    start = minimum("narrow", 1) + NUDGE
    before, last = descend_at_rates(start, rates, steps)
    start2 = minimum("narrow", 2) + NUDGE
    return {
        "rates": np.array(rates),
        "final_w": last[:, 0],
        "outcomes": [outcome(np.stack(ends), 1) for ends in zip(before, last)],
        "paths_2d": {lr: descend(start2, lr, 300) for lr in PATH_RATES},
        "sharpness": {kind: sharpness(minimum(kind, 1)) for kind in ("narrow", "wide")},
    }


def escapes(sigma, batches, seeds):
    """Stochastic gradients at SGD_LR from the narrow minimum, EXAMPLES tilts of spread sigma: per batch size, where
    the runs of seeds 0..seeds-1 end; the first seed's paths kept."""
    starts, rates = np.tile(minimum("narrow", 1), (seeds, 1)), np.full(seeds, SGD_LR)
    ends, paths = {}, {}
    for batch in batches:  # the seeds' runs at once (descend_rows), each its own descend's
        tilts = np.stack([batch_tilts(example_tilts(EXAMPLES, 1, sigma, s), batch, SGD_STEPS, s) for s in range(seeds)])
        runs, last = descend_rows(starts, rates, SGD_STEPS, tilts)
        ends[batch] = [basin(run[k], 1) for run, k in zip(runs, last)]
        paths[batch] = runs[0, : last[0] + 1, 0]
    return {"ends": ends, "paths": paths}


def network_task(config):
    """A sweep task: a 64-32-10 tanh MLP on the shipped 8x8 digits (1,000 to train, 797 to test), SGD at lr with
    batch `batch` for `steps` steps. Returns the final training loss, sharpness (top Hessian eigenvalue of
    the training loss, minnet.hessian) and test error."""
    from minnet.data import load_classification
    from minnet.hessian import top_eigenvalues
    from minnet.mlp import MLP
    from minnet.optim import SGD
    from minnet.train import fit

    X, y = load_classification("digits")
    order = np.random.default_rng(config["seed"]).permutation(len(y))
    train, test = order[:1000], order[1000:]
    net = MLP([64, 32, 10], activation="tanh", loss="cross_entropy", seed=config["seed"])
    epochs = config["steps"] * config["batch"] // train.size  # steps = epochs x (1000 / batch)
    history = fit(
        net,
        X[train],
        y[train],
        SGD(net.params, lr=config["lr"]),
        epochs,
        batch_size=config["batch"],
        seed=config["seed"],
        record_gradients=False,
        epoch_losses=False,  # the last training loss is all this task reads
    )
    error = float(np.mean(np.argmax(net.forward(X[test]), axis=1) != y[test]))
    top = float(top_eigenvalues(net, X[train], y[train], k=1)[0])
    return {"train_loss": float(history["train_loss"][-1]), "sharpness": top, "test_error": error}
