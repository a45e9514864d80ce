"""Document 003: the Mandelbrot kernel against its twin, the colouring, and the demos' files."""

import json

import numpy as np
import pytest
from claims_check import check_claims, check_rows

from demos import complex_mult, mandelbrot
from minnet.studies import complex_mult as cm
from minnet.studies import mandelbrot as mb
from minnet.tools import plots


def test_exact_multiplication_gives_identical_escape_counts():
    c_re, c_im = mb.pixel_grid(complex(-0.75, 0.0), 3.5, (90, 60))
    fast = mb.escape_counts(c_re, c_im, 60, backend="numba")
    plain = mb.escape_counts(c_re, c_im, 60, backend="numpy")
    np.testing.assert_array_equal(fast, plain)
    assert fast[30, 60] == 60 and fast[0, 0] == 1  # inside the main cardioid; a far corner escapes at once


def test_network_escape_counts_agree_with_the_twin():
    """The network path sums in another order than NumPy's matmul; near the boundary chaos may turn the last bits into a different count."""
    net = cm.model([6, 5], "silu", seed=3)
    net.params = net.params * 3
    c_re, c_im = mb.pixel_grid(complex(0.0, 0.0), 4.0, (60, 40))
    fast = mb.escape_counts(c_re, c_im, 40, net=net, backend="numba")
    plain = mb.escape_counts(c_re, c_im, 40, net=net, backend="numpy")
    assert np.mean(fast == plain) > 0.99


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_cycle_detection_changes_no_count_of_the_exact_set(backend):
    """Exact cycles (tolerance 0) are sound: a deterministic map that comes back to a value cycles for ever.
    At the default 1e-12 the twin and the kernel stop the same pixels and agree with the plain loop here."""
    c_re, c_im = mb.pixel_grid(complex(-0.75, 0.0), 3.5, (90, 60))
    plain = mb.escape_counts(c_re, c_im, 80, backend="numpy")
    for tolerance in (0.0, mb.PERIOD_TOLERANCE):
        np.testing.assert_array_equal(
            mb.escape_counts(c_re, c_im, 80, backend=backend, period_tolerance=tolerance), plain
        )


def test_rectangle_subdivision_draws_the_plain_loops_picture():
    """Mariani-Silver: the exact set pixel for pixel, a learned map within 1 pixel in 10,000 (the goal);
    and it computes far fewer pixels than the picture has."""
    net, trained = (
        cm.model([20, 30, 20], "silu", seed=0),
        cm.train_task({"hidden": [20, 30, 20], "activation": "silu", "epochs": 10, "seed": 0}),
    )
    net.params = trained["params"]
    c_re, c_im = mb.pixel_grid(complex(-0.75, 0.0), 3.5, (300, 200))
    np.testing.assert_array_equal(mb.escape_counts_by_rectangles(c_re, c_im, 100), mb.escape_counts(c_re, c_im, 100))
    learned = mb.escape_counts_by_rectangles(c_re, c_im, 100, net=net)
    assert np.mean(learned == mb.escape_counts(c_re, c_im, 100, net=net)) >= 0.9999
    computed = []
    original = mb.escape_counts
    try:
        mb.escape_counts = lambda *args, **kwargs: computed.append(args[0].size) or original(*args, **kwargs)
        mb.escape_counts_by_rectangles(c_re, c_im, 100, net=net)
    finally:
        mb.escape_counts = original
    assert sum(computed) < 0.6 * c_re.size


def test_rectangle_subdivision_is_the_same_with_either_backend():
    c_re, c_im = mb.pixel_grid(complex(-0.1, 0.8), 0.5, (64, 48))
    np.testing.assert_array_equal(
        mb.escape_counts_by_rectangles(c_re, c_im, 60, backend="numba"),
        mb.escape_counts_by_rectangles(c_re, c_im, 60, backend="numpy"),
    )


