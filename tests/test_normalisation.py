"""Batch and layer normalisation in MLP: both backward passes against finite differences, scale
invariance, population statistics, and the refusals of what batch coupling rules out."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from minnet import MLP, hessian, normalisation
from minnet.gradcheck import check_gradient
from minnet.mlp import parameter_count
from minnet.per_example import gradient_stats, layer_grads

TOLERANCE = 1e-6


@st.composite
def normalised_cases(draw, kinds=normalisation.KINDS, eps=None):
    """A random MLP with 1-3 normalised hidden layers (widths 2-6), a batch of 4-8 and targets."""
    kind = draw(st.sampled_from(kinds))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    hidden = draw(st.lists(st.integers(2, 6), min_size=1, max_size=3))
    activation = draw(st.sampled_from(["tanh", "sigmoid", "relu", "silu", "identity"]))
    loss = draw(st.sampled_from(["mse", "half_mse", "cross_entropy"]))
    affine, norm_bias = draw(st.booleans()), draw(st.booleans())
    seed, batch = draw(st.integers(0, 2**32 - 1)), draw(st.integers(4, 8))
    norm_eps = draw(st.sampled_from([0.0, 1e-5, 0.1])) if eps is None else eps
    rng = np.random.default_rng(seed)
    net = MLP([n_in, *hidden, n_out], activation=activation, loss=loss, seed=seed, normalise=kind,
              affine=affine, norm_bias=norm_bias, norm_eps=norm_eps)  # fmt: skip
    if affine:  # gamma, beta away from 1 and 0, so that their gradients are tested
        for l in net.gamma:
            net.gamma[l][:] = rng.uniform(0.5, 2.0, net.gamma[l].size)
            net.beta[l][:] = rng.normal(0.0, 0.5, net.beta[l].size)
    X = rng.normal(size=(batch, n_in))
    Y = rng.integers(0, n_out, batch) if loss == "cross_entropy" else rng.normal(size=(batch, n_out))
    return net, X, Y


def off_kinks(net, X, margin=0.1):
    """Every relu input at least `margin` from 0: the normalisation multiplies a weight's step by
    gamma / sqrt(var), so the shared 1e-2 margin (tests/strategies.py) is too close to the kink."""
    if net.hidden_activations[0] != "relu":
        return True
    (z, _), _ = net.forward_pass(net.check_X(X))
    return all(np.min(np.abs(z[l])) > margin for l in range(1, net.L))


STEP = 1e-4  # the five-point step: a normalisation amplifies a weight's step by gamma / sqrt(var), so the rule's
# h^4 term is larger than in a dense net; at h = 1e-3 a drawn case missed by 1.005e-6 (the same draw passes at 1e-4)


def gradient_error(net, X, Y):
    """The largest relative error of net's gradient against five-point differences (minnet.gradcheck,
    its floor 1e-5 max(1, |L|), every block W, b, gamma, beta)."""
    return max(check_gradient(net, X, Y, h=STEP).values())


def well_spread(net, X):
    """Every normalised unit's variance away from 0: var > 0.1 keeps the five-point difference's
    step (STEP) small beside the spread of z (at var = 0 with eps 0, z_hat is undefined)."""
    with np.errstate(all="ignore"):  # a unit constant over the batch divides 0 by 0 (var = 0, eps 0)
        _, _, norm = net.layers_forward(net.check_X(X))
    return all(np.min(cache.var) > 0.1 for cache in norm if cache is not None)


# a relu network often has an input near a kink or a unit of small variance: many draws are skipped
SKIPS_MANY = settings(suppress_health_check=[HealthCheck.filter_too_much])


@SKIPS_MANY
@given(normalised_cases())
def test_normalised_gradient_matches_finite_differences(case):
    net, X, Y = case
    assume(well_spread(net, X) and off_kinks(net, X))
    assert gradient_error(net, X, Y) < TOLERANCE


@SKIPS_MANY
@given(normalised_cases(kinds=("batch",)))
def test_population_statistics_gradient_matches_finite_differences(case):
    net, X, Y = case
    assume(well_spread(net, X))
    net.set_statistics("population", np.vstack([X, 2 * X + 1]))
    assume(off_kinks(net, X))
    assert gradient_error(net, X, Y) < TOLERANCE


def test_the_backward_pass_line_by_line_against_a_finite_difference(rng):
    """normalisation.backward alone: d(sum r * z_hat)/dz for a random r, both axes."""
    z, r = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    for kind in normalisation.KINDS:
        dz = normalisation.backward(r, normalisation.forward(z, kind, 1e-3)[1])
        numeric = np.zeros_like(z)
        for index in np.ndindex(*z.shape):
            for sign in (1, -1):
                moved = z.copy()
                moved[index] += sign * 1e-6
                numeric[index] += sign * np.sum(r * normalisation.forward(moved, kind, 1e-3)[0]) / 2e-6
        np.testing.assert_allclose(dz, numeric, rtol=1e-6, atol=1e-8)


def test_a_wrong_normalisation_backward_fails_the_checker(rng, monkeypatch):
    """Drop the path through the mean (dmu): the checker must see it."""
    net = MLP([3, 4, 2], normalise="batch", norm_eps=0.0, seed=0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))

    def without_mean(dz_hat, cache):
        return dz_hat / cache.std

    monkeypatch.setattr(normalisation, "backward", without_mean)
    assert gradient_error(net, X, Y) > 1e-2


@given(normalised_cases(eps=0.0), st.floats(0.1, 10.0))
def test_scale_invariance_with_eps_zero(case, c):
    """L(c w) = L(w), grad L(c w) = grad L(w) / c, <w, grad L(w)> = 0 on the normalised layers."""
    net, X, Y = case
    assume(well_spread(net, X))
    group = net.scale_invariant()
    loss, grad = net.loss_and_grad(X, Y)
    w = net.params.copy()
    net.params[group] *= c
    scaled_loss, scaled_grad = net.loss_and_grad(X, Y)
    assert scaled_loss == pytest.approx(loss, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(scaled_grad[group] * c, grad[group], rtol=1e-7, atol=1e-10)
    others = np.setdiff1d(np.arange(net.n_params), group)
    np.testing.assert_allclose(scaled_grad[others], grad[others], rtol=1e-7, atol=1e-10)
    assert abs(w[group] @ grad[group]) <= 1e-10 * np.linalg.norm(w[group]) * max(1.0, np.linalg.norm(grad))


def test_scale_invariance_with_eps_holds_to_order_eps_over_var(rng):
    """With eps 1e-5 and unit variances, L(2 w) - L(w) is of order 1e-5 relative, not 0."""
    net = MLP([4, 8, 3], normalise="batch", seed=1)
    X, Y = rng.normal(size=(16, 4)), rng.normal(size=(16, 3))
    loss = net.loss(X, Y)
    net.params[net.scale_invariant()] *= 2.0
    change = abs(net.loss(X, Y) - loss) / loss
    assert 1e-9 < change < 1e-4


def test_the_scale_invariant_group_is_the_normalised_layers_weights():
    net = MLP([3, 4, 5, 2], normalise="batch", norm_bias=False, affine=True, seed=0)
    group = net.scale_invariant()
    assert group.size == net.W[1].size + net.W[2].size
    np.testing.assert_array_equal(net.params[group], np.concatenate([net.W[1].ravel(), net.W[2].ravel()]))
    assert net.n_params == 12 + 8 + 20 + 10 + 10 + 2  # W1, gamma1 beta1, W2, gamma2 beta2, W3 b3


def test_population_statistics_are_the_whole_sets_batch_statistics(rng):
    """Outputs with population statistics over X equal the outputs of one batch of all of X, and each
    example's output no longer depends on its batch."""
    net = MLP([3, 6, 5, 2], normalise="batch", activation="relu", seed=2)
    X = rng.normal(size=(20, 3))
    whole_batch = net.forward(X)
    net.set_statistics("population", X)
    np.testing.assert_allclose(net.forward(X), whole_batch, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.forward(X[:3]), whole_batch[:3], rtol=1e-12, atol=1e-14)
    net.set_statistics("batch")
    assert not np.allclose(net.forward(X[:3]), whole_batch[:3])


