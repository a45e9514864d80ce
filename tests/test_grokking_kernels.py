"""kernels/grokking.py against its NumPy twins, bit for bit: the hidden layer of the pairs (PairMLP.dense and the
square) and the accuracy (np.argmax), and document 004's runs the same on both backends."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kernels import grokking as kernel
from minnet import activations
from minnet import losses as minnet_losses
from minnet.arithmetic import sum_in_order
from minnet.studies import grokking as gk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def assert_same_sums(got, want):
    """The same bits, but for NaN's sign and payload: which operand's NaN a sum keeps is the compiler's choice."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(bits(np.where(np.isnan(got), 0.0, got)), bits(np.where(np.isnan(want), 0.0, want)))


def numpy_hidden(embedding, b1, a, b):
    """PairMLP's NumPy code: its dense (the two columns, then the bias), then the square activation."""
    z = embedding[a]
    z += embedding[b]
    z += b1
    return z, z * z


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), p=st.integers(1, 6), width=st.integers(1, 9), N=st.integers(0, 20))
def test_the_hidden_layer_has_the_numpy_bits(data, p, width, N):
    embedding = data.draw(hnp.arrays(np.float64, (2 * p, width), elements=finite))
    b1 = data.draw(hnp.arrays(np.float64, width, elements=finite))
    a = data.draw(hnp.arrays(np.int64, N, elements=st.integers(0, p - 1)))
    b = p + data.draw(hnp.arrays(np.int64, N, elements=st.integers(0, p - 1)))
    with np.errstate(all="ignore"):  # huge entries overflow to inf in both
        expected = numpy_hidden(embedding, b1, a, b)
    for got, want in zip(kernel.square_pairs(embedding, b1, a, b), expected):
        np.testing.assert_array_equal(bits(got), bits(want))
    A = np.empty((N, width))
    with np.errstate(all="ignore"):
        kernel.square_pairs_into(np.ascontiguousarray(embedding), b1, a, b, None, A)  # a_1 alone
    np.testing.assert_array_equal(bits(A), bits(expected[1]))


def test_the_hidden_layer_at_the_edges():
    """Cancellation, overflow, subnormal squares, signed zeros: the order (first + second) + b1, each rounded."""
    embedding = np.array([[1e308, 1.0, -0.0, 1e-200, 1.0], [1e308, 1e-16, -0.0, 3e-170, -1.0]])
    b1 = np.array([-1e308, 1e-16, 0.0, 0.0, 2.0**-53])
    a, b = np.array([0, 1, 0]), np.array([1, 1, 0])
    with np.errstate(all="ignore"):
        expected = numpy_hidden(embedding, b1, a, b)
    for got, want in zip(kernel.square_pairs(embedding, b1, a, b), expected):
        np.testing.assert_array_equal(bits(got), bits(want))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), N=st.integers(1, 12), k=st.integers(2, 9))
def test_the_squared_error_has_minnet_losses_bits(data, N, k):
    anything = st.floats(width=64) | st.sampled_from([1e154, -1e154, 1e-160, 5e-324, -0.0])  # overflow, subnormals
    O = data.draw(hnp.arrays(np.float64, (N, k), elements=anything))
    Y = data.draw(hnp.arrays(np.float64, (N, k), elements=anything))
    D, column_sums = np.empty((N, k)), np.empty(k)
    with np.errstate(all="ignore"):
        total = kernel.squared_error_into(O, Y, D, column_sums)
        per_example = minnet_losses.per_example_loss("mse", O, O, Y)
        delta = minnet_losses.output_delta("mse", "identity", O, Y)
        np.testing.assert_array_equal(bits(D), bits(delta))
        assert_same_sums(column_sums, delta.sum(axis=0))  # MLP's db_L before 1/N
        assert_same_sums(total, sum_in_order(per_example))  # Network.loss's, before 1/N


