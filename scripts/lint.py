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


def commands(check: str, site: Path) -> list[tuple[list[str], Path, dict[str, str]]]:
    """The command lines of one check, each with its working folder and environment."""
    env = dict(os.environ, PYTHONPATH=str(site))
    config = str(ROOT / "pyproject.toml")
    if check == "imports":
        return [([str(BIN / "lint-imports"), config], site, env)]
    if check == "types":
        env["MYPYPATH"] = str(site)
        return [([sys.executable, "-m", "mypy", "--config-file", config, "-p", "ketamine_kg"], site, env)]
    # deps: the whole tree with the test extras as regular dependencies (every import
    # declared, every declaration used), then the package alone with the test extras as
    # development ones (the package never imports a test-only library); see [tool.deptry]
    deptry = str(BIN / "deptry")
    return [
        ([deptry, ".", "--config", config, "--no-ansi"], ROOT, env),
        ([deptry, "graph", "ontology", "queries", "--config", config, "--optional-dependencies-dev-groups", "test", "--no-ansi"], ROOT, env),
    ]


def run(check: str, site: Path) -> int:
    """Run one check; return 0 if every command of it passed."""
    failed = 0
    for command, cwd, env in commands(check, site):
        print(f"== {check}: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}", flush=True)
        failed |= subprocess.run(command, cwd=cwd, env=env).returncode != 0
    return failed


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
