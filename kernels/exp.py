"""e^x for one number (`exp`) and for a whole array (`exp_array`), the compiled twins of
minnet.arithmetic.exp (the same bits on every CPU), and the sigmoid and silu of
minnet.activations from the same e^x (`exp_family`).

And e^x and tanh x for whole rows (`exp_row`, `tanh_row`): math.exp and math.tanh are scalar
library calls that stop LLVM from vectorising a loop; these are polynomials it can vectorise.

    e^x = 2^k e^r,   k = round(x / ln 2),   r = x - k ln 2,   |r| <= ln(2) / 2

with e^r from its Taylor polynomial (`horner`) and 2^k built from its exponent bits; and

    tanh x = sign(x) (-m) / (2 + m),   m = e^(-2|x|) - 1 = 2^k (e^r - 1) + (2^k - 1)

where e^r - 1 comes from the same polynomial without its constant term, so that m keeps its
relative accuracy as x approaches 0 (1 - e^(-2|x|) computed directly would cancel).
"""

import math

import numpy as np
from numba import njit

import kernels.cache  # noqa: F401  first: it points Numba's cache at the folder of these sources
from minnet.arithmetic import EXP_CLAMP, EXP_TAYLOR, LN2_HI, LN2_LO, LOG2E


@njit(cache=True, error_model="numpy")
def exp(x):
    """e^x by minnet.arithmetic.exp's operations in its order: the same bits on every CPU.

    Compiled without fastmath: LLVM may then neither reorder the additions nor fuse a multiply
    and an add into one rounding (an FMA, which some CPUs have and others do not)."""
    if x != x:
        return x  # NaN
    v = min(max(x, -EXP_CLAMP), EXP_CLAMP)
    k = math.floor(v * LOG2E + 0.5)  # k = round(x / ln 2)
    r = (v - k * LN2_HI) - k * LN2_LO  # r = x - k ln 2
    p = EXP_TAYLOR[0]
    for c in EXP_TAYLOR[1:]:
        p = p * r + c  # Horner, as minnet.arithmetic.exp
    if k > 1024 or (k == 1024 and p >= 1.0):
        return math.inf  # where ldexp overflows (Python's would raise, under NUMBA_DISABLE_JIT=1)
    return math.ldexp(p, int(k))  # 2^k e^r


SHIFT = 6755399441055744.0  # 1.5 * 2^52: adding it rounds a float of size < 2^51 to an integer
SHIFT_BITS = 0x4338000000000000  # the bits of SHIFT itself


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def horner(r):
    """e^r = sum_k r^k / k!, k = 0..13, in Horner form; for |r| <= ln(2)/2 the first omitted term is
    below 5e-18.

    Compiled with fastmath "contract": each step p r + c may become one fused multiply-add (one
    rounding instead of two): no less accurate, and the single-threaded silu Mandelbrot of
    demos.benchmark went from 1.67 s to 1.35 s with it."""
    return horner_tail(r) * r + 1.0


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def horner_tail(r):
    """p with e^r = p r + 1, i.e. (e^r - 1) / r = sum_k r^(k-1) / k!, k = 1..13, in Horner form."""
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
    return p * r + 1.0


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def exp_row(x, sign, out, t):
    """out = e^(sign x) for a whole row, in loops that LLVM can vectorise.

    Adding SHIFT = 1.5 * 2^52 to x / ln 2 rounds it to the integer k, which then sits in the low
    bits of the sum t; the float64 2^k is (k + 1023) << 52 as bits, read through an int64 view of
    the scratch row t. x is clamped to [-708, 709], where 2^k is a normal number: e^-708 = 3e-308
    stands for anything smaller and e^709 = 8e307 for anything larger, which moves a sigmoid by
    less than 1e-307. NaN stays NaN. Within 1 ulp of math.exp over [-708, 709] and about 3.4 times
    faster on a cached row here (a test checks the accuracy)."""
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


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def tanh_row(x, out, t):
    """out = tanh(x) for a whole row, in loops LLVM can vectorise (module docstring); t: scratch.

    -2|x| is clamped at -708, far past where tanh is 1 in float64 (|x| > 19.1). NaN stays NaN.
    A test holds it within a few ulp of math.tanh from 1e-300 to 30."""
    t_bits = t.view(np.int64)
    for n in range(x.shape[0]):
        v = max(-2.0 * abs(x[n]), -708.0)
        t[n] = v * LOG2E + SHIFT  # k = round(v / ln 2) in the low bits
        k = t[n] - SHIFT
        r = (v - k * LN2_HI) - k * LN2_LO
        out[n] = horner_tail(r) * r  # e^r - 1
    for n in range(x.shape[0]):
        t_bits[n] = (t_bits[n] - SHIFT_BITS + 1023) << 52  # the bits of the float64 2^k
    for n in range(x.shape[0]):
        m = t[n] * out[n] + (t[n] - 1.0)  # e^v - 1 = 2^k (e^r - 1) + (2^k - 1)
        y = -m / (2.0 + m)  # tanh |x| = (1 - e^v) / (1 + e^v)
        out[n] = y if x[n] > 0.0 else (-y if x[n] < 0.0 else x[n])  # odd; +-0 and NaN pass through


