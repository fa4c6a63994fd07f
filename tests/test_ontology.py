"""The TBox: metadata, classes, properties, defined classes, disjointness, alignments, and
the exported OWL / Turtle / HTML files (reloaded in owlready2 and rdflib; HermiT on the OWL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from ketamine_kg.core import iris as ns
from ketamine_kg.errors import KkgError
from ketamine_kg.ontology.alignments import Alignment, check_alignments
from ketamine_kg.views.ontology_page import get_ontology_page
from ketamine_kg.ontology.reason import java_available
from ketamine_kg.ontology.vocabulary import load_vocabulary

KKGO = ns.ONTOLOGY
ONTO = URIRef(ns.ONTOLOGY_IRI)


def C(name: str) -> URIRef:
    return URIRef(KKGO + name)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One build (no reasoning, no pages) whose ontology files the tests reload."""
    from ketamine_kg.app.build import run_build

    out = tmp_path_factory.mktemp("build")
    run_build(None, out, reason=False, render=False)
    return out / "ontology"


@pytest.mark.parametrize("prop, check", [
    (RDF.type, lambda v: v == OWL.Ontology),
    (OWL.versionIRI, lambda v: str(v).startswith(ns.ONTOLOGY_IRI + "/")),
    (OWL.versionInfo, lambda v: len(str(v)) > 0),
    (DCTERMS.title, lambda v: "ketamine" in str(v)),
    (DCTERMS.description, lambda v: len(str(v)) > 40),
    (DCTERMS.license, lambda v: str(v).startswith("https://creativecommons.org/")),
    (DCTERMS.creator, lambda v: len(str(v)) > 0),
    (DCTERMS.created, lambda v: isinstance(v, Literal) and v.datatype == XSD.date),
])
def test_metadata(tbox, prop, check):
    values = list(tbox.objects(ONTO, prop))
    assert values and all(check(v) for v in values), (prop, values)


def test_every_type_and_predicate_is_in_the_ontology(tbox):
    vocab = load_vocabulary()
    for t in vocab.types.values():
        assert (C(t.class_name), RDF.type, OWL.Class) in tbox, t.id
    for p in vocab.predicates.values():
        kind = OWL.ObjectProperty if p.kind == "object" else OWL.DatatypeProperty
        assert (C(p.id), RDF.type, kind) in tbox, p.id
        assert (C(p.id), RDFS.domain, None) in tbox, p.id
        if p.inverse:
            assert (C(p.inverse_id), OWL.inverseOf, C(p.id)) in tbox, p.id
    assert (C("antagonist_of"), RDFS.subPropertyOf, C("molecularly_interacts_with")) in tbox
    assert (C("may_treat"), RDFS.subPropertyOf, C("treats")) not in tbox  # kept apart
    assert (C("enantiomer_of"), RDF.type, OWL.AsymmetricProperty) in tbox


def test_at_least_five_defined_classes(tbox):
    defined = {c for c, e in tbox.subject_objects(OWL.equivalentClass) if isinstance(e, BNode) and str(c).startswith(KKGO)}
    assert len(defined) >= 5
    assert {C("NMDAReceptorAntagonist"), C("DissociativeAnaesthetic"), C("RapidActingAntidepressant"), C("TransientAdverseEffect"), C("ApprovedDrug")} <= defined


def test_no_chain_or_super_property_carries_an_approval(tbox):
    """esketamine's approval must never reach ketamine through enantiomer_of."""
    enantiomer = C("enantiomer_of")
    assert not list(tbox.objects(enantiomer, RDFS.subPropertyOf))
    assert not [s for s, chain in tbox.subject_objects(OWL.propertyChainAxiom)]


@pytest.mark.parametrize("a, b", [
    ("ChemicalEntity", "Receptor"), ("ChemicalEntity", "Effect"), ("Receptor", "Indication"),
    ("Substance", "Neurotransmitter"), ("TherapeuticEffect", "AdverseEffect"), ("Disorder", "Symptom"), ("Claim", "ChemicalEntity"),
])
def test_disjoint_types(tbox, a, b):
    def disjoint(x, y):
        if (C(x), OWL.disjointWith, C(y)) in tbox or (C(y), OWL.disjointWith, C(x)) in tbox:
            return True
        for group in tbox.subjects(RDF.type, OWL.AllDisjointClasses):
            from rdflib.collection import Collection

            members = set(Collection(tbox, tbox.value(group, OWL.members)))
            if {C(x), C(y)} <= members:
                return True
        return False

    assert disjoint(a, b)