@settings(max_examples=60, deadline=None)
@given(data=st.data(), N=st.integers(1, 9), width=st.integers(2, 9))
def test_the_square_layers_delta_has_the_numpy_bits(data, N, width):
    anything = st.floats(width=64) | st.sampled_from([1e308, -1e-310, 5e-324, -0.0])  # overflow, subnormals
    delta_W = data.draw(hnp.arrays(np.float64, (N, width), elements=anything))
    z = data.draw(hnp.arrays(np.float64, (N, width), elements=anything))
    column_sums = np.empty(width)
    with np.errstate(all="ignore"):
        expected = delta_W * activations.derivative("square", z, z * z)  # MLP.delta_below's (delta_l W_l) * s'
        kernel.times_square_derivative_into(delta_W, z, column_sums)
        np.testing.assert_array_equal(bits(delta_W), bits(expected))
        assert_same_sums(column_sums, expected.sum(axis=0))


def test_the_sums_over_the_examples_are_numpys_at_the_studys_sizes():
    """NumPy sums an (N, m) array along axis 0 row after row when m >= 2; hundreds of rows with cancellation."""
    rng = np.random.default_rng(5)
    scale = 10.0 ** rng.integers(-8, 9, size=(577, 1))  # rows of very different sizes: the order shows
    O, Y = rng.normal(size=(577, 31)) * scale, np.eye(31)[rng.integers(0, 31, 577)]
    D, sums = np.empty_like(O), np.empty(31)
    total = kernel.squared_error_into(O, Y, D, sums)
    assert np.array_equal(bits(sums), bits(D.sum(axis=0))) and not np.array_equal(sums, np.sum(D[::-1], axis=0))
    assert total == sum_in_order(minnet_losses.per_example_loss("mse", O, O, Y))
    delta_W, z, sums = rng.normal(size=(577, 128)) * scale, rng.normal(size=(577, 128)), np.empty(128)
    expected = delta_W * (2.0 * z)
    kernel.times_square_derivative_into(delta_W, z, sums)
    assert np.array_equal(bits(sums), bits(expected.sum(axis=0)))


values = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, np.inf, -np.inf, np.nan, 1e-310])  # ties, NaN, signed zeros


@settings(max_examples=200, deadline=None)
@given(data=st.data(), N=st.integers(1, 12), k=st.integers(1, 7))
def test_the_accuracy_is_np_argmax(data, N, k):
    O = data.draw(hnp.arrays(np.float64, (N, k), elements=values))
    c = data.draw(hnp.arrays(np.int64, N, elements=st.integers(0, k - 1)))
    assert kernel.count_correct(O, c) == np.count_nonzero(np.argmax(O, axis=1) == c)
    assert kernel.accuracy(O, c) == float(np.mean(np.argmax(O, axis=1) == c))


