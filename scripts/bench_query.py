"""Time `ketamine-kg query NAME` end to end: process start to last row, on a current store.

Runs the installed console script as a user would (a fresh process each time), after
one warm-up run that makes sure the store is built, and prints the median and worst
of several runs per query against the target of 1 s.

    python scripts/bench_query.py                 # a few representative queries
    python scripts/bench_query.py approvals -n 20
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 1.0
DEFAULT_QUERIES = ["receptors-of-substance", "indications-by-evidence", "claim-evidence", "neighbourhood", "claims-by-section"]


def time_run(command: list[str]) -> float:
    start = time.perf_counter()
    run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{run.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="*", default=DEFAULT_QUERIES)
    parser.add_argument("-n", "--runs", type=int, default=7)
    parser.add_argument("--store", default="oxigraph", choices=["oxigraph", "memory"])
    args = parser.parse_args()
    exe = str(Path(sys.executable).parent / "ketamine-kg")
    warm = time_run([exe, "query", args.queries[0], "--store", args.store])
    print(f"warm-up (builds the store if stale): {warm:.2f} s")
    worst_median = 0.0
    for name in args.queries:
        times = [time_run([exe, "query", name, "--store", args.store]) for _ in range(args.runs)]
        median = statistics.median(times)
        worst_median = max(worst_median, median)
        print(f"ketamine-kg query {name:<26} median {median:.3f} s  max {max(times):.3f} s  "
              f"({median / TARGET:.0%} of the {TARGET:g} s target)")
    print(f"{'PASS' if worst_median < TARGET else 'FAIL'}: slowest median {worst_median:.3f} s (target < {TARGET:g} s)")


if __name__ == "__main__":
    main()
