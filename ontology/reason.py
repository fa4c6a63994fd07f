"""Reason over the ontology and one article's graph, and say what follows and why.

``reason_over(dataset, tbox_graph, data_graph)`` runs HermiT (through owlready2, in an
isolated :class:`owlready2.World`) over the TBox and an *OWL view* of the data, and
returns a :class:`ReasoningReport`: whether the whole is consistent, and every new fact
(new types, inverse, sub-property and transitive consequences) with the ids of the
claims it rests on. Without Java it says so and falls back to OWL 2 RL with ``owlrl``.

What the reasoner sees (the OWL view) is chosen so that hedging can never become fact:

- every entity with its stated type, all entities pairwise different (curated ids);
- the plain triples of the data graph, which exist only for positive asserted claims;
- each claim node with its modality, polarity and qualifiers, and ``claimSubject`` /
  ``claimObject`` (OWL-visible copies of ``rdf:subject`` / ``rdf:object``). Definitions
  that look at claim nodes require ``modality value Asserted``.

If the ontology and the data contradict each other, :func:`reason_over` raises a
:class:`~ketamine_kg.errors.KkgError` that names a smallest set of claims (id, quote,
``claims.yaml`` line) whose removal makes the contradiction go away.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from ketamine_kg.core import iris as ns
from ketamine_kg.errors import KkgError

KKGO = ns.ONTOLOGY
HERMIT = "HermiT"
OWL_RL = "OWL 2 RL (owlrl)"
# Properties that exist only in the OWL view: copies of rdf:subject / rdf:object and their inverses.
VIEW_PROPERTIES = {URIRef(KKGO + n) for n in ("claimSubject", "claimObject", "subjectOfClaim", "objectOfClaim")}
CLAIM_LINKS = {RDF.subject: URIRef(KKGO + "claimSubject"), RDF.object: URIRef(KKGO + "claimObject")}
CLAIM_NODE_PROPERTIES = {URIRef(KKGO + n) for n in (
    "modality", "polarity", "onset", "duration", "frequency", "population", "time", "purpose", "route", "procedure",
)}
ANNOTATIONS = {RDFS.label, RDFS.comment, URIRef(ns.PREFIXES["skos"] + "definition"), DCTERMS.source, DCTERMS.title, DCTERMS.description}
NOISE_TYPES = {OWL.Thing, OWL.NamedIndividual, OWL.Nothing, RDFS.Resource, OWL.Class}
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"
NO_JAVA = "Java not found (HermiT needs a Java runtime, e.g. `apt-get install default-jre`): reasoning with OWL 2 RL (owlrl) instead"


@dataclass(frozen=True)
class InferredFact:
    """One triple the reasoner added, how it follows, and the claims it rests on."""

    subject: URIRef
    predicate: URIRef
    object: URIRef | Literal
    kind: str  # "type", "sub-property", "inverse" or "transitive"
    claims: tuple[str, ...] = ()

    @property
    def triple(self):
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
        from ketamine_kg.core.namespaces import bind_prefixes

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
        return {_local(f.object) for f in self.facts if f.kind == "type" and f.subject == node}

    def one_line(self) -> str:
        """E.g. ``reasoner: HermiT, consistent, 27 inferred facts in 1.8 s``.

        >>> ReasoningReport("HermiT", True, seconds=1.84).one_line()
        'reasoner: HermiT, consistent, 0 inferred facts in 1.8 s'
        """
        state = "consistent" if self.consistent else "INCONSISTENT"
        return f"reasoner: {self.reasoner}, {state}, {len(self.facts)} inferred facts in {self.seconds:.1f} s"


def _local(term) -> str:
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


# --- the OWL view -------------------------------------------------------------------------


@dataclass
class OwlView:
    """The TBox and the data as the reasoner sees them, split by the claim each part comes from."""

    tbox: Graph
    base: Graph  # entity types, AllDifferent, triples no claim accounts for
    by_claim: dict[str, set]  # claim id -> triples of its node and (if stated) its plain triple
    stated: dict[tuple, set[str]]  # plain triple -> claim ids stating it

    def graph(self, claim_ids=None, *, local: bool = False) -> Graph:
        """TBox + base + the contributions of ``claim_ids`` (all claims by default).

        With ``local``, the base keeps only the entities those claims mention: a smaller
        graph for the many checks of a conflict search.
        """
        graph = Graph()
        for triple in self.tbox:
            graph.add(triple)
        ids = list(self.by_claim if claim_ids is None else claim_ids)
        claimed = set()
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
        if len(claimed) > 1:
            members = BNode()
            Collection(graph, members, sorted(claimed))
            different = BNode()
            graph.add((different, RDF.type, OWL.AllDifferent))
            graph.add((different, OWL.members, members))
        return graph


def get_owl_view(tbox_graph: Graph, data_graph: Graph) -> OwlView:
    """Pick out of ``data_graph`` what the reasoner may use (see the module docstring)."""
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    vocab = load_vocabulary()
    plain_props = {URIRef(KKGO + p) for p in vocab.predicates}
    base = Graph()
    entities = sorted({s for s in data_graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(ns.ENTITY)})
    for node in entities:
        base.add((node, RDF.type, OWL.NamedIndividual))
        for cls in data_graph.objects(node, RDF.type):
            if str(cls).startswith(KKGO):
                base.add((node, RDF.type, cls))
    if len(entities) > 1:
        members = BNode()
        Collection(base, members, entities)
        different = BNode()
        base.add((different, RDF.type, OWL.AllDifferent))
        base.add((different, OWL.members, members))
    stated: dict[tuple, set[str]] = defaultdict(set)
    by_claim: dict[str, set] = {}
    claimed = set()
    for node in data_graph.subjects(RDF.type, URIRef(KKGO + "Claim")):
        cid = str(data_graph.value(node, DCTERMS.identifier) or _local(node))
        triples = {(node, RDF.type, URIRef(KKGO + "Claim")), (node, RDF.type, OWL.NamedIndividual)}
        for rdf_prop, view_prop in CLAIM_LINKS.items():
            value = data_graph.value(node, rdf_prop)
            if isinstance(value, URIRef):
                triples.add((node, view_prop, value))
        for prop in CLAIM_NODE_PROPERTIES:
            for value in data_graph.objects(node, prop):
                # The view keeps the words only: patterns in definitions match xsd:string.
                triples.add((node, prop, Literal(str(value), datatype=XSD.string) if isinstance(value, Literal) else value))
        plain = (data_graph.value(node, RDF.subject), data_graph.value(node, RDF.predicate), data_graph.value(node, RDF.object))
        if None not in plain and plain in data_graph:
            triples.add(plain)
            stated[plain].add(cid)
            claimed.add(plain)
        by_claim[cid] = triples
    for triple in data_graph:
        if triple[1] in plain_props and triple not in claimed and str(triple[0]).startswith(ns.ENTITY):
            base.add(triple)  # a fact no claim accounts for (a graph made by another tool)
    return OwlView(tbox=tbox_graph, base=base, by_claim=by_claim, stated=dict(stated))


# --- reasoners ----------------------------------------------------------------------------


def java_available() -> bool:
    """Whether the Java runtime owlready2 calls (``owlready2.JAVA_EXE``) can be found."""
    import owlready2

    exe = owlready2.JAVA_EXE
    if os.path.sep in exe:
        return os.access(exe, os.X_OK)
    return shutil.which(exe) is not None


class Inconsistent(Exception):
    """The reasoner found the ontology and data inconsistent."""


def run_hermit(graph: Graph) -> Graph:
    """Run HermiT on ``graph``; return what it entails beyond it (direct types, property values).

    Raises :class:`Inconsistent`. Unsatisfiable classes come back as ``C owl:equivalentClass owl:Nothing``.
    """
    import owlready2 as ow

    world = ow.World()
    try:
        view = world.get_ontology("https://w3id.org/ketamine-kg/reasoning-view")
        view.load(fileobj=io.BytesIO(graph.serialize(format="nt", encoding="utf-8")), format="ntriples")
        inferred = world.get_ontology("https://w3id.org/ketamine-kg/reasoning-inferred")
        saved = os.environ.get("JAVA_TOOL_OPTIONS")
        if saved is None:  # a short run: start fast rather than optimise hot code (halves the wall time)
            os.environ["JAVA_TOOL_OPTIONS"] = JVM_OPTIONS
        try:
            ow.sync_reasoner_hermit(inferred, infer_property_values=True, debug=0)
        except ow.OwlReadyInconsistentOntologyError as exc:
            raise Inconsistent() from exc
        finally:
            if saved is None:
                del os.environ["JAVA_TOOL_OPTIONS"]
        buffer = io.BytesIO()
        inferred.save(buffer, format="ntriples")
        result = Graph()
        result.parse(data=buffer.getvalue().decode("utf-8"), format="nt")
        return result
    finally:
        world.close()


def run_owlrl(graph: Graph) -> Graph:
    """Expand ``graph`` with the OWL 2 RL rules; return the new triples. Raises :class:`Inconsistent`."""
    import owlrl
    from owlrl.Namespaces import ERRNS

    closure = Graph()
    for triple in graph:
        if triple[1] not in ANNOTATIONS:  # labels and definitions only slow the rules down
            closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    errors = [str(closure.value(node, ERRNS.error)) for node in closure.subjects(RDF.type, ERRNS.ErrorMessage)]
    if errors:
        raise Inconsistent(*sorted(errors))
    return closure - graph


def _consistent(run, graph: Graph) -> bool:
    try:
        run(graph)
    except Inconsistent:
        return False
    return True


# --- facts and what they rest on ------------------------------------------------------------


class _Support:
    """Index of the view and the entailments, to trace each new fact back to claims."""

    def __init__(self, view: OwlView, everything: Graph):
        self.view = view
        self.g = everything
        self.sub_props: dict = defaultdict(set)  # property -> itself and all its sub-properties
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
        self.inverse = {}
        for a, b in everything.subject_objects(OWL.inverseOf):
            self.inverse[a], self.inverse[b] = b, a
        self.claim_nodes = {}
        for cid, triples in view.by_claim.items():
            for s, p, o in triples:
                if p == RDF.type and o == URIRef(KKGO + "Claim"):
                    self.claim_nodes[s] = cid

    def claims_of(self, s, props, objects=None) -> set[str]:
        """Claims stating ``s p o`` for p among ``props`` (and o among ``objects``)."""
        found = set()
        for (ts, tp, to), cids in self.view.stated.items():
            if ts == s and tp in props and (objects is None or to in objects):
                found |= cids
        return found

    def for_property(self, s, p, o, depth: int = 0) -> tuple[str, set[str]]:
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

    def _path(self, start, goal, props) -> set[str]:
        edges = defaultdict(list)
        for (ts, tp, to), cids in self.view.stated.items():
            if tp in props:
                edges[ts].append((to, cids))
        queue, seen = [(start, set())], {start}
        while queue:
            node, claims = queue.pop(0)
            for nxt, cids in edges[node]:
                if nxt == goal:
                    return claims | cids
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, claims | cids))
        return set()

    def for_type(self, x, cls, types: dict, depth: int = 0) -> set[str]:
        """Claims that make ``x`` an instance of ``cls`` through its definition."""
        if depth > 6:
            return set()
        if isinstance(cls, URIRef):
            found = set()
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


def _told_ancestors(graph: Graph) -> dict:
    """Class -> itself and its asserted named superclasses."""
    parents = defaultdict(set)
    for s, o in graph.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            parents[s].add(o)

    def up(cls, seen):
        for parent in parents.get(cls, ()):
            if parent not in seen:
                seen.add(parent)
                up(parent, seen)
        return seen

    return {cls: up(cls, {cls}) for cls in list(parents)}


def collect_facts(view: OwlView, view_graph: Graph, entailed: Graph, data_graph: Graph) -> list[InferredFact]:
    """Turn a reasoner's entailments into new facts, each with the claims it rests on."""
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
    stated_types = defaultdict(set)
    types = defaultdict(set)
    for x in individuals:
        for cls in view_graph.objects(x, RDF.type):
            if isinstance(cls, URIRef):
                stated_types[x] |= told.get(cls, {cls})
        for cls in everything.objects(x, RDF.type):
            if isinstance(cls, URIRef):
                types[x] |= full.get(cls, {cls})
    support = _Support(view, everything)
    facts: dict[tuple, InferredFact] = {}
    ours = (ns.ENTITY, ns.CLAIM)
    for x in sorted(individuals):
        if not str(x).startswith(ours):
            continue
        for cls in sorted(types[x] - stated_types[x]):
            if cls in NOISE_TYPES or not str(cls).startswith(KKGO):
                continue
            triple = (x, RDF.type, cls)
            if triple not in data_graph:
                claims = {support.claim_nodes[x]} if x in support.claim_nodes else support.for_type(x, cls, types)
                facts[triple] = InferredFact(x, RDF.type, cls, "type", tuple(sorted(claims)))
    properties = set(everything.subjects(RDF.type, OWL.ObjectProperty))
    candidates = set()
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
        kind, claims = support.for_property(s, p, o)
        facts[(s, p, o)] = InferredFact(s, p, o, kind, tuple(sorted(claims)))
    return sorted(facts.values(), key=lambda f: (f.kind != "type", str(f.subject), str(f.predicate), str(f.object)))


