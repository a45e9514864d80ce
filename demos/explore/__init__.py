"""Play with it: a live page in the browser whose every number is computed by minnet's own code.

    python -m demos.explore [--port 8765] [--open]

Starts a web server on this machine only (127.0.0.1), prints the page's address and, with --open,
opens it in the default browser. Ctrl-C stops it. The page (demos/explore.html, one file, nothing
fetched from anywhere else) has seven views, each tied to a document:

- document 000, live: TwoLayerNet trained by `fit` and `SGD`, a few steps per request; errors,
  gradient norm, angle, the sharpness (minnet.hessian) against 2/lr, the 2-D gradient picture and
  the learned function with each hidden unit's share. Change lr mid-run; rewind to the same weights.
- document 002, the optimizer race: the two-weight landscape (the Numba kernel); click to start the
  four optimizers of minnet.optim there.
- document 003, the Mandelbrot set: exact and learned multiplication side by side; drag to pan,
  scroll to zoom (minnet.studies.mandelbrot).
- document 001, per-example gradients: the study's ten 784-8-10 networks; every example's gradient
  norm and cosine with the mean gradient as network 0 trains (minnet.studies.curriculum).
- document 004, grokking: `demos.grokking`'s run (a + b mod p, the square MLP, AdamW), stepped on a
  log axis: train and test accuracy, the weight norm, the embedding's frequencies.
- document 004, narrow and wide minima: `demos.minima`'s landscape; a learning-rate slider and a
  click set where gradient descent (or SGD, with its batch) starts and shows where it ends, against
  2/lambda of each minimum.
- document 004, double descent: `demos.double_descent`'s curve for one seed, drawn width by width,
  for any n and label noise.

Nothing is shipped precomputed. What takes long (document 001's ten networks, the Mandelbrot models,
double descent's points) is computed on first use and kept in the user's cache folder (--cache,
demos/explore_cache.py), keyed by its settings and by minnet's version and source files: an edit to
minnet/optim.py or to TwoLayerNet's backward pass still changes what the page shows after the server
restarts. Each view says what to try and links its reading, served from here: GET /source/<path> (the
files VIEWS lists), /exercise/<name>, /document/<number> (../shared/seeds), /report/<study>.html.

The server is the standard library's ThreadingHTTPServer; each view's state lives in a session (one
per browser tab and view, at most MAX_SESSIONS of each kind, dropped after IDLE_SECONDS unused).
Every parameter is checked against GET /api's bounds; a bad one is answered 400 with a JSON error
naming it.

It answers only its own page, before any work: a Host header other than 127.0.0.1:PORT or localhost:PORT
is refused 403 (DNS rebinding), a POST whose Origin is another site's 403 and one that is not
Content-Type application/json 415 (the form or text/plain fetch another site's page may send without
asking); every refusal discards the body and closes the connection, so a body is never read as a second
request. At most one heavy request per core runs at a time (others wait up to 10 s, then 503 busy); a
request needing more memory than the machine has free for one of them is refused 503; an idle or
half-sent connection is dropped after 30 s; long work whose page has left stops at its next epoch or chunk.
"""

import argparse
import base64
import contextlib
import glob
import json
import math
import os
import re
import secrets
import select
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import numpy as np

from demos.cli import OneLineErrors, available_memory, int_in
from demos.explore_cache import DiskCache, NoCache, default_folder
from demos.findings import FINDINGS
from minnet import SGD, History, TwoLayerNet, fit
from minnet.data import TARGETS, doc000
from minnet.hessian import top_eigenvalues
from minnet.recorders import Recorder, TestLoss
from minnet.studies.dynamics import NOTEBOOK_EVENTS, event_order, gradient_path_2d
from minnet.tools.atomic import strict
from minnet.tools.threads import one_thread_each
from minnet.train import angle_degrees

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "page.html")
MAX_BODY = 16_384  # bytes of a request body
MAX_SESSIONS = 6  # of each kind; the least recently used goes first
IDLE_SECONDS = 1800
HOSTS = ("127.0.0.1", "localhost")


# ----- parameters: every endpoint's, with their bounds (GET /api lists them) -----------------------
@dataclass
class Param:
    kind: str  # "int", "float", "choice", "bool", "session"
    default: object = None
    lo: float = None
    hi: float = None
    choices: tuple = ()

    def spec(self):
        return {k: v for k, v in vars(self).items() if v not in (None, ())}


def Int(lo, hi, default):
    return Param("int", default, lo, hi)


def Float(lo, hi, default):
    return Param("float", default, lo, hi)


def Choice(choices, default):
    return Param("choice", default, choices=tuple(choices))


