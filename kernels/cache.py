"""Keep Numba's on-disk cache in step with every kernel source, not only each kernel's own file.

With cache=True Numba stores each compiled kernel beside its source and reuses it while that one
file is unchanged. Functions a kernel calls from another file are compiled into it, but an edit to
them does not invalidate it (a limitation listed in Numba's "Notes on Caching"): after an edit to
kernels/common.py, the cached landscape, per-example and Mandelbrot kernels would go on running the
old code. So kernels/common.py, which every kernel module imports first, calls clear_stale_cache():
a fingerprint of all kernels/*.py is kept beside the cache, and when it no longer matches, this
package's cache files are deleted, so the next call compiles the code as it now reads.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from numba.core.caching import InTreeCacheLocator, UserProvidedCacheLocator, UserWideCacheLocator

KERNELS = Path(__file__).parent
FINGERPRINT_FILE = "minnet-kernels.sha256"


def fingerprint(sources):
    """SHA-256 over the names and contents of the source files, in name order."""
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_folder():
    """Where Numba caches this package's kernels: the first of its locators that accepts them."""
    for locator_class in (UserProvidedCacheLocator, InTreeCacheLocator, UserWideCacheLocator):
        locator = locator_class.from_function(clear_stale_cache, __file__)
        if locator is not None:
            return Path(locator.get_cache_path())
    return None


def clear_stale_cache(sources=None, folder=None):
    """Delete the kernels' cache files in `folder` unless they were compiled from these `sources`.

    Returns True when it cleared them. Only files named after a source module (common.*.nbi,
    common.*.nbc, ...) are touched."""
    sources = list(KERNELS.glob("*.py")) if sources is None else list(sources)
    folder = cache_folder() if folder is None else Path(folder)
    if folder is None:
        return False
    stamp, current = folder / FINGERPRINT_FILE, fingerprint(sources)
    if stamp.exists() and stamp.read_text() == current:
        return False
    for source in sources:
        for cached in [*folder.glob(f"{source.stem}.*.nbi"), *folder.glob(f"{source.stem}.*.nbc")]:
            cached.unlink(missing_ok=True)  # another process may have removed it already
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "w") as f:
        f.write(current)
    os.replace(tmp, stamp)  # whole or absent, also with several processes starting at once
    return True
