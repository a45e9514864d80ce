"""minnet.arithmetic.sum_in_order adds a short axis slice by slice: the bits, shape, type and memory order of
np.add.accumulate's last partial sum, on any float64 and any axis."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minnet.arithmetic import SHORT_SUM, mean_in_order, sum_in_order


def accumulated(terms, axis):
    """The sum in order as np.add.accumulate forms it: its last partial sum."""
    return np.take(np.add.accumulate(terms, axis=axis), -1, axis=axis)


@st.composite
def terms_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2 * SHORT_SUM))
    terms = draw(hnp.arrays(np.float64, shape, elements=st.floats(allow_nan=True, allow_infinity=True)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return terms, axis


def bits_any_nan(a):
    """The float64 bits of a with every NaN as np.nan: where two NaNs meet, NumPy's SIMD loops return one or the
    other's sign by the element's place in the array (tests/test_exp_kernel.py), so no order promises it."""
    a = np.asarray(a)
    return np.where(np.isnan(a), np.nan, a).view(np.uint64)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@settings(deadline=None, max_examples=400)
@given(terms_and_axis())
def test_the_slices_give_accumulates_sum(case):
    terms, axis = case
    found, expected = sum_in_order(terms, axis), accumulated(terms, axis)
    assert type(found) is type(expected) and np.shape(found) == np.shape(expected)
    assert np.array_equal(bits_any_nan(found), bits_any_nan(expected))
    if isinstance(found, np.ndarray):
        assert found.flags.c_contiguous and not np.shares_memory(found, terms)


def test_a_short_axis_is_added_left_to_right():
    """1e16 + 1 + 1 - 1e16: 0 left to right (each 1 is lost against 1e16), 2 in another order."""
    terms = np.array([[1e16, 1.0, 1.0, -1e16]] * 3)
    assert np.array_equal(sum_in_order(terms, axis=-1), [0.0, 0.0, 0.0])
    assert np.array_equal(mean_in_order(terms.T), [0.0, 0.0, 0.0])
    assert sum_in_order(np.array([-0.0])) == 0.0 and np.signbit(sum_in_order(np.array([-0.0, -0.0])))
