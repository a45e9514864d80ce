"""minnet never deletes or overwrites what it did not write: --out, the report's --from, locks and leftovers."""

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap

import pytest

from demos import checkpointing, report
from minnet.tools.atomic import MANIFEST, lock_record, process_start


def quick(out, *extra):
    return checkpointing.main(["--quick", "--quiet", "--out", str(out), *extra])


def test_out_dot_in_a_folder_of_the_users_is_refused(tmp_path, monkeypatch):
    (tmp_path / "thesis.tex").write_text("keep")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="is the folder this command runs in"):
        quick(".")
    assert (tmp_path / "thesis.tex").read_text() == "keep"


def test_an_empty_out_is_refused_when_parsed(tmp_path, monkeypatch, capsys):
    (tmp_path / "thesis.tex").write_text("keep")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        quick("")
    assert stop.value.code == 2 and "argument --out: must be a folder's path, got ''" in capsys.readouterr().err
    assert (tmp_path / "thesis.tex").read_text() == "keep"


def test_a_file_is_not_replaced_by_a_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("keep")
    with pytest.raises(SystemExit, match="notes.txt is a file, not a folder minnet wrote"):
        quick(tmp_path / "notes.txt")
    assert (tmp_path / "notes.txt").read_text() == "keep"


def test_a_folder_with_the_users_files_is_refused_and_named(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("keep")
    with pytest.raises(SystemExit, match=r"holds files minnet did not write \(thesis.tex\)"):
        quick(out)
    assert (out / "thesis.tex").read_text() == "keep"


def test_minnets_own_folder_is_replaced_but_not_once_a_user_adds_a_file(tmp_path):
    out = tmp_path / "out"
    assert quick(out) == 0 and quick(out) == 0  # new, then minnet's own: replaced
    listed = set((out / MANIFEST).read_text().splitlines())
    assert {"summary.json", "results.npz"} <= listed
    (out / "my_notes.md").write_text("keep")
    with pytest.raises(SystemExit, match=r"my_notes.md"):
        quick(out)
    assert (out / "my_notes.md").read_text() == "keep"


def test_an_empty_folder_is_used_and_gets_a_normal_mode(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert quick(out) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask  # not mkdtemp's 0700


def study_folders(root):
    """A --from folder as a run of `python -m demos.checkpointing --out root/checkpointing` leaves it, plus a file of the user's."""
    assert quick(root / "checkpointing") == 0
    (root / "thesis.tex").write_text("keep")


@pytest.mark.parametrize("out", ["R", "R/checkpointing", "R/checkpointing/inner", "."])
def test_the_report_never_replaces_what_it_reads(tmp_path, monkeypatch, out):
    root = tmp_path / "R"
    study_folders(root)
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    with pytest.raises(SystemExit, match="overlaps"):
        report.main(["--studies", "checkpointing", "--from", "R", "--out", out])
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_the_report_beside_the_studies_is_fine(tmp_path):
    study_folders(tmp_path / "R")
    assert (
        report.main(
            ["--studies", "checkpointing", "--from", str(tmp_path / "R"), "--out", str(tmp_path / "R" / "report")]
        )
        == 0
    )
    assert (tmp_path / "R" / "report" / "index.html").exists() and (tmp_path / "R" / "thesis.tex").read_text() == "keep"


@pytest.mark.parametrize("content", ["", "0", "-1", "not json", '{"pid": "x"}'])
def test_an_unreadable_lock_is_stale(tmp_path, content):
    (tmp_path / ".out.lock").write_text(content)
    assert quick(tmp_path / "out") == 0
    assert not (tmp_path / ".out.lock").exists()


def test_a_lock_whose_process_id_was_reused_is_stale(tmp_path):
    """The lock names a live process (this one) but a start time that is not that process's: the id was reused."""
    record = lock_record()
    record["start"] = (process_start(os.getpid()) or 0) - 1
    (tmp_path / ".out.lock").write_text(json.dumps(record))
    assert quick(tmp_path / "out") == 0


def test_a_live_writer_is_refused_and_the_message_names_the_lock(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record = {"pid": holder.pid, "start": process_start(holder.pid), "host": socket.gethostname()}
        (tmp_path / ".out.lock").write_text(json.dumps(record))
        with pytest.raises(SystemExit, match=rf"process {holder.pid} .* delete .*\.out\.lock"):
            quick(tmp_path / "out")
    finally:
        holder.kill()
        holder.wait()
    assert quick(tmp_path / "out") == 0  # its writer is gone: the lock is stale


WRITER = textwrap.dedent("""
    import os, sys, time
    from minnet.tools.atomic import atomic_folder
    with atomic_folder(sys.argv[1]) as staging:
        open(os.path.join(staging, "half.txt"), "w").write("half")
        print("writing", flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_a_killed_run_leaves_nothing_behind_for_long(tmp_path, sig):
    """SIGTERM and SIGHUP clean up as Ctrl-C does; after SIGKILL the next run removes the leftovers."""
    out = tmp_path / "out"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(out)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(sig)
    writer.wait(timeout=30)
    left = sorted(p.name for p in tmp_path.iterdir())
    if sig != signal.SIGKILL:
        assert left == []
    else:
        assert ".out.lock" in left and any(name.startswith(".out.partial-") for name in left)
        assert quick(out) == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftovers_are_removed_only_when_they_are_minnets(tmp_path):
    (tmp_path / ".out.partial-mine").mkdir()
    (tmp_path / ".out.partial-mine" / "data.txt").write_text("keep")  # a user's folder that happens to have that name
    assert quick(tmp_path / "out") == 0
    assert (tmp_path / ".out.partial-mine" / "data.txt").read_text() == "keep"
