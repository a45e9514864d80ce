"""The demo launcher and the gradient check a user can run."""

from demos import __main__ as launcher
from demos import gradcheck


def test_launcher_lists_studies(capsys):
    assert launcher.main([]) == 0
    assert "gradcheck" in capsys.readouterr().out


def test_gradcheck_demo_passes_for_mlp_and_two_layer(capsys):
    assert gradcheck.main(["--sizes", "2", "5", "3", "1", "--activation", "tanh", "--loss", "mse"]) == 0
    out = capsys.readouterr().out
    assert "W3" in out and "PASS" in out
    assert launcher.main(["gradcheck", "--two-layer", "--sizes", "1", "1"]) == 0
    assert "U " in capsys.readouterr().out
