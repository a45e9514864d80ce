"""The Mandelbrot set, drawn with the exact product or with a network that learned it (document 003).

The Mandelbrot set is the set of c for which z_{k+1} = z_k^2 + c, z_0 = 0, stays bounded; the
escape-time picture colours c by the first k with |z_k| > 2 (max_iter if none). With a network f
in place of the multiplication (minnet.complex_mult), z_{k+1} = f(z_k, z_k) + c, where f sees
(re z, im z, re z, im z) and answers (re, im).

`escape_counts` is the NumPy twin of kernels/mandelbrot.py: the same loop over iterations, each
one applied to every pixel still bounded at once.
"""

import numpy as np

from minnet.backend import dense_net, resolve

ESCAPE_RADIUS2 = 4.0  # |z|^2 > 4: escaped


def pixel_grid(center, width, pixels):
    """c values (rows, cols) of a picture `width` wide around `center` (complex), pixels = (cols, rows), square pixels."""
    cols, rows = pixels
    height = width * rows / cols
    re = np.linspace(center.real - width / 2, center.real + width / 2, cols)
    im = np.linspace(center.imag + height / 2, center.imag - height / 2, rows)
    return np.meshgrid(re, im)


def network_square(net, z_re, z_im):
    """f(z, z) for arrays of z: the network's answer to z * z."""
    out = net.forward(np.column_stack([z_re, z_im, z_re, z_im]))
    return out[:, 0], out[:, 1]


def check_escape_args(c_re, c_im, max_iter, net):
    """The grid as two float64 2-D arrays of one shape, max_iter a positive integer, net 4 -> 2: or a ValueError naming what is wrong."""
    c_re, c_im = np.asarray(c_re, dtype=np.float64), np.asarray(c_im, dtype=np.float64)
    if c_re.shape != c_im.shape or c_re.ndim != 2:
        raise ValueError(f"c_re and c_im must be 2-D arrays of one shape, got shapes {c_re.shape} and {c_im.shape}")
    if isinstance(max_iter, bool) or int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    if net is not None and (net.n_in, net.n_out) != (4, 2):
        raise ValueError(f"net must take (re z, im z, re z, im z) and answer (re, im): 4 inputs and 2 outputs, got {net.n_in} and {net.n_out}")
    return c_re, c_im, int(max_iter)


def escape_counts(c_re, c_im, max_iter, net=None, backend=None):
    """Escape iteration of every c (2-D grids): the first k >= 1 with |z_k|^2 > 4, max_iter if none.

    net None: exact squaring, written as the product z * z = (re re - im im) + i (re im + im re).
    Otherwise the network's f(z, z). backend "numba": kernels/mandelbrot.py; "numpy": the loop
    below. The arguments are checked here, once, whichever backend runs.
    """
    c_re, c_im, max_iter = check_escape_args(c_re, c_im, max_iter, net)
    if resolve(backend) == "numba":
        from kernels import mandelbrot as kernel

        return kernel.escape_counts(c_re, c_im, max_iter, None if net is None else dense_net(net))
    shape = c_re.shape
    c_re, c_im = c_re.ravel(), c_im.ravel()
    counts = np.full(c_re.size, max_iter, dtype=np.int64)
    active = np.arange(c_re.size)  # the pixels still bounded
    z_re, z_im = np.zeros(c_re.size), np.zeros(c_re.size)
    with np.errstate(all="ignore"):
        for k in range(1, max_iter + 1):
            if net is None:
                a, b = z_re * z_re - z_im * z_im, z_re * z_im + z_im * z_re  # z * z = (re re - im im) + i (re im + im re)
            else:
                a, b = network_square(net, z_re, z_im)
            z_re, z_im = a + c_re[active], b + c_im[active]  # z <- f(z, z) + c
            escaped = ~(z_re * z_re + z_im * z_im <= ESCAPE_RADIUS2)  # NaN counts as escaped
            counts[active[escaped]] = k
            active, z_re, z_im = active[~escaped], z_re[~escaped], z_im[~escaped]
            if active.size == 0:
                break
    return counts.reshape(shape)
