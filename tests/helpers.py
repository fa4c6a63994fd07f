"""Helpers shared by the test files: the installed CLI, snapshots of folders, the test inputs.

Test files import these with ``from helpers import ...`` (pytest puts ``tests/`` on
``sys.path``, as the folder has no ``__init__.py``); fixtures live in ``conftest.py``,
which test files never import.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
INPUT = TESTS / "input"


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder``: compare before and after a failed build."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli_path() -> str:
    """The installed console script `ketamine-kg` next to this interpreter."""
    candidate = Path(sys.executable).parent / "ketamine-kg"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("ketamine-kg")
    if not found:
        pytest.fail("the console command ketamine-kg is not installed: run `python3 scripts/dev.py test`")
    return found


def run_cli(*args: str, cwd: Path | None = None, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the installed `ketamine-kg` with ``args``; return the completed process (text mode).

    The child inherits the environment, so the temporary store cache that
    ``conftest.py`` sets for the session.
    """
    env = dict(os.environ, PYTHONWARNINGS="error::UserWarning")
    proc = subprocess.run([cli_path(), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"ketamine-kg {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc
