"""Document 004's exponential learning rate (Li & Arora 2020): alpha, the tapered schedule, the equivalence on a
small network, and the study's --quick run."""

import json

import numpy as np
import pytest
from claims_check import check_claims

from demos import exp_lr
from minnet import MLP
from minnet.optim import step_decay
from minnet.studies import exp_lr as ex


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_alpha_is_the_larger_root(momentum):
    lr, decay = 0.1, 0.02
    alpha = ex.alpha_of(lr, decay, momentum)
    assert alpha**2 - (1 + momentum - lr * decay) * alpha + momentum == pytest.approx(0, abs=1e-15)
    assert momentum <= alpha < 1  # the other root is momentum / alpha <= alpha
    if momentum == 0:
        assert alpha == 1 - lr * decay


def test_alpha_without_a_real_root_is_refused():
    with pytest.raises(ValueError, match="no real root"):
        ex.alpha_of(1.0, 0.5, 0.9)


def test_tapered_exponential_is_the_exponential_until_the_first_drop():
    lr, decay, momentum = 0.1, 0.01, 0.9
    table = ex.tapered_exponential(lr, decay, momentum, drops=[5], factor=0.1, steps=8)
    alpha = ex.alpha_of(lr, decay, momentum)
    np.testing.assert_allclose(table[:5], alpha ** (-2.0 * np.arange(5) - 1), rtol=1e-14)
    alpha_2 = ex.alpha_of(lr * 0.1, decay, momentum)  # after the drop: eta_1 c_t^2 / alpha_1
    np.testing.assert_allclose(table[5:], 0.1 * alpha**-10 * alpha_2 ** (-2.0 * np.arange(3) - 1), rtol=1e-14)


def small_pair(normalised, momentum, steps=60, rng_seed=0):
    """Runs A and B on a 6-8-8-3 network and random data; the largest relative output difference."""
    rng = np.random.default_rng(rng_seed)
    X, y = rng.normal(size=(40, 6)), rng.integers(0, 3, 40)
    options = dict(normalise="batch", affine=False, norm_bias=False, norm_eps=0.0) if normalised else {}
    A = MLP([6, 8, 8, 3], activation="relu", loss="cross_entropy", seed=1, **options)
    B = A.copy()
    opt_A, opt_B = ex.optimizer_A(A, 0.1, 0.02, momentum), ex.optimizer_B(B, 0.1, 0.02, momentum)
    worst = 0.0
    for t in range(steps):
        rows = rng.permutation(40)[:10]
        for net, opt in ((A, opt_A), (B, opt_B)):
            opt.step(net.loss_and_grad(X[rows], y[rows])[1])
        worst = max(worst, ex.relative_difference(A.forward(X), B.forward(X)))
    w = ex.hidden_weights(A)
    ratio = np.linalg.norm(B.params[w]) / np.linalg.norm(A.params[w])
    return worst, ratio, ex.alpha_of(0.1, 0.02, momentum) ** -steps


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_the_equivalence_holds_with_normalisation_and_fails_without(momentum):
    worst, ratio, power = small_pair(True, momentum)
    assert worst < 1e-10
    assert ratio == pytest.approx(power, rel=1e-10) and power > 1.1
    assert small_pair(False, momentum)[0] > 1e-3


def test_b_from_rest_is_not_equivalent_with_momentum(monkeypatch):
    """The first momentum buffer matters: B started from rest drifts from A (the study's setting row)."""
    original = ex.optimizer_B

    def from_rest(*args, **kwargs):
        opt = original(*args, **kwargs)
        opt.velocity[:] = 0.0
        return opt

    monkeypatch.setattr(ex, "optimizer_B", from_rest)
    assert small_pair(True, 0.9)[0] > 1e-6


def test_the_hidden_weights_are_the_scale_invariant_group():
    net = ex.network(8, True, seed=0)
    np.testing.assert_array_equal(ex.hidden_weights(net), net.scale_invariant())


def test_step_decay_milestones():
    assert ex.milestones(12, 40) == [240, 360]
    assert step_decay(ex.milestones(12, 40), 0.1)(359) == pytest.approx(0.01 * 10)


def test_exp_lr_quick(tmp_path):
    assert exp_lr.main(["--quick", "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    rows = check_claims(tmp_path, "exp_lr")
    assert rows["exp_lr.equivalence"]["verdict"] == "reproduced"
    assert rows["exp_lr.norm_ratio"]["verdict"] == "reproduced"
    assert rows["exp_lr.control_drifts"]["verdict"] == "reproduced"
    assert rows["exp_lr.trains_as_well"]["verdict"] == "not comparable"  # 2 seeds say nothing of a 5-95% interval
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert len(summary["step"]["final_test_accuracy"]) == 2
    for name in ("exp_lr_equivalence.png", "exp_lr_schedules.png"):
        assert (tmp_path / name).stat().st_size > 1000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--lr", "1", "--weight-decay", "2"], "leaves no alpha"),
        (["--momentum", "1"], "--momentum"),
        (["--steps", "1"], "--steps"),
    ],
)
def test_bad_options_are_refused_before_any_work(argv, message, capsys):
    with pytest.raises(SystemExit):
        exp_lr.main(argv)
    assert message in capsys.readouterr().err
