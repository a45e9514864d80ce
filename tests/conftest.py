import os

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

matplotlib.use("Agg")
settings.register_profile("minnet", deadline=None, max_examples=int(os.environ.get("MINNET_EXAMPLES", "100")))
settings.load_profile("minnet")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