def test_layer_norm_keeps_examples_apart(rng):
    net = MLP([3, 5, 2], normalise="layer", seed=3)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    np.testing.assert_allclose(net.forward(X[:2]), net.forward(X)[:2], rtol=1e-13)
    per_example = net.per_example_grads(X, Y)
    np.testing.assert_allclose(per_example.mean(axis=0), net.loss_and_grad(X, Y)[1], rtol=1e-10, atol=1e-14)


def test_normalisation_off_is_the_plain_mlp(rng):
    plain, explicit = MLP([3, 4, 2], seed=5), MLP([3, 4, 2], seed=5, normalise=None)
    np.testing.assert_array_equal(plain.params, explicit.params)
    assert "normalise" not in plain.config


def test_copy_keeps_the_normalisation(rng):
    net = MLP([3, 4, 2], normalise="batch", affine=False, norm_bias=False, norm_eps=0.0, seed=0)
    X = rng.normal(size=(5, 3))
    np.testing.assert_array_equal(net.copy().forward(X), net.forward(X))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"normalise": "group"}, "normalise must be None, 'batch' or 'layer', got 'group'"),
        ({"affine": False}, "apply with normalise"),
        ({"normalise": "batch", "norm_eps": -1.0}, "norm_eps .* got -1.0"),
    ],
)
def test_bad_normalisation_options_name_the_value(options, message):
    with pytest.raises(ValueError, match=message):
        MLP([3, 4, 2], **options)


