"""Shared fixtures: the built-in dataset, copies of data folders, and the installed CLI."""

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


@pytest.fixture(scope="session")
def tbox():
    """The ontology (TBox) as an rdflib graph, built once per test run."""
    from ketamine_kg.ontology.tbox import get_tbox_graph

    return get_tbox_graph()


@pytest.fixture(scope="session")
def dataset():
    """The built-in article's data, loaded and checked."""
    from ketamine_kg.load.dataset import load_dataset

    return load_dataset()


@pytest.fixture(scope="session")
def data_graph(dataset):
    """The stated RDF graph of the built-in article."""
    from ketamine_kg.rdf.abox import get_data_graph

    return get_data_graph(dataset)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in data folder, for tests that break it."""
    from ketamine_kg.load.dataset import default_data_dir

    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


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
    """Run the installed `ketamine-kg` with ``args``; return the completed process (text mode)."""
    env = dict(os.environ, PYTHONWARNINGS="error::UserWarning")
    proc = subprocess.run([cli_path(), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"ketamine-kg {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


@pytest.fixture()
def cli():
    """Call the installed console command: ``cli("build", "-o", str(out))``."""
    return run_cli
