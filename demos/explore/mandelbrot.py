"""Document 003, the Mandelbrot set: z := z^2 + c with the exact product and with the product a network learned
(minnet.studies.complex_mult trains it, minnet.studies.mandelbrot iterates), side by side; drag to pan, scroll to
zoom. Its page: mandelbrot.html."""

import base64
import threading

import numpy as np

from demos.explore.base import TICKET, BadRequest, Choice, Endpoint, Float, Handlers, Int, Param, ProgressRecorder, View
from demos.explore_cache import NoCache
from minnet.studies import complex_mult as cm
from minnet.studies import mandelbrot as mb

FRAME = {"model": Param("str", "exact"), "re": Float(-3, 3, -0.75), "im": Float(-3, 3, 0.0), "width": Float(1e-13, 8, 3.5),
         "cols": Int(8, 1200, 600), "rows": Int(8, 900, 400), "max_iter": Int(1, 5000, 100)}  # fmt: skip


class Models:
    """The learned multiplications trained so far, by (hidden, activation, epochs, seed): the MAX_MODELS most
    recently trained (a frame of an evicted one asks the page to train it again)."""

    MAX_MODELS = 8

    def __init__(self, cache=None):
        self.lock, self.nets, self.losses = threading.Lock(), {}, {}
        self.cache = NoCache() if cache is None else cache  # trained once, then read from disk

    def train(self, hidden, activation, epochs, seed, ticket):
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
        if model != "exact" and model not in self.nets:
            raise BadRequest("model", model, "no such model: train it first (mandelbrot/model)")
        view = {"re": re, "im": im, "width": width, "cols": cols, "rows": rows, "max_iter": max_iter}

        def escape_counts():
            c_re, c_im = mb.pixel_grid(complex(re, im), width, (cols, rows))
            net = None if model == "exact" else self.nets[model]
            return {"counts": mb.escape_counts_by_rectangles(c_re, c_im, max_iter, net=net)}

        # the first picture (the whole set at the page's size) is kept on disk; a pan or a zoom is computed
        first = all(view[k] == param.default for k, param in FRAME.items() if k != "model")
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


class MandelbrotHandlers(Handlers):
    def __init__(self, sessions, cache):
        super().__init__(sessions, cache)
        self.models = Models(cache)

    def model(self, p):
        model, loss = self.models.train(p["hidden"], p["activation"], p["epochs"], p["seed"], p["ticket"])
        return {"model": model, "test_loss": loss}

    def frame(self, p):
        return self.models.frame(**p)


VIEW = View(
    name="mandelbrot", document="003", study="mandelbrot", exercise="mlp_backward",
    sources=["demos/mandelbrot.py", "minnet/studies/mandelbrot.py", "minnet/studies/complex_mult.py"],
    claims=["mandelbrot.silu_draws_the_set", "mandelbrot.relu_does_not"],
    endpoints={
        "mandelbrot/model": Endpoint({"hidden": Choice(["10", "10,10", "20,30,20"], "20,30,20"), "activation": Choice(["relu", "silu"], "silu"),
                                      "epochs": Int(1, 1000, 150), "seed": Int(0, 2**32 - 1, 0), "ticket": TICKET}),
        "mandelbrot/frame": Endpoint(FRAME),
    },
    handlers=MandelbrotHandlers,
)  # fmt: skip
