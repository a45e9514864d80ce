"""python -m demos.exercises runs a student's code in a process of its own: a hang, an exit or a crash is a failure that
says so (exit status 1, one line), nothing is left in the student's folder or the working folder, minnet's own function
does not pass, a bad option is one line naming it before any work, and the bug hunt refuses without minnet's tests and
leaves nothing behind when stopped."""

import glob
import os
import signal
import subprocess
import sys
import time

import pytest

from demos import exercises as ex

POSIX_PROC = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads processes from /proc")


def student(folder, *lines, name="adam", solution=False):
    """folder/NAME.py as `start` writes it, its blank replaced by `lines` (then minnet's own lines with `solution`)."""
    ex.main(["start", name, "--dir", str(folder)])
    path = folder / f"{name}.py"
    blank = f'    raise NotImplementedError("exercise {name}: write these lines")'
    body = list(lines) + (ex.solution_lines(name) if solution else [])
    path.write_text(path.read_text().replace(blank, "\n".join("    " + line for line in body)))
    return path


def command(*argv, env=None, timeout=120):
    """python -m demos.exercises ARGV as a student runs it: (exit status, stdout, stderr)."""
    run = subprocess.run(
        [sys.executable, "-m", "demos.exercises", *argv],
        cwd=ex.ROOT,
        env=dict(os.environ, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return run.returncode, run.stdout, run.stderr


def alive(pid):
    """Whether process `pid` runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid):
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(stat.split("/")[2]))
        except (OSError, IndexError, ValueError):
            continue
    return found


def waited(condition, seconds=60):
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.05)


# ----- check: the student's code in its own process ----------------------------------------------
@POSIX_PROC
def test_a_hang_ends_at_the_time_limit_with_everything_it_started(tmp_path):
    pids = tmp_path / "pids"
    student(
        tmp_path,
        "import os, subprocess",
        "sleeper = subprocess.Popen(['sleep', '300'])",
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{sleeper.pid}}')",
        "while True: pass",
    )
    started = time.monotonic()
    status, out, err = command("check", "adam", "--dir", str(tmp_path), "--timeout", "2", timeout=60)
    assert status == 1 and time.monotonic() - started < 30
    assert "FAIL  shapes: your code did not finish in 2 s" in out, out + err
    assert not any(alive(int(pid)) for pid in pids.read_text().split())


@pytest.mark.parametrize("call", ["import sys; sys.exit(0)", "exit()", "import os; os._exit(0)"])
def test_an_exit_in_the_students_code_is_a_failure_not_a_pass(tmp_path, call):
    student(tmp_path, call)
    status, out, err = command("check", "adam", "--dir", str(tmp_path), timeout=60)
    assert status == 1 and "FAIL  shapes: your code called exit" in out, out + err
    if "os._exit" not in call:
        assert f"(line 21 of adam.py: {call})" in out, out


def test_a_crash_of_python_itself_is_a_failure_with_the_students_line(tmp_path):
    student(tmp_path, "import ctypes; ctypes.string_at(0)")
    status, out, err = command("check", "adam", "--dir", str(tmp_path), timeout=60)
    assert status == 1, out + err
    assert "FAIL  shapes: your code crashed Python (Segmentation fault) (line 21 of adam.py: import ctypes" in out, out


def test_an_error_in_the_students_code_names_its_line(tmp_path, capsys):
    student(tmp_path, "m_hat = self.m / undefined_name")
    assert ex.main(["check", "adam", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "your code raised NameError: name 'undefined_name' is not defined (line 21 of adam.py: m_hat" in out, out


def test_a_check_leaves_the_students_folder_and_the_working_folder_as_they_were(tmp_path, monkeypatch, capsys):
    """The student's code runs in a temporary working folder: its relative paths do not reach the user's files; no
    .hypothesis/ and no __pycache__/ appear beside the student's file."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    (tmp_path / "notes.txt").write_text("the user's own")
    student(tmp_path, "import os", "if os.path.exists('notes.txt'): os.remove('notes.txt')", solution=True)
    monkeypatch.chdir(tmp_path)
    assert ex.main(["check", "adam", "--dir", "."]) == 0, capsys.readouterr().out
    assert sorted(os.listdir(tmp_path)) == ["adam.py", "notes.txt", ex.PROGRESS]  # and the progress file
    assert (tmp_path / "notes.txt").read_text() == "the user's own"


def test_check_runs_without_hypothesis(tmp_path):
    """hypothesis comes with the [test] extra only: a base install's check passes a correct solution."""
    shadow = tmp_path / "shadow" / "hypothesis"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('hypothesis is not installed')\n")
    student(tmp_path, solution=True)
    path = os.pathsep.join(p for p in (str(shadow.parent), os.environ.get("PYTHONPATH")) if p)
    status, out, err = command("check", "adam", "--dir", str(tmp_path), env={"PYTHONPATH": path}, timeout=60)
    assert status == 0 and out.count("PASS") == 3, out + err


@pytest.mark.parametrize(
    "name, source, whose",
    [
        ("adam", "from minnet.optim import Adam\n_update = Adam._update\n", "minnet.optim.Adam._update"),
        ("adam", "from minnet.optim import RMSprop\n_update = RMSprop._update\n", "minnet.optim.RMSprop._update"),
        ("five_point_difference", "from minnet.gradcheck import *\n", "minnet.gradcheck.numerical_gradient"),
    ],
)
def test_minnets_own_function_does_not_pass(tmp_path, capsys, name, source, whose):
    (tmp_path / f"{name}.py").write_text(source)
    assert ex.main(["check", name, "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  loading your file: your file uses minnet's own {whose}" in out and "PASS" not in out, out


# ----- bad options: one line naming the argument and the value, before any work -----------------------
@pytest.mark.parametrize(
    "argv, words",
    [
        (["start", "adam", "--dir", "{file}"], "argument --dir: must be a folder, got '{file}', a file"),
        (["start", "adam", "--dir", ""], "argument --dir: must be a folder's path, got ''"),
        (["start", "adam", "--dir", "/proc/x"], "argument --dir: cannot write in '/proc/x'"),
        (["hint", "adam", "--dir", "{file}"], "argument --dir: must be a folder, got '{file}', a file"),
        (["check", "adam", "--dir", "{missing}"], "argument --dir: no such folder: '{missing}'"),
        (["check", "adam", "--timeout", "0"], "argument --timeout: must be a finite number > 0 and <= 3600, got '0'"),
        (["check", "adam", "--timeout", "nan"], "argument --timeout: must be a finite number > 0 and <= 3600, got 'nan'"),
        (["check", "adam", "--timeout", "1e9"], "argument --timeout: must be a finite number > 0 and <= 3600, got '1e9'"),
    ],
)  # fmt: skip
def test_a_bad_option_is_one_line_naming_it(tmp_path, capsys, argv, words):
    if "/proc/x" in argv and not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    file, missing = tmp_path / "a_file", tmp_path / "missing"
    file.write_text("not a folder")
    fill = lambda text: text.format(file=file, missing=missing)  # noqa: E731
    with pytest.raises(SystemExit) as stopped:
        ex.main([fill(a) for a in argv])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert fill(words) in err and err.count("\n") == 1, err
    assert file.read_text() == "not a folder" and not missing.exists()


@pytest.mark.parametrize("text", ["abc", "-5", "", "1.5"])
def test_a_hints_file_minnet_did_not_write_is_refused_and_left_alone(tmp_path, text):
    counter = tmp_path / ".adam.hints"
    counter.write_text(text)
    with pytest.raises(SystemExit, match=f"the hints file .*holds {text!r}, not the count of hints shown"):
        ex.main(["hint", "adam", "--dir", str(tmp_path)])
    assert counter.read_text() == text


def test_a_hints_file_that_links_elsewhere_is_not_written_through(tmp_path):
    users = tmp_path / "users_file"
    users.write_text("1")
    (tmp_path / ".adam.hints").symlink_to(users)
    with pytest.raises(SystemExit, match="the hints file .* not the count of hints shown"):
        ex.main(["hint", "adam", "--dir", str(tmp_path)])
    assert users.read_text() == "1"


# ----- the bug hunt ----------------------------------------------------------------------------------
def test_the_bug_hunt_refuses_without_minnets_tests(tmp_path):
    """Installed, minnet has no tests/: the bug hunt names the test files it lacks instead of calling every mistake
    caught (or every check broken)."""
    for part in ("minnet", "kernels", "demos"):
        os.symlink(os.path.join(ex.ROOT, part), tmp_path / part)
    run = subprocess.run(
        [sys.executable, "-m", "demos.exercises", "bughunt", "sign_flip"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "caught" not in run.stdout, run.stdout
    assert "bughunt runs minnet's tests" in run.stderr and "tests/test_gradients.py, tests/test_hessian" in run.stderr
    assert run.stderr.count("\n") == 1, run.stderr


def test_the_bug_hunt_names_a_missing_module(monkeypatch):
    monkeypatch.setattr(ex, "TEST_MODULES", ("pytest", "no_such_module_for_minnet"))
    with pytest.raises(SystemExit, match="lacks the module no_such_module_for_minnet"):
        ex.main(["bughunt", "sign_flip"])


def ctrl_c_as_at_a_terminal():
    """The child starts with Ctrl-C's default (Python turns it into KeyboardInterrupt): a job started in the
    background without job control, as CI may be, inherits SIGINT ignored, and so would every child."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@POSIX_PROC
@pytest.mark.parametrize(
    "argv, signum",
    [
        (["bughunt", "sign_flip"], signal.SIGTERM),
        (["bughunt", "sign_flip"], signal.SIGINT),
        (["check", "adam", "--dir", "{dir}"], signal.SIGTERM),
    ],
)
def test_stopped_midway_it_leaves_no_process_and_no_temporary_folder(tmp_path, argv, signum):
    """Killed (SIGTERM) or interrupted (Ctrl-C) while its child runs (the bug hunt's pytest, the check's student code),
    the command kills its child's process group, removes its temporary folder and says so in one line."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    student(tmp_path, "while True: pass")
    process = subprocess.Popen(
        [sys.executable, "-m", "demos.exercises", *[a.format(dir=tmp_path) for a in argv]],
        cwd=ex.ROOT,
        env=dict(os.environ, TMPDIR=str(temporary)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_as_at_a_terminal,
    )
    try:
        waited(lambda: children(process.pid) and os.listdir(temporary))
        time.sleep(0.5)  # the child started its own work
        started = children(process.pid)
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert os.listdir(temporary) == [] and not any(alive(pid) for pid in started)
