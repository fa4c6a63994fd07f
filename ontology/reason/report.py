"""What reasoning over one article found: the new facts and the claims each rests on.

An :class:`InferredFact` is one triple the reasoner added, with how it follows and the
ids of the claims it rests on; a :class:`ReasoningReport` gathers them with the reasoner
that ran, whether the whole was consistent and how long it took.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ketamine_kg.core import iris as ns
from ketamine_kg.core.namespaces import bind_prefixes


def local_name(term: object) -> str:
    """The last part of an IRI, after its last ``#`` or ``/``.

    >>> local_name("https://w3id.org/ketamine-kg/ontology#Analgesic"), local_name("https://w3id.org/ketamine-kg/entity/ketamine")
    ('Analgesic', 'ketamine')
    """
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


@dataclass(frozen=True)
class InferredFact:
    """One triple the reasoner added, how it follows, and the claims it rests on."""

    subject: URIRef
    predicate: URIRef
    object: URIRef | Literal
    kind: str  # "type", "sub-property", "inverse" or "transitive"
    claims: tuple[str, ...] = ()

    @property
    def triple(self) -> tuple[Node, Node, Node]:
        """The fact as an rdflib triple."""
        return (self.subject, self.predicate, self.object)


@dataclass
class ReasoningReport:
    """What reasoning over one article found."""

    reasoner: str
    consistent: bool
    facts: list[InferredFact] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def inferred_graph(self) -> Graph:
        """Only the new triples: none already stated, no owl:Thing / NamedIndividual noise."""
        graph = bind_prefixes(Graph())
        for fact in self.facts:
            graph.add(fact.triple)
        return graph

    def classifications(self) -> list[InferredFact]:
        """Inferred types of the article's entities (not of claim nodes)."""
        return [f for f in self.facts if f.kind == "type" and str(f.subject).startswith(ns.ENTITY)]

    def types_of(self, entity_id: str) -> set[str]:
        """Local names of the classes inferred for one entity.

        >>> ReasoningReport("HermiT", True).types_of("ketamine")
        set()
        """
        node = URIRef(ns.entity_iri(entity_id))
        return {local_name(f.object) for f in self.facts if f.kind == "type" and f.subject == node}

    def one_line(self) -> str:
        """E.g. ``reasoner: HermiT, consistent, 27 inferred facts in 1.8 s``.

        >>> ReasoningReport("HermiT", True, seconds=1.84).one_line()
        'reasoner: HermiT, consistent, 0 inferred facts in 1.8 s'
        """
        state = "consistent" if self.consistent else "INCONSISTENT"
        return f"reasoner: {self.reasoner}, {state}, {len(self.facts)} inferred facts in {self.seconds:.1f} s"
