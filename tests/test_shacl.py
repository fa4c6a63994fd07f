"""The SHACL shapes of the claim model (ontology/shapes.ttl): every export conforms, each shape fires on broken data, the build stops on a violation."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef

from ketamine_kg.core.namespaces import curator_graph_iri, data_graph_iri
from ketamine_kg.errors import DataError
from ketamine_kg.exports.rdf_formats import FORMATS, to_bytes
from ketamine_kg.rdf.shacl import check_shapes, get_article_graph, get_violations

PREFIXES = """
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix kkgo: <https://w3id.org/ketamine-kg/ontology#> .
@prefix kkg: <https://w3id.org/ketamine-kg/entity/> .
@prefix c: <https://w3id.org/ketamine-kg/claim/a/> .
"""

# One asserted claim with its evidence and its plain triple: a graph that conforms.
CLAIM = """
c:x a rdf:Statement, kkgo:Claim ;
    rdf:subject kkg:ketamine ; rdf:predicate kkgo:treats ; rdf:object kkg:depression ;
    kkgo:modality kkgo:Asserted ; kkgo:polarity kkgo:Positive ;
    kkgo:hasEvidence <https://w3id.org/ketamine-kg/claim/a/x/evidence/1> .
<https://w3id.org/ketamine-kg/claim/a/x/evidence/1> a oa:Annotation ;
    oa:hasTarget <https://w3id.org/ketamine-kg/claim/a/x/evidence/1/target> .
<https://w3id.org/ketamine-kg/claim/a/x/evidence/1/target> a oa:SpecificResource ;
    oa:hasSelector <https://w3id.org/ketamine-kg/claim/a/x/evidence/1/quote>,
                   <https://w3id.org/ketamine-kg/claim/a/x/evidence/1/position> .
<https://w3id.org/ketamine-kg/claim/a/x/evidence/1/quote> a oa:TextQuoteSelector ; oa:exact "ketamine treats depression" .
<https://w3id.org/ketamine-kg/claim/a/x/evidence/1/position> a oa:TextPositionSelector ;
    oa:start "10"^^xsd:nonNegativeInteger ; oa:end "36"^^xsd:nonNegativeInteger .
