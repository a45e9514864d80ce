"""Per-example gradients and their statistics (document 001).

For a dense layer the gradient of example n's own loss term is the outer product of its
backpropagated error and the layer's input, delta_n a_n^T (plus delta_n for the bias), so the
statistics need no (N, P) matrix:

    |g_n|^2     = |a_n|^2 |delta_n|^2 + |delta_n|^2
    g_n . G     = delta_n^T G_W a_n + delta_n . g_b        G = (G_W, g_b), the mean gradient
    cos_n       = g_n . G / (|g_n| |G|)

per layer, and for all parameters together by summing the squared norms and the dot products
over layers. `gradient_stats` computes them with the Numba kernel (kernels/per_example.py) or with
this module's NumPy twin; `layer_grads` materialises one layer's (N, P_layer) gradients where an
analysis needs the vectors themselves (gradient clusters).
"""

import numpy as np

from minnet.normalisation import refuse_normalised
from minnet.tools.backend import kernel_layout, resolve


def numpy_layer_stats(net, X, Y, layers):
    """(losses, outputs, |g_n,l|^2, g_n,l . G_l (each (len(layers), N)), |G_l|^2 (len(layers),)) for
    the 1-based `layers`, from net.backprop (its errors and its mean gradients G_l), vectorised over
    examples."""
    per_example, O, blocks = net.backprop(X, Y)
    norm2, dot, G2 = [], [], []
    for layer in layers:
        A, delta, bias, grad = blocks[layer - 1]
        n_out, n_in = delta.shape[1], A.shape[1]
        G_W = grad[: n_out * n_in].reshape(n_out, n_in)  # (1/N) sum_n delta_n a_n^T, from backprop
        # exercise per_example_norm: each example's gradient norm, not materialised (document 001)
        a2 = np.sum(A * A, axis=1) + (1.0 if bias else 0.0)  # |a_n|^2 (+ 1 for the bias)
        norm2.append(a2 * np.sum(delta * delta, axis=1))  # |g_n|^2 = (|a_n|^2 + 1) |delta_n|^2
        # end exercise
        projected = A @ G_W.T  # (G_W a_n)^T   (N, n_out)
        if bias:
            g_b = grad[G_W.size :]  # (1/N) sum_n delta_n, from backprop
            projected = projected + g_b
            G2.append(np.sum(G_W * G_W) + np.sum(g_b * g_b))
        else:
            G2.append(np.sum(G_W * G_W))
        dot.append(np.sum(delta * projected, axis=1))  # g_n . G = delta_n . (G_W a_n + g_b)
    return per_example, O, np.array(norm2), np.array(dot), np.array(G2)


def check_layer(layer, L):
    """A 1-based layer number in [1, L], or a ValueError naming it."""
    if isinstance(layer, bool) or int(layer) != layer or not 1 <= layer <= L:
        raise ValueError(f"layers must be layer numbers in [1, {L}], got {layer!r}")
    return int(layer)


def sparse_rows(X):
    """The non-zeros of X (N, n) row by row: (indptr (N+1,), columns, values), row n's in
    columns[indptr[n] : indptr[n + 1]] in increasing order (compressed sparse rows). For an input
    of many zeros (MNIST: 81%) the kernel's first layer reads these alone."""
    X = np.asarray(X, dtype=np.float64)
    rows, columns = np.nonzero(X)  # row-major: each row's columns in order
    indptr = np.searchsorted(rows, np.arange(X.shape[0] + 1))
    return indptr.astype(np.int64), columns.astype(np.int64), np.ascontiguousarray(X[rows, columns])


