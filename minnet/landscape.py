"""Loss landscapes: the loss over a grid, plane or line in parameter space.

- `grid_two_params`: L with parameter i set to each a and parameter j to each b, every other
  parameter frozen (document 002's picture of two weights).
- `grid_plane`: L(origin + alpha d1 + beta d2) over a grid of (alpha, beta) (documents 003, 004);
  `line`: L(origin + alpha d).
- `random_direction`: a Gaussian direction, filter-normalised as in Li et al., "Visualizing the
  Loss Landscape of Neural Nets" (2018): for every filter (a row of a dense W_l, i.e. the weights
  into one unit) d_row <- d_row / |d_row| * |w_row|, so that a step of alpha = 1 moves each filter
  by its own size; biases get direction 0 unless asked for.

The NumPy reference evaluates many parameter vectors at once by broadcasting a batch axis through
the forward pass; the Numba kernels (kernels/landscape.py) add structure for the two-parameter
grid. A loss that overflows is inf in the result, never an exception or a warning.
"""

import numpy as np

from minnet import losses
from minnet.activations import activate
from minnet.tools.backend import kernel_layout, resolve

CHUNK_FLOATS = 8_000_000  # floats per activation array in one NumPy batch (64 MB)


def batched_losses(net, X, Y, P):
    """L at every row of P (B, n_params): the NumPy reference, broadcasting over a batch axis."""
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[0])
    P = np.atleast_2d(np.asarray(P, dtype=np.float64))
    if P.shape[1] != net.n_params:
        raise ValueError(f"parameter vectors must have {net.n_params} entries, got shape {P.shape}")
    layers = net.layer_index()
    width = max(max(W.shape) for W, _, _ in layers)
    chunk = max(1, CHUNK_FLOATS // (X.shape[0] * width))
    out = np.empty(P.shape[0])
    with np.errstate(all="ignore"):
        for start in range(0, P.shape[0], chunk):
            Pc = P[start : start + chunk]
            A = X[None]  # a_0 = X, shared by every vector   (1, N, n_0)
            for W_index, b_index, activation in layers:
                W, b = Pc[:, W_index], Pc[:, b_index]  # (B, n_l, n_{l-1}), (B, n_l)
                Z = A @ W.transpose(0, 2, 1) + b[:, None, :]  # z_l = a_{l-1} W_l^T + b_l
                A = activate(activation, Z)
            O = losses.output_activation(net.output, Z)
            per_example = losses.per_example_loss(net.loss_name, Z, O, Y)  # (B, N)
            out[start : start + chunk] = per_example.mean(axis=-1)
    return np.where(np.isfinite(out), out, np.inf)


def losses_at(net, X, Y, P, backend=None):
    """L at every row of P (B, n_params), with the chosen backend."""
    if resolve(backend) == "numpy":
        return batched_losses(net, X, Y, P)
    from kernels import landscape as kernel

    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[0])
    P = np.atleast_2d(np.asarray(P, dtype=np.float64))
    if P.shape[1] != net.n_params:
        raise ValueError(f"parameter vectors must have {net.n_params} entries, got shape {P.shape}")
    layout = kernel_layout(net)
    return kernel.losses_of_params(
        X, Y, P[:, layout.w_index], P[:, layout.b_index], layout.dense_net(net.params)
    )


def check_values(name, values):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(
            f"{name} must be a non-empty 1-D array of finite numbers, got shape {values.shape}"
        )
    return values


def check_index(net, name, p):
    if int(p) != p or not 0 <= p < net.n_params:
        raise ValueError(f"{name} must be a parameter index in [0, {net.n_params}), got {p!r}")
    return int(p)


def grid_two_params(net, X, Y, i, j, a_values, b_values, backend=None):
    """Loss (len(a), len(b)) with params[i] = a and params[j] = b, all other parameters frozen."""
    i, j = check_index(net, "i", i), check_index(net, "j", j)
    if i == j:
        raise ValueError(f"i and j must be different parameters, got {i} twice")
    a_values, b_values = check_values("a_values", a_values), check_values("b_values", b_values)
    if resolve(backend) == "numpy":
        P = np.tile(net.params, (a_values.size * b_values.size, 1))
        P[:, i] = np.repeat(a_values, b_values.size)  # row-major over (a, b)
        P[:, j] = np.tile(b_values, a_values.size)
        return batched_losses(net, X, Y, P).reshape(a_values.size, b_values.size)
    from kernels import landscape as kernel

    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[0])
    layout = kernel_layout(net)
    i_loc, j_loc = layout.locate(i), layout.locate(j)
    dense = layout.dense_net(net.params)
    if i_loc[0] <= j_loc[0]:
        return kernel.grid_two_params(X, Y, dense, i_loc, j_loc, a_values, b_values)
    return kernel.grid_two_params(
        X, Y, dense, j_loc, i_loc, b_values, a_values
    ).T  # the kernel wants i in the earlier layer


def check_direction(net, name, d):
    d = np.asarray(d, dtype=np.float64)
    if d.shape != (net.n_params,) or not np.all(np.isfinite(d)):
        raise ValueError(
            f"{name} must be a finite vector of shape ({net.n_params},), got shape {d.shape}"
        )
    return d


def grid_plane(net, X, Y, origin, d1, d2, alphas, betas, backend=None):
    """Loss (len(alphas), len(betas)) at origin + alpha d1 + beta d2."""
    origin, d1, d2 = (
        check_direction(net, name, v) for name, v in (("origin", origin), ("d1", d1), ("d2", d2))
    )
    alphas, betas = check_values("alphas", alphas), check_values("betas", betas)
    P = origin + alphas[:, None, None] * d1 + betas[None, :, None] * d2  # (A, B, n_params)
    values = losses_at(net, X, Y, P.reshape(-1, net.n_params), backend)
    return values.reshape(alphas.size, betas.size)


def line(net, X, Y, origin, d, alphas, backend=None):
    """Loss (len(alphas),) at origin + alpha d (Goodfellow et al.'s line: d = w_end - origin)."""
    origin, d = check_direction(net, "origin", origin), check_direction(net, "d", d)
    alphas = check_values("alphas", alphas)
    return losses_at(net, X, Y, origin + alphas[:, None] * d, backend)


def random_direction(net, rng, normalize="filter", include_bias=False, params=None):
    """A Gaussian direction d ~ N(0, I) in parameter space, normalised to the weights it perturbs.

    normalize : "filter" (each row of each W_l to the norm of that row of W_l, Li et al.),
        "layer" (each W_l as a whole to |W_l|), or None (raw Gaussian).
    include_bias : False gives biases direction 0 (Li et al.'s default); True normalises each
        layer's bias vector to |b_l| like a filter.
    params : the weights to normalise against; default net.params.
    """
    if normalize not in ("filter", "layer", None):
        raise ValueError(f"normalize must be 'filter', 'layer' or None, got {normalize!r}")
    w = net.params if params is None else check_direction(net, "params", params)
    d = rng.standard_normal(net.n_params)
    if normalize is None:
        return d
    for W_index, b_index, _ in net.layer_index():
        # the rows (filters) of W_l, or the whole matrix
        groups = list(W_index) if normalize == "filter" else [W_index.ravel()]
        # exercise filter_normalised_direction: a filter-normalised direction (document 004)
        for idx in groups:
            d[idx] *= np.linalg.norm(w[idx]) / np.linalg.norm(d[idx])  # |d_row| = |w_row|
        # end exercise
        if include_bias:
            d[b_index] *= np.linalg.norm(w[b_index]) / np.linalg.norm(d[b_index])
        else:
            d[b_index] = 0.0
    return d
