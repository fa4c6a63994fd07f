"""Serialise the graph: ``to_bytes(...)`` for every RDF format the CLI offers.

Triple formats (Turtle, N-Triples) carry the ontology, the stated data and the curator
knowledge in one graph (a curator fact keeps its ``kkgo:CuratorStatement`` node).
Quad formats (TriG, N-Quads, JSON-LD) keep the named graphs apart: ontology, stated
data, curator knowledge and the triples a reasoner inferred, so what the article says,
what a curator added and what was inferred never blur.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import Dataset as RdfDataset, Graph
from rdflib.namespace import OWL, RDF, RDFS

from ketamine_kg.core import iris as ns
from ketamine_kg.exports.jsonld import to_jsonld
from ketamine_kg.exports.turtle import to_trig_bytes, to_turtle_bytes
from ketamine_kg.rdf.oxigraph import get_prefixes, get_quads, get_triples, to_triples

# format name -> (rdflib's name of the syntax, file extension, carries named graphs)
FORMATS: dict[str, tuple[str, str, bool]] = {
    "turtle": ("turtle", "ttl", False),
    "nt": ("nt", "nt", False),
    "jsonld": ("json-ld", "jsonld", True),
    "trig": ("trig", "trig", True),
    "nquads": ("nquads", "nq", True),
}


def to_bytes(rdf_dataset: RdfDataset, fmt: str, *, union: Graph | None = None,
             quads: list[ox.Quad] | None = None, triples: list[ox.Triple] | None = None) -> bytes:
    """Serialise ``rdf_dataset`` in ``fmt`` (a key of :data:`FORMATS`), the same bytes on every run.

    Oxigraph's serialisers write it (rdflib's were most of a corpus build), from the
    dataset's quads in order (:func:`~ketamine_kg.rdf.oxigraph.get_quads`; pass ``quads``
    where they are made already, as the build does for its five formats). Triple formats
    are the stated union (:func:`stated_union`; ``union`` is accepted for callers that have
    it, and ``triples``, the same as :func:`get_stated_triples` makes them, where a build has
    them for its two triple formats). JSON-LD is compacted with the dataset's prefixes
    (:func:`~ketamine_kg.exports.jsonld.to_jsonld`).
    """
    _, _, named = FORMATS[fmt]
    prefixes = get_prefixes(rdf_dataset.namespaces())
    if quads is None:
        quads = get_quads(rdf_dataset)
    if fmt == "jsonld":
        return to_jsonld(quads, prefixes)
    if fmt == "trig":
        return to_trig_bytes(quads, prefixes)
    if named:
        return _serialize(quads, ox.RdfFormat.N_QUADS)
    if triples is None:
        triples = get_triples(union) if union is not None else get_stated_triples(quads)
    if fmt == "turtle":
        return to_turtle_bytes(triples, prefixes)
    return _serialize(triples, ox.RdfFormat.N_TRIPLES)


def get_stated_triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    """What the triple formats carry of sorted ``quads``: the triples of the stated graphs (:func:`is_stated_graph`), each once, sorted."""
    return to_triples(q for q in quads if _is_stated(q.graph_name))


def _serialize(items: Any, fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    """Oxigraph's serialisation of ``items`` (with no output given, it returns the bytes)."""
    data = ox.serialize(items, format=fmt, prefixes=prefixes)
    assert data is not None
    return data


def is_stated_graph(name: str) -> bool:
    """Whether the graph named ``name`` is one the triple formats carry: the ontology, a stated or a curator graph."""
    return name.startswith(ns.GRAPH) and not name.endswith("/inferred")


def _is_stated(graph_name: Any) -> bool:
    return is_stated_graph(graph_name.value if isinstance(graph_name, ox.NamedNode) else "")


# Declarations written first in RDF/XML, in this order: OWLAPI 3 (owlready2's HermiT) drops an
# annotation whose property it has not yet seen declared, and OWLAPI reads RDF/XML in document order.
DECLARATION_TYPES = (OWL.Ontology, OWL.AnnotationProperty, OWL.ObjectProperty, OWL.DatatypeProperty, RDFS.Datatype,
                     OWL.Class, OWL.NamedIndividual)


def to_rdf_xml(graph: Any) -> bytes:
    """``graph`` as RDF/XML, the same bytes on every run (subjects in order, prefixes kept).

    Every declaration (an IRI typed with one of :data:`DECLARATION_TYPES`) comes first, on
    its own, before any triple that uses the term; then each subject with all the rest.
    ``graph`` is an rdflib graph, or anything with ``triples`` (a set) and ``namespaces`` (a list of pairs).
    """
    triples, namespaces = _triples_and_prefixes(graph)
    kinds = {str(kind): n for n, kind in enumerate(DECLARATION_TYPES)}
    parts: list[list[ox.Triple]] = [[] for _ in range(len(DECLARATION_TYPES) + 1)]
    for triple in get_triples(triples):
        kind = triple.object.value if isinstance(triple.object, ox.NamedNode) else None
        declares = triple.predicate.value == str(RDF.type) and isinstance(triple.subject, ox.NamedNode) and kind in kinds
        parts[kinds[kind] if declares and kind is not None else -1].append(triple)
    ordered = [triple for part in parts[:-1] for triple in part] + parts[-1]
    return _serialize(ordered, ox.RdfFormat.RDF_XML, get_prefixes(namespaces))


def _triples_and_prefixes(graph: Any) -> tuple[Any, list]:
    """The triples and prefix bindings of an rdflib graph, or of a view holding them as ``triples`` and ``namespaces``."""
    if isinstance(graph, Graph):
        return graph, list(graph.namespaces())
    return graph.triples, list(graph.namespaces)


def to_turtle(graph: Any) -> bytes:
    """``graph`` (as :func:`to_rdf_xml` takes it) as Turtle with its prefixes, subjects in order: the same bytes on every run."""
    triples, namespaces = _triples_and_prefixes(graph)
    return to_turtle_bytes(get_triples(triples), get_prefixes(namespaces))


def stated_union(rdf_dataset: RdfDataset) -> Graph:
    """The ontology, stated and curator graphs of ``rdf_dataset`` merged into one graph (no inferred triples)."""
    union = Graph(bind_namespaces="core")
    for prefix, iri in rdf_dataset.namespaces():
        union.bind(prefix, iri, override=True, replace=True)
    for graph in rdf_dataset.graphs():
        if not is_stated_graph(str(graph.identifier)):
            continue
        for triple in graph:
            union.add(triple)
    return union
