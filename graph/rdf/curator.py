"""Curator knowledge as RDF: what is known about an article's entities from outside the article.

Two kinds of outside fact are curated on the entities (``entities.yaml``), each with the
source it was read from:

- ``attributes``: a value, such as the date or the product of an approval;
- ``curator_relations``: a relation to another entity, such as esketamine being an
  enantiomer of ketamine.

:func:`get_curator_graph` turns them into the graph the build keeps in the named graph
:func:`~ketamine_kg.core.namespaces.curator_graph_iri` (``.../graph/<source>/curator``),
apart from the article's stated graph. Each fact gives its plain triple and a statement
node typed ``rdf:Statement`` and ``kkgo:CuratorStatement`` (never ``kkgo:Claim``) with its
``dcterms:source``: no modality, no quote, nothing the article says.

The reasoner reads only the article's stated graph, so no curator fact reaches it: not a
relation (the article's "adaptation" is its claim; the enantiomer relation is not), and
not an attribute value. (Dates are ``xsd:dateTime`` values all the same, as everywhere in the
graph: ``xsd:date`` is outside the OWL 2 datatype map, and HermiT refuses a whole input
holding one, so the OWL view of the whole graph could not carry it.)
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ketamine_kg.core import iris as ns
from ketamine_kg.core.model import Dataset, Entity, date_time_value, is_date_attribute
from ketamine_kg.core.namespaces import KKGO, bind_prefixes
from ketamine_kg.ontology.vocabulary import Vocabulary, load_vocabulary


def attribute_literal(name: str, value: str) -> Literal:
    """The RDF value of an entity attribute: an ``xsd:dateTime`` for a ``...date`` attribute, else plain text.

    >>> attribute_literal("date", "2019-03-05"), attribute_literal("product", "x").datatype
    (rdflib.term.Literal('2019-03-05T00:00:00', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#dateTime')), None)
    """
    if is_date_attribute(name):
        return Literal(date_time_value(value), datatype=XSD.dateTime)
    return Literal(value)


def attribute_statement_iri(entity_id: str, name: str) -> URIRef:
    """The statement node that says where an entity's attribute was read."""
    return URIRef(f"{ns.entity_iri(entity_id)}/attribute/{name}")


def relation_statement_iri(entity_id: str, predicate: str, obj: str) -> URIRef:
    """The statement node that says where a curator relation was read."""
    return URIRef(f"{ns.entity_iri(entity_id)}/curator/{predicate}/{obj}")


def has_curator_knowledge(dataset: Dataset) -> bool:
    """Whether any entity of ``dataset`` carries an attribute or a curator relation."""
    return any(e.attributes or e.curator_relations for e in dataset.entities.values())


def _add_statement(graph: Graph, stmt: URIRef, triple: tuple[URIRef, URIRef, URIRef | Literal], source: str,
                   label: str) -> None:
    subject, predicate, obj = triple
    graph.add(triple)
    graph.add((stmt, RDF.type, RDF.Statement))
    graph.add((stmt, RDF.type, KKGO.CuratorStatement))
    graph.add((stmt, RDF.subject, subject))
    graph.add((stmt, RDF.predicate, predicate))
    graph.add((stmt, RDF.object, obj))
    graph.add((stmt, DCTERMS.source, Literal(source)))
    graph.add((stmt, RDFS.label, Literal(f"{label} (curator knowledge)", lang="en")))


def add_entity_knowledge(graph: Graph, entity: Entity, dataset: Dataset, vocab: Vocabulary) -> None:
    """Add one entity's attributes and curator relations, each with its statement node and source."""
    node = URIRef(ns.entity_iri(entity.id))
    for name, attr in sorted(entity.attributes.items()):
        _add_statement(graph, attribute_statement_iri(entity.id, name),
                       (node, KKGO[name], attribute_literal(name, attr["value"])), attr["source"],
                       f"{entity.label}: {name} {attr['value']}")
    for rel in entity.curator_relations:
        target = dataset.entities[rel.object]
        _add_statement(graph, relation_statement_iri(entity.id, rel.predicate, rel.object),
                       (node, KKGO[rel.predicate], URIRef(ns.entity_iri(rel.object))), rel.source,
                       f"{entity.label} {vocab.predicates[rel.predicate].label} {target.label}")


def get_curator_graph(dataset: Dataset, vocab: Vocabulary | None = None) -> Graph:
    """The curator knowledge of ``dataset``'s entities (attributes and curator relations), never an article claim."""
    vocab = vocab or load_vocabulary()
    graph = bind_prefixes(Graph(bind_namespaces="core"))
    for entity in dataset.entities.values():
        add_entity_knowledge(graph, entity, dataset, vocab)
    return graph
