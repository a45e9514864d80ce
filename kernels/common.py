"""Building blocks shared by the kernels: activations, dense layers over a batch, the loss.

A network reaches a kernel as one `DenseNet` (kernels.codes): dense layer l (0-based here,
l = 0 .. L-1) maps sizes[l] inputs to sizes[l+1] outputs,

    z_l = W_l a + b_l,   a' = s_l(z_l)

The last layer's s is the identity; the output activation (identity or softmax) is folded into the
loss:

    mse            l_n = (1/k) sum_j (o_j - y_j)^2
    half_mse       l_n = (1/2) sum_j (o_j - y_j)^2
    cross_entropy  l_n = -sum_j y_j log softmax(z)_j
                       = -sum_j y_j (z_j - m - log sum_i e^{z_i - m}),   m = max z

Batches are stored transposed, one row per unit and one column per example (A (n, N)), so
that the innermost loops run over the N examples, contiguous in memory, and LLVM can vectorise
them (sigmoid and silu through kernels.exp.exp_row, tanh through kernels.exp.tanh_row). Layers
alternate between the two halves of a scratch buffer (2, width, N).

Kernels use Numba's "numpy" error model: a division by zero gives inf or NaN, as in NumPy,
instead of raising ZeroDivisionError (which a prange loop cannot pass on cleanly).
Everything stays finite-or-inf without raising, also under NUMBA_DISABLE_JIT=1 (where math.exp
would raise OverflowError): exponentials are only taken of arguments that cannot overflow.
"""

import math

import numpy as np
from numba import njit

import kernels.cache  # noqa: F401  first: it points Numba's cache at the folder of these sources
from kernels.codes import (
    CROSS_ENTROPY,
    HALF_MSE,
    IDENTITY,
    MSE,
    RELU,
    SIGMOID,
    SILU,
    SOFTMAX,
    SQUARE,
    TANH,
    DenseNet,
)
from kernels.exp import exp, exp_row, tanh_row

# log of the largest float64: exp(x) overflows for x above it
MAX_EXP_ARG = 709.782712893384


@njit(cache=True, error_model="numpy")
def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z); exactly 0 where e^-z would overflow."""
    return 1.0 / (1.0 + exp(-z))  # kernels.exp.exp: the bits of minnet.activations.sigmoid


@njit(cache=True, error_model="numpy")
def activate(code, z):
    """s(z) for the activation `code` (kernels.codes): tanh, sigmoid, relu max(z, 0),
    silu z sigmoid(z), square z^2, identity."""
    if code == TANH:
        return math.tanh(z)
    if code == SIGMOID:
        return sigmoid(z)
    if code == RELU:
        return z if z > 0.0 else 0.0
    if code == SILU:
        return z * sigmoid(z)
    if code == SQUARE:
        return z * z
    return z


@njit(cache=True, error_model="numpy")
def derivative(code, z, a):
    """s'(z) given z and a = s(z): tanh 1 / cosh^2 z (= 1 - a^2 without its cancellation when a is
    near 1), sigmoid a (1 - a), relu [z > 0], silu s (1 + z (1 - s)), square 2z, identity 1."""
    if code == TANH:
        if abs(z) > MAX_EXP_ARG:
            # cosh z overflows (math.cosh would raise without the JIT), its square already: 1 / inf
            return 0.0
        c = math.cosh(z)
        return 1.0 / (c * c)  # c * c may overflow to inf: exactly 0, as NumPy's 1 / cosh(z)**2
    if code == SIGMOID:
        return a * (1.0 - a)
    if code == RELU:
        return 1.0 if z > 0.0 else 0.0
    if code == SILU:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    if code == SQUARE:
        return 2.0 * z
    return 1.0


@njit(cache=True, error_model="numpy")
def with_weights(net, W, b):
    """The DenseNet `net` with other weights W, b (same layout): a task's copy, or a gradient."""
    return DenseNet(W, b, net.w_start, net.b_start, net.sizes, net.acts, net.output, net.loss)


@njit(cache=True, error_model="numpy")
def dense_batch(l, A, Z, net):
    """Z[r, n] = b_l[r] + sum_c W_l[r, c] A[c, n] for every unit r and example n: z_l = W_l a + b_l.

    The sum runs over c in order, as the plain loop would round it, but four inputs per pass over
    the batch: a pass loads and stores Z[r] once for four multiply-adds instead of one."""
    W, sizes = net.W, net.sizes
    n_in, n_out, N = sizes[l], sizes[l + 1], A.shape[1]
    for r in range(n_out):
        row = net.w_start[l] + r * n_in  # W_l[r, 0] in W
        bias = net.b[net.b_start[l] + r]
        for n in range(N):
            Z[r, n] = bias
        c = 0
        while c + 4 <= n_in:
            w0, w1, w2, w3 = W[row + c], W[row + c + 1], W[row + c + 2], W[row + c + 3]
            for n in range(N):
                z = (Z[r, n] + w0 * A[c, n]) + w1 * A[c + 1, n]  # one add at a time, in order
                Z[r, n] = (z + w2 * A[c + 2, n]) + w3 * A[c + 3, n]
            c += 4
        for c in range(c, n_in):
            w = W[row + c]
            for n in range(N):
                Z[r, n] += w * A[c, n]


