"""Every export format parses back to the same graph, with every prefix declared."""

import shutil
import subprocess

import pytest
from rdflib import XSD, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from ketamine_kg.exports.rdf_formats import FORMATS, stated_union, to_bytes
from ketamine_kg.core.iris import PREFIXES


def _rdf11(graph: Graph) -> Graph:
    """The graph with "x"^^xsd:string written as "x": the same literal in RDF 1.1."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        out.add((s, p, o))
    return out


@pytest.fixture(scope="module")
def rdf_dataset(stated_graphs):
    return stated_graphs[1]


@pytest.mark.parametrize("fmt", [f for f, (_, _, quads) in FORMATS.items() if not quads])
def test_triple_formats_round_trip(rdf_dataset, fmt):
    data = to_bytes(rdf_dataset, fmt)
    parsed = Graph().parse(data=data, format=FORMATS[fmt][0])
    assert isomorphic(_rdf11(parsed), _rdf11(stated_union(rdf_dataset)))


@pytest.mark.parametrize("fmt", [f for f, (_, _, quads) in FORMATS.items() if quads])
def test_quad_formats_round_trip_graph_by_graph(rdf_dataset, fmt):
    data = to_bytes(rdf_dataset, fmt)
    parsed = Dataset()
    parsed.parse(data=data, format=FORMATS[fmt][0])
    expected = {str(g.identifier): g for g in rdf_dataset.graphs() if len(g)}
    got = {str(g.identifier): g for g in parsed.graphs() if len(g)}
    assert set(got) == set(expected)
    for name, graph in expected.items():
        assert isomorphic(_rdf11(got[name]), _rdf11(graph)), f"named graph {name} differs after a {fmt} round trip"


@pytest.mark.parametrize("fmt", [f for f, (_, _, quads) in FORMATS.items() if quads])
def test_quad_formats_keep_curator_knowledge_in_its_own_graph(dataset, rdf_dataset, fmt):
    """The curator's facts (the enantiomer relation, the approval date) travel in .../curator, never in the article's graph."""
    from ketamine_kg.core.iris import ENTITY, ONTOLOGY
    from ketamine_kg.core.namespaces import curator_graph_iri, data_graph_iri

    parsed = Dataset()
    parsed.parse(data=to_bytes(rdf_dataset, fmt), format=FORMATS[fmt][0])
    curator = parsed.graph(curator_graph_iri(dataset.source.id))
    article = parsed.graph(data_graph_iri(dataset.source.id))
    enantiomer = (URIRef(ENTITY + "esketamine"), URIRef(ONTOLOGY + "enantiomer_of"), URIRef(ENTITY + "ketamine"))
    date = (URIRef(ENTITY + "esketamine_fda_approval"), URIRef(ONTOLOGY + "date"), Literal("2019-03-05T00:00:00", datatype=XSD.dateTime))
    for triple in (enantiomer, date):
        assert triple in curator and triple not in article, (fmt, triple)


def test_triple_formats_merge_curator_knowledge_marked_by_its_statements(rdf_dataset):
    """Turtle has no named graphs (README): the curator's triples are in it, each with its kkgo:CuratorStatement node."""
    from rdflib.namespace import RDF

    from ketamine_kg.core.iris import ENTITY, ONTOLOGY

    parsed = Graph().parse(data=to_bytes(rdf_dataset, "turtle"), format="turtle")
    enantiomer = (URIRef(ENTITY + "esketamine"), URIRef(ONTOLOGY + "enantiomer_of"), URIRef(ENTITY + "ketamine"))
    assert enantiomer in parsed
    marked = [s for s in parsed.subjects(RDF.type, URIRef(ONTOLOGY + "CuratorStatement"))
              if (s, RDF.predicate, enantiomer[1]) in parsed and (s, RDF.subject, enantiomer[0]) in parsed]
    assert len(marked) == 1 and (marked[0], RDF.type, URIRef(ONTOLOGY + "Claim")) not in parsed


def test_turtle_declares_the_project_prefixes(rdf_dataset):
    text = to_bytes(rdf_dataset, "turtle").decode("utf-8")
    for prefix in ("kkg", "kkgo", "oa", "rdfs", "skos", "dcterms", "prov"):
        assert f"@prefix {prefix}: <{PREFIXES[prefix]}>" in text


def test_entities_and_claims_have_iris_not_blank_nodes(data_graph):
    from rdflib import BNode

    assert not any(isinstance(term, BNode) for triple in data_graph for term in triple)


def test_exact_quotes_are_verbatim_at_their_positions(dataset, data_graph):
    query = """
    PREFIX oa: <http://www.w3.org/ns/oa#>
    SELECT ?exact ?start ?end WHERE {
      ?target oa:hasSelector ?q, ?p .
      ?q a oa:TextQuoteSelector ; oa:exact ?exact .
      ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    }"""
    rows = list(data_graph.query(query))
    assert len(rows) == sum(len(c.evidence) for c in dataset.claims)
    for exact, start, end in rows:
        assert dataset.source.text[int(start):int(end)] == str(exact)


def test_hedged_claims_are_never_plain_triples(dataset, rdf_dataset):
    """No export launders a hedged, speculative or negated claim into a fact."""
    from ketamine_kg.core.iris import ONTOLOGY, entity_iri

    stated = {(c.subject, c.predicate, c.object) for c in dataset.claims if c.is_stated_fact}
    union = stated_union(rdf_dataset)
    checked = 0
    for claim in dataset.claims:
        if claim.is_stated_fact or claim.object is None or (claim.subject, claim.predicate, claim.object) in stated:
            continue
        triple = (URIRef(entity_iri(claim.subject)), URIRef(ONTOLOGY + claim.predicate), URIRef(entity_iri(claim.object)))
        assert triple not in union, f"{claim.id} ({claim.modality}) appears as a plain triple"
        checked += 1
    assert checked >= 8


def test_source_document_carries_its_checksum(dataset, data_graph):
    from ketamine_kg.core.iris import ONTOLOGY, source_iri

    doc = URIRef(source_iri(dataset.source.id))
    assert (doc, URIRef(ONTOLOGY + "sha256"), Literal(dataset.source.sha256)) in data_graph


@pytest.mark.skipif(shutil.which("rapper") is None, reason="rapper (Debian raptor2-utils) is not installed")
@pytest.mark.parametrize("fmt,parser", [("turtle", "turtle"), ("nt", "ntriples"), ("trig", "trig"), ("nquads", "nquads")])
def test_rapper_parses_exports_without_warnings(rdf_dataset, tmp_path, fmt, parser):
    path = tmp_path / f"export.{FORMATS[fmt][1]}"
    path.write_bytes(to_bytes(rdf_dataset, fmt))
    proc = subprocess.run(["rapper", "-i", parser, "-c", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr.lower(), proc.stderr
    assert "error" not in proc.stderr.lower(), proc.stderr
