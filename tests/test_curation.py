"""Faithful to the source (issue 13, graph/data/CURATION.md): each check fires on broken data,
names file, line and rule, and the built-in article passes all of them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF

from ketamine_kg.core import iris as ns
from ketamine_kg.load.curation import (
    CUE_WORDS_FILE, check_cue_words, check_curation, check_headings, check_properties, find_cues, load_cue_words,
)
from ketamine_kg.errors import KkgError
from ketamine_kg.core.model import Claim, Entity
from ketamine_kg.load.dataset import anchor_quote, default_data_dir, load_dataset

CURATION_MD = default_data_dir() / "CURATION.md"
KKGO = ns.ONTOLOGY


def _claim(dataset, quotes, *, subject="ketamine", predicate="treats", obj="depression", modality="asserted",
           qualifiers=None, comment=None, line=900, cid="broken-claim"):
    """A claim over the real article; a quote is text or (text, kind)."""
    evidence = []
    for n, q in enumerate(quotes, start=1):
        text, kind = (q, "states") if isinstance(q, str) else q
        evidence.append(anchor_quote(dataset.source, text, None, "claims.yaml", line + n, kind))
    return Claim(id=cid, subject=subject, predicate=predicate, object=obj, value=None, modality=modality,
                 polarity="positive", qualifiers=qualifiers or {}, evidence=evidence, comment=comment, line=line)


def _only(dataset, *claims, entities=()):
    ents = dict(dataset.entities)
    ents.update({e.id: e for e in entities})
    return dataclasses.replace(dataset, claims=list(claims), entities=ents)


def _fails(check, data, *words):
    with pytest.raises(KkgError) as err:
        check(data)
    message = str(err.value)
    assert re.match(r"^.*claims\.yaml:\d+: ", message), message
    for word in words:
        assert word in message, message
    return err.value


# --- rule 3: headings and restatements --------------------------------------------------------

def test_a_claim_on_a_heading_alone_is_refused(dataset):
    bad = _claim(dataset, [("Treating Depression and Mood Disorders", "restates")])
    err = _fails(check_headings, _only(dataset, bad), "'broken-claim'", "rule 3")
    assert err.line == 900


def test_a_heading_quote_must_be_marked_restates(dataset):
    bad = _claim(dataset, ["Ketamine infusion therapy has shown remarkable results", "Treating Depression and Mood Disorders"])
    err = _fails(check_headings, _only(dataset, bad), "is a heading", "kind: restates", "rule 3")
    assert err.line == 902  # the heading quote's line


def test_a_heading_may_add_a_restates_quote(dataset):
    ok = _claim(dataset, ["Ketamine infusion therapy has shown remarkable results",
                          ("Treating Depression and Mood Disorders", "restates")])
    check_headings(_only(dataset, ok))


def test_restatements_alone_or_first_are_refused(dataset):
    alone = _claim(dataset, [("its revolutionary role in treating depression", "restates")])
    _fails(check_headings, _only(dataset, alone), "no quote that states it", "rule 3")
    first = _claim(dataset, [("its revolutionary role in treating depression", "restates"),
                             "The ability to alleviate symptoms within hours"])
    _fails(check_headings, _only(dataset, first), "first quote", "rule 3")


# --- rule 1: no added route, population or dose -------------------------------------------------

IV = Entity(id="intravenous_infusion", type="formulation", label="intravenous infusion")


def test_a_route_the_quotes_never_name_is_refused(dataset):
    as_object = _claim(dataset, ["Ketamine infusion therapy has shown remarkable results"],
                       predicate="administered_as", obj="intravenous_infusion")
    _fails(check_properties, _only(dataset, as_object, entities=[IV]), "route", "intravenous", "rule 1")
    as_qualifier = _claim(dataset, ["Ketamine infusion therapy has shown remarkable results in individuals with treatment-resistant depression."],
                          obj="treatment_resistant_depression", qualifiers={"route": "intravenous_infusion"})
    _fails(check_properties, _only(dataset, as_qualifier, entities=[IV]), "route", "rule 1")


def test_a_comment_naming_the_property_says_why(dataset):
    explained = _claim(dataset, ["Ketamine infusion therapy has shown remarkable results"],
                       predicate="administered_as", obj="intravenous_infusion",
                       comment="The route is read from outside knowledge: a curator's choice, argued here.")
    check_properties(_only(dataset, explained, entities=[IV]))
    # a comment that does not name the property is no reason
    silent = dataclasses.replace(explained, comment="Ketamine infusions are intravenous.")
    _fails(check_properties, _only(dataset, silent, entities=[IV]), "route")


def test_a_population_the_quotes_never_name_is_refused(dataset):
    bad = _claim(dataset, ["Ketamine infusion therapy may help reduce cravings"], predicate="may_treat", obj="craving",
                 modality="hedged", qualifiers={"population": "adolescents"})
    _fails(check_properties, _only(dataset, bad), "population", "adolescents", "rule 1")
    ok = _claim(dataset, ["It offers an alternative for those who have not responded to traditional medications or therapy."],
                obj="treatment_resistant_depression",
                qualifiers={"population": "those who have not responded to traditional medications or therapy"})
    check_properties(_only(dataset, ok))


# --- rule 5: one reading of cue words ------------------------------------------------------------

def test_a_hedged_quote_cannot_carry_an_asserted_claim(dataset):
    bad = _claim(dataset, ["Research suggests that ketamine might assist individuals battling addiction."],
                 obj="substance_use_disorder")
    _fails(check_cue_words, _only(dataset, bad), "is asserted", "'research suggests' (hedged)", "rule 5")


def test_a_restating_quote_is_read_too(dataset):
    """A rhetorical promise cannot stand behind an asserted claim, even as a restatement."""
    bad = _claim(dataset, ["The ability to alleviate symptoms within hours",
                           ("the immense promise it holds for transforming mental health treatments", "restates")])
    _fails(check_cue_words, _only(dataset, bad), "'promise' (speculative)", "rule 5")


def test_a_claim_weaker_than_its_words_is_refused(dataset):
    """The old reading of "can" as a hedge: a hedged claim whose quote has no hedge."""
    bad = _claim(dataset, ["These experiences can be paradoxical and can either fascinate or induce anxiety in users."],
                 subject="dissociation", predicate="leads_to", obj="anxiety", modality="hedged",
                 qualifiers={"frequency": "can"})
    _fails(check_cue_words, _only(dataset, bad), "is hedged", "no quote stating it has a cue", "rule 5")


def test_can_and_sometimes_are_one_reading_a_frequency(dataset):
    for quote, word in [("These experiences can be paradoxical and can either fascinate or induce anxiety in users.", "can"),
                        ("Ketamine’s anesthetic properties sometimes induce dissociation", "sometimes")]:
        base = dict(subject="dissociation", predicate="leads_to", obj="anxiety")
        check_cue_words(_only(dataset, _claim(dataset, [quote], qualifiers={"frequency": word}, **base)))
        _fails(check_cue_words, _only(dataset, _claim(dataset, [quote], **base)), f"{word!r}", "frequency", "rule 5")


def test_research_and_aims_give_their_modalities(dataset):
    quote = "combining ketamine with psychotherapy to enhance treatment outcomes, aiming for sustained remission"
    hoped = _claim(dataset, [quote], predicate="has_therapeutic_effect", obj="sustained_remission", modality="speculative")
    check_cue_words(_only(dataset, hoped))
    _fails(check_cue_words, _only(dataset, dataclasses.replace(hoped, modality="asserted")), "'aiming for' (speculative)")
    studied = _claim(dataset, ["Additional studies explore the potential of nasal sprays"], predicate="administered_as",
                     obj="nasal_spray", modality="hedged")
    _fails(check_cue_words, _only(dataset, studied), "'studies explore' (under_investigation)")


def test_cue_matching_takes_whole_words_longest_first():
    cues = load_cue_words()
    assert [c.cue for c in find_cues("Research suggests that it might", cues)] == ["research suggests", "might"]
    assert find_cues("a cannot-miss dismay; mayhem", cues) == []
    assert [c.cue for c in find_cues("It CAN help", cues)] == ["can"]


@pytest.mark.parametrize("text, message", [
    ("- cue: may\n  modality: hedged\n  qualifier: frequency\n", "cue_words.yaml:1: cue 'may' needs exactly one of"),
    ("- cue: may\n  modality: doubtful\n", "cue_words.yaml:2: cue 'may': unknown modality 'doubtful'"),
    ("- cue: may\n  modality: hedged\n- cue: May\n  modality: hedged\n", "cue_words.yaml:3: cue 'May' is listed twice"),
    ("- cue: often\n  qualifier: how_often\n", "cue_words.yaml:2: cue 'often': unknown qualifier 'how_often'"),
])
def test_a_bad_cue_table_is_located(tmp_path, text, message):
    path = tmp_path / "cue_words.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KkgError, match=re.escape(message)):
        load_cue_words(path)


def test_curation_md_lists_every_cue_with_its_reading():
    """The table in CURATION.md is the cue-word table the check reads (cue_words.yaml), row for row."""
    text = CURATION_MD.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([^`]+)` \| ([a-z_ ]+?) \|", text, re.M))
    table = {c.cue: c.reading for c in load_cue_words()}
    assert rows == table
    assert CUE_WORDS_FILE.parent == default_data_dir()


# --- the built-in article ------------------------------------------------------------------------

def test_the_built_in_article_passes_every_check(dataset):
    check_curation(dataset)


def test_the_checks_run_in_the_build(data_copy):
    """load_dataset (so every command and the build) refuses a heading-only claim, naming file and line."""
    claims = data_copy / "claims.yaml"
    text = claims.read_text(encoding="utf-8")
    line = text.count("\n") + 2
    claims.write_text(text + (
        "\n- id: ketamine-treats-mood-disorder\n  subject: ketamine\n  predicate: treats\n  object: depression\n"
        "  modality: asserted\n  evidence:\n    - quote: \"Treating Depression and Mood Disorders\"\n"
    ), encoding="utf-8")
    with pytest.raises(KkgError) as err:
        load_dataset(data_copy)
    assert f"claims.yaml:{line + 6}: " in str(err.value) and "is a heading" in str(err.value)


def test_outside_knowledge_is_never_an_article_claim(dataset):
    assert not [c.id for c in dataset.claims if c.predicate == "enantiomer_of"]
    assert not [c.id for c in dataset.claims if "mood_disorder" in (c.subject, c.object)]
    adaptation = next(c for c in dataset.claims if c.predicate == "adaptation_of")
    assert (adaptation.subject, adaptation.object) == ("esketamine", "ketamine")
    [relation] = dataset.entities["esketamine"].curator_relations
    assert (relation.predicate, relation.object) == ("enantiomer_of", "ketamine") and "DB11823" in relation.source


def test_curator_knowledge_has_its_own_named_graph(dataset):
    from ketamine_kg.core.namespaces import curator_graph_iri, data_graph_iri
    from ketamine_kg.rdf.graphset import get_graphs

    _, rdf_dataset, _, _ = get_graphs(reason=False)
    triple = (URIRef(ns.entity_iri("esketamine")), URIRef(KKGO + "enantiomer_of"), URIRef(ns.entity_iri("ketamine")))
    curator = rdf_dataset.graph(curator_graph_iri(dataset.source.id))
    stated = rdf_dataset.graph(data_graph_iri(dataset.source.id))
    assert triple in curator and triple not in stated
    [stmt] = [s for s in curator.subjects(RDF.type, URIRef(KKGO + "CuratorStatement"))
              if (s, RDF.predicate, triple[1]) in curator]
    assert (stmt, RDF.subject, triple[0]) in curator and (stmt, RDF.object, triple[2]) in curator
    assert (stmt, RDF.type, URIRef(KKGO + "Claim")) not in curator
    assert "DB11823" in str(curator.value(stmt, DCTERMS.source))
    assert not set(stated.subjects(RDF.type, URIRef(KKGO + "CuratorStatement")))


def test_entity_attributes_are_curator_knowledge_with_their_source(dataset, stated_graphs):
    """The approval's date, agency and product come from openFDA, not the article: curator graph, never the stated one."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    from ketamine_kg.core.namespaces import curator_graph_iri, data_graph_iri

    _, rdf_dataset, _, _ = stated_graphs
    curator = rdf_dataset.graph(curator_graph_iri(dataset.source.id))
    stated = rdf_dataset.graph(data_graph_iri(dataset.source.id))
    approval = URIRef(ns.entity_iri("esketamine_fda_approval"))
    attributes = dataset.entities["esketamine_fda_approval"].attributes
    assert set(attributes) == {"agency", "date", "product"}
    date = Literal("2019-03-05T00:00:00", datatype=XSD.dateTime)
    assert (approval, URIRef(KKGO + "date"), date) in curator
    for name, attr in attributes.items():
        prop = URIRef(KKGO + name)
        assert not list(stated.objects(approval, prop)), f"the article's graph states the curator's {name}"
        [stmt] = [s for s in curator.subjects(RDF.subject, approval) if (s, RDF.predicate, prop) in curator]
        assert (stmt, RDF.type, URIRef(KKGO + "CuratorStatement")) in curator
        assert str(curator.value(stmt, DCTERMS.source)) == attr["source"] and "openFDA" in attr["source"]
    assert not [o for o in stated.objects() if isinstance(o, Literal) and o.datatype == XSD.dateTime]


