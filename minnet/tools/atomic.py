"""Files written whole or not at all: a crash mid-write leaves the old file (or none), not half
of one.

Every file minnet writes (networks, histories, figures, sweep results, a study's results.npz and
summary.json) goes through `atomic_write`: the bytes go to a temporary file in the same folder,
which is then renamed over the target, and a rename within one file system is atomic. A study's
whole output folder is written the same way (`atomic_folder`): built beside --out, then renamed.

A folder replaced whole must be minnet's: it lists every path it wrote in its manifest
(`.minnet-manifest`), and a folder holding anything else, a file, a link or the working folder is
refused (`check_replaceable`) before any work starts and again just before the rename.
"""

import contextlib
import io
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import zipfile

import numpy as np


def current_umask():
    """The process's umask (reading it means setting it: set, then set back)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def atomic_write(path, write):
    """Call write(file) on a temporary file beside `path`, then rename it over `path`.

    A crash mid-write leaves the old file (or none), never a half-written one.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    os.chmod(tmp, 0o666 & ~current_umask())  # what a plain open() would give, not mkstemp's 0600
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_npz(f, arrays, compressed):
    """The .npz format, written member by member: a zip of one .npy file per array, never a pickle.

    (np.savez takes the names as keyword arguments, so an array called "file" or "allow_pickle"
    would be lost or refused; this writes any name.)"""
    with zipfile.ZipFile(
        f,
        "w",
        compression=zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED,
        allowZip64=True,
    ) as archive:
        for name, value in arrays.items():
            array = np.asanyarray(value)
            if array.dtype.hasobject:
                raise ValueError(
                    f"array {name!r} holds Python objects ({array.dtype}), which only a pickle "
                    "could save; refusing"
                )
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def read_npz(path):
    """The arrays of an .npz file, {name: array} with each member's name less its ".npy".

    Stricter than np.load: each member is read whole, so zip's CRC is checked, and its bytes must be
    exactly what its header's shape and dtype need (np.load reads what the header asks for and
    ignores the rest: a bit flip that shrinks a shape would load part of an array). Never a
    pickle."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename[: -len(".npy")]
            if not info.filename.endswith(".npy") or name in arrays:
                raise ValueError(f"member {info.filename!r} is not one .npy array of its own")
            data = archive.read(info)  # raises BadZipFile when the CRC does not match
            member = io.BytesIO(data)
            arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
            if member.tell() != len(data):
                raise ValueError(
                    f"member {info.filename!r} holds {len(data) - member.tell()} bytes "
                    "beyond its header's shape "
                    f"{arrays[name].shape}"
                )
    return arrays


def save_npz(path, arrays, compressed=False):
    """Write a dict of arrays to `path` as .npz, atomically (zip-deflated with compressed=True).

    np.load reads it."""
    atomic_write(path, lambda f: write_npz(f, arrays, compressed))


def strict(data):
    """`data` with every non-finite float (inf, NaN, as NumPy writes them too) replaced by None.

    Strict JSON has no Infinity."""
    if isinstance(data, dict):
        return {key: strict(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [strict(value) for value in data]
    if isinstance(data, (float, np.floating)):
        return float(data) if np.isfinite(data) else None
    if isinstance(data, np.integer):
        return int(data)
    if isinstance(data, np.bool_):
        return bool(data)
    return data


def save_json(path, data):
    """Write `data` to `path` as indented, strict JSON (non-finite numbers as null), atomically."""
    atomic_write(
        path, lambda f: f.write(json.dumps(strict(data), indent=2, allow_nan=False).encode())
    )


class OutputRefused(RuntimeError):
    """minnet will not write this --out: it holds files not minnet's, or another run writes it."""


class FolderBusy(OutputRefused):
    """Another live process is writing the folder this one wants to write."""


MANIFEST = ".minnet-manifest"  # in every folder minnet writes: the files it wrote, one path a line


def written_files(folder):
    """Every file and folder under `folder`, relative to it (folders end in /); no link followed."""
    found = []
    for root, dirs, files in os.walk(folder):
        relative = os.path.relpath(root, folder)
        prefix = "" if relative == "." else relative + "/"
        found += [prefix + d + "/" for d in dirs] + [prefix + f for f in files]
    return sorted(found)


def write_manifest(folder):
    """The manifest of `folder`: every path in it that minnet wrote (but the manifest itself)."""
    paths = [p for p in written_files(folder) if p != MANIFEST]
    with open(os.path.join(folder, MANIFEST), "w") as f:
        f.write("".join(p + "\n" for p in paths))


def not_minnets(folder):
    """The paths in `folder` that its manifest does not list (all of them when it has none)."""
    try:
        with open(os.path.join(folder, MANIFEST)) as f:
            listed = set(f.read().splitlines())
    except (OSError, UnicodeDecodeError):
        listed = set()
    return [p for p in written_files(folder) if p != MANIFEST and p not in listed]


