"""Open the engine a command asks for: the persisted store, rdflib in memory, or a remote endpoint.

This is where the rooms meet: the store (:mod:`ketamine_kg.store`) is given the graph
builder (:func:`build_graphs`), and the engines (:mod:`ketamine_kg.sparql.engines`) are
given the store or dataset to run on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ketamine_kg.core.terms import Result
from ketamine_kg.sparql.catalogue import NamedQuery, get_query
from ketamine_kg.sparql.engines import Engine, MemoryEngine, OxigraphEngine, run_query
from ketamine_kg.sparql.remote import RemoteEngine
from ketamine_kg.store import NQUADS_FILE, get_store_dir, open_store


def build_graphs(data_dir: Path | None, reason: bool) -> tuple[Any, Any, int, list[str]]:
    """The store's builder: the graph set of ``data_dir`` (see :func:`ketamine_kg.rdf.graphset.get_graphs`).

    Imported on call: the builder loads rdflib (and the reasoner), which a query on a
    current store never needs.
    """
    from ketamine_kg.rdf.graphset import get_graphs  # heavy: rdflib, only when a store is built

    return get_graphs(data_dir, reason=reason)


def get_engine(store: str = "oxigraph", data_dir: Path | None = None, endpoint: str | None = None, *,
               on_build: Callable[[str], None] | None = None, allow_service: bool = False) -> Engine:
    """The engine to run queries on: ``oxigraph`` (persisted store), ``memory`` (rdflib) or an endpoint.

    ``allow_service`` lets a local engine run ``SERVICE`` (federated) calls; without it they are refused.
    """
    if endpoint:
        return RemoteEngine(endpoint)
    if store == "memory":
        return MemoryEngine.from_nquads(get_store_dir(data_dir, on_build=on_build, builder=build_graphs) / NQUADS_FILE,
                                        allow_service=allow_service)
    return OxigraphEngine(open_store(data_dir, on_build=on_build, builder=build_graphs), allow_service=allow_service)


def run_named_query(rdf_dataset: Any, query: NamedQuery | str, values: dict[str, str] | None = None) -> Result:
    """Run a named query (a :class:`~ketamine_kg.sparql.catalogue.NamedQuery`, a name, a file or SPARQL text) in memory.

    Parameters take their defaults unless ``values`` names them. Returns a
    :class:`~ketamine_kg.core.terms.Result`.
    """
    named = query if isinstance(query, NamedQuery) else get_query(query)
    return run_query(MemoryEngine(rdf_dataset), named, values)