# what exp_family computes: e^x, or the logistic sigmoid and silu's s and s' (minnet.activations)
EXP, SIGMOID, SILU, SILU_PRIME = 0, 1, 2, 3


@njit(cache=True, error_model="numpy")
def exp_array(x, out):
    """out = e^x for a whole flat array x: the bits of minnet.arithmetic.exp (`exp_family`)."""
    exp_family(x, out, EXP)


@njit(cache=True, error_model="numpy")
def exp_family(x, out, kind):
    """out = f(x) for a whole flat array x, in a loop LLVM can vectorise:

        EXP          e^x                                  minnet.arithmetic.exp
        SIGMOID      sigma(x) = 1 / (1 + e^-x)            minnet.activations.sigmoid
        SILU         x sigma(x)                           silu's s(x)
        SILU_PRIME   sigma(x) (1 + x (1 - sigma(x)))      silu's s'(x)

    with the bits of the NumPy code beside each: its operations in its order, no fastmath."""
    for n in range(x.size):
        if kind == EXP:
            out[n] = exp_in_order(x[n])
            continue
        s = 1.0 / (1.0 + exp_in_order(-x[n]))  # sigma(x) = 1 / (1 + e^-x)
        if kind == SIGMOID:
            out[n] = s
        elif kind == SILU:
            out[n] = x[n] * s  # x sigma(x)
        else:
            out[n] = s * (1.0 + x[n] * (1.0 - s))  # sigma (1 + x (1 - sigma))


@njit(cache=True, error_model="numpy")
def exp_in_order(x):
    """e^x by minnet.arithmetic.exp's operations in its order, with its ldexp(p, k) as multiplies.

    ldexp is a library call, which stops vectorisation; a multiply by 2^k gives the same number
    (one rounding of the exact product p 2^k, as ldexp's) wherever 2^k is a float64. k reaches
    +-1587 (x is clamped to +-EXP_CLAMP), so 2^k goes in two halves, each a normal float64:

        2^k e^r = (p 2^k1) 2^k2,   k1 = floor(k / 2),   k2 = k - k1,   |k1|, |k2| <= 794

    p 2^k1 is exact (p is near 1), so the one rounding is the last multiply's: ldexp's result, also
    where it overflows to inf or rounds to a subnormal number or to 0. A NaN gets k = 0, as
    minnet.arithmetic.exp's nan_to_num(k) gives it, and passes through the polynomial."""
    v = -EXP_CLAMP if x < -EXP_CLAMP else x  # np.clip(x, -EXP_CLAMP, EXP_CLAMP); NaN stays
    v = EXP_CLAMP if v > EXP_CLAMP else v
    k = np.floor(v * LOG2E + 0.5)  # k = round(x / ln 2)
    r = (v - k * LN2_HI) - k * LN2_LO  # r = x - k ln 2
    p = horner_in_order(r)  # e^r
    k = 0.0 if k != k else k  # NaN: k = 0
    k1 = int(k) >> 1  # floor(k / 2)
    return (p * power_of_two(k1)) * power_of_two(int(k) - k1)  # 2^k e^r


@njit(cache=True, error_model="numpy")
def power_of_two(k):
    """2^k for an integer k in [-1022, 1023], from its exponent bits."""
    return np.int64((k + 1023) << 52).view(np.float64)


@njit(cache=True, error_model="numpy")
def horner_in_order(r):
    """e^r by minnet.arithmetic.exp's Horner steps p = p r + c, each a multiply and then an add."""
    p = EXP_TAYLOR[0]
    for c in EXP_TAYLOR[1:]:
        p = p * r + c
    return p
