"""complex_mult.train_task's curves: a loss read after training alone has the bits of the full curve's last value."""

import numpy as np
import pytest

from minnet.studies import complex_mult as cm


@pytest.mark.parametrize("activation", ["relu", "silu"])
def test_losses_taken_at_the_end_are_the_curves_last_values(activation):
    config = {"hidden": [6, 5], "activation": activation, "epochs": 4, "seed": 1, "data_seed": 2}
    full = cm.train_task(config)
    assert full["train_loss"].shape == full["test_loss"].shape == (5,)
    for curves in [(), ("test",), ("train",)]:
        run = cm.train_task(config | {"curves": curves})
        np.testing.assert_array_equal(run["params"], full["params"])  # the same training
        ends = {"train": [0, -1], "test": [-1]}  # a loss taken at the end alone: before and after, or after
        for part in cm.CURVES:
            expected = full[f"{part}_loss"] if part in curves else full[f"{part}_loss"][ends[part]]
            np.testing.assert_array_equal(run[f"{part}_loss"], expected)


@pytest.mark.parametrize("curves", ["test", ("test", "valid"), [None]])
def test_unknown_curves_are_refused_by_value(curves):
    with pytest.raises(ValueError, match="curves must be a collection of"):
        cm.train_task({"hidden": [3], "activation": "relu", "epochs": 1, "seed": 0, "curves": curves})