def gradient_stats(net, X, Y, backend=None, layers=None, rows=None):
    """Each example's loss, correctness, gradient norm and cosine with the mean gradient, by layer.

    Returns a dict of arrays:
        loss     (N,)       l_n
        correct  (N,)       argmax of the output equals the label (softmax networks only)
        norm     (N, L+1)   |g_n| for layer 1..L's parameters (W_l with b_l); all of them last
        cos      (N, L+1)   cos(g_n, G) in the same columns; NaN where |g_n| or |G| is 0

    With `layers` (1-based), norm and cos have one column per listed layer and no all-parameters
    column. Both backends then compute only those layers: document 001's last layer of a 784-8-10
    network takes one pass over X instead of three.

    rows: `sparse_rows(X)`, for an X of many zeros: the kernel's first layer then adds each
    example's non-zero terms alone, in column order (the bits of minnet.arithmetic's
    matmul_in_order, on every CPU): document 001's MNIST evaluation took 4.6 ms instead of 6.7.
    """
    refuse_normalised(net, "gradient_stats")  # batch coupling: no example has its own gradient
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[0])
    if rows is not None and rows[0].shape != (X.shape[0] + 1,):
        raise ValueError(f"rows must be sparse_rows(X) of X's {X.shape[0]} rows")
    return checked_gradient_stats(net, X, Y, backend, layers, rows)


def checked_gradient_stats(net, X, Y, backend, layers, rows):
    """gradient_stats for X and Y as net.check_X and net.check_Y return them."""
    return Evaluation(net, X, Y, layers, backend, rows)(net)


class Evaluation:
    """gradient_stats of `net` on the same X and Y again and again, e.g. after every training step
    (document 001's recorder): what does not change between calls is prepared once, at
    construction: the layers chosen, the backend, the labels, and for the kernel the network's
    layout (minnet.tools.backend.KernelLayout), the targets in its layout and the bool array of
    the layers. X and Y as net.check_X and net.check_Y return them; rows: `sparse_rows(X)` or None.
    Calling it with a network of the same layers (its current parameters) gives gradient_stats'
    dict."""

    def __init__(self, net, X, Y, layers, backend, rows):
        L = len(net.layer_index())
        self.X, self.Y, self.rows, self.layers = X, Y, rows, layers
        chosen = range(1, L + 1) if layers is None else [check_layer(k, L) for k in layers]
        self.chosen = list(chosen)
        self.backend = resolve(backend)
        self.labels = np.argmax(Y, axis=1) if net.output == "softmax" else None
        if self.backend == "numba":
            from kernels.common import as_f64, as_f64_T

            self.layout, self.X_f64, self.YT = kernel_layout(net), as_f64(X), as_f64_T(Y)
            self.want = np.isin(np.arange(1, L + 1), self.chosen)

    def __call__(self, net):
        if self.backend == "numpy":
            losses, O, norm2, dot, G2 = numpy_layer_stats(net, self.X, self.Y, self.chosen)
            predictions = np.argmax(O, axis=1)
        else:
            losses, predictions, norm2, dot, G2 = self.numba_layer_stats(net)
        if self.layers is None:
            # (L+1, N): per layer, then all parameters
            norm2 = np.vstack([norm2, norm2.sum(axis=0)])
            dot = np.vstack([dot, dot.sum(axis=0)])
            G2 = np.append(G2, G2.sum())
        G_norm = np.sqrt(G2)[:, None]
        norm = np.sqrt(norm2)
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = dot / (norm * G_norm)
        stats = {"loss": losses, "norm": norm.T, "cos": cos.T}
        if self.labels is not None:
            stats["correct"] = predictions == self.labels
        return stats

    def numba_layer_stats(self, net):
        """numpy_layer_stats' statistics from the kernel (kernels/per_example.py), for the chosen
        layers."""
        from kernels import per_example as kernel

        losses, predictions, norm2, dot, G2 = kernel.gradient_stats_T(
            self.X_f64, self.YT, self.layout.dense_net(net.params), self.want, self.rows
        )
        rows = [layer - 1 for layer in self.chosen]
        return losses, predictions, norm2[rows], dot[rows], G2[rows]


def layer_grads(net, X, Y, layer):
    """(N, P_layer): each example's gradient of layer `layer` (1-based), weights and bias."""
    refuse_normalised(net, "layer_grads")
    _, _, blocks = net.backprop(X, Y)
    if not 1 <= layer <= len(blocks):
        raise ValueError(f"layer must lie in [1, {len(blocks)}], got {layer!r}")
    block = blocks[layer - 1]
    outer = np.einsum("ni,nj->nij", block.delta, block.A)  # delta_n a_n^T   (N, n, m)
    outer = outer.reshape(block.delta.shape[0], -1)  # one row per example
    return np.hstack([outer, block.delta]) if block.bias else outer
