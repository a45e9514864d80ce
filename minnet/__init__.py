"""minnet: a from-scratch, autodiff-free NumPy framework for small multilayer perceptrons.

Every forward and backward formula is written out by hand. Start with
`minnet.two_layer` (document 000's network with U and V) and `minnet.mlp`
(the general L-layer network), then `minnet.optim` and `minnet.train`.
"""

from minnet.history import History
from minnet.mlp import MLP
from minnet.optim import SGD, Adam, AdamW, RMSprop
from minnet.train import fit
from minnet.two_layer import TwoLayerNet

__all__ = ["MLP", "TwoLayerNet", "SGD", "RMSprop", "Adam", "AdamW", "fit", "History"]
