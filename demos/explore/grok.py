"""Document 004, grokking: the study's run (minnet.studies.grokking: a + b mod p, Gromov's square MLP, full-batch
AdamW), a few steps per request, on a log axis: train and test accuracy, the weight norm, the embedding's
frequencies. Its page: grok.html."""

import numpy as np

from demos.explore.base import SESSION, BadRequest, Endpoint, Float, Handlers, Int, State, View, stop_if_abandoned
from minnet import fit
from minnet.studies import grokking as gk


class Grok(State):
    """Gromov's square MLP on a + b mod p, full-batch AdamW, as `demos.grokking` trains one run (its own
    data split and initial weights from the seed), a few steps per request; after every step the train and
    test accuracy, the weight norm and the embedding's one-frequency share."""

    MAX_STEPS = 100_000
    CHUNK = 100  # steps between two looks at whether the page is still there

    def __init__(self, p, fraction, width, lr, weight_decay, seed):
        super().__init__()
        self.config = {
            "p": p,
            "fraction": fraction,
            "width": width,
            "lr": lr,
            "weight_decay": weight_decay,
            "seed": seed,
        }
        self.X, self.c, self.X_test, self.c_test = gk.modular_addition(p, fraction, seed)
        if len(self.c) == 0 or len(self.c_test) == 0:
            raise BadRequest(
                "fraction",
                fraction,
                f"leaves {len(self.c)} of the p^2 = {p * p} pairs to train on and "
                f"{len(self.c_test)} to test on: each needs at least one",
            )
        self.net, self.diverged_at = gk.model(p, width, seed), None
        self.optimizer = gk.optimizer(self.net, lr, weight_decay)
        self.records = {"train_accuracy": [gk.accuracy(self.net, self.X, self.c)],
                        "test_accuracy": [gk.accuracy(self.net, self.X_test, self.c_test)],
                        "weight_norm": [float(np.linalg.norm(self.net.params))],
                        "fourier": [gk.single_frequency(self.net, p)]}  # fmt: skip

    @property
    def t(self):
        return len(self.records["train_accuracy"]) - 1

    def step(self, steps):
        """`steps` more full-batch steps, at most MAX_STEPS in all, CHUNK at a time (the page may have left
        between two); a run whose loss or weights stop being finite ends there (diverged_at)."""
        end = min(self.t + steps, self.MAX_STEPS)
        while self.t < end and self.diverged_at is None:
            stop_if_abandoned()
            self.train(min(self.CHUNK, end - self.t))

    def train(self, steps):
        """fit with the study's Grokking recorder, every step recorded."""
        p = self.config["p"]
        recorder = gk.Grokking(p, (self.X, self.c), (self.X_test, self.c_test), every=1)
        result = fit(self.net, self.X, np.eye(p)[self.c], self.optimizer, steps, recorders=[recorder])
        result["fourier"] = result["fourier"][:, 1]  # its (step, share) rows, one per step: the shares
        for key in ("train_accuracy", "test_accuracy", "weight_norm", "fourier"):
            self.records[key] += result[key][1:].tolist()  # row 0 is the state the last call ended at
        if result.diverged_at is not None:
            self.diverged_at = self.t

    def since(self, start):
        r = self.records
        reached = {key: gk.first_step_reaching(r[key], 0.99) for key in ("train_accuracy", "test_accuracy")}
        return {
            "from": start, "t": self.t, "max_steps": self.MAX_STEPS, "diverged_at": self.diverged_at,
            **{key: r[key][start + 1 :] for key in ("train_accuracy", "test_accuracy", "weight_norm", "fourier")},
            "reached_99": {key: None if np.isnan(v) else int(v) for key, v in reached.items()},
            "spectrum": gk.spectrum(self.net, self.config["p"]).round(4).tolist(),
            "initial": {key: r[key][0] for key in ("train_accuracy", "test_accuracy", "weight_norm", "fourier")} if start == 0 else None,
            "sizes": {"train": len(self.c), "test": len(self.c_test), "weights": self.net.params.size},
        }  # fmt: skip


class GrokHandlers(Handlers):
    def new(self, p):
        state = Grok(**p)
        return {"session": self.sessions.add(state), **state.since(0)}

    def step(self, p):
        state = self.sessions.get(p["session"], Grok)
        with state.lock:
            start = state.t
            state.step(p["steps"])
            return state.since(start)


VIEW = View(
    name="grok", document="004", study="grokking", exercise="adamw_decay",
    sources=["demos/grokking.py", "minnet/studies/grokking.py"],
    claims=["grokking.test_long_after_train"],
    rules={"long_before": gk.LONG_BEFORE},
    endpoints={
        "grok/new": Endpoint({"p": Int(3, 97, 31), "fraction": Float(0.05, 0.95, 0.4), "width": Int(4, 512, 128),
                              "lr": Float(1e-4, 1, 0.01), "weight_decay": Float(0, 10, 1.0), "seed": Int(0, 2**32 - 1, 0)}),
        "grok/step": Endpoint({"session": SESSION, "steps": Int(1, 2000, 100)}),
    },
    handlers=GrokHandlers,
)  # fmt: skip