SESSION = Param("session")
ENDPOINTS = {
    "doc000/new": {"f": Choice(["f1", "f2"], "f1"), "h": Int(2, 20, 3), "lr": Float(1e-4, 100, 1.0), "init_scale": Float(0.01, 100, 1.0),
                   "seed": Int(-1, 2**32 - 1, -1)},  # seed -1: the document's own initial weights
    "doc000/step": {"session": SESSION, "steps": Int(1, 5000, 10), "lr": Float(1e-4, 100, None), "sharpness_every": Int(1, 1000, 5)},  # lr None: unchanged
    "doc000/reset": {"session": SESSION},
    "race/new": {"activation": Choice(["relu", "sigmoid", "tanh"], "relu"), "trained": Choice(["no", "yes"], "no"), "i": Int(-1, 8, -1),
                 "j": Int(-1, 8, -1), "grid": Int(21, 301, 201), "half_width": Float(0.1, 20, 3.0), "seed": Int(0, 2**32 - 1, 0), "ticket": Param("str", "-")},
    "race/run": {"session": SESSION, "a": Float(-1e3, 1e3, 0.0), "b": Float(-1e3, 1e3, 0.0), "epochs": Int(1, 500, 100), "batch_size": Int(0, 1000, 64),
                 "lr_sgd": Float(1e-5, 10, 0.1), "lr_rmsprop": Float(1e-5, 10, 0.1), "lr_adam": Float(1e-5, 10, 0.1), "lr_adamw": Float(1e-5, 10, 0.1)},
    "mandelbrot/model": {"hidden": Choice(["10", "10,10", "20,30,20"], "20,30,20"), "activation": Choice(["relu", "silu"], "silu"),
                         "epochs": Int(1, 1000, 150), "seed": Int(0, 2**32 - 1, 0), "ticket": Param("str", "-")},
    "mandelbrot/frame": {"model": Param("str", "exact"), "re": Float(-3, 3, -0.75), "im": Float(-3, 3, 0.0), "width": Float(1e-13, 8, 3.5),
                         "cols": Int(8, 1200, 600), "rows": Int(8, 900, 400), "max_iter": Int(1, 5000, 100)},
    "doc001/new": {"seed": Int(0, 2**32 - 1, 0), "ticket": Param("str", "-")},
    "doc001/step": {"session": SESSION, "steps": Int(1, 200, 1)},
    "doc001/example": {"session": SESSION, "index": Int(0, 4999, 0)},
    "grok/new": {"p": Int(3, 97, 31), "fraction": Float(0.05, 0.95, 0.4), "width": Int(4, 512, 128), "lr": Float(1e-4, 1, 0.01),
                 "weight_decay": Float(0, 10, 1.0), "seed": Int(0, 2**32 - 1, 0)},
    "grok/step": {"session": SESSION, "steps": Int(1, 2000, 100)},
    "minima/landscape": {},
    "minima/path": {"lr": Float(1e-4, 2, 0.01), "start": Float(-3, 3.5, None), "steps": Int(1, 5000, 3000), "batch": Int(0, 100, 0),
                    "sigma": Float(0, 100, 10.0), "seed": Int(0, 2**32 - 101, 0), "runs": Int(1, 50, 20)},  # start None: the study's
    "double_descent/widths": {"n": Int(20, 2000, 1000)},  # up to 10 n = 20,000 units: seconds per width on 2 cores
    "double_descent/width": {"n": Int(20, 2000, 1000), "label_noise": Float(0, 1, 0.1), "seed": Int(0, 2**32 - 1, 0), "width": Int(1, 20000, 999)},
    "progress": {"ticket": Param("str", "-")},
}  # fmt: skip


