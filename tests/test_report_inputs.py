"""The report's --from inputs as a user may have edited them: a named error for a bad summary, links not followed,
figure names escaped."""

import json
import os

import pytest

from demos import checkpointing, report


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    assert checkpointing.main(["--quick", "--quiet", "--out", str(root / "checkpointing")]) == 0
    return root


def edited(tmp_path, run_folder, change):
    """A copy of the run folder whose summary.json is change(summary) (a JSON value, or raw text)."""
    study = tmp_path / "R" / "checkpointing"
    study.mkdir(parents=True)
    for name in os.listdir(run_folder / "checkpointing"):
        (study / name).write_bytes((run_folder / "checkpointing" / name).read_bytes())
    summary = json.loads((study / "summary.json").read_text())
    new = change(summary)
    (study / "summary.json").write_text(new if isinstance(new, str) else json.dumps(new))
    return tmp_path / "R", study / "summary.json"


def first_claim(change):
    def edit(summary):
        change(summary["claims"][0])
        return summary

    return edit


BAD = {
    "unknown verdict": (
        first_claim(lambda c: c.update(verdict="great")),
        r"claims\[0\].verdict must be one of reproduced, differs, not comparable, got 'great'",
    ),
    "no verdict": (first_claim(lambda c: c.pop("verdict")), r"claims\[0\] has no field 'verdict'"),
    "no note": (first_claim(lambda c: c.pop("note")), r"claims\[0\] has no field 'note'"),
    "no claim": (first_claim(lambda c: c.pop("claim")), r"claims\[0\] has no field 'claim'"),
    "note a number": (first_claim(lambda c: c.update(note=3)), r"claims\[0\].note has the wrong type \(int\)"),
    "measured a list": (
        first_claim(lambda c: c.update(measured=[1, 2])),
        r"claims\[0\].measured has the wrong type \(list\)",
    ),
    "claims a dict": (lambda s: {**s, "claims": {"a": 1}}, "field 'claims' must be a list of claims, got dict"),
    "claims a string": (lambda s: {**s, "claims": "all good"}, "field 'claims' must be a list of claims, got str"),
    "claims null": (lambda s: {**s, "claims": None}, "field 'claims' must be a list of claims, got NoneType"),
    "claim a string": (lambda s: {**s, "claims": ["ok"]}, r"claims\[0\] must be an object, got str"),
    "summary a list": (lambda s: [s], "the summary must be a JSON object, got list"),
    "deep nesting": (lambda s: "[" * 100000 + "]" * 100000, "not a readable summary"),
    "not JSON": (lambda s: "{'claims': []}", "not a readable summary"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_summary_names_its_file_and_field(tmp_path, run_folder, case):
    change, message = BAD[case]
    root, summary = edited(tmp_path, run_folder, change)
    with pytest.raises(SystemExit) as stop:
        report.main(["--studies", "checkpointing", "--from", str(root), "--out", str(tmp_path / "report")])
    assert str(summary) in str(stop.value.code) and stop.value.code.count("\n") == 0
    assert __import__("re").search(message, str(stop.value.code)), stop.value.code
    assert not (tmp_path / "report").exists()


def test_links_are_not_followed_out_of_the_folder(tmp_path, run_folder):
    root, _ = edited(tmp_path, run_folder, lambda s: s)
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    os.symlink(secret, root / "checkpointing" / "secret.png")
    assert report.main(["--studies", "checkpointing", "--from", str(root), "--out", str(tmp_path / "report")]) == 0
    assert not (tmp_path / "report" / "checkpointing" / "secret.png").exists()
    assert "secret.png" not in (tmp_path / "report" / "checkpointing.html").read_text()


def test_figure_names_are_escaped_in_links(tmp_path, run_folder):
    root, _ = edited(tmp_path, run_folder, lambda s: s)
    os.rename(root / "checkpointing" / "checkpointing.png", root / "checkpointing" / "fig #1 ?50%.png")
    assert report.main(["--studies", "checkpointing", "--from", str(root), "--out", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "checkpointing.html").read_text()
    assert 'src="checkpointing/fig%20%231%20%3F50%25.png"' in page


def test_a_study_without_figures_says_so(tmp_path, run_folder):
    root, _ = edited(tmp_path, run_folder, lambda s: s)
    os.unlink(root / "checkpointing" / "checkpointing.png")
    assert report.main(["--studies", "checkpointing", "--from", str(root), "--out", str(tmp_path / "report")]) == 0
    assert "This study wrote no figures." in (tmp_path / "report" / "checkpointing.html").read_text()