def test_the_reasoner_never_sees_curator_knowledge(dataset, tbox, data_graph, stated_graphs):
    """What HermiT reads is the OWL view of the stated graph: no curator relation, no xsd:date (outside OWL 2's datatype map)."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    from ketamine_kg.core.namespaces import curator_graph_iri
    from ketamine_kg.ontology.reason import get_owl_view

    view = get_owl_view(tbox, data_graph)
    curator = stated_graphs[1].graph(curator_graph_iri(dataset.source.id))
    assert len(curator) > 0
    everything = view.graph()
    leaked = [t for t in curator if t in everything]
    assert not leaked, leaked
    # The facts the reasoner gets (the TBox's own dcterms:created is an annotation, which reasoners skip).
    facts = set(view.base).union(*view.by_claim.values())
    assert facts and not [t for t in facts if isinstance(t[2], Literal) and t[2].datatype == XSD.date]


def test_the_owl_views_triples_are_its_graph(tbox, data_graph):
    """OwlView.triples() (what the OWL view export reads) is the graph of every claim, without building it."""
    from ketamine_kg.ontology.reason import get_owl_view

    view = get_owl_view(tbox, data_graph)
    assert set(view.triples()) == set(view.graph())
    assert len(set(view.triples())) > len(tbox)


def test_restating_quotes_are_typed_in_the_graph(dataset, data_graph):
    restated = {(c.id, n) for c in dataset.claims for n, ev in enumerate(c.evidence, start=1) if ev.kind == "restates"}
    typed = {tuple(str(a).rsplit("/", 3)[1::2]) for a in data_graph.subjects(RDF.type, URIRef(KKGO + "Restatement"))}
    assert restated and typed == {(cid, str(n)) for cid, n in restated}


@pytest.mark.parametrize("old, new, message", [
    ("      object: ketamine\n      source:", "      object: ketamin\n      source:", "unknown entity 'ketamin' as curator relation object"),
    ("    - predicate: enantiomer_of\n", "    - predicate: developed_in\n", "'developed_in' is not an object predicate"),
    ("      source: \"DrugBank", "      where: \"DrugBank", "unknown field 'where' in curator relation"),
])
def test_bad_curator_relations_are_located(data_copy, old, new, message):
    path = data_copy / "entities.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KkgError, match=r"entities\.yaml:\d+: .*" + re.escape(message)):
        load_dataset(data_copy)


def test_evidence_kind_is_checked(data_copy):
    path = data_copy / "claims.yaml"
    text = path.read_text(encoding="utf-8").replace("      kind: restates\n", "      kind: repeats\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KkgError, match=r"claims\.yaml:\d+: evidence kind must be one of states, restates, not 'repeats'"):
        load_dataset(data_copy)


def test_the_cue_table_is_read_again_when_it_changes(tmp_path):
    table = tmp_path / "cues.yaml"
    table.write_text("- cue: may\n  modality: hedged\n  why: a possibility\n", encoding="utf-8")
    first = load_cue_words(table)
    assert load_cue_words(table) is first  # read once while the file stays as it is
    table.write_text("- cue: may\n  modality: hedged\n  why: a possibility\n"
                     "- cue: suggests\n  modality: hedged\n  why: a reading\n", encoding="utf-8")
    assert [c.cue for c in load_cue_words(table)] == ["suggests", "may"]