kkg:ketamine kkgo:treats kkg:depression .
"""
TRIPLE = "kkg:ketamine kkgo:treats kkg:depression .\n"
POSITION = "<https://w3id.org/ketamine-kg/claim/a/x/evidence/1/position>"
QUOTE = "<https://w3id.org/ketamine-kg/claim/a/x/evidence/1/quote>"


def _graph(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def _messages(text: str) -> set[str]:
    return {v.message for v in get_violations(_graph(text))}


def test_a_well_formed_claim_conforms():
    assert get_violations(_graph(CLAIM)) == []


# (what is broken, the Turtle, words of the message that must fire)
BROKEN = [
    ("no subject", CLAIM.replace("rdf:subject kkg:ketamine ;", ""), "exactly one rdf:subject"),
    ("a literal subject", CLAIM.replace("rdf:subject kkg:ketamine", 'rdf:subject "ketamine"'), "exactly one rdf:subject"),
    ("two predicates", CLAIM.replace("rdf:predicate kkgo:treats", "rdf:predicate kkgo:treats, kkgo:causes"),
     "exactly one rdf:predicate"),
    ("two objects", CLAIM.replace("rdf:object kkg:depression", "rdf:object kkg:depression, kkg:pain"),
     "exactly one rdf:object"),
    ("no modality", CLAIM.replace("kkgo:modality kkgo:Asserted ;", ""), "exactly one modality"),
    ("an unknown modality", CLAIM.replace("kkgo:modality kkgo:Asserted", "kkgo:modality kkgo:Rumoured"),
     "exactly one modality"),
    ("two modalities", CLAIM.replace("kkgo:modality kkgo:Asserted", "kkgo:modality kkgo:Asserted, kkgo:Hedged"),
     "exactly one modality"),
    ("an unknown polarity", CLAIM.replace("kkgo:polarity kkgo:Positive", "kkgo:polarity kkgo:Neutral"),
     "exactly one polarity"),
    ("no evidence", CLAIM.replace("kkgo:hasEvidence", "kkgo:hadEvidence"), "at least one evidence annotation"),
    ("no quote selector", CLAIM.replace(f"{QUOTE} a oa:TextQuoteSelector", f"{QUOTE} a oa:Selector"),
     "at least one evidence annotation"),
    ("no position selector", CLAIM.replace(f"{POSITION} a oa:TextPositionSelector", f"{POSITION} a oa:Selector"),
     "at least one evidence annotation"),
    ("an empty quote", CLAIM.replace('oa:exact "ketamine treats depression"', 'oa:exact ""'), "non-empty oa:exact"),
    ("no quote text", CLAIM.replace('oa:exact "ketamine treats depression"', 'oa:prefix "x"'), "non-empty oa:exact"),
    ("a start that is a string", CLAIM.replace('oa:start "10"^^xsd:nonNegativeInteger', 'oa:start "10"'),
     "exactly one oa:start"),
    ("an end that is a decimal", CLAIM.replace('oa:end "36"^^xsd:nonNegativeInteger', "oa:end 36.0"),
     "exactly one oa:end"),
    ("a start after the end", CLAIM.replace('oa:start "10"', 'oa:start "40"'), "before its oa:end"),
    ("an asserted claim without its triple", CLAIM.replace(TRIPLE, ""), "lacks its plain triple"),
    ("a hedged claim stated as a triple", CLAIM.replace("kkgo:modality kkgo:Asserted", "kkgo:modality kkgo:Hedged"),
     "stated as a plain triple"),
    ("a negative claim stated as a triple", CLAIM.replace("kkgo:polarity kkgo:Positive", "kkgo:polarity kkgo:Negative"),
     "stated as a plain triple"),
]


@pytest.mark.parametrize("what,text,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_each_shape_fires_on_broken_data(what, text, words):
    messages = _messages(text)
    assert any(words in m for m in messages), f"{what}: got {messages}"


@pytest.mark.parametrize("what,text,words", BROKEN + [("nothing", CLAIM, "")], ids=[b[0] for b in BROKEN] + ["nothing"])
def test_the_split_check_finds_what_pyshacl_finds_with_every_shape(what, text, words):
    """get_violations runs the SPARQL-target rules on Oxigraph: the same violations as pySHACL given the whole shapes file."""
    from ketamine_kg.rdf.shacl import get_sparql_rules, load_shapes

    _, rules = get_sparql_rules()
    assert len(rules) == 2, "shapes.ttl has two SPARQL-target rules (the plain-triple rules); update this test if that changed"
    assert get_violations(_graph(text)) == get_violations(_graph(text), load_shapes()), what


def test_a_hedged_claim_whose_triple_another_asserted_claim_states_conforms():
    """Two claims of one triple, one hedged: the triple is there for the asserted one."""
    hedged = CLAIM.replace("c:x", "c:y").replace("/a/x/", "/a/y/").replace("kkgo:Asserted", "kkgo:Hedged").replace(TRIPLE, "")
    assert get_violations(_graph(CLAIM + hedged)) == []
    assert any("stated as a plain triple" in m for m in _messages(hedged + TRIPLE))


def test_the_article_conforms_in_every_export_that_carries_its_claims(dataset, stated_graphs):
    """Triple formats: the whole graph; quad formats: each article's stated graph with its curator graph."""
    rdf_dataset = stated_graphs[1]
    for fmt, (parser, _, quads) in FORMATS.items():
        data = to_bytes(rdf_dataset, fmt)
        if quads:
            parsed = Dataset()
            parsed.parse(data=data, format=parser)
            graph = Graph()
            for name in (data_graph_iri(dataset.source.id), curator_graph_iri(dataset.source.id)):
                for triple in parsed.graph(URIRef(str(name))):
                    graph.add(triple)
        else:
            graph = Graph().parse(data=data, format=parser)
        assert len(graph) > 1000, fmt
        assert get_violations(graph) == [], fmt


def test_a_violation_names_the_claim_file_and_line(dataset, stated_graphs):
    from ketamine_kg.core.iris import claim_iri, entity_iri, term_iri

    graph = get_article_graph(stated_graphs[1], dataset)
    claim = next(c for c in dataset.claims if c.is_stated_fact and c.object is not None)
    graph.remove((URIRef(entity_iri(claim.subject)), URIRef(term_iri(claim.predicate)), URIRef(entity_iri(claim.object))))
    with pytest.raises(DataError) as caught:
        check_shapes(graph, [dataset])
    message = str(caught.value)
    assert message.startswith(f"{caught.value.file}:{claim.line}: ") and caught.value.file.endswith("claims.yaml")
    assert claim_iri(dataset.source.id, claim.id) in message and "lacks its plain triple" in message
    assert "\n" not in message


def test_the_build_stops_on_a_violation_and_writes_nothing(monkeypatch, tmp_path):
    """A claim builder that forgets the plain triple: the build fails at the claim's line, no output folder."""
    from ketamine_kg.app.build import run_build
    from ketamine_kg.rdf import abox

    real = abox.add_claim
    broken: list = []

    def forgetful(graph, claim, dataset, vocab, doc):
        node = real(graph, claim, dataset, vocab, doc)
        if claim.is_stated_fact and claim.object is not None and not broken:
            broken.append(claim)
            graph.remove((URIRef(abox.ns.entity_iri(claim.subject)), abox.KKGO[claim.predicate],
                          URIRef(abox.ns.entity_iri(claim.object))))
        return node

    monkeypatch.setattr(abox, "add_claim", forgetful)
    out = tmp_path / "out"
    with pytest.raises(DataError) as caught:
        run_build(None, out, reason=False, render=False)
    assert broken and not out.exists()
    assert str(caught.value).startswith(f"{caught.value.file}:{broken[0].line}: ") and "lacks its plain triple" in str(caught.value)


