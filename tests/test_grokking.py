"""Document 004's grokking study: the modular-addition data, the Fourier measure on embeddings whose answer is
known, and the study's --quick run."""

import json

import numpy as np
from claims_check import check_claims

from demos import grokking
from minnet.studies import grokking as gk


def test_modular_addition_holds_every_pair_once_with_its_sum():
    p = 7
    X, c, X_test, c_test = gk.modular_addition(p, 0.4, seed=3)
    assert X.shape == (round(0.4 * 49), 2 * p) and X_test.shape == (49 - X.shape[0], 2 * p)
    both = np.vstack([X, X_test])
    a, b = np.argmax(both[:, :p], axis=1), np.argmax(both[:, p:], axis=1)
    assert np.all(both.sum(axis=1) == 2) and len(set(zip(a, b))) == 49  # one-hot halves, every pair once
    np.testing.assert_array_equal(np.concatenate([c, c_test]), (a + b) % p)


def test_single_frequency_is_one_for_gromovs_embedding_and_small_for_a_random_one():
    p, width = 31, 40
    net = gk.model(p, width, seed=0)
    rng = np.random.default_rng(1)
    k, phase = rng.integers(1, 16, width), rng.uniform(0, 2 * np.pi, (2, width))
    numbers = np.arange(p)
    for half in range(2):  # W_1[u, a] = cos(2 pi k_u a / p + phi_u) in both halves
        net.W[1][:, half * p : (half + 1) * p] = np.cos(2 * np.pi * np.outer(k, numbers) / p + phase[half][:, None])
    assert gk.single_frequency(net, p) > 0.999
    np.testing.assert_array_equal(np.argmax(gk.spectrum(net, p), axis=1) + 1, k)
    assert 0.1 < gk.single_frequency(gk.model(p, width, seed=2), p) < 0.4  # random weights spread their power


def test_first_step_reaching():
    assert gk.first_step_reaching([0.1, 0.5, 0.99, 0.98, 1.0], 0.99) == 2.0
    assert np.isnan(gk.first_step_reaching([0.1, 0.5], 0.99))


def test_grokking_quick(tmp_path):
    assert grokking.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    rows = check_claims(tmp_path, "grokking")
    assert rows["grokking.weight_decay_needed"]["measured"] == 0  # 300 steps without weight decay: no grokking
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["weight_decay"]["0.6"]["grokked"] == 2  # with 60% of the pairs it groks within 300 steps
    assert (tmp_path / "grokking.png").stat().st_size > 1000
