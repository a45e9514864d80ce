"""Batch normalisation (Ioffe & Szegedy 2015) and layer normalisation (Ba, Kiros & Hinton 2016).

A normalisation layer standardises a layer's pre-activations z (N, n) over one axis, then may scale
and shift each unit. Batch normalisation averages over the batch (axis 0: each unit over the N
examples), layer normalisation over the units (axis 1: each example over its n units). With m the
number of entries averaged (N or n):

    mu    = (1/m) sum z                          the mean over the axis
    var   = (1/m) sum (z - mu)^2                 the (biased) variance over the axis
    z_hat = (z - mu) / sqrt(var + eps)
    y     = gamma * z_hat + beta                 (y = z_hat without affine parameters)

The backward pass goes through every line of the forward pass in reverse. dy is the error arriving
at y, and every sum runs over the normalised axis:

    dz_hat = dy * gamma
    dvar   = sum(dz_hat * (z - mu)) * (-1/2) (var + eps)^(-3/2)
    dmu    = -sum(dz_hat) / sqrt(var + eps) + dvar * (-2/m) sum(z - mu)     (the last sum is 0)
    dz     = dz_hat / sqrt(var + eps) + dvar * 2 (z - mu) / m + dmu / m

and the affine parameters get dgamma = sum_n dy * z_hat, dbeta = sum_n dy (over the examples).

Batch coupling. Under batch normalisation example n's output depends on every example in the batch
(through mu and var), so the error below the layer is no longer example n's own: delta_n a_n^T is
not the gradient of l_n, and per-example gradients, their statistics and the R-operator of
minnet.hessian do not apply (`refuse_batch_coupling`). Layer normalisation keeps examples apart.

Scale invariance. With eps = 0, z_hat(c z) = z_hat(z) for any c > 0: the loss does not change
when a normalised layer's W_l and b_l are multiplied by c. Then L(c w) = L(w),
grad L(c w) = grad L(w) / c and <w, grad L(w)> = 0 for that group (differentiate L(c w) = L(w)
in c at c = 1). With eps > 0 these hold up to terms of order eps / var.

Evaluation with population statistics: mu and var of each unit fixed, computed at the current
weights over a set the caller gives (`MLP.set_statistics`), so that an example's output no longer
depends on its batch; then dz = dy * gamma / sqrt(var + eps). Running averages over the training
batches (PyTorch's default) are not offered: they mix statistics of weights at different scales,
which breaks the exponential-learning-rate equivalence of minnet.studies.exp_lr.
"""

from typing import NamedTuple

import numpy as np

KINDS = ("batch", "layer")
AXIS = {
    "batch": 0,
    "layer": 1,
}  # batch: each unit over the examples; layer: each example over units


class Cache(NamedTuple):
    """What the backward pass of one normalisation layer needs from its forward pass."""

    mu: np.ndarray  # the mean, (1, n) or (N, 1)
    var: np.ndarray  # the variance, (1, n) or (N, 1)
    centred: np.ndarray  # z - mu                      (N, n)
    std: np.ndarray  # sqrt(var + eps), (1, n) or (N, 1)
    z_hat: np.ndarray  # (z - mu) / sqrt(var + eps)   (N, n)
    axis: int  # the axis averaged over
    fixed: bool  # population statistics: mu and var are constants


def statistics(z, kind):
    """(mu, var) of z (N, n) over the axis of `kind`, kept as (1, n) or (N, 1) for broadcasting."""
    axis = AXIS[kind]
    mu = z.mean(axis=axis, keepdims=True)  # mu = (1/m) sum z
    var = ((z - mu) ** 2).mean(axis=axis, keepdims=True)  # var = (1/m) sum (z - mu)^2
    return mu, var


def forward(z, kind, eps, population=None):
    """(z_hat (N, n), Cache): z standardised with its own statistics or `population` (mu, var)."""
    mu, var = statistics(z, kind) if population is None else population
    centred = z - mu
    std = np.sqrt(var + eps)
    z_hat = centred / std  # z_hat = (z - mu) / sqrt(var + eps)
    return z_hat, Cache(mu, var, centred, std, z_hat, AXIS[kind], population is not None)


def backward(dz_hat, cache):
    """dz (N, n) from dz_hat = dl/dz_hat, through the mean and the variance (module docstring)."""
    _, _, centred, std, _, axis, fixed = cache
    if fixed:
        return dz_hat / std  # mu, var constants: dz = dz_hat / sqrt(var + eps)
    # exercise batchnorm_backward: the backward pass through the mean and the variance
    m = centred.shape[axis]
    # dvar = sum(dz_hat * (z - mu)) * (-1/2) (var + eps)^(-3/2)
    dvar = np.sum(dz_hat * centred, axis=axis, keepdims=True) * -0.5 / std**3
    # dmu = -sum(dz_hat) / sqrt(var + eps) + dvar * (-2/m) sum(z - mu)
    dmu = -np.sum(dz_hat, axis=axis, keepdims=True) / std
    dmu += dvar * -2.0 * np.sum(centred, axis=axis, keepdims=True) / m
    return dz_hat / std + dvar * 2.0 * centred / m + dmu / m  # dz
    # end exercise


def refuse_batch_coupling(net, what):
    """A ValueError saying why `what` does not apply to a batch-normalised network."""
    if getattr(net, "normalise", None) == "batch":
        raise ValueError(
            f"{what} needs each example's own gradient, and a batch-normalised network has none: "
            "every example's output depends on the whole batch through its mean and variance, so "
            "the error below the normalisation is not one example's (minnet.normalisation)"
        )


def refuse_normalised(net, what):
    """A ValueError when `what`, written for dense layers only, meets a normalised network."""
    refuse_batch_coupling(net, what)
    if getattr(net, "normalise", None) is not None:
        raise ValueError(
            f"{what} reads the network as dense layers, and a {net.normalise}-normalised network "
            "is not one (its gamma and beta, its standardisation); net.per_example_grads gives "
            "each example's gradient exactly"
        )
