"""minnet: a from-scratch, autodiff-free NumPy framework for small multilayer perceptrons.

Every forward and backward formula is written out by hand. This room, minnet/, is the framework
a student reads, in this order:

1. two_layer    document 000's network with U and V, and its backward pass line by line
2. mlp          the general L-layer network (W_l, b_l); network: what both share
3. activations, losses   s(z), s'(z); the losses and their output deltas
4. optim        SGD, RMSprop, Adam, AdamW as document 002 writes them
5. train        fit: the loop (gradient, step, record); recorders: what it records
6. gradcheck, hessian, per_example, landscape   the analyses every study uses
7. data, compiled        the documents' data; document 000's loop compiled

minnet.studies holds the analyses of one document each, minnet.tools the plumbing (files,
progress, sweeps, plots, the kernel backend).
"""

import json

import numpy as np

from minnet.mlp import MLP
from minnet.optim import SGD, Adam, AdamW, GroupSGD, RMSprop
from minnet.recorders import Snapshots, TestLoss
from minnet.tools.history import History
from minnet.train import Trainable, fit
from minnet.two_layer import TwoLayerNet

__all__ = [
    "MLP",
    "TwoLayerNet",
    "SGD",
    "RMSprop",
    "Adam",
    "AdamW",
    "GroupSGD",
    "fit",
    "TestLoss",
    "Snapshots",
    "Trainable",
    "History",
    "load",
]

NETWORKS = {"MLP": MLP, "TwoLayerNet": TwoLayerNet}


def parameter_count(kind, config):
    """How many parameters the network `kind` with `config` has, computed before building it."""
    if kind == "MLP":  # dense layers, and a normalisation's parameters when it has some
        from minnet.mlp import parameter_count as mlp_count

        sizes = [int(n) for n in config["sizes"]]
        options = {k: config[k] for k in ("normalise", "affine", "norm_bias") if k in config}
        return mlp_count(sizes, **options)
    h, n_in, n_out = (
        int(config.get(key, default)) for key, default in (("h", 3), ("n_in", 1), ("n_out", 1))
    )
    return (h - 1) * (n_in + 1) + n_out * h


def load(path):
    """A network written by `net.save(path)`; the file holds JSON and numbers only, never a pickle.

    The parameters are checked against the architecture before the network is built, so a damaged
    or hostile file cannot make it allocate more than the parameters it holds."""
    from minnet.tools.atomic import read_npz
    from minnet.tools.history import UNREADABLE

    try:
        data = read_npz(path)
        kind, config, params = str(data["kind"]), json.loads(str(data["config"])), data["params"]
        if kind not in NETWORKS:
            raise ValueError(f"unknown network kind {kind!r}")
        if not isinstance(config, dict):
            raise ValueError(f"its config is not a JSON object: {config!r}")
        expected = parameter_count(kind, config)
        if params.ndim != 1 or params.size != expected or params.dtype != np.float64:
            raise ValueError(
                f"a {kind} with {config} has {expected} float64 parameters; "
                f"the file holds {params.dtype} {params.shape}"
            )
        net = NETWORKS[kind](**config)
    except (*UNREADABLE, TypeError) as err:
        raise ValueError(
            f"{path}: not a minnet network file ({type(err).__name__}: {err})"
        ) from err
    net.params = params
    return net
