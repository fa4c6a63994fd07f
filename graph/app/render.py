"""The render use case: one view of the built graph, with the answer of a query where the view asks for one."""

from __future__ import annotations

import networkx as nx

from ketamine_kg.app.engines import answer_named_query
from ketamine_kg.errors import KkgError
from ketamine_kg.views.answers import get_query_graph
from ketamine_kg.views.graphs import get_article_graph, get_focus_graph, get_ontology_graph
from ketamine_kg.views.parts import get_parts


VIEWS = ("article", "focus", "query", "ontology")


def get_view_graph(rdf_dataset, view: str = "article", *, focus: str | None = None, depth: int = 1,
                   query=None, query_name: str | None = None, include_inferred: bool = False,
                   values: dict[str, str] | None = None) -> nx.MultiDiGraph:
    """Build the networkx graph of one view of a built dataset.

    ``view`` is ``article``, ``focus`` (needs ``focus``; ``depth`` steps around it),
    ``query`` (``query`` is a named query, a ``.rq`` file, SPARQL text or a
    :class:`~ketamine_kg.sparql.catalogue.NamedQuery`; it runs in memory with ``values`` for its
    parameters, defaults for the rest) or ``ontology``.
    """
    if view not in VIEWS:
        raise KkgError(None, None, f"unknown view {view!r} (views: {', '.join(VIEWS)})")
    parts = get_parts(rdf_dataset)
    if view == "ontology":
        return get_ontology_graph(parts)
    graph = get_article_graph(parts, include_inferred=include_inferred)
    if view == "focus":
        if not focus:
            raise KkgError(None, None, "the focus view needs an entity (--focus ENTITY)")
        return get_focus_graph(graph, focus, depth)
    if view == "query":
        if not query:
            raise KkgError(None, None, "the query view needs a query")
        query_name = query_name or getattr(query, "name", None) or "query"
        result, bound = answer_named_query(rdf_dataset, query, values)
        return get_query_graph(graph, result, name=query_name, tbox=parts.tbox, bound=bound)
    return graph
