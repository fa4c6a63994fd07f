"""Shared fixtures: a temporary store cache, the built-in dataset and its graphs, copies of data folders, the CLI.

The graph fixtures are session-scoped and built once: tests only read them. A test
that changes a graph works on a copy (:func:`copy_graph`, or a fresh build).
Plain helpers (``run_cli``, ``snapshot``, ``INPUT``...) live in ``helpers.py``.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import run_cli


@pytest.fixture(scope="session", autouse=True)
def store_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point ``KETAMINE_KG_CACHE`` at a temporary folder for the whole run, then restore the environment.

    No test writes into the real ``~/.cache/ketamine-kg``; CLI subprocesses inherit
    the variable, so they share the stores built in the run.
    """
    folder = tmp_path_factory.mktemp("kkg-cache")
    saved = dict(os.environ)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KETAMINE_KG_CACHE", str(folder))
        yield folder
    if dict(os.environ) != saved:  # something changed it without monkeypatch: undo that too
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def tbox():
    """The ontology (TBox) as an rdflib graph, built once per test run (copy it to change it)."""
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


@pytest.fixture(scope="session")
def stated_graphs(dataset, tbox, data_graph):
    """``get_graphs(reason=False)`` of the built-in article: ``(dataset, rdf_dataset, 0, [])``, built from the shared parts."""
    from ketamine_kg.rdf.curator import get_curator_graph
    from ketamine_kg.rdf.graphset import get_rdf_dataset

    return dataset, get_rdf_dataset(data_graph, dataset.source.id, tbox, curator=get_curator_graph(dataset)), 0, []


@pytest.fixture(scope="session")
def reasoned_graphs():
    """``get_graphs(reason=True)`` of the built-in article: ``(dataset, rdf_dataset, n_inferred, notes)``."""
    from ketamine_kg.rdf.graphset import get_graphs

    return get_graphs(reason=True)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in data folder, for tests that break it."""
    from ketamine_kg.load.dataset import default_data_dir

    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


@pytest.fixture()
def cli():
    """Call the installed console command: ``cli("build", "-o", str(out))``."""
    return run_cli


@pytest.fixture(scope="module")
def listener() -> Iterator[socket.socket]:
    """A non-blocking TCP listener on loopback that nothing may connect to (tests of outbound requests)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()
