"""Arithmetic in a fixed order: the same bits on every machine.

A floating-point sum depends on the order of its terms, and the libraries under NumPy pick that
order by the CPU: a matrix product is OpenBLAS's, whose kernel (SkylakeX, Haswell, Prescott, ...)
blocks the sum and may fuse a multiply with an add (one rounding instead of two); np.exp, np.tanh
and np.log are NumPy's own vectorised code on a CPU with AVX-512 and the C library's elsewhere. Each
choice is correct to the last bit or two, and for most of training that is all one needs. But
document 000's run is chaotic from ~500 iterations on: the last bit of one sum decides the iteration
of its storm (734 under OpenBLAS's Haswell kernel, 727 under its SkylakeX kernel). Where a result is
chaotic, or a test asserts exact bits, minnet computes with the functions below instead:

    sum_in_order(T, axis)     T_0 + T_1 + T_2 + ...   added one after another, left to right
    matmul_in_order(A, B)     C_nj = A_n0 B_0j + A_n1 B_1j + ...   (plain multiplies, plain adds)
    dot_in_order, norm_in_order
    exp(x)                    e^x from + and * alone (below)

Each is built from NumPy's element-wise +, *, floor and ldexp, which IEEE 754 defines to the bit
(one rounding per operation, no fusing across two ufuncs), so nothing here depends on the CPU,
the BLAS or NumPy's dispatch. kernels/exp.py and kernels/two_layer.py are their compiled twins,
with the same operations in the same order, compiled without fastmath so that LLVM may neither
reorder nor contract them: the two backends give the same bits (tests/test_same_everywhere.py,
tests/test_exp_kernel.py). exp itself runs kernels.exp.exp_family on the numba backend.

    e^x = 2^k e^r,   k = round(x / ln 2),   r = (x - k ln2_hi) - k ln2_lo,   |r| <= ln(2) / 2

with e^r from its Taylor polynomial to r^13 in Horner form (the first omitted term is below
5e-18 of e^r) and 2^k applied by ldexp, which is exact. ln 2 is split in two so that k ln2_hi is
exact (ln2_hi has 32 significant bits). A test holds it within 2 ulp of the C library's exp.
"""

import functools
import math
import os

import numpy as np

LOG2E = 1.4426950408889634  # 1 / ln 2
LN2_HI = 6.93147180369123816490e-01  # ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 significant bits
LN2_LO = 1.90821492927058770002e-10
EXP_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(13, -1, -1))  # 1/13!, 1/12!, ..., 1/0!
# e^x is inf above 709.8 and 0 below -745.2: |x| > 1100 changes nothing, and k stays small
EXP_CLAMP = 1100.0
# sum_in_order adds at most this many terms slice by slice, more with np.add.accumulate
SHORT_SUM = 8


def exp(x, backend=None):
    """e^x element-wise, the same bits on every CPU (module docstring).

    inf on overflow, 0 on underflow, NaN kept. On the numba backend (minnet.tools.backend) the
    kernel kernels.exp.exp_family computes it, with the same bits, about ten times faster (a
    (512, 30) array: 0.60 ms -> 0.05 ms): below, each of the polynomial's steps is a pass of NumPy
    over the whole array."""
    x = np.asarray(x, dtype=np.float64)
    if on_numba(backend):
        return compiled("EXP", x)
    return numpy_exp(x)


def numpy_exp(x):
    """e^x for a float64 array x, in NumPy's element-wise operations."""
    v = np.clip(x, -EXP_CLAMP, EXP_CLAMP)
    k = np.floor(v * LOG2E + 0.5)  # k = round(x / ln 2)
    r = (v - k * LN2_HI) - k * LN2_LO  # r = x - k ln 2, |r| <= ln(2)/2
    p = np.full_like(r, EXP_TAYLOR[0])
    for c in EXP_TAYLOR[1:]:
        p *= r
        p += c  # Horner: e^r = (((r/13! + 1/12!) r + 1/11!) r + ...) r + 1
    with np.errstate(over="ignore", invalid="ignore"):
        return np.ldexp(p, np.nan_to_num(k).astype(np.int64))  # 2^k e^r; NaN stays NaN through r


def compiled(kind, x):
    """kernels.exp.exp_family's function `kind` ("EXP", "SIGMOID", "SILU", "SILU_PRIME") of a
    float64 array x, laid out in memory as NumPy's element-wise result."""
    from kernels import exp as kernel

    y = np.empty_like(x)  # C or Fortran order (or another axis order) as x, as a NumPy result
    if not (x.flags.c_contiguous or x.flags.f_contiguous):
        contiguous = np.empty_like(x)
        contiguous[...] = x  # x's elements laid out as y's
        x = contiguous
    kernel.exp_family(x.ravel(order="K"), y.ravel(order="K"), getattr(kernel, kind))
    return y[()]  # a 0-d x gives a number, as NumPy's


def on_numba(backend=None):
    """Whether `backend` (None: $MINNET_BACKEND, else numba when it imports) is numba."""
    return resolved(backend, os.environ.get("MINNET_BACKEND")) == "numba"


@functools.cache
def resolved(backend, environment):
    """resolve(backend) while $MINNET_BACKEND is `environment`: e^x is taken a million times in a
    study, and resolve asks importlib each time whether numba is installed (0.1 ms)."""
    from minnet.tools.backend import resolve

    return resolve(backend)


def sum_in_order(terms, axis=0):
    """The sum of `terms` along `axis`, added one after another: ((T_0 + T_1) + T_2) + ...

    np.add.accumulate forms every partial sum in turn, so its last one is this order's sum on every
    machine (np.sum adds pairwise, in blocks its SIMD code may choose). Along a short axis (up to
    SHORT_SUM terms, as a network's k outputs) the same sums go slice by slice instead: accumulate
    walks a short last axis row by row ((3277, 2) along axis -1: 150 us, the slices 4 us)."""
    terms = np.asarray(terms, dtype=np.float64)
    count = terms.shape[axis]
    if count == 0:
        return np.sum(terms, axis=axis)  # zeros
    if count > SHORT_SUM:
        return np.take(np.add.accumulate(terms, axis=axis), -1, axis=axis)
    before = (slice(None),) * (axis % terms.ndim)  # terms[before + (i,)]: the i-th terms
    total = np.copy(terms[before + (0,)], order="C")
    for i in range(1, count):
        total += terms[before + (i,)]  # ((T_0 + T_1) + T_2) + ..., accumulate's partial sums
    return total[()]  # terms of one axis give a number, as np.take's


def mean_in_order(terms, axis=0):
    """(1/N) (T_0 + T_1 + ... + T_{N-1}) along `axis`, the sum in order."""
    terms = np.asarray(terms, dtype=np.float64)
    return sum_in_order(terms, axis) / terms.shape[axis]


def matmul_in_order(A, B):
    """A @ B for A (N, m), B (m, n): C_nj = (A_n0 B_0j + A_n1 B_1j) + ..., inner index in order.

    One multiply and one add per term, each rounded: what a plain loop over the inner index gives.
    For the small inner sizes of document 000 (2 and 3) this is as fast as BLAS."""
    C = A[:, 0:1] * B[0]
    for c in range(1, A.shape[1]):
        C = C + A[:, c : c + 1] * B[c]
    return C


def dot_in_order(a, b):
    """a . b = a_0 b_0 + a_1 b_1 + ..., in order."""
    return float(sum_in_order(np.asarray(a) * np.asarray(b)))


def norm_in_order(a):
    """|a| = sqrt(a_0^2 + a_1^2 + ...), the sum in order."""
    return math.sqrt(dot_in_order(a, a))
