"""The figure standard's checker (minnet.tools.plots.figure_problems) finds what it names; conftest.py runs it
on every figure the tests save, so every study's --quick figures are held to it."""

import matplotlib.pyplot as plt
import numpy as np

from minnet.tools import plots


def labelled(ax):
    ax.plot([1, 2, 3], [1, 4, 9])
    ax.set(xlabel="epoch", ylabel="loss", title="a panel")


def test_a_figure_that_meets_the_standard_has_no_problems():
    fig, axes = plt.subplots(2, 2, figsize=(10, 8), constrained_layout=True)
    for ax in axes.flat:
        labelled(ax)
    assert plots.figure_problems(fig) == []
    plt.close(fig)


def test_a_strip_is_too_wide():
    fig, axes = plt.subplots(1, 6, figsize=(30, 4.5))
    for ax in axes:
        labelled(ax)
    assert any("wider than 2.5:1" in p for p in plots.figure_problems(fig))
    plt.close(fig)


def test_an_unlabelled_axis_is_found_unless_a_neighbour_labels_it():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set_xlabel("iteration")
    assert any("without a label" in p for p in plots.figure_problems(fig))
    plt.close(fig)
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True)
    for ax in (top, bottom):
        ax.plot([1, 2], [3, 4])
        ax.set_ylabel("loss")
    bottom.set_xlabel("iteration")
    top.label_outer()  # its tick labels hidden: the shared axis below names it
    assert plots.figure_problems(fig) == []
    plt.close(fig)


def test_an_image_needs_a_colour_bar_or_labels():
    fig, ax = plt.subplots()
    image = ax.imshow(np.arange(16.0).reshape(4, 4))
    assert any("without a label" in p for p in plots.figure_problems(fig))
    fig.colorbar(image, ax=ax, label="value")
    assert plots.figure_problems(fig) == []
    plt.close(fig)


def test_small_and_overlapping_text_is_found():
    fig, ax = plt.subplots()
    labelled(ax)
    ax.text(1.5, 5, "tiny", fontsize=6)
    ax.text(2.0, 5, "covered by the next text", fontsize=10)
    ax.text(2.0, 5, "on top of it", fontsize=10)
    problems = plots.figure_problems(fig)
    assert any("'tiny'" in p and "6 pt" in p for p in problems)
    assert any("overlaps" in p and "covered by the next text" in p for p in problems)
    plt.close(fig)


def test_a_log_axis_at_the_smallest_float_is_found():
    fig, ax = plt.subplots()
    ax.semilogy([0, 1, 2], [1e-315, 1e-3, 1.0])
    ax.set(xlabel="step", ylabel="gradient norm")
    assert any("log y axis down to" in p for p in plots.figure_problems(fig))
    plt.close(fig)


def test_layer_curves_names_exact_zeros_instead_of_drawing_them():
    norms = np.array([[0.0, 1.0], [0.0, 0.5], [0.0, 0.25]])
    fig, ax = plt.subplots()
    plots.layer_curves(ax, norms, plots.positive_range([norms]), "a panel")
    ax.set(xlabel="step", ylabel="gradient norm")
    assert any("exactly 0" in text.get_text() and "layer 1" in text.get_text() for text in ax.texts)
    assert plots.figure_problems(fig) == []
    assert min(ax.get_ylim()) >= 0.1
    plt.close(fig)


def test_smoothed_draws_the_moving_average_over_the_raw_values():
    fig, ax = plt.subplots()
    values = np.array([0.0, 10.0, 0.0, 10.0, 0.0, 10.0])
    plots.smoothed(ax, values, window=2, color="k")
    raw, average = ax.lines
    np.testing.assert_array_equal(raw.get_ydata(), values)
    assert np.ptp(average.get_ydata()[1:-1]) < np.ptp(values)
    plt.close(fig)


def test_spans():
    assert plots.spans([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
