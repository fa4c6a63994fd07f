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
from ketamine_kg.sparql.engines import Engine, MemoryEngine, OxigraphEngine, get_bindings
from ketamine_kg.sparql.names import check_query_names, check_values
from ketamine_kg.sparql.remote import RemoteEngine
from ketamine_kg.store import NQUADS_FILE, get_store_dir, load_rdf_dataset, open_store, reasoner_available


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

    Parameters take their defaults unless ``values`` names them (an entity by id, CURIE, IRI or
    label; an unknown one is an error: :func:`~ketamine_kg.sparql.names.check_values`). Returns a
    :class:`~ketamine_kg.core.terms.Result`.
    """
    return answer_named_query(rdf_dataset, query, values)[0]


def answer_named_query(rdf_dataset: Any, query: NamedQuery | str,
                       values: dict[str, str] | None = None) -> tuple[Result, list[str]]:
    """Like :func:`run_named_query`, with the IRIs its parameters were bound to (what the answer is about)."""
    named = query if isinstance(query, NamedQuery) else get_query(query)
    engine = MemoryEngine(rdf_dataset)
    check_query_names(engine, named)
    if values:
        values = check_values(engine, named, values)
    bindings = get_bindings(engine, named, values)
    return engine.run(named, bindings), [t.value for t in bindings.values() if t.kind == "uri"]


def get_reasoned_graphs(data_dir: Any = None, *, on_build: Callable[[str], None] | None = None) -> tuple[Any, Any]:
    """``(dataset, rdf_dataset)`` with the inferred graph, read from the store where it is current.

    The store keeps the reasoned graph, so a command that needs the inferred triples (a quad
    export, ``render --include-inferred``) reads it back (about 0.4 s on the article) instead
    of running HermiT again (about 3 s); a missing or stale store is built first, once, for
    every later command. ``dataset`` is the first article's curated data (titles, names).
    Without the reasoner installed, the graph is built in memory as before.
    """
    from ketamine_kg.load.corpus import load_corpus  # heavy: YAML and the vocabulary
    from ketamine_kg.rdf.graphset import as_data_dirs, get_graphs

    if not reasoner_available():
        dataset, rdf_dataset, _, _ = get_graphs(data_dir, reason=True)
        return dataset, rdf_dataset
    rdf_dataset = load_rdf_dataset(data_dir, on_build=on_build, builder=build_graphs)
    return load_corpus(as_data_dirs(data_dir)).datasets[0], rdf_dataset