def test_one_network_step_matches_the_forward_pass():
    from kernels import mandelbrot as kernel
    from minnet.tools.backend import dense_net

    net = cm.model([7, 4], "tanh", seed=1)
    c_re = np.array([[0.3, -1.2, 0.05, 2.5, -1.9]])
    c_im = np.array([[0.1, 0.4, -0.7, 0.0, 1.2]])
    counts = kernel.escape_counts(c_re, c_im, 2, dense_net(net))
    z1 = net.forward(np.zeros((5, 4))) + np.column_stack([c_re[0], c_im[0]])  # z_1 = f(0, 0) + c
    escaped = (z1**2).sum(axis=1) > 4
    assert escaped.any() and not escaped.all()
    np.testing.assert_array_equal(counts[0] == 1, escaped)


def test_colouring_maps_known_values_to_known_colours():
    re, im = np.array([1.0, 0.0, -1.0, 0.0]), np.array([0.0, 1.0, 0.0, 0.0])
    rgb = plots.complex_colors(re, im, scale=1.0)
    np.testing.assert_allclose(rgb[0], [0.5, 0.0, 0.0])  # angle 0: red, |w| = 1 -> brightness 1/2
    np.testing.assert_allclose(rgb[1], [0.25, 0.5, 0.0])  # angle pi/2: hue 1/4, yellow-green
    np.testing.assert_allclose(rgb[2], [0.0, 0.5, 0.5])  # angle pi: cyan
    np.testing.assert_allclose(rgb[3], [0.0, 0.0, 0.0])  # 0 is black


def test_dataset_and_multiply():
    X, Y, X_test, Y_test = cm.dataset()
    assert X.shape == (3276, 4) and X_test.shape == (820, 4)
    assert X.std() == pytest.approx(2.0, rel=0.05)
    z = (X[:, 0] + 1j * X[:, 1]) * (X[:, 2] + 1j * X[:, 3])
    np.testing.assert_allclose(Y[:, 0] + 1j * Y[:, 1], z, rtol=1e-14)


def test_complex_mult_demo_quick(tmp_path):
    assert complex_mult.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    claims = check_claims(tmp_path, "complex_mult")
    assert {f"complex_mult.model{k}_{part}_loss" for k in range(6) for part in ("train", "test")} <= set(claims)
    for name in ("loss_curve_20_30_20_relu.png", "learned_function.png", "learned_square.png", "neuron_grid.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert len(summary["table"]) == 6 and summary["grid"]["best"][0] in range(2, 13)
    with np.load(tmp_path / "results.npz") as results:
        assert results["grid_test_loss"].shape == (11, 11)


def test_mandelbrot_demo_quick(tmp_path):
    assert mandelbrot.main(["--quick", "--quiet", "--workers", "1", "--animate", "--out", str(tmp_path)]) == 0
    check_claims(tmp_path, "mandelbrot")
    for name in ("mandelbrot.png", "training_relu.gif", "training_silu.gif"):
        assert (tmp_path / name).stat().st_size > 500, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["agreement_with_exact_inside_or_not"]["exact/full"] == 1.0


def test_mandelbrot_demo_fast_draws_the_same_exact_set(tmp_path):
    """--fast (rectangles and cycle detection) gives the exact product's pictures pixel for pixel."""
    assert mandelbrot.main(["--quick", "--quiet", "--workers", "1", "--fast", "--out", str(tmp_path / "fast")]) == 0
    assert mandelbrot.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path / "plain")]) == 0
    check_claims(tmp_path / "fast", "mandelbrot")
    summary = json.loads((tmp_path / "plain" / "summary.json").read_text())
    as_default = check_rows(mandelbrot.claims({**summary, "epochs": mandelbrot.DOCUMENT_EPOCHS}), "mandelbrot")
    assert all(row["verdict"] != "not comparable" for row in as_default.values())  # each judged, each can fail
    with np.load(tmp_path / "fast" / "results.npz") as fast, np.load(tmp_path / "plain" / "results.npz") as plain:
        exact = [key for key in fast.files if key.startswith("exact")]
        assert exact
        for key in exact:
            np.testing.assert_array_equal(fast[key], plain[key])
