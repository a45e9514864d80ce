"""Document 001's measures on hand-made inputs, and the curriculum demo's files."""

import json

import numpy as np
import pytest
from claims_check import check_claims
from hypothesis import given
from hypothesis import strategies as st

from demos import curriculum
from minnet.studies.curriculum import (
    chunk_fractions,
    chunks_by_agreement,
    cone_cover,
    contention,
    cosine_matrix,
    ensemble_agreement,
    first_correct,
    js_divergence,
    last_mistake,
)


def softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


@given(st.integers(0, 2**31), st.integers(2, 5))
def test_agreement_is_zero_for_identical_predictions_and_symmetric(seed, runs):
    rng = np.random.default_rng(seed)
    P = softmax_rows(rng.normal(size=(7, 4)))
    assert np.allclose(ensemble_agreement(np.stack([P] * runs)), 0.0, atol=1e-15)
    Q = softmax_rows(rng.normal(size=(7, 4)))
    np.testing.assert_allclose(js_divergence(P, Q), js_divergence(Q, P), rtol=1e-14)
    many = softmax_rows(rng.normal(size=(runs, 7, 4)))
    np.testing.assert_allclose(ensemble_agreement(many), ensemble_agreement(many[::-1]), rtol=1e-13)


def test_js_divergence_of_disjoint_distributions_is_log_2():
    P, Q = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    assert js_divergence(P, Q)[0] == pytest.approx(np.log(2))


def test_chunks_split_the_ranking_into_tenths():
    chunk = chunks_by_agreement(np.arange(20.0)[::-1], 10)
    assert chunk.tolist() == [9, 9, 8, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0]


@given(st.integers(0, 2**31), st.integers(1, 4), st.integers(1, 30), st.integers(1, 300))
def test_chunk_fractions_have_the_bits_of_the_float_mean(seed, runs, T, N):
    """The per-chunk accuracy counted in integers equals np.nanmean of the 0.0s and 1.0s bit for bit (the study's
    chunk_accuracy, computed that way before)."""
    rng = np.random.default_rng(seed)
    correct = rng.random((runs, T, N)) < rng.random()
    chunk = rng.integers(0, 10, N)
    members = [m for m in (np.flatnonzero(chunk == c) for c in range(10)) if m.size]
    expected = np.array([np.nanmean(correct.astype(float)[:, :, m], axis=(0, 2)) for m in members])
    np.testing.assert_array_equal(chunk_fractions(correct, members), expected)


def test_first_correct_and_last_mistake_on_a_hand_made_table():
    correct = np.array([[0, 1, 0], [1, 1, 0], [0, 1, 1], [1, 1, 1]], dtype=bool)  # iterations x examples
    np.testing.assert_array_equal(first_correct(correct), [[0, 1, 0], [1, 1, 0], [1, 1, 1], [1, 1, 1]])
    np.testing.assert_array_equal(last_mistake(correct), [[0, 1, 0], [0, 1, 0], [0, 1, 1], [1, 1, 1]])
    assert np.all(first_correct(correct) >= correct) and np.all(correct >= last_mistake(correct))


@given(st.integers(0, 2**31))
def test_cone_cover_clusters_are_within_the_threshold_and_cover_everything(seed):
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(rng.normal(size=(6, 6)))[0][:4] * 3  # orthogonal: only the last group points against one
    G = np.vstack(
        [c + 0.05 * rng.normal(size=(15, 6)) for c in centres] + [-centres[0] + 0.05 * rng.normal(size=(5, 6))]
    )
    clusters = cone_cover(G, 0.95)
    C = cosine_matrix(G)
    assert sorted(np.concatenate(clusters).tolist()) == list(range(len(G)))
    for members in clusters:
        assert np.all(C[np.ix_(members, members)] >= 0.95 - 1e-12)
    biggest = max(clusters, key=lambda m: np.isin(m, np.arange(15)).sum())
    if np.isin(biggest, np.arange(15)).all():
        assert set(contention(G, biggest).tolist()) <= set(range(60, 65))


def test_curriculum_demo_quick_on_mnist(tmp_path, capsys):
    """Three runs of three epochs on the shipped MNIST-5k with the document's settings (784-8-10, lr 0.01, batch 128)."""
    assert curriculum.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path), "--animate"]) == 0
    check_claims(tmp_path, "curriculum")
    for name in (
        "examples_by_agreement.png",
        "curriculum.png",
        "first_correct_last_mistake.png",
        "gradient_scatter.png",
        "gradient_scatter.gif",
    ):
        assert (tmp_path / name).stat().st_size > 1000, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["fc_ge_accuracy_ge_lm"] is True and len(summary["final_accuracy_per_chunk"]) == 10
    claims = {row["id"]: row for row in summary["claims"]}
    # even 3 runs pass 80% by iteration 100
    assert claims["curriculum.accuracy_80_iteration"]["verdict"] == "reproduced"
    assert claims["curriculum.accuracy_80_iteration"]["measured"] <= 100
    assert "curriculum.contention_sets" in claims and "curriculum.contention_digits" in claims
    with np.load(tmp_path / "results.npz") as results:
        assert results["accuracy"].shape == (3 * 40 + 1,)  # 5,000 examples in batches of 128: 40 iterations an epoch
        assert results["run0_correct"].shape == (13, 5000) and results["run0_iterations"][-1] == 120
        assert results["run0_grad_cos"].dtype == np.float32 and results["chunk"].max() == 9
    assert "First Correct >= accuracy >= Last Mistake at every iteration: True" in capsys.readouterr().out


def test_curriculum_on_the_digits_says_it_is_not_comparable(tmp_path):
    assert curriculum.main(["--quick", "--quiet", "--data", "digits", "--workers", "1", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert {row["verdict"] for row in summary["claims"]} == {"not comparable"}
    findings = [row for row in summary["claims"] if row["kind"] == "document"]
    assert findings and all(
        "not MNIST" in row["rule"]["why"] for row in findings if row["id"] != "curriculum.accuracy_at_start"
    )


def test_curriculum_deep_quick(tmp_path):
    assert curriculum.main(["--quick", "--quiet", "--deep", "--workers", "1", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "deep_layers_scatter.png").stat().st_size > 1000
    claims = check_claims(tmp_path, "curriculum")  # every row, the two per-layer ones among them, can differ
    assert claims["curriculum.deep_layers_smaller_gradients"]["kind"] == "beyond"
    assert claims["curriculum.typical_first"]["verdict"] == "not comparable"  # the document's figure is 784-8-10
    with np.load(tmp_path / "results.npz") as results:
        # layer 2 of run 0 drives the chunks; layers 2-4 are in the scatter
        assert results["run0_grad_norm"].shape == (
            13,
            5000,
        )
