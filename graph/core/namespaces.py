"""The project's namespaces and named graphs as rdflib terms, and the prefixes bound on every graph.

:mod:`ketamine_kg.core.iris` mints IRIs as plain strings (cheap to import, for the query
path); this module wraps them as rdflib terms for the modules that build graphs.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import Graph, Namespace, URIRef

from ketamine_kg.core.iris import GRAPH, ONTOLOGY, PREFIXES, source_iri

OA = Namespace(PREFIXES["oa"])
SCHEMA = Namespace(PREFIXES["schema"])
BIOLINK = Namespace(PREFIXES["biolink"])
KKGO = Namespace(ONTOLOGY)
ECO = Namespace(PREFIXES["ECO"])


ONTOLOGY_GRAPH = URIRef(GRAPH + "ontology")


def data_graph_iri(source_id: str) -> URIRef:
    """The named graph of the stated data of one source."""
    return URIRef(f"{GRAPH}{source_id}")


def curator_graph_iri(source_id: str) -> URIRef:
    """The named graph of curator knowledge about one source's entities: facts from outside it, never its claims."""
    return URIRef(f"{GRAPH}{source_id}/curator")


def inferred_graph_iri(source_id: str) -> URIRef:
    """The named graph of the triples the reasoner infers for one source."""
    return URIRef(f"{GRAPH}{source_id}/inferred")


def get_graphs_by_name(rdf_dataset, graphs: Mapping[URIRef, Graph] | None = None) -> Mapping[URIRef, Graph]:
    """The named graphs of ``rdf_dataset`` (an rdflib Dataset) by name, or ``graphs`` where given.

    A build passes its own graphs (``GraphSet.graphs``: the same graphs, each in a store of
    its own), which are read instead of the dataset's shared store: there, a lookup inside
    one article walks the matches of every article, and every triple read lists all its
    graphs. A name missing here has no triple.
    """
    return graphs if graphs is not None else {g.identifier: g for g in rdf_dataset.graphs()}


def bind_prefixes(graph: Graph, extra: dict[str, str] | None = None) -> Graph:
    """Declare the project's prefixes (and ``extra`` ones) on ``graph``."""
    for prefix, iri in {**PREFIXES, **(extra or {})}.items():
        graph.bind(prefix, Namespace(iri), override=True, replace=True)
    return graph


def section_iri(source_id: str, section_id: str) -> URIRef:
    """The IRI of a section of a source document."""
    return URIRef(f"{source_iri(source_id)}/section/{section_id}")
