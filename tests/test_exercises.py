"""python -m demos.exercises: minnet's own lines pass every exercise, a blank or a classic mistake fails at its stage,
nothing of the student's is overwritten, and the bug hunt's mistakes are all caught by minnet's fast tests."""

import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from demos import exercises as ex


def written(folder, name, edits=()):
    """folder/NAME.py as `start` writes it, with its blank filled by minnet's own lines (with `edits` [(old, new)] applied to them)."""
    ex.main(["start", name, "--dir", str(folder)])
    path = folder / f"{name}.py"
    lines = path.read_text().split("\n")
    k = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
    indent = re.match(r"\s*", lines[k]).group(0)
    solution = "\n".join(ex.solution_lines(name))
    for old, new in edits:
        assert solution.count(old) == 1, f"{old!r} is not once in {name}'s solution"
        solution = solution.replace(old, new)
    lines[k : k + 1] = [indent + line for line in solution.split("\n")]
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("name", list(ex.EXERCISES))
def test_minnets_own_lines_pass_every_stage(tmp_path, name, capsys):
    written(tmp_path, name)
    assert ex.main(["check", name, "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS") == 3 and "FAIL" not in out, out


@pytest.mark.parametrize("name", list(ex.EXERCISES))
def test_the_blank_fails_first_and_says_it_is_not_written(tmp_path, name, capsys):
    ex.main(["start", name, "--dir", str(tmp_path)])
    assert ex.main(["check", name, "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  shapes: not written yet (exercise {name}: write these lines)" in out


WRONG = [(name, k, w) for name, e in ex.EXERCISES.items() for k, w in enumerate(e.wrong)]  # each exercise's own


def test_every_exercise_declares_a_wrong_answer_and_the_issues_mistakes_are_named():
    """Each exercise declares at least one wrong answer; together they cover the mistakes students make most: a factor
    of N or 1/N, a transpose, a sign, a missing bias column, an off-by-one step count, self.params rebound."""
    assert all(e.wrong for e in ex.EXERCISES.values())
    named = {w.mistake for _, _, w in WRONG}
    assert {"factor_N", "factor_1_over_N", "transpose", "sign", "bias_column", "step_count", "rebinding"} <= named


@pytest.mark.parametrize("name, k, wrong", WRONG, ids=[f"{name}-{k}" for name, k, _ in WRONG])
def test_a_wrong_answer_fails_at_its_stage_and_names_the_mistake(tmp_path, name, k, wrong, capsys):
    """The wrong answer written into a student's file: the check stops at its stage, says what the declaration says,
    names the recognised mistake in the progress file, and `hint` shows that mistake's hint first."""
    written(tmp_path, name, wrong.edits)
    assert ex.main(["check", name, "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    fail = next(line for line in out.split("\n") if line.startswith("FAIL"))
    assert fail.startswith(f"FAIL  {wrong.stage}: ") and wrong.says in out, out
    if wrong.stage != "payoff":
        assert ex.equations_of(name).split("\n")[0] in out  # the message is tied to the equation
    row = ex.progress_of(str(tmp_path))[name]
    assert (row["state"], row["stage"], row["mistake"]) == ("failing", wrong.stage, wrong.mistake or ""), row
    ex.main(["hint", name, "--dir", str(tmp_path)])
    first = capsys.readouterr().out
    expected = ex.RECOGNISED[wrong.mistake].hint if wrong.mistake else ex.EXERCISES[name].hints[0]
    assert expected in first, first


def test_the_exponential_learning_rate_payoff_holds_the_studys_rule():
    """batchnorm_backward's payoff judges runs A and B by demos.exp_lr's own rule (the exercises import no study's
    demos module, so the rule is written twice and held equal here)."""
    from demos import exp_lr

    assert ex.EXP_LR_EQUIVALENT == exp_lr.EQUIVALENT


def test_start_never_overwrites_a_students_file(tmp_path):
    path = tmp_path / "adam.py"
    path.write_text("my work")
    with pytest.raises(SystemExit, match="already exists: it is yours"):
        ex.main(["start", "adam", "--dir", str(tmp_path)])
    assert path.read_text() == "my work"


def test_the_payoff_names_where_a_run_departs_from_minnets(tmp_path, capsys):
    """A mistake the earlier stages cannot see: lr 0.1 replaced by 0.1 + 1e-6 only after step 50 is still SGD's formula at
    the drawn steps, but document 000's run departs; the payoff says at which iteration."""
    written(
        tmp_path,
        "sgd_momentum",
        [
            (
                "self.params -= self.lr * self.velocity",
                "self.params -= (self.lr if self.t < 500 else self.lr * 1.001) * self.velocity",
            )
        ],
    )
    assert ex.main(["check", "sgd_momentum", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  payoff" in out and "your run departs from minnet's at iteration 500" in out, out


@pytest.mark.parametrize(
    "name, replace",
    [
        ("two_layer_output", ("sum_in_order(e[:, :, None] * H[:, None, :]) / N", "e.T @ H / N")),
        ("two_layer_hidden", ("sum_in_order(delta[:, :, None] * Xb[:, None, :]) / N", "delta.T @ Xb / N")),
        ("min_norm_readout", ("np.linalg.lstsq(F1, Y, rcond=None)[0]", "np.linalg.pinv(F1) @ Y")),
        ("batchnorm_backward", ("dmu += dvar * -2.0 * np.sum(centred, axis=axis, keepdims=True) / m\n", "")),
        (
            "batchnorm_backward",
            (
                "return dz_hat / std + dvar * 2.0 * centred / m + dmu / m",
                "return (dz_hat - dz_hat.mean(axis=axis, keepdims=True)"
                " - centred / std**2 * (dz_hat * centred).mean(axis=axis, keepdims=True)) / std",
            ),
        ),
    ],
)
def test_a_correct_solution_in_another_order_of_sums_passes(tmp_path, name, replace, capsys):
    """The textbook's e^T H and delta^T X through BLAS, whose last bits depend on the CPU, move document 000's
    storm by a few iterations: the payoff still passes (equal to minnet through the stable stretch, the document's
    order of events). The batch-normalisation backward pass without dmu's second term (it is 0: the deviations from
    the mean add up to 0), or in the compact form (dz_hat - mean(dz_hat) - z_hat mean(dz_hat z_hat)) / sqrt(var +
    eps), passes too."""
    written(tmp_path, name, [replace])
    assert ex.main(["check", name, "--dir", str(tmp_path)]) == 0, capsys.readouterr().out
    assert "PASS  payoff" in capsys.readouterr().out


def test_hints_come_one_at_a_time_and_the_solution_is_minnets(tmp_path, capsys):
    ex.main(["hint", "adam", "--dir", str(tmp_path)])
    ex.main(["hint", "adam", "--dir", str(tmp_path)])
    ex.main(["hint", "adam", "--dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "hint 1 of 2" in out and "hint 2 of 2" in out and "no more hints" in out
    ex.main(["solution", "adam"])
    assert "m_hat = self.m / (1.0 - self.beta1**self.t)" in capsys.readouterr().out


def test_minnets_files_are_untouched_by_a_check(tmp_path):
    before = {p: open(os.path.join(ex.ROOT, p)).read() for p in ("minnet/optim.py", "minnet/two_layer.py")}
    written(tmp_path, "adam", [("m_hat = self.m / (1.0 - self.beta1**self.t)", "m_hat = self.m")])
    ex.main(["check", "adam", "--dir", str(tmp_path)])
    from minnet.optim import Adam

    assert Adam._update is ex.original(ex.EXERCISES["adam"])  # minnet's own function is back in place
    assert before == {p: open(os.path.join(ex.ROOT, p)).read() for p in before}


def test_every_mistake_is_caught_by_the_checks_it_declares():
    """The bug hunt as minnet's mutation test, and its README table measured: each mistake, applied to a copy of
    minnet/, fails exactly the checks it declares (`caught`, at least one); a copy without a mistake passes them all
    (so "caught" means the mistake, not the copying)."""
    assert not ex.hunt_copy(None, [test for tests in ex.CHECKS.values() for test in tests])
    with ThreadPoolExecutor(2) as pool:
        measured = dict(zip(ex.MISTAKES, pool.map(ex.hunt, ex.MISTAKES)))
    caught = {name: tuple(check for check, found in verdicts.items() if found) for name, verdicts in measured.items()}
    assert caught == {name: m.caught for name, m in ex.MISTAKES.items()}
    assert all(caught.values())


def test_the_bug_hunt_lists_its_mistakes_and_shows_one(capsys):
    assert ex.main(["bughunt", "--list"]) == 0
    assert len(capsys.readouterr().out.strip().split("\n")) == len(ex.MISTAKES) >= 15
    assert ex.main(["bughunt", "learning_rate_twice"]) == 0
    out = capsys.readouterr().out
    assert "+ self.params -= self.lr * self.lr * grad / np.sqrt(self.v + self.eps)" in out
    assert "learning_rate_twice" in out and "caught" in out and "FAILED" in out and "test_optim.py" in out


def test_a_check_that_fails_with_no_mistake_is_reported_broken_not_caught(tmp_path, monkeypatch, capsys):
    """A check whose tests fail on this machine with or without the mistake: the bug hunt says so instead of calling
    the mistake caught, and exits nonzero (its table is incomplete). (A check whose test file is absent is refused
    before any work: tests/test_exercises_isolation.py.)"""
    failing = tmp_path / "test_fails_anyway.py"
    failing.write_text("def test_fails_anyway():\n    assert False\n")
    monkeypatch.setattr(ex, "CHECKS", {"formula tests": ["tests/test_optim.py"], "fails anyway": [str(failing)]})
    assert ex.main(["bughunt", "learning_rate_twice"]) == 1
    out = capsys.readouterr().out
    assert "fails anyway: broken check, it fails with no mistake applied" in out
    row = next(line for line in out.split("\n") if line.startswith("learning_rate_twice"))
    assert row.split()[1:] == ["caught", "broken", "check"], row


def test_a_numpy_number_has_the_shape_of_its_python_one():
    """np.degrees gives an np.float64 where math.degrees gives a float: a correct angle_degrees written with NumPy
    must not fail the shapes stage (it did: "returns a float64; minnet's code needs a float")."""
    import numpy as np

    assert ex.shapes_of(np.float64(3.0)) == ex.shapes_of(3.0) == "float"
    assert ex.shapes_of((np.int64(2), 1.0)) == ex.shapes_of((2, 1.0))
    assert ex.shapes_of(np.float64(3.0)) != ex.shapes_of(np.zeros(1))  # an array is still not a number
