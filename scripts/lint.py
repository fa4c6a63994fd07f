#!/usr/bin/env python3
"""Static checks of the package as users install it: import layers, types, declared dependencies.

    python3 scripts/lint.py            # lint-imports, mypy and deptry; exit 1 if any fails
    python3 scripts/lint.py imports    # only one of them (imports, types, deps)

The package's rooms live in three top-level folders (``graph/`` is ``ketamine_kg``,
``ontology/`` is ``ketamine_kg.ontology``, ``queries/`` is ``ketamine_kg.queries``), which
an editable install stitches together at import time but which import-linter and mypy,
reading files, would not see as one package. So the package is first installed, without
dependencies, into a temporary folder: exactly the tree a wheel gives a user. The
contracts live in ``pyproject.toml`` (``[tool.importlinter]``, ``[tool.mypy]``,
``[tool.deptry]``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = ("imports", "types", "deps")


def install_copy(target: Path) -> Path:
    """Lay the package out in ``target`` as a wheel installs it; return ``target``.

    The folders are copied as ``[tool.setuptools.package-dir]`` maps them, which is what
    a wheel holds (no build step, no network).
    """
    package = target / "ketamine_kg"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "graph", package, ignore=ignore)
    shutil.copytree(ROOT / "ontology", package / "ontology", ignore=ignore)
    shutil.copytree(ROOT / "queries", package / "queries", ignore=ignore)
    return target


def run(check: str, site: Path) -> int:
    env = dict(os.environ, PYTHONPATH=str(site))
    if check == "imports":
        command = [str(BIN / "lint-imports"), str(ROOT / "pyproject.toml")]
        cwd = site
    elif check == "types":
        command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "-p", "ketamine_kg"]
        env["MYPYPATH"] = str(site)
        cwd = site
    else:
        command = [str(BIN / "deptry"), str(ROOT / "graph"), str(ROOT / "ontology"), "--config", str(ROOT / "pyproject.toml")]
        cwd = ROOT
    print(f"== {check}: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}", flush=True)
    return subprocess.run(command, cwd=cwd, env=env).returncode


def main(argv: list[str]) -> int:
    wanted = argv or list(CHECKS)
    unknown = [c for c in wanted if c not in CHECKS]
    if unknown:
        print(f"unknown check {unknown[0]!r}; use {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kkg-lint-") as tmp:
        site = install_copy(Path(tmp))
        failed = [c for c in wanted if run(c, site) != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
