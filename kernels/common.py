"""Building blocks shared by the kernels: activations, dense layers over a batch, the loss.

Dense layer l (0-based here, l = 0 .. L-1) maps sizes[l] inputs to sizes[l+1] outputs:

    z_l = W_l a + b_l,   a' = s_l(z_l)

with W_l stored row-major in W_flat[w_start[l] : w_start[l] + sizes[l+1] * sizes[l]] and b_l in
b_flat[b_start[l] : b_start[l] + sizes[l+1]]. The last layer's s is the identity; the output
activation (identity or softmax) is folded into the loss:

    mse            l_n = (1/k) sum_j (o_j - y_j)^2
    half_mse       l_n = (1/2) sum_j (o_j - y_j)^2
    cross_entropy  l_n = -sum_j y_j log softmax(z)_j = -sum_j y_j (z_j - m - log sum_i e^{z_i - m}),  m = max z

Batches are stored transposed, one row per unit and one column per example (A (n, N)), so
that the innermost loops run over the N examples, contiguous in memory, and LLVM can vectorise
them (sigmoid and silu through exp_row; tanh stays a scalar library call). Layers alternate
between the two halves of a scratch buffer (2, width, N).

Kernels use Numba's "numpy" error model: a division by zero gives inf or NaN, as in NumPy,
instead of raising ZeroDivisionError (which a prange loop cannot pass on cleanly).
Everything stays finite-or-inf without raising, also under NUMBA_DISABLE_JIT=1 (where math.exp
would raise OverflowError): exponentials are only taken of arguments that cannot overflow.
"""

import math

import numpy as np
from numba import njit

from kernels.cache import clear_stale_cache

clear_stale_cache()  # before any kernel is loaded from the cache or compiled: see kernels/cache.py

# log of the largest float64: exp(x) overflows for x above it
MAX_EXP_ARG = 709.782712893384


