"""Inputs that used to be accepted though wrong: each is now a ValueError or TypeError naming the argument and the value."""

import numpy as np
import pytest

from minnet import MLP, SGD, Adam, RMSprop, Trainable, TwoLayerNet, fit


@pytest.mark.parametrize("make", [lambda w: RMSprop(w, eps=0.0), lambda w: Adam(w, eps=0.0)])
def test_eps_zero_is_refused(make):
    with pytest.raises(ValueError, match=r"eps must lie in \(0.0, inf\), got 0.0"):
        make(np.zeros(3))


def test_a_negative_step_count_is_refused():
    opt = Adam(np.zeros(3))
    with pytest.raises(ValueError, match="must be an integer >= 0, got -1"):
        opt.load_state_dict({"t": -1, "m": np.zeros(3), "v": np.zeros(3)})


def test_empty_data_is_refused():
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"X has no rows: shape \(0, 2\)"):
        fit(net, np.zeros((0, 2)), np.zeros((0, 1)), SGD(net.params), 1)


@pytest.mark.parametrize("sizes", [[2, 2.7, 1], [2, True, 1], [2, "3", 1]])
def test_widths_must_be_whole_numbers(sizes):
    with pytest.raises(ValueError, match="sizes must be whole numbers"):
        MLP(sizes)


def test_trainable_indices_must_be_integers(rng):
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"indices must list integer parameter indices, got \[5.9, 6.9\]"):
        Trainable(net, [5.9, 6.9])


@pytest.mark.parametrize(
    "X",
    [
        np.zeros((2, 1), complex),
        np.array([["a"], ["b"]]),
        np.array([["2026-01-01"], ["2026-01-02"]], dtype="datetime64[D]"),
    ],
)
def test_non_numeric_arrays_are_refused(X):
    net = TwoLayerNet()
    with pytest.raises(TypeError, match="X must hold real numbers, got an array of dtype"):
        net.loss(X, np.zeros((2, 1)))


@pytest.mark.parametrize("epochs", [2.0, True, "3"])
def test_epochs_must_be_an_integer(epochs, rng):
    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        fit(net, rng.normal(size=(4, 2)), rng.normal(size=(4, 1)), SGD(net.params), epochs)


def test_a_learning_rate_must_be_a_number():
    with pytest.raises(TypeError, match="lr must be a real number, got str '0.1'"):
        SGD(np.zeros(2), lr="0.1")


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize(
    "sizes, c_shape, max_iter, message",
    [
        ([4, 5, 1], (3, 4), 5, "4 inputs and 2 outputs, got 4 and 1"),
        ([3, 5, 2], (3, 4), 5, "4 inputs and 2 outputs, got 3 and 2"),
        ([4, 5, 2], (3, 4), 0, "max_iter must be a positive integer, got 0"),
        ([4, 5, 2], (12,), 5, "must be 2-D arrays of one shape"),
    ],
)
def test_both_mandelbrot_backends_refuse_the_same_input(backend, sizes, c_shape, max_iter, message):
    from minnet.studies import mandelbrot as mb

    net = MLP(sizes, seed=0)
    with pytest.raises(ValueError, match=message):
        mb.escape_counts(np.zeros(c_shape), np.zeros(c_shape), max_iter, net=net, backend=backend)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_both_landscape_backends_refuse_empty_data(backend):
    from minnet.landscape import grid_two_params

    net = MLP([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="X has no rows"):
        grid_two_params(net, np.zeros((0, 2)), np.zeros((0, 1)), 0, 1, [0.0, 1.0], [0.0, 1.0], backend=backend)


@pytest.mark.parametrize("workers", [0, -1, 2.5, True, "2"])
def test_a_sweeps_workers_must_be_a_positive_integer(workers):
    from minnet.tools import sweep

    with pytest.raises(ValueError, match=f"workers must be a positive integer or None, got {workers!r}"):
        sweep.run(dict, [{"a": 1}], workers=workers, progress=False)


def test_a_sweep_starts_no_more_processes_than_it_has_tasks():
    """workers=10**11 ended in OverflowError (the pool's queue is bounded by a C int): now two tasks, two processes."""
    from minnet.tools import sweep

    assert sweep.run(dict, [{"a": 1}, {"a": 2}], workers=10**11, progress=False) == [{"a": 1}, {"a": 2}]
