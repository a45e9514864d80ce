"""Document 004, narrow and wide minima: the study's one-weight landscape (minnet.studies.minima) with its two
minima; a learning-rate slider and a click set where gradient descent (or SGD, with its batch of the tilting
examples) starts, and the page shows where it ends, against 2/lambda of each minimum. Its page: minima.html."""

import threading

import numpy as np

from demos.explore.base import Endpoint, Float, Handlers, Int, View
from minnet.studies import minima as mn


def minima_landscape():
    """The study's one-weight landscape, its two minima with their sharpness, and part (a)'s sweep of rates."""
    w = np.linspace(-3.0, 3.5, 651)
    sweep = mn.large_steps(np.geomspace(*mn.SWEEP, mn.SWEEP_RATES))  # the study's default sweep
    return {
        "w": w.tolist(), "loss": mn.loss(w[:, None]).tolist(),
        "minima": {kind: {"w": float(mn.minimum(kind, 1)[0]), "loss": float(mn.loss(mn.minimum(kind, 1))),
                          "sharpness": sweep["sharpness"][kind]} for kind in ("narrow", "wide")},
        "sweep": {"rates": sweep["rates"].tolist(), "final_w": sweep["final_w"].tolist(), "outcomes": sweep["outcomes"]},
    }  # fmt: skip


def minima_path(lr, start, steps, batch, sigma, seed, runs):
    """Gradient descent (batch 0) or SGD with `batch` of the study's 100 tilting examples from `start` (demos.minima's
    (a) and (b)): the path of seed `seed`, and where the `runs` runs of seeds seed, seed + 1, ... end
    (minnet.studies.minima.outcome)."""

    def path_of(s):
        tilts = mn.example_tilts(mn.EXAMPLES, 1, sigma, s) if batch else None
        return mn.descend([start], lr, steps, tilts, batch or None, s)

    path = path_of(seed)
    outcomes = [mn.outcome(path, 1)] + [
        mn.outcome(path_of(s), 1) for s in range(seed + 1, seed + (runs if batch else 1))
    ]
    with np.errstate(all="ignore"):  # a diverging path: inf and nan, sent as null
        losses = mn.loss(path)
    finite = bool(np.all(np.isfinite(path[-1])))
    return {
        "w": path[:, 0].tolist(), "loss": losses.tolist(), "outcome": outcomes[0],
        "outcomes": {kind: outcomes.count(kind) for kind in sorted(set(outcomes))}, "two_over_lr": 2.0 / lr,
        "sharpness_at_end": mn.sharpness(path[-1]) if finite else None,
    }  # fmt: skip


class MinimaHandlers(Handlers):
    def __init__(self, sessions, cache):
        super().__init__(sessions, cache)
        self.lock, self.computed = threading.Lock(), None  # the landscape, computed once

    def landscape(self, p):
        with self.lock:
            if self.computed is None:
                self.computed = minima_landscape()
        return self.computed

    def path(self, p):
        narrow = float(mn.minimum("narrow", 1)[0])  # demos.minima's starts: (a) nudged by NUDGE, (b) the minimum itself
        start = (narrow if p["batch"] else narrow + mn.NUDGE) if p["start"] is None else p["start"]
        return {"start": start, **minima_path(**{**p, "start": start})}


VIEW = View(
    name="minima", document="004", study="minima", exercise="hessian_vector_product",
    sources=["demos/minima.py", "minnet/studies/minima.py"],
    claims=["minima.large_step_settles_wide", "minima.stochasticity_escapes"],
    rules={"sgd_lr": mn.SGD_LR},
    endpoints={
        "minima/landscape": Endpoint({}, light=True),
        "minima/path": Endpoint({"lr": Float(1e-4, 2, 0.01), "start": Float(-3, 3.5, None),  # None: the study's start
                                 "steps": Int(1, 5000, 3000), "batch": Int(0, 100, 0), "sigma": Float(0, 100, 10.0),
                                 "seed": Int(0, 2**32 - 101, 0), "runs": Int(1, 50, 20)}),
    },
    handlers=MinimaHandlers,
)  # fmt: skip
