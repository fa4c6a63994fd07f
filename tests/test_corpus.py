"""Many articles at once: merging, the cross-source questions, and what a bad corpus gets told.

The corpus is the built-in article and the two notes of ``tests/input/corpus/`` (see its
README): one statement all three make, one asserted by two and hedged by the third, one
affirmed by the article and denied by a note.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from helpers import INPUT, run_cli, snapshot
from rdflib import Dataset as RdfDataset, Graph
from rdflib.compare import isomorphic, to_isomorphic

from ketamine_kg.core.iris import ENTITY
from ketamine_kg.core.namespaces import ONTOLOGY_GRAPH, data_graph_iri
from ketamine_kg.load.corpus import load_corpus
from ketamine_kg.load.dataset import default_data_dir
from ketamine_kg.rdf.graphset import CORPUS_INFERRED_GRAPH, build_graph_set
from ketamine_kg.sparql.catalogue import get_query
from ketamine_kg.sparql.engines import OxigraphEngine, run_query
from ketamine_kg.sparql.results import display_iri
from ketamine_kg.store import open_store

CORPUS = INPUT / "corpus"
NOTES = [CORPUS / "memantine-note", CORPUS / "sceptic-note"]
CASES = yaml.safe_load((Path(__file__).parent / "corpus_cases.yaml").read_text(encoding="utf-8"))
GOLDEN = INPUT / "corpus.trig"


def test_shared_entities_merge_by_id_and_by_exact_match():
    corpus = load_corpus([default_data_dir(), *NOTES])
    assert corpus.aliases == {"nmda_receptor": ["nmdar"]}  # nmdar is exactly matched to the same GO term
    memantine = corpus.datasets[1]
    assert "nmdar" not in memantine.entities and "nmda_receptor" in memantine.entities
    claim = next(c for c in memantine.claims if c.id == "memantine-antagonist-of-nmdar")
    assert claim.object == "nmda_receptor"
    assert "agonist_of" in corpus.vocabulary.predicates  # the note's own predicate, under a core one
    assert corpus.vocabulary.predicates["agonist_of"].parent == "molecularly_interacts_with"


def test_the_merged_graph_keeps_one_named_graph_per_article():
    graph_set = build_graph_set([default_data_dir(), *NOTES], reason=False)
    names = {str(g.identifier) for g in graph_set.rdf_dataset.graphs() if len(g)}
    for source in ("censored-brain-ketamine", "memantine-note", "sceptic-note"):
        assert f"https://w3id.org/ketamine-kg/graph/{source}" in names
    memantine = graph_set.rdf_dataset.graph(graph_set.rdf_dataset.graph("https://w3id.org/ketamine-kg/graph/memantine-note").identifier)
    alias = list(memantine.objects(None, graph_set.rdf_dataset.namespace_manager.expand_curie("kkgo:alias")))
    assert [str(a) for a in alias] == [ENTITY + "nmdar"]


@pytest.fixture(scope="module")
def reasoned_corpus():
    """The built-in article and the two notes, reasoned over: a corpus with shared entities, curator and inferred graphs."""
    return build_graph_set([default_data_dir(), *NOTES], reason=True)


def test_the_builds_own_graphs_are_the_datasets_named_graphs_and_give_the_same_outputs(reasoned_corpus):
    """GraphSet.graphs (what the SHACL check, the exports and the article pages read) hold what the dataset's named graphs hold."""
    import networkx as nx

    from ketamine_kg.app.build import _void_turtle
    from ketamine_kg.exports.owl import _reasoner_triples, get_owl_view_triples
    from ketamine_kg.exports.rdf_formats import get_stated_triples
    from ketamine_kg.ontology.reason import get_owl_view
    from ketamine_kg.rdf.graphset import get_reasoning_input
    from ketamine_kg.rdf.oxigraph import get_quads
    from ketamine_kg.views.corpus import get_article_parts
    from ketamine_kg.views.graphs import get_article_graph

    graph_set = reasoned_corpus
    rdf_dataset, graphs, vocab = graph_set.rdf_dataset, graph_set.graphs, graph_set.corpus.vocabulary
    assert len(graphs) >= 2 + len(graph_set.corpus.datasets)  # the ontology, each article, curator graphs, the inferred graph
    assert len(graphs[CORPUS_INFERRED_GRAPH]), "the corpus has inferred triples: VoID's count must add those not stated"
    for name, graph in graphs.items():
        assert set(graph) == set(rdf_dataset.graph(name)), name
    quads = get_quads(rdf_dataset, graphs)
    assert quads == get_quads(rdf_dataset)  # the exports' quads
    assert get_owl_view_triples(rdf_dataset, vocab, graphs=graphs).triples == get_owl_view_triples(rdf_dataset, vocab).triples
    _, tbox, union = get_reasoning_input(graph_set.corpus, graphs[ONTOLOGY_GRAPH])
    articles = [graphs[data_graph_iri(d.source.id)] for d in graph_set.corpus.datasets]
    assert _reasoner_triples(tbox, articles, vocab) == set(get_owl_view(tbox, union, vocab).triples(tbox=False)), \
        "the OWL view export joins each article's view: it must be the view of the union, what the reasoner reads"
    void = _void_turtle(rdf_dataset)
    assert _void_turtle(rdf_dataset, graphs) == void
    assert _void_turtle(rdf_dataset, graphs, stated=get_stated_triples(quads)) == void
    for ds in graph_set.corpus.datasets:
        own = get_article_graph(get_article_parts(rdf_dataset, ds.source.id, graphs))
        assert own.number_of_edges() > 0
        assert nx.utils.graphs_equal(own, get_article_graph(get_article_parts(rdf_dataset, ds.source.id))), ds.source.id


