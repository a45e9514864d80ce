"""The fast Mandelbrot (rectangles, cycle detection) against the loop as written, pixel for pixel."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minnet.studies import complex_mult as cm
from minnet.studies import mandelbrot as mb

SIZES = st.sampled_from([1, 2, 3, 5, 7, 13, 31, 37, 61])  # odd and prime sizes, and a single row or column


@given(
    cols=SIZES,
    rows=SIZES,
    re=st.floats(-3, 3),
    im=st.floats(-3, 3),
    log_width=st.floats(-12, np.log10(8)),
    max_iter=st.integers(1, 1000),
)
def test_the_exact_product_by_rectangles_is_the_plain_loop(cols, rows, re, im, log_width, max_iter):
    c_re, c_im = mb.pixel_grid(complex(re, im), 10.0**log_width, (cols, rows))
    plain = mb.escape_counts(c_re, c_im, max_iter, backend="numba", period_tolerance=None)  # no cycle detection
    np.testing.assert_array_equal(mb.escape_counts_by_rectangles(c_re, c_im, max_iter, backend="numba"), plain)


@pytest.mark.parametrize(
    "center, width, pixels, max_iter",
    [(0j, 8.0, (200, 150), 100), (0j, 5.0, (97, 89), 30), (complex(-0.745, 0.11), 0.02, (600, 400), 500)],
)
def test_the_pictures_the_rectangles_got_wrong_are_now_exact(center, width, pixels, max_iter):
    """The whole set inside a border that escapes at step 1 (it was drawn empty), and the seahorse zoom
    (3 pixels filled as never escaping that escape at 429-471)."""
    c_re, c_im = mb.pixel_grid(center, width, pixels)
    np.testing.assert_array_equal(
        mb.escape_counts_by_rectangles(c_re, c_im, max_iter),
        mb.escape_counts(c_re, c_im, max_iter, period_tolerance=None),
    )


@pytest.fixture(scope="module")
def learned():
    net = cm.model([20, 30, 20], "silu", seed=0)
    net.params = cm.train_task({"hidden": [20, 30, 20], "activation": "silu", "epochs": 10, "seed": 0})["params"]
    return net


@pytest.mark.parametrize(
    "center, width, pixels", [(0j, 8.0, (120, 90)), (0j, 5.0, (97, 89)), (complex(-0.75, 0.0), 3.5, (151, 101))]
)
def test_a_learned_product_by_rectangles_keeps_the_whole_set(learned, center, width, pixels):
    """A border that escapes at once around the whole (learned) set is not filled: >= 99.99% of the plain loop's pixels."""
    c_re, c_im = mb.pixel_grid(center, width, pixels)
    plain = mb.escape_counts(c_re, c_im, 60, net=learned)
    assert (plain == 60).any()
    assert np.mean(mb.escape_counts_by_rectangles(c_re, c_im, 60, net=learned) == plain) >= 0.9999


def test_rectangles_that_may_hold_the_set_are_the_ones_around_its_real_segment():
    c_re, c_im = mb.pixel_grid(0j, 8.0, (9, 9))  # columns at -4, -3, ..., 4
    rects = np.array([[0, 8, 0, 8], [0, 8, 2, 8], [0, 8, 0, 4], [0, 3, 0, 8]])  # all; from -2; up to 0; above the axis
    np.testing.assert_array_equal(mb.may_hold_the_set(rects, c_re, c_im), [True, True, False, False])
