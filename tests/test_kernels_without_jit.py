"""Every kernel is plain Python that a student can step through: with NUMBA_DISABLE_JIT=1 each one
still equals its NumPy twin (on small inputs, in a fresh process, since the switch is read at import)."""

import os
import subprocess
import sys
import textwrap

CHECKS = textwrap.dedent(
    """
    import numpy as np
    from minnet import MLP, SGD, TwoLayerNet, fit
    from minnet.studies import complex_mult as cm
    from minnet.studies import mandelbrot as mb
    from minnet.data import doc000
    from minnet.landscape import grid_two_params, losses_at
    from minnet.per_example import gradient_stats
    from minnet.compiled import fit_example_by_example

    rng = np.random.default_rng(0)
    net = MLP([3, 3, 3, 1], activation="tanh", seed=0)
    X, Y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))
    a = np.linspace(-2, 2, 4)
    for i, j in ((3, 4), (0, 13), (13, 14)):  # two rows of one layer (the split grid), across layers, one layer's row
        fast = grid_two_params(net, X, Y, i, j, a, a, backend="numba")
        np.testing.assert_allclose(fast, grid_two_params(net, X, Y, i, j, a, a, backend="numpy"), rtol=1e-12)
    P = net.params + rng.normal(size=(3, net.n_params))
    np.testing.assert_allclose(losses_at(net, X, Y, P, backend="numba"), losses_at(net, X, Y, P, backend="numpy"), rtol=1e-12)

    classifier = MLP([4, 5, 3], activation="sigmoid", loss="cross_entropy", seed=1)
    Xc, labels = rng.normal(size=(9, 4)), rng.integers(0, 3, 9)
    fast, plain = gradient_stats(classifier, Xc, labels, backend="numba"), gradient_stats(classifier, Xc, labels, backend="numpy")
    for key in ("loss", "norm", "cos"):
        np.testing.assert_allclose(fast[key], plain[key], rtol=1e-10)

    c_re, c_im = mb.pixel_grid(complex(-0.75, 0.0), 3.5, (12, 8))
    np.testing.assert_array_equal(mb.escape_counts(c_re, c_im, 15, backend="numba"), mb.escape_counts(c_re, c_im, 15, backend="numpy"))
    square = cm.model([5], "silu", seed=2)
    fast, plain = mb.escape_counts(c_re, c_im, 10, net=square, backend="numba"), mb.escape_counts(c_re, c_im, 10, net=square, backend="numpy")
    assert np.mean(fast == plain) > 0.95

    X0, Y0, _, _ = doc000("f1")
    X0, Y0 = X0[:50], Y0[:50]
    compiled = fit_example_by_example(TwoLayerNet(h=3), X0, Y0, 1.0, 5)
    vectorised = TwoLayerNet(h=3)
    np.testing.assert_allclose(compiled["train_loss"], fit(vectorised, X0, Y0, SGD(vectorised.params, lr=1.0), 5)["train_loss"], rtol=1e-12)
    print("all kernels equal their twins without the JIT")
    """
)


def test_every_kernel_equals_its_twin_without_jit():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", CHECKS], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "all kernels equal their twins without the JIT" in done.stdout
