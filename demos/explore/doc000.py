"""Document 000, live: TwoLayerNet trained by `fit` and `SGD`, a few steps per request; errors, gradient norm,
angle, the sharpness (minnet.hessian, every step as the study measures it) against 2/lr, the 2-D gradient picture
and the learned function with each hidden unit's share. The lr may change mid-run; a rewind returns to the same
initial weights. Its page: doc000.html."""

import threading

import numpy as np

from demos.explore.base import SESSION, Choice, Endpoint, Float, Handlers, Int, State, View
from minnet import SGD, History, TwoLayerNet, fit
from minnet.data import TARGETS, doc000
from minnet.hessian import top_eigenvalues
from minnet.recorders import Recorder, TestLoss
from minnet.studies.dynamics import NOTEBOOK_EVENTS, event_order, gradient_path_2d, train_doc000
from minnet.train import angle_degrees


class GradientKeeper(Recorder):
    """The gradients of a fit call's updates, in order (full batch: the gradient each update used)."""

    def start(self, net):
        self.grads = []

    def after_step(self, net, grad, update):
        self.grads.append(grad.copy())

    def result(self):
        return {}


class Doc000(State):
    """Document 000's network trained step by step with `fit` and `SGD`, everything recorded as `fit` records it."""

    CURVE = np.linspace(-5, 5, 201)[:, None]  # where the learned function is drawn

    def __init__(self, f, h, lr, init_scale, seed):
        super().__init__()
        self.config = {"f": f, "h": h, "lr": lr, "init_scale": init_scale, "seed": seed}
        self.X, self.Y, self.X_test, self.Y_test = doc000(f)
        self.net = TwoLayerNet(h=h, init_scale=init_scale, seed=None if seed < 0 else seed)
        self.initial = self.net.params.copy()
        self.reset(lr)

    def reset(self, lr=None):
        self.net.params = self.initial
        self.optimizer = SGD(self.net.params, lr=self.config["lr"] if lr is None else lr)
        loss = self.net.loss(self.X, self.Y)
        self.records = {
            "train_loss": [loss],
            "test_loss": [self.net.loss(self.X_test, self.Y_test)],
            "grad_norm": [],
            "grad_angle": [],
            "sharpness": [],
            "sharpness_iteration": [],
            "lr": [],
        }
        self.last_grad, self.top_vector, self.diverged_at = None, None, None

    @property
    def t(self):
        return len(self.records["grad_norm"])

    def step(self, steps, lr, sharpness_every, generation):
        """`steps` more updates at learning rate lr (None: as before), the sharpness measured every sharpness_every iterations."""
        self.optimizer.lr = self.optimizer.lr if lr is None else lr
        start = self.t
        while self.t < start + steps and self.diverged_at is None and generation == self.generation:
            chunk = min(start + steps - self.t, sharpness_every - self.t % sharpness_every)
            self.train(chunk, self.optimizer.lr)
            if self.t % sharpness_every == 0 and self.diverged_at is None:
                self.measure_sharpness()
        return start

    def train(self, chunk, lr):
        keeper = GradientKeeper()
        history = fit(
            self.net, self.X, self.Y, self.optimizer, chunk, recorders=[TestLoss(self.X_test, self.Y_test), keeper]
        )
        r, grads = self.records, keeper.grads
        if self.last_grad is not None and grads:
            r["grad_angle"].append(angle_degrees(self.last_grad, grads[0]))  # across two fit calls
        r["grad_angle"] += history["grad_angle"].tolist()
        r["grad_norm"] += history["grad_norm"].tolist()
        r["train_loss"] += history["train_loss"][1:].tolist()
        r["test_loss"] += history["test_loss"][1:].tolist()
        r["lr"] += [lr] * len(grads)
        self.last_grad = grads[-1] if grads else self.last_grad
        if history.diverged_at is not None:
            self.diverged_at = self.t

    def measure_sharpness(self):
        values, vectors = top_eigenvalues(self.net, self.X, self.Y, steps=10, start=self.top_vector, vectors=True)
        self.top_vector = vectors[0]
        self.records["sharpness"].append(float(values[0]))
        self.records["sharpness_iteration"].append(self.t)

    def events(self):
        """Document 000's order of events (minnet.studies.dynamics.event_order) and where the sharpness first passes 2/lr."""
        r = self.records
        found = []
        if self.t >= 3 and self.diverged_at is None:
            order = event_order(
                History({k: np.array(r[k]) for k in ("train_loss", "test_loss", "grad_norm", "grad_angle")})
            )
            found = [
                {"key": k, "iteration": order[k]}
                for k in ("argmin_grad_norm", "argmin_train_loss", "argmin_test_loss", "angle_growth_start")
                if order.get(k) is not None
            ]
        above = [t for t, s in zip(r["sharpness_iteration"], r["sharpness"]) if s > 2.0 / r["lr"][t - 1]]
        if above:
            found.append({"key": "sharpness_above_2_over_lr", "iteration": above[0]})
        return found

    def function(self):
        """The learned function on [-5, 5] and each hidden unit's share V_j H_j (the bias unit's is V's last entry)."""
        (_, _, H), O = self.net.forward_pass(self.CURVE)
        shares = H * self.net.V[0]  # V_j H_j, the last column the bias unit's
        target = TARGETS[self.config["f"]](self.CURVE[:, 0])
        return {
            "x": self.CURVE[:, 0].tolist(),
            "output": O[:, 0].tolist(),
            "target": target.tolist(),
            "shares": shares.T.tolist(),
        }

    def since(self, start):
        """What the page lacks: the records from iteration `start` on, and the current picture."""
        r, t = self.records, self.t
        path = gradient_path_2d(r["grad_norm"], r["grad_angle"]) if t else np.zeros((1, 2))
        new_sharpness = [i for i, it in enumerate(r["sharpness_iteration"]) if it > start]
        return {
            "from": start, "t": t, "diverged_at": self.diverged_at,
            "train_loss": r["train_loss"][start + 1 :], "test_loss": r["test_loss"][start + 1 :],
            "grad_norm": r["grad_norm"][start:], "grad_angle": r["grad_angle"][max(start - 1, 0) :],
            "sharpness": [[r["sharpness_iteration"][i], r["sharpness"][i]] for i in new_sharpness],
            "path": path[start + 1 :].ravel().tolist(),
            "events": self.events(), "function": self.function(), "lr": self.optimizer.lr, "lrs": r["lr"][start:],
            "initial": {"train_loss": r["train_loss"][0], "test_loss": r["test_loss"][0]} if start == 0 else None,
        }  # fmt: skip


