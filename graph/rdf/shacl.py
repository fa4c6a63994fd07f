"""The claim model's SHACL shapes (``ontology/shapes.ttl``), checked with pySHACL.

- ``load_shapes()``: the shapes graph (one claim subject, predicate and object; one
  modality and polarity of the allowed sets; evidence that selects its quote by text and
  by integer position; the plain triple there exactly when the claim is asserted and
  positive);
- ``get_violations(graph)``: what pySHACL reports, one :class:`Violation` per result;
- ``check_shapes(graph, datasets)``: raise :class:`~ketamine_kg.errors.DataError` on the
  first violation, naming its focus node and the ``claims.yaml`` line of the claim it
  belongs to.

The build checks each article's stated graph (the claims, their evidence and the plain
triples) with the curator graph beside it, as a hedged claim's triple may be stated there
too; the ontology is left out, as no shape needs it. The two rules on plain triples are
SPARQL targets (per-claim SPARQL constraints took 3 s on the article); pySHACL checks
every other shape, and Oxigraph runs those two shapes' own queries, read from the shapes
file (:func:`get_sparql_rules`): pySHACL parsed and ran them with rdflib's SPARQL engine
on every call, half its time (0.27 s of 0.54 s an article of a synthetic corpus, profiled).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from importlib import resources

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from ketamine_kg.core import iris as ns
from ketamine_kg.core.model import Claim, Dataset
from ketamine_kg.errors import DataError, display_path

SHAPES_FILE = "shapes.ttl"


@dataclass(frozen=True)
class Violation:
    """One SHACL result: the node, the property path (if any), the shape's message."""

    focus: str
    path: str | None
    message: str
    shape: str


@cache
def load_shapes() -> Graph:
    """The shapes of ``ontology/shapes.ttl`` (parsed once; callers must not change the graph)."""
    text = (resources.files("ketamine_kg.ontology") / SHAPES_FILE).read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle")


@dataclass(frozen=True)
class SparqlRule:
    """A node shape whose focus nodes a SPARQL target selects, with its one SPARQL constraint."""

    shape: str
    message: str
    target: str  # SELECT ?this ..., its prefixes declared
    constraint: str  # SELECT $this ..., its prefixes declared: each answer with $this bound is a violation


@cache
def get_sparql_rules() -> tuple[Graph, tuple[SparqlRule, ...]]:
    """The shapes split in two: a graph of those without a SPARQL target (for pySHACL), and the SPARQL-target rules.

    A rule keeps its shape's IRI and message, so its violations read as pySHACL's would
    (callers must not change the graph).
    """
    shapes = load_shapes()
    rules, dropped = [], set()
    for shape, target in shapes.subject_objects(SH.target):
        if (target, RDF.type, SH.SPARQLTarget) not in shapes:
            continue
        constraints = list(shapes.objects(shape, SH.sparql))
        if len(constraints) != 1:
            raise ValueError(f"{SHAPES_FILE}: shape {shape} has a SPARQL target and {len(constraints)} SPARQL constraints, "
                             f"not one; get_sparql_rules reads one")
        constraint = constraints[0]
        rules.append(SparqlRule(shape=str(shape), message=str(shapes.value(constraint, SH.message)),
                                target=_with_prefixes(shapes, target), constraint=_with_prefixes(shapes, constraint)))
        dropped.add(shape)
    rest = Graph()
    for triple in shapes:
        if not _reaches(shapes, dropped, triple[0]):
            rest.add(triple)
    return rest, tuple(sorted(rules, key=lambda r: r.shape))


def _reaches(shapes: Graph, dropped: set, node) -> bool:
    """Whether ``node`` is one of ``dropped`` or a blank node hanging from one (its target, its constraint)."""
    seen = set()
    while node not in dropped:
        if not isinstance(node, BNode) or node in seen:
            return False
        seen.add(node)
        parents = list(shapes.subjects(None, node))
        if len(parents) != 1:
            return False
        node = parents[0]
    return True


def _with_prefixes(shapes: Graph, node) -> str:
    """The ``sh:select`` of ``node`` with a PREFIX line for each ``sh:declare`` its ``sh:prefixes`` points to."""
    lines = []
    for source in shapes.objects(node, SH.prefixes):
        for declared in shapes.objects(source, SH.declare):
            lines.append(f"PREFIX {shapes.value(declared, SH.prefix)}: <{shapes.value(declared, SH.namespace)}>")
    return "\n".join(sorted(lines) + [str(shapes.value(node, SH.select))])


def _sparql_violations(graph: Graph, rules: tuple[SparqlRule, ...]) -> list[Violation]:
    """What the SPARQL-target rules find in ``graph``, run on Oxigraph (SHACL's pre-binding of ``$this``)."""
    import pyoxigraph as ox

    from ketamine_kg.rdf.oxigraph import to_ox_triples

    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in to_ox_triples(graph))
    found = []
    this = ox.Variable("this")
    for rule in rules:
        targets = store.query(rule.target)
        assert isinstance(targets, ox.QuerySolutions)  # a rule's queries are SELECTs (get_sparql_rules reads sh:select)
        for focus in {row["this"] for row in targets}:
            answers = store.query(rule.constraint, substitutions={this: focus})
            assert isinstance(answers, ox.QuerySolutions)
            for _ in answers:
                found.append(Violation(focus=focus.value, path=None, message=rule.message, shape=rule.shape))
    return found


