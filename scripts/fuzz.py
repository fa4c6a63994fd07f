#!/usr/bin/env python3
"""Fuzz the data loader for a long while: the property tests of tests/test_properties.py
under hypothesis's ``long`` profile (thousands of examples per property, not 100).

    .venv/bin/python scripts/fuzz.py                 # 3,000 examples per property
    .venv/bin/python scripts/fuzz.py --examples 20000

Prints, per property, how many examples ran, how many loaded and how many were refused
with a located error, and the time taken; exits non-zero if any property failed (pytest
then shows the smallest failing input and a ``@reproduce_failure`` line to replay it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3000, help="examples per property (default 3000)")
    parser.add_argument("-k", default=None, help="only the properties whose name matches (pytest -k)")
    args = parser.parse_args()
    env = dict(os.environ, KKG_HYPOTHESIS_PROFILE="long", KKG_HYPOTHESIS_EXAMPLES=str(args.examples))
    command = [sys.executable, "-m", "pytest", str(ROOT / "tests" / "test_properties.py"), "-q", "-p", "no:cacheprovider",
               "--hypothesis-show-statistics"]
    if args.k:
        command += ["-k", args.k]
    print(f"fuzzing the data loader: {args.examples} examples per property", flush=True)
    started = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    _summarise(proc.stdout)
    if proc.returncode != 0:
        print(proc.stdout[-20000:])
        print(proc.stderr[-5000:], file=sys.stderr)
    print(f"{'PASSED' if proc.returncode == 0 else 'FAILED'}: no crash in {elapsed:.0f} s" if proc.returncode == 0
          else f"FAILED after {elapsed:.0f} s (see above)")
    return proc.returncode


def _summarise(output: str) -> None:
    """Print hypothesis's statistics: per property, the examples run and what became of them."""
    start = output.find("Hypothesis Statistics")
    for line in output[start:].splitlines()[1:] if start >= 0 else []:
        text = line.strip()
        if text.startswith("tests/test_properties.py::"):
            print(text.split("::", 1)[1].rstrip(":"))
        elif text.startswith("- during generate phase") or "passing" in text or text.startswith("- Stopped"):
            print("    " + text.lstrip("- "))
        elif "%" in text and ("loaded" in text or "refused" in text):
            print("      " + text.lstrip("- "))


if __name__ == "__main__":
    sys.exit(main())
