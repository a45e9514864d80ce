"""minnet.arithmetic.exp and the sigmoid and silu of minnet.activations on both backends: kernels.exp.exp_family
gives the NumPy code's bits, for every float64 (NaN, +-inf, huge, tiny, results that overflow or round to subnormal
numbers), every memory layout and every CPU LLVM may compile it for."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minnet.arithmetic as arithmetic
from minnet.activations import activate, derivative, sigmoid, silu, silu_prime
from minnet.arithmetic import EXP_CLAMP, exp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# e^x overflows above 709.78, is subnormal below -708.4 and rounds to 0 below -745.13; the clamp's edges too
EDGES = [709.782712893384, 709.7827128933841, -708.3964185322641, -708.39641853226, -745.1332191019411,
         -745.1332191019412, -744.44, -740.0, -720.5, -709.1, EXP_CLAMP, -EXP_CLAMP, 1e300, -1e300, 5e-324,
         -5e-324, 2.2e-308, 0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan]  # fmt: skip


def bits(a):
    """The float64 bits of a, NaN payloads included."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def bits_any_nan(a):
    """The float64 bits of a with every NaN as np.nan: where two NaNs meet in a product (silu's z sigma(z) for
    z = NaN, sigma = -NaN), NumPy itself returns one or the other's sign by the element's place in the array (the
    8-wide SIMD body or its tail), so no twin can promise a NaN's sign there; exp and sigmoid keep one NaN's bits."""
    return bits(np.where(np.isnan(a), np.nan, a))


FUNCTIONS = {exp: bits, sigmoid: bits, silu: bits_any_nan, silu_prime: bits_any_nan}


