"""minnet: a from-scratch, autodiff-free NumPy framework for small multilayer perceptrons.

Every forward and backward formula is written out by hand. Start with
`minnet.two_layer` (document 000's network with U and V) and `minnet.mlp`
(the general L-layer network), then `minnet.optim` and `minnet.train`.
"""

import json

import numpy as np

from minnet.history import History
from minnet.mlp import MLP
from minnet.optim import SGD, Adam, AdamW, RMSprop
from minnet.train import fit
from minnet.two_layer import TwoLayerNet

__all__ = ["MLP", "TwoLayerNet", "SGD", "RMSprop", "Adam", "AdamW", "fit", "History", "load"]

NETWORKS = {"MLP": MLP, "TwoLayerNet": TwoLayerNet}


def load(path):
    """A network written by `net.save(path)`; the file holds JSON and numbers only, never a pickle."""
    try:
        with np.load(path, allow_pickle=False) as data:
            kind, config, params = str(data["kind"]), json.loads(str(data["config"])), data["params"]
    except (KeyError, ValueError, OSError) as err:
        raise ValueError(f"{path}: not a minnet network file ({err})") from err
    if kind not in NETWORKS:
        raise ValueError(f"{path}: unknown network kind {kind!r}")
    net = NETWORKS[kind](**config)
    net.params = params
    return net