# --- explaining an inconsistency ------------------------------------------------------------


def find_conflict(view: OwlView, consistent, hints: frozenset = frozenset()) -> list[str]:
    """A smallest set of claims that, with the TBox and the entity types, is inconsistent.

    ``consistent(claim_ids) -> bool`` is the oracle. Claims that mention the ``hints``
    (IRIs a reasoner named) are tried first: the shortest inconsistent prefix is found by
    doubling, then shrunk with QuickXplain (Junker 2004). Returns [] if the TBox and the
    entity types alone are inconsistent.
    """
    def qx(background: list[str], has_delta: bool, candidates: list[str]) -> list[str]:
        if has_delta and not consistent(background):
            return []
        if len(candidates) == 1:
            return candidates
        half = len(candidates) // 2
        first, second = candidates[:half], candidates[half:]
        d2 = qx(background + first, bool(first), second)
        d1 = qx(background + d2, bool(d2), first)
        return d1 + d2

    def score(cid: str) -> int:
        return -len({term for triple in view.by_claim[cid] for term in triple} & hints)

    order = sorted(view.by_claim, key=score) if hints else list(view.by_claim)
    size = 1
    while True:
        if size >= len(order):
            prefix = order
            break
        if not consistent(order[:size]):
            prefix = order[:size]
            break
        size *= 2
    return qx([], False, prefix) if prefix else []


