"""Each optimizer's first three steps against document 002's formulas, written out by hand here."""

import numpy as np
import pytest

from minnet.optim import SGD, Adam, AdamW, GroupSGD, RMSprop, exponential, step_decay

W0 = np.array([0.5, -1.0, 2.0])
GRADS = [np.array([0.1, -0.2, 0.3]), np.array([-0.4, 0.1, 0.0]), np.array([0.2, 0.2, -0.5])]
LR, EPS = 0.1, 1e-8


def run(optimizer_class, **kwargs):
    w = W0.copy()
    opt = optimizer_class(w, lr=LR, **kwargs)
    trail = []
    for g in GRADS:
        opt.step(g)
        trail.append(w.copy())
    return trail


def check(trail, expected):
    for got, want in zip(trail, expected):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)  # same formula, other rounding order


def test_sgd_equation_3():
    w, expected = W0.copy(), []
    for g in GRADS:
        w = w - LR * g  # w := w - alpha g
        expected.append(w)
    check(run(SGD), expected)


def test_sgd_momentum():
    w, u, expected = W0.copy(), np.zeros(3), []
    for g in GRADS:
        u = 0.9 * u + g
        w = w - LR * u
        expected.append(w)
    check(run(SGD, momentum=0.9), expected)


@pytest.mark.parametrize("inside", [True, False])
def test_rmsprop_equations_4_5(inside):
    w, v, expected = W0.copy(), np.zeros(3), []
    for g in GRADS:
        v = 0.99 * v + 0.01 * g * g  # (4), beta2 = 0.99
        w = w - LR * g / (np.sqrt(v + EPS) if inside else np.sqrt(v) + EPS)  # (5) / library form
        expected.append(w)
    check(run(RMSprop, eps_inside_sqrt=inside), expected)


def adam_by_hand(decay=None):
    w, m, v, expected = W0.copy(), np.zeros(3), np.zeros(3), []
    for t, g in enumerate(GRADS, start=1):
        if decay == "document":
            w = w - 1e-2 * w  # w := w - lambda w
        elif decay == "scaled":
            w = w - LR * 1e-2 * w  # w := w - alpha lambda w
        m = 0.9 * m + 0.1 * g  # (6)
        v = 0.999 * v + 0.001 * g * g
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)  # (7)
        w = w - LR * m_hat / (np.sqrt(v_hat) + EPS)  # (8)
        expected.append(w)
    return expected


def test_adam_equations_6_to_8():
    check(run(Adam), adam_by_hand())


def test_first_adam_step_moves_every_weight_by_lr():
    # with bias correction, m_hat = g and v_hat = g^2 at t = 1, so the step is alpha sign(g)
    trail = run(Adam)
    np.testing.assert_allclose(W0 - trail[0], LR * np.sign(GRADS[0]), rtol=1e-6)


@pytest.mark.parametrize("decay", ["document", "scaled"])
def test_adamw_decay_then_adam(decay):
    check(run(AdamW, decay=decay), adam_by_hand(decay))


@pytest.mark.parametrize("make", [RMSprop, lambda w, lr: RMSprop(w, lr, eps_inside_sqrt=False), Adam])
def test_the_preconditioner_is_what_the_step_divides_by(make):
    """_update writes the divisor out as the document's equation; preconditioner() (which the preconditioned
    sharpness reads) computes it again: the same bits at every step."""
    w = W0.copy()
    opt = make(w, LR)
    for g in GRADS:
        before = w.copy()
        opt.step(g)
        numerator = g if isinstance(opt, RMSprop) else opt.m / (1.0 - opt.beta1**opt.t)  # g, or Adam's m_hat
        np.testing.assert_array_equal(w, before - LR * numerator / opt.preconditioner())


def test_state_dict_resumes_a_run():
    w = W0.copy()
    opt = Adam(w, lr=LR)
    opt.step(GRADS[0])
    state = opt.state_dict()
    resumed_w = w.copy()
    resumed = Adam(resumed_w, lr=LR)
    resumed.load_state_dict(state)
    for g in GRADS[1:]:
        opt.step(g)
        resumed.step(g)
    np.testing.assert_array_equal(w, resumed_w)


def test_step_returns_the_update_and_changes_params_in_place():
    w = W0.copy()
    update = SGD(w, lr=LR).step(GRADS[0])
    np.testing.assert_allclose(update, -LR * GRADS[0])
    np.testing.assert_allclose(w, W0 + update)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda w: SGD(w, lr=0), "lr must lie in .* got 0"),
        (lambda w: SGD(w, lr=-0.1), "got -0.1"),
        (lambda w: RMSprop(w, beta2=1.0), "beta2 .* got 1.0"),
        (lambda w: Adam(w, beta1=-0.1), "beta1 .* got -0.1"),
        (lambda w: Adam(w, eps=-1e-8), "eps .* got -1e-08"),
        (lambda w: AdamW(w, weight_decay=-1), "weight_decay .* got -1"),
        (lambda w: AdamW(w, decay="l2"), "'l2'"),
        (lambda w: SGD(w, lr=float("nan")), "got nan"),
        (lambda w: SGD(w.astype(np.float32)), "float64"),
    ],
)
def test_bad_hyperparameters_name_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make(W0.copy())


