#!/usr/bin/env python3
"""One entry point for a fresh checkout: make the virtual environment, then run things.

    python3 scripts/dev.py build        # install into .venv if needed, then `ketamine-kg build`
    python3 scripts/dev.py test         # install with test extras if needed, then pytest
    python3 scripts/dev.py kg ARGS...   # any `ketamine-kg` command, e.g. `kg query --list`

Only the standard library is used here, so it runs on a bare Python 3.11+. The virtual
environment lives in .venv/ (override with KKG_VENV); it is reinstalled whenever
pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("KKG_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project (editable, with test extras) when needed."""
    if sys.version_info < (3, 11):
        sys.exit(f"ketamine-kg needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    stamp_file = VENV / ".ketamine-kg-installed"
    if stamp_file.exists() and stamp_file.read_text() == _stamp():
        return
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing ketamine-kg and its dependencies (first run only)", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["-e", f"{ROOT}[test]"], check=True)
    stamp_file.write_text(_stamp())


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    ensure_venv()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if command == "build":
        args = [str(BIN / "ketamine-kg"), "build", *rest]
    elif command == "test":
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    elif command == "kg":
        args = [str(BIN / "ketamine-kg"), *rest]
    else:
        print(f"unknown command {command!r}; use build, test or kg", file=sys.stderr)
        return 2
    return subprocess.run(args, cwd=ROOT if command == "test" else None, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
