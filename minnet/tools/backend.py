"""Choosing between a Numba kernel and its NumPy twin, and describing a network to a kernel.

Public minnet functions that have a kernel take ``backend="numba" | "numpy"``; None (the default
everywhere) means the environment variable MINNET_BACKEND when it is set, else numba when it
imports and numpy otherwise. MINNET_BACKEND=numpy makes every function run its NumPy code, which
calls the networks' own backprop: an edit to minnet/two_layer.py or minnet/mlp.py then changes
every study. A kernel sees a network as one argument, a DenseNet
(kernels.codes): its dense layers (see `Network.layer_index`) flattened into a few arrays, built
here by `dense_net` (or `kernel_layout(net).dense_net(params)` for other parameter values).
"""

import importlib.util
import os
from dataclasses import dataclass

import numpy as np

from kernels import codes

BACKENDS = ("numba", "numpy")


def numba_available():
    return importlib.util.find_spec("numba") is not None


def resolve(backend=None):
    """The backend: `backend`, else $MINNET_BACKEND, else numba when it imports, else numpy."""
    if backend is None:
        backend = os.environ.get("MINNET_BACKEND") or None
        if backend is not None and backend not in BACKENDS:
            raise ValueError(
                f"the environment variable MINNET_BACKEND must be one of {BACKENDS}, "
                f"got {backend!r}"
            )
    if backend is None:
        return "numba" if numba_available() else "numpy"
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS} or None, got {backend!r}")
    if backend == "numba" and not numba_available():
        raise ValueError("backend='numba' needs the numba package, which is not installed")
    return backend


@dataclass
class KernelLayout:
    """Where a network's dense layers sit in its parameter vector, and the kernels' view of them.

    w_index (sum n_l n_{l-1},) and b_index (sum n_l,) say where each W_l[r, c] (row-major, layer
    after layer) and b_l[r] sit in `params`, so that W = params[w_index] and b = params[b_index]
    are the kernels' DenseNet.W and DenseNet.b.
    """

    w_index: np.ndarray
    b_index: np.ndarray
    structure: codes.DenseNet  # the kernels' DenseNet, with empty W and b

    def dense_net(self, params):
        """The DenseNet of the parameter vector `params`: what every kernel takes."""
        return self.structure._replace(
            W=np.ascontiguousarray(params[self.w_index]),
            b=np.ascontiguousarray(params[self.b_index]),
        )

    def locate(self, p):
        """(layer, row, col) of parameter index p, 0-based layer; col = -1 for a bias."""
        structure = self.structure
        sizes, w_start, b_start = structure.sizes, structure.w_start, structure.b_start
        for l in range(len(sizes) - 1):
            n_in, n_out = sizes[l], sizes[l + 1]
            hit = np.flatnonzero(self.w_index[w_start[l] : w_start[l] + n_out * n_in] == p)
            if hit.size:
                return l, int(hit[0] // n_in), int(hit[0] % n_in)
            hit = np.flatnonzero(self.b_index[b_start[l] : b_start[l] + n_out] == p)
            if hit.size:
                return l, int(hit[0]), -1
        raise ValueError(
            f"parameter index {p} is not in the network "
            f"(it has {self.w_index.size + self.b_index.size})"
        )


def kernel_layout(net):
    """The KernelLayout of a TwoLayerNet or MLP, built from `net.layer_index()` once per call."""
    layers = net.layer_index()
    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _, _ in layers]
    w_sizes = [W.size for W, _, _ in layers]
    structure = codes.DenseNet(
        W=np.zeros(0),
        b=np.zeros(0),
        w_start=np.concatenate([[0], np.cumsum(w_sizes)[:-1]]).astype(np.int64),
        b_start=np.concatenate([[0], np.cumsum(sizes[1:])[:-1]]).astype(np.int64),
        sizes=np.array(sizes, dtype=np.int64),
        acts=np.array([codes.ACTIVATION[a] for _, _, a in layers], dtype=np.int64),
        output=codes.OUTPUT[net.output],
        loss=codes.LOSS[net.loss_name],
    )
    w_index = np.concatenate([W.ravel() for W, _, _ in layers]).astype(np.int64)
    b_index = np.concatenate([b for _, b, _ in layers]).astype(np.int64)
    return KernelLayout(w_index, b_index, structure)


def dense_net(net):
    """The kernels' DenseNet (kernels.codes) of a TwoLayerNet or MLP at its current parameters."""
    return kernel_layout(net).dense_net(net.params)