def explain_inconsistency(dataset, view: OwlView, run, messages: tuple[str, ...] = ()) -> KkgError:
    """Build the error that names the claims (id, quote, line) behind an inconsistency.

    OWL 2 RL's error messages (``messages``, or a run of owlrl) name the IRIs involved;
    the search for the claims runs owlrl on small graphs, and ``run`` confirms the result.
    """
    messages = list(messages) or _owlrl_errors(view.graph())
    hints = {URIRef(iri) for message in messages for iri in re.findall(r"https?://[^\s,;]+", message)}
    # Claims whose subject or object is outside the predicate's domain or range go first
    # (the loader refuses them in claims.yaml, but a dataset made another way may hold them).
    hints |= {URIRef(ns.claim_iri(dataset.source.id, c)) for c in _mistyped_claims(dataset)} if dataset is not None else set()
    hints = frozenset(hints)
    if messages:
        conflict = find_conflict(view, lambda ids: not _owlrl_errors(view.graph(ids, local=True)), hints)
        if conflict and not _consistent(run, view.graph(conflict)):
            return _conflict_error(dataset, conflict, run)
    if not _consistent(run, view.graph([])):
        return _conflict_error(dataset, [], run)
    return _conflict_error(dataset, find_conflict(view, lambda ids: _consistent(run, view.graph(ids, local=True)), hints), run)


