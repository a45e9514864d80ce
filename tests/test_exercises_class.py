"""python -m demos.exercises for a class: each exercise's state in a plain file of the student's folder (status,
check --all), the mystery bug hunt (one unnamed mistake in a copy, hot or cold guesses), a teacher's --no-solutions,
and the README's tables rendered from the exercises' and the mistakes' own declarations."""

import json
import os
import re

import numpy as np
import pytest
from test_exercises import written

from demos import exercises as ex


def test_status_tells_each_exercise_not_started_started_failing_passed(tmp_path, capsys):
    written(tmp_path, "adam")
    written(tmp_path, "sgd_momentum", [("self.params -= self.lr", "self.params += self.lr")])
    ex.main(["start", "rmsprop", "--dir", str(tmp_path)])
    assert ex.main(["check", "adam", "--dir", str(tmp_path)]) == 0
    assert ex.main(["check", "sgd_momentum", "--dir", str(tmp_path)]) == 1
    capsys.readouterr()
    assert ex.main(["status", "--dir", str(tmp_path)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.split("\n")[1:] if line.strip()}
    assert re.match(r"adam +passed +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", rows["adam"]), rows["adam"]
    assert "failing" in rows["sgd_momentum"] and "formula: at step t = 2: your step" in rows["sgd_momentum"]
    assert re.match(r"rmsprop +started +not checked yet$", rows["rmsprop"]), rows["rmsprop"]
    assert re.match(r"two_layer_output +not started$", rows["two_layer_output"]), rows["two_layer_output"]
    text = (tmp_path / ex.PROGRESS).read_text()  # the plain file a teacher collects
    assert text.startswith(ex.PROGRESS_HEADER) and len(text.strip().split("\n")) == 4
    assert "\tfailing\t" in text and "\tformula\tsign\t" in text and "\tpassed\t" in text


def test_check_all_checks_every_started_exercise_and_fails_if_one_does(tmp_path, capsys):
    written(tmp_path, "adam")
    written(tmp_path, "rmsprop", [("self.lr * grad / np.sqrt", "self.lr * self.lr * grad / np.sqrt")])
    assert ex.main(["check", "--all", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "== adam" in out and "== rmsprop" in out and "== sgd_momentum" not in out
    assert "is the learning rate (self.lr) applied twice?" in out and f"1 of {len(ex.EXERCISES)} passed" in out


def test_check_takes_a_name_or_all(tmp_path, capsys):
    for argv in (["check", "--dir", str(tmp_path)], ["check", "adam", "--all", "--dir", str(tmp_path)]):
        with pytest.raises(SystemExit):
            ex.main(argv)
        assert "give an exercise's name or --all" in capsys.readouterr().err


def test_a_progress_file_minnet_did_not_write_is_left_alone(tmp_path):
    written(tmp_path, "adam")
    (tmp_path / ex.PROGRESS).write_text("my notes")
    with pytest.raises(SystemExit, match="is not the progress file minnet writes"):
        ex.main(["check", "adam", "--dir", str(tmp_path)])
    assert (tmp_path / ex.PROGRESS).read_text() == "my notes"


def test_a_rebound_params_is_named_and_its_hint_comes_first(tmp_path, capsys):
    written(
        tmp_path,
        "sgd_momentum",
        [("self.params -= self.lr * self.velocity", "self.params = self.params - 0.1 * self.velocity")],
    )
    assert ex.main(["check", "sgd_momentum", "--dir", str(tmp_path)]) == 1
    assert "self.params = ... makes a new array" in capsys.readouterr().out
    ex.main(["hint", "sgd_momentum", "--dir", str(tmp_path)])
    ex.main(["hint", "sgd_momentum", "--dir", str(tmp_path)])
    out = capsys.readouterr().out.split("\n")
    assert out[0].startswith("hint for the mistake your last check found (rebinding): self.params is the network's")
    assert out[1].startswith("hint 1 of 2: Update the arrays in place")


def test_the_student_file_says_where_the_learning_rate_is_and_that_params_change_in_place(tmp_path):
    for name in ("sgd_momentum", "rmsprop", "adam"):
        ex.main(["start", name, "--dir", str(tmp_path)])
        text = (tmp_path / f"{name}.py").read_text()
        assert "alpha = self.lr" in text and "self.params, in place" in text, name


# ----- the mystery -------------------------------------------------------------------------------------------
def seed_of(mistake):
    """A seed whose mystery is `mistake`."""
    names = list(ex.MISTAKES)
    return next(s for s in range(10_000) if names[int(np.random.default_rng(s).integers(len(names)))] == mistake)


@pytest.fixture
def optim_checks(monkeypatch):
    """The mystery's tests cut to the optimizers' (a mistake in minnet/optim.py fails them): a quick hunt."""
    monkeypatch.setattr(ex, "CHECKS", {"formula tests": ["tests/test_optim.py"]})


def test_a_mystery_is_unnamed_says_which_tests_fail_and_a_guess_is_hot_or_cold(tmp_path, capsys, optim_checks):
    seed = seed_of("learning_rate_twice")
    assert ex.main(["bughunt", "--mystery", "--seed", str(seed), "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "learning_rate_twice" not in out and "lr * self.lr" not in out
    assert "formula tests: fails" in out and "FAILED" in out and "test_optim.py" in out
    copy = tmp_path / ex.MYSTERY / "minnet" / "optim.py"
    line = next(k for k, text in enumerate(copy.read_text().split("\n"), 1) if "self.lr * self.lr" in text)
    assert ex.main(["bughunt", "--guess", f"minnet/optim.py:{line + 1}", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().out.startswith(f"cold: not line {line + 1} of minnet/optim.py (but the mistake is in")
    assert ex.main(["bughunt", "--guess", "minnet/mlp.py:10", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().out == "cold: not line 10 of minnet/mlp.py\n"
    assert ex.main(["bughunt", "--guess", f"{copy}:{line}", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"hot: line {line} of minnet/optim.py is the mistake (found in 3 guesses)")
    assert "it was learning_rate_twice" in out and "+ self.params -= self.lr * self.lr" in out


def test_no_solutions_withholds_the_solution_the_diffs_and_the_mysterys_name(tmp_path, capsys, optim_checks):
    assert ex.main(["teach", "--no-solutions", "--dir", str(tmp_path)]) == 0
    with pytest.raises(SystemExit, match="solutions are withheld in this class"):
        ex.main(["solution", "adam", "--dir", str(tmp_path)])
    for argv in (["bughunt", "--list"], ["bughunt", "sign_flip"]):
        with pytest.raises(SystemExit, match="withheld in this class"):
            ex.main([*argv, "--dir", str(tmp_path)])
    assert (
        ex.main(["bughunt", "--mystery", "--seed", str(seed_of("eps_outside_the_root")), "--dir", str(tmp_path)]) == 0
    )
    record = json.loads((tmp_path / ex.MYSTERY / "record.json").read_text())
    assert record["mistake"] is None and record["seed"] is None
    assert "eps_outside_the_root" not in (tmp_path / ex.MYSTERY / "record.json").read_text()
    path, line = ex.changed_lines("eps_outside_the_root", str(tmp_path / ex.MYSTERY))[0]
    capsys.readouterr()
    assert ex.main(["bughunt", "--guess", f"{path}:{line}", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("hot:") and "it was" not in out and "eps_outside_the_root" not in out


def test_a_guess_is_refused_without_a_mystery_or_with_a_bad_place(tmp_path, optim_checks):
    with pytest.raises(SystemExit, match="no mystery in"):
        ex.main(["bughunt", "--guess", "minnet/optim.py:3", "--dir", str(tmp_path)])
    ex.main(["bughunt", "--mystery", "--seed", "0", "--dir", str(tmp_path)])
    with pytest.raises(SystemExit, match="argument --guess: must be minnet/FILE.py:LINE, got 'optim.py'"):
        ex.main(["bughunt", "--guess", "optim.py", "--dir", str(tmp_path)])


def test_every_mistake_has_a_line_to_guess():
    """Each mistake, applied to a copy, changes lines a student can point at, in the file it names."""
    import tempfile

    for name, m in ex.MISTAKES.items():
        with tempfile.TemporaryDirectory() as folder:
            ex.mistaken_copy(name, folder)
            lines = ex.changed_lines(name, folder)
            assert lines and {path for path, _ in lines} == {m.path}, name


# ----- the README's tables from the declarations ---------------------------------------------------------------
def readme_table(header):
    """The table in README.md that starts with the line `header`."""
    lines = open(os.path.join(ex.ROOT, "README.md")).read().split("\n")
    if header not in lines:
        return ""
    start = lines.index(header)
    end = next((k for k in range(start, len(lines)) if not lines[k].startswith("|")), len(lines))
    return "\n".join(lines[start:end])


@pytest.mark.parametrize("render", [ex.exercise_table, ex.bughunt_table], ids=["exercises", "bug hunt"])
def test_the_readmes_tables_are_rendered_from_the_declarations(render, capsys):
    """README.md's exercise and bug-hunt tables are python -m demos.exercises table's, pasted."""
    table = render()
    assert readme_table(table.split("\n")[0]) == table, "paste python -m demos.exercises table's output into README.md"
    ex.main(["table"])
    assert table in capsys.readouterr().out
