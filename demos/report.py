"""One reproduction report for a teacher: every study's claims against its document, with its figures.

    python -m demos.report [--quick] [--out DIR] [--studies NAME ...] [--workers N] [--from DIR] [--open]

Runs the studies (through minnet.tools.sweep, one study per worker process, on every core by default)
or, with --from, reads the output folders an earlier run left (DIR/<study>/summary.json and its
figures), then writes DIR/index.html: a scoreboard (per document, and one line beyond the documents: claims reproduced, differing, not
comparable) and one page per study with its claims table, every figure with a caption, the command
that re-runs it, the versions of minnet, NumPy and Numba, its wall time and the machine's cores.

Plain HTML and CSS, no JavaScript, no remote fonts or scripts; the figures are files beside the
pages. The report folder is written whole or not at all: it is built in a temporary folder beside
--out and renamed into place at the end.
"""

import html
import importlib
import json
import os
import shutil
import sys
import time
import webbrowser
from collections.abc import Sequence
from importlib import metadata
from urllib.parse import quote

from demos.claims import KINDS, LINES, VERDICTS, label, scoreboard, shown, verdict_of
from demos.cli import add_output_options, dask_address, folder, study_parser, workers
from demos.findings import FINDINGS, without_rows
from minnet.tools.atomic import OutputRefused, atomic_folder, holds

DEFAULT_OUT = os.path.join("minnet-out", "report")
# study: (document, its options besides --quiet --out and --quick). Studies that run their own sweep get
# --workers 1: the report already runs one study per core.
STUDIES = {
    "oscillations": ("000", ["--lr-study", "--workers", "1"]),
    "neurons": ("000", ["--workers", "1"]),
    "curriculum": ("001", ["--workers", "1"]),
    "optimizer_paths": ("002", []),
    "complex_mult": ("003", ["--workers", "1"]),
    "mandelbrot": ("003", ["--workers", "1"]),
    "init_study": ("003", ["--workers", "1"]),
    "landscape_slices": ("003", []),
    "trajectories": ("003", []),
    "loss_surface": ("004", []),
    "checkpointing": ("004", []),
    "grokking": ("004", ["--workers", "1"]),
    "double_descent": ("004", ["--workers", "1"]),
    "minima": ("004", ["--workers", "1"]),
    "exp_lr": ("004", ["--workers", "1"]),
    "edge_of_stability": ("beyond the documents", ["--workers", "1"]),
}
# The order the studies start in, longest first by their time at the defaults (README, "Gallery"): the
# last study to start is a short one, so the two cores finish close together (the longest-processing-
# time-first rule). The pages keep the documents' order (STUDIES).
LONGEST_FIRST = (
    "grokking",
    "double_descent",
    "curriculum",
    "complex_mult",
    "loss_surface",
    "edge_of_stability",
    "init_study",
    "minima",
    "exp_lr",
    "optimizer_paths",
    "trajectories",
    "mandelbrot",
    "oscillations",
    "neurons",
    "checkpointing",
    "landscape_slices",
)
FIGURES = (".png", ".gif")
STYLE = """
body { font-family: system-ui, sans-serif; font-size: 20px; line-height: 1.45; margin: 2em auto; max-width: 75em; padding: 0 1em; color: #111; }
h1, h2 { line-height: 1.2; } table { border-collapse: collapse; margin: 1em 0; width: 100%; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.reproduced { background: #d8f3d8; } .differs { background: #fbd9d3; } .not-comparable { background: #e8e8e8; }
table.claims { font-size: 0.8em; } td.claim { min-width: 18em; } td.rule { max-width: 14em; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ccc; }
figcaption { font-size: 0.9em; color: #333; } code { font-size: 0.9em; background: #f3f3f3; padding: 0.1em 0.3em; }
@media print { body { font-size: 12pt; max-width: none; } figure { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
"""


# ----- running the studies ------------------------------------------------------------------------
def study_argv(study, folder, quick):
    """The command line of one study's run into `folder`."""
    return ["--quiet", "--out", folder, *STUDIES[study][1], *(["--quick"] if quick else [])]


def run_study_task(config):
    """A sweep task: run one study's main into its folder (which keeps freed memory, demos.cli.run_study);
    returns its exit status and wall time."""
    start = time.perf_counter()
    status = importlib.import_module(f"demos.{config['study']}").main(
        study_argv(config["study"], config["folder"], config["quick"])
    )
    return {"status": int(status or 0), "seconds": time.perf_counter() - start}


