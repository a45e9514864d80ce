"""What a kernel is told about a network: integer codes for its activations, output and loss, and
`DenseNet`, the network itself as one argument.

Kept free of numba so that minnet can import it without numba installed. Numba reads the
module-level integers below as compile-time constants: `code == TANH` costs what `code == 3`
does.
"""

from typing import NamedTuple

import numpy as np

# activations s(z)
IDENTITY, RELU, SIGMOID, TANH, SILU, SQUARE = 0, 1, 2, 3, 4, 5
# output activations
LINEAR_OUTPUT, SOFTMAX = 0, 1
# losses
MSE, HALF_MSE, CROSS_ENTROPY = 0, 1, 2

ACTIVATION = {
    "identity": IDENTITY,
    "relu": RELU,
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "silu": SILU,
    "square": SQUARE,
}
OUTPUT = {"identity": LINEAR_OUTPUT, "softmax": SOFTMAX}
LOSS = {"mse": MSE, "half_mse": HALF_MSE, "cross_entropy": CROSS_ENTROPY}


class DenseNet(NamedTuple):
    """A network as every kernel sees it: L dense layers, z_l = W_l a_{l-1} + b_l, a_l = s_l(z_l).

    Layer l (0-based in the kernels, l = 0 .. L-1) maps sizes[l] inputs to sizes[l+1] outputs; W_l
    is stored row-major in W[w_start[l] : w_start[l] + sizes[l+1] * sizes[l]] and b_l in
    b[b_start[l] : b_start[l] + sizes[l+1]]. acts[l] is s_l's code (the last is IDENTITY); the
    output activation and the loss follow the last layer. minnet.tools.backend.dense_net builds one.
    """

    W: np.ndarray  # float64 (sum_l n_{l+1} n_l,)
    b: np.ndarray  # float64 (sum_l n_{l+1},)
    w_start: np.ndarray  # int64 (L,)
    b_start: np.ndarray  # int64 (L,)
    sizes: np.ndarray  # int64 (L+1,)
    acts: np.ndarray  # int64 (L,)
    output: int  # LINEAR_OUTPUT or SOFTMAX
    loss: int  # MSE, HALF_MSE or CROSS_ENTROPY
