import os

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

matplotlib.use("Agg")
# MINNET_DERANDOMIZE=1 (what .ci/run sets): the same drawn examples on every run, so that a landing is not decided by the draw;
# without it, each run explores new ones (and may find what the fixed draw misses).
settings.register_profile(
    "minnet",
    deadline=None,
    max_examples=int(os.environ.get("MINNET_EXAMPLES", "100")),
    derandomize=os.environ.get("MINNET_DERANDOMIZE") == "1",
)
settings.load_profile("minnet")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def figures_meet_the_standard(monkeypatch):
    """Every figure any test saves through minnet.tools.plots.save (every study's --quick figures among them)
    is checked against the figure standard before it is written, and its PNG as written: a test that
    saves a figure breaking it fails, naming the file and the problems."""
    from minnet.tools import plots

    save = plots.save

    def checked_save(fig, path, *args, **kwargs):
        problems = plots.figure_problems(fig)
        assert not problems, f"{os.path.basename(path)} breaks the figure standard: " + "; ".join(problems)
        saved = save(fig, path, *args, **kwargs)
        problems = plots.png_problems(saved) if str(saved).endswith(".png") else []
        assert not problems, f"{os.path.basename(path)} breaks the figure standard: " + "; ".join(problems)
        return saved

    monkeypatch.setattr(plots, "save", checked_save)
