"""Serialise the graph: ``to_bytes(...)`` for every RDF format the CLI offers.

Triple formats (Turtle, N-Triples) carry the ontology, the stated data and the curator
knowledge in one graph (a curator fact keeps its ``kkgo:CuratorStatement`` node).
Quad formats (TriG, N-Quads, JSON-LD) keep the named graphs apart: ontology, stated
data, curator knowledge and the triples a reasoner inferred, so what the article says,
what a curator added and what was inferred never blur.
"""

from __future__ import annotations

import io
import json
from collections.abc import Generator
from typing import Any

from rdflib import Dataset as RdfDataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.serializers.trig import TrigSerializer
from rdflib.term import Node

from ketamine_kg.core import iris as ns

# format name -> (rdflib serializer, file extension, carries named graphs)
FORMATS: dict[str, tuple[str, str, bool]] = {
    "turtle": ("turtle", "ttl", False),
    "nt": ("nt", "nt", False),
    "jsonld": ("json-ld", "jsonld", True),
    "trig": ("trig", "trig", True),
    "nquads": ("nquads", "nq", True),
}


def to_bytes(rdf_dataset: RdfDataset, fmt: str, *, union: Graph | None = None) -> bytes:
    """Serialise ``rdf_dataset`` in ``fmt`` (a key of :data:`FORMATS`), the same bytes on every run.

    ``union`` is :func:`stated_union` of ``rdf_dataset`` if the caller has it already (the
    triple formats are written from it; making it again costs as much as writing it).

    rdflib walks a graph in the order of a Python set, which changes from run to run;
    Turtle sorts its output itself, the other formats are put in order here: N-Triples
    and N-Quads line by line, TriG graph by graph, JSON-LD node by node.
    """
    serializer, _, quads = FORMATS[fmt]
    if fmt == "jsonld":
        context = {prefix: iri for prefix, iri in rdf_dataset.namespaces() if prefix}
        text = rdf_dataset.serialize(format=serializer, context=context, auto_compact=True, indent=1, encoding="utf-8")
        # the same json.dumps arguments as rdflib's serializer, so only the order changes
        return json.dumps(_sorted_nodes(json.loads(text)), indent=1, separators=(",", ": "), sort_keys=True,
                          ensure_ascii=False).encode("utf-8")
    if fmt == "trig":
        serializer_ = TrigSerializer(rdf_dataset)
        named = sorted((g for g in serializer_.contexts if g.identifier != serializer_.default_context),
                       key=lambda g: str(g.identifier))
        serializer_.contexts = named + [g for g in serializer_.contexts if g.identifier == serializer_.default_context]
        buffer = io.BytesIO()
        serializer_.serialize(buffer, encoding="utf-8")
        return buffer.getvalue()
    source = rdf_dataset if quads else (union if union is not None else stated_union(rdf_dataset))
    data = source.serialize(format=serializer, encoding="utf-8")
    if fmt in ("nt", "nquads"):  # one statement a line: sort the lines
        return b"".join(sorted(data.splitlines(keepends=True)))
    return data


class _SubjectsInOrder(Graph):
    """A graph whose ``subjects()`` come sorted: rdflib's RDF/XML writer walks them in that order."""

    def subjects(self, predicate: Any = None, object: Any = None, unique: bool = False) -> Generator[Node, None, None]:
        """The distinct subjects, sorted by their N-Triples form."""
        yield from sorted(set(super().subjects(predicate, object)), key=lambda node: node.n3())


# Declarations written first in RDF/XML, in this order: OWLAPI 3 (owlready2's HermiT) drops an
# annotation whose property it has not yet seen declared, and OWLAPI reads RDF/XML in document order.
DECLARATION_TYPES = (OWL.Ontology, OWL.AnnotationProperty, OWL.ObjectProperty, OWL.DatatypeProperty, RDFS.Datatype,
                     OWL.Class, OWL.NamedIndividual)


def to_rdf_xml(graph: Graph) -> bytes:
    """``graph`` as RDF/XML, the same bytes on every run (subjects in order, prefixes kept).

    Every declaration (an IRI typed with one of :data:`DECLARATION_TYPES`) comes first, on
    its own, before any triple that uses the term; then each subject with all the rest.
    """
    triples = sorted(graph, key=lambda triple: tuple(term.n3() for term in triple))
    namespaces = list(graph.namespaces())
    kinds: dict[Node, int] = {kind: n for n, kind in enumerate(DECLARATION_TYPES)}
    parts: list[list[tuple[Node, Node, Node]]] = [[] for _ in range(len(DECLARATION_TYPES) + 1)]
    for triple in triples:
        s, p, o = triple
        declares = p == RDF.type and isinstance(s, URIRef) and o in kinds
        parts[kinds[o] if declares else -1].append(triple)
    head, body = _rdf_xml_parts(namespaces, parts[-1])
    declared = [_rdf_xml_parts(namespaces, part)[1] for part in parts[:-1] if part]
    return head + b"".join(declared) + body + b"</rdf:RDF>\n"


def _rdf_xml_parts(namespaces: list[tuple[str, URIRef]], triples: list[tuple[Node, Node, Node]]) -> tuple[bytes, bytes]:
    """The RDF/XML of ``triples`` (in order): its opening (prolog and ``rdf:RDF`` tag) and its body."""
    ordered = _SubjectsInOrder(bind_namespaces="none")
    for prefix, iri in namespaces:
        ordered.bind(prefix, iri, override=True, replace=True)
    for triple in triples:
        ordered.add(triple)
    data = ordered.serialize(format="xml", encoding="utf-8")
    opening = data.index(b"\n>\n", data.index(b"<rdf:RDF")) + 3  # rdflib closes the rdf:RDF tag on a line of its own
    return data[:opening], data[opening:data.rindex(b"</rdf:RDF>")]


def _sorted_nodes(value: Any) -> Any:
    """``value`` (parsed JSON-LD) with every ``@graph`` list in order of its nodes' text."""
    if isinstance(value, dict):
        return {key: (sorted((_sorted_nodes(v) for v in item), key=lambda node: json.dumps(node, sort_keys=True))
                      if key == "@graph" and isinstance(item, list) else _sorted_nodes(item))
                for key, item in value.items()}
    if isinstance(value, list):
        return [_sorted_nodes(item) for item in value]
    return value


def stated_union(rdf_dataset: RdfDataset) -> Graph:
    """The ontology, stated and curator graphs of ``rdf_dataset`` merged into one graph (no inferred triples)."""
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
