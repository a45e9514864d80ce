"""What every lesson notebook does (demos/lessons/*.py, jupytext percent format, each with its .ipynb).

A lesson shows minnet's code as it is on disk (`code`), runs a study exactly as its command line does
(`study`), finds the study's own claims row (`claim`) and shows the study's figures (`picture`, `figure`).
Nothing here computes science: the studies and minnet do.
"""

import inspect
import io
import json
import os
import tempfile

from IPython.display import Image, Markdown, display


def code(obj):
    """Show the source of a function, method or class from minnet's files, read now (inspect.getsource),
    under the file and line numbers it comes from."""
    lines, first = inspect.getsourcelines(obj)
    path = os.path.relpath(inspect.getsourcefile(obj), os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    text = "".join(lines)
    display(Markdown(f"`{path}`, lines {first}-{first + len(lines) - 1}:\n```python\n{text}```"))


def study(module, *argv):
    """Run a study as `python -m demos.<study> ARGV --quiet` does (its own main: compute, draw, claims) in a
    temporary folder; returns (summary, {figure file name: PNG bytes}). The printed table is the terminal's;
    nothing is left on disk."""
    print(f"python -m {module.__name__} {' '.join(argv)}")
    with tempfile.TemporaryDirectory(prefix="minnet-lesson-") as folder:
        out = os.path.join(folder, module.__name__.rsplit(".", 1)[-1])
        status = module.main([*argv, "--quiet", "--out", out])
        if status != 0:
            raise RuntimeError(f"{module.__name__} {' '.join(argv)} exited with status {status}")
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        figures = {}
        for name in sorted(os.listdir(out)):
            if name.endswith(".png"):
                with open(os.path.join(out, name), "rb") as f:
                    figures[name] = f.read()
    return summary, figures


def claim(summary, key):
    """The row of summary["claims"] whose id is `key`, shown as the report shows it."""
    rows = {row["id"]: row for row in summary["claims"]}
    if key not in rows:
        raise KeyError(f"no claims row {key!r}; the study made {sorted(rows)}")
    row = rows[key]
    quote = f'> "{row["quote"]}" ({row["where"]})\n\n' if row["quote"] else ""
    display(
        Markdown(
            f"{quote}**{row['claim']}**: document {row['document_value']}, measured {row['measured']}"
            f"{' ' + row['unit'] if row['unit'] else ''}; rule: {row['rule_text']}; **{row['verdict']}**"
            + (f"\n\n{row['note']}" if row["note"] else "")
        )
    )
    return row


def picture(figures, name, width=900):
    """Show one of the PNG figures a study drew (`study`'s second result)."""
    if name not in figures:
        raise KeyError(f"no figure {name!r}; the study drew {sorted(figures)}")
    display(Image(data=figures[name], width=width))


def figure(fig, width=900):
    """Show a matplotlib figure inline whatever the backend (a study's run switches to Agg), then close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buffer.getvalue(), width=width))
