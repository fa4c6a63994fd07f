"""No needless reasoning: commands that need the inferred graph read it from the store, and the
kept inferred graph is traced back to its claims without a reasoner."""

from __future__ import annotations

import json

import pytest

from ketamine_kg.exports.rdf_formats import to_bytes
from ketamine_kg.store import get_store_dir


@pytest.fixture()
def no_reasoner(monkeypatch):
    """Make any run of the reasoner fail the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the reasoner ran although the store holds the inferred graph")

    import ketamine_kg.ontology.reason as reason
    import ketamine_kg.rdf.graphset as graphset

    monkeypatch.setattr(reason, "reason_over", refuse)
    monkeypatch.setattr(graphset, "reason_over", refuse)


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_a_quad_export_from_the_store_is_the_build_s_bytes(fmt, reasoned_graphs, no_reasoner):
    from ketamine_kg.app.engines import get_reasoned_graphs

    get_store_dir(None, builder=lambda d, r: reasoned_graphs)  # current store (the session's reasoned graph)
    dataset, rdf_dataset = get_reasoned_graphs(None)
    assert dataset.source.id == reasoned_graphs[0].source.id
    ours, build = to_bytes(rdf_dataset, fmt), to_bytes(reasoned_graphs[1], fmt)
    if fmt == "jsonld":
        # The session's shared dataset may have gained prefix bindings from other tests (an rdflib
        # Dataset opened on its store binds rdflib's own), and JSON-LD lists every binding in its
        # @context: compare the graphs exactly, and the context where both bind a prefix.
        ours_json, build_json = json.loads(ours), json.loads(build)
        assert ours_json["@graph"] == build_json["@graph"]
        shared = set(ours_json["@context"]) & set(build_json["@context"])
        assert {"kkg", "kkgo", "kkgc", "RO"} <= shared
        assert all(ours_json["@context"][p] == build_json["@context"][p] for p in shared)
    else:
        assert ours == build


def test_the_kept_inferred_graph_traces_to_the_same_claims(reasoned_graphs, no_reasoner):
    from ketamine_kg.ontology.reason.provenance import trace_inferred
    from ketamine_kg.views.parts import get_parts

    parts = get_parts(reasoned_graphs[1])
    facts = {f.triple: f.claims for f in trace_inferred(parts.tbox, parts.data, parts.inferred)}
    ketamine = "https://w3id.org/ketamine-kg/entity/ketamine"
    types = {str(o).rsplit("#", 1)[1]: claims for (s, p, o), claims in facts.items()
             if str(s) == ketamine and str(p).endswith("#type")}
    assert types["NMDAReceptorAntagonist"] == ("ketamine-antagonist-of-nmda-receptor",)
    assert "ketamine-causes-dissociation" in types["DissociativeAnaesthetic"]
    assert len(types) == 7
    assert all(facts.values())  # every kept fact rests on at least one claim
    assert len(facts) == len(parts.inferred)