def get_violations(graph: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Validate ``graph`` against the shapes; return its violations, in a stable order (none when it conforms).

    With the project's shapes, the SPARQL-target rules run on Oxigraph and the rest on
    pySHACL (:func:`get_sparql_rules`); other ``shapes`` are pySHACL's alone.
    """
    from pyshacl import validate

    found = []
    if shapes is None:
        shapes, rules = get_sparql_rules()
        found += _sparql_violations(graph, rules)
    # inplace: the shapes have no rules and no inference is asked for, so pySHACL writes nothing
    # into the graph and need not copy it first (a quarter of its time on one article)
    _, report, _ = validate(graph, shacl_graph=shapes, advanced=True, allow_warnings=True, inplace=True)
    assert isinstance(report, Graph)
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        found.append(Violation(
            focus=str(report.value(result, SH.focusNode)),
            path=str(path) if isinstance(path, URIRef) else None,
            message=str(report.value(result, SH.resultMessage) or "violates a shape"),
            shape=str(report.value(result, SH.sourceShape)),
        ))
    return sorted(set(found), key=lambda v: (v.focus, v.message, v.path or ""))


def find_claim(focus: str, datasets: list[Dataset]) -> tuple[Dataset, Claim] | None:
    """The claim a focus node belongs to: the claim itself, or its evidence, target or selectors."""
    for dataset in datasets:
        for claim in dataset.claims:
            iri = ns.claim_iri(dataset.source.id, claim.id)
            if focus == iri or focus.startswith(iri + "/"):
                return dataset, claim
    return None


def get_article_graph(rdf_dataset, dataset: Dataset, graphs: Mapping[URIRef, Graph] | None = None, *,
                      private: bool = False) -> Graph:
    """What the shapes are checked on for one article: its stated graph and its curator graph, merged.

    ``graphs``: a build's own graphs, read instead (:func:`~ketamine_kg.core.namespaces.get_graphs_by_name`).
    ``private``: the graphs are this process's own copy (a forked checker's), so the curator
    triples are added to the stated graph itself rather than both copied into a new one
    (pySHACL also binds its ``sh`` prefix in the graph it checks). For 1,000 articles the
    copy was a third of the checks' time.
    """
    from ketamine_kg.core.namespaces import curator_graph_iri, data_graph_iri, get_graphs_by_name

    named = get_graphs_by_name(rdf_dataset, graphs)
    stated, curator = named.get(data_graph_iri(dataset.source.id)), named.get(curator_graph_iri(dataset.source.id))
    if private and stated is not None:
        if curator is not None:
            stated += curator
        return stated
    graph = Graph()
    for part in (stated, curator):
        if part is not None:
            graph += part
    return graph


def check_shapes(graph: Graph, datasets: list[Dataset], shapes: Graph | None = None) -> None:
    """Raise :class:`DataError` for the first violation of the shapes in ``graph``, at its claim's file and line."""
    _raise_first(get_violations(graph, shapes), datasets)


# What the forked checkers read: the dataset and its articles (set just before the fork, so shared, not copied).
_FORKED: dict[str, Any] = {}


def _article_violations(index: int) -> list[Violation]:
    # A forked checker's graphs are its own copy: what it adds to them stays in the child.
    return get_violations(get_article_graph(_FORKED["rdf_dataset"], _FORKED["articles"][index], _FORKED["graphs"],
                                            private=True))


def check_articles(rdf_dataset, articles: list[Dataset], *, processes: int | None = None,
                   graphs: Mapping[URIRef, Graph] | None = None, meanwhile: Callable[[], object] | None = None) -> None:
    """Check each article's graph (:func:`get_article_graph`) against the shapes; raise for the first article that breaks one.

    The shapes' plain-triple rule holds per article, so each article is validated on its
    own. With many articles the checks share the machine's cores (forked processes that
    read the dataset the parent built); the error is the same as one by one: the first
    article in order, its first violation. ``graphs`` as for :func:`get_article_graph`
    (where given, ``rdf_dataset`` is not read and may be None).

    ``meanwhile`` is run in this process while forked checkers work (before the checks,
    when they run here), and before any violation is raised: the build copies its graphs
    into one Dataset then.
    """
    import multiprocessing
    import os

    processes = processes if processes is not None else min(len(articles) // 8, os.cpu_count() or 1)
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        if meanwhile is not None:
            meanwhile()
        for article in articles:
            check_shapes(get_article_graph(rdf_dataset, article, graphs), articles)
        return
    get_sparql_rules()  # parsed and split once, before the fork
    _FORKED.update(rdf_dataset=rdf_dataset, articles=articles, graphs=graphs)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            results = pool.imap(_article_violations, range(len(articles)), chunksize=4)  # the workers start now
            if meanwhile is not None:
                meanwhile()
            for violations in results:
                _raise_first(violations, articles)
    finally:
        _FORKED.clear()


def _raise_first(violations: list[Violation], datasets: list[Dataset]) -> None:
    if not violations:
        return
    first = violations[0]
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    found = find_claim(first.focus, datasets)
    if found is None:
        raise DataError(None, None, f"SHACL: {first.focus}: {first.message}{more}")
    dataset, claim = found
    file = claim.file or display_path(dataset.directory / "claims.yaml")
    raise DataError(file, claim.line, f"claim {claim.id!r} breaks the claim shapes: {first.message} "
                                      f"(focus node {first.focus}){more}")