def run_studies(studies, root, args):
    """Run every study into root/<study>, the longest first (LONGEST_FIRST); {study: wall seconds}. A
    study that fails stops the report."""
    from demos.cli import sweep_runner

    order = sorted(studies, key=LONGEST_FIRST.index)
    configs = [{"study": study, "folder": os.path.join(root, study), "quick": args.quick} for study in order]
    results = sweep_runner(args)(run_study_task, configs)
    failed = [study for study, r in zip(order, results) if r["status"] != 0]
    if failed:
        raise SystemExit(f"studies exited with an error: {', '.join(failed)}")
    return {study: float(r["seconds"]) for study, r in zip(order, results)}


def copy_study(source, target):
    """A study's summary.json (checked: `check_summary`, naming the file) and figures from an earlier
    run's folder. Regular files only: a link is not followed out of the folder."""
    summary = os.path.join(source, "summary.json")
    if not os.path.isfile(summary) or os.path.islink(summary):
        raise SystemExit(
            f"--from: {summary} does not exist or is not a regular file (run the study first, or leave out --from)"
        )
    check_summary(read_summary(summary), summary)
    os.makedirs(target)
    for name in sorted(os.listdir(source)):
        path = os.path.join(source, name)
        if (name == "summary.json" or name.endswith(FIGURES)) and os.path.isfile(path) and not os.path.islink(path):
            shutil.copy2(path, os.path.join(target, name))


def read_summary(path):
    """The JSON in `path`, or SystemExit naming the file."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError, RecursionError) as err:
        raise SystemExit(f"{path}: not a readable summary ({type(err).__name__}: {err})") from err


SCALAR = (str, int, float, bool, type(None))
CLAIM_FIELDS = {
    "id": str,
    "kind": str,
    "document": str,
    "where": str,
    "quote": str,
    "claim": str,
    "unit": str,
    "rule": dict,
    "rule_text": str,
    "verdict": str,
    "note": (str, type(None)),
    "document_value": SCALAR,
    "measured": SCALAR,
}


def check_summary(summary, path):
    """A summary as the report reads it: an object whose "claims" (if any) is a list of claims, each an
    object with CLAIM_FIELDS of their types and a known verdict. Else SystemExit naming the file and the field."""
    if not isinstance(summary, dict):
        raise SystemExit(f"{path}: the summary must be a JSON object, got {type(summary).__name__}")
    claims = summary.get("claims", [])
    if not isinstance(claims, list):
        raise SystemExit(f"{path}: field 'claims' must be a list of claims, got {type(claims).__name__}")
    for i, row in enumerate(claims):
        if not isinstance(row, dict):
            raise SystemExit(f"{path}: claims[{i}] must be an object, got {type(row).__name__}")
        for field, kind in CLAIM_FIELDS.items():
            if field not in row:
                raise SystemExit(f"{path}: claims[{i}] has no field '{field}'")
            if not isinstance(row[field], kind):
                raise SystemExit(
                    f"{path}: claims[{i}].{field} has the wrong type ({type(row[field]).__name__}): "
                    f"{str(row[field])[:60]!r}"
                )
        if row["verdict"] not in VERDICTS:
            raise SystemExit(
                f"{path}: claims[{i}].verdict must be one of {', '.join(VERDICTS)}, got {row['verdict']!r}"
            )
        if row["kind"] not in KINDS:
            raise SystemExit(f"{path}: claims[{i}].kind must be one of {', '.join(KINDS)}, got {row['kind']!r}")
        if verdict_of_or_none(row) != row["verdict"]:
            raise SystemExit(
                f"{path}: claims[{i}] ({row['id']}) says {row['verdict']!r} but its rule gives "
                f"{verdict_of_or_none(row)!r}"
            )
    return claims


def verdict_of_or_none(row):
    """The verdict the row's rule gives, or None when the rule cannot be read."""
    try:
        return verdict_of(row)
    except (KeyError, TypeError, ValueError):
        return None


def check_folders(out, from_dir, studies):
    """--out must not overlap a folder the report reads (--from itself or one of its studies'): replacing it would destroy the input."""
    study_folders = [os.path.join(from_dir, s) for s in studies]
    for read in [from_dir, *study_folders]:
        if holds(out, read) or (
            read in study_folders and holds(read, out)
        ):  # --out may sit in --from, beside the studies
            raise SystemExit(
                f"error: --out {os.path.realpath(out)} overlaps {os.path.realpath(read)}, which the report reads "
                f"(--from {from_dir}): "
                "choose an --out outside the studies' folders"
            )


