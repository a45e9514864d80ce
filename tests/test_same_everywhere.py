"""The same numbers on every machine: minnet.arithmetic and document 000's run, whatever the CPU, the BLAS
kernel or NumPy's SIMD dispatch.

One machine stands in for others: OPENBLAS_CORETYPE makes OpenBLAS run another CPU's kernels (Prescott
has no FMA, Haswell does, SkylakeX uses AVX-512), and NPY_DISABLE_CPU_FEATURES switches off NumPy's
dispatched SIMD loops (its own exp, log, tanh on AVX-512). Each setting runs in a subprocess, since both
are read when the libraries load. `python -m tests.same_everywhere` (run by .ci/run) does the same for
every study's --quick claims.
"""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernels.exp import exp as compiled_exp
from minnet import SGD, TwoLayerNet, fit
from minnet.arithmetic import exp, matmul_in_order, sum_in_order
from minnet.data import doc000
from minnet.recorders import Snapshots
from minnet.two_layer import DOC000_WEIGHT_SEED

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MINNETS_EVENTS = (728, 745, 748)  # minnet's run of (f1, 3, 1, 1000); the notebook printed 734, 752, 755


def dispatched_features():
    """NumPy's runtime-dispatched SIMD features that this CPU has (what NPY_DISABLE_CPU_FEATURES can switch off)."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # NumPy < 2
        from numpy.core import _multiarray_umath as umath
    return [f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f)]


def cpu_settings():
    """{name: environment} of the emulated machines: OpenBLAS kernels, and NumPy without its dispatched SIMD."""
    settings = {"this machine": {}}
    settings.update({f"OpenBLAS {core}": {"OPENBLAS_CORETYPE": core} for core in ("Prescott", "Nehalem", "Haswell", "SkylakeX")})
    features = dispatched_features()
    if features:
        settings["NumPy without " + " ".join(features)] = {"NPY_DISABLE_CPU_FEATURES": " ".join(features)}
    return settings


DOC000_RUN = """
import hashlib, json, numpy as np
from minnet import TwoLayerNet
from minnet.compiled import fit_example_by_example
from minnet.data import doc000
from minnet.studies.dynamics import event_order
X, Y, X_test, Y_test = doc000("f1")
out = {}
for backend in ("numpy", "numba"):
    history = fit_example_by_example(TwoLayerNet(h=3), X, Y, 1.0, 1000, X_test, Y_test, backend=backend)
    digest = hashlib.sha256()
    for key in ("train_loss", "test_loss", "grad_norm", "grad_angle", "params"):
        digest.update(np.ascontiguousarray(history[key]).tobytes())
    order = event_order(history)
    out[backend] = [digest.hexdigest(), [order[k] for k in ("argmin_grad_norm", "argmin_train_loss", "argmin_test_loss")]]
