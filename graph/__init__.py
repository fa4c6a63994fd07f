"""ketamine-kg: the claims of an article about ketamine as an RDF knowledge graph.

The names a library user needs are here, one import away::

    import ketamine_kg as kkg

    dataset = kkg.load_dataset()                        # the curated data, checked
    dataset, rdf_dataset, n_inferred, notes = kkg.get_graphs()
    result = kkg.run_query(kkg.get_engine(), kkg.get_query("receptors-of-ketamine"))
    kkg.run_build(None, Path("build"))                  # every export and page, as `ketamine-kg build`

Importing this package is cheap (the CLI starts from it): each name below is imported
from its room on first use (PEP 562), so ``import ketamine_kg`` loads neither rdflib
nor owlready2. The rooms themselves are described in the README, "Architecture".
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ketamine_kg.core.version import __version__

if TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ imports these
    from ketamine_kg.app.build import BuildResult, run_build
    from ketamine_kg.app.engines import get_engine, run_named_query
    from ketamine_kg.app.links import get_entity_links
    from ketamine_kg.app.render import get_view_graph
    from ketamine_kg.core.model import Claim, Dataset, Entity
    from ketamine_kg.core.terms import Result, Term
    from ketamine_kg.errors import DataError, EndpointError, KkgError, QueryError, ReadOnlyError, StoreError
    from ketamine_kg.exports.owl import get_owl_graph, to_owl_bytes
    from ketamine_kg.exports.rdf_formats import to_bytes
    from ketamine_kg.load.dataset import load_dataset
    from ketamine_kg.ontology.reason import ReasoningReport, reason_over
    from ketamine_kg.ontology.tbox import get_tbox_graph
    from ketamine_kg.rdf.graphset import get_graphs
    from ketamine_kg.sparql.catalogue import NamedQuery, get_query, list_queries
    from ketamine_kg.sparql.engines import Engine, run_query
    from ketamine_kg.store import open_store
    from ketamine_kg.views.page import to_html

# public name -> the module it lives in
_HOMES = {
    # the data
    "load_dataset": "ketamine_kg.load.dataset",
    "Dataset": "ketamine_kg.core.model",
    "Entity": "ketamine_kg.core.model",
    "Claim": "ketamine_kg.core.model",
    # the graphs and the reasoner
    "get_graphs": "ketamine_kg.rdf.graphset",
    "get_tbox_graph": "ketamine_kg.ontology.tbox",
    "reason_over": "ketamine_kg.ontology.reason",
    "ReasoningReport": "ketamine_kg.ontology.reason",
    # the build and the exports
    "run_build": "ketamine_kg.app.build",
    "BuildResult": "ketamine_kg.app.build",
    "to_bytes": "ketamine_kg.exports.rdf_formats",
    "get_owl_graph": "ketamine_kg.exports.owl",
    "to_owl_bytes": "ketamine_kg.exports.owl",
    # queries
    "get_query": "ketamine_kg.sparql.catalogue",
    "list_queries": "ketamine_kg.sparql.catalogue",
    "NamedQuery": "ketamine_kg.sparql.catalogue",
    "get_engine": "ketamine_kg.app.engines",
    "run_query": "ketamine_kg.sparql.engines",
    "run_named_query": "ketamine_kg.app.engines",
    "Engine": "ketamine_kg.sparql.engines",
    "open_store": "ketamine_kg.store",
    "Result": "ketamine_kg.core.terms",
    "Term": "ketamine_kg.core.terms",
    # views and links
    "get_view_graph": "ketamine_kg.app.render",
    "to_html": "ketamine_kg.views.page",
    "get_entity_links": "ketamine_kg.app.links",
    # errors
    "KkgError": "ketamine_kg.errors",
    "DataError": "ketamine_kg.errors",
    "QueryError": "ketamine_kg.errors",
    "ReadOnlyError": "ketamine_kg.errors",
    "EndpointError": "ketamine_kg.errors",
    "StoreError": "ketamine_kg.errors",
}

__all__ = ["__version__", *_HOMES]


def __getattr__(name: str) -> Any:
    """Import a public name from its room on first use, then keep it here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ketamine_kg' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