def _mistyped_claims(dataset) -> list[str]:
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    vocab = load_vocabulary()
    found = []
    for claim in dataset.claims:
        pred = vocab.predicates.get(claim.predicate)
        subject = dataset.entities.get(claim.subject)
        obj = dataset.entities.get(claim.object) if claim.object else None
        if pred is None or subject is None:
            continue
        if not vocab.fits(subject.type, pred.domain) or (obj is not None and pred.range and not vocab.fits(obj.type, pred.range)):
            found.append(claim.id)
    return found


def _owlrl_errors(graph: Graph) -> list[str]:
    try:
        run_owlrl(graph)
    except Inconsistent as exc:
        return list(exc.args)
    return []


def _conflict_error(dataset, conflict: list[str], run) -> KkgError:
    from ketamine_kg.errors import display_path

    where = display_path(dataset.directory / "claims.yaml") if dataset is not None else "claims.yaml"
    if not conflict:
        return KkgError(
            None, None,
            "the ontology is inconsistent even without any claim: check the entity types and ontology/alignments.tsv",
        )
    claims = {c.id: c for c in dataset.claims} if dataset is not None else {}
    parts = []
    for cid in conflict:
        claim = claims.get(cid)
        if claim is None:
            parts.append(f"claim {cid!r}")
            continue
        target = claim.object if claim.object else repr(claim.value)
        parts.append(f"claim {cid!r} (line {claim.line}: {claim.subject} {claim.predicate} {target}; quote {claim.evidence[0].quote!r})")
    first = claims.get(conflict[0])
    line = first.line if first is not None else None
    reasoner = HERMIT if run is run_hermit else OWL_RL
    return KkgError(where, line, f"the ontology is inconsistent ({reasoner}); these claims contradict its axioms together: " + "; ".join(parts))