@njit(cache=True, error_model="numpy")
def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z); exactly 0 where e^-z would overflow."""
    if -z > MAX_EXP_ARG:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


@njit(cache=True, error_model="numpy")
def activate(code, z):
    """s(z) for the activation `code` (kernels.codes.ACTIVATION)."""
    if code == 3:
        return math.tanh(z)
    if code == 2:
        return sigmoid(z)
    if code == 1:
        return z if z > 0.0 else 0.0
    if code == 4:
        return z * sigmoid(z)
    return z


@njit(cache=True, error_model="numpy")
def dense_batch(l, A, Z, W_flat, b_flat, w_start, b_start, sizes):
    """Z[r, n] = b_l[r] + sum_c W_l[r, c] A[c, n] for every unit r and example n: z_l = W_l a + b_l.

    The sum runs over c in order, as the plain loop would round it, but four inputs per pass over
    the batch: a pass loads and stores Z[r] once for four multiply-adds instead of one."""
    n_in, n_out, N = sizes[l], sizes[l + 1], A.shape[1]
    for r in range(n_out):
        row = w_start[l] + r * n_in  # W_l[r, 0] in W_flat
        bias = b_flat[b_start[l] + r]
        for n in range(N):
            Z[r, n] = bias
        c = 0
        while c + 4 <= n_in:
            w0, w1, w2, w3 = W_flat[row + c], W_flat[row + c + 1], W_flat[row + c + 2], W_flat[row + c + 3]
            for n in range(N):
                Z[r, n] = (((Z[r, n] + w0 * A[c, n]) + w1 * A[c + 1, n]) + w2 * A[c + 2, n]) + w3 * A[c + 3, n]
            c += 4
        for c in range(c, n_in):
            w = W_flat[row + c]
            for n in range(N):
                Z[r, n] += w * A[c, n]


LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01  # ln 2 split in two, so that k ln 2 is exact in the high part
LN2_LO = 1.90821492927058770002e-10
SHIFT = 6755399441055744.0  # 1.5 * 2^52: adding it rounds a float of size < 2^51 to an integer
SHIFT_BITS = 0x4338000000000000  # the bits of SHIFT itself


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def horner(r):
    """e^r = sum_k r^k / k!, k = 0..13, in Horner form; for |r| <= ln(2)/2 the first omitted term is below 5e-18.

    Compiled with fastmath "contract": each step p r + c may become one fused multiply-add (one
    rounding instead of two): no less accurate, and the single-threaded silu Mandelbrot of
    demos.benchmark went from 1.67 s to 1.35 s with it."""
    p = 1.0 / 6227020800.0  # 1/13!
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    return p * r + 1.0


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def exp_row(x, sign, out, t):
    """out = e^(sign x) for a whole row, in loops that LLVM can vectorise (math.exp is a scalar library call).

    e^x = 2^k e^r with k = round(x / ln 2) and r = x - k ln 2, |r| <= ln(2)/2; e^r by its Taylor
    polynomial (`horner`). Adding SHIFT = 1.5 * 2^52 to x / ln 2 rounds it to the integer k, which
    then sits in the low bits of the sum t; the float64 2^k is (k + 1023) << 52 as bits, read
    through an int64 view of the scratch row t. x is clamped to [-708, 709], where 2^k is a normal
    number: e^-708 = 3e-308 stands for anything smaller and e^709 = 8e307 for anything larger, which
    moves a sigmoid by less than 1e-307. NaN stays NaN. Within 1 ulp of math.exp over [-708, 709]
    and about 3.4 times faster on a cached row here (a test checks the accuracy)."""
    t_bits = t.view(np.int64)
    for n in range(x.shape[0]):
        v = min(max(sign * x[n], -708.0), 709.0)
        v = x[n] if x[n] != x[n] else v  # keep NaN
        t[n] = v * LOG2E + SHIFT  # k = round(v / ln 2) in the low bits
        k = t[n] - SHIFT
        out[n] = horner((v - k * LN2_HI) - k * LN2_LO)  # e^r, r = v - k ln 2
    for n in range(x.shape[0]):
        t_bits[n] = (t_bits[n] - SHIFT_BITS + 1023) << 52  # the bits of the float64 2^k
    for n in range(x.shape[0]):
        out[n] *= t[n]


@njit(cache=True, error_model="numpy")
def activate_rows(code, Z, n_rows):
    """Z[:n_rows] = s(Z[:n_rows]) in place.

    relu, sigmoid and silu get loops that vectorise: sigmoid(z) = 1 / (1 + e^-z) and
    silu(z) = z sigmoid(z) take e^-z from exp_row; tanh stays math.tanh (the landscape kernel's
    tanh work is structured away instead)."""
    if code == 0:
        return
    N = Z.shape[1]
    e, scratch = np.empty(N), np.empty(N)
    for r in range(n_rows):
        if code == 1:
            for n in range(N):
                Z[r, n] = max(Z[r, n], 0.0)  # relu
        elif code == 2:
            exp_row(Z[r], -1.0, e, scratch)  # e^-z
            for n in range(N):
                Z[r, n] = 1.0 / (1.0 + e[n])  # sigmoid(z)
        elif code == 4:
            exp_row(Z[r], -1.0, e, scratch)
            for n in range(N):
                Z[r, n] = Z[r, n] / (1.0 + e[n])  # silu(z) = z sigmoid(z)
        else:
            for n in range(N):
                Z[r, n] = activate(code, Z[r, n])


@njit(cache=True, error_model="numpy")
def forward_batch(l0, A, buf, W_flat, b_flat, w_start, b_start, sizes, acts):
    """Run layers l0 .. L-1 on A (n_{l0}, N), the input of layer l0, one column per example.

    buf (2, width, N) is scratch; returns z_L (k, N), the output pre-activation (A itself if l0 = L)."""
    L = sizes.shape[0] - 1
    current = A
    for l in range(l0, L):
        target = buf[(l - l0) % 2]
        dense_batch(l, current, target, W_flat, b_flat, w_start, b_start, sizes)
        activate_rows(acts[l], target, sizes[l + 1])
        current = target
    return current[: sizes[L]]


@njit(cache=True, error_model="numpy")
def softmax_example_loss(loss_code, Z, YT, n):
    """l_n for example n of a softmax output, from its pre-activation Z[:, n] and target YT[:, n]."""
    k = YT.shape[0]
    m = Z[0, n]
    for j in range(1, k):
        m = max(m, Z[j, n])
    s = 0.0
    for j in range(k):
        d = Z[j, n] - m
        s += math.exp(d) if d > -MAX_EXP_ARG else 0.0
    log_s = math.log(s)
    total = 0.0
    for j in range(k):
        log_p = Z[j, n] - m - log_s  # log softmax(z)_j
        if loss_code == 2:
            if YT[j, n] != 0.0:
                total -= YT[j, n] * log_p  # -y_j log p_j
        else:
            d = (math.exp(log_p) if log_p > -MAX_EXP_ARG else 0.0) - YT[j, n]  # p_j - y_j
            total += d * d
    return total


@njit(cache=True, error_model="numpy")
def mean_loss(loss_code, output_code, Z, YT):
    """(1/N) sum_n l_n, or inf where that is not finite: an overflowing point of a landscape reads as inf."""
    k, N = YT.shape[0], YT.shape[1]
    total = 0.0
    if output_code == 1:
        for n in range(N):
            total += softmax_example_loss(loss_code, Z, YT, n)
    else:
        for j in range(k):  # units outside, examples inside: a tight loop with no calls
            for n in range(N):
                d = Z[j, n] - YT[j, n]  # o_j - y_j
                total += d * d
    if loss_code == 0:
        total /= k  # mse: (1/k) sum_j
    elif loss_code == 1:
        total *= 0.5  # half_mse: (1/2) sum_j
    mean = total / N
    return mean if math.isfinite(mean) else np.inf


def as_f64(a):
    """a as a C-contiguous float64 array, the form every kernel takes (no copy when it already is)."""
    return np.ascontiguousarray(a, dtype=np.float64)


def as_i64(a):
    """a as a C-contiguous int64 array (layer tables, parameter locations)."""
    return np.ascontiguousarray(a, dtype=np.int64)


def as_f64_T(a):
    """A (N, n) matrix in the kernels' batch layout: (n, N), C-contiguous float64."""
    return as_f64(np.asarray(a, dtype=np.float64).T)