def test_bad_input_is_refused_by_name():
    embedding, b1 = np.zeros((4, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="embedding must be"):
        kernel.square_pairs(embedding, np.zeros(2), [0], [2])
    with pytest.raises(ValueError, match="alike"):
        kernel.square_pairs(embedding, b1, [0, 1], [2])
    with pytest.raises(ValueError, match="index the embedding's 4 rows"):
        kernel.square_pairs(embedding, b1, [0], [4])
    with pytest.raises(ValueError, match="O must be"):
        kernel.accuracy(np.zeros((3, 2)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="c must hold columns in"):
        kernel.accuracy(np.zeros((2, 2)), np.array([0, 2]))


def test_document_004s_run_has_the_same_bits_on_both_backends(monkeypatch):
    config = {"p": 7, "fraction": 0.5, "width": 16, "lr": 1e-2, "weight_decay": 1.0, "steps": 60, "seed": 2}
    runs = {}
    for backend in ("numba", "numpy"):
        monkeypatch.setenv("MINNET_BACKEND", backend)
        X, c, X_test, c_test = gk.modular_addition(7, 0.5, seed=2)
        net = gk.model(7, 16, seed=2)
        assert (net.hidden_in_one_pass(X) is not None) == (backend == "numba")  # the kernel runs on numba only
        runs[backend] = gk.train_task(config)
    for key, value in runs["numpy"].items():
        np.testing.assert_array_equal(bits(runs["numba"][key]), bits(value), err_msg=key)


def test_the_kernels_run_as_plain_python():
    """NUMBA_DISABLE_JIT=1 (a fresh process: the switch is read at import): the same bits as the NumPy twins."""
    code = (
        "import numpy as np\n"
        "from kernels import grokking as kernel\n"
        "rng = np.random.default_rng(0)\n"
        "E, b1, a, b = rng.normal(size=(6, 4)), rng.normal(size=4), np.array([0, 2, 1]), np.array([3, 5, 4])\n"
        "Z, A = kernel.square_pairs(E, b1, a, b)\n"
        "z = E[a]; z += E[b]; z += b1\n"
        "assert np.array_equal(Z, z) and np.array_equal(A, z * z)\n"
        "O = np.array([[1.0, 3.0, 3.0], [np.nan, 1.0, 2.0], [0.0, np.nan, 5.0]])\n"
        "assert kernel.count_correct(O, np.array([1, 0, 1])) == 3\n"
        "from minnet import losses\n"
        "Y, sums, D = rng.normal(size=(3, 3)), np.empty(3), np.empty((3, 3))\n"
        "O = rng.normal(size=(3, 3)); total = kernel.squared_error_into(O, Y, D, sums)\n"
        "assert total == np.add.accumulate(losses.per_example_loss('mse', O, O, Y))[-1]\n"
        "assert np.array_equal(D, losses.output_delta('mse', 'identity', O, Y)) and np.array_equal(sums, D.sum(0))\n"
        "A = np.empty((3, 4)); kernel.square_pairs_into(E, b1, a, b, None, A)\n"
        "assert np.array_equal(A, z * z)\n"
        "assert kernel.count_correct_within(np.array([[1, 0, 1], [0, 1, 1]], np.float32), np.zeros(2), np.array([0, 0]), 0.1) == 1\n"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=300)


@pytest.mark.parametrize("p, width, k", [(7, 16, 7), (5, 1, 5), (4, 6, 1)])
def test_the_compiled_gradient_has_mlps_bits(monkeypatch, p, width, k):
    """PairMLP.loss_and_grad against MLP's backprop on the same network (its NumPy code below the hidden layer); with
    one hidden unit or one output NumPy sums the examples pairwise and the compiled pass stands aside."""
    monkeypatch.setenv("MINNET_BACKEND", "numba")
    X, c, _, _ = gk.modular_addition(p, 0.6, seed=1)
    net = gk.PairMLP([2 * p, width, k], activation="square", loss="mse", init="glorot", seed=1)
    net.params = np.random.default_rng(2).normal(size=net.n_params)  # biases too
    Y = np.random.default_rng(3).normal(size=(X.shape[0], k))
    assert net.compiled_backward_applies(X) == (min(width, k) >= 2)
    loss, grad = net.loss_and_grad(X, Y)
    want_loss, want_grad = super(gk.PairMLP, net).loss_and_grad(X, Y)
    assert bits(loss) == bits(want_loss)
    np.testing.assert_array_equal(bits(grad), bits(want_grad))


@settings(max_examples=100, deadline=None)
@given(data=st.data(), N=st.integers(1, 8), k=st.integers(2, 6))
def test_outputs_known_within_a_bound_give_np_argmaxs_count_or_doubt(data, N, k):
    """Approximations anywhere within the bound of outputs with ties and near ties: the exact count, or -1."""
    close = st.sampled_from([0.0, 1.0, 1.0 + 1e-5, 1.0 - 1e-5, 1.0 + 1e-3, 2.0, -1.0])  # ties, near ties
    o = data.draw(hnp.arrays(np.float64, (N, k), elements=close))  # the exact outputs
    b = data.draw(hnp.arrays(np.float64, k, elements=st.sampled_from([0.0, 0.5, -0.25])))
    c = data.draw(hnp.arrays(np.int64, N, elements=st.integers(0, k - 1)))
    tolerance, S = 1e-5, data.draw(st.sampled_from([1.0, 3.0, 10.0]))
    h = tolerance * (S + np.max(np.abs(b))) + 1e-20
    shift = data.draw(hnp.arrays(np.float64, (N, k), elements=st.floats(-0.95, 0.95)))
    O = np.column_stack([(o - b) + shift * h, np.full(N, S)]).astype(np.float32)  # O + b within h of o
    assume(np.all(np.abs((O[:, :k] + b) - o) <= h))  # single precision's rounding kept it inside
    got = kernel.count_correct_within(O, b, c, tolerance)
    assert got in (-1, np.count_nonzero(np.argmax(o, axis=1) == c))
    far = np.where(np.arange(k) == c[:, None], 1.0, 0.0)  # one clear winner per row: no doubt
    O = np.column_stack([far - b, np.full(N, S)]).astype(np.float32)
    assert kernel.count_correct_within(O, b, c, tolerance) == N


def test_outputs_not_finite_leave_the_count_in_doubt():
    c, b = np.array([0]), np.zeros(2)
    for row in ([np.nan, 0.0, 1.0], [1.0, -np.inf, 1.0], [1.0, 0.0, np.inf]):
        assert kernel.count_correct_within(np.array([row], dtype=np.float32), b, c, 1e-5) == -1
    assert kernel.count_correct_within(np.array([[1.0, 0.0, 1.0]], dtype=np.float32), b, c, 1e-5) == 1


@pytest.mark.parametrize("scale", [1.0, 1e-3, 1e3])
def test_the_single_precision_count_is_the_exact_one_or_none(monkeypatch, scale):
    """Against np.argmax of `forward` (double, BLAS): trained-like weights, exact ties (two equal output rows: the
    first wins) and a not finite weight."""
    monkeypatch.setenv("MINNET_BACKEND", "numba")
    p, width = 11, 24
    X, c, X_test, c_test = gk.modular_addition(p, 0.3, seed=4)
    net = gk.model(p, width, seed=4)
    net.params = np.random.default_rng(5).normal(size=net.n_params) * scale
    exact = np.count_nonzero(np.argmax(net.forward(X_test), axis=1) == c_test)
    assert net.count_correct_single(X_test, c_test) == exact  # clear winners: no doubt
    assert net.count_correct(X_test, c_test) == exact
    net.W[2][3], net.b[2][3] = net.W[2][1], net.b[2][1]  # outputs 1 and 3 tie in every row
    net.W[2][1] *= 1 + 1e-9  # and 1 beats 3 where it wins by a hair: in doubt
    exact = np.count_nonzero(np.argmax(net.forward(X_test), axis=1) == c_test)
    assert net.count_correct_single(X_test, c_test) in (None, exact) and net.count_correct(X_test, c_test) == exact
    net.W[2][0, 0] = np.nan
    assert net.count_correct_single(X_test, c_test) is None


def test_the_single_precision_count_never_decides_a_near_tie_wrongly(monkeypatch):
    """Outputs 1 and 3 lead every row and differ by 3e-8 to 3e-7 of their size, where single precision's rounding
    can order them the other way: without the bound some of these counts are wrong (measured: 5 of 30)."""
    monkeypatch.setenv("MINNET_BACKEND", "numba")
    p, width = 31, 128
    X, c, X_test, c_test = gk.modular_addition(p, 0.3, seed=4)
    for seed in range(10):
        net = gk.model(p, width, seed=seed)
        rng = np.random.default_rng(seed)
        net.params = rng.normal(size=net.n_params)
        for eta in (3e-7, 1e-7, 3e-8):
            net.W[2][3] = net.W[2][1] * (1 + eta * rng.normal(size=width))
            net.b[2][1] = net.b[2][3] = 50.0
            exact = np.count_nonzero(np.argmax(net.forward(X_test), axis=1) == c_test)
            assert net.count_correct_single(X_test, c_test) in (None, exact)
            assert net.count_correct(X_test, c_test) == exact
