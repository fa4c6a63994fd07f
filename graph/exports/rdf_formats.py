"""Serialise the graph: ``to_bytes(...)`` for every RDF format the CLI offers.

Triple formats (Turtle, N-Triples) carry the ontology and the stated data in one graph.
Quad formats (TriG, N-Quads, JSON-LD) keep the named graphs apart: ontology, stated
data, and the triples a reasoner inferred, so stated and inferred never blur.
"""

from __future__ import annotations

from rdflib import Dataset as RdfDataset, Graph

from ketamine_kg.core import iris as ns

# format name -> (rdflib serializer, file extension, carries named graphs)
FORMATS: dict[str, tuple[str, str, bool]] = {
    "turtle": ("turtle", "ttl", False),
    "nt": ("nt", "nt", False),
    "jsonld": ("json-ld", "jsonld", True),
    "trig": ("trig", "trig", True),
    "nquads": ("nquads", "nq", True),
}


def to_bytes(rdf_dataset: RdfDataset, fmt: str) -> bytes:
    """Serialise ``rdf_dataset`` in ``fmt`` (a key of :data:`FORMATS`)."""
    serializer, _, quads = FORMATS[fmt]
    if quads:
        if fmt == "jsonld":
            context = {prefix: iri for prefix, iri in rdf_dataset.namespaces() if prefix}
            return rdf_dataset.serialize(format=serializer, context=context, auto_compact=True, indent=1, encoding="utf-8")
        return rdf_dataset.serialize(format=serializer, encoding="utf-8")
    return stated_union(rdf_dataset).serialize(format=serializer, encoding="utf-8")


def stated_union(rdf_dataset: RdfDataset) -> Graph:
    """The ontology and stated graphs of ``rdf_dataset`` merged into one graph (no inferred triples)."""
    union = Graph(bind_namespaces="core")
    for prefix, iri in rdf_dataset.namespaces():
        union.bind(prefix, iri, override=True, replace=True)
    for graph in rdf_dataset.graphs():
        name = str(graph.identifier)
        if not name.startswith(ns.GRAPH) or name.endswith("/inferred"):
            continue
        for triple in graph:
            union.add(triple)
    return union