# ----- what each view teaches with: its document, the study's source, the exercise, the report page --------
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(PAGE)))  # the repository: the sources are served from it
SEEDS = os.path.join(ROOT, "..", "shared", "seeds")  # the source documents, beside the repository (README)
DOCUMENTS = {
    "000": {"title": "Experiment 1B: a deeper look into the basic neural network", "by": "Marie Peeters, 2025",
            "link": "https://github.com/mariezz/visualize-nn-learning"},
    "001": {"title": "An Empirical Study of Neural Network Training Dynamics", "by": "a Medium post, 2022",
            "link": "https://medium.com/@hu.niel92/an-empirical-study-of-neural-network-training-dynamics-3bf4b659359e"},
    "002": {"title": "Visualizing optimization of weights in a neural network", "by": "Axel Orrhede, 2024", "link": None},
    "003": {"title": "Visual Exploration of Gradient Descent (many images)", "by": "a LessWrong post", "link": None},
    "004": {"title": "Lecture slides on loss surfaces (Fashion-MNIST)", "by": "a course's slides", "link": None},
}  # fmt: skip
VIEWS = {  # view: its document, the study (python -m demos.<study>, its report page <study>.html), sources, exercise
    "doc000": {"document": "000", "study": "oscillations", "exercise": "two_layer_output",
               "sources": ["demos/oscillations.py", "minnet/studies/dynamics.py", "minnet/two_layer.py", "minnet/hessian.py"]},
    "race": {"document": "002", "study": "optimizer_paths", "exercise": "adam",
             "sources": ["demos/optimizer_paths.py", "minnet/studies/optimizer_paths.py", "minnet/optim.py"]},
    "mandelbrot": {"document": "003", "study": "mandelbrot", "exercise": "mlp_backward",
                   "sources": ["demos/mandelbrot.py", "minnet/studies/mandelbrot.py", "minnet/studies/complex_mult.py"]},
    "doc001": {"document": "001", "study": "curriculum", "exercise": "per_example_norm",
               "sources": ["demos/curriculum.py", "minnet/studies/curriculum.py", "minnet/per_example.py"]},
    "grok": {"document": "004", "study": "grokking", "exercise": "adamw_decay",
             "sources": ["demos/grokking.py", "minnet/studies/grokking.py"]},
    "minima": {"document": "004", "study": "minima", "exercise": "hessian_vector_product",
               "sources": ["demos/minima.py", "minnet/studies/minima.py"]},
    "dd": {"document": "004", "study": "double_descent", "exercise": None,  # a least-squares solve, no gradient to write
           "sources": ["demos/double_descent.py", "minnet/studies/double_descent.py"]},
}  # fmt: skip
VIEW_CLAIMS = {  # the claims rows each view's claim box names; their sentences come from demos.findings, not this page
    "doc000": ["oscillations.argmin_grad_norm", "oscillations.argmin_train", "oscillations.argmin_test"],
    "race": ["optimizer_paths.untrained_relu_optimizers_at_minimum", "optimizer_paths.trained_sigmoid_all_succeed",
             "optimizer_paths.sgd_slowest", "optimizer_paths.speed_order"],
    "mandelbrot": ["mandelbrot.silu_draws_the_set", "mandelbrot.relu_does_not"],
    "doc001": ["curriculum.typical_first", "curriculum.atypical_slower"],
    "grok": ["grokking.test_long_after_train"],
    "minima": ["minima.large_step_settles_wide", "minima.stochasticity_escapes"],
    "dd": ["double_descent.peak_at_threshold", "double_descent.second_descent_below_classical"],
}  # fmt: skip
SOURCES = {path for view in VIEWS.values() for path in view["sources"]}  # GET /source/<path> serves these only
REPORT = os.path.join("minnet-out", "report")  # where python -m demos.report writes, from the folder it runs in
REPORT_FILES = re.compile(r"[\w-]+\.html|[\w-]+/[\w.-]+\.(png|svg|txt|json)")  # a study's page and its figures


def document_file(number):
    """The source document's text file in SEEDS, or None when the documents are not beside the repository."""
    found = sorted(glob.glob(os.path.join(SEEDS, f"{number}_*.txt")))
    return found[0] if found else None


def teaching():
    """GET /api's "views": per view its document (title, by, web link, whether /document/<n> has its text), sources,
    exercise and report page (whether it is built)."""
    out = {}
    for view, v in VIEWS.items():
        report = f"{v['study']}.html"
        out[view] = {
            **v,
            "document": {
                "number": v["document"],
                **DOCUMENTS[v["document"]],
                "text": document_file(v["document"]) is not None,
            },
            "report": {"page": report, "built": os.path.isfile(os.path.join(REPORT, report))},
        }
    return out


def claims_quoted():
    """GET /api's "claims": per row a claim box names, the document, where and the sentence it quotes, as the
    inventory of the documents' findings has them (demos.findings): each sentence is written once."""
    quoted = {}
    for document, found in FINDINGS.items():
        for f in found:
            for row in f.rows:
                quoted.setdefault(row, {"document": document, "where": f.where, "quote": f.quote})
    return {row: quoted.get(row, {}) for rows in VIEW_CLAIMS.values() for row in rows}


def study_rules():
    """GET /api's "rules": the studies' own thresholds the claim boxes apply live (each written once, in the study)."""
    from minnet.studies import grokking, minima, optimizer_paths

    return {"at_minimum": optimizer_paths.AT_MINIMUM, "long_before": grokking.LONG_BEFORE, "sgd_lr": minima.SGD_LR}


class BadRequest(ValueError):
    """A parameter out of its bounds: answered 400, naming it."""

    def __init__(self, parameter, value, why):
        quoted = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."  # a 400-digit integer, cut
        super().__init__(f"parameter {parameter}: {why}, got {quoted}")
        self.parameter = parameter


def checked(endpoint, body):
    """The endpoint's parameters from the JSON body, defaults filled in, each checked against its bounds."""
    spec = ENDPOINTS[endpoint]
    unknown = sorted(set(body) - set(spec))
    if unknown:
        raise BadRequest(unknown[0], body[unknown[0]], f"not a parameter of {endpoint} (it takes {', '.join(spec)})")
    return {name: check_value(name, param, body.get(name, param.default)) for name, param in spec.items()}


