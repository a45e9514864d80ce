"""Many independent trainings, on every local core by default or on any executor (a Dask
cluster, for one).

    from minnet.tools import sweep
    results = sweep.run(train_one, [{"seed": s, "lr": lr} for s in range(10) for lr in (0.1, 0.3)])

`fn(config)` is called once per config; results come back in config order, whatever the executor
and the number of workers: each config carries everything its run needs, its seed included, and
every task computes with OpenBLAS on one thread wherever it runs (`one_blas_thread`), so a run does
not depend on where or when it ran. minnet does not schedule anything itself:

- default: a local process pool with one worker per core (`concurrent.futures`), started with
  "spawn" (forking a process that has Numba's threads running is not safe); the workers are started
  with one thread each for Numba and BLAS, so that the workers, not their threads, share the cores;
- any `concurrent.futures.Executor`; for a Dask cluster,
  `dask.distributed.Client(address).get_executor()`
  (``pip install "minnet[dask]"``; Dask is imported only when asked for, see `dask_executor`).

A task that raises does not stop the sweep: its config and traceback are reported, the other results
are kept, and the failure is listed in the returned `Results.failures`. With `folder`, every result
is saved as it arrives (atomically, .npz without pickle, named by a hash of its config), and a
re-run loads what is there and runs only the missing configs. Results to be saved must be dicts of
arrays and numbers.
"""

import concurrent.futures as cf
import contextlib
import hashlib
import json
import multiprocessing
import os
import sys
import traceback

import numpy as np

from minnet.tools import progress
from minnet.tools.atomic import read_npz, save_npz
from minnet.tools.history import UNREADABLE
from minnet.tools.threads import (  # noqa: F401  (one_blas_thread, blas_threads: re-exported)
    blas_threads,
    keep_freed_memory,
    one_blas_thread,
    set_blas_threads,
    single_threaded_children,
)


class Results(list):
    """fn's results in config order (None where a task failed); `failures` lists what failed."""

    def __init__(self, values, failures):
        super().__init__(values)
        self.failures = failures


def canonical(value, where="config"):
    """`value` as plain JSON values, the same for equal configs: NumPy scalars become Python
    numbers, arrays their dtype, shape and the SHA-256 of their bytes; anything else is refused,
    naming where it sits."""
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be strings, got {key!r}")
        return {key: canonical(v, f"{where}[{key!r}]") for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray) and value.dtype != object:
        data = np.ascontiguousarray(value)
        return {
            "array": str(data.dtype),
            "shape": list(data.shape),
            "sha256": hashlib.sha256(data.tobytes()).hexdigest(),
        }
    raise TypeError(
        f"{where}: a sweep config holds plain values "
        "(numbers, strings, lists, dicts, numeric arrays), got "
        f"{type(value).__name__}"
    )


def canonical_json(config):
    """A config as text, the same for equal configs (see `canonical`), keys sorted."""
    return json.dumps(canonical(config), sort_keys=True)


def config_key(config):
    """A stable name for a config: the SHA-1 of its canonical JSON (see `canonical_json`)."""
    return hashlib.sha1(canonical_json(config).encode()).hexdigest()[:16]


# ----- each task on one BLAS thread (the policy: minnet.tools.threads) -------------------------
def call(fn, config):
    """Run fn(config) with OpenBLAS on one thread, wherever it runs: ("ok", result) or ("error",
    traceback text). The thread count is left at one: a worker runs only tasks, and `run` restores
    its own process's."""
    set_blas_threads(1)
    try:
        return "ok", fn(config)
    except Exception:  # noqa: BLE001 - a failure is reported with its config, and stops nothing
        return "error", traceback.format_exc()


def start_worker(parent, reports):
    """A local pool's worker starts here: it exits with its parent, and its tasks' progress goes to
    the queue `reports` (none: not reported; a queue nobody reads could keep a worker from
    exiting)."""
    exit_with_parent(parent)
    keep_freed_memory()
    if reports is not None:
        progress.REPORT = lambda desc, done, total: reports.put((os.getpid(), desc, done, total))


def exit_with_parent(parent):
    """In a worker: a daemon thread that ends this process once `parent` (the sweep's process) is
    gone, so that no orphaned worker goes on computing results nobody collects."""
    import threading
    import time

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def local_executor(workers=None, reports=None, tasks=None):
    """A process pool over `workers` processes (default: every core; never more than `tasks`, if
    given), started with spawn; its workers exit when this process dies and put their tasks'
    progress on the queue `reports`, if one is given."""
    workers = workers or os.cpu_count() or 1
    return cf.ProcessPoolExecutor(
        max_workers=min(workers, tasks) if tasks else workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(os.getpid(), reports),
    )


def stop(executor, futures):
    """After Ctrl-C: cancel what has not started, end our pool's workers at once (tasks lost)."""
    for future in futures:
        future.cancel()
    # ProcessPoolExecutor keeps its workers there
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


@contextlib.contextmanager
def dask_executor(address):
    """A concurrent.futures executor on the Dask cluster at `address` (e.g. "tcp://host:8786"), its
    client closed at the end of the block (a client left open in a process that goes on, a test or
    a notebook, keeps trying to reach a scheduler that has stopped)."""
    try:
        from dask.distributed import Client
    except ImportError as err:
        raise ImportError(
            'running on a Dask cluster needs Dask: pip install "minnet[dask]"'
        ) from err
    with Client(address) as client:
        yield client.get_executor()


CONFIG_KEY = "__config__"  # in a saved result: the config it was computed from, as JSON