@njit(cache=True, error_model="numpy")
def activate_rows(code, Z, n_rows):
    """Z[:n_rows] = s(Z[:n_rows]) in place.

    Every activation gets loops that vectorise: sigmoid(z) = 1 / (1 + e^-z) and
    silu(z) = z sigmoid(z) take e^-z from exp_row, tanh comes from tanh_row."""
    if code == IDENTITY:
        return
    N = Z.shape[1]
    e, scratch = np.empty(N), np.empty(N)
    for r in range(n_rows):
        if code == RELU:
            for n in range(N):
                Z[r, n] = max(Z[r, n], 0.0)  # relu
        elif code == SIGMOID:
            exp_row(Z[r], -1.0, e, scratch)  # e^-z
            for n in range(N):
                Z[r, n] = 1.0 / (1.0 + e[n])  # sigmoid(z)
        elif code == SILU:
            exp_row(Z[r], -1.0, e, scratch)
            for n in range(N):
                Z[r, n] = Z[r, n] / (1.0 + e[n])  # silu(z) = z sigmoid(z)
        elif code == TANH:
            tanh_row(Z[r], e, scratch)
            Z[r, :N] = e
        else:
            for n in range(N):
                Z[r, n] = activate(code, Z[r, n])


@njit(cache=True, error_model="numpy")
def forward_layers(net, first, stop, A, buf):
    """Run layers first .. stop-1 of `net` on A (n_first, N), the input of layer `first`, one column
    per example.

    buf (2, width, N) is scratch; returns the last layer's output (n_stop, N): its activation, or,
    when stop is the last layer (n_layers(net)), whose s is the identity, the output pre-activation
    z_L. A itself if first = stop."""
    current = A
    for l in range(first, stop):
        target = buf[(l - first) % 2]
        dense_batch(l, current, target, net)  # z = W_l a + b_l
        activate_rows(net.acts[l], target, net.sizes[l + 1])  # a = s_l(z)
        current = target
    return current[: net.sizes[stop]]


@njit(cache=True, error_model="numpy")
def n_layers(net):
    """L, the number of dense layers."""
    return net.sizes.shape[0] - 1


@njit(cache=True, error_model="numpy")
def log_sum_exp(Z, n, k):
    """(m, log sum_j e^{z_j - m}) with m = max_j z_j over the first k rows of example n's column of
    Z: log softmax(z)_j = z_j - m - the second."""
    m = Z[0, n]
    for j in range(1, k):
        m = max(m, Z[j, n])
    s = 0.0
    for j in range(k):
        d = Z[j, n] - m
        s += math.exp(d) if d > -MAX_EXP_ARG else 0.0  # e^d is exactly 0 below -MAX_EXP_ARG
    return m, math.log(s)


@njit(cache=True, error_model="numpy")
def softmax_example_loss(loss, Z, YT, n):
    """l_n for example n of a softmax output, from its pre-activation Z[:, n] and target YT[:, n]:
    -sum_j y_j log p_j for cross-entropy, sum_j (p_j - y_j)^2 (not yet scaled) for the squared
    errors."""
    m, log_s = log_sum_exp(Z, n, YT.shape[0])
    total = 0.0
    for j in range(YT.shape[0]):
        log_p = Z[j, n] - m - log_s  # log softmax(z)_j
        if loss == CROSS_ENTROPY:
            if YT[j, n] != 0.0:
                total -= YT[j, n] * log_p  # -y_j log p_j
        else:
            d = (math.exp(log_p) if log_p > -MAX_EXP_ARG else 0.0) - YT[j, n]  # p_j - y_j
            total += d * d
    return total


@njit(cache=True, error_model="numpy")
def mean_loss(net, Z, YT):
    """(1/N) sum_n l_n for output pre-activations Z (k, N) and targets YT (k, N), or inf where that
    is not finite: an overflowing point of a landscape reads as inf."""
    k, N = YT.shape[0], YT.shape[1]
    total = 0.0
    if net.output == SOFTMAX:
        for n in range(N):
            total += softmax_example_loss(net.loss, Z, YT, n)
    else:
        for j in range(k):  # units outside, examples inside: a tight loop with no calls
            for n in range(N):
                d = Z[j, n] - YT[j, n]  # o_j - y_j
                total += d * d
    if net.loss == MSE:
        total /= k  # mse: (1/k) sum_j
    elif net.loss == HALF_MSE:
        total *= 0.5  # half_mse: (1/2) sum_j
    mean = total / N
    return mean if math.isfinite(mean) else np.inf


def as_f64(a):
    """a as a C-contiguous float64 array, the form every kernel takes (no copy if it is one)."""
    return np.ascontiguousarray(a, dtype=np.float64)


def as_i64(a):
    """a as a C-contiguous int64 array (layer tables, parameter locations)."""
    return np.ascontiguousarray(a, dtype=np.int64)


def as_f64_T(a):
    """A (N, n) matrix in the kernels' batch layout: (n, N), C-contiguous float64."""
    return as_f64(np.asarray(a, dtype=np.float64).T)