def check_value(name, param, value):
    if value is None and param.default is None and param.kind != "session":
        return None  # an optional parameter left out
    if param.kind in ("session", "str"):
        if not isinstance(value, str) or not 0 < len(value) <= 64:
            raise BadRequest(name, value, "must be a string of 1 to 64 characters")
        return value
    if param.kind == "choice":
        if not isinstance(value, str) or value not in param.choices:
            raise BadRequest(name, value, f"must be one of {', '.join(map(str, param.choices))}")
        return value
    # Python's int has no limit (JSON's 10**400 is one): compare it exactly, never through float
    whole = isinstance(value, int) and not isinstance(value, bool)
    number = whole or (isinstance(value, float) and math.isfinite(value))
    if param.kind == "int" and not (whole or (number and value.is_integer())):
        raise BadRequest(name, value, "must be an integer")
    if not (number and param.lo <= value <= param.hi):
        raise BadRequest(name, value, f"must be a finite number in [{param.lo:g}, {param.hi:g}]")
    return int(value) if param.kind == "int" else float(value)


# ----- sessions -------------------------------------------------------------------------------------
class Sessions:
    """The views' states by id, per kind at most MAX_SESSIONS, dropped after IDLE_SECONDS unused."""

    def __init__(self):
        self.lock, self.items = threading.Lock(), {}

    def add(self, state):
        with self.lock:
            now = time.monotonic()
            self.items = {k: v for k, v in self.items.items() if now - v.used < IDLE_SECONDS}
            same = sorted((v.used, k) for k, v in self.items.items() if type(v) is type(state))
            for _, k in same[: max(0, len(same) - MAX_SESSIONS + 1)]:
                del self.items[k]
            key = secrets.token_hex(8)
            state.used, self.items[key] = now, state
            return key

    def get(self, key, kind=None):
        with self.lock:
            state = self.items.get(key)
            if state is None or (kind is not None and not isinstance(state, kind)):
                raise BadRequest("session", key, "no such session (it may have expired: start the view again)")
            state.used = time.monotonic()
            return state


class State:
    """What every session has: a lock (one request at a time) and a generation counter (a newer request
    supersedes a running one, which stops at its next check)."""

    def __init__(self):
        self.lock, self.generation, self.used = threading.Lock(), 0, time.monotonic()


class Tickets(dict):
    """Progress lines of long requests, by a ticket the page chose (it asks POST /api/progress while it waits)."""

    def report(self, ticket, line):
        if ticket != "-":
            self[ticket] = line
            while len(self) > 100:  # bounded: the oldest tickets go first
                del self[next(iter(self))]


TICKETS = Tickets()


class Abandoned(Exception):
    """The client of a long request closed its connection: the work stops at its next epoch or chunk."""


def stop_if_abandoned():
    if abandoned():
        raise Abandoned


class ProgressRecorder(Recorder):
    """Reports "what: epoch e of E" under a ticket after every epoch; stops the training if the page left."""

    def __init__(self, ticket, what, epochs):
        self.ticket, self.what, self.epochs = ticket, what, epochs

    def after_epoch(self, net, epoch):
        TICKETS.report(self.ticket, f"{self.what}: epoch {epoch + 1} of {self.epochs}")
        stop_if_abandoned()

    def result(self):
        return {}


# ----- document 000, live -------------------------------------------------------------------------
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


# ----- document 002, the optimizer race ------------------------------------------------------------
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
        from minnet.landscape import grid_two_params
        from minnet.studies import optimizer_paths as op

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
        from minnet.studies import optimizer_paths as op

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


# ----- document 003, the Mandelbrot set ------------------------------------------------------------
class Models:
    """The learned multiplications trained so far, by (hidden, activation, epochs, seed): the MAX_MODELS most
    recently trained (a frame of an evicted one asks the page to train it again)."""

    MAX_MODELS = 8

    def __init__(self, cache=None):
        self.lock, self.nets, self.losses = threading.Lock(), {}, {}
        self.cache = NoCache() if cache is None else cache  # trained once, then read from disk

    def train(self, hidden, activation, epochs, seed, ticket):
        from minnet.studies import complex_mult as cm

        key = f"{hidden}/{activation}/{epochs}/{seed}"
        with self.lock:
            if key not in self.nets:
                sizes = [int(n) for n in hidden.split(",")]
                config = {"hidden": sizes, "activation": activation, "epochs": epochs, "seed": seed}
                report = ProgressRecorder(ticket, f"training [{hidden}] {activation}", epochs)
                result = self.cache.get("mandelbrot-model", config, lambda: cm.train_task(config, recorders=[report]))
                net = cm.model(sizes, activation, seed)
                net.params = result["params"]
                self.nets[key], self.losses[key] = net, float(result["test_loss"][-1])
                for old in list(self.nets)[: -self.MAX_MODELS]:  # dicts keep insertion order: oldest first
                    del self.nets[old], self.losses[old]
            return key, self.losses[key]

    def frame(self, model, re, im, width, cols, rows, max_iter):
        from minnet.studies import mandelbrot as mb

        if model != "exact" and model not in self.nets:
            raise BadRequest("model", model, "no such model: train it first (mandelbrot/model)")
        view = {"re": re, "im": im, "width": width, "cols": cols, "rows": rows, "max_iter": max_iter}

        def escape_counts():
            c_re, c_im = mb.pixel_grid(complex(re, im), width, (cols, rows))
            net = None if model == "exact" else self.nets[model]
            return {"counts": mb.escape_counts_by_rectangles(c_re, c_im, max_iter, net=net)}

        # the first picture (the whole set at the page's size) is kept on disk; a pan or a zoom is computed
        first = all(view[k] == param.default for k, param in ENDPOINTS["mandelbrot/frame"].items() if k != "model")
        counts = (
            self.cache.get("mandelbrot-frame", {"model": model, **view}, escape_counts) if first else escape_counts()
        )
        counts = counts["counts"]
        return {
            "counts": base64.b64encode(counts.astype("<u2").tobytes()).decode(),
            "cols": cols,
            "rows": rows,
            "max_iter": max_iter,
            "inside": float(np.mean(counts == max_iter)),
        }


