"""Document 004, double descent: the study's curve (minnet.studies.double_descent: random relu features, the
minimum-norm least-squares last layer) for one seed, drawn width by width, for any n and label noise. Its page:
dd.html."""

from demos.explore.base import Endpoint, Float, Handlers, Int, View
from minnet.studies import double_descent as dd


def double_descent_width(cache, n, label_noise, seed, width):
    """One width of `demos.double_descent`'s curve for one seed: train and test error and the readout's norm."""
    config = {"n": n, "label_noise": label_noise, "widths": [width], "seed": seed}
    row = cache.get("double-descent-width", config, lambda: dd.width_task(config))
    return {"width": width, "weights": 10 * (width + 1), **{key: float(value[0]) for key, value in row.items()}}


def double_descent_bytes(p):
    """About the memory one width takes: the hidden layer's outputs for all 5,000 images, twice over (float64;
    measured: 0.54 GB at width 5,000, 1.78 GB at 20,000, with the interpreter's 0.15 GB)."""
    return 2 * 8 * 5000 * p["width"]


class DoubleDescentHandlers(Handlers):
    def widths(self, p):
        return {"widths": dd.widths(p["n"], dd.MAX_FACTOR), "threshold": dd.CLASSES * p["n"]}  # the study's widths

    def width(self, p):
        return double_descent_width(self.cache, **p)


VIEW = View(
    name="dd", document="004", study="double_descent", exercise=None,  # a least-squares solve, no gradient to write
    sources=["demos/double_descent.py", "minnet/studies/double_descent.py"],
    claims=["double_descent.peak_at_threshold", "double_descent.second_descent_below_classical"],
    endpoints={
        "double_descent/widths": Endpoint({"n": Int(20, 2000, 1000)}, light=True),  # up to 10 n = 20,000 units: seconds per width
        "double_descent/width": Endpoint({"n": Int(20, 2000, 1000), "label_noise": Float(0, 1, 0.1), "seed": Int(0, 2**32 - 1, 0),
                                          "width": Int(1, 20000, 999)}, memory=double_descent_bytes),
    },
    handlers=DoubleDescentHandlers,
)  # fmt: skip
