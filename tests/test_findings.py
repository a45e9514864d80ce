"""The inventory of the documents' findings (demos/findings.py) held to the studies' claims rows and to the documents.

The rows a study can write are its declared claims table, CLAIMS in demos/<study>.py (demos.claims.Claims): each
claim's id, its kind and whether it quotes the document.
"""

import importlib
from pathlib import Path

import pytest

from demos.findings import FINDINGS, Finding, finding, without_rows
from demos.report import STUDIES

DEMOS = Path(__file__).resolve().parents[1] / "demos"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # the documents, beside the repository
DOCUMENT_STUDIES = sorted(study for study, (document, _) in STUDIES.items() if document in FINDINGS)


def declared_rows(study):
    """(id, kind, quotes the document) of every claim in demos/<study>.py's declared table, CLAIMS."""
    return [(d["id"], d["kind"], d["quote"] != "") for d in importlib.import_module(f"demos.{study}").CLAIMS.table()]


def named_rows():
    return {row_id for findings in FINDINGS.values() for f in findings for row_id in f.rows}


def normalised(text):
    return " ".join(text.split())


def test_every_study_declares_its_claims():
    for study in STUDIES:
        assert declared_rows(study), f"demos/{study}.py declares no claim in its CLAIMS table"


def test_every_row_named_exists_in_its_study():
    for row_id in sorted(named_rows()):
        study = row_id.split(".", 1)[0]
        assert study in STUDIES, f"{row_id}: no study {study!r}"
        assert row_id in {i for i, _, _ in declared_rows(study)}, f"{row_id}: not a row of {study}'s claims table"


def test_every_document_row_tests_some_finding():
    """Each "document" row that quotes its document is named by a finding of that document; a row without a
    quote stands for a shortened or another run ("not comparable") and tests no finding."""
    for study in DOCUMENT_STUDIES:
        document = STUDIES[study][0]
        ids = {row_id for f in FINDINGS[document] for row_id in f.rows}
        for row_id, kind, quoted in declared_rows(study):
            if kind == "document" and quoted:
                assert row_id in ids, f"{row_id}: a document {document} row that no finding in demos/findings.py names"


def test_the_rows_of_a_finding_belong_to_a_study_of_its_document():
    for document, findings in FINDINGS.items():
        studies = {study for study, (d, _) in STUDIES.items() if d == document}
        for f in findings:
            assert {row_id.split(".")[0] for row_id in f.rows} <= studies, f


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the source documents are not at {SEEDS}")
def test_every_quote_is_in_its_document():
    for document, findings in FINDINGS.items():
        (path,) = SEEDS.glob(f"{document}_*.txt")
        text = normalised(path.read_text(encoding="utf-8"))
        for f in findings:
            assert normalised(f.quote) in text, f"document {document}, {f.where}: not in the document: {f.quote!r}"


def test_without_rows_is_the_findings_no_row_tests():
    for document, findings in FINDINGS.items():
        assert without_rows(document, named_rows()) == [f for f in findings if not f.rows]
        assert without_rows(document, []) == findings
        first = next(f for f in findings if f.rows)
        assert first not in without_rows(document, [first.rows[-1]])


def test_every_finding_without_a_row_says_why():
    for findings in FINDINGS.values():
        assert all(isinstance(f, Finding) and (bool(f.rows) != bool(f.missing)) for f in findings)


def test_bad_findings_and_arguments_are_refused():
    with pytest.raises(ValueError, match="not both or neither"):
        finding(where="section 1", quote="a quote", rows=[])
    with pytest.raises(ValueError, match="not both or neither"):
        finding(where="section 1", quote="a quote", rows=["oscillations.argmin_train"], missing="why")
    with pytest.raises(ValueError, match="rows must be a list of claims row ids"):
        finding(where="section 1", quote="a quote", rows="oscillations.argmin_train")
    with pytest.raises(ValueError, match="one line"):
        finding(where="section 1", quote="two\nlines", rows=["oscillations.argmin_train"])
    with pytest.raises(ValueError, match="document must be one of .*got '005'"):
        without_rows("005", [])
    with pytest.raises(ValueError, match="row_ids must be a collection"):
        without_rows("000", "oscillations.argmin_train")