# ----- document 001, per-example gradients ---------------------------------------------------------
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
        from minnet import MLP
        from minnet.data import load_classification

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
        from minnet import MLP
        from minnet.studies.curriculum import chunks_by_agreement, ensemble_agreement

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
        from minnet.studies.curriculum import ExampleStatsRecorder

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


# ----- document 004, grokking ------------------------------------------------------------------------
class Grok(State):
    """Gromov's square MLP on a + b mod p, full-batch AdamW, as `demos.grokking` trains one run (its own
    data split and initial weights from the seed), a few steps per request; after every step the train and
    test accuracy, the weight norm and the embedding's one-frequency share."""

    MAX_STEPS = 100_000
    CHUNK = 100  # steps between two looks at whether the page is still there

    def __init__(self, p, fraction, width, lr, weight_decay, seed):
        from minnet.studies import grokking as gk

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
        from minnet.studies import grokking as gk

        p = self.config["p"]
        recorder = gk.Grokking(p, (self.X, self.c), (self.X_test, self.c_test), every=1)
        result = fit(self.net, self.X, np.eye(p)[self.c], self.optimizer, steps, recorders=[recorder])
        result["fourier"] = result["fourier"][:, 1]  # its (step, share) rows, one per step: the shares
        for key in ("train_accuracy", "test_accuracy", "weight_norm", "fourier"):
            self.records[key] += result[key][1:].tolist()  # row 0 is the state the last call ended at
        if result.diverged_at is not None:
            self.diverged_at = self.t

    def since(self, start):
        from minnet.studies import grokking as gk

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


# ----- document 004, wide and narrow minima, double descent -------------------------------------------
def minima_landscape():
    """The study's one-weight landscape, its two minima with their sharpness, and part (a)'s sweep of rates."""
    from minnet.studies import minima as mn

    w = np.linspace(-3.0, 3.5, 651)
    sweep = mn.large_steps(np.geomspace(*mn.SWEEP, 60))  # the study's default --sweep
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
    from minnet.studies import minima as mn

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


def double_descent_width(cache, n, label_noise, seed, width):
    """One width of `demos.double_descent`'s curve for one seed: train and test error and the readout's norm."""
    from minnet.studies import double_descent as dd

    config = {"n": n, "label_noise": label_noise, "widths": [width], "seed": seed}
    row = cache.get("double-descent-width", config, lambda: dd.width_task(config))
    return {"width": width, "weights": 10 * (width + 1), **{key: float(value[0]) for key, value in row.items()}}


def double_descent_bytes(p):
    """About the memory one width takes: the hidden layer's outputs for all 5,000 images, twice over (float64;
    measured: 0.54 GB at width 5,000, 1.78 GB at 20,000, with the interpreter's 0.15 GB)."""
    return 2 * 8 * 5000 * p["width"]


MEMORY = {"double_descent/width": double_descent_bytes}  # the endpoints whose memory grows with a parameter