def test_the_corpus_graph_drawn_from_the_callers_article_graph_is_the_same_and_leaves_it_as_it_was(reasoned_corpus):
    import networkx as nx

    from ketamine_kg.views.corpus import get_corpus_graph
    from ketamine_kg.views.graphs import get_article_graph
    from ketamine_kg.views.parts import get_parts

    parts = get_parts(reasoned_corpus.rdf_dataset)
    article = get_article_graph(parts)
    for inferred in (False, True):
        given = get_corpus_graph(parts, include_inferred=inferred, per_claim=article)
        assert given.number_of_edges() > 0
        assert nx.utils.graphs_equal(given, get_corpus_graph(parts, include_inferred=inferred)), inferred
    assert nx.utils.graphs_equal(article, get_article_graph(parts))


def _data_graphs(rdf_dataset) -> dict[str, Graph]:
    return {str(g.identifier): g for g in rdf_dataset.graphs() if len(g) and str(g.identifier).startswith("https://w3id.org/ketamine-kg/graph/")
            and not str(g.identifier).endswith(("/ontology", "/inferred"))}


def test_merged_corpus_of_the_two_notes_matches_golden_trig():
    """Golden: the stated graphs of the two notes as one corpus (regenerate tests/input/corpus.trig on purpose only)."""
    actual = _data_graphs(build_graph_set(NOTES, reason=False).rdf_dataset)
    expected_dataset = RdfDataset()
    expected_dataset.parse(GOLDEN, format="trig")
    expected = _data_graphs(expected_dataset)
    assert sorted(actual) == sorted(expected)
    for name in actual:
        a, e = to_isomorphic(actual[name]), to_isomorphic(expected[name])
        assert isomorphic(a, e), f"{name} differs from {GOLDEN.name}: " + ", ".join(
            sorted(t.n3() for t in (set(a) ^ set(e)) for t in t)[:5])


@pytest.fixture(scope="module")
def corpus_engine(store_cache):
    return OxigraphEngine(open_store([default_data_dir(), *NOTES]))


def _rows(result) -> list[list[str | None]]:
    return [[display_iri(t.value) if t is not None and t.kind == "uri" else (t.value if t else None) for t in row[:7]]
            for row in result.rows]


@pytest.mark.parametrize("name", sorted(CASES["queries"]))
def test_cross_source_queries_give_the_worked_out_answers(name, corpus_engine):
    expected = CASES["queries"][name]["rows"]
    assert _rows(run_query(corpus_engine, get_query(name))) == expected


def test_sources_of_finds_a_merged_entity_by_any_of_its_ids(corpus_engine):
    by_alias = run_query(corpus_engine, get_query("sources-of"), {"entity": "nmdar"})
    by_id = run_query(corpus_engine, get_query("sources-of"), {"entity": "nmda_receptor"})
    assert by_alias.rows == by_id.rows
    assert [display_iri(r[0].value) for r in by_id.rows] == ["kkgs:censored-brain-ketamine", "kkgs:memantine-note", "kkgs:sceptic-note"]


def test_one_article_has_no_agreement(store_cache):
    engine = OxigraphEngine(open_store(NOTES[0]))
    assert run_query(engine, get_query("agreement")).rows == []


def test_reasoning_over_the_corpus_names_the_claims_of_each_article(reasoned_corpus):
    graph_set = reasoned_corpus
    assert graph_set.notes and "consistent" in graph_set.notes[0]
    inferred = graph_set.rdf_dataset.graph(graph_set.rdf_dataset.graph("https://w3id.org/ketamine-kg/graph/corpus/inferred").identifier)
    memantine = f"{ENTITY}memantine"
    assert any(str(s) == memantine and str(o).endswith("#NMDAReceptorAntagonist") for s, _, o in inferred)


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    run_cli("build", "--no-reason", "--no-render", "-o", str(out), check=True)
    return out


def _apply(case: dict, folder: Path) -> list[str]:
    for name, edit in case["edits"].items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(edit, dict) and "append" in edit:
            path.write_text(path.read_text(encoding="utf-8") + edit["append"], encoding="utf-8")
        elif isinstance(edit, dict) and "replace" in edit:
            old, new = edit["replace"]
            path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        else:
            path.write_text(edit, encoding="utf-8")
    args = []
    for arg in case["args"]:
        if isinstance(arg, dict):
            args += ["--corpus", str(folder / arg["corpus"])]
        elif arg == "graph/data":
            args += ["--data", str(folder / "builtin")]
        else:
            args += ["--data", str(folder / arg)]
    return args


@pytest.mark.parametrize("case", CASES["bad"], ids=[c["name"] for c in CASES["bad"]])
def test_bad_corpus(case, tmp_path, good_build):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    shutil.copytree(default_data_dir(), folder / "builtin")
    args = _apply(case, folder)
    before = snapshot(good_build)
    proc = run_cli("build", "--no-reason", "--no-render", "-o", str(good_build), *args)
    assert proc.returncode == 1, f"exit {proc.returncode}; stderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{proc.stderr}"
    assert re.fullmatch(r"error: (\S*/)?" + case["error"], lines[0]), f"\n  got:      {lines[0]}\n  expected: {case['error']}"
    assert snapshot(good_build) == before, "the previous build was changed"
