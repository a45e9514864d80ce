"""The inventory of the documents' findings (demos/findings.py) held to the studies' claims rows and to the documents.

The rows a study can write are read from its source, demos/<study>.py: each call of its row maker `row(...)` (made
by `rows_of`) gives the row's name (a literal, or an f-string read as a pattern: f"model{k}_{part}_loss"), its kind
(the call's kind=, else the one rows_of was given) and whether it quotes the document. A name computed at run time
(neurons' DOCUMENT_TEST_ERRORS, document 000's events) is found in the source text instead: the study's and that of
the minnet.studies modules it imports.
"""

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from demos.findings import FINDINGS, Finding, finding, without_rows
from demos.report import STUDIES

DEMOS = Path(__file__).resolve().parents[1] / "demos"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # the documents, beside the repository
DOCUMENT_STUDIES = sorted(study for study, (document, _) in STUDIES.items() if document in FINDINGS)


def argument(call, index, keyword):
    """A call's argument by keyword, else by position; None when it has neither."""
    by_keyword = [k.value for k in call.keywords if k.arg == keyword]
    return by_keyword[0] if by_keyword else call.args[index] if len(call.args) > index else None


def name_pattern(node):
    """A row name's regular expression: a literal as itself, an f-string with each {...} as '.+'; None when the
    name is computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(re.escape(p.value) if isinstance(p, ast.Constant) else ".+" for p in node.values)
    return None


def declared_rows(study):
    """(name pattern, kind, quotes the document) of every claim in demos/<study>.py's declared table, CLAIMS;
    for a study not yet declaring one, of every row(...) call in its source."""
    table = getattr(importlib.import_module(f"demos.{study}"), "CLAIMS", None)
    if table is not None:
        return [(re.escape(d["id"].split(".", 1)[1]), d["kind"], d["quote"] != "") for d in table.table()]
    tree = ast.parse((DEMOS / f"{study}.py").read_text())
    makers = [node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
              and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) == "rows_of"]  # fmt: skip
    assert len(makers) == 1, f"demos/{study}.py: expected one `row = rows_of(...)`, found {len(makers)}"
    default = argument(makers[0], 3, "kind")
    default = "document" if default is None else default.value
    quote_at = 1 if argument(makers[0], 2, "where") is not None else 2  # rows_of(where=...) fills where
    rows = []
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "row":
            kind, quote = argument(call, len(call.args), "kind"), argument(call, quote_at, "quote")
            quoted = not (isinstance(quote, ast.Constant) and quote.value == "")
            rows.append((name_pattern(argument(call, 0, "key")), kind.value if kind is not None else default, quoted))
    return rows


def study_source(study):
    """The text of demos/<study>.py and of the minnet.studies modules it imports from."""
    text = (DEMOS / f"{study}.py").read_text()
    modules = [node.module for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ImportFrom)
               and (node.module or "").startswith("minnet.studies")]  # fmt: skip
    return "\n".join([text] + [Path(importlib.util.find_spec(m).origin).read_text() for m in modules])


def named_rows():
    return {row_id for findings in FINDINGS.values() for f in findings for row_id in f.rows}


def normalised(text):
    return " ".join(text.split())


def test_every_study_declares_rows_the_test_can_read():
    """A study whose rows this test cannot find (a new way of declaring them) fails here rather than passing
    the tests below by finding nothing."""
    for study in STUDIES:
        assert [p for p, _, _ in declared_rows(study) if p], f"demos/{study}.py: no row(...) call with a readable name"


def test_every_row_named_exists_in_its_study():
    for row_id in sorted(named_rows()):
        study, name = row_id.split(".", 1)
        assert study in STUDIES, f"{row_id}: no study {study!r}"
        patterns = [p for p, _, _ in declared_rows(study) if p]
        assert any(re.fullmatch(p, name) for p in patterns) or name in study_source(study), (
            f"{row_id}: not a row of {study}"
        )


def test_every_document_row_tests_some_finding():
    """Each "document" row that quotes its document is named by a finding of that document; a row without a
    quote stands for a shortened or another run ("not comparable") and tests no finding."""
    for study in DOCUMENT_STUDIES:
        document = STUDIES[study][0]
        ids = {row_id for f in FINDINGS[document] for row_id in f.rows}
        for pattern, kind, quoted in declared_rows(study):
            if kind == "document" and quoted and pattern:
                assert any(re.fullmatch(f"{study}\\.{pattern}", i) for i in ids), (
                    f"{study}.{pattern.replace(chr(92), '')}: a document {document} row that no finding in "
                    "demos/findings.py names"
                )


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