# ----- the endpoints --------------------------------------------------------------------------------
class Explorer:
    """The endpoints: each takes the checked parameters and returns a JSON-able dict."""

    def __init__(self, cache=None):
        self.cache = NoCache() if cache is None else cache
        self.sessions, self.models = Sessions(), Models(self.cache)
        self.lock, self.landscape = threading.Lock(), None  # the minima landscape, computed once
        self.doc000_events = None  # minnet's run of document 000's setting, computed once

    def handle(self, endpoint, p):
        return getattr(self, endpoint.replace("/", "_"))(p)

    def doc000_new(self, p):
        state = Doc000(**p)
        return {"session": self.sessions.add(state), **state.since(0), "document": self.doc000_document()}

    def doc000_document(self):
        """The notebook's printed iterations and minnet's own run's (the same on every machine), computed once."""
        with self.lock:
            if self.doc000_events is None:
                X, Y, X_test, Y_test = doc000("f1")
                net = TwoLayerNet(h=3)
                history = fit(net, X, Y, SGD(net.params, lr=1.0), 1000, recorders=[TestLoss(X_test, Y_test)])
                self.doc000_events = {key: event_order(history)[key] for key in NOTEBOOK_EVENTS}
        return {"notebook": NOTEBOOK_EVENTS, "minnet": self.doc000_events}

    def doc000_step(self, p):
        state = self.sessions.get(p["session"], Doc000)
        state.generation += 1
        with state.lock:
            start = state.step(p["steps"], p["lr"], p["sharpness_every"], state.generation)
            return state.since(start)

    def doc000_reset(self, p):
        state = self.sessions.get(p["session"], Doc000)
        state.generation += 1
        with state.lock:
            state.reset()
            return state.since(0)

    def race_new(self, p):
        state = Race(**p)
        return {"session": self.sessions.add(state), **state.landscape()}

    def race_run(self, p):
        state = self.sessions.get(p["session"], Race)
        with state.lock:
            rates = {name: p[f"lr_{name}"] for name in ("sgd", "rmsprop", "adam", "adamw")}
            return {"start": [p["a"], p["b"]], "paths": state.run(p["a"], p["b"], p["epochs"], p["batch_size"], rates)}

    def mandelbrot_model(self, p):
        model, loss = self.models.train(p["hidden"], p["activation"], p["epochs"], p["seed"], p["ticket"])
        return {"model": model, "test_loss": loss}

    def mandelbrot_frame(self, p):
        return self.models.frame(**p)

    def doc001_new(self, p):
        state = Doc001(p["seed"], p["ticket"], self.cache)
        key = self.sessions.add(state)
        with state.lock:
            state.prepare()
            state.advance(0)
            return {"session": key, "chunk": state.chunk.tolist(), "settings": state.settings, **state.frame(0)}

    def doc001_step(self, p):
        state = self.sessions.get(p["session"], Doc001)
        with state.lock:
            t = state.shown + p["steps"]
            state.advance(t)
            frame = state.frame(t)
            state.shown = frame["t"]
            return frame

    def doc001_example(self, p):
        state = self.sessions.get(p["session"], Doc001)
        with state.lock:
            return state.example(p["index"], state.shown)

    def grok_new(self, p):
        state = Grok(**p)
        return {"session": self.sessions.add(state), **state.since(0)}

    def grok_step(self, p):
        state = self.sessions.get(p["session"], Grok)
        with state.lock:
            start = state.t
            state.step(p["steps"])
            return state.since(start)

    def minima_landscape(self, p):
        with self.lock:
            if self.landscape is None:
                self.landscape = minima_landscape()
        return self.landscape

    def minima_path(self, p):
        from minnet.studies import minima as mn

        narrow = float(mn.minimum("narrow", 1)[0])  # demos.minima's starts: (a) nudged by NUDGE, (b) the minimum itself
        start = (narrow if p["batch"] else narrow + mn.NUDGE) if p["start"] is None else p["start"]
        return {"start": start, **minima_path(**{**p, "start": start})}

    def double_descent_widths(self, p):
        from minnet.studies.double_descent import CLASSES, widths

        return {
            "widths": widths(p["n"], 10),
            "threshold": CLASSES * p["n"],
        }  # the study's widths at its default --max-factor

    def double_descent_width(self, p):
        return double_descent_width(self.cache, **p)

    def progress(self, p):
        return {"progress": TICKETS.get(p["ticket"], "")}


def api_description():
    """GET /api: every endpoint with its parameters' types, bounds and defaults."""
    return {
        "endpoints": {f"POST /api/{name}": {k: v.spec() for k, v in spec.items()} for name, spec in ENDPOINTS.items()},
        "views": teaching(),
        "claims": claims_quoted(),
        "rules": study_rules(),
        "reading": {
            "GET /source/<path>": "a study's source file (those the views list)",
            "GET /exercise/<name>": "the file `python -m demos.exercises start <name>` writes",
            "GET /document/<number>": "the source document's text (when ../shared/seeds is beside the repository)",
            "GET /report/<study>.html": "the study's report page (after python -m demos.report, in this folder)",
        },
        "page": "GET /",
        "this list": "GET /api",
    }


# ----- the server -----------------------------------------------------------------------------------
class Refused(Exception):
    """A request refused before any work (a foreign Host or Origin, a body that is not JSON, a method or a
    path the explorer does not serve, no free slot): answered with its status and reason, the connection closed."""

    def __init__(self, status, reason, parameter=None):
        super().__init__(reason)
        self.status, self.parameter = status, parameter


HOST = re.compile(f"({'|'.join(map(re.escape, HOSTS))})" + r"(?::(\d{1,5}))?")  # the whole Host header, nothing else
CLIENT = threading.local()  # the connection a worker thread answers: has its client gone?


def abandoned():
    """True when the client of this thread's request closed its connection (the page left): long work stops."""
    gone = getattr(CLIENT, "gone", None)
    return gone is not None and gone()