def assert_same_bits(x, functions=FUNCTIONS):
    for f, as_bits in functions.items():
        compiled, twin = f(x, backend="numba"), f(x, backend="numpy")
        np.testing.assert_array_equal(as_bits(compiled), as_bits(twin), err_msg=f"{f.__name__}, x = {x!r}")


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the NumPy twin's silu(-inf) = -inf * 0: NaN
@settings(deadline=None, max_examples=300)
@given(hnp.arrays(np.float64, st.integers(0, 1200), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_the_kernel_gives_the_numpy_codes_bits_for_any_float64(x):
    """Up to 1,200 of any float64 hypothesis draws (a vectorised loop and its tail), the edges appended."""
    assert_same_bits(np.concatenate([x, EDGES]))


def test_the_activations_run_the_kernel_for_sigmoid_and_silu_alone(monkeypatch):
    """activate and derivative pass their backend on: numba's gives the same bits as numpy's."""
    z = np.random.default_rng(3).normal(0, 20, size=(40, 7))
    for name in ("sigmoid", "silu", "tanh", "relu"):
        a = activate(name, z, backend="numpy")
        assert np.array_equal(bits(activate(name, z, backend="numba")), bits(a))
        assert np.array_equal(bits(derivative(name, z, a, backend="numba")), bits(derivative(name, z, a, "numpy")))


@settings(deadline=None)
@given(st.floats(min_value=-760.0, max_value=-700.0), st.integers(1, 600))
def test_results_that_round_to_subnormal_numbers_or_to_zero_are_ldexps(start, n):
    """Where 2^k e^r is below 2^-1022 the multiply by 2^k rounds, as ldexp does: densely sampled there."""
    assert_same_bits(start + np.arange(n) * 0.0371)


def test_a_million_draws_over_every_scale_are_the_same_bits():
    rng = np.random.default_rng(0)
    x = rng.normal(size=1_000_000) * np.exp(rng.uniform(-40, 8, 1_000_000))  # |x| from 1e-18 to 3e3
    assert_same_bits(x)
    assert_same_bits(np.linspace(-746, 710, 1_000_001))


@pytest.mark.parametrize(
    "layout",
    [
        lambda a: a,
        np.asfortranarray,
        lambda a: a.transpose(2, 0, 1),
        lambda a: a[:, ::2, 1:],
        lambda a: a[::-1, :, ::-1],
        lambda a: a[1],
        lambda a: a[0, 0, 0],
        lambda a: a[:0],
    ],
    ids=["C", "Fortran", "axes permuted", "sliced", "reversed", "2-d", "0-d", "empty"],
)
def test_every_layout_gives_the_numpy_results_values_shape_and_memory_order(layout):
    x = layout(np.random.default_rng(1).normal(0, 300, size=(6, 7, 5)))
    for f, as_bits in FUNCTIONS.items():
        compiled, twin = f(x, backend="numba"), f(x, backend="numpy")
        assert type(compiled) is type(twin) and np.shape(compiled) == np.shape(twin)
        assert np.array_equal(as_bits(compiled), as_bits(twin))
        assert getattr(compiled, "strides", None) == getattr(twin, "strides", None)


def test_numbers_and_lists_go_in_as_numpys_do():
    assert exp(1.0, backend="numba") == exp(1.0, backend="numpy") == 2.7182818284590455  # e, 1 ulp above
    assert type(exp(1.0, backend="numba")) is np.float64
    assert_same_bits(np.array([0.5, -800.0, np.nan]))
    assert_same_bits(np.arange(-3, 3))  # integers: converted to float64 first
    assert_same_bits(np.linspace(-9, 9, 11, dtype=np.float32))
    assert exp([0.0, 1.0], backend="numba")[0] == 1.0  # a list, as NumPy takes it


def test_minnet_backend_numpy_runs_the_numpy_code(monkeypatch):
    def refuse(kind, x):
        raise AssertionError("the kernel ran under MINNET_BACKEND=numpy")

    monkeypatch.setattr(arithmetic, "compiled", refuse)
    monkeypatch.setenv("MINNET_BACKEND", "numpy")
    assert exp(np.array([0.0]))[0] == 1.0
    monkeypatch.setenv("MINNET_BACKEND", "numba")
    with pytest.raises(AssertionError, match="the kernel ran"):
        exp(np.array([0.0]))


def test_a_bad_backend_is_refused_by_name(monkeypatch):
    with pytest.raises(ValueError, match="backend must be one of .*got 'fortran'"):
        exp(1.0, backend="fortran")
    monkeypatch.setenv("MINNET_BACKEND", "gpu")
    with pytest.raises(ValueError, match="MINNET_BACKEND must be one of .*got 'gpu'"):
        exp(1.0)


SAME_BITS = """
import json, numpy as np
from minnet.activations import sigmoid, silu, silu_prime
from minnet.arithmetic import exp
rng = np.random.default_rng(2)
x = np.concatenate([rng.normal(size=300_000) * np.exp(rng.uniform(-30, 7, 300_000)), np.linspace(-746, 710, 300_001)])
x = np.concatenate([x, [np.inf, -np.inf, np.nan, 1e300, -1e300, 0.0, -0.0, 5e-324]])
def canonical(a, keep_nan):  # tests.test_exp_kernel.bits or bits_any_nan
    return (a if keep_nan else np.where(np.isnan(a), np.nan, a)).view(np.uint64)
differ = [canonical(f(x, backend="numba"), keep) != canonical(f(x, backend="numpy"), keep)
          for f, keep in ((exp, True), (sigmoid, True), (silu, False), (silu_prime, False))]
print(json.dumps(int(np.sum(differ))))
"""


def mismatches_in_a_fresh_process(environment, code=SAME_BITS):
    """SAME_BITS's count of differing results, run with `environment` added (read when numba loads)."""
    env = {**os.environ, "PYTHONPATH": ROOT, **environment}
    command = [sys.executable, "-W", "ignore", "-c", code]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("cpu", ["generic", "nehalem", "haswell", "skylake-avx512"])
def test_the_kernel_compiled_for_other_cpus_gives_the_same_bits(cpu, tmp_path):
    """LLVM compiles the kernel for the CPU NUMBA_CPU_NAME names (its own cache folder): with no SSE4.1 floor
    (generic), with SSE4 alone (nehalem), with FMA that it must not use (haswell), with AVX-512."""
    assert mismatches_in_a_fresh_process({"NUMBA_CPU_NAME": cpu, "NUMBA_CACHE_DIR": str(tmp_path)}) == 0


def test_the_kernel_gives_the_same_bits_without_the_jit():
    """Under NUMBA_DISABLE_JIT=1 the kernel is the plain Python a student steps through (fewer draws: it is slow)."""
    code = SAME_BITS.replace("300_000", "3_000").replace("300_001", "3_001")
    assert mismatches_in_a_fresh_process({"NUMBA_DISABLE_JIT": "1"}, code) == 0