@pytest.mark.parametrize("rows, error", [
    ([Alignment("substanse", "type", "rdfs:subClassOf", "CHEBI:24431", "", "", "", 7)], r"alignments.tsv:7: unknown type 'substanse'"),
    ([Alignment("treats", "predicate", "rdfs:subClassOf", "RO:0002606", "", "", "", 3)], r":3: rdfs:subClassOf needs a type"),
    ([Alignment("substance", "type", "owl:sameAs", "CHEBI:24431", "", "", "", 4)], r":4: unknown relation 'owl:sameAs'"),
    ([Alignment("receptor", "type", "owl:equivalentClass", "GO:0043235", "", "", "", 5),
      Alignment("substance", "type", "owl:equivalentClass", "GO:0043235", "", "", "", 6)], r":6: 'substance' and 'receptor' would both be equivalent"),
])
def test_bad_alignments_are_refused(rows, error):
    with pytest.raises(KkgError, match=error):
        check_alignments(rows, load_vocabulary())


def test_alignments_are_axioms_or_annotations(tbox):
    chemical = C("ChemicalEntity")
    chebi = URIRef("http://purl.obolibrary.org/obo/CHEBI_24431")
    assert (chemical, RDFS.subClassOf, chebi) in tbox and (chebi, RDF.type, OWL.Class) in tbox
    for skos in ("closeMatch", "broadMatch", "relatedMatch", "narrowMatch", "exactMatch"):
        prop = URIRef(ns.PREFIXES["skos"] + skos)
        if (None, prop, None) in tbox:
            assert (prop, RDF.type, OWL.AnnotationProperty) in tbox


def test_exported_owl_and_turtle_reload_in_rdflib(built, tbox):
    owl = Graph().parse(built / "ketamine-kg.owl", format="xml")
    ttl = Graph().parse(built / "ketamine-kg.ttl", format="turtle")
    assert len(owl) == len(ttl) == len(tbox)
    assert (C("NMDAReceptorAntagonist"), RDF.type, OWL.Class) in owl


@pytest.mark.skipif(not java_available(), reason="no Java runtime: HermiT cannot run")
def test_exported_owl_reloads_in_owlready2_and_hermit_finds_it_consistent(built):
    import owlready2 as ow

    world = ow.World()
    try:
        onto = world.get_ontology(built.joinpath("ketamine-kg.owl").as_uri()).load()
        assert onto.base_iri.startswith(ns.ONTOLOGY_IRI)
        assert world[KKGO + "DissociativeAnaesthetic"] is not None
        ow.sync_reasoner_hermit(world, debug=0)  # raises if inconsistent
        assert list(world.inconsistent_classes()) == []
        assert world[KKGO + "DissociativeAnaesthetic"] in world[KKGO + "Anaesthetic"].descendants()
    finally:
        world.close()


def test_documentation_page_is_complete_and_offline(built, tbox):
    page = (built / "index.html").read_text(encoding="utf-8")
    for text in ("NMDAReceptorAntagonist EquivalentTo: ChemicalEntity and antagonist_of some NMDAReceptor",
                 "NMDAReceptor EquivalentTo: Receptor and hasExactTerm value",
                 "enantiomer_of", "asymmetric", "http://purl.obolibrary.org/obo/CHEBI_24431", "creativecommons.org"):
        assert text in page, text
    assert "<script" not in page and "<link" not in page and " src=" not in page


def test_documentation_page_shows_alignments_as_curies(tbox):
    """External terms are named by the project's one prefix map (CHEBI:, MONDO:, GO:), kkgo terms by local name."""
    import re

    page = get_ontology_page(tbox)
    alignments = page[page.index("<h2 id='alignments'>"):]
    for curie, iri in (("CHEBI:24431", "http://purl.obolibrary.org/obo/CHEBI_24431"),
                       ("MONDO:0000001", "http://purl.obolibrary.org/obo/MONDO_0000001"),
                       ("GO:0008150", "http://purl.obolibrary.org/obo/GO_0008150")):
        assert f"<a href='{iri}'>{curie}</a>" in alignments, curie
        assert f'<a class="ext" href="{iri}">{curie}</a>' in page, curie  # the class list too
    shown = re.findall(r"<a href='(http[^']*)'>([^<]*)</a>", alignments)
    assert shown and not [text for _, text in shown if text.startswith("http")], "an external term shown as a full IRI"
    assert '<td><a href="#Disorder">Disorder</a></td><td>subClassOf</td>' in alignments


def test_documentation_page_escapes_text():
    graph = Graph()
    graph.add((C("Evil"), RDF.type, OWL.Class))
    graph.add((C("Evil"), RDFS.label, Literal("<script>alert(1)</script>")))
    page = get_ontology_page(graph)
    assert "<script>" not in page and "&lt;script&gt;" in page