# ----- the pages ------------------------------------------------------------------------------------
def claims_table(claims):
    """The findings: the claim with the document's sentence under it, both values, the unit, the rule, the verdict."""
    rows = []
    for row in claims:
        if row["kind"] == "setting":
            continue
        css = row["verdict"].replace(" ", "-")
        quote = f"<br><q>{html.escape(row['quote'])}</q>" if row["quote"] else ""
        rows.append(
            f'<tr class="{css}"><td>{html.escape(label(row))}, {html.escape(row["where"])}</td>'
            f'<td class="claim">{html.escape(row["claim"])}{quote}</td>'
            f'<td class="num">{html.escape(shown(row["document_value"]))}</td>'
            f'<td class="num">{html.escape(shown(row["measured"]))}</td><td>{html.escape(row["unit"])}</td>'
            f'<td class="rule">{html.escape(row["rule_text"])}</td><td>{html.escape(row["verdict"])}</td>'
            f"<td>{html.escape(row['note'] or '')}</td></tr>"
        )
    head = (
        "<tr><th>document, where</th><th>claim, and the document's sentence</th><th>document's value</th>"
        "<th>measured</th><th>unit</th><th>rule</th><th>verdict</th><th>note</th></tr>"
    )
    return f'<table class="claims">{head}{"".join(rows)}</table>'


def settings_table(claims):
    """The choices the documents leave open, what depends on them and what the alternative gave."""
    rows = [
        f"<tr><td>{html.escape(row['document'])}</td><td>{html.escape(row['claim'])}</td>"
        f"<td>{html.escape(', '.join(row['rule']['depends_on']))}</td><td>{html.escape(row['note'] or '')}</td></tr>"
        for row in claims
        if row["kind"] == "setting"
    ]
    head = "<tr><th>document</th><th>setting</th><th>claims that depend on it</th><th>the alternative</th></tr>"
    return f'<table class="claims">{head}{"".join(rows)}</table>' if rows else "<p>None.</p>"


def caption(study, name):
    """A figure's caption from its file name: 'fig2_gradient_picture.png' -> 'fig2 gradient picture'."""
    return f"{study}: {os.path.splitext(name)[0].replace('_', ' ')}"


def page(title, body):
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )


def study_page(study, folder, claims, seconds, args, versions):
    module = importlib.import_module(f"demos.{study}")
    intro = html.escape((module.__doc__ or study).strip().split("\n\n")[0])
    options = [
        option for option in study_argv(study, os.path.join("minnet-out", study), args.quick) if option != "--quiet"
    ]
    command = " ".join(["python -m demos." + study, *options])
    figures = sorted(name for name in os.listdir(folder) if name.endswith(FIGURES))
    figure_html = "".join(
        f'<figure><img src="{quote(study)}/{quote(name)}" alt="{html.escape(caption(study, name))}">'
        f"<figcaption>{html.escape(caption(study, name))}</figcaption></figure>"
        for name in figures
    )
    timing = "reused from an earlier run (--from)" if seconds is None else f"{seconds:.1f} s"
    body = (
        f'<p><a href="index.html">&larr; all studies</a></p><h1>{html.escape(study)}</h1><p>{intro}</p>'
        f"<h2>Claims</h2>{claims_table(claims)}<h2>Settings</h2>{settings_table(claims)}<h2>Figures</h2>{figure_html or '<p>This study wrote no figures.</p>'}"
        f"<h2>Re-run it</h2><p><code>{html.escape(command)}</code></p>"
        f"<p>minnet {versions['minnet']}, NumPy {versions['numpy']}, Numba {versions['numba']}; wall time {timing}; "
        f"{os.cpu_count()} cores; {'--quick runs' if args.quick else 'the defaults'}.</p>"
    )
    return page(f"minnet: {study}", body)


def board_lines(board):
    """The scoreboard's lines in order: the documents, then beyond them, then the checks of minnet's code."""
    apart = list(LINES.values())
    return sorted(board.items(), key=lambda item: (apart.index(item[0]) + 1 if item[0] in apart else 0, item[0]))


def unrowed(claims_by_study):
    """{document: its findings no row of this report tests} for each document whose studies ran
    (demos.findings, the inventory kept beside the claims)."""
    ids = [row["id"] for claims in claims_by_study.values() for row in claims]
    documents = sorted({STUDIES[study][0] for study in claims_by_study} & set(FINDINGS))
    return {document: without_rows(document, ids) for document in documents}


