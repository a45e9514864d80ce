"""A study whose runs diverge finishes and says so. Issue 38: grokking at --lr 10 (weight decay 1) drew one
run's curve against another's steps and failed after the work; lr x weight decay >= 2 is now refused by name
(tests/test_command_lines.py), and a run that diverges all the same is drawn as far as it went and counted."""

import json

from demos import grokking


def test_grokking_finishes_and_counts_the_runs_that_diverged(tmp_path):
    argv = ["--quick", "--seeds", "1", "--lr", "1e308", "--weight-decay", "1e-308", "--quiet", "--workers", "1"]
    assert grokking.main([*argv, "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    groups = [*summary["weight_decay"].values(), summary["no_weight_decay"]]
    assert [m["diverged"] for m in groups] == [1, 1, 1] and all(m["grokked"] == 0 for m in groups)
