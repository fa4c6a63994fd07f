"""The bad-query table: every case fails with its one-line error, through the installed command."""

import re
from pathlib import Path

import pytest
import yaml

from helpers import run_cli

CASES = yaml.safe_load((Path(__file__).parent / "bad_queries.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def warm_store():
    """Build the graph store once, so that no case prints the store's progress line."""
    run_cli("query", "approvals", "--format", "csv", check=True)


def test_table_covers_the_query_side_of_the_issue():
    assert len({c["name"] for c in CASES}) == len(CASES)
    errors = " ".join(c["error"] for c in CASES)
    for needed in ("SPARQL syntax error", "unknown query", "NAME=VALUE", "unknown parameter", "no such query file"):
        assert needed in errors


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_query(case, tmp_path):
    for name, text in (case.get("files") or {}).items():
        (tmp_path / name).write_bytes(text.encode(case.get("encode", "utf-8")))
    proc = run_cli("query", *case["args"], cwd=tmp_path)
    assert proc.returncode == 1, f"exit {proc.returncode}; stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{proc.stderr}"
    assert re.fullmatch("error: " + case["error"], lines[0]), f"\n  got:      {lines[0]}\n  expected: {case['error']}"
    located = re.match(r"error: (\S+?):(\d+):(\d+): SPARQL syntax error", lines[0])
    if located:  # the column lies on the named line (or just past its end)
        name, line, column = located[1], int(located[2]), int(located[3])
        text = case["files"][name] if name in (case.get("files") or {}) else case["args"][0]
        query_lines = text.split("\n")
        assert 1 <= line <= len(query_lines)
        assert 1 <= column <= len(query_lines[line - 1]) + 1, f"column {column} is off line {line!r}"
