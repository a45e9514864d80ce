"""minnet.tools.threads: the one place that says how many threads minnet computes on."""

import json
import os
import subprocess
import sys

from minnet.tools import threads

SETTINGS = "import json; from minnet.tools import threads; {before}; print(json.dumps(threads.settings()))"


def settings_in_child(before="pass"):
    """threads.settings() as a fresh Python process sees them (this process's threads stay as they are)."""
    out = subprocess.run([sys.executable, "-c", SETTINGS.format(before=before)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return json.loads(out.stdout)


def test_a_server_computes_on_one_thread_of_each_library():
    seen = settings_in_child("threads.one_thread_each()")
    assert seen["numba"] == 1 and set(seen["openblas"]) <= {1}


def test_a_sweeps_worker_environment_is_single_threaded():
    with threads.single_threaded_children():
        seen = settings_in_child()
    assert seen["numba"] == 1 and set(seen["openblas"]) <= {1}
    assert all(seen[name] == "1" for name in threads.SINGLE_THREADED)


def test_settings_name_the_cores_and_every_variable():
    seen = threads.settings()
    assert seen["cores"] == os.cpu_count() and seen["numba"] >= 1
    assert set(threads.SINGLE_THREADED) <= set(seen)


def test_the_explorers_request_threads_compute_on_one_numba_thread():
    """Numba's thread count belongs to the thread that sets it: the server sets it in each request's thread."""
    import threading

    import numba

    from demos.explore.server import Server

    seen = []

    class Handler:
        def __init__(self, request, client_address, server):
            seen.append(numba.get_num_threads())

    server = Server.__new__(Server)  # no socket: only the request thread's set-up is tested
    thread = threading.Thread(target=server.process_request_thread, args=(None, None))
    server.finish_request = lambda request, client_address: Handler(request, client_address, server)
    server.shutdown_request = lambda request: None
    thread.start()
    thread.join()
    assert seen == [1]
