"""The README's file table tells the truth: every line count in "What is inside" is the file's, every room's
total the sum of its Python files. After an edit, `python tests/test_readme.py` rewrites the counts."""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
ROOM = re.compile(r"^(?P<folder>[\w/]+/)\s.*?\((?P<total>[\d,]+) lines\)")
FILE = re.compile(r"^  (?P<name>\w+\.py)(?P<gap>\s+)(?P<count>\d+)(?=  )")


def lines_of(path):
    with open(os.path.join(ROOT, path)) as f:
        return sum(1 for _ in f)


def room_total(folder):
    names = [n for n in os.listdir(os.path.join(ROOT, folder)) if n.endswith(".py")]
    return sum(lines_of(os.path.join(folder, n)) for n in names)


def file_table(text):
    """The code block under '## What is inside': (start, end) offsets."""
    start = text.index("```", text.index("## What is inside"))
    return start, text.index("```", start + 3)


def counted(text):
    """The README with every count in the file table set to the file's (the columns kept aligned)."""
    start, end = file_table(text)
    folder, out = None, []
    for line in text[start:end].split("\n"):
        room = ROOM.match(line)
        if re.match(r"^[\w/]+/\s", line):
            folder = line.split()[0]
        if room:
            line = line.replace(f"({room['total']} lines)", f"({room_total(folder):,} lines)")
        entry = FILE.match(line)
        if entry and folder:
            count = str(lines_of(os.path.join(folder, entry["name"])))
            width = len(entry["gap"]) + len(entry["count"])
            line = f"  {entry['name']}{count.rjust(width)}" + line[entry.end() :]
        out.append(line)
    return text[:start] + "\n".join(out) + text[end:]


def test_the_file_tables_line_counts_are_the_files():
    with open(README) as f:
        text = f.read()
    start, end = file_table(text)
    assert sum(bool(FILE.match(line)) for line in text[start:end].split("\n")) > 30  # the table was found and read
    fixed = counted(text)
    wrong = [(a, b) for a, b in zip(text.split("\n"), fixed.split("\n")) if a != b]
    assert not wrong, "README line counts out of date (python tests/test_readme.py fixes them):\n" + "\n".join(
        f"  {a.strip()[:60]}  ->  {b.strip()[:60]}" for a, b in wrong
    )


if __name__ == "__main__":
    with open(README) as f:
        text = f.read()
    with open(README, "w") as f:
        f.write(counted(text))
    print("README line counts set to the files'", file=sys.stderr)
