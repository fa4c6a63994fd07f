"""Reading the built RDF for the views: its named graphs, the entity types, and small readers.

A built dataset (:func:`ketamine_kg.rdf.graphset.get_rdf_dataset`) holds the stated
triples of each source (what the article says), the curator knowledge about its entities
(facts from outside it, ``.../curator``), the reasoner's inferred triples and the
ontology, each in a named graph. :func:`get_parts` splits it once into :class:`Parts`; every view graph
(:mod:`ketamine_kg.views.graphs`) reads from those. :func:`get_type_index` reads the
entity classes of the ontology, so a node can be given its most specific type.

The readers below are shared by the view graphs: the English text of a literal, the
local name of an IRI, and the links from a node to terms outside the project.

>>> local_name("https://w3id.org/ketamine-kg/ontology#Receptor")
'Receptor'
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ketamine_kg.core import iris as ns
from ketamine_kg.core.curies import to_curie
from ketamine_kg.core.namespaces import ONTOLOGY_GRAPH
from ketamine_kg.ontology.vocabulary import load_vocabulary

MATCH_PREDICATES = {
    SKOS.exactMatch: "exact match",
    SKOS.closeMatch: "close match",
    SKOS.broadMatch: "broader term",
    SKOS.narrowMatch: "narrower term",
    SKOS.relatedMatch: "related term",
    OWL.equivalentClass: "equivalent class",
    OWL.equivalentProperty: "equivalent property",
    RDFS.subClassOf: "subclass of",
    RDFS.subPropertyOf: "subproperty of",
    RDFS.seeAlso: "see also",
}


class StoreAggregate(ReadOnlyGraphAggregate):
    """A read-only union of named graphs that share one rdflib store, answered by the store.

    rdflib's :class:`ReadOnlyGraphAggregate` asks each of its graphs in turn, so every
    lookup costs as many lookups as there are graphs: over the stated graphs of a corpus of
    a thousand articles, drawing the corpus graph took most of the build. This one asks the
    store once (every graph of a built dataset lives in one store) and keeps the triples
    that are in one of its graphs, each once.
    """

    def __init__(self, graphs: list[Graph]):
        super().__init__(graphs)
        self._names = frozenset(g.identifier for g in graphs)
        self._store = graphs[0].store

    def triples(self, triple):  # type: ignore[override]
        """The triples matching ``triple`` in any of the graphs, each once (a path predicate as rdflib evaluates it)."""
        s, p, o = triple
        if not isinstance(p, (URIRef, type(None))):  # a property path: rdflib's own walk
            yield from super().triples(triple)
            return
        names = self._names
        for found, contexts in self._store.triples((s, p, o), None):
            if any(c is not None and c.identifier in names for c in contexts):
                yield found

    def __contains__(self, triple) -> bool:
        return next(iter(self.triples(triple[:3])), None) is not None


def get_aggregate(graphs: list[Graph]) -> ReadOnlyGraphAggregate:
    """The union of ``graphs`` to read from: one store lookup per pattern when they share a store."""
    if len(graphs) > 1 and all(g.store is graphs[0].store for g in graphs):
        return StoreAggregate(graphs)
    return ReadOnlyGraphAggregate(graphs)


@dataclass(frozen=True)
class Parts:
    """The named graphs of a built dataset, ready to read."""

    data: ReadOnlyGraphAggregate  # stated triples (all sources): what the articles say
    inferred: ReadOnlyGraphAggregate  # the reasoner's triples (possibly empty)
    tbox: Graph  # the ontology
    everything: ReadOnlyGraphAggregate  # all of the above and the curator knowledge
    curator: ReadOnlyGraphAggregate  # facts from outside the articles, each with its source


def get_parts(rdf_dataset) -> Parts:
    """Split an rdflib Dataset from :func:`ketamine_kg.rdf.graphset.get_rdf_dataset` into its parts."""
    stated: list[Graph] = []
    inferred: list[Graph] = []
    curator: list[Graph] = []
    tbox = Graph()
    for graph in rdf_dataset.graphs():
        name = str(graph.identifier)
        if graph.identifier == ONTOLOGY_GRAPH:
            tbox = graph
        elif name.endswith("/inferred"):
            inferred.append(graph)
        elif name.endswith("/curator"):
            curator.append(graph)
        elif name.startswith(ns.GRAPH):
            stated.append(graph)
    empty = Graph()
    data = get_aggregate(stated or [empty])
    inferred_graph = get_aggregate(inferred or [empty])
    everything = get_aggregate(stated + curator + inferred + [tbox])
    return Parts(data=data, inferred=inferred_graph, tbox=tbox, everything=everything,
                 curator=get_aggregate(curator or [empty]))


def as_parts(rdf_dataset) -> Parts:
    """``rdf_dataset`` split into its :class:`Parts`, or itself if it already is one."""
    return rdf_dataset if isinstance(rdf_dataset, Parts) else get_parts(rdf_dataset)


def get_text(graph, node, predicate) -> str | None:
    """The English (or untagged) literal value of ``predicate`` on ``node``.

    A value in another language is the fallback; None where there is no literal.

    >>> from rdflib import Literal, URIRef
    >>> g = Graph()
    >>> _ = g.add((URIRef("x:a"), RDFS.label, Literal("Ketamin", lang="de")))
    >>> _ = g.add((URIRef("x:a"), RDFS.label, Literal("ketamine", lang="en")))
    >>> get_text(g, URIRef("x:a"), RDFS.label), get_text(g, URIRef("x:a"), RDFS.comment)
    ('ketamine', None)
    """
    return get_best_text(graph.objects(node, predicate))


def get_best_text(values) -> str | None:
    """Of ``values`` (terms), the first English or untagged literal, else the first literal; None where there is none.

    >>> from rdflib import Literal, URIRef
    >>> get_best_text([URIRef("x:a"), Literal("Ketamin", lang="de"), Literal("ketamine")])
    'ketamine'
    """
    best = None
    for value in values:
        if isinstance(value, Literal):
            if value.language in (None, "en"):
                return str(value)
            best = best or str(value)
    return best


def local_name(iri: str) -> str:
    """The part of ``iri`` after its last ``#`` or ``/`` (the IRI itself where that is empty).

    >>> local_name("https://w3id.org/ketamine-kg/entity/ketamine"), local_name("https://example.org/")
    ('ketamine', 'https://example.org/')
    """
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


def is_web_link(iri: str) -> bool:
    """Whether ``iri`` may be a link on the page (http or https only, never ``javascript:``).

    >>> is_web_link("https://www.wikidata.org/wiki/Q243547"), is_web_link("javascript:alert(1)")
    (True, False)
    """
    return iri.lower().startswith(("https://", "http://"))


def get_external_links(graph, node) -> list[dict]:
    """Links from ``node`` to terms outside the project (SKOS matches, alignments).

    Each link is a dict of ``iri``, ``curie`` (the term's ``dcterms:identifier`` or a CURIE
    from the project's one prefix map), ``label`` and ``relation``; exact matches first.
    """
    links = []
    for predicate, relation in MATCH_PREDICATES.items():
        for target in graph.objects(node, predicate):
            iri = str(target)
            if not isinstance(target, URIRef) or iri.startswith(ns.BASE) or target == OWL.Thing or not is_web_link(iri):
                continue
            curie = get_text(graph, target, DCTERMS.identifier) or to_curie(iri)
            label = get_text(graph, target, RDFS.label)
            links.append({"iri": iri, "curie": curie, "label": label or "", "relation": relation})
    return sorted(links, key=lambda link: (link["relation"] != "exact match", link["curie"]))


@dataclass
class TypeIndex:
    """The entity classes of the ontology: type id, label, parent, depth."""

    by_class: dict[URIRef, str]
    labels: dict[str, str]
    parents: dict[str, str | None]

    def depth(self, type_id: str) -> int:
        """How many steps ``type_id`` is below a class with no parent."""
        depth, current = 0, self.parents.get(type_id)
        while current is not None and depth < 50:
            depth, current = depth + 1, self.parents.get(current)
        return depth

    def most_specific(self, classes) -> str | None:
        """The deepest type id among ``classes`` (IRIs), or None where none is an entity class."""
        known = [self.by_class[c] for c in classes if c in self.by_class]
        return max(known, key=lambda t: (self.depth(t), t)) if known else None


def get_type_index(tbox: Graph) -> TypeIndex:
    """Read the classes of the ontology graph, keyed by type id (``TherapeuticEffect`` -> ``therapeutic_effect``)."""
    by_name = {t.class_name: t.id for t in load_vocabulary().types.values()}
    by_class: dict[URIRef, str] = {}
    for cls in tbox.subjects(RDF.type, OWL.Class):
        if isinstance(cls, URIRef) and str(cls).startswith(ns.ONTOLOGY):
            name = str(cls)[len(ns.ONTOLOGY):]
            by_class[cls] = by_name.get(name, name)
    labels = {tid: get_text(tbox, cls, RDFS.label) or tid for cls, tid in by_class.items()}
    parents: dict[str, str | None] = {}
    for cls, tid in by_class.items():
        parent = next((by_class[p] for p in tbox.objects(cls, RDFS.subClassOf) if isinstance(p, URIRef) and p in by_class), None)
        parents[tid] = parent
    return TypeIndex(by_class=by_class, labels=labels, parents=parents)
