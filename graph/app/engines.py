"""Open the engine a command asks for: the persisted store, rdflib in memory, or a remote endpoint."""

from __future__ import annotations

from pathlib import Path

from ketamine_kg.sparql.engines import MemoryEngine, NamedQuery, OxigraphEngine, RemoteEngine, get_query
from ketamine_kg.store import NQUADS_FILE, get_store_dir, open_store


def get_engine(store: str = "oxigraph", data_dir: Path | None = None, endpoint: str | None = None, *, on_build=None):
    """The engine to run queries on: ``oxigraph`` (persisted store), ``memory`` (rdflib) or an endpoint."""
    if endpoint:
        return RemoteEngine(endpoint)
    if store == "memory":
        return MemoryEngine.from_nquads(get_store_dir(data_dir, on_build=on_build) / NQUADS_FILE)
    return OxigraphEngine(open_store(data_dir, on_build=on_build))


def run_named_query(rdf_dataset, query, values: dict[str, str] | None = None):
    """Run a named query (a :class:`~ketamine_kg.sparql.NamedQuery`, a name, a file or SPARQL text) in memory.

    Parameters take their defaults unless ``values`` names them. Returns a
    :class:`~ketamine_kg.results.Result`.
    """
    named = query if isinstance(query, NamedQuery) else get_query(query)
    return MemoryEngine(rdf_dataset).run(named, named.bindings(values))
