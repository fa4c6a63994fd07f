"""The hostile-input table: every attack a data folder could hold gets its one-line refusal from `check`, quickly."""

import re
import time
from pathlib import Path

import pytest
import yaml

from helpers import apply_case, run_cli

CASES = yaml.safe_load((Path(__file__).parent / "hostile_inputs.yaml").read_text(encoding="utf-8"))
# A FIFO or a device must be refused, never read: far below run_cli's own timeout.
SECONDS = 30


def test_table_covers_the_attacks():
    assert len(CASES) >= 30
    assert len({c["name"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_input(case, data_copy):
    line = apply_case(case, data_copy)
    started = time.monotonic()
    proc = run_cli("check", "--data", str(data_copy), timeout=SECONDS)
    assert time.monotonic() - started < SECONDS
    assert proc.returncode == 1, f"exit {proc.returncode}; stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{proc.stderr}"
    pattern = case["error"].replace("{line}", line or r"\d+")
    assert re.fullmatch(r"error: (\S*/)?" + pattern, lines[0]), f"\n  got:      {lines[0]}\n  expected: {pattern}"
