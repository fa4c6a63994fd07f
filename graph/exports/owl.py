"""The OWL view of the whole graph, for Protégé and other OWLAPI tools: ``get_owl_graph(...)``, ``to_owl_bytes(...)``.

The default exports describe a claim by RDF reification (``rdf:Statement``,
``rdf:subject``, ``rdf:predicate``, ``rdf:object``). That vocabulary is reserved in
OWL 2 DL: OWLAPI drops those triples as unparsed, so in Protégé a claim would no longer
say what it claims. The OWL view is the same graph (ontology, stated data, curator
knowledge; no inferred triples) as one OWL 2 DL ontology:

- a claim or curator statement keeps its subject and object through the object
  properties ``kkgo:claimSubject`` / ``kkgo:claimObject`` (a literal object through the
  data property ``kkgo:claimValue``), and its predicate through the annotation property
  ``kkgo:claimPredicate``, whose value is the property's IRI (an annotation value needs no
  individual of that name, so there is no punning of a property as an individual);
  ``rdf:Statement`` typing is left out;
- what the reasoner reads is exactly the reasoning run's input
  (:func:`~ketamine_kg.ontology.reason.get_owl_view`): the curated exact matches as
  ``kkgo:hasExactTerm``, all entities pairwise different, and a claim's qualifiers as
  ``xsd:string`` (the definitions' patterns match strings; the language tag is dropped),
  so HermiT in Protégé derives the build's classifications;
- every term is declared: the project's own in the ontology, every other property
  (Web Annotation, PROV, Dublin Core, SKOS, schema.org, Biolink) as an annotation
  property, every other type as a class, every individual as a named individual;
- it is its own ontology (:data:`~ketamine_kg.core.iris.OWL_VIEW_IRI`), not the TBox's IRI.

Dates are ``xsd:dateTime`` here as in every export (``xsd:date`` is not in the OWL 2
datatype map). RDF/XML (what owlready2 and OWLAPI 3 read) writes every declaration before
the triples that use it; Turtle is offered too, and OWL 2 functional-style syntax
(:func:`~ketamine_kg.exports.owl_functional.to_functional`, our own writer: no Java needed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Dataset as RdfDataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD
from rdflib.term import Node

from ketamine_kg.core import iris as ns
from ketamine_kg.core.namespaces import KKGO, ONTOLOGY_GRAPH, get_graphs_by_name
from ketamine_kg.core.version import __version__
from ketamine_kg.exports.rdf_formats import is_stated_graph, to_rdf_xml, to_turtle
from ketamine_kg.ontology.reason.view import CLAIM_NODE_PROPERTIES, add_all_different, get_owl_view
from ketamine_kg.ontology.vocabulary import Vocabulary

SYNTAXES = ("rdfxml", "turtle", "functional")
# The OWL-visible copies of the reification properties (the object one for IRIs, the data one for literals).
REIFICATION: dict[Node, Node] = {RDF.subject: KKGO.claimSubject, RDF.predicate: KKGO.claimPredicate}
OWL_VIEW_TITLE = "ketamine-kg knowledge graph, OWL view"
OWL_VIEW_DESCRIPTION = (
    "The ontology, the article's stated claims with their evidence, and the curator knowledge, as one OWL 2 DL "
    "ontology: each claim keeps its subject, predicate and object through kkgo:claimSubject, kkgo:claimPredicate "
    "and kkgo:claimObject (or kkgo:claimValue) instead of RDF reification."
)
# Terms OWL 2 itself gives meaning to: never declared, never typed as classes of ours.
BUILT_IN = {RDF.type, RDF.first, RDF.rest, RDF.nil, RDF.List, RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal,
            RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, RDFS.subClassOf, RDFS.subPropertyOf,
            RDFS.domain, RDFS.range, RDFS.Datatype, RDFS.Class}
DECLARED_AS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype, OWL.Ontology)


def _is_builtin(term: Node) -> bool:
    """Whether OWL 2 gives ``term`` its meaning (any other rdf: or rdfs: term would be reserved vocabulary misused)."""
    text = str(term)
    return term in BUILT_IN or text.startswith((str(OWL), str(XSD)))


@dataclass
class OwlView:
    """The OWL view as a set of triples with the prefixes to write it with (what :func:`to_owl_bytes` writes).

    A corpus's view holds every stated triple: a Python set costs a fraction of an rdflib
    graph's indexes, and writing needs none of them. :meth:`graph` gives an rdflib graph.
    """

    triples: set[tuple[Node, Node, Node]]
    namespaces: list[tuple[str, URIRef]]

    def graph(self) -> Graph:
        """The view as an rdflib graph, bound to its prefixes."""
        graph = Graph(bind_namespaces="none")
        for prefix, iri in self.namespaces:
            graph.bind(prefix, iri, override=True, replace=True)
        for triple in self.triples:
            graph.add(triple)
        return graph


def get_owl_graph(rdf_dataset: RdfDataset, vocab: Vocabulary | None = None, version: str = __version__, *,
                  union: Graph | None = None) -> Graph:
    """The OWL view of ``rdf_dataset`` as an rdflib graph: its ontology, stated and curator graphs as one OWL 2 DL ontology.

    ``union`` is accepted for callers that have :func:`~ketamine_kg.exports.rdf_formats.stated_union`
    already; the view is made without it (:func:`get_owl_view_triples`).
    """
    return get_owl_view_triples(rdf_dataset, vocab, version).graph()


def get_owl_view_triples(rdf_dataset: RdfDataset, vocab: Vocabulary | None = None, version: str = __version__,
                         graphs: Mapping[URIRef, Graph] | None = None) -> OwlView:
    """The OWL view of ``rdf_dataset`` as triples (see the module docstring for what changes).

    ``graphs``: a build's own graphs, read instead (:func:`~ketamine_kg.core.namespaces.get_graphs_by_name`;
    in the shared store, asking each article's graph for its statements scanned those of
    every article).
    """
    named = get_graphs_by_name(rdf_dataset, graphs)
    stated = [g for name, g in named.items() if is_stated_graph(str(name))]
    tbox = named.get(ONTOLOGY_GRAPH, Graph())
    # the reasoner's input: the stated graphs of the articles (no ontology, no curator graph)
    articles = [g for name, g in named.items()
                if is_stated_graph(str(name)) and name != ONTOLOGY_GRAPH and not str(name).endswith("/curator")]
    statements = {s for g in stated for s in g.subjects(RDF.type, RDF.Statement)}
    claims = {s for g in stated for s in g.subjects(RDF.type, KKGO.Claim)}
    tbox_iri = URIRef(ns.ONTOLOGY_IRI)
    owl: set[tuple[Node, Node, Node]] = set()
    for graph in stated:
        for s, p, o in graph:
            if s == tbox_iri:
                continue  # the TBox's header: the view has its own (below)
            if s in statements:
                if p == RDF.type and o == RDF.Statement:
                    continue
                if p == RDF.object:
                    p = KKGO.claimValue if isinstance(o, Literal) else KKGO.claimObject
                p = REIFICATION.get(p, p)
                if s in claims and p in CLAIM_NODE_PROPERTIES and isinstance(o, Literal):
                    continue  # a qualifier's words: the reasoner's xsd:string copy comes from the view below
            owl.add((s, p, o))
    # Exactly what the reasoning run reads: hasExactTerm, AllDifferent, qualifiers as strings.
    owl.update(t for t in tbox if t[0] != tbox_iri)
    owl.update(_reasoner_triples(tbox, articles, vocab))
    _add_header(owl, tbox, version)
    _declare(owl)
    namespaces = [(prefix, URIRef(iri)) for prefix, iri in rdf_dataset.namespaces()]
    return OwlView(owl, namespaces)


def _reasoner_triples(tbox: Graph, articles: list[Graph], vocab: Vocabulary | None) -> set[tuple[Node, Node, Node]]:
    """What the reasoning run reads of the articles' stated graphs, less the TBox: the view of their union.

    Each article's view is made from its own graph and the views joined, with one
    ``owl:AllDifferent`` of every entity: the view of the union (the reasoning run's input)
    has the same triples, as every triple a view adds comes from the graph it is made of,
    and made of one union graph a thousand articles cost a copy of every triple into
    rdflib and lookups in it.
    """
    found: set[tuple[Node, Node, Node]] = set()
    entities: set[URIRef] = set()
    for graph in articles:
        view = get_owl_view(tbox, graph, vocab, all_different=False)
        found.update(view.triples(tbox=False))
        entities.update(e for e, p, o in view.base
                        if p == RDF.type and o == OWL.NamedIndividual and isinstance(e, URIRef) and e.startswith(ns.ENTITY))
    different = Graph()
    add_all_different(different, sorted(entities))
    found.update(different)
    return found


def _add_header(owl: set, tbox: Graph, version: str) -> None:
    """The view's ontology header: its own IRI and version IRI, the TBox's licence, creator and date."""
    view = URIRef(ns.OWL_VIEW_IRI)
    tbox_iri = URIRef(ns.ONTOLOGY_IRI)
    owl.add((view, RDF.type, OWL.Ontology))
    owl.add((view, OWL.versionIRI, URIRef(f"{ns.OWL_VIEW_IRI}/{version}")))
    owl.add((view, OWL.versionInfo, Literal(version)))
    owl.add((view, DCTERMS.title, Literal(OWL_VIEW_TITLE, lang="en")))
    owl.add((view, DCTERMS.description, Literal(OWL_VIEW_DESCRIPTION, lang="en")))
    owl.add((view, DCTERMS.source, tbox_iri))
    owl.add((view, RDFS.seeAlso, URIRef(ns.DATASET_IRI)))
    for prop in (DCTERMS.license, DCTERMS.creator, DCTERMS.created):
        for value in tbox.objects(tbox_iri, prop):
            owl.add((view, prop, value))


def _declare(owl: set) -> None:
    """Declare every term ``owl`` uses and does not declare (see the module docstring)."""
    declared: dict[Node, set[Node]] = {}
    for term, p, kind in owl:
        if p == RDF.type and kind in DECLARED_AS:
            declared.setdefault(term, set()).add(kind)
    object_properties = {t for t, kinds in declared.items() if OWL.ObjectProperty in kinds}
    data_properties = {t for t, kinds in declared.items() if OWL.DatatypeProperty in kinds}
    individuals: set[Node] = set()
    for s, p, o in list(owl):
        if p == RDF.type:
            if not _is_builtin(o) and o not in declared:
                owl.add((o, RDF.type, OWL.Class))
                declared[o] = {OWL.Class}
            if isinstance(s, URIRef) and not _is_builtin(o):
                individuals.add(s)
            continue
        if not _is_builtin(p) and p not in declared:
            owl.add((p, RDF.type, OWL.AnnotationProperty))  # no logic: any value goes
            declared[p] = {OWL.AnnotationProperty}
        if p in object_properties or p in data_properties:
            individuals.update(t for t in (s, o) if isinstance(t, URIRef) and t not in (RDF.nil,))
    for individual in individuals - {t for t, kinds in declared.items() if kinds - {OWL.Class}}:
        if isinstance(individual, URIRef):
            owl.add((individual, RDF.type, OWL.NamedIndividual))


def to_owl_bytes(owl: Graph | OwlView, syntax: str = "rdfxml") -> bytes:
    """The OWL view (a graph, or :class:`OwlView`) in ``syntax`` (a name of :data:`SYNTAXES`), the same bytes on every run."""
    if syntax == "rdfxml":
        return to_rdf_xml(owl)
    if syntax == "functional":
        from ketamine_kg.exports.owl_functional import to_functional

        return to_functional(owl.graph() if isinstance(owl, OwlView) else owl)
    return to_turtle(owl)