def result_arrays(result, config):
    """A result as the arrays a folder keeps, with its config (never a pickle).

    A ValueError says what cannot be kept."""
    if not isinstance(result, dict):
        raise ValueError(
            "results saved to a folder must be dicts of arrays and numbers, "
            f"got {type(result).__name__}"
        )
    arrays = {key: np.asarray(value) for key, value in result.items()}
    for key, array in arrays.items():
        if not isinstance(key, str) or key == CONFIG_KEY:
            raise ValueError(f"result keys must be strings other than {CONFIG_KEY!r}, got {key!r}")
        if array.dtype == object:
            raise ValueError(
                f"result[{key!r}] is not numbers or strings "
                f"(it holds {type(result[key]).__name__}: None, mixed or "
                "ragged values); it cannot be saved without pickle"
            )
    arrays[CONFIG_KEY] = np.array(canonical_json(config))
    return arrays


def load_result(path, config):
    """The result saved at `path` for `config`, or None (with a message naming the file) when it
    cannot be read or was made from another config: then its task runs again."""
    try:
        data = read_npz(path)
        made_from = str(data.pop(CONFIG_KEY))
    except (*UNREADABLE, KeyError) as err:
        print(
            f"sweep: {path} cannot be read as a result ({type(err).__name__}: {err}); "
            "its task runs again",
            file=sys.stderr,
        )
        return None
    if made_from != canonical_json(config):
        print(
            f"sweep: {path} was made from the config {made_from}, not {canonical_json(config)}; "
            "its task runs again",
            file=sys.stderr,
        )
        return None
    return {key: value if value.ndim else value.item() for key, value in data.items()}


class ProgressBar:
    """The sweep's bar: finished tasks, and after them how far each running task is (what its
    minnet.tools.progress loops report, from this process or from the pool's workers through a
    queue)."""

    def __init__(self, total, enabled):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, desc="sweep", leave=False) if enabled else None
        self.running = {}  # reporter -> "desc done/total"
        self.reports = multiprocessing.get_context("spawn").Queue() if enabled else None
        self.reader = None

    def report(self, who, desc, done, total):
        self.running[who] = f"{desc} {done:,}/{total:,}"
        if done >= total:
            del self.running[who]
        self.bar.set_postfix_str(" | ".join(self.running.values()), refresh=True)

    def read_reports(self):
        """Show what the workers report until the sentinel None arrives (in a thread of its own)."""
        for message in iter(self.reports.get, None):
            self.report(*message)

    @contextlib.contextmanager
    def shown(self, in_this_process):
        """While the tasks run, their reports reach the bar (directly when run in this process)."""
        if self.bar is None:
            yield
            return
        import threading

        saved = progress.REPORT
        if in_this_process:
            progress.REPORT = lambda desc, done, total: self.report(
                "this process", desc, done, total
            )
        else:  # the workers' reports arrive through the queue
            self.reader = threading.Thread(target=self.read_reports, daemon=True)
            self.reader.start()
        try:
            yield
        finally:
            progress.REPORT = saved
            if self.reader is not None:
                self.reports.put(None)
                self.reader.join(timeout=5)

    def update(self):
        if self.bar is not None:
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def run(fn, configs, executor=None, workers=None, progress=True, folder=None):
    """Evaluate fn(config) for every config; the results in config order (a `Results` list).

    Parameters
    ----------
    fn : a module-level function (it is sent to other processes)
    configs : list of JSON-like dicts, each with everything its run needs, its seed included
    executor : a concurrent.futures.Executor; default a local process pool (see local_executor)
    workers : processes of the default pool, a positive int (default: every core; never more than
        the tasks); 1 runs in this process
    progress : a progress bar over finished tasks
    folder : save each result there as it arrives, and reuse what a previous run saved

    Ctrl-C (KeyboardInterrupt) cancels the tasks not yet started, keeps (and saves) every result
    that has arrived, ends the local pool's workers and re-raises: a re-run with the same folder
    computes only what is missing.
    """
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ValueError(f"workers must be a positive integer or None, got {workers!r}")
    configs = list(configs)
    values, failures = [None] * len(configs), []
    todo = list(range(len(configs)))
    if folder is not None:
        os.makedirs(folder, exist_ok=True)
        paths = [os.path.join(folder, config_key(c) + ".npz") for c in configs]
        for k in [k for k in todo if os.path.exists(paths[k])]:
            values[k] = load_result(paths[k], configs[k])
        todo = [k for k in todo if values[k] is None]
    bar = ProgressBar(len(todo), progress)

    def collect(k, outcome):
        status, value = outcome
        if status == "ok" and folder is not None:
            try:
                save_npz(paths[k], result_arrays(value, configs[k]))
            except ValueError as err:
                status, value = "error", f"its result cannot be saved: {err}"
        if status == "ok":
            values[k] = value
        else:
            failures.append((k, configs[k], value))
            print(f"sweep: task {k} with config {configs[k]} failed:\n{value}", file=sys.stderr)
        bar.update()

    if executor is None and workers == 1:
        with bar.shown(in_this_process=True), one_blas_thread():
            for k in todo:
                collect(k, call(fn, configs[k]))
    else:
        own = executor is None
        executor = local_executor(workers, bar.reports, len(todo)) if own else executor
        futures = {}
        try:
            # a spawned pool starts its workers as tasks are submitted
            with single_threaded_children():
                futures = {executor.submit(call, fn, configs[k]): k for k in todo}
            with bar.shown(in_this_process=False):
                for future in cf.as_completed(futures):
                    collect(futures[future], future.result())
        except KeyboardInterrupt:
            for future, k in futures.items():  # what finished before the signal is kept
                if (
                    future.done()
                    and not future.cancelled()
                    and values[k] is None
                    and future.exception() is None
                ):
                    collect(k, future.result())
            if own:
                stop(executor, futures)
            raise
        if own:
            executor.shutdown()
    bar.close()
    return Results(values, sorted(failures, key=lambda f: f[0]))
