"""Three backpropagations: bit-identical gradients, and counts that match the formulas."""

import json

import numpy as np
import pytest
from claims_check import check_claims
from hypothesis import given
from hypothesis import strategies as st

from demos import checkpointing
from minnet import MLP, TwoLayerNet
from minnet.activations import ACTIVATIONS
from minnet.studies.checkpoint import STRATEGIES, backprop


@given(
    L=st.integers(1, 12),
    width=st.integers(1, 5),
    k=st.integers(1, 5),
    activation=st.sampled_from(ACTIVATIONS),
    seed=st.integers(0, 2**31),
)
def test_all_strategies_give_the_same_bits_as_loss_and_grad(L, width, k, activation, seed):
    rng = np.random.default_rng(seed)
    net = MLP([3] + [width] * (L - 1) + [2], activation=activation, loss="cross_entropy", seed=seed)
    X, Y = rng.normal(size=(6, 3)), rng.integers(0, 2, 6)
    with np.errstate(all="ignore"):  # ten square layers overflow: the strategies must then agree on the nan too
        loss, grad = net.loss_and_grad(X, Y)
    for strategy in STRATEGIES:
        with np.errstate(all="ignore"):
            l, g, tape = backprop(net, X, Y, strategy, k)
        assert np.array_equal([l, *g], [loss, *grad], equal_nan=True), strategy
        assert tape.floats == 0  # everything kept was released by the end


@pytest.mark.parametrize("L", [1, 2, 3, 4, 7, 9, 16])
def test_counts_match_the_formulas(L):
    width, N = 4, 5
    net = MLP([width] * (L + 1), activation="tanh", seed=0)
    X, Y = np.ones((N, width)), np.zeros((N, width))
    layer = 2 * N * width
    k = max(1, round(np.sqrt(L)))
    _, _, vanilla = backprop(net, X, Y, "vanilla")
    _, _, poor = backprop(net, X, Y, "memory_poor")
    _, _, ck = backprop(net, X, Y, "checkpoint", k)
    assert vanilla.evaluations == L and vanilla.peak_floats == L * layer
    assert poor.evaluations == L + L * (L - 1) // 2 and poor.peak_floats == layer
    assert ck.evaluations == L + (L - 1) - (L - 1) // k
    assert ck.peak_floats <= (L // k + k) * layer


def test_bad_arguments():
    net = MLP([2, 2], seed=0)
    with pytest.raises(ValueError, match="'lazy'"):
        backprop(net, np.zeros((1, 2)), np.zeros((1, 2)), "lazy")
    with pytest.raises(ValueError, match="got 0"):
        backprop(net, np.zeros((1, 2)), np.zeros((1, 2)), "checkpoint", k=0)
    with pytest.raises(ValueError, match="TwoLayerNet"):
        backprop(TwoLayerNet(), np.zeros((1, 1)), np.zeros((1, 1)))


def test_checkpointing_demo(tmp_path, capsys):
    assert checkpointing.main(["--quick", "--out", str(tmp_path)]) == 0
    check_claims(tmp_path, "checkpointing")
    assert (tmp_path / "checkpointing.png").stat().st_size > 1000
    summary = json.loads((tmp_path / "summary.json").read_text())
    results = summary["depths"]
    assert (
        [r["L"] for r in results] == [4, 8, 16]
        and all(r["bit_identical"] for r in results)
        and summary["bit_identical"]
    )
    assert "bit-identical across the three strategies at every depth: True" in capsys.readouterr().out


def test_a_normalised_network_is_refused_not_silently_wrong():
    from minnet.studies.checkpoint import backprop

    net = MLP([3, 4, 4, 2], normalise="batch", seed=0)
    with pytest.raises(ValueError, match="batch-normalised"):
        backprop(net, np.ones((5, 3)), np.ones((5, 2)))


def test_minnet_load_counts_a_normalised_networks_parameters(tmp_path):
    import minnet

    net = MLP([3, 4, 4, 2], normalise="batch", affine=False, seed=0)
    net.save(tmp_path / "net.json")
    again = minnet.load(tmp_path / "net.json")
    assert np.array_equal(again.params, net.params)
