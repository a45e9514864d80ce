"""Keep Numba's on-disk cache in step with every kernel source, not only each kernel's own file.

With cache=True Numba stores each compiled kernel and reuses it while that kernel's own file is
unchanged. Functions a kernel calls from another file are compiled into it, but an edit to them
does not invalidate it (a limitation listed in Numba's "Notes on Caching"): after an edit to
kernels/common.py, the cached landscape, per-example and Mandelbrot kernels would go on running the
old code.

So the cache lives in a folder named after a fingerprint of all kernels/*.py (and of
minnet/arithmetic.py, whose e^x constants kernels/exp.py compiles in), taken when this
module is imported, before any kernel is defined (kernels/exp.py and kernels/common.py import it
first):

    <root>/numba-<first 16 hex digits of the SHA-256 of every kernel source>/

An edit gives a new fingerprint, hence an empty folder, and the next call compiles the code as it
now reads. A process that imported the sources before an edit can only ever save what it compiled
into the folder of the sources it read, never into the new one: it cannot poison the cache of
later processes. Folders of earlier fingerprints are removed. <root> is kernels/__pycache__, or
the folder NUMBA_CACHE_DIR names when it is set.
"""

import hashlib
import os
import shutil
import sys
from pathlib import Path

from numba.core import config

KERNELS = Path(__file__).parent
PREFIX = "numba-"


def fingerprint(sources):
    """SHA-256 over the names and contents of the source files, in name order."""
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_root():
    """Where the fingerprint folders go: NUMBA_CACHE_DIR when set, else kernels/__pycache__."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    return Path(given) if given else KERNELS / "__pycache__"


def kernel_sources():
    """kernels/*.py, and minnet/arithmetic.py, whose constants kernels/exp.py compiles in."""
    return [*KERNELS.glob("*.py"), KERNELS.parent / "minnet" / "arithmetic.py"]


def cache_folder_for(sources, root):
    """The cache folder of these exact sources under `root`."""
    return Path(root) / f"{PREFIX}{fingerprint(sources)[:16]}"


def select_cache(sources=None, root=None):
    """Point Numba's cache at the folder of the current kernel sources and remove the folders of
    earlier ones.

    Returns that folder. (A process still running on an earlier fingerprint may then fail to save a
    kernel it compiles: Numba warns and runs it uncached; it never loads another version's code.)"""
    sources = kernel_sources() if sources is None else list(sources)
    root = cache_root() if root is None else Path(root)
    folder = cache_folder_for(sources, root)
    if (
        not folder.exists() and not config.DISABLE_JIT
    ):  # no kernel of these sources compiled yet: say so once, not silently wait
        print(
            "minnet: compiling the Numba kernels for these sources, about 30 s, once "
            f"(cached in {folder})",
            file=sys.stderr,
            flush=True,
        )
    folder.mkdir(parents=True, exist_ok=True)
    for other in root.glob(f"{PREFIX}*"):
        if other != folder and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
    config.CACHE_DIR = str(folder)  # read by Numba when each @njit(cache=True) function is defined
    return folder


CACHE_FOLDER = select_cache()