print(json.dumps(out))
"""


def run_in(environment, code):
    env = {**os.environ, "PYTHONPATH": ROOT, "OPENBLAS_NUM_THREADS": "1", **environment}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_document_000_is_the_same_bits_on_every_emulated_cpu_and_both_backends():
    """Every record of the run (errors, gradient norms and angles, weights) hashed: one hash for all settings."""
    found = {name: run_in(env, DOC000_RUN) for name, env in cpu_settings().items()}
    hashes = {backend_result[0] for result in found.values() for backend_result in result.values()}
    assert len(hashes) == 1, found
    for result in found.values():
        for _, events in result.values():
            assert tuple(events) == MINNETS_EVENTS, found


def test_the_emulation_changes_the_libraries_arithmetic():
    """The settings above are not idle: they move the last bits of a BLAS product and of np.exp."""
    probe = (
        "import hashlib, json, numpy as np; r = np.random.default_rng(0); A = r.normal(size=(64, 64)); "
        "x = r.normal(0, 5, 10000); print(json.dumps([hashlib.sha256((A @ A).tobytes()).hexdigest(), "
        "hashlib.sha256(np.exp(x).tobytes()).hexdigest()]))"
    )
    found = {name: tuple(run_in(env, probe)) for name, env in cpu_settings().items()}
    assert len({matmul for matmul, _ in found.values()}) > 1, found
    if len(found) > 5:  # NumPy has dispatched SIMD on this CPU: switching it off moves np.exp here
        assert len({e for _, e in found.values()}) > 1, found


def notebook_weights(epochs):
    """Document 000's notebook loop, as its repository writes it (1_basic_neural_network.ipynb,
    mariezz/visualize-nn-learning): NumPy arrays, one example at a time, np.exp and @ as they come on this
    machine. Returns [U, V] flattened after every update (epochs, 9)."""
    X_train, Y_train, _, _ = doc000("f1")
    X_train, Y_train = X_train[:, 0], Y_train[:, 0]
    h = 3
    rng_weights = np.random.default_rng(DOC000_WEIGHT_SEED)
    U = rng_weights.normal(0, 0.01, size=(h - 1, 2))
    V = rng_weights.normal(0, 0.01, size=(1, h))
    X, H = np.ones(2), np.ones(h)

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def forward_pass(x):
        X[0] = x  # And X[1]=1
        H[: h - 1] = sigmoid(U @ X)  # And H[h-1]=1
        O = V @ H
        return O[0]

    def back_propagate(e):
        grad_V = e * H
        grad_U = np.zeros(U.shape)
        for i in range(h - 1):
            grad_U[i, :] = e * V[0, i] * H[i] * (1 - H[i]) * X
        return (grad_V, grad_U)

    weights = []
    for _ in range(epochs):
        grad_V, grad_U = np.zeros(V.shape), np.zeros(U.shape)
        for j in range(len(X_train)):
            o = forward_pass(X_train[j])
            e = o - Y_train[j]
            gradients = back_propagate(e)
            grad_V += gradients[0]
            grad_U += gradients[1]
        V -= 1 * grad_V / len(X_train)
        U -= 1 * grad_U / len(X_train)
        weights.append(np.concatenate([U.ravel(), V.ravel()]))
    return np.array(weights)


def test_minnet_follows_the_notebooks_own_loop_through_the_stable_stretch():
    """Up to iteration 500 minnet's weights equal the notebook loop's within 1e-12, relative, on any machine
    (measured here: 3.5e-15 at 500). Not to 600: from ~510 the run amplifies every rounding difference about
    tenfold each 15 iterations, and at 600 runs whose inputs differ by one ulp are already 1.1e-12 apart
    (demos.oscillations, last_bit.png); no bound of 1e-12 there can hold for every correct order of sums."""
    net = TwoLayerNet(h=3)
    X, Y, _, _ = doc000("f1")
    minnet = fit(net, X, Y, SGD(net.params, lr=1.0), 500, recorders=[Snapshots()])["params"][1:]
    notebook = notebook_weights(500)
    relative = np.abs(minnet - notebook) / np.abs(notebook)
    assert relative.max() <= 1e-12, f"largest relative difference {relative.max():.2e} at update {relative.max(axis=1).argmax() + 1}"


SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 709.78, 709.79, -745.1, -745.2, 1e4, -1e4, np.inf, -np.inf, np.nan]


@given(st.lists(st.floats(min_value=-800, max_value=800), min_size=1, max_size=50))
def test_minnets_exp_and_its_compiled_twin_are_the_same_bits(values):
    x = np.array(values + SPECIAL)
    twin = np.array([compiled_exp(v) for v in x])
    np.testing.assert_array_equal(exp(x), twin)


def test_minnets_exp_is_within_two_ulp_of_the_c_librarys():
    """The polynomial's error is about 1 ulp (1.0 measured over a million draws), the C library's about 0.5."""
    x = np.random.default_rng(0).normal(0, 10, 200_000)
    x = np.concatenate([x, np.linspace(-745, 709.7, 100_000)])
    ours, theirs = exp(x), np.array([math.exp(v) for v in x])
    ulps = np.abs(ours - theirs) / np.spacing(np.maximum(theirs, np.finfo(float).tiny))
    assert ulps.max() <= 2.0
    special = exp(np.array(SPECIAL))
    assert special[0] == special[1] == 1.0 and special[12] == np.inf and special[13] == 0.0 and np.isnan(special[14])
    assert np.isinf(special[7]) and np.isfinite(special[6]) and special[9] == 0.0


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=60))
def test_sum_in_order_adds_left_to_right(values):
    total = values[0]
    for v in values[1:]:
        total += v
    assert sum_in_order(np.array(values)) == total


@pytest.mark.parametrize("shape", [(5, 1, 3), (7, 4, 2), (1, 9, 1)])
def test_matmul_in_order_is_a_plain_loop_over_the_inner_index(shape, rng):
    N, m, n = shape
    A, B = rng.normal(size=(N, m)), rng.normal(size=(m, n))
    C = matmul_in_order(A, B)
    for r in range(N):
        for c in range(n):
            total = A[r, 0] * B[0, c]
            for k in range(1, m):
                total += A[r, k] * B[k, c]
            assert C[r, c] == total
    np.testing.assert_allclose(C, A @ B, rtol=1e-12, atol=1e-14)