def holds(folder, path):
    """Whether `path` is `folder` or lies inside it (links resolved)."""
    folder, path = os.path.realpath(folder), os.path.realpath(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_replaceable(out):
    """Raise OutputRefused unless minnet may replace `out` whole: it does not exist, or it is a
    folder, not a link, holding nothing but what minnet wrote there (its manifest), and it is not
    the folder this process runs in or one above it."""
    if holds(out, os.getcwd()):
        raise OutputRefused(
            f"--out {out} is the folder this command runs in (or holds it); "
            "minnet replaces its output folder whole: "
            "choose a new folder, e.g. --out minnet-out/NAME"
        )
    if not os.path.lexists(out):
        return
    if os.path.islink(out) or not os.path.isdir(out):
        raise OutputRefused(
            f"--out {out} is a {'link' if os.path.islink(out) else 'file'}, "
            "not a folder minnet wrote; minnet will "
            "not replace it: choose another --out"
        )
    foreign = not_minnets(out)
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        raise OutputRefused(
            f"--out {out} holds files minnet did not write ({shown}); "
            "minnet replaces only a folder it made (listed "
            f"in its {MANIFEST}) "
            "or an empty one: choose a new --out, or move those files away"
        )


def replace_folder(built, out):
    """Put the finished folder `built` at `out`.

    An earlier one there (checked again: minnet's own) is set aside, then removed."""
    check_replaceable(out)
    write_manifest(built)
    name = os.path.basename(out)
    old = None
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix=f".{name}.old-", dir=os.path.dirname(out))
        os.replace(out, old)  # a folder renamed over an empty one
    os.replace(built, out)
    if old:
        shutil.rmtree(old)


def process_start(pid):
    """When process `pid` started (clock ticks since boot, from /proc), or None where unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rpartition(")")[2].split()[19])  # field 22, after the (name)
    except (OSError, ValueError, IndexError):
        return None


def lock_record():
    """A lock file's text: this process's id, start time and host (a reused id is told apart)."""
    return {"pid": os.getpid(), "start": process_start(os.getpid()), "host": socket.gethostname()}


def lock_holder(lock):
    """The record in `lock` when it names a live process of this host that still is the writer; None
    when stale.

    A lock that cannot be read or parsed (0 bytes after a full disk, "0", "-1") is stale; so is one
    whose process is gone, or whose process id now belongs to a process that started later."""
    try:
        with open(lock) as f:
            record = json.loads(f.read())
        pid = record["pid"]
        if not (isinstance(pid, int) and pid > 0):
            return None
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if record.get("host") != socket.gethostname():
        return record  # another machine's process: it cannot be checked from here
    try:
        os.kill(pid, 0)  # signal 0: does that process exist?
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it exists, under another user
    return record if record.get("start") == process_start(pid) else None


def take_lock(lock, folder):
    """Create the lock file `lock` of `folder` holding lock_record(), or raise FolderBusy naming the
    process that holds it and the lock file. A stale lock (lock_holder) is taken over."""
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = lock_holder(lock)
            if holder is None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock)  # stale: its writer is gone
                continue
            raise FolderBusy(
                f"another run (process {holder['pid']} on {holder.get('host')}) is writing "
                f"{folder}; wait for it to "
                "finish, "
                f"or choose another --out; if no such run exists, delete {lock}"
            ) from None
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(lock_record()))
        return
    raise FolderBusy(f"cannot take the lock {lock} of {folder}: another run keeps taking it")


def remove_leftovers(parent, name):
    """Remove the partial and old folders of `name` that dead runs left (a live run holds the lock,
    so none is in use): only folders with minnet's names that hold its manifest."""
    for entry in os.listdir(parent):
        path = os.path.join(parent, entry)
        ours = entry.startswith((f".{name}.partial-", f".{name}.old-"))
        if (
            ours
            and os.path.isdir(path)
            and not os.path.islink(path)
            and os.path.exists(os.path.join(path, MANIFEST))
        ):
            shutil.rmtree(path, ignore_errors=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the process is so that its cleanup runs as for Ctrl-C."""


@contextlib.contextmanager
def signals_as_interrupts():
    """Within the block, SIGTERM and SIGHUP raise Terminated (in the main thread, else nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise Terminated(f"stopped by {signal.Signals(signum).name}")

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def make_staging(parent, name):
    """A new folder beside the output, with the permissions a plain mkdir gives (not mkdtemp's
    0700), marked as minnet's by an empty manifest from its first moment."""
    staging = tempfile.mkdtemp(prefix=f".{name}.partial-", dir=parent)
    os.chmod(staging, 0o777 & ~current_umask())  # what a plain mkdir gives
    write_manifest(staging)
    return staging


@contextlib.contextmanager
def atomic_folder(out):
    """Yield a new temporary folder beside `out` to write into. When the block ends normally the
    folder replaces `out` whole; when it raises (or is interrupted: Ctrl-C, SIGTERM, SIGHUP) the
    folder is removed and `out` is as it was. Refused before anything starts (OutputRefused) when
    `out` holds what minnet did not write, or when another run is writing it (a lock file
    `.<name>.lock` beside it)."""
    out = os.path.abspath(out)
    parent, name = os.path.split(out)
    check_replaceable(out)
    os.makedirs(parent, exist_ok=True)
    lock = os.path.join(parent, f".{name}.lock")
    with signals_as_interrupts():
        take_lock(lock, out)
        try:
            remove_leftovers(parent, name)
            staging = make_staging(parent, name)
            try:
                yield staging
                replace_folder(staging, out)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        finally:
            os.unlink(lock)
