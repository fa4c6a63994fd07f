"""Which claims an inferred fact rests on: trace a reasoner's entailments back to the stated claims.

:func:`collect_facts` turns what a reasoner entailed into :class:`InferredFact` objects,
leaving out what was already stated and OWL's own noise (``owl:Thing``, named
individuals); each fact carries the ids of the claims it follows from: through a
sub-property, an inverse, a transitive chain, or the definition of a class.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection as Sized

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from ketamine_kg.core import iris as ns
from ketamine_kg.ontology.reason.report import InferredFact
from ketamine_kg.ontology.reason.view import CLAIM_CLASS, KKGO, VIEW_PROPERTIES, OwlView, Triple

NOISE_TYPES = {OWL.Thing, OWL.NamedIndividual, OWL.Nothing, RDFS.Resource, OWL.Class}


class _Support:
    """Index of the view and the entailments, to trace each new fact back to claims."""

    def __init__(self, view: OwlView, everything: Graph):
        self.view = view
        self.g = everything
        self.sub_props: dict[Node, set[Node]] = defaultdict(set)  # property -> itself and all its sub-properties
        for prop in set(everything.subjects(RDF.type, OWL.ObjectProperty)) | set(everything.subjects(RDF.type, OWL.DatatypeProperty)):
            self.sub_props[prop].add(prop)
        changed = True
        pairs = [(s, o) for s, o in everything.subject_objects(RDFS.subPropertyOf) if isinstance(s, URIRef) and isinstance(o, URIRef)]
        while changed:
            changed = False
            for sub, sup in pairs:
                new = self.sub_props[sub] - self.sub_props[sup]
                if new or sub not in self.sub_props[sup]:
                    self.sub_props[sup] |= self.sub_props[sub] | {sub}
                    changed = True
        self.inverse: dict[Node, Node] = {}
        for a, b in everything.subject_objects(OWL.inverseOf):
            self.inverse[a], self.inverse[b] = b, a
        self.claim_nodes: dict[Node, str] = {}
        for cid, triples in view.by_claim.items():
            for s, p, o in triples:
                if p == RDF.type and o == CLAIM_CLASS:
                    self.claim_nodes[s] = cid

    def claims_of(self, s: Node, props: Sized[Node], objects: Sized[Node] | None = None) -> set[str]:
        """Claims stating ``s p o`` for p among ``props`` (and o among ``objects``)."""
        found: set[str] = set()
        for (ts, tp, to), cids in self.view.stated.items():
            if ts == s and tp in props and (objects is None or to in objects):
                found |= cids
        return found

    def for_property(self, s: Node, p: Node, o: Node, depth: int = 0) -> tuple[str, set[str]]:
        """How ``s p o`` follows (sub-property, inverse or transitive) and from which claims."""
        subs = self.sub_props.get(p, {p})
        direct = self.claims_of(s, subs, {o})
        if direct:
            return "sub-property", direct
        inverse = self.inverse.get(p)
        if inverse is not None and depth < 2:
            kind, claims = self.for_property(o, inverse, s, depth + 1)
            if claims:
                return "inverse", claims
        if (p, RDF.type, OWL.TransitiveProperty) in self.g:
            path = self._path(s, o, subs)
            if path:
                return "transitive", path
        return "sub-property", set()

    def _path(self, start: Node, goal: Node, props: Sized[Node]) -> set[str]:
        edges: dict[Node, list[tuple[Node, set[str]]]] = defaultdict(list)
        for (ts, tp, to), cids in self.view.stated.items():
            if tp in props:
                edges[ts].append((to, cids))
        queue: list[tuple[Node, set[str]]] = [(start, set())]
        seen = {start}
        while queue:
            node, claims = queue.pop(0)
            for nxt, cids in edges[node]:
                if nxt == goal:
                    return claims | cids
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, claims | cids))
        return set()

    def for_type(self, x: Node, cls: Node, types: dict[Node, set[Node]], depth: int = 0) -> set[str]:
        """Claims that make ``x`` an instance of ``cls`` through its definition."""
        if depth > 6:
            return set()
        if isinstance(cls, URIRef):
            found: set[str] = set()
            for expr in self.g.objects(cls, OWL.equivalentClass):
                if isinstance(expr, BNode):
                    found |= self.for_type(x, expr, types, depth + 1)
            return found
        members = self.g.value(cls, OWL.intersectionOf) or self.g.value(cls, OWL.unionOf)
        if members is not None:
            found = set()
            for member in Collection(self.g, members):
                found |= self.for_type(x, member, types, depth + 1)
            return found
        prop = self.g.value(cls, OWL.onProperty)
        if prop is None:
            return set()
        filler = self.g.value(cls, OWL.someValuesFrom)
        value = self.g.value(cls, OWL.hasValue)
        if prop in VIEW_PROPERTIES:  # a restriction on the claim nodes about x
            link = self.inverse.get(prop)
            found = set()
            for node, cid in self.claim_nodes.items():
                if (node, link, x) in self.view.by_claim[cid] and (filler is None or filler in types.get(node, ())):
                    found.add(cid)
            return found
        if value is not None:
            return self.claims_of(x, self.sub_props.get(prop, {prop}), {value})
        nominals = self.g.value(filler, OWL.oneOf) if filler is not None else None
        if nominals is not None:
            return self.claims_of(x, self.sub_props.get(prop, {prop}), set(Collection(self.g, nominals)))
        objects = {o for o, ts in types.items() if filler in ts} if isinstance(filler, URIRef) else None
        return self.claims_of(x, self.sub_props.get(prop, {prop}), objects)


def _told_ancestors(graph: Graph) -> dict[Node, set[Node]]:
    """Class -> itself and its asserted named superclasses."""
    parents: dict[Node, set[Node]] = defaultdict(set)
    for s, o in graph.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            parents[s].add(o)

    def up(cls: Node, seen: set[Node]) -> set[Node]:
        for parent in parents.get(cls, ()):
            if parent not in seen:
                seen.add(parent)
                up(parent, seen)
        return seen

    return {cls: up(cls, {cls}) for cls in list(parents)}


class _AnyClass(set):
    """The types of an individual whose types are not all known: it may be of any class."""

    def __contains__(self, item: object) -> bool:
        return True


def collect_facts(view: OwlView, view_graph: Graph, entailed: Graph, data_graph: Graph, *,
                  retrace: bool = False) -> list[InferredFact]:
    """Turn a reasoner's entailments into new facts, each with the claims it rests on.

    With ``retrace``, ``entailed`` is an inferred graph kept from an earlier run (the facts
    alone, without the types the reasoner gave terms outside the data): a type whose
    definition needs those is traced to the claims about the individual through the
    definition's properties, whatever their objects are.
    """
    everything = Graph()
    for part in (view_graph, entailed):
        for triple in part:
            everything.add(triple)
    told = _told_ancestors(view.tbox)
    full = _told_ancestors(everything)  # with the subsumptions the reasoner found
    for a, b in everything.subject_objects(OWL.equivalentClass):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            full.setdefault(a, {a}).add(b)
            full.setdefault(b, {b}).add(a)
    individuals = {s for s in everything.subjects(RDF.type, OWL.NamedIndividual)}
    stated_types: dict[Node, set[Node]] = defaultdict(set)
    types: dict[Node, set[Node]] = defaultdict(set)
    for x in individuals:
        for cls in view_graph.objects(x, RDF.type):
            if isinstance(cls, URIRef):
                stated_types[x] |= told.get(cls, {cls})
        for cls in everything.objects(x, RDF.type):
            if isinstance(cls, URIRef):
                types[x] |= full.get(cls, {cls})
    support = _Support(view, everything)
    facts: dict[Triple, InferredFact] = {}
    ours = (ns.ENTITY, ns.CLAIM)
    for x in sorted(individuals):  # type: ignore[type-var]  # rdflib terms sort among themselves
        if not isinstance(x, URIRef) or not str(x).startswith(ours):
            continue
        for cls in sorted(types[x] - stated_types[x]):  # type: ignore[type-var]
            if cls in NOISE_TYPES or not isinstance(cls, URIRef) or not str(cls).startswith(KKGO):
                continue
            triple = (x, RDF.type, cls)
            if triple not in data_graph:
                claims = {support.claim_nodes[x]} if x in support.claim_nodes else support.for_type(x, cls, types)
                if not claims and retrace:
                    claims = support.for_type(x, cls, {node: _AnyClass() for node in individuals})
                if not claims:  # follows from the curated types and mappings alone, not from anything the source says
                    continue
                facts[triple] = InferredFact(x, RDF.type, cls, "type", tuple(sorted(claims)))
    properties = set(everything.subjects(RDF.type, OWL.ObjectProperty))
    candidates: set[Triple] = set()
    for s, p, o in entailed:
        if p in properties:
            candidates.add((s, p, o))
    for s, p, o in list(view_graph):  # super-properties, from the (classified) property hierarchy
        if p in properties and isinstance(o, URIRef):
            candidates |= {(s, q, o) for q, subs in support.sub_props.items() if p in subs and q != p}
    for s, p, o in list(view_graph) + list(candidates):  # inverse direction of every known value
        if p in support.inverse and isinstance(o, URIRef):
            candidates.add((o, support.inverse[p], s))
    for s, p, o in sorted(candidates):
        if p in VIEW_PROPERTIES or p == OWL.topObjectProperty or not str(s).startswith(ns.ENTITY) or not str(o).startswith(ns.ENTITY):
            continue
        if (s, p, o) in view_graph or (s, p, o) in data_graph:
            continue
        if not (isinstance(s, URIRef) and isinstance(p, URIRef) and isinstance(o, (URIRef, Literal))):
            continue  # never so for entity IRIs and object properties; narrows the types
        kind, claims = support.for_property(s, p, o)
        facts[(s, p, o)] = InferredFact(s, p, o, kind, tuple(sorted(claims)))
    return sorted(facts.values(), key=lambda f: (f.kind != "type", str(f.subject), str(f.predicate), str(f.object)))


def trace_inferred(tbox: Graph, data: Graph, inferred: Graph, vocab=None) -> list[InferredFact]:
    """The facts of a kept inferred graph with the claims each rests on, without running a reasoner.

    ``tbox`` and ``data`` are the ontology and the stated graph the inferred graph was drawn
    from; ``vocab`` the vocabulary (default: the core one). On the built-in article this gives
    the same facts as the run that made ``inferred``, in about a tenth of a second.
    """
    from ketamine_kg.ontology.reason.view import get_owl_view

    view = get_owl_view(tbox, data, vocab)
    return collect_facts(view, view.graph(), inferred, data, retrace=True)
