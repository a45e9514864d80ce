"""Each claim declared once, as data: every study's claims table (CLAIMS in demos/<study>.py) is the one place a
document's number is written; print_summary, the report, the explorer and the exercises read it from there.

The test reads the code of minnet/, kernels/ and demos/ (Python through its syntax tree, so comments and
docstrings are prose and do not count; the page's HTML and JS as text) and finds every number typed there, in
code or in a string. A document value of three or more significant digits (734, 3.77, 2.22e-4: numbers that
do not occur by chance, unlike 0.1 or 100) may be typed at most once (a value derived from others, such as a ratio
of two of the document's numbers, is typed nowhere). The documents' own sentences are their words, not minnet's
numbers, and are skipped: a claim's `quote=`, and demos/findings.py, the inventory of the documents' findings,
whose every text is a sentence of its document (tests/test_findings.py checks each against the document)."""

import ast
import importlib
import math
import re
from pathlib import Path

from demos.report import STUDIES

ROOT = Path(__file__).resolve().parents[1]
FINDINGS = ROOT / "demos" / "findings.py"
NUMBER = re.compile(r"(?<![\w.])\d[\d_,]*(?:\.\d+)?(?:e[-+]?\d+)?", re.IGNORECASE)


def tables():
    return {study: importlib.import_module(f"demos.{study}").CLAIMS for study in STUDIES}


def significant_digits(value):
    digits = f"{abs(value):.12e}".split("e")[0].replace(".", "").rstrip("0")
    return len(digits)


def distinctive(value):
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return number and value != 0 and significant_digits(value) >= 3


def numbers_in_text(text):
    found = []
    for match in NUMBER.finditer(text):
        try:
            found.append(float(match.group().replace("_", "").replace(",", "")))
        except ValueError:
            pass
    return found


def docstrings(tree):
    nodes = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, nodes) and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)
    }  # fmt: skip


def quotes(tree):
    """The nodes under a `quote=` keyword: the documents' sentences."""
    return {id(n) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == "quote" for n in ast.walk(k.value)}


def typed_numbers(path):
    """[(line, number)] of every number typed in one file's code and strings."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return [
            (text.count("\n", 0, m.start()) + 1, v) for m in NUMBER.finditer(text) for v in numbers_in_text(m.group())
        ]
    tree = ast.parse(text)
    skip = docstrings(tree) | quotes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Constant):
            continue
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            found.append((node.lineno, float(node.value)))
        elif isinstance(node.value, str):
            found += [(node.lineno, v) for v in numbers_in_text(node.value)]
    return found


def code_files():
    for folder in ("minnet", "kernels", "demos"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".html", ".js") and "__pycache__" not in path.parts and path != FINDINGS:
                yield path


def test_every_document_value_is_typed_at_most_once():
    values = {}
    for study, table in tables().items():
        for row in table.table():
            if distinctive(row["document_value"]):
                values.setdefault(float(row["document_value"]), []).append(row["id"])
    where = {value: [] for value in values}
    for path in code_files():
        for line, number in typed_numbers(path):
            for value in values:
                if math.isclose(number, value, rel_tol=1e-12):
                    where[value].append(f"{path.relative_to(ROOT)}:{line}")
    twice = {f"{value:g} ({', '.join(values[value])})": places for value, places in where.items() if len(places) > 1}
    assert not twice, "document values typed more than once:\n" + "\n".join(f"{k}: {v}" for k, v in twice.items())


def test_the_scan_finds_numbers_in_code_and_strings_but_not_in_prose(tmp_path):
    source = tmp_path / "study.py"
    source.write_text(
        '"""The notebook printed 734."""\n'
        "# 734 in a comment\n"
        "EVENTS = {'argmin': 734}\n"
        "TEXT = f'the notebook: {1}, 752'\n"
        "CLAIMS.declare('x', quote='at iteration 755', document_value=3.77)\n"
        "SIZE = 34_000\n"
    )
    assert sorted(number for _, number in typed_numbers(source)) == [1.0, 3.77, 734.0, 752.0, 34000.0]
    assert distinctive(734) and distinctive(3.77) and distinctive(2.22e-4)
    assert not (distinctive(0.1) or distinctive(100) or distinctive(34_000) or distinctive(True))
