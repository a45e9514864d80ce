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
