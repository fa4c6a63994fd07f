"""The graph as Oxigraph quads, in a fixed order: what every RDF export and the stores are written from.

rdflib's serialisers write 4,000-8,000 triples a second here, which made the exports most
of a corpus build (README "Performance"). Oxigraph's serialisers write them instead, from
the quads of :func:`get_quads`: each rdflib term converted once, then sorted by graph,
subject, predicate and object (their N-Triples text), so a file is the same bytes on every
run and reads in subject order.

- ``get_quads(rdf_dataset)``: every quad, sorted;
- ``get_triples(rdflib_graph)`` / ``to_triples(quads)``: triples, sorted (``to_triples``
  merges the quads' graphs, each triple once);
- ``get_prefixes(bindings)``: rdflib's namespace bindings as Oxigraph's prefix map.

>>> from rdflib import Dataset, Literal, URIRef
>>> ds = Dataset()
>>> g = ds.graph(URIRef("http://example.org/g"))
>>> _ = g.add((URIRef("http://example.org/b"), URIRef("http://example.org/p"), Literal("x", lang="en")))
>>> _ = g.add((URIRef("http://example.org/a"), URIRef("http://example.org/p"), Literal(2)))
>>> [str(q.subject) for q in get_quads(ds)]
['<http://example.org/a>', '<http://example.org/b>']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node


class _Terms(dict):
    """rdflib term -> Oxigraph term, each made once (a corpus repeats its entities and predicates)."""

    def __missing__(self, node: Node) -> Any:
        if isinstance(node, URIRef):
            term: Any = ox.NamedNode(str(node))
        elif isinstance(node, BNode):
            term = ox.BlankNode(str(node))
        elif isinstance(node, Literal):
            if node.language:
                term = ox.Literal(str(node), language=node.language)
            elif node.datatype is not None:
                term = ox.Literal(str(node), datatype=self[node.datatype])
            else:
                term = ox.Literal(str(node))
        else:
            raise TypeError(f"cannot write {node!r} (a {type(node).__name__}) as RDF")
        self[node] = term
        return term


def _quad_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object)


def _triple_key(triple: ox.Triple) -> tuple[str, str, str]:
    return str(triple.subject), str(triple.predicate), str(triple.object)


def get_quads(rdf_dataset: Any, graphs: Mapping[URIRef, Graph] | None = None) -> list[ox.Quad]:
    """Every quad of ``rdf_dataset`` (an rdflib Dataset) as Oxigraph quads, sorted; the default graph's too.

    ``graphs``: a build's own graphs, read instead (:func:`~ketamine_kg.core.namespaces.get_graphs_by_name`;
    from the shared store, this took 41 s of a thousand-article build).
    """
    from ketamine_kg.core.namespaces import get_graphs_by_name

    terms = _Terms()
    quads: list[ox.Quad] = []
    for identifier, graph in get_graphs_by_name(rdf_dataset, graphs).items():
        name = ox.DefaultGraph() if identifier == DATASET_DEFAULT_GRAPH_ID else terms[identifier]
        quads.extend(ox.Quad(terms[s], terms[p], terms[o], name) for s, p, o in graph)
    return sorted(quads, key=_quad_key)


def get_triples(graph: Graph | Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    """The triples of an rdflib ``graph`` (or any iterable of rdflib triples) as Oxigraph triples, sorted."""
    terms = _Terms()
    return sorted({ox.Triple(terms[s], terms[p], terms[o]) for s, p, o in graph}, key=_triple_key)


def to_ox_triples(triples: Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    """rdflib ``triples`` as Oxigraph triples, in the order given (:func:`get_triples` sorts them)."""
    terms = _Terms()
    return [ox.Triple(terms[s], terms[p], terms[o]) for s, p, o in triples]


def to_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The triples of ``quads``, each once (a triple in two graphs is one triple), sorted."""
    return sorted({quad.triple for quad in quads}, key=_triple_key)


def get_prefixes(bindings: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """The prefix map of rdflib namespace bindings (the empty prefix left out), as Oxigraph's serialisers take it."""
    return {prefix: str(iri) for prefix, iri in bindings if prefix}