# --- the entry point ------------------------------------------------------------------------


def reason_over(dataset, tbox_graph: Graph, data_graph: Graph, *, reasoner: str = "auto") -> ReasoningReport:
    """Reason over the TBox and the stated data of one article.

    ``reasoner`` is ``"auto"`` (HermiT if Java is found, else OWL 2 RL), ``"hermit"`` or
    ``"owlrl"``. Raises :class:`KkgError` naming the claims behind an inconsistency.
    """
    start = time.perf_counter()
    notes: list[str] = []
    if reasoner == "auto":
        reasoner = "hermit" if java_available() else "owlrl"
        if reasoner == "owlrl":
            notes.append(NO_JAVA)
    elif reasoner == "hermit" and not java_available():
        raise KkgError(None, None, "Java not found: HermiT needs a Java runtime (or use the OWL 2 RL reasoner)")
    run = run_hermit if reasoner == "hermit" else run_owlrl
    view = get_owl_view(tbox_graph, data_graph)
    view_graph = view.graph()
    try:
        entailed = run(view_graph)
    except Inconsistent as exc:
        raise explain_inconsistency(dataset, view, run, exc.args) from None
    unsatisfiable = sorted(str(c) for c in entailed.subjects(OWL.equivalentClass, OWL.Nothing) if isinstance(c, URIRef) and c != OWL.Nothing)
    if unsatisfiable:
        names = ", ".join(_local(c) for c in unsatisfiable)
        raise KkgError(None, None, f"the ontology makes these classes unsatisfiable (nothing can be one): {names}; check ontology/alignments.tsv and the disjointness axioms")
    facts = collect_facts(view, view_graph, entailed, data_graph)
    return ReasoningReport(
        reasoner=HERMIT if run is run_hermit else OWL_RL, consistent=True, facts=facts,
        seconds=time.perf_counter() - start, notes=notes,
    )
