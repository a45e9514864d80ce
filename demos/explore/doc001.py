"""Document 001, per-example gradients: the curriculum study's ten 784-8-10 networks (minnet.studies.curriculum)
colour the examples by their agreement; network 0 trains step by step, and every example's gradient norm and cosine
with the mean gradient is shown after every step. Its page: doc001.html."""

import numpy as np

from demos.explore.base import SESSION, TICKET, Endpoint, Handlers, Int, ProgressRecorder, State, View
from minnet import MLP, SGD, fit
from minnet.data import load_classification
from minnet.studies.curriculum import ExampleStatsRecorder, chunks_by_agreement, ensemble_agreement

# `python -m demos.curriculum`'s defaults (sigmoid, init pytorch, summed loss)
DOC001 = {
    "hidden": 8,
    "lr": 0.01,
    "batch_size": 128,
    "epochs": 30,
    "runs": 10,
}


class Doc001(State):
    """The curriculum study's runs: ten 784-8-10 networks trained as `demos.curriculum` trains them; their
    final ensemble's agreement chunks colour the examples; network 0 is replayed from its initial weights,
    an epoch at a time, with every example's gradient statistics after every step (ExampleStatsRecorder)."""

    def __init__(self, seed, ticket, cache):
        super().__init__()
        self.seed, self.ticket, self.shown, self.cache = seed, ticket, 0, cache

    def prepare(self):
        self.settings = DOC001
        self.X, self.y = load_classification("mnist5k")
        self.chunk = self.cache.get("doc001-chunks", {"seed": self.seed, **DOC001}, self.agreement_chunks)["chunk"]
        self.net = MLP(
            [self.X.shape[1], self.settings["hidden"], 10],
            activation="sigmoid",
            loss="cross_entropy",
            init="pytorch",
            seed=self.seed,
        )
        self.optimizer = SGD(self.net.params, lr=self.settings["lr"])
        self.correct, self.norm, self.cos, self.epochs_done = [], [], [], 0

    def agreement_chunks(self):
        """Train the ten networks (seeds seed, seed + 1, ...) as the study does; each example's chunk of their agreement."""
        probabilities = []
        for r in range(self.settings["runs"]):
            net = MLP(
                [self.X.shape[1], self.settings["hidden"], 10],
                activation="sigmoid",
                loss="cross_entropy",
                init="pytorch",
                seed=self.seed + r,
            )
            report = ProgressRecorder(
                self.ticket,
                f"training network {r + 1} of {self.settings['runs']} (for the agreement chunks)",
                self.settings["epochs"],
            )
            fit(
                net,
                self.X,
                self.y,
                SGD(net.params, lr=self.settings["lr"]),
                self.settings["epochs"],
                batch_size=self.settings["batch_size"],
                seed=self.seed + r,
                recorders=[report],
                reduction="sum",
            )
            probabilities.append(net.forward(self.X))
        return {"chunk": chunks_by_agreement(ensemble_agreement(np.array(probabilities)))}

    def advance(self, until):
        """Train network 0 epoch by epoch until its records reach iteration `until`."""
        while len(self.correct) <= until and self.epochs_done < self.settings["epochs"]:
            recorder = ExampleStatsRecorder(self.X, self.y, layers=[2])
            fit(
                self.net,
                self.X,
                self.y,
                self.optimizer,
                1,
                batch_size=self.settings["batch_size"],
                seed=self.seed,
                recorders=[recorder],
                reduction="sum",
            )
            result = recorder.result()
            skip = 1 if self.correct else 0  # each epoch's recorder starts with the state the last one ended at
            self.correct += list(result["correct"][skip:])
            self.norm += list(result["grad_norm"][skip:, :, 0])
            self.cos += list(result["grad_cos"][skip:, :, 0])
            self.epochs_done += 1

    def frame(self, t):
        t = min(t, len(self.correct) - 1)
        return {
            "t": t,
            "last": len(self.correct) - 1,
            "norm": self.norm[t].astype(float).tolist(),
            "cos": self.cos[t].astype(float).tolist(),
            "correct": self.correct[t].astype(int).tolist(),
            "accuracy": float(np.mean(self.correct[t])),
        }

    def example(self, index, t):
        correct = np.array([c[index] for c in self.correct[: t + 1]])
        first = int(np.argmax(correct)) if correct.any() else None
        wrong = np.flatnonzero(~correct)
        last_mistake = None if wrong.size == 0 else int(wrong[-1])
        return {
            "index": index,
            "label": int(self.y[index]),
            "chunk": int(self.chunk[index]),
            "image": self.X[index].round(3).tolist(),
            "correct": correct.astype(int).tolist(),
            "first_correct": first,
            "last_mistake": last_mistake,
            "norm": [float(n[index]) for n in self.norm[: t + 1]],
            "cos": [float(c[index]) for c in self.cos[: t + 1]],
        }


class Doc001Handlers(Handlers):
    def new(self, p):
        state = Doc001(p["seed"], p["ticket"], self.cache)
        key = self.sessions.add(state)
        with state.lock:
            state.prepare()
            state.advance(0)
            return {"session": key, "chunk": state.chunk.tolist(), "settings": state.settings, **state.frame(0)}

    def step(self, p):
        state = self.sessions.get(p["session"], Doc001)
        with state.lock:
            t = state.shown + p["steps"]
            state.advance(t)
            frame = state.frame(t)
            state.shown = frame["t"]
            return frame

    def example(self, p):
        state = self.sessions.get(p["session"], Doc001)
        with state.lock:
            return state.example(p["index"], state.shown)


VIEW = View(
    name="doc001", document="001", study="curriculum", exercise="per_example_norm",
    sources=["demos/curriculum.py", "minnet/studies/curriculum.py", "minnet/per_example.py"],
    claims=["curriculum.typical_first", "curriculum.atypical_slower"],
    endpoints={
        "doc001/new": Endpoint({"seed": Int(0, 2**32 - 1, 0), "ticket": TICKET}),
        "doc001/step": Endpoint({"session": SESSION, "steps": Int(1, 200, 1)}),
        "doc001/example": Endpoint({"session": SESSION, "index": Int(0, 4999, 0)}, light=True),
    },
    handlers=Doc001Handlers,
)  # fmt: skip
