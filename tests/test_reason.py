"""Reasoning: what HermiT infers from the article, what it must never infer, and how
inconsistencies and a missing Java are reported. One HermiT run is shared per module."""

from __future__ import annotations

import dataclasses
import re

import pytest
from rdflib import URIRef
from rdflib.namespace import OWL, RDF

from ketamine_kg.core import iris as ns
from ketamine_kg.errors import InconsistencyError, KkgError
from ketamine_kg.ontology.reason import HERMIT, OWL_RL, java_available, reason_over
from ketamine_kg.rdf.abox import get_data_graph

from helpers import run_cli

pytestmark = pytest.mark.skipif(not java_available(), reason="no Java runtime: HermiT cannot run (the owlrl fallback is tested below)")

KKGO = ns.ONTOLOGY


def E(entity_id: str) -> URIRef:
    return URIRef(ns.entity_iri(entity_id))


def P(name: str) -> URIRef:
    return URIRef(KKGO + name)


@pytest.fixture(scope="module")
def report(dataset, tbox, data_graph):
    return reason_over(dataset, tbox, data_graph)


def _with_claims(dataset, changes: dict[str, dict], extra=()):
    """A copy of ``dataset`` with some claims changed (id -> fields) and ``extra`` claims added."""
    claims = [dataclasses.replace(c, **changes.get(c.id, {})) for c in dataset.claims]
    return dataclasses.replace(dataset, claims=claims + list(extra))


# --- what is inferred -----------------------------------------------------------------------

INFERRED = [
    ("ketamine", "NMDAReceptorAntagonist", "ketamine-antagonist-of-nmda-receptor"),
    ("ketamine", "ReceptorAntagonist", "ketamine-antagonist-of-nmda-receptor"),
    ("ketamine", "Anaesthetic", "ketamine-has-anaesthetic-effect"),
    ("ketamine", "DissociativeAnaesthetic", "ketamine-causes-dissociation"),
    ("ketamine", "Analgesic", "ketamine-has-analgesic-effect"),
    ("ketamine", "Antidepressant", "ketamine-treats-depression"),
    ("ketamine", "RapidActingAntidepressant", "ketamine-has-rapid-antidepressant-effect"),
    ("esketamine", "ApprovedDrug", "esketamine-has-fda-approval"),
    ("phencyclidine", "Hallucinogen", "phencyclidine-causes-hallucination"),
]


def test_consistent_with_at_least_five_classifications(report):
    assert report.consistent and report.reasoner == HERMIT
    assert len(report.classifications()) >= 5
    assert re.fullmatch(r"reasoner: HermiT, consistent, \d+ inferred facts in \d+\.\d s", report.one_line())


@pytest.mark.parametrize("entity, cls, claim", INFERRED)
def test_classification_is_inferred_never_stated(report, data_graph, entity, cls, claim):
    assert cls in report.types_of(entity)
    assert (E(entity), RDF.type, P(cls)) not in data_graph  # inferred, never asserted
    fact = next(f for f in report.facts if f.triple == (E(entity), RDF.type, P(cls)))
    assert claim in fact.claims


@pytest.mark.parametrize("triple, kind, claim", [
    ((E("nmda_receptor"), P("has_antagonist"), E("ketamine")), "inverse", "ketamine-antagonist-of-nmda-receptor"),
    ((E("ketamine"), P("molecularly_interacts_with"), E("nmda_receptor")), "sub-property", "ketamine-antagonist-of-nmda-receptor"),
    ((E("depression"), P("is_treated_by"), E("ketamine")), "inverse", "ketamine-treats-depression"),
    ((E("anaesthesia_effect"), P("leads_to"), E("depersonalisation_derealisation")), "transitive", "dissociation-leads-to-depersonalisation-derealisation"),
])
def test_property_consequences_with_their_claims(report, triple, kind, claim):
    fact = next((f for f in report.facts if f.triple == triple), None)
    assert fact is not None, f"not inferred: {triple}"
    assert fact.kind == kind and claim in fact.claims


def test_inferred_graph_holds_only_new_meaningful_triples(report, data_graph):
    inferred = report.inferred_graph()
    assert len(inferred) == len(report.facts) > 0
    assert not any(t in data_graph for t in inferred)
    assert not set(inferred.objects(None, RDF.type)) & {OWL.Thing, OWL.NamedIndividual, OWL.Nothing}
    assert all(f.claims for f in report.facts), [f for f in report.facts if not f.claims]


# --- what must never be inferred --------------------------------------------------------------

@pytest.mark.parametrize("entity, cls, why", [
    ("ketamine", "ApprovedDrug", "the approval is esketamine's; adaptation_of must not carry it"),
    ("ketamine", "AntiAddictionDrug", "'might assist individuals battling addiction' is hedged"),
    ("attention_impairment", "TransientAdverseEffect", "the transient cognitive effects are a hedged claim"),
    ("esketamine", "NMDAReceptorAntagonist", "nothing states it of esketamine"),
])
def test_safety_never_inferred(report, entity, cls, why):
    assert cls not in report.types_of(entity), why


