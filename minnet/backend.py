"""Choosing between a Numba kernel and its NumPy twin, and describing a network to a kernel.

Public minnet functions that have a kernel take ``backend="numba" | "numpy"``; None means numba
when it imports and numpy otherwise. A kernel sees a network as dense layers (see
`Network.layer_index`) flattened into a few arrays, built here by `kernel_layout`.
"""

import importlib.util
from dataclasses import dataclass

import numpy as np

from kernels import codes

BACKENDS = ("numba", "numpy")


def numba_available():
    return importlib.util.find_spec("numba") is not None


def resolve(backend):
    """The backend to use: `backend`, or numba when available and numpy otherwise."""
    if backend is None:
        return "numba" if numba_available() else "numpy"
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS} or None, got {backend!r}")
    if backend == "numba" and not numba_available():
        raise ValueError("backend='numba' needs the numba package, which is not installed")
    return backend


@dataclass
class KernelLayout:
    """A network as a kernel sees it: W_l row-major in one array, b_l in another, with start offsets."""

    w_index: np.ndarray  # (sum n_l n_{l-1},) where each W entry sits in params
    b_index: np.ndarray  # (sum n_l,)
    w_start: np.ndarray  # (L,)
    b_start: np.ndarray  # (L,)
    sizes: np.ndarray  # (L+1,)
    acts: np.ndarray  # (L,) activation codes; the last is identity
    output_code: int
    loss_code: int

    def dense(self, params):
        """(W_flat, b_flat) of a parameter vector."""
        return params[self.w_index], params[self.b_index]

    def locate(self, p):
        """(layer, row, col) of parameter index p, 0-based layer; col = -1 for a bias."""
        for l in range(len(self.sizes) - 1):
            n_in, n_out = self.sizes[l], self.sizes[l + 1]
            W = self.w_index[self.w_start[l] : self.w_start[l] + n_out * n_in]
            hit = np.flatnonzero(W == p)
            if hit.size:
                return l, int(hit[0] // n_in), int(hit[0] % n_in)
            hit = np.flatnonzero(self.b_index[self.b_start[l] : self.b_start[l] + n_out] == p)
            if hit.size:
                return l, int(hit[0]), -1
        raise ValueError(f"parameter index {p} is not in the network (it has {self.w_index.size + self.b_index.size})")


def kernel_layout(net):
    """The KernelLayout of a TwoLayerNet or MLP."""
    layers = net.layer_index()
    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _, _ in layers]
    w_sizes = [W.size for W, _, _ in layers]
    return KernelLayout(
        w_index=np.concatenate([W.ravel() for W, _, _ in layers]).astype(np.int64),
        b_index=np.concatenate([b for _, b, _ in layers]).astype(np.int64),
        w_start=np.concatenate([[0], np.cumsum(w_sizes)[:-1]]).astype(np.int64),
        b_start=np.concatenate([[0], np.cumsum(sizes[1:])[:-1]]).astype(np.int64),
        sizes=np.array(sizes, dtype=np.int64),
        acts=np.array([codes.ACTIVATION[a] for _, _, a in layers], dtype=np.int64),
        output_code=codes.OUTPUT[net.output],
        loss_code=codes.LOSS[net.loss_name],
    )
