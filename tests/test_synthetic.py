"""The synthetic corpus: deterministic, distinct per article, shaped like the real data, linear in size."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Dataset as RdfDataset, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ketamine_kg.core import iris as ns
from ketamine_kg.core.namespaces import KKGO, OA
from ketamine_kg.rdf.abox import get_data_graph
from ketamine_kg.dev.synthetic import get_synthetic_dataset, get_synthetic_view_graph, iter_synthetic_nquads, write_synthetic_nquads


def node_shapes(graph) -> Counter:
    """How many nodes of each shape: (sorted rdf:types, sorted set of predicates) of every subject.

    Entities, claims, annotations, targets and selectors each have a recognisable shape;
    IRIs and literal values do not enter it.
    """
    shapes: Counter = Counter()
    for subject in set(graph.subjects()):
        types = tuple(sorted(str(t) for t in graph.objects(subject, RDF.type)))
        predicates = tuple(sorted({str(p) for p in graph.predicates(subject)}))
        shapes[(types, predicates)] += 1
    return shapes


def article_chunks(n: int, seed: int) -> list[bytes]:
    return [chunk for chunk, _ in iter_synthetic_nquads(n_articles=n, seed=seed, with_ontology=False)]


def test_same_seed_same_bytes_other_seed_other_corpus():
    assert article_chunks(3, seed=11) == article_chunks(3, seed=11)
    assert article_chunks(3, seed=11) != article_chunks(3, seed=12)


def test_prefix_property_article_depends_only_on_seed_and_index():
    assert article_chunks(2, seed=5) == article_chunks(4, seed=5)[:2]


@pytest.mark.parametrize("kind,node_type", [
    ("claims", KKGO.Claim),
    ("annotations", OA.Annotation),
    ("quote selectors", OA.TextQuoteSelector),
    ("position selectors", OA.TextPositionSelector),
    ("sources", KKGO.SourceDocument),
    ("sections", KKGO.Section),
])
def test_article_scoped_nodes_are_distinct_across_articles(kind, node_type):
    graphs = [get_data_graph(get_synthetic_dataset(i, seed=1)) for i in range(3)]
    sets = [set(g.subjects(RDF.type, node_type)) for g in graphs]
    assert all(sets), f"every article has {kind}"
    assert not (sets[0] & sets[1]) and not (sets[1] & sets[2]) and not (sets[0] & sets[2]), f"{kind} shared between articles"


def test_entities_mix_shared_hubs_and_article_variants():
    datasets = [get_synthetic_dataset(i, seed=3) for i in range(20)]
    ids = [set(d.entities) for d in datasets]
    everywhere = Counter(e for s in ids for e in s)
    assert any(e.endswith(tuple(f"_v{k}" for k in range(1, 10))) for e in everywhere), "no variant entities"
    assert max(everywhere.values()) >= 5, "no entity is reused across articles"
    # A claim only points at entities its article declares.
    for d in datasets:
        for claim in d.claims:
            assert claim.subject in d.entities
            assert claim.object is None or claim.object in d.entities
            for key in ("route", "procedure"):
                assert key not in claim.qualifiers or claim.qualifiers[key] in d.entities


def test_shape_equals_the_real_article(dataset, data_graph):
    synthetic = get_data_graph(get_synthetic_dataset(0, seed=2))
    real_shapes, synth_shapes = node_shapes(data_graph), node_shapes(synthetic)
    # Modality is redrawn per claim, so a few claims trade the plain triple for none and
    # vice versa; every node *kind* of the real data is there, and nothing new appears.
    real_kinds = {types for types, _ in real_shapes}
    synth_kinds = {types for types, _ in synth_shapes}
    assert real_kinds == synth_kinds
    real_predicates, synth_predicates = set(data_graph.predicates()), set(synthetic.predicates())
    # Only a claim predicate may gain or lose its plain triple (when its claims' modality is redrawn).
    # A variant entity has no external match; so its article may lack a match predicate.
    claim_predicates = {KKGO[c.predicate] for c in dataset.claims}
    match_predicates = {SKOS[m.predicate.split(":", 1)[1]] for m in dataset.mappings if not m.is_no_match}
    match_predicates |= {RDFS.label, DCTERMS.identifier}  # of the external terms themselves
    assert real_predicates ^ synth_predicates <= claim_predicates | match_predicates
    stated = get_synthetic_dataset(0, seed=2)
    plain = {(URIRef(ns.entity_iri(c.subject)), KKGO[c.predicate]) for c in stated.claims if c.is_stated_fact}
    assert plain and all(any(True for _ in synthetic.objects(s, p)) for s, p in plain)
    claims = lambda g: len(set(g.subjects(RDF.type, KKGO.Claim)))  # noqa: E731
    assert claims(synthetic) == claims(data_graph) == len(dataset.claims)
    # One plain triple per redrawn claim at most, three per external match a variant lacks.
    assert abs(len(synthetic) - len(data_graph)) <= len(dataset.claims) + 3 * len(dataset.mappings)


def test_modality_mix_follows_the_real_mix(dataset):
    real = Counter(c.modality for c in dataset.claims)
    drawn = Counter(c.modality for i in range(40) for c in get_synthetic_dataset(i, seed=9).claims)
    total = sum(drawn.values())
    for modality, count in real.items():
        assert abs(drawn[modality] / total - count / len(dataset.claims)) < 0.05, modality
    assert set(drawn) == set(real)


def test_triple_count_grows_linearly_and_reaches_the_target():
    counts = [count for _, count in iter_synthetic_nquads(n_articles=8, seed=4, with_ontology=False)]
    mean = sum(counts) / len(counts)
    assert all(abs(c - mean) / mean < 0.05 for c in counts), counts
    stop_at = int(sum(counts[:5]) - 1)
    chunks = list(iter_synthetic_nquads(stop_at, seed=4, with_ontology=False))
    assert len(chunks) == 5 and sum(c for _, c in chunks) >= stop_at


def test_nquads_parse_back_into_one_named_graph_per_article(tmp_path):
    stats = write_synthetic_nquads(tmp_path / "c.nq", 4000, seed=6)
    parsed = RdfDataset()
    parsed.parse(str(stats.path), format="nquads")
    assert sum(len(g) for g in parsed.graphs()) == stats.quads >= 4000
    names = {str(g.identifier) for g in parsed.graphs() if len(g)}
    assert f"{ns.GRAPH}ontology" in names
    assert {f"{ns.GRAPH}synthetic-s6-{i}" for i in range(stats.articles)} <= names
    article = parsed.graph(URIRef(f"{ns.GRAPH}synthetic-s6-0"))
    assert node_shapes(article) == node_shapes(get_data_graph(get_synthetic_dataset(0, seed=6)))


def test_view_graph_has_exactly_n_nodes_and_no_more_pieces_than_the_article(stated_graphs):
    import networkx as nx

    from ketamine_kg.views.graphs import get_article_graph

    base = get_article_graph(stated_graphs[1])
    pieces = nx.number_weakly_connected_components(base)
    assert get_synthetic_view_graph(10, seed=1).number_of_nodes() == 10
    for n in (300, 1000):
        graph = get_synthetic_view_graph(n, seed=1)
        assert graph.number_of_nodes() == n
        assert nx.number_weakly_connected_components(graph) <= pieces
        assert all("type" in d and "label" in d for _, d in graph.nodes(data=True))
    assert list(get_synthetic_view_graph(300, seed=1).edges(keys=True)) == list(get_synthetic_view_graph(300, seed=1).edges(keys=True))


def test_store_corpus_shares_and_disputes_statements_across_articles():
    """The store benchmark's cross-source rows measure real answers: articles share statements and dispute some."""
    import pyoxigraph as ox

    from ketamine_kg.sparql.catalogue import get_query
    from ketamine_kg.sparql.engines import OxigraphEngine, run_query
    from ketamine_kg.store import load_quads

    store = ox.Store()
    load_quads(store, b"".join(chunk for chunk, _ in iter_synthetic_nquads(n_articles=4)))
    engine = OxigraphEngine(store)
    for name in ("agreement", "conflicts"):
        result = run_query(engine, get_query(name))
        sources = {row[result.variables.index("source")].value for row in result.rows}
        assert result.rows and len(sources) >= 2, name


def test_a_shared_approval_keeps_one_agency_across_synthetic_articles():
    """Regression: renamed agencies gave one shared approval several (approvals: 325,484 rows at 10M triples)."""
    from ketamine_kg.dev.synthetic import get_synthetic_dataset

    agencies: dict[str, set[str]] = {}
    for index in range(200):
        for claim in get_synthetic_dataset(index).claims:
            if claim.predicate == "approval_granted_by":
                agencies.setdefault(claim.subject, set()).add(claim.object)
    assert len(agencies) > 1  # the approval itself is still renamed in some articles
    assert all(len(objects) == 1 for objects in agencies.values()), agencies
