"""The claims table every study writes into summary.json (the contract with the report and these tests)."""

import json

from demos.claims import KINDS, VERDICTS, rule_text, verdict_of

KEYS = {
    "id",
    "kind",
    "document",
    "where",
    "quote",
    "claim",
    "unit",
    "document_value",
    "rule",
    "rule_text",
    "measured",
    "verdict",
    "note",
}


def perturbed_past(row):
    """The row with its measured value (or, for plausible_draw, its seeds' interval) moved past its rule,
    or None for rules that cannot differ (settings, not comparable, too few seeds)."""
    rule, doc = row["rule"], row["document_value"]
    name = rule["name"]
    moved = dict(row)
    if name == "exact":
        moved["measured"] = (
            (not doc)
            if isinstance(doc, bool)
            else 1
            if doc is None
            else doc + " (moved)"
            if isinstance(doc, str)
            else doc + 1
        )
    elif name == "relative":
        moved["measured"] = doc + 2 * rule["tol"] * abs(doc) + (doc == 0)
    elif name == "ratio":
        moved["measured"] = doc * rule["max_factor"] * 2
    elif name == "band":
        moved["measured"] = (
            rule["hi"] + 1 + abs(rule["hi"]) if rule["hi"] is not None else rule["lo"] - 1 - abs(rule["lo"])
        )
    elif name == "property":
        moved["measured"] = False
    elif name == "significant":
        moved["rule"] = dict(rule, p=1.0)
    elif name == "beats_baseline":
        moved["measured"] = rule["baseline"]
    elif name == "plausible_draw" and rule["n_seeds"] >= 10:
        moved["rule"] = dict(rule, interval=[doc + 1 + abs(doc), doc + 2 + 2 * abs(doc)])
    else:
        return None
    return moved


def check_claims(out, study):
    """Assert the schema of out/summary.json's claims, that each verdict is the one its rule gives and
    that each rule can fail (the row moved past it reads "differs"); return the rows by id."""
    summary = json.loads((out / "summary.json").read_text())
    assert isinstance(summary.get("config"), dict) and summary["config"], f"{study} wrote no configuration"
    return check_rows(summary["claims"], study)


def check_rows(rows, study):
    """check_claims' assertions on a list of claim rows (e.g. a study's claims() of a summary as a default run
    would write it, where a --quick run's rows are "not comparable"); return the rows by id."""
    assert rows, f"{study} wrote no claims"
    for row in rows:
        assert set(row) == KEYS, row
        assert row["id"].startswith(f"{study}."), row["id"]
        assert row["kind"] in KINDS and row["verdict"] in VERDICTS, row
        assert row["verdict"] == verdict_of(row), f"{row['id']}: verdict {row['verdict']!r} is not its rule's"
        assert row["rule_text"] == rule_text(row["rule"]), row
        assert isinstance(row["claim"], str) and row["claim"] and row["document"] and row["where"]
        quoted = row["quote"] or row["kind"] != "document" or row["rule"]["name"] == "not comparable"
        assert quoted, f"{row['id']} quotes nothing"
        assert row["verdict"] != "differs" or row["note"], f"{row['id']} differs and says nothing of why"
        moved = perturbed_past(row)
        assert moved is None or verdict_of(moved) == "differs", f"{row['id']} cannot fail: {row['rule_text']}"
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), f"repeated ids in {ids}"
    return {row["id"]: row for row in rows}
