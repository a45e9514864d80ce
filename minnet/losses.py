"""Loss functions, per example, and the error signal they send back.

Every loss is a mean over the N examples of a per-example term l_n, so that
the batch gradient is the mean of the per-example gradients:

    L = (1/N) sum_n l_n

    mse            l_n = (1/k) sum_j (o_nj - y_nj)^2     (documents 002, 003: mean over elements)
    half_mse       l_n = (1/2) sum_j (o_nj - y_nj)^2     (document 000's "error")
    cross_entropy  l_n = -sum_j y_nj log p_nj,  p_n = softmax(z_n)   (document 004)

`output_delta` returns dl_n/dz_n, the derivative of the example's own term
with respect to the output layer's pre-activation z (not divided by N):

    mse + identity            dl_n/dz_n = 2 (o_n - y_n) / k
    half_mse + identity       dl_n/dz_n = o_n - y_n            (the document's e = o - y)
    cross_entropy + softmax   dl_n/dz_n = p_n - y_n
    any loss + softmax        dl_n/dz_n = p_n * (g_n - g_n . p_n),  g_n = dl_n/dp_n

`output_delta_along` differentiates that signal once more, along a change R(z) of z
(Pearlmutter's R-operator, for Hessian-vector products in minnet.hessian):

    R(p_n)                    = p_n * (R(z_n) - p_n . R(z_n))     softmax's Jacobian times R(z_n)
    identity output           R(delta_n) = c R(z_n),  c = 2/k (mse) or 1 (half_mse)
    cross_entropy + softmax   R(delta_n) = R(p_n)
    mse, half_mse + softmax   R(delta_n) = R(p_n) * (g_n - g_n . p_n)
                                           + p_n * (R(g_n) - R(g_n) . p_n - g_n . R(p_n)),
                              g_n = c (p_n - y_n),  R(g_n) = c R(p_n)
"""

import numpy as np

from minnet.arithmetic import exp, mean_in_order, sum_in_order  # exp: the same bits everywhere

LOSSES = ("mse", "half_mse", "cross_entropy")  # (minnet.checks.check_loss validates a pair)
OUTPUTS = ("identity", "softmax")


def softmax_and_log(z):
    """(p, log p), row by row, from one e^x, without overflow:

    shifted = z - max_j z,  e = e^shifted,  p = e / sum_j e,  log p = shifted - log sum_j e"""
    shifted = z - z.max(axis=-1, keepdims=True)  # z_nj - max_j z_nj <= 0: e^shifted cannot overflow
    e = exp(shifted)
    total = e.sum(axis=-1, keepdims=True)  # sum_j e^{z_nj - max_j z_nj}
    return e / total, shifted - np.log(total)


def softmax(z):
    """p_nj = e^{z_nj - max_j z_nj} / sum_j e^{z_nj - max_j z_nj} (`softmax_and_log`)."""
    return softmax_and_log(z)[0]


def log_softmax(z):
    """log p_nj = z_nj - logsumexp_j z_nj (`softmax_and_log`)."""
    return softmax_and_log(z)[1]


def outputs_and_log(output, z):
    """(o, log o): o = s_out(z) as `output_activation`, and for a softmax output log p from the
    same e^x (`softmax_and_log`), which cross-entropy reads; None for an identity output."""
    return softmax_and_log(z) if output == "softmax" else (z, None)


def output_activation(output, z):
    """o = z for 'identity', p = softmax(z) for 'softmax'."""
    return softmax(z) if output == "softmax" else z


def per_example_loss(loss, z, o, Y, log_o=None):
    """l_n for each example (..., N) from the output pre-activation z (..., N, k), o = s_out(z);
    log_o = log_softmax(z) when the caller has it (`outputs_and_log`), else computed here."""
    if loss == "mse":
        return mean_in_order((o - Y) ** 2, axis=-1)  # (1/k) sum_j (o - y)^2
    if loss == "half_mse":
        return 0.5 * sum_in_order((o - Y) ** 2, axis=-1)  # (1/2) sum_j (o - y)^2
    log_p = log_softmax(z) if log_o is None else log_o
    return -np.sum(Y * log_p, axis=-1)  # -sum_j y log p


def output_delta(loss, output, o, Y):
    """dl_n/dz_n for each example: shape (N, k), not divided by N."""
    if loss == "cross_entropy":
        # exercise softmax_cross_entropy_delta: the output delta of softmax with cross-entropy
        return o - Y  # p - y
        # end exercise
    k = Y.shape[1]
    g = 2.0 * (o - Y) / k if loss == "mse" else o - Y  # dl_n/do_n (half_mse: document 000's e)
    if output == "softmax":
        return o * (g - np.sum(g * o, axis=-1, keepdims=True))  # softmax Jacobian times g
    return g


def output_delta_along(loss, output, o, Y, RZ):
    """R(delta_n) = (d delta_n / d z_n) R(z_n) for each example: shape (N, k), the change of
    `output_delta` when the output pre-activation z moves along RZ (N, k)."""
    k = Y.shape[1]
    c = 2.0 / k if loss == "mse" else 1.0  # dl_n/do_n = c (o_n - y_n) for the squared errors
    if output == "identity":
        return c * RZ  # R(delta) = c R(z)
    Rp = o * (RZ - np.sum(o * RZ, axis=-1, keepdims=True))  # R(p) = p * (R(z) - p . R(z))
    if loss == "cross_entropy":
        return Rp  # R(p - y) = R(p)
    g, Rg = c * (o - Y), c * Rp  # g = dl/dp, R(g)
    dot = np.sum(g * o, axis=-1, keepdims=True)  # g . p
    R_dot = np.sum(Rg * o + g * Rp, axis=-1, keepdims=True)  # R(g . p)
    return Rp * (g - dot) + o * (Rg - R_dot)  # R(p * (g - g . p))


def one_hot(labels, k):
    """(N,) integer labels in [0, k) -> (N, k) one-hot float64 rows."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            "integer labels must be a 1-D integer array, "
            f"got dtype {labels.dtype} and shape {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(
            f"labels must lie in [0, {k}), got values from {labels.min()} to {labels.max()}"
        )
    Y = np.zeros((labels.size, k))
    Y[np.arange(labels.size), labels] = 1.0
    return Y
