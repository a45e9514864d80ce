"""The escape-time Mandelbrot picture with a network in place of the multiplication, compiled.

For every pixel c:  z_0 = 0,  z_k = f(z_{k-1}, z_{k-1}) + c,  count = the first k with |z_k|^2 > 4
(max_iter if none; a NaN counts as escaped). f is either the exact product,

    z * z = (re re - im im) + i (re im + im re),

or a dense network (kernels.common) fed (re z, im z, re z, im z) and answering (re, im).

One prange task per row of pixels. Within a row the pixels still bounded are kept packed and the
network runs on all of them at once, one column per pixel (the batch layout of kernels.common),
so the inner loops run over pixels and vectorise; escaped pixels drop out of the batch. With the
exact product the arithmetic is the NumPy twin's (minnet.complex_mult.escape_counts), operation for
operation, so the counts are identical.
"""

import numpy as np
from numba import njit, prange

from kernels.common import forward_batch

ESCAPE_RADIUS2 = 4.0


@njit(cache=True, error_model="numpy")
def square_row(exact, z_re, z_im, n, A, buf, W_flat, b_flat, w_start, b_start, sizes, acts, out_re, out_im):
    """out = f(z, z) for the first n packed pixels of a row."""
    if exact:
        for p in range(n):
            out_re[p] = z_re[p] * z_re[p] - z_im[p] * z_im[p]  # re re - im im
            out_im[p] = z_re[p] * z_im[p] + z_im[p] * z_re[p]  # re im + im re
        return
    for p in range(n):
        A[0, p], A[1, p], A[2, p], A[3, p] = z_re[p], z_im[p], z_re[p], z_im[p]  # input (re z, im z, re z, im z)
    Z = forward_batch(0, A[:, :n], buf[:, :, :n], W_flat, b_flat, w_start, b_start, sizes, acts)
    for p in range(n):
        out_re[p], out_im[p] = Z[0, p], Z[1, p]


@njit(cache=True, parallel=True, error_model="numpy")
def escape_counts_kernel(c_re, c_im, max_iter, exact, W_flat, b_flat, w_start, b_start, sizes, acts):
    rows, cols = c_re.shape
    counts = np.full((rows, cols), max_iter, dtype=np.int64)
    width = sizes.max()
    for r in prange(rows):
        index = np.arange(cols)  # packed: the columns still bounded
        z_re, z_im = np.zeros(cols), np.zeros(cols)
        f_re, f_im = np.empty(cols), np.empty(cols)
        A, buf = np.empty((4, cols)), np.empty((2, width, cols))
        n = cols
        for k in range(1, max_iter + 1):
            square_row(exact, z_re, z_im, n, A, buf, W_flat, b_flat, w_start, b_start, sizes, acts, f_re, f_im)
            kept = 0
            for p in range(n):
                re = f_re[p] + c_re[r, index[p]]  # z <- f(z, z) + c
                im = f_im[p] + c_im[r, index[p]]
                if re * re + im * im <= ESCAPE_RADIUS2:
                    index[kept], z_re[kept], z_im[kept] = index[p], re, im
                    kept += 1
                else:
                    counts[r, index[p]] = k
            n = kept
            if n == 0:
                break
    return counts


def escape_counts(c_re, c_im, max_iter, W_flat=None, b_flat=None, w_start=None, b_start=None, sizes=None, acts=None):
    """Escape counts (rows, cols) for the pixel grid c_re, c_im; the exact product when no network is given."""
    c_re, c_im = np.ascontiguousarray(c_re, dtype=np.float64), np.ascontiguousarray(c_im, dtype=np.float64)
    if c_re.shape != c_im.shape or c_re.ndim != 2:
        raise ValueError(f"c_re and c_im must be 2-D arrays of one shape, got {c_re.shape} and {c_im.shape}")
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    exact = W_flat is None
    if exact:
        W_flat, b_flat = np.zeros(1), np.zeros(1)
        w_start = b_start = acts = np.zeros(1, dtype=np.int64)
        sizes = np.array([4, 2], dtype=np.int64)
    f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    i64 = lambda a: np.ascontiguousarray(a, dtype=np.int64)  # noqa: E731
    with np.errstate(all="ignore"):
        return escape_counts_kernel(c_re, c_im, int(max_iter), exact, f64(W_flat), f64(b_flat), i64(w_start), i64(b_start), i64(sizes), i64(acts))
