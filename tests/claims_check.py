"""The claims table every study writes into summary.json (the contract with the report and these tests)."""

import json

KEYS = {"id", "document", "where", "claim", "document_value", "measured", "verdict", "note"}
VERDICTS = {"reproduced", "differs", "not comparable"}


def check_claims(out, study):
    """Assert the schema of out/summary.json's claims and return them by id."""
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["claims"]
    assert rows, f"{study} wrote no claims"
    for row in rows:
        assert set(row) == KEYS, row
        assert row["id"].startswith(f"{study}."), row["id"]
        assert row["verdict"] in VERDICTS, row
        assert row["verdict"] == "reproduced" or row["note"], f"{row['id']} is {row['verdict']} without a note"
        assert isinstance(row["claim"], str) and row["claim"] and row["document"] and row["where"]
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), f"repeated ids in {ids}"
    return {row["id"]: row for row in rows}
