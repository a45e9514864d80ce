"""The escape-time Mandelbrot picture with a network in place of the multiplication, compiled.

For every pixel c:  z_0 = 0,  z_k = f(z_{k-1}, z_{k-1}) + c,  count = the first k with |z_k|^2 > 4
(max_iter if none; a NaN counts as escaped). f is either the exact product,

    z * z = (re re - im im) + i (re im + im re),

or a dense network (kernels.common) fed (re z, im z, re z, im z) and answering (re, im).

The pixels still bounded are kept packed in one array over the whole picture. Each iteration
evaluates f on all of them at once, split into chunks of CHUNK pixels that run in parallel (prange),
each chunk one batch in the column layout of kernels.common, so that the loops over pixels are
long, contiguous and vectorised; then the escaped pixels are dropped from the packed array. With
the exact product the arithmetic is the NumPy twin's (minnet.studies.mandelbrot.escape_counts),
operation for operation, so the counts are identical.
"""

import numpy as np
from numba import njit, prange

from kernels.codes import DenseNet
from kernels.common import as_f64, forward_layers, n_layers

ESCAPE_RADIUS2 = 4.0
# pixels per parallel batch: a chunk's scratch (2 x 30 x 256 float64, 123 KB) stays in L2 cache
CHUNK = 256


@njit(cache=True, parallel=True, error_model="numpy")
def square_all(exact, z_re, z_im, n, net, out_re, out_im):
    """out = f(z, z) for the first n packed pixels, chunk by chunk in parallel: z * z when exact,
    else the network."""
    n_chunks = (n + CHUNK - 1) // CHUNK
    for chunk in prange(n_chunks):
        s = chunk * CHUNK
        m = min(n, s + CHUNK) - s
        if exact:
            for p in range(s, s + m):
                out_re[p] = z_re[p] * z_re[p] - z_im[p] * z_im[p]  # re re - im im
                out_im[p] = z_re[p] * z_im[p] + z_im[p] * z_re[p]  # re im + im re
        else:
            # contiguous, so the pixel loops vectorise
            A, buf = np.empty((4, m)), np.empty((2, net.sizes.max(), m))
            for p in range(m):
                # (re z, im z, re z, im z)
                A[0, p], A[1, p], A[2, p], A[3, p] = (
                    z_re[s + p],
                    z_im[s + p],
                    z_re[s + p],
                    z_im[s + p],
                )
            Z = forward_layers(net, 0, n_layers(net), A, buf)
            for p in range(m):
                out_re[s + p], out_im[s + p] = Z[0, p], Z[1, p]


@njit(cache=True, error_model="numpy")
def escape_counts_kernel(c_re, c_im, max_iter, exact, net, period_tolerance):
    """counts[p] = the first k <= max_iter with |z_k|^2 > 4 (max_iter if none), where
    z_k = f(z_{k-1}, z_{k-1}) + c_p and z_0 = 0.

    With period_tolerance > 0, a pixel whose z_k comes back within it (in both coordinates) of the z
    saved at the last power of two k (Brent's cycle detection) is on a cycle: it never escapes,
    counts max_iter, and is dropped (minnet.studies.mandelbrot.PERIOD_TOLERANCE)."""
    total = c_re.size
    flat_re, flat_im = c_re.ravel(), c_im.ravel()
    counts = np.full(total, max_iter, dtype=np.int64)
    index = np.arange(total)  # packed: the pixels still bounded
    z_re, z_im = np.zeros(total), np.zeros(total)
    saved_re, saved_im = np.full(total, np.inf), np.full(total, np.inf)  # z at the last 2^j
    f_re, f_im = np.empty(total), np.empty(total)
    n = total
    for k in range(1, max_iter + 1):
        square_all(exact, z_re, z_im, n, net, f_re, f_im)
        save = k & (k - 1) == 0  # k is a power of two
        kept = 0
        for p in range(n):
            re = f_re[p] + flat_re[index[p]]  # z <- f(z, z) + c
            im = f_im[p] + flat_im[index[p]]
            if not re * re + im * im <= ESCAPE_RADIUS2:
                counts[index[p]] = k
            elif (
                abs(re - saved_re[p]) <= period_tolerance
                and abs(im - saved_im[p]) <= period_tolerance
            ):
                pass  # back where it was: a cycle, bounded for ever (counts stays max_iter)
            else:
                index[kept], z_re[kept], z_im[kept] = index[p], re, im
                saved_re[kept], saved_im[kept] = (re, im) if save else (saved_re[p], saved_im[p])
                kept += 1
        n = kept
        if n == 0:
            break
    return counts.reshape(c_re.shape)


NO_NETWORK = DenseNet(
    np.zeros(1),
    np.zeros(1),
    np.zeros(1, np.int64),
    np.zeros(1, np.int64),
    np.array([4, 2]),
    np.zeros(1, np.int64),
    0,
    0,
)


def escape_counts(c_re, c_im, max_iter, net=None, period_tolerance=0.0):
    """Escape counts (rows, cols) for the pixel grid c_re, c_im through the DenseNet `net`
    (kernels.codes), which takes (re z, im z, re z, im z) and answers (re, im); the exact product
    when net is None. period_tolerance > 0: stop the pixels found on a cycle (escape_counts_kernel).

    Checked before they get here (minnet.studies.mandelbrot.escape_counts): the grid, max_iter and
    the network's shape."""
    with np.errstate(all="ignore"):
        return escape_counts_kernel(
            as_f64(c_re),
            as_f64(c_im),
            int(max_iter),
            net is None,
            NO_NETWORK if net is None else net,
            float(period_tolerance),
        )
