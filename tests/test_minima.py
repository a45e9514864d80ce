"""Document 004's minima study: the hand-written landscape's gradient and Hessian against finite differences,
gradient descent's stability condition on it, the centred tilts, and the study's --quick run."""

import numpy as np
from claims_check import check_claims
from hypothesis import given, settings
from hypothesis import strategies as st

from demos import minima
from minnet.studies import minima as mn

points = st.lists(st.floats(-2.5, 3.0), min_size=1, max_size=2).map(np.array)


@settings(max_examples=60, deadline=None)
@given(w=points)
def test_gradient_and_hessian_match_central_differences(w):
    h, eye = 1e-5, np.eye(w.size)
    numeric = np.array([(mn.loss(w + h * e) - mn.loss(w - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(mn.gradient(w), numeric, atol=1e-6)
    numeric_H = np.array([(mn.gradient(w + h * e) - mn.gradient(w - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(mn.hessian(w), numeric_H, atol=1e-4)


def test_gradient_descent_settles_in_the_narrow_minimum_only_below_2_over_its_sharpness():
    w = mn.minimum("narrow", 1)
    limit = 2 / mn.sharpness(w)
    np.testing.assert_allclose(mn.gradient(w), 0, atol=1e-12)
    assert mn.outcome(mn.descend(w + 0.01, 0.95 * limit, 3000), 1) == "settles narrow"
    assert mn.outcome(mn.descend(w + 0.01, 1.05 * limit, 3000), 1) != "settles narrow"


def test_tilts_are_centred_and_the_full_batch_is_gradient_descent():
    tilts = mn.example_tilts(100, 2, 10.0, seed=1)
    np.testing.assert_allclose(tilts.mean(axis=0), 0, atol=1e-12)
    start = mn.minimum("narrow", 2) + 0.05
    np.testing.assert_allclose(mn.descend(start, 0.01, 50, tilts, 100), mn.descend(start, 0.01, 50), atol=1e-12)


def test_minima_quick(tmp_path):
    assert minima.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    rows = check_claims(tmp_path, "minima")
    assert "minima.exponential_learning_rate" not in rows  # measured by its own study now: demos.exp_lr
    assert rows["minima.narrow_settles_below_2_over_lambda"]["kind"] == "check"
    assert {"minima.landscape", "minima.tilts", "minima.sgd", "minima.network"} <= set(rows)  # the settings
    assert rows["minima.nothing_settles_above_2_over_lambda_wide"]["measured"] == 0
    assert (tmp_path / "minima.png").stat().st_size > 1000 and (tmp_path / "network.png").stat().st_size > 1000


def test_keskar_pairs_compare_the_smallest_and_the_full_batch_of_one_seed():
    runs = [{"lr": lr, "seed": s, "batch": b, "sharpness": b / 10 + s, "test_error": 0.1 - b / 1e5 + s / 100,
             "train_loss": 0.01} for lr in (0.1, 0.2) for s in range(3) for b in minima.NETWORK_BATCHES]  # fmt: skip
    pairs = minima.keskar_pairs(runs)
    assert len(pairs) == 6 and all(p["sharpness_large"] > p["sharpness_small"] for p in pairs)
    sharper, flatter, p = minima.paired_sign_test(pairs, "sharpness")
    assert (sharper, flatter) == (6, 0) and p == 1 / 64  # all six pairs one way: 2^-6
    worse, better, p = minima.paired_sign_test(pairs, "test_error")
    assert (worse, better) == (0, 6) and p == 1.0  # every pair the other way: no evidence at all


def test_descent_at_many_rates_is_each_rates_own_descent():
    """descend_at_rates' rows are descend's paths' last two points bit for bit, also for the rates that
    diverge (a row stops at its first point that is not finite, as descend's path)."""
    start = mn.minimum("narrow", 1) + mn.NUDGE
    rates = [0.005, 0.3, 0.95, 25.0, 1e10]
    with np.errstate(all="ignore"):
        before, last = mn.descend_at_rates(start, rates, 400)
        paths = [mn.descend(start, lr, 400) for lr in rates]
    assert not np.all(np.isfinite(last[-1]))
    for i, path in enumerate(paths):
        assert np.array_equal(path[-1], last[i]) and np.array_equal(path[-2], before[i])


def one_at_a_time(w0, lr, steps, tilts, batch, seed):
    """Stochastic gradient descent step by step, as the study wrote it first: a batch's mean tilt drawn at each step."""
    rng, w, path, order, at = np.random.default_rng(seed), np.array(w0, dtype=float), [], np.arange(0), 0
    path.append(w.copy())
    for _ in range(steps):
        if at + batch > order.size:
            order, at = rng.permutation(len(tilts)), 0
        w = w - lr * (mn.gradient(w) + tilts[order[at : at + batch]].mean(axis=0))
        at += batch
        path.append(w.copy())
    return np.array(path)


@settings(max_examples=20, deadline=None)
@given(dim=st.sampled_from([1, 2]), batch=st.sampled_from([1, 2, 3, 4, 7, 100]), seed=st.integers(0, 2**16))
def test_all_seeds_at_once_are_each_seeds_own_descent(dim, batch, seed):
    """descend_rows with batch_tilts (escapes: every seed at once) gives each row the bits of its own step-by-step
    descent, whatever the batch (leftover examples at a pass's end included) and the dimension."""
    starts = np.stack([mn.minimum("narrow", dim) + 0.1 * k for k in range(3)])
    tilts = [mn.example_tilts(100, dim, 10.0, seed + k) for k in range(3)]
    paths, last = mn.descend_rows(starts, [0.01] * 3, 120, np.stack([mn.batch_tilts(t, batch, 120, seed + k)
                                                                    for k, t in enumerate(tilts)]))  # fmt: skip
    assert np.all(last == 120)
    for k in range(3):
        assert np.array_equal(paths[k], one_at_a_time(starts[k], 0.01, 120, tilts[k], batch, seed + k))
