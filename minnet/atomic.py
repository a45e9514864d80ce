"""Files written whole or not at all: a crash mid-write leaves the old file (or none), never half of one.

Every file minnet writes (networks, histories, figures, sweep results, a study's results.npz and
summary.json) goes through `atomic_write`: the bytes go to a temporary file in the same folder,
which is then renamed over the target, and a rename within one file system is atomic. A study's
whole output folder is written the same way (`atomic_folder`): built beside --out, then renamed.
"""

import contextlib
import json
import os
import shutil
import tempfile
import zipfile

import numpy as np


def atomic_write(path, write):
    """Call write(file) on a temporary file beside `path`, then rename it over `path`.

    A crash mid-write leaves the old file (or none), never a half-written one.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # the permissions a plain open() would give, not mkstemp's 0600
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
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, value in arrays.items():
            array = np.asanyarray(value)
            if array.dtype.hasobject:
                raise ValueError(f"array {name!r} holds Python objects ({array.dtype}), which only a pickle could save; refusing")
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def save_npz(path, arrays, compressed=False):
    """Write a dict of arrays to `path` as .npz (zip-deflated with compressed=True), atomically; np.load reads it."""
    atomic_write(path, lambda f: write_npz(f, arrays, compressed))


def strict(data):
    """`data` with every non-finite float (inf, NaN, as NumPy writes them too) replaced by None: strict JSON has no Infinity."""
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
    atomic_write(path, lambda f: f.write(json.dumps(strict(data), indent=2, allow_nan=False).encode()))


def replace_folder(built, out):
    """Put the finished folder `built` at `out`: an earlier one there is set aside, then removed."""
    old = None
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix=".old-", dir=os.path.dirname(os.path.abspath(out)))
        os.replace(out, os.path.join(old, "previous"))
    os.replace(built, out)
    if old:
        shutil.rmtree(old)


class FolderBusy(RuntimeError):
    """Another live process is writing the folder this one wants to write."""


def take_lock(lock, folder):
    """Create the lock file `lock` of `folder` holding this process's id, or raise FolderBusy naming the process that holds it.

    A lock left by a process that no longer runs is taken over."""
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                with open(lock) as f:
                    holder = int(f.read().strip() or 0)
                os.kill(holder, 0)  # signal 0: does that process exist?
            except (ValueError, ProcessLookupError, FileNotFoundError):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock)  # stale: its writer is gone
                continue
            except PermissionError:
                pass  # it exists, under another user
            raise FolderBusy(f"another run (process {holder}) is writing {folder}; wait for it to finish or choose another --out") from None
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return
    raise RuntimeError(f"cannot take the lock {lock}")


@contextlib.contextmanager
def atomic_folder(out):
    """Yield a new temporary folder beside `out` to write into. When the block ends normally the folder
    replaces `out` whole; when it raises (or is interrupted) the folder is removed and `out` is as it was.
    A second writer into the same `out` at the same time is refused (a lock file `.<name>.lock` beside it)."""
    out = os.path.abspath(out)
    parent, name = os.path.split(out)
    os.makedirs(parent, exist_ok=True)
    lock = os.path.join(parent, f".{name}.lock")
    take_lock(lock, out)
    try:
        staging = tempfile.mkdtemp(prefix=f".{name}.partial-", dir=parent)
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        replace_folder(staging, out)
    finally:
        os.unlink(lock)

