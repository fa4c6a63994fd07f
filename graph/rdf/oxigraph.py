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


def _places(terms: Iterable[Any]) -> dict[Any, int]:
    """Each of ``terms`` (Oxigraph terms, each distinct) -> its place in the order of their N-Triples text.

    A term's text is made once here; sorting by tuples of places then gives the order of
    sorting by the texts themselves (the exports' order, README "Performance"), without
    making three or four strings for every quad, which was most of a corpus's sort.
    Equal texts share a place, so keys that are equal are equal triples.
    """
    texts = {term: str(term) for term in terms}
    place = {text: n for n, text in enumerate(sorted(set(texts.values())))}
    return {term: place[text] for term, text in texts.items()}


def get_quads(rdf_dataset: Any, graphs: Mapping[URIRef, Graph] | None = None) -> list[ox.Quad]:
    """Every quad of ``rdf_dataset`` (an rdflib Dataset) as Oxigraph quads, sorted; the default graph's too.

    Sorted by graph, subject, predicate and object, each by its N-Triples text.
    ``graphs``: a build's own graphs, read instead (:func:`~ketamine_kg.core.namespaces.get_graphs_by_name`;
    from the shared store, this took 41 s of a thousand-article build).
    """
    from ketamine_kg.core.namespaces import get_graphs_by_name

    terms = _Terms()
    rows: list[tuple[int, Any, Any, Any]] = []
    names: list[Any] = []
    for identifier, graph in get_graphs_by_name(rdf_dataset, graphs).items():
        names.append(ox.DefaultGraph() if identifier == DATASET_DEFAULT_GRAPH_ID else terms[identifier])
        n = len(names) - 1
        rows.extend((n, terms[s], terms[p], terms[o]) for s, p, o in graph)
    place = _places(terms.values())
    # the graphs in the order of their names' text (the default graph's is "DEFAULT")
    name_place = {n: k for k, n in enumerate(sorted(range(len(names)), key=lambda n: str(names[n])))}
    rows.sort(key=lambda r: (name_place[r[0]], place[r[1]], place[r[2]], place[r[3]]))
    return [ox.Quad(s, p, o, names[n]) for n, s, p, o in rows]


def get_triples(graph: Graph | Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    """The triples of an rdflib ``graph`` (or any iterable of rdflib triples) as Oxigraph triples, each once, sorted."""
    terms = _Terms()
    rows = [(terms[s], terms[p], terms[o]) for s, p, o in graph]
    place = _places(terms.values())
    return _sorted_triples(rows, place)


def to_ox_triples(triples: Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    """rdflib ``triples`` as Oxigraph triples, in the order given (:func:`get_triples` sorts them)."""
    terms = _Terms()
    return [ox.Triple(terms[s], terms[p], terms[o]) for s, p, o in triples]


def to_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The triples of ``quads``, each once (a triple in two graphs is one triple), sorted."""
    triples = [q.triple for q in quads]  # a quad's triple costs a fifth of making a new one
    rows = [(t.subject, t.predicate, t.object) for t in triples]
    place = _places({term for row in rows for term in row})
    keyed = {(place[s], place[p], place[o]): t for (s, p, o), t in zip(rows, triples)}
    return [keyed[key] for key in sorted(keyed)]


def _sorted_triples(rows: list[tuple[Any, Any, Any]], place: dict[Any, int]) -> list[ox.Triple]:
    """``rows`` of Oxigraph terms as triples, each once, in the order of their places (:func:`_places`)."""
    keyed = {(place[s], place[p], place[o]): (s, p, o) for s, p, o in rows}
    return [ox.Triple(*keyed[key]) for key in sorted(keyed)]


def get_prefixes(bindings: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """The prefix map of rdflib namespace bindings (the empty prefix left out), as Oxigraph's serialisers take it."""
    return {prefix: str(iri) for prefix, iri in bindings if prefix}
