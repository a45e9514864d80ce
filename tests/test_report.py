"""python -m demos.report on --quick runs of two studies: the index, the pages, the scoreboard."""

import html
import json
from html.parser import HTMLParser

import pytest

from demos import report
from demos.claims import LINES

STUDIES = ["checkpointing", "landscape_slices"]


class Links(HTMLParser):
    """Every href and img src of a page; fails on a tag closed that was never opened."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.images, self.open = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs["src"])
        if tag not in ("meta", "img", "br"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def parsed(path):
    links = Links()
    links.feed(path.read_text())
    assert links.open == [], f"unclosed tags {links.open} in {path.name}"
    return links


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report"
    assert report.main(["--quick", "--quiet", "--workers", "1", "--studies", *STUDIES, "--out", str(out)]) == 0
    return out


def test_index_links_every_study_page(built):
    index = parsed(built / "index.html")
    assert sorted(index.hrefs) == sorted(f"{study}.html" for study in STUDIES)
    for study in STUDIES:
        page = parsed(built / f"{study}.html")
        assert "index.html" in page.hrefs
        assert page.images and all((built / src).is_file() for src in page.images), page.images


def test_pages_show_every_claim_and_the_scoreboard_counts_them(built):
    text = (built / "index.html").read_text()
    counts = {}
    for study in STUDIES:
        claims = json.loads((built / study / "summary.json").read_text())["claims"]
        page = (built / f"{study}.html").read_text()
        for row in claims:
            assert html.escape(row["claim"]) in page and html.escape(row["rule_text"]) in page
            assert html.escape(row["quote"]) in page
            if row["kind"] != "setting":
                line = LINES.get(row["kind"], row["document"])
                counts.setdefault(line, {v: 0 for v in report.VERDICTS})[row["verdict"]] += 1
    for document, by_verdict in counts.items():
        row = (
            f"<tr><td>{document}</td>"
            + "".join(f'<td class="num">{by_verdict[v]}</td>' for v in report.VERDICTS)
            + "</tr>"
        )
        assert row in text


def test_from_reuses_folders_and_replaces_the_report_whole(built, tmp_path):
    again = tmp_path / "again"
    assert report.main(["--from", str(built), "--studies", "checkpointing", "--out", str(again)]) == 0
    assert sorted(p.name for p in again.iterdir()) == [
        ".minnet-manifest",
        "checkpointing",
        "checkpointing.html",
        "index.html",
    ]
    # over the earlier one
    assert report.main(["--from", str(built), "--studies", "landscape_slices", "--out", str(again)]) == 0
    assert not (again / "checkpointing.html").exists() and (again / "landscape_slices.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["again"]  # no temporary folders left beside it


def test_a_missing_study_folder_is_named(tmp_path):
    with pytest.raises(SystemExit, match="summary.json does not exist"):
        report.main(["--from", str(tmp_path), "--studies", "neurons", "--out", str(tmp_path / "r")])
    assert not (tmp_path / "r").exists()


def test_the_index_lists_each_documents_findings_without_a_row(built):
    from demos.findings import FINDINGS

    text = (built / "index.html").read_text()
    documents = sorted({report.STUDIES[study][0] for study in STUDIES} & set(FINDINGS))
    for document in documents:
        assert f"<li>{document}: findings without a row: " in text
    unrowed = [f for document in documents for f in FINDINGS[document] if not f.rows]
    assert unrowed and all(html.escape(f.quote) in text for f in unrowed)  # never tested by any row: always listed


def test_every_study_has_a_start_position():
    """LONGEST_FIRST orders exactly the report's studies: a new study cannot be left out of the run."""
    assert sorted(report.LONGEST_FIRST) == sorted(report.STUDIES)


def test_studies_start_longest_first(monkeypatch, tmp_path):
    """run_studies hands the sweep its studies in LONGEST_FIRST order and gives each its own time back."""
    import demos.cli

    seen = []

    def fake_sweep(args):
        def run(fn, configs):
            seen.extend(config["study"] for config in configs)
            return [{"status": 0, "seconds": float(len(config["study"]))} for config in configs]

        return run

    monkeypatch.setattr(demos.cli, "sweep_runner", fake_sweep)
    studies = ["checkpointing", "grokking", "neurons", "double_descent"]
    args = report.parser().parse_args(["--quiet"])
    seconds = report.run_studies(studies, str(tmp_path), args)
    assert seen == sorted(studies, key=report.LONGEST_FIRST.index)
    assert seen != studies
    assert seconds == {study: float(len(study)) for study in studies}
