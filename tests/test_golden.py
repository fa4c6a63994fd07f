"""Golden test: the tiny fixture article's RDF, compared as graphs (blank-node safe)."""

from pathlib import Path

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from ketamine_kg.load.dataset import load_dataset
from ketamine_kg.rdf.abox import get_data_graph

INPUT = Path(__file__).parent / "input"


def _turtle_diff(expected: Graph, actual: Graph) -> str:
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = ["only in the golden file:"]
    lines += sorted(f"  - {s.n3()} {p.n3()} {o.n3()}" for s, p, o in only_expected)
    lines.append("only in the new build:")
    lines += sorted(f"  + {s.n3()} {p.n3()} {o.n3()}" for s, p, o in only_actual)
    lines.append("If the change is intended, regenerate tests/input/tiny.ttl and review its diff.")
    return "\n".join(lines)


def test_tiny_article_matches_golden_turtle():
    actual = get_data_graph(load_dataset(INPUT / "tiny"))
    expected = Graph().parse(INPUT / "tiny.ttl", format="turtle")
    assert isomorphic(expected, actual), _turtle_diff(expected, actual)


def test_golden_has_one_plain_triple_per_positive_asserted_claim():
    """Negated and hedged claims stay claim nodes only; the asserted ones give facts."""
    from rdflib import URIRef

    graph = Graph().parse(INPUT / "tiny.ttl", format="turtle")
    kkg = "https://w3id.org/ketamine-kg/entity/"
    kkgo = "https://w3id.org/ketamine-kg/ontology#"
    ket = URIRef(kkg + "ketamine")
    assert (ket, URIRef(kkgo + "antagonist_of"), URIRef(kkg + "nmda_receptor")) in graph
    assert (ket, URIRef(kkgo + "treats"), URIRef(kkg + "depression")) in graph
    assert (ket, URIRef(kkgo + "molecularly_interacts_with"), URIRef(kkg + "opioid_receptor")) not in graph
    assert (ket, URIRef(kkgo + "may_treat"), URIRef(kkg + "craving")) not in graph
