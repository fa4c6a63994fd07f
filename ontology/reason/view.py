"""The OWL view: what of an article's graph the reasoner may see, split by the claim each part comes from.

The view is chosen so that hedging can never become fact:

- every entity with its stated type, all entities pairwise different (curated ids);
- the plain triples of the data graph, which exist only for positive asserted claims;
- each claim node with its modality, polarity and qualifiers, and ``claimSubject`` /
  ``claimObject`` (OWL-visible copies of ``rdf:subject`` / ``rdf:object``). Definitions
  that look at claim nodes require ``modality value Asserted``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD
from rdflib.term import Node

from ketamine_kg.core import iris as ns
from ketamine_kg.ontology.reason.report import local_name
from ketamine_kg.ontology.vocabulary import Vocabulary, load_vocabulary

KKGO = ns.ONTOLOGY
CLAIM_CLASS = URIRef(KKGO + "Claim")
# Properties that exist only in the OWL view: copies of rdf:subject / rdf:object and their inverses.
VIEW_PROPERTIES = {URIRef(KKGO + n) for n in ("claimSubject", "claimObject", "subjectOfClaim", "objectOfClaim")}
HAS_EXACT_TERM = URIRef(KKGO + "hasExactTerm")
CLAIM_LINKS = {RDF.subject: URIRef(KKGO + "claimSubject"), RDF.object: URIRef(KKGO + "claimObject")}
CLAIM_NODE_PROPERTIES = {URIRef(KKGO + n) for n in (
    "modality", "polarity", "onset", "duration", "frequency", "population", "time", "purpose", "route", "procedure",
)}

Triple = tuple[Node, Node, Node]


def add_all_different(graph: Graph, individuals: Sequence[Node]) -> None:
    """State that ``individuals`` are pairwise different (``owl:AllDifferent``), if there are two or more.

    Its blank nodes are named after the members, so the same statement gives the same
    triples on every run (the OWL view export writes them) and twice is once.
    """
    if len(individuals) > 1:
        key = hashlib.sha256("\n".join(str(i) for i in individuals).encode("utf-8")).hexdigest()[:16]
        nodes = [BNode(f"different{key}n{n}") for n in range(len(individuals))]
        for node, individual, rest in zip(nodes, individuals, [*nodes[1:], RDF.nil]):
            graph.add((node, RDF.first, individual))
            graph.add((node, RDF.rest, rest))
        different = BNode(f"different{key}")
        graph.add((different, RDF.type, OWL.AllDifferent))
        graph.add((different, OWL.members, nodes[0]))


@dataclass
class OwlView:
    """The TBox and the data as the reasoner sees them, split by the claim each part comes from."""

    tbox: Graph
    base: Graph  # entity types, AllDifferent, triples no claim accounts for
    by_claim: dict[str, set[Triple]]  # claim id -> triples of its node and (if stated) its plain triple
    stated: dict[Triple, set[str]]  # plain triple -> claim ids stating it

    def triples(self, *, tbox: bool = True) -> Iterator[Triple]:
        """Every triple of :meth:`graph` with all claims, without building the graph (a triple may come twice); the TBox's only with ``tbox``."""
        if tbox:
            yield from self.tbox
        yield from self.base
        for triples in self.by_claim.values():
            yield from triples

    def graph(self, claim_ids: Iterable[str] | None = None, *, local: bool = False) -> Graph:
        """TBox + base + the contributions of ``claim_ids`` (all claims by default).

        With ``local``, the base keeps only the entities those claims mention: a smaller
        graph for the many checks of a conflict search.
        """
        graph = Graph()
        for triple in self.tbox:
            graph.add(triple)
        ids = list(self.by_claim if claim_ids is None else claim_ids)
        claimed: set[URIRef] = set()
        for cid in ids:
            for triple in self.by_claim[cid]:
                graph.add(triple)
                claimed.update(t for t in triple if isinstance(t, URIRef) and str(t).startswith(ns.ENTITY))
        if not local:
            for triple in self.base:
                graph.add(triple)
            return graph
        for node in claimed:
            for triple in self.base.triples((node, None, None)):
                graph.add(triple)
        add_all_different(graph, sorted(claimed))
        return graph


def get_owl_view(tbox_graph: Graph, data_graph: Graph, vocab: Vocabulary | None = None, *,
                 all_different: bool = True) -> OwlView:
    """Pick out of ``data_graph`` what the reasoner may use (see the module docstring).

    Without ``all_different`` the entities are not said to be pairwise different: a
    caller joining the views of several graphs says it once, of them all.
    """
    vocab = vocab or load_vocabulary()  # the data folder's vocabulary: its own predicates are facts too
    plain_props = {URIRef(KKGO + p) for p in vocab.predicates}
    base = Graph()
    entities = sorted({s for s in data_graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(ns.ENTITY)})
    for entity in entities:
        base.add((entity, RDF.type, OWL.NamedIndividual))
        for cls in data_graph.objects(entity, RDF.type):
            if str(cls).startswith(KKGO):
                base.add((entity, RDF.type, cls))
    if all_different:
        add_all_different(base, entities)
    stated: dict[Triple, set[str]] = defaultdict(set)
    by_claim: dict[str, set[Triple]] = {}
    claimed: set[Triple] = set()
    several_sources = len(set(data_graph.subjects(RDF.type, URIRef(KKGO + "SourceDocument")))) > 1
    for node in data_graph.subjects(RDF.type, CLAIM_CLASS):
        cid = str(data_graph.value(node, DCTERMS.identifier) or local_name(node))
        if several_sources and str(node).startswith(ns.CLAIM):
            cid = str(node)[len(ns.CLAIM):]  # source/claim: two articles of a corpus may use one claim id
        triples: set[Triple] = {(node, RDF.type, CLAIM_CLASS), (node, RDF.type, OWL.NamedIndividual)}
        for rdf_prop, view_prop in CLAIM_LINKS.items():
            value = data_graph.value(node, rdf_prop)
            if isinstance(value, URIRef):
                triples.add((node, view_prop, value))
        for prop in CLAIM_NODE_PROPERTIES:
            for obj in data_graph.objects(node, prop):
                # The view keeps the words only: patterns in definitions match xsd:string.
                triples.add((node, prop, Literal(str(obj), datatype=XSD.string) if isinstance(obj, Literal) else obj))
        s, p, o = data_graph.value(node, RDF.subject), data_graph.value(node, RDF.predicate), data_graph.value(node, RDF.object)
        if s is not None and p is not None and o is not None and (s, p, o) in data_graph:
            triples.add((s, p, o))
            stated[(s, p, o)].add(cid)
            claimed.add((s, p, o))
        by_claim[cid] = triples
    for triple in data_graph:
        if triple[1] in plain_props and triple not in claimed and str(triple[0]).startswith(ns.ENTITY):
            base.add(triple)  # a fact no claim accounts for (a graph made by another tool)
    # Curated exact matches, as object property assertions the reasoner reads (definitions
    # such as "antagonist of something exactly matched to GO:0017146" use them).
    for matched, term in data_graph.subject_objects(SKOS.exactMatch):
        if isinstance(term, URIRef) and isinstance(matched, URIRef) and str(matched).startswith(ns.ENTITY):
            base.add((matched, HAS_EXACT_TERM, term))
            base.add((term, RDF.type, OWL.NamedIndividual))
    return OwlView(tbox=tbox_graph, base=base, by_claim=by_claim, stated=dict(stated))
