"""`ketamine-kg export --format nanopub`: one nanopublication per claim, each valid and trusty for the nanopub package."""

from __future__ import annotations

from pathlib import Path

import pytest
from nanopub import Nanopub, Profile
from nanopub.utils import MalformedNanopubError
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from helpers import run_cli, snapshot
from ketamine_kg.core.iris import claim_iri, entity_iri, term_iri
from ketamine_kg.core.namespaces import KKGO, OA
from ketamine_kg.rdf.abox import MODALITY_INDIVIDUALS
from ketamine_kg.rdf.shacl import get_violations

NP = "http://www.nanopub.org/nschema#"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("np") / "nanopubs"
    proc = run_cli("export", "--format", "nanopub", "-o", str(out), check=True)
    assert "nanopublications" in proc.stderr
    return out


@pytest.fixture(scope="module")
def nanopubs(folder) -> list[Nanopub]:
    return [Nanopub(rdf=path) for path in sorted(folder.glob("*.trig"))]


def _claim_of(publication: Nanopub) -> URIRef:
    found = list(publication.assertion.subjects(RDF.type, KKGO.Claim))
    assert len(found) == 1, publication.source_uri
    return URIRef(found[0])


def test_every_claim_has_one_valid_trusty_nanopub(dataset, nanopubs):
    assert len(nanopubs) == len(dataset.claims)
    claims = {_claim_of(p) for p in nanopubs}
    assert claims == {URIRef(claim_iri(dataset.source.id, c.id)) for c in dataset.claims}
    for publication in nanopubs:
        assert publication.is_valid
        assert publication.has_valid_trusty
        assert str(publication.source_uri).startswith("http://purl.org/np/RA")


def test_a_changed_nanopub_fails_its_trusty_check(folder, tmp_path):
    """The trusty check above can fail: one changed quote no longer matches the hash in the URI."""
    path = sorted(folder.glob("*.trig"))[0]
    changed = tmp_path / path.name
    text = path.read_text(encoding="utf-8")
    changed.write_text(text.replace('oa:exact "', 'oa:exact "X', 1), encoding="utf-8")
    assert changed.read_text(encoding="utf-8") != text
    with pytest.raises(MalformedNanopubError):
        Nanopub(rdf=changed).has_valid_trusty


def test_hedged_and_negated_claims_assert_the_claim_never_the_bare_triple(dataset, nanopubs):
    by_claim = {_claim_of(p): p for p in nanopubs}
    unasserted = 0
    for claim in dataset.claims:
        publication = by_claim[URIRef(claim_iri(dataset.source.id, claim.id))]
        node = _claim_of(publication)
        assert (node, KKGO.modality, KKGO[MODALITY_INDIVIDUALS[claim.modality]]) in publication.assertion
        if claim.object is None:
            continue
        triple = (URIRef(entity_iri(claim.subject)), URIRef(term_iri(claim.predicate)), URIRef(entity_iri(claim.object)))
        if claim.is_stated_fact:
            assert triple in publication.assertion, claim.id
        else:
            unasserted += 1
            assert triple not in publication.assertion, f"{claim.id} ({claim.modality}) asserts the bare triple"
    assert unasserted >= 8


def test_provenance_carries_the_web_annotation_evidence(dataset, nanopubs):
    by_claim = {_claim_of(p): p for p in nanopubs}
    for claim in dataset.claims:
        publication = by_claim[URIRef(claim_iri(dataset.source.id, claim.id))]
        prov = publication.provenance
        exact = {str(o) for s in prov.subjects(RDF.type, OA.TextQuoteSelector) for o in prov.objects(s, OA.exact)}
        assert exact == {ev.quote for ev in claim.evidence}
        starts = {int(o) for s in prov.subjects(RDF.type, OA.TextPositionSelector) for o in prov.objects(s, OA.start)}
        assert starts == {ev.start for ev in claim.evidence}
        assert set(prov.objects(None, OA.hasBody)) == {publication.metadata.assertion}


def test_one_trig_file_holds_them_all_and_meets_the_claim_shapes(dataset, tmp_path):
    out = tmp_path / "all.trig"
    run_cli("export", "--format", "nanopub", "-o", str(out), check=True)
    parsed = Dataset()
    parsed.parse(out, format="trig")
    heads = [g for g in parsed.graphs() if (None, RDF.type, URIRef(NP + "Nanopublication")) in g]
    assert len(heads) == len(dataset.claims)
    union = Graph()
    for graph in parsed.graphs():
        for triple in graph:
            union.add(triple)
    assert get_violations(union) == []


def test_signed_nanopubs_carry_a_valid_signature(tmp_path):
    key = tmp_path / "id_rsa"
    key.write_text(Profile(orcid_id="https://w3id.org/ketamine-kg/", name="test").private_key, encoding="utf-8")
    out = tmp_path / "signed"
    proc = run_cli("export", "--format", "nanopub", "-o", str(out), "--sign", str(key), check=True)
    assert "signed" in proc.stderr
    paths = sorted(out.glob("*.trig"))
    assert paths
    for path in paths[:5]:
        publication = Nanopub(rdf=path)
        assert publication.has_valid_signature and publication.has_valid_trusty and publication.is_valid


def test_a_bad_signing_key_is_one_line_and_writes_nothing(tmp_path):
    key = tmp_path / "id_rsa"
    key.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(out)
    proc = run_cli("export", "--format", "nanopub", "-o", str(out), "--sign", str(key))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "id_rsa" in proc.stderr and "private key" in proc.stderr
    assert snapshot(out) == before