class Doc000Handlers(Handlers):
    def __init__(self, sessions, cache):
        super().__init__(sessions, cache)
        self.lock, self.document_events = threading.Lock(), None  # minnet's run of the document's setting, made once

    def new(self, p):
        state = Doc000(**p)
        return {"session": self.sessions.add(state), **state.since(0), "document": self.document()}

    def document(self):
        """The notebook's printed iterations and minnet's own run's (the same on every machine), computed once."""
        with self.lock:
            if self.document_events is None:
                _, history, _ = train_doc000("f1", 3, 1.0, 1000)  # the study's run of the document's setting
                self.document_events = {key: event_order(history)[key] for key in NOTEBOOK_EVENTS}
        return {"notebook": NOTEBOOK_EVENTS, "minnet": self.document_events}

    def step(self, p):
        state = self.sessions.get(p["session"], Doc000)
        state.generation += 1
        with state.lock:
            start = state.step(p["steps"], p["lr"], p["sharpness_every"], state.generation)
            return state.since(start)

    def reset(self, p):
        state = self.sessions.get(p["session"], Doc000)
        state.generation += 1
        with state.lock:
            state.reset()
            return state.since(0)


VIEW = View(
    name="doc000", document="000", study="oscillations", exercise="two_layer_output",
    sources=["demos/oscillations.py", "minnet/studies/dynamics.py", "minnet/two_layer.py", "minnet/hessian.py"],
    claims=["oscillations.argmin_grad_norm", "oscillations.argmin_train", "oscillations.argmin_test"],
    endpoints={
        "doc000/new": Endpoint({"f": Choice(["f1", "f2"], "f1"), "h": Int(2, 20, 3), "lr": Float(1e-4, 100, 1.0),
                                "init_scale": Float(0.01, 100, 1.0),
                                "seed": Int(-1, 2**32 - 1, -1)}),  # seed -1: the document's own initial weights
        "doc000/step": Endpoint({"session": SESSION, "steps": Int(1, 5000, 10),
                                 "lr": Float(1e-4, 100, None),  # None: unchanged
                                 "sharpness_every": Int(1, 1000, 5)}),
        "doc000/reset": Endpoint({"session": SESSION}, light=True),
    },
    handlers=Doc000Handlers,
)  # fmt: skip