def findings_html(missing):
    """Per document: "findings without a row: none", or the list with why each has none."""
    items = []
    for document, found in missing.items():
        listed = "".join(
            f"<li>{html.escape(f.where)}: <q>{html.escape(f.quote)}</q> ({html.escape(f.missing or 'no row in this report')})</li>"
            for f in found
        )
        items.append(
            f"<li>{document}: findings without a row: {'none' if not found else f'{len(found)}<ul>{listed}</ul>'}</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def index_page(claims_by_study, board, missing, args):
    rows = "".join(
        f"<tr><td>{html.escape(document)}</td>"
        + "".join(f'<td class="num">{counts[v]}</td>' for v in VERDICTS)
        + "</tr>"
        for document, counts in board_lines(board)
    )
    head = "<tr><th>document</th>" + "".join(f"<th>{v}</th>" for v in VERDICTS) + "</tr>"
    studies = "".join(
        f'<li><a href="{study}.html">{html.escape(study)}</a> (document {html.escape(STUDIES[study][0])}): '
        f"{sum(r['verdict'] == 'reproduced' for r in claims)} of {sum(r['kind'] != 'setting' for r in claims)} "
        "claims reproduced</li>"
        for study, claims in claims_by_study.items()
    )
    body = (
        f"<h1>minnet: the documents, reproduced</h1><p>Every study checks itself against its source document; "
        f"{'these are --quick runs, shortened for a test: most claims need the defaults' if args.quick else 'these are the default runs'}.</p>"
        f"<h2>Scoreboard</h2><table>{head}{rows}</table><p>Checks of minnet's code (a property of the mathematics "
        "or of minnet's own setup, not evidence for a document) are counted on their own line.</p>"
        f"<h2>Studies</h2><ul>{studies}</ul><h2>Each document's findings</h2>{findings_html(missing)}"
    )
    return page("minnet: reproduction report", body)


def versions():
    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {name: version(name) for name in ("minnet", "numpy", "numba")}


def write_report(root, studies, seconds, args, shown_root):
    """index.html and one page per study into root, whose root/<study> folders hold the studies' outputs
    (shown_root: the folder to name in errors, root's final place)."""
    claims_by_study = {
        study: check_summary(
            read_summary(os.path.join(root, study, "summary.json")), os.path.join(shown_root, study, "summary.json")
        )
        for study in studies
    }
    board = scoreboard([row for claims in claims_by_study.values() for row in claims])
    found = versions()
    for study in studies:
        with open(os.path.join(root, f"{study}.html"), "w") as f:
            f.write(
                study_page(study, os.path.join(root, study), claims_by_study[study], seconds.get(study), args, found)
            )
    missing = unrowed(claims_by_study)
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write(index_page(claims_by_study, board, missing, args))
    return board, missing


def parser():
    p = study_parser("report", __doc__)
    p.add_argument(
        "--studies",
        nargs="+",
        choices=list(STUDIES),
        default=list(STUDIES),
        help="the studies in the report (default all)",
    )
    p.add_argument(
        "--from",
        dest="from_dir",
        type=folder,
        metavar="DIR",
        help="reuse the output folders DIR/<study> of earlier runs instead of running the studies",
    )
    p.add_argument(
        "--workers",
        type=workers,
        help="studies run at once in worker processes (default: every core; 1: in this process)",
    )
    p.add_argument(
        "--dask", type=dask_address, metavar="ADDRESS", help="run the studies on the Dask cluster at ADDRESS instead"
    )
    add_output_options(p, DEFAULT_OUT, "every study's --quick run (for tests: most claims are then not comparable)")
    p.add_argument("--open", action="store_true", help="open index.html in a web browser at the end")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    studies = list(dict.fromkeys(args.studies))
    if args.from_dir:
        check_folders(args.out, args.from_dir, studies)
    try:
        with atomic_folder(args.out) as built:
            if args.from_dir:
                for study in studies:
                    copy_study(os.path.join(args.from_dir, study), os.path.join(built, study))
                seconds = {}
            else:
                seconds = run_studies(studies, built, args)
            board, missing = write_report(built, studies, seconds, args, args.out)
    except OutputRefused as err:
        raise SystemExit(f"error: {err}") from err
    print("\nscoreboard (reproduced / differs / not comparable):")
    for document, counts in board_lines(board):
        print(f"  {document:<26}" + " / ".join(str(counts[v]) for v in VERDICTS))
    for document, found in missing.items():
        print(f"  {document}: findings without a row: {len(found) or 'none'} (listed in index.html)")
    index = os.path.join(args.out, "index.html")
    print(f"wrote {index}")
    if args.open:
        webbrowser.open("file://" + os.path.abspath(index))
    return 0


if __name__ == "__main__":
    sys.exit(main())
