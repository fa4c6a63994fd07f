"""Helpers shared by the test files: the installed CLI, snapshots of folders, the test inputs.

Test files import these with ``from helpers import ...`` (pytest puts ``tests/`` on
``sys.path``, as the folder has no ``__init__.py``); fixtures live in ``conftest.py``,
which test files never import.
"""

from __future__ import annotations

import hashlib
import os
import re
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


def apply_case(case: dict, data_dir: Path) -> str | None:
    """Edit a data-folder copy as a row of ``bad_inputs.yaml`` or ``hostile_inputs.yaml`` says.

    Returns the expected ``{line}`` (the line where the ``at`` text, by default the new
    text, starts in the edited file), if the edit names one. Edits of the main ``file``:
    ``replace: [old, new]``, ``append``, ``write``, ``remove``, ``encode``; and, for the
    hostile table, ``symlink: TARGET`` (the file becomes a symlink; TARGET relative to the
    data folder, ``outside: TEXT`` writes TEXT beside the folder as ``../outside.txt``),
    ``fifo: true`` (the file becomes a named pipe), ``size: N`` (the file grows, sparse, to
    N bytes), ``expand: {TOKEN: [text, N]}`` (TOKEN in the new text becomes ``text * N``,
    so a table row can hold a 5,000-digit number). ``also: [edits]`` are further edits (each with its own ``file``) applied
    first; ``resum: true`` records the article's new SHA-256 in source.yaml last.
    """
    for extra in case.get("also", []):
        apply_case({"name": case["name"], **extra}, data_dir)
    path = data_dir / case["file"]
    marker = None
    if "outside" in case:
        (data_dir.parent / "outside.txt").write_text(case["outside"], encoding="utf-8")
    if case.get("remove"):
        path.unlink()
        return None
    if "symlink" in case:
        path.unlink(missing_ok=True)
        path.symlink_to(case["symlink"])
    elif case.get("fifo"):
        path.unlink(missing_ok=True)
        os.mkfifo(path)
    elif "size" in case:
        os.truncate(path, case["size"])
    else:
        text = "" if "write" in case else path.read_text(encoding="utf-8")
        if "replace" in case:
            old, new = case["replace"]
            for token, (piece, times) in case.get("expand", {}).items():
                new = new.replace(token, piece * times)
            assert old in text, f"case {case['name']!r}: the text to replace is no longer in {case['file']}; update the case"
            text = text.replace(old, new, 1)
            marker = case.get("at", new)
        elif "append" in case:
            text = text + case["append"]
            marker = case.get("at", case["append"])
        else:
            text = case["write"]
            marker = case.get("at")
        path.write_bytes(text.encode(case.get("encode", "utf-8"), errors="replace"))
    if case.get("resum"):
        source = data_dir / "source.yaml"
        digest = hashlib.sha256((data_dir / "article.txt").read_bytes()).hexdigest()
        lines = [f"sha256: {digest}" if ln.startswith("sha256:") else ln for ln in source.read_text(encoding="utf-8").split("\n")]
        source.write_text("\n".join(lines), encoding="utf-8")
    if marker:
        positions = [m.start() for m in re.finditer(re.escape(marker), text)]
        n = case.get("at_occurrence", 1)
        assert len(positions) >= n, f"case {case['name']!r}: 'at' text not found"
        return str(text[: positions[n - 1]].count("\n") + 1)
    return None