def test_validation_leaves_the_graph_as_it_was():
    """get_violations validates in place (no copy): that is only right while it adds nothing to the graph."""
    from rdflib.compare import to_isomorphic

    graph = _graph(CLAIM)
    before = to_isomorphic(graph)
    assert get_violations(graph) == []
    assert to_isomorphic(graph) == before and len(graph) == len(before)


@pytest.mark.parametrize("private", [False, True])
def test_an_article_is_checked_with_its_curator_graph_merged_in(private):
    """get_article_graph merges the curator graph in; with ``private`` (a forked checker's own copy) into the stated graph itself."""
    from types import SimpleNamespace

    stated = _graph(CLAIM.replace("kkgo:Asserted", "kkgo:Hedged").replace(TRIPLE, ""))
    curator = _graph(TRIPLE)  # the hedged claim's triple, with no curator statement to account for it
    graphs = {data_graph_iri("a"): stated, curator_graph_iri("a"): curator}
    article = SimpleNamespace(source=SimpleNamespace(id="a"))
    assert get_violations(stated) == []  # on its own the stated graph conforms
    n_stated = len(stated)
    merged = get_article_graph(None, article, graphs, private=private)
    assert (merged is stated) == private and len(merged) == n_stated + 1
    assert len(stated) == (n_stated + 1 if private else n_stated)  # not private: the build's graph is left as it was
    assert [v.message for v in get_violations(merged)] == [
        "a hedged, speculative, under-investigation or negative claim is stated as a plain triple"]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_corpus_is_checked_article_by_article_in_forked_processes_with_the_same_error(processes):
    """check_articles shares the articles among forked processes; the error is the first broken article's, as one by one."""
    from pathlib import Path

    from ketamine_kg.core.iris import entity_iri, term_iri
    from ketamine_kg.rdf.graphset import build_graph_set
    from ketamine_kg.rdf.shacl import check_articles

    corpus = Path(__file__).parent / "input" / "corpus"
    graph_set = build_graph_set([corpus / "memantine-note", corpus / "sceptic-note"], reason=False)
    articles = graph_set.corpus.datasets
    check_articles(graph_set.rdf_dataset, articles, processes=processes)  # as built: conforms
    broken = articles[1]
    claim = next(c for c in broken.claims if c.is_stated_fact and c.object is not None)
    graph_set.rdf_dataset.graph(data_graph_iri(broken.source.id)).remove(
        (URIRef(entity_iri(claim.subject)), URIRef(term_iri(claim.predicate)), URIRef(entity_iri(claim.object))))
    with pytest.raises(DataError) as caught:
        check_articles(graph_set.rdf_dataset, articles, processes=processes)
    assert caught.value.line == claim.line and "sceptic-note" in str(caught.value.file)
    assert "lacks its plain triple" in str(caught.value)
    # The build passes its own graphs (GraphSet.graphs): the check reads those, and finds the same.
    graph_set.graphs[data_graph_iri(broken.source.id)].remove(
        (URIRef(entity_iri(claim.subject)), URIRef(term_iri(claim.predicate)), URIRef(entity_iri(claim.object))))
    with pytest.raises(DataError) as again:
        check_articles(graph_set.rdf_dataset, articles, processes=processes, graphs=graph_set.graphs)
    assert str(again.value) == str(caught.value)


@pytest.mark.parametrize("processes", [1, 2])
def test_the_build_copies_its_graphs_into_one_dataset_while_the_checks_run(processes):
    """check_articles runs ``meanwhile`` once, also when an article breaks a shape; a build's GraphSet makes its Dataset then, not before."""
    from pathlib import Path

    from ketamine_kg.core.iris import entity_iri, term_iri
    from ketamine_kg.rdf.graphset import build_graph_set
    from ketamine_kg.rdf.shacl import check_articles

    corpus = Path(__file__).parent / "input" / "corpus"
    graph_set = build_graph_set([corpus / "memantine-note", corpus / "sceptic-note"], reason=False)
    assert "rdf_dataset" not in vars(graph_set)  # not copied yet: made when first read
    calls = []
    check_articles(None, graph_set.corpus.datasets, processes=processes, graphs=graph_set.graphs,
                   meanwhile=lambda: calls.append(sum(len(g) for g in graph_set.rdf_dataset.graphs())))
    stated = sum(len(g) for g in graph_set.graphs.values())
    assert calls == [stated]  # once, with every triple of the build's graphs (no inferred graph here)
    broken = graph_set.corpus.datasets[1]
    claim = next(c for c in broken.claims if c.is_stated_fact and c.object is not None)
    graph_set.graphs[data_graph_iri(broken.source.id)].remove(
        (URIRef(entity_iri(claim.subject)), URIRef(term_iri(claim.predicate)), URIRef(entity_iri(claim.object))))
    with pytest.raises(DataError) as caught:
        check_articles(None, graph_set.corpus.datasets, processes=processes, graphs=graph_set.graphs,
                       meanwhile=lambda: calls.append("again"))
    assert calls[-1] == "again" and caught.value.line == claim.line
