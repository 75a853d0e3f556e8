"""`make preview`'s own run: every example stack through the offline preview, the programs in one process
(``--jobs 1``) against worker processes (``--jobs N``), alternating so both see the same machine load.

    python -m benchmarks.bench_preview_all [--repeat 3] [--jobs 2]

Each run is the real command (``python -m tools.preview --all --exclude noncompliant-demo --format json``) in a
subprocess, start-up included; the JSON reports of every run must be identical (the script exits 1 otherwise).
Prints each run's wall time, the medians and their ratio, and the load average before and after.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = [sys.executable, "-m", "tools.preview", "--all", "--exclude", "noncompliant-demo", "--format", "json"]


def timed(jobs: int) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([*COMMAND, "--jobs", str(jobs)], cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"--jobs {jobs} exited {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
    return seconds, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    times: dict = {1: [], args.jobs: []}
    reports = set()
    for _ in range(args.repeat):
        for jobs in (1, args.jobs):
            seconds, report = timed(jobs)
            times[jobs].append(seconds)
            reports.add(report)
            print(f"--jobs {jobs}: {seconds:.1f} s")
    if len(reports) != 1:
        print("the reports differ between runs")
        return 1
    one, many = statistics.median(times[1]), statistics.median(times[args.jobs])
    print(f"median --jobs 1: {one:.1f} s; --jobs {args.jobs}: {many:.1f} s; ratio {many / one:.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
