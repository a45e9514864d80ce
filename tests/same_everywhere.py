"""Every study's --quick claims under emulated CPUs: the same verdict for every row, or a list of what moved.

    python tests/same_everywhere.py [--out DIR] [--studies NAME ...]

Runs `python -m demos.report --quick` once per setting of tests/test_same_everywhere.py (this machine,
OpenBLAS's Prescott, Nehalem, Haswell and SkylakeX kernels, NumPy without its dispatched SIMD), each in
its own process and folder, then compares every claims row's verdict with this machine's. .ci/run runs
it after the test suite; it exits 1 when a verdict differs (a claim that holds on one CPU and not on
another is a bug) and prints, for every row whose measured value moved, both values.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_same_everywhere import ROOT, cpu_settings  # noqa: E402


def rows_of(folder):
    """{row id: (verdict, measured)} over every study's summary.json in a report folder."""
    rows = {}
    for study in sorted(os.listdir(folder)):
        path = os.path.join(folder, study, "summary.json")
        if os.path.isfile(path):
            with open(path) as f:
                for row in json.load(f)["claims"]:
                    rows[row["id"]] = (row["verdict"], row["measured"])
    return rows


def report_in(environment, folder, studies):
    env = {**os.environ, "PYTHONPATH": ROOT, "MPLBACKEND": "Agg", **environment}
    command = [sys.executable, "-m", "demos.report", "--quick", "--out", folder, "--workers", "2"]
    command += ["--studies", *studies] if studies else []
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the report failed under {environment}: {done.stderr[-3000:]}")
    return time.perf_counter() - started


def main(argv=None):
    p = argparse.ArgumentParser(prog="python tests/same_everywhere.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=None, help="folder for the reports (default: a temporary one)")
    p.add_argument("--studies", nargs="+", default=None, help="only these studies (default: every one)")
    args = p.parse_args(argv)
    root = args.out or tempfile.mkdtemp(prefix="minnet-same-everywhere-")
    found = {}
    for k, (name, environment) in enumerate(cpu_settings().items()):
        seconds = report_in(environment, os.path.join(root, f"setting{k}"), args.studies)
        found[name] = rows_of(os.path.join(root, f"setting{k}"))
        print(f"{name:<50}{len(found[name]):>5} rows  {seconds:6.0f} s", flush=True)
    reference_name, reference = next(iter(found.items()))
    differ = 0
    for name, rows in found.items():
        if set(rows) != set(reference):
            print(f"{name}: other rows than {reference_name}: {sorted(set(rows) ^ set(reference))}")
            differ += 1
        for id, (verdict, measured) in rows.items():
            if id not in reference:
                continue
            ref_verdict, ref_measured = reference[id]
            if verdict != ref_verdict:
                print(f"VERDICT DIFFERS {id}: {reference_name} {ref_verdict} ({ref_measured!r}), {name} {verdict} ({measured!r})")
                differ += 1
            elif measured != ref_measured:
                print(f"measured moved, verdict kept  {id}: {ref_measured!r} -> {measured!r} ({name})")
    print(f"{len(reference)} rows under {len(found)} settings: {'every verdict the same' if not differ else f'{differ} differences'}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