def client_gone(connection):
    """A closed connection reads as ready with nothing to read (a client that sent more is still there)."""
    try:
        ready, _, _ = select.select([connection], [], [], 0)
        return bool(ready) and connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class Handler(BaseHTTPRequestHandler):
    """Serves the page, GET /api and the POST endpoints to the explorer's own page only: the Host header must name
    this machine and port (DNS rebinding), a POST's Origin, if the browser sent one, must be that same address
    (another site's page), and its Content-Type application/json (a form or a text/plain fetch, which browsers
    send cross-site without asking). Every refusal discards the body and closes the connection."""

    explorer = None  # set by make_server
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a connection may sit idle or half-sent
    error_content_type = "application/json"
    error_message_format = '{"error": "%(code)d %(message)s: %(explain)s"}'

    def log_message(self, format, *args):  # quiet: the terminal shows the address and errors only
        pass

    # ----- what is checked before any work
    def own_address(self):
        """The Host header if it names this machine and this server's port, else Refused 403."""
        host = self.headers.get("Host", "")
        match = HOST.fullmatch(host)
        port = self.server.server_address[1]
        if not match or int(match.group(2) or 80) != port:
            raise Refused(
                403,
                f"Host {host[:100]!r} is not this explorer's: it answers only 127.0.0.1:{port} and localhost:{port}",
            )
        return host

    def check_post(self):
        """Host, Origin and Content-Type of a POST: the explorer's own page, sending JSON."""
        host = self.own_address()
        origin = self.headers.get("Origin")
        if origin is not None and origin != f"http://{host}":
            raise Refused(
                403,
                f"Origin {origin[:100]!r} is not this explorer's page (http://{host}): another site's page cannot drive it",
            )
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise Refused(415, f"Content-Type must be application/json, got {content_type[:100]!r}")
        if "Transfer-Encoding" in self.headers:
            raise Refused(411, "send the body with a Content-Length, not Transfer-Encoding")

    def declared_length(self):
        """The Content-Length header as a number of bytes (0 if absent), None if it is not one."""
        text = self.headers.get("Content-Length", "0")
        if not (text.isascii() and text.isdigit()):
            return None
        return int(text) if len(text) <= 18 else 10**18  # past int()'s 4,300 digits too: more than any body

    def body_length(self):
        length, text = self.declared_length(), self.headers.get("Content-Length", "0")
        if length is None:
            raise Refused(
                400, f"parameter Content-Length: must be a whole number of bytes, got {text[:40]!r}", "Content-Length"
            )
        if length > MAX_BODY:
            raise Refused(413, f"parameter body: must be at most {MAX_BODY} bytes, got {length}", "body")
        return length

    def discard_body(self):
        """Read what the client sent so that the refusal reaches it (closing over unread bytes resets the
        connection); never parsed as another request: the connection closes after the answer."""
        self.close_connection = True
        try:
            length = self.declared_length()
            if length is not None and length <= MAX_BODY:
                self.rfile.read(length)
        except OSError:
            pass

    # ----- answers
    def send(self, status, body, content_type="application/json"):
        # NaN and inf as null: the page draws none
        data = body if isinstance(body, bytes) else json.dumps(strict(body), allow_nan=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
            )
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client left (a broken pipe, a reset): nobody to answer
            self.close_connection = True

    def refuse(self, refused, body_read=False):
        if body_read:
            self.close_connection = True
        else:
            self.discard_body()
        body = {"error": str(refused)}
        if refused.parameter:
            body["parameter"] = refused.parameter
        self.send(refused.status, body)

    def method_not_allowed(self):
        self.refuse(Refused(405, f"{self.command} is not served: the explorer answers GET and POST"))

    do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = method_not_allowed

    def do_GET(self):
        try:
            self.own_address()
            if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
                raise Refused(400, "a GET has no body")
        except Refused as refused:
            return self.refuse(refused)
        path = urlsplit(self.path).path
        if path == "/":
            with open(PAGE, "rb") as f:
                return self.send(200, f.read(), "text/html; charset=utf-8")
        if path == "/api":
            return self.send(200, api_description())
        try:
            data, content_type = reading(path)
        except Refused as refused:
            return self.refuse(refused)
        return self.send(200, data, content_type)

    def do_POST(self):
        try:
            self.check_post()
            length = self.body_length()
            path = urlsplit(self.path).path
            endpoint = path.removeprefix("/api/")
            if not path.startswith("/api/") or endpoint not in ENDPOINTS:
                raise Refused(404, f"no such endpoint: {path[:100]} (GET /api lists them)")
        except Refused as refused:
            return self.refuse(refused)
        try:
            params = checked(endpoint, parsed(self.rfile.read(length)))
            with self.server.slots.taken(endpoint, params):
                CLIENT.gone = lambda: client_gone(self.connection)
                result = self.explorer.handle(endpoint, params)
        except BadRequest as err:
            return self.send(400, {"error": str(err), "parameter": err.parameter})
        except Refused as refused:  # busy, or too big for the memory free
            return self.refuse(refused, body_read=True)
        except Abandoned:
            self.close_connection = True  # its client left: nobody to answer
            return None
        except Exception as err:  # noqa: BLE001  a bug, not bad input: the page shows it; the server goes on
            return self.send(500, {"error": f"{type(err).__name__}: {err}"})
        finally:
            CLIENT.gone = None
        return self.send(200, result)


