"""The sharpness measured after a compiled run, from its weights (minnet.studies.dynamics.sharpness_along),
against SharpnessRecorder inside `fit`: the same numbers, so figure 3's runs may train on the compiled loop."""

import numpy as np
import pytest

from minnet.studies.dynamics import train_doc000


@pytest.mark.parametrize(
    ("f", "h", "lr", "epochs", "every"),
    [("f1", 3, 1.0, 40, 1), ("f1", 2, 0.4, 60, 7), ("f2", 8, 50.0, 100, 3)],  # the last one diverges
)
def test_the_sharpness_after_a_compiled_run_is_fits(f, h, lr, epochs, every):
    runs = [
        train_doc000(f, h, lr, epochs, loop=loop, sharpness_every=every)[1]
        for loop in ("vectorised", "example_by_example")
    ]
    assert runs[0].diverged_at == runs[1].diverged_at
    for key in ("sharpness", "sharpness_iteration", "train_loss", "params"):
        np.testing.assert_array_equal(runs[0][key], runs[1][key], err_msg=key)
    assert runs[1]["sharpness_iteration"][0] == 0 and np.all(np.diff(runs[1]["sharpness_iteration"]) == every)
