"""Document 001, per-example gradients: the curriculum study's ten 784-8-10 networks (minnet.studies.curriculum)
colour the examples by their agreement; network 0 trains step by step, and every example's gradient norm and cosine
with the mean gradient is shown after every step. Its page: doc001.html."""

import numpy as np

from demos.explore.base import SESSION, TICKET, Endpoint, Handlers, Int, ProgressRecorder, State, View
from minnet.data import load_classification
from minnet.studies import curriculum as cu
from minnet.studies.curriculum import ExampleStatsRecorder, chunks_by_agreement, ensemble_agreement

DOC001 = cu.DEFAULTS  # the study's runs, as python -m demos.curriculum makes them


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
        key = {"seed": self.seed, **self.settings}
        self.chunk = self.cache.get("doc001-chunks", key, self.agreement_chunks)["chunk"]
        self.net = self.network(self.seed)
        self.batches = np.random.default_rng(self.seed)  # one stream of batches over the epochs, as in one fit
        self.correct, self.norm, self.cos, self.epochs_done = [], [], [], 0

    def network(self, seed):
        return cu.network(self.X.shape[1], [self.settings["hidden"], 10], self.settings["activation"], seed,
                          self.settings["init"])  # fmt: skip

    def train(self, net, epochs, seed, recorder):
        s = self.settings
        cu.train_run(net, self.X, self.y, lr=s["lr"], batch_size=s["batch_size"], epochs=epochs, seed=seed,
                     reduction=s["reduction"], recorders=[recorder])  # fmt: skip

    def agreement_chunks(self):
        """Train the ten networks (seeds seed, seed + 1, ...) as the study does; each example's chunk of their agreement."""
        probabilities = []
        for r in range(self.settings["runs"]):
            net = self.network(self.seed + r)
            what = f"training network {r + 1} of {self.settings['runs']} (for the agreement chunks)"
            self.train(
                net,
                self.settings["epochs"],
                self.seed + r,
                ProgressRecorder(self.ticket, what, self.settings["epochs"]),
            )
            probabilities.append(net.forward(self.X))
        return {"chunk": chunks_by_agreement(ensemble_agreement(np.array(probabilities)))}

    def advance(self, until):
        """Train network 0 epoch by epoch until its records reach iteration `until`: the study's network 0, whose
        batches continue one stream over the epochs (a fit per epoch seeded anew would repeat epoch 1's order)."""
        while len(self.correct) <= until and self.epochs_done < self.settings["epochs"]:
            recorder = ExampleStatsRecorder(self.X, self.y, layers=[2])
            self.train(self.net, 1, self.batches, recorder)
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