def test_no_approval_or_hedged_treatment_leaks_as_a_property(report):
    ketamine = E("ketamine")
    leaked = {P("has_regulatory_approval"), P("approved_for"), P("treats"), P("may_treat")}
    assert not [f for f in report.facts if f.subject == ketamine and f.predicate in leaked]


def test_definitions_fire_once_the_claims_are_asserted(dataset, tbox):
    """Positive control for the safety tests: the same definitions, with the hedge removed."""
    changed = _with_claims(dataset, {
        "ketamine-may-treat-substance-use-disorder": {"modality": "asserted", "predicate": "treats"},
        "ketamine-may-impair-attention": {"modality": "asserted"},
    })
    counterfactual = reason_over(changed, tbox, get_data_graph(changed))
    assert "AntiAddictionDrug" in counterfactual.types_of("ketamine")
    assert "TransientAdverseEffect" in counterfactual.types_of("attention_impairment")
    assert "TransientAdverseEffect" not in counterfactual.types_of("memory_impairment")  # still hedged


# --- inconsistency ---------------------------------------------------------------------------

def test_receptor_that_treats_a_disease_names_claim_and_quote(dataset, tbox):
    """The loader refuses this in claims.yaml; a dataset built another way meets the reasoner."""
    template = next(c for c in dataset.claims if c.id == "ketamine-treats-depression")
    bad = dataclasses.replace(template, id="nmda-receptor-treats-depression", subject="nmda_receptor", line=999)
    broken = _with_claims(dataset, {}, [bad])
    with pytest.raises(InconsistencyError) as err:
        reason_over(broken, tbox, get_data_graph(broken))
    assert "nmda-receptor-treats-depression" in err.value.claims
    message = str(err.value)
    assert "nmda-receptor-treats-depression" in message and "line 999" in message
    assert template.evidence[0].quote in message
    assert "ketamine-antagonist-of-nmda-receptor" not in message  # only the claims that clash


def test_cli_reports_mistyped_claim_in_data_copy(data_copy):
    """A reversed claim passes the loader, but adaptation_of is asymmetric.

    (Issue 13: the article's claim is esketamine-adaptation-of-ketamine; enantiomer_of is
    curator knowledge now, which the reasoner does not read.)
    """
    claims = data_copy / "claims.yaml"
    text = claims.read_text(encoding="utf-8")
    line = text.count("\n") + 2
    claims.write_text(text + (
        "\n- id: ketamine-adaptation-of-esketamine\n  subject: ketamine\n  predicate: adaptation_of\n  object: esketamine\n"
        "  modality: asserted\n  evidence:\n    - quote: \"Adaptations of ketamine, such as esketamine\"\n"
    ), encoding="utf-8")
    proc = run_cli("reason", "--data", str(data_copy))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "'ketamine-adaptation-of-esketamine'" in lines[0] and f"line {line}" in lines[0]
    assert "'esketamine-adaptation-of-ketamine'" in lines[0]
    assert "Adaptations of ketamine, such as esketamine" in lines[0]


# --- the command and the fallback ------------------------------------------------------------

def test_cli_reason_lists_facts_with_claims():
    proc = run_cli("reason", check=True)
    assert "reasoner: HermiT, consistent" in proc.stdout
    assert "kkg:ketamine rdf:type kkgo:NMDAReceptorAntagonist" in proc.stdout
    assert "rests on: ketamine-antagonist-of-nmda-receptor" in proc.stdout
    # labels and CURIEs, never a raw RO IRI or a full claim IRI
    assert "RO:0002410 (causally related to)" in proc.stdout and "<http" not in proc.stdout
    assert "claim ketamine-treats-depression rdf:type kkgo:RapidAntidepressantClaim" in proc.stdout
    assert int(re.search(r"classifications: (\d+)", proc.stdout).group(1)) >= 5


@pytest.mark.parametrize("how", ["path", "java_exe"])
def test_without_java_falls_back_to_owl_rl(dataset, tbox, data_graph, monkeypatch, tmp_path, how):
    if how == "path":
        monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no java on it
    else:
        import owlready2

        monkeypatch.setattr(owlready2, "JAVA_EXE", str(tmp_path / "no-such-java"))
    assert not java_available()
    fallback = reason_over(dataset, tbox, data_graph)
    assert fallback.reasoner == OWL_RL and any("Java not found" in n for n in fallback.notes)
    types = fallback.types_of("ketamine")
    assert {"NMDAReceptorAntagonist", "DissociativeAnaesthetic", "Analgesic"} <= types
    assert "ApprovedDrug" not in types and "AntiAddictionDrug" not in types
    assert "ApprovedDrug" in fallback.types_of("esketamine")
    with pytest.raises(KkgError, match="Java not found"):
        reason_over(dataset, tbox, data_graph, reasoner="hermit")