def test_wrong_gradient_shape():
    with pytest.raises(ValueError, match=r"grad must have shape \(3,\), got \(2,\)"):
        SGD(W0.copy()).step(np.zeros(2))


# ----- GroupSGD: parameter groups, coupled weight decay, schedules (Li & Arora 2020) -------------
def test_group_sgd_two_groups_by_hand():
    """Group {0, 2}: lr 0.1 x 1.5^t, weight decay 0.01; the default group {1}: lr 0.2, no decay."""
    w = W0.copy()
    opt = GroupSGD(w, lr=0.2, momentum=0.9, groups=[{"index": np.array([0, 2]), "lr": LR, "weight_decay": 0.01,
                                                     "schedule": exponential(1.5)}])  # fmt: skip
    expected, v, u = [], W0.copy(), np.zeros(3)
    for t, g in enumerate(GRADS):
        decay = np.array([0.01, 0.0, 0.01])
        u = 0.9 * u + g + decay * v  # u := gamma u + g + lambda_k w
        eta = np.array([LR * 1.5**t, 0.2, LR * 1.5**t])  # eta_k(t) = lr_k schedule_k(t)
        v = v - eta * u  # w := w - eta_k(t) u
        expected.append(v)
        opt.step(g)
        np.testing.assert_allclose(w, v, rtol=1e-13, atol=1e-14)
    assert opt.learning_rates() == [LR * 1.5**3, 0.2]


def test_group_sgd_without_groups_is_sgd_bit_for_bit():
    w, v = W0.copy(), W0.copy()
    grouped, plain = GroupSGD(w, lr=LR, momentum=0.9), SGD(v, lr=LR, momentum=0.9)
    for g in GRADS:
        grouped.step(g)
        plain.step(g)
        np.testing.assert_array_equal(w, v)


def test_coupled_weight_decay_is_the_gradient_of_the_l2_term():
    """One group, decay lambda: the same steps as GroupSGD without decay fed g + lambda w."""
    w, v = W0.copy(), W0.copy()
    decayed, fed = GroupSGD(w, lr=LR, momentum=0.5, weight_decay=0.1), GroupSGD(v, lr=LR, momentum=0.5)
    for g in GRADS:
        decayed.step(g)
        fed.step(g + 0.1 * v)
        np.testing.assert_allclose(w, v, rtol=1e-15)


def test_step_decay_schedule():
    schedule = step_decay([2, 4], 0.1)
    assert [schedule(t) for t in range(6)] == [1.0, 1.0, 0.1, 0.1, 0.1**2, 0.1**2]


@pytest.mark.parametrize(
    "groups, message",
    [
        ([{"lr": 0.1}], "must be a dict with an 'index'"),
        ([{"index": np.array([0]), "momentum": 0.9}], "unknown keys \\['momentum'\\]"),
        ([{"index": np.array([3])}], "distinct entries in \\[0, 3\\)"),
        ([{"index": np.array([0.5])}], "integer array"),
        ([{"index": np.array([0])}, {"index": np.array([0, 1])}], "groups\\[1\\] shares entries"),
        ([{"index": np.array([0]), "lr": -1.0}], "groups\\[0\\]: lr must lie in .* got -1.0"),
        ([{"index": np.array([0]), "weight_decay": -1.0}], "weight_decay must lie in .* got -1.0"),
        ([{"index": np.array([0]), "schedule": 2.0}], "schedule must be a function of the step, got 2.0"),
    ],
)
def test_group_sgd_bad_groups_name_the_value(groups, message):
    with pytest.raises(ValueError, match=message):
        GroupSGD(W0.copy(), groups=groups)


def test_a_schedule_giving_a_bad_rate_is_refused_at_its_step():
    opt = GroupSGD(W0.copy(), schedule=lambda t: 1.0 if t < 1 else float("inf"))
    opt.step(GRADS[0])
    with pytest.raises(ValueError, match="learning rate inf at step 1"):
        opt.step(GRADS[1])


def test_group_sgd_indexes_consecutive_entries_as_slices_with_the_same_bits():
    """A group of consecutive entries (exp_lr's hidden weights, and the rest) is updated through a slice, a view:
    the same bits as gathering and scattering its index array."""
    rng = np.random.default_rng(5)
    w0, groups = rng.normal(size=40), [{"index": np.arange(0, 25), "weight_decay": 0.1, "schedule": exponential(1.02)}]
    runs = []
    for gathered in (False, True):
        w = w0.copy()
        opt = GroupSGD(w, lr=0.1, momentum=0.9, groups=groups)
        assert [type(e) for e in opt.entries] == [slice, slice]
        if gathered:
            opt.entries = [group["index"] for group in opt.groups]
        runs.append([opt.step(g).copy() for g in np.random.default_rng(6).normal(size=(15, 40))] + [w])
    assert all(np.array_equal(a, b) for a, b in zip(*runs))
