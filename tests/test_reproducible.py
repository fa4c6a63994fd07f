"""Two builds of the same data write the same bytes, file by file.

The builds run as two processes with different string-hash seeds, so any output that
follows the order of a Python set or dict of strings (rdflib's stores are sets) shows up
as a difference. ``manifest.json`` holds no timings, so no file is excluded.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from helpers import cli_path


def build(out: Path, seed: str) -> dict[str, bytes]:
    """Run ``ketamine-kg build -o out`` with ``PYTHONHASHSEED=seed``; return relative path -> bytes."""
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONWARNINGS="error::UserWarning")
    proc = subprocess.run([cli_path(), "build", "-o", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_two_builds_write_identical_files(tmp_path):
    first = build(tmp_path / "A", "1")
    second = build(tmp_path / "B", "2")
    assert sorted(first) == sorted(second)
    assert "manifest.json" in first and b"seconds" not in first["manifest.json"]
    differ = [name for name in first if first[name] != second[name]]
    assert differ == [], f"these files differ between two builds of the same data: {differ}"
