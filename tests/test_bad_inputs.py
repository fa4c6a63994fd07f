"""The bad-input table: every case fails with its one-line error and leaves the last build intact."""

import re
from pathlib import Path

import pytest
import yaml

from helpers import apply_case, run_cli, snapshot

CASES = yaml.safe_load((Path(__file__).parent / "bad_inputs.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    run_cli("build", "--no-reason", "--no-render", "-o", str(out), check=True)
    return out


def test_table_covers_enough_cases():
    assert len(CASES) >= 25
    assert len({c["name"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(case, data_copy, good_build):
    line = apply_case(case, data_copy)
    before = snapshot(good_build)
    proc = run_cli("build", "--no-reason", "--no-render", "-o", str(good_build), "--data", str(data_copy))
    assert proc.returncode == 1, f"exit {proc.returncode}; stderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{proc.stderr}"
    pattern = case["error"].replace("{line}", line or r"\d+")
    assert re.fullmatch(r"error: (\S*/)?" + pattern, lines[0]), f"\n  got:      {lines[0]}\n  expected: {pattern}"
    assert snapshot(good_build) == before, "the previous build was changed"
    assert not list(good_build.glob(".staging-*")), "a staging folder was left behind"
