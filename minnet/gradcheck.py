"""Checking a hand-written gradient against central finite differences.

For each parameter w_p, with e_p the p-th unit vector, the five-point central
difference

    dL/dw_p ~ (L(w - 2h e_p) - 8 L(w - h e_p) + 8 L(w + h e_p) - L(w + 2h e_p)) / (12 h)

has truncation error O(h^4), so a step of h = 1e-3 keeps both truncation and
rounding (about 1e-16 L / h) near 1e-13; the plain two-point difference
(L(w + h e_p) - L(w - h e_p)) / 2h, error O(h^2), cannot get both below 1e-8.

The comparison is the relative error |g - g_fd| / max(|g|, |g_fd|, floor), taken
per parameter block (U, V, or W_l, b_l) so that a wrong block is named. The
floor, 1e-5 max(1, |L|), keeps the rounding noise of the difference (a few
1e-13 |L|) from counting as an error where the true gradient is (nearly) zero,
as at a dead relu unit or a saturated softmax: entries that small are held to
an absolute error of 1e-11 max(1, |L|) at a tolerance of 1e-6.
"""

import numpy as np

from minnet.mlp import MLP, layer_layout

STENCIL = ((-2, 1.0), (-1, -8.0), (1, 8.0), (2, -1.0))  # (offset in h, weight): five points


def numerical_gradient(net, X, Y, h=1e-3):
    """Five-point central-difference gradient of net.loss(X, Y) with respect to net.params."""
    w = net.params
    grad = np.empty_like(w)
    for p in range(w.size):
        # exercise five_point_difference: the five-point central difference of one weight
        saved = w[p]
        total = 0.0
        for offset, weight in STENCIL:
            w[p] = saved + offset * h
            total += weight * net.loss(X, Y)
        w[p] = saved
        grad[p] = total / (12 * h)  # (L(w-2h) - 8 L(w-h) + 8 L(w+h) - L(w+2h)) / 12h
        # end exercise
    return grad


def blocks(net):
    """[(name, slice of params)] for every parameter block of `net`: W_l and b_l, and a normalised
    layer's gamma_l and beta_l (mlp.layer_layout: a layer's blocks in params order)."""
    if isinstance(net, MLP):
        named = []
        for l in range(1, net.L + 1):
            start = net.offsets[l - 1]
            for name, size in layer_layout(net.sizes, l, net.normalise, net.affine, net.norm_bias):
                named.append((f"{name}{l}", slice(start, start + size)))
                start += size
        return named
    return [("U", slice(0, net.U.size)), ("V", slice(net.U.size, net.n_params))]


def relative_errors(analytic, numeric, net, floor):
    """{block name: largest relative error of the block's entries}."""
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    rel = np.abs(analytic - numeric) / scale
    return {name: float(rel[part].max()) for name, part in blocks(net)}


def check_gradient(net, X, Y, grad_fn=None, h=1e-3):
    """{block: max relative error} of grad_fn(X, Y) against finite differences.

    grad_fn defaults to net.loss_and_grad's gradient."""
    grad_fn = grad_fn or (lambda X, Y: net.loss_and_grad(X, Y)[1])
    floor = 1e-5 * max(1.0, abs(net.loss(X, Y)))
    return relative_errors(grad_fn(X, Y), numerical_gradient(net, X, Y, h), net, floor)