def test_normalise_needs_a_hidden_layer():
    with pytest.raises(ValueError, match="sizes has none"):
        MLP([3, 2], normalise="batch")


def test_set_statistics_refuses_what_it_cannot_do(rng):
    with pytest.raises(ValueError, match="for batch normalisation"):
        MLP([3, 4, 2], normalise="layer").set_statistics("population", rng.normal(size=(4, 3)))
    with pytest.raises(ValueError, match="kind must be 'batch' or 'population', got 'running'"):
        MLP([3, 4, 2], normalise="batch").set_statistics("running")


@pytest.mark.parametrize(
    "analysis",
    [
        lambda net, X, Y: gradient_stats(net, X, Y, backend="numpy"),
        lambda net, X, Y: gradient_stats(net, X, Y, backend="numba"),
        lambda net, X, Y: layer_grads(net, X, Y, 1),
        lambda net, X, Y: net.per_example_grads(X, Y),
        lambda net, X, Y: hessian.hvp(net, X, Y, np.ones(net.n_params)),
        lambda net, X, Y: hessian.top_eigenvalues(net, X, Y),
    ],
)
def test_batch_coupling_refuses_per_example_and_hessian_tools(analysis, rng):
    net = MLP([3, 4, 2], normalise="batch", seed=0)
    with pytest.raises(ValueError, match="depends on the whole batch"):
        analysis(net, rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))


def test_layer_norm_refuses_the_dense_layer_tools(rng):
    net = MLP([3, 4, 2], normalise="layer", seed=0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    for analysis in (gradient_stats, lambda *a: hessian.hvp(*a, np.ones(net.n_params))):
        with pytest.raises(ValueError, match="reads the network as dense layers"):
            analysis(net, X, Y)


@pytest.mark.parametrize("options", [{}, {"normalise": "batch"}, {"normalise": "layer", "affine": False},
                                     {"normalise": "batch", "norm_bias": False}])  # fmt: skip
def test_parameter_count_from_the_config_alone(options):
    """minnet.mlp.parameter_count reads a saved config without building the network (for minnet.load)."""
    net = MLP([5, 4, 3, 2], **options)
    assert parameter_count(**net.config) == net.n_params


@pytest.mark.parametrize("options", [{}, {"normalise": "batch"}, {"normalise": "batch", "affine": False,
                                     "norm_bias": False}, {"normalise": "layer", "norm_bias": False}])  # fmt: skip
def test_the_gradient_checks_blocks_tile_a_normalised_networks_parameters(options):
    """minnet.gradcheck names every block (W, b, gamma, beta) and the blocks cover params once, in order."""
    from minnet.gradcheck import blocks

    net = MLP([3, 4, 5, 2], activation="tanh", seed=0, **options)
    named = blocks(net)
    assert [part.start for _, part in named[1:]] == [part.stop for _, part in named[:-1]]
    assert named[0][1].start == 0 and named[-1][1].stop == net.params.size
    assert ("gamma1" in dict(named)) == (options.get("affine", True) and "normalise" in options)


def test_the_population_pass_returns_xs_outputs_bit_for_bit(rng):
    """set_statistics("population", X) returns z_L of its pass over X: the bits of X's forward pass under the
    statistics it sets, so its loss is net.loss(X, Y) (exp_lr's evaluation takes it from there)."""
    net = MLP([3, 6, 5, 4], normalise="batch", affine=False, norm_bias=False, norm_eps=0.0, activation="relu",
              loss="cross_entropy", seed=3)  # fmt: skip
    X, labels = rng.normal(size=(30, 3)), rng.integers(0, 4, 30)
    z_L = net.set_statistics("population", X)
    np.testing.assert_array_equal(net.forward_pass(X)[1], z_L)
    _, per_example = net.outputs_and_losses_at(z_L, net.check_Y(labels, 30))
    np.testing.assert_array_equal(per_example, net.per_example_loss(X, labels))
    assert net.set_statistics("batch") is None
