"""The per-example kernel's first layer on an input of many zeros (kernels.per_example.first_layer_sparse):
the bits of minnet.arithmetic's in-order matrix product, and the statistics of the NumPy twin."""

import os
import subprocess
import sys
import textwrap

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kernels import per_example as kernel
from minnet import MLP
from minnet.activations import ACTIVATIONS
from minnet.arithmetic import matmul_in_order, sum_in_order
from minnet.per_example import gradient_stats, sparse_rows


def mostly_zeros(rng, N, n_in, zeros):
    """(N, n_in) normal numbers, a fraction `zeros` of them set to 0 (whole rows at times)."""
    X = rng.normal(size=(N, n_in))
    X[rng.random((N, n_in)) < zeros] = 0.0
    return X


@given(st.integers(0, 2**32 - 1), st.integers(1, 70), st.integers(1, 40), st.integers(1, 19), st.floats(0, 1))
def test_sparse_first_layer_has_the_bits_of_the_in_order_product(seed, N, n_in, n_out, zeros):
    rng = np.random.default_rng(seed)
    X, W, b = mostly_zeros(rng, N, n_in, zeros), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)
    Z, x2 = np.empty((n_out, N)), np.empty(N)
    kernel.first_layer_sparse(sparse_rows(X), 0, N, kernel.padded_transpose(W), b, Z, x2, True)
    np.testing.assert_array_equal(Z.T, matmul_in_order(X, W.T) + b)  # z = W x + b, summed in column order
    np.testing.assert_array_equal(x2, sum_in_order(X * X, axis=1) + 1.0)  # |x|^2 + 1


@given(st.integers(0, 2**32 - 1), st.sampled_from(ACTIVATIONS), st.integers(1, 300), st.booleans())
def test_statistics_from_the_non_zeros_equal_the_numpy_twin(seed, activation, N, every_layer):
    rng = np.random.default_rng(seed)
    net = MLP([30, 9, 4], activation=activation, loss="cross_entropy", seed=seed)
    X, labels = mostly_zeros(rng, N, 30, 0.8), rng.integers(0, 4, N)
    layers = None if every_layer else [2]
    fast = gradient_stats(net, X, labels, backend="numba", layers=layers, rows=sparse_rows(X))
    plain = gradient_stats(net, X, labels, backend="numpy", layers=layers)
    np.testing.assert_allclose(fast["loss"], plain["loss"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast["norm"], plain["norm"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast["cos"], plain["cos"], rtol=1e-10, atol=1e-10)


def test_weights_not_finite_take_the_dense_pass_where_zero_times_inf_is_nan():
    rng = np.random.default_rng(0)
    net = MLP([6, 3, 2], activation="tanh", loss="cross_entropy", seed=0)
    X, labels = mostly_zeros(rng, 5, 6, 0.7), rng.integers(0, 2, 5)
    net.W[1][0, :] = np.inf
    fast = gradient_stats(net, X, labels, backend="numba", rows=sparse_rows(X))
    dense = gradient_stats(net, X, labels, backend="numba")
    np.testing.assert_array_equal(fast["loss"], dense["loss"])  # NaN where the product is NaN, in both


def test_rows_of_another_X_are_refused():
    net = MLP([4, 3, 2], loss="cross_entropy", seed=0)
    X = np.eye(4)
    try:
        gradient_stats(net, X, [0, 1, 0, 1], rows=sparse_rows(X[:3]))
    except ValueError as err:
        assert "rows must be sparse_rows(X)" in str(err)
    else:
        raise AssertionError("rows of 3 examples accepted for an X of 4")


def test_without_the_jit_the_sparse_pass_equals_the_twin():
    checks = textwrap.dedent(
        """
        import numpy as np
        from minnet import MLP
        from minnet.per_example import gradient_stats, sparse_rows
        rng = np.random.default_rng(1)
        net = MLP([12, 5, 3], activation="sigmoid", loss="cross_entropy", seed=1)
        X = rng.normal(size=(20, 12)) * (rng.random((20, 12)) < 0.3)
        labels = rng.integers(0, 3, 20)
        fast = gradient_stats(net, X, labels, backend="numba", rows=sparse_rows(X))
        plain = gradient_stats(net, X, labels, backend="numpy")
        for key in ("loss", "norm", "cos"):
            np.testing.assert_allclose(fast[key], plain[key], rtol=1e-10)
        print("sparse pass equals its twin without the JIT")
        """
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", checks], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sparse pass equals its twin without the JIT" in done.stdout
