"""Document 002, the optimizer race: the network of the study (minnet.studies.optimizer_paths), two of its W_2
weights free, the loss landscape over them (the Numba kernel); a click starts the four optimizers of minnet.optim
there, each with its own lr. Its page: race.html."""

import numpy as np

from demos.explore.base import SESSION, TICKET, TICKETS, Choice, Endpoint, Float, Handlers, Int, State, View
from minnet.landscape import grid_two_params
from minnet.studies import optimizer_paths as op

OPTIMIZERS = ("sgd", "rmsprop", "adam", "adamw")


class Race(State):
    """Document 002's network, two of its W_2 weights free, the landscape over them, and the four optimizers' paths."""

    def __init__(self, activation, trained, i, j, grid, half_width, seed, ticket):
        super().__init__()
        TICKETS.report(
            ticket,
            "training the whole network with Adam, 1,000 epochs, as section 5.1"
            if trained == "yes"
            else "computing the landscape",
        )
        self.net, self.X, self.Y = op.build(activation, trained == "yes", seed)
        if i < 0 or j < 0 or i == j:
            i, j = op.interior_pair(self.net, self.X, self.Y, np.random.default_rng(seed), half_width)
        self.pair, self.seed = [int(i), int(j)], seed
        self.i, self.j = op.layer2_index(self.net, i), op.layer2_index(self.net, j)
        self.a, self.b = op.grid_axes(self.net, self.i, self.j, half_width, grid)
        self.grid = grid_two_params(self.net, self.X, self.Y, self.i, self.j, self.a, self.b)

    def landscape(self):
        g = self.grid
        flat = (np.abs(np.gradient(g, axis=0)) < 1e-12 * np.nanmax(np.abs(g))) & (
            np.abs(np.gradient(g, axis=1)) < 1e-12 * np.nanmax(np.abs(g))
        )
        ia, ib = np.unravel_index(np.nanargmin(g), g.shape)
        return {
            "pair": self.pair,
            "a": self.a.tolist(),
            "b": self.b.tolist(),
            "loss": g.ravel().tolist(),
            "shape": list(g.shape),
            "plateau": flat.ravel().astype(int).tolist(),
            "minimum": [float(self.a[ia]), float(self.b[ib]), float(g[ia, ib])],
            "current": self.net.params[[self.i, self.j]].tolist(),
        }

    def run(self, a, b, epochs, batch_size, rates):
        """Each optimizer from (a, b) with its own lr: minnet.studies.optimizer_paths.race, the study's own race."""
        paths = {}
        for name, lr in rates.items():
            start = np.array([a, b])
            r = op.race(
                self.net, self.X, self.Y, self.i, self.j, start, name, lr, epochs, batch_size or None, self.seed
            )
            paths[name] = {
                "path": r["path"].ravel().tolist(),
                "loss": r["loss"].tolist(),
                "diverged_at": r["diverged_at"],
            }
        return paths


class RaceHandlers(Handlers):
    def new(self, p):
        state = Race(**p)
        return {"session": self.sessions.add(state), **state.landscape()}

    def run(self, p):
        state = self.sessions.get(p["session"], Race)
        with state.lock:
            rates = {name: p[f"lr_{name}"] for name in OPTIMIZERS}
            return {"start": [p["a"], p["b"]], "paths": state.run(p["a"], p["b"], p["epochs"], p["batch_size"], rates)}


VIEW = View(
    name="race", document="002", study="optimizer_paths", exercise="adam",
    sources=["demos/optimizer_paths.py", "minnet/studies/optimizer_paths.py", "minnet/optim.py"],
    claims=["optimizer_paths.untrained_relu_optimizers_at_minimum", "optimizer_paths.trained_sigmoid_all_succeed",
            "optimizer_paths.sgd_slowest", "optimizer_paths.speed_order"],
    rules={"at_minimum": op.AT_MINIMUM},
    endpoints={
        "race/new": Endpoint({"activation": Choice(["relu", "sigmoid", "tanh"], "relu"), "trained": Choice(["no", "yes"], "no"),
                              "i": Int(-1, 8, -1), "j": Int(-1, 8, -1), "grid": Int(21, 301, 201), "half_width": Float(0.1, 20, 3.0),
                              "seed": Int(0, 2**32 - 1, 0), "ticket": TICKET}),
        "race/run": Endpoint({"session": SESSION, "a": Float(-1e3, 1e3, 0.0), "b": Float(-1e3, 1e3, 0.0), "epochs": Int(1, 500, 100),
                              "batch_size": Int(0, 1000, 64),
                              **{f"lr_{name}": Float(1e-5, 10, 0.1) for name in OPTIMIZERS}}),
    },
    handlers=RaceHandlers,
)  # fmt: skip
