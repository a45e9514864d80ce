"""The explorer's results kept on disk: what a view needs before its first picture (document 001's agreement
chunks from ten trained networks, the Mandelbrot models, double descent's points), computed once and read back.

A result is an .npz file in the user's cache folder ($XDG_CACHE_HOME/minnet/explorer, else
~/.cache/minnet/explorer), named by its kind and a digest of its key: every setting that determines it and
minnet's version (the package's version and a digest of minnet's own source files, so that an edit to
minnet/optim.py computes it again instead of showing the old numbers). The file holds its key too, and a
file whose key is not the one asked for is not used. Files are written whole or not at all
(minnet.tools.atomic); a file that cannot be read whole (cut short, a flipped bit, another key) is named on
stderr, computed again and replaced: never used, never silently.
"""

import hashlib
import json
import os
import sys
from importlib.metadata import PackageNotFoundError, version

import numpy as np

import minnet
from minnet.tools.atomic import read_npz, save_npz

KEY = "key"  # the member holding the file's key, as canonical JSON bytes


def default_folder():
    """$XDG_CACHE_HOME/minnet/explorer, else ~/.cache/minnet/explorer."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "minnet", "explorer")


def minnet_version():
    """The installed version and a digest of every .py file of minnet (and its kernels): what computed a result."""
    try:
        number = version("minnet")
    except PackageNotFoundError:
        number = "unknown"
    root = os.path.dirname(os.path.abspath(minnet.__file__))
    digest = hashlib.sha256()
    for folder in (root, os.path.join(os.path.dirname(root), "kernels")):
        for directory, dirs, files in sorted(os.walk(folder)):
            dirs.sort()
            for name in sorted(f for f in files if f.endswith(".py")):
                path = os.path.join(directory, name)
                digest.update(os.path.relpath(path, folder).encode() + b"\0")
                with open(path, "rb") as f:
                    digest.update(f.read())
    return f"{number}+{digest.hexdigest()[:12]}"


class DiskCache:
    """Results by (kind, settings), in `folder`; `computed` counts the results this cache had to compute."""

    def __init__(self, folder=None):
        self.folder = default_folder() if folder is None else folder
        self.version = minnet_version()
        self.computed = 0

    def key(self, kind, settings):
        """The canonical JSON of everything that determines a result."""
        return json.dumps({"kind": kind, "settings": settings, "minnet": self.version}, sort_keys=True)

    def path(self, kind, settings):
        return os.path.join(
            self.folder, f"{kind}-{hashlib.sha256(self.key(kind, settings).encode()).hexdigest()[:20]}.npz"
        )

    def get(self, kind, settings, compute):
        """The arrays compute() returns ({name: array}), from the file when it holds this key, else computed and saved."""
        path, key = self.path(kind, settings), self.key(kind, settings)
        if os.path.exists(path):
            try:
                arrays = read_npz(path)
                found = bytes(arrays.pop(KEY)).decode()
                if found != key:
                    raise ValueError(f"it holds another result ({found[:200]})")
                return arrays
            except Exception as err:  # noqa: BLE001  any damage: named, then computed again
                print(
                    f"minnet explorer: cache file {path} is unreadable ({type(err).__name__}: {err}); computing it again",
                    file=sys.stderr,
                )
        arrays = {name: np.asarray(value) for name, value in compute().items()}
        self.computed += 1
        try:
            save_npz(path, {**arrays, KEY: np.frombuffer(key.encode(), dtype=np.uint8)})
        except OSError as err:  # a full disk or a read-only home: the result is still right, only not kept
            print(
                f"minnet explorer: cannot keep {path} ({err.strerror}); it will be computed again next time",
                file=sys.stderr,
            )
        return arrays


class NoCache:
    """Computes every time, keeps nothing (python -m demos.explore --no-cache; a test's default)."""

    folder, computed = None, 0

    def get(self, kind, settings, compute):
        self.computed += 1
        return {name: np.asarray(value) for name, value in compute().items()}
