"""How many threads minnet's processes compute on, and how their heap keeps memory: one policy, in
one place (`keep_freed_memory`, called by every study run and every sweep worker, is at the end).

Threads never exceed cores. A study run alone uses every core (OpenBLAS's and Numba's defaults);
every process minnet starts beside others computes on one thread for each library:

- a sweep's worker (minnet.tools.sweep: the report runs its studies as sweep tasks, one per core) is
  started with NUMBA_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1 in its environment
  (`single_threaded_children`, read when the worker imports the libraries) and runs each task
  with OpenBLAS set to one thread (`set_blas_threads(1)`), which also makes its sums independent of
  the core count (below);
- the explorer's server computes each request on one thread of each (`one_thread_each` when it
  starts, `one_numba_thread` in each request's thread: Numba's count is per thread): at most one
  heavy request per core;
- the benchmark prints what it ran with (`settings`).

Why ctypes and the environment rather than threadpoolctl: NumPy's wheels ship OpenBLAS, whose
`openblas_set_num_threads` is the one call that matters here, found in the loaded library (never a
second copy); Numba has its own `numba.set_num_threads`. threadpoolctl would add a dependency for
these two calls.
"""

import contextlib
import os

import numpy as np

# ----- OpenBLAS's threads ------------------------------------------------------------------
# OpenBLAS on several threads splits a long sum between them and adds the parts in another order:
# x @ x over more than 10,000 numbers, and A.T @ B over more than ~500 rows (a gradient summed over
# the examples) change in their last bits with the thread count, and a long training run carries
# that on (grokking, 577 training pairs: weight norms 0.016 apart after 300 steps). So every task
# runs on one BLAS thread: in a pool's worker, in this process, on a Dask cluster alike.
OPENBLAS_THREADS = (  # (set, get) of the OpenBLAS builds NumPy ships or links to
    # NumPy >= 2.0 wheels
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),  # NumPy 1.22-1.26 wheels
    ("openblas_set_num_threads", "openblas_get_num_threads"),  # a system OpenBLAS
)


def loaded_blas():
    """Paths of the BLAS libraries in this process: on Linux every one loaded (/proc/self/maps:
    address, permissions, offset, device, inode, path), elsewhere those NumPy's wheel ships
    (numpy.libs, numpy/.dylibs)."""
    import glob

    try:
        with open("/proc/self/maps") as f:
            paths = {
                fields[5].strip()
                for fields in (line.split(None, 5) for line in f)
                if len(fields) == 6
            }
    except OSError:
        here = os.path.dirname(np.__file__)
        libs, dylibs = os.path.join(here + ".libs", "*"), os.path.join(here, ".dylibs", "*")
        paths = glob.glob(libs) + glob.glob(dylibs)
    return sorted(path for path in paths if "blas" in os.path.basename(path).lower())


def blas_thread_controls():
    """[(set_threads, get_threads)] for every loaded OpenBLAS; empty for another BLAS (MKL,
    Accelerate: start Python with MKL_NUM_THREADS=1 or VECLIB_MAXIMUM_THREADS=1 for the same
    guarantee)."""
    import ctypes

    controls = []
    for path in loaded_blas():
        try:
            # the loaded one, never a second copy
            library = ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 0))
        except OSError:
            continue
        for set_name, get_name in OPENBLAS_THREADS:
            if hasattr(library, set_name) and hasattr(library, get_name):
                controls.append((getattr(library, set_name), getattr(library, get_name)))
                break
    return controls


def set_blas_threads(threads):
    """Every loaded OpenBLAS computes on `threads` threads from now on."""
    for set_threads, _ in blas_thread_controls():
        set_threads(threads)


def blas_threads():
    """The thread count of every loaded OpenBLAS."""
    return [get_threads() for _, get_threads in blas_thread_controls()]


@contextlib.contextmanager
def one_blas_thread():
    """Inside: OpenBLAS on one thread, as in a pool's worker; after: this process's counts back."""
    controls = blas_thread_controls()
    before = [get_threads() for _, get_threads in controls]
    set_blas_threads(1)
    try:
        yield
    finally:
        for (set_threads, _), threads in zip(controls, before):
            set_threads(threads)


SINGLE_THREADED = {
    name: "1"
    for name in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
}


@contextlib.contextmanager
def single_threaded_children():
    """Processes started inside this block see one-thread settings for Numba and BLAS (read when
    they import those libraries); this process, whose libraries are already loaded, is not
    affected."""
    saved = {name: os.environ.get(name) for name in SINGLE_THREADED}
    os.environ.update(SINGLE_THREADED)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


def numba_threads():
    """The number of threads Numba's parallel kernels use in this process."""
    import numba

    return numba.get_num_threads()


def one_numba_thread():
    """This thread's Numba kernels run on one thread. Numba's count belongs to the thread that sets
    it (a thread started later begins again with every core), so a server calls this in each
    request's thread."""
    import numba

    numba.set_num_threads(1)


def one_thread_each():
    """From now on this process computes on one OpenBLAS thread (a setting of the whole process)
    and this thread on one Numba thread (a server that runs one request per core)."""
    set_blas_threads(1)
    one_numba_thread()


def settings():
    """The thread settings this process computes with, as the benchmark prints them."""
    return {
        "cores": os.cpu_count(),
        "openblas": blas_threads(),
        "numba": numba_threads(),
        **{name: os.environ.get(name, "unset") for name in SINGLE_THREADED},
    }


# ----- the heap ------------------------------------------------------------------------------
def keep_freed_memory():
    """Keep the memory NumPy frees in the process's heap (glibc's malloc; elsewhere nothing): by
    default glibc maps every block above a threshold (128 KB at first) fresh from the system and
    returns it when freed, so each step's temporary arrays of a few hundred KB cost page faults:
    complex_mult spent 198 s of its 537 s of CPU in the kernel that way (2026-12-07, shared cores).
    Fixed thresholds (mallopt: M_MMAP_THRESHOLD 32 MB, glibc's largest, and M_TRIM_THRESHOLD 1 GB)
    reuse the heap instead. Allocation only: no number changes."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) and mallopt(M_TRIM_THRESHOLD, 1 << 30))