TEXT, HTML = "text/plain; charset=utf-8", "text/html; charset=utf-8"
IMAGES = {".png": "image/png", ".svg": "image/svg+xml", ".txt": TEXT, ".json": "application/json"}


def reading(path):
    """(bytes, content type) of a page linked from a view: a source file, an exercise's starter, a document, a
    report page or figure; Refused 404 for anything else (nothing outside these lists is served)."""
    kind, _, name = path.removeprefix("/").partition("/")
    if kind == "source" and name in SOURCES:
        with open(os.path.join(ROOT, name), "rb") as f:
            return f.read(), TEXT
    if kind == "exercise" and name in {v["exercise"] for v in VIEWS.values()}:
        from demos.exercises import starter

        header = f"# python -m demos.exercises start {name}  writes this file; python -m demos.exercises check {name}  checks it\n\n"
        return (header + starter(name)).encode(), TEXT
    if kind == "document" and name in DOCUMENTS and document_file(name):
        with open(document_file(name), "rb") as f:
            return f.read(), TEXT
    if kind == "report" and REPORT_FILES.fullmatch(name) and os.path.isfile(os.path.join(REPORT, name)):
        with open(os.path.join(REPORT, name), "rb") as f:
            return f.read(), IMAGES.get(os.path.splitext(name)[1], HTML)
    if kind == "report":
        raise Refused(
            404, f"no report page {name[:100]}: run python -m demos.report in the folder you started the explorer from"
        )
    raise Refused(404, f"no such page: {path[:100]}")


def parsed(data):
    """The request's JSON object, or BadRequest naming the body."""
    try:
        body = json.loads(data or b"{}")
    except (ValueError, RecursionError) as err:  # RecursionError: nested thousands deep
        raise BadRequest("body", data[:40], f"not JSON ({type(err).__name__}: {str(err)[:80]})") from None
    if not isinstance(body, dict):
        raise BadRequest("body", type(body).__name__, "must be a JSON object")
    return body


class Slots:
    """At most `n` heavy requests at a time (training, a landscape, a frame); another waits up to `wait` seconds
    for a slot, then is answered 503 busy. A request whose memory estimate (MEMORY) exceeds what the machine
    has free for one slot is refused 503 before it starts."""

    LIGHT = {"progress", "doc000/reset", "doc001/example", "double_descent/widths", "minima/landscape"}

    def __init__(self, n, wait=10.0):
        self.n, self.wait, self.free = n, wait, threading.BoundedSemaphore(n)

    @contextlib.contextmanager
    def taken(self, endpoint, params):
        need = MEMORY[endpoint](params) if endpoint in MEMORY else 0
        if need and need > (free := available_memory()) / self.n:  # /proc/meminfo read only where memory grows
            raise Refused(
                503,
                f"this request needs about {need / 2**30:.1f} GB and the machine has {free / 2**30:.1f} GB "
                f"free for {self.n} requests at a time: ask for a smaller one",
            )
        if endpoint in self.LIGHT:
            yield
            return
        if not self.free.acquire(timeout=self.wait):
            raise Refused(
                503, f"busy: {self.n} heavy requests are running (the machine has {os.cpu_count()} cores); try again"
            )
        try:
            yield
        finally:
            self.free.release()


def make_server(port=8765, cache=None):
    """A ThreadingHTTPServer on 127.0.0.1:port (0: any free port) serving a new Explorer whose results are kept in
    `cache` (a DiskCache; None: computed every time)."""
    handler = type("ExplorerHandler", (Handler,), {"explorer": Explorer(cache)})
    return Server(("127.0.0.1", port), handler)


class Server(ThreadingHTTPServer):
    """The standard library's threading server with a listen queue for a page's bursts, a bounded pool of heavy
    work, and quiet about clients that leave."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.slots = Slots(max(2, os.cpu_count() or 1))

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (OSError, TimeoutError)):  # a reset or a timeout is the client's
            super().handle_error(request, client_address)


def main(argv: Sequence[str] | None = None) -> int:
    p = OneLineErrors(
        prog="python -m demos.explore",
        description=__doc__.strip().split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--port", type=int_in(0, 65535), default=8765, help="port on 127.0.0.1 (default 8765; 0: any free one)"
    )
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    p.add_argument(
        "--cache",
        metavar="DIR",
        default=default_folder(),
        help="where trained models and curves are kept between runs (default %(default)s)",
    )
    p.add_argument("--no-cache", action="store_true", help="compute everything anew, keep nothing")
    args = p.parse_args(argv)
    try:
        server = make_server(args.port, None if args.no_cache else DiskCache(args.cache))
    except OSError as err:
        p.error(f"argument --port: cannot listen on 127.0.0.1:{args.port} ({err.strerror}); try another --port")
    one_thread_each()  # each request computes on one core (at most one heavy request per core): no oversubscription
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"minnet explorer: {url}  (Ctrl-C stops it)", flush=True)
    if args.open:
        threading.Timer(0.5, lambda: webbrowser.open(url)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
