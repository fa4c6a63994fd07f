"""Links to external systems: SSSOM and KGX exports, Biolink categories, `links`, and `enrich` (offline)."""

from __future__ import annotations

import csv
import json
import logging
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from ketamine_kg.core import iris as ns
from ketamine_kg.errors import KkgError
from ketamine_kg.app.links import find_entity
from ketamine_kg.exports.kgx import EDGE_COLUMNS, NODE_COLUMNS, get_kgx
from ketamine_kg.exports.sssom import get_sssom_table, no_match_path
from ketamine_kg.core.model import NO_TERM
from ketamine_kg.load.mappings import no_match_system
from ketamine_kg.load.snapshots import load_external_labels
from ketamine_kg.core.curies import check_curie, expand_curie, prefix_table
from ketamine_kg.core.namespaces import BIOLINK, KKGO

from helpers import run_cli

INPUT = Path(__file__).parent / "input"


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _check_resolvable(curie: str) -> None:
    """A CURIE whose prefix the project's prefix map (prefixes.tsv or the project's own) expands."""
    prefix = curie.split(":", 1)[0]
    if prefix in prefix_table():
        check_curie(curie, {}, "kgx", 0)
    elif prefix == "infores":  # KGX only: its context file declares it (exports/kgx.py)
        from ketamine_kg.exports.kgx import get_kgx_context

        assert prefix in get_kgx_context()["@context"]
    else:
        assert prefix in ns.PREFIXES, f"{curie}: prefix {prefix!r} is in no prefix map"


# --- SSSOM -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sssom_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sssom") / "ketamine-kg.sssom.tsv"
    run_cli("export", "--format", "sssom", "-o", str(out), check=True)
    return out


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_sssom_export_passes_the_sssom_validator(sssom_file, dataset, caplog):
    sssom_parsers = pytest.importorskip("sssom.parsers", reason="install the test extras: pip install -e '.[test]'")
    from sssom.validators import validate

    assert dataset.mappings, "the built-in article has no mappings.sssom.tsv rows"
    with caplog.at_level(logging.WARNING):
        msdf = sssom_parsers.parse_sssom_table(sssom_file)
    # sssom-py logs (rather than raises) non-standard set metadata and redefined built-in prefixes.
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    reports = validate(msdf, fail_on_error=False)
    problems = {str(kind): [r.message for r in report.results] for kind, report in reports.items() if report.results}
    assert problems == {}
    assert len(msdf.df) == sum(1 for m in dataset.mappings if not m.is_no_match)
    absent = sssom_parsers.parse_sssom_table(no_match_path(sssom_file))
    reports = validate(absent, fail_on_error=False)
    assert {str(kind): [r.message for r in report.results] for kind, report in reports.items() if report.results} == {}
    assert len(absent.df) == sum(1 for m in dataset.mappings if m.is_no_match)
    schema_slots = set(sssom_parsers._get_sssom_schema_object().mapping_set_slots)
    header = get_sssom_table(dataset).metadata
    assert set(header) <= schema_slots, f"non-standard set slots: {set(header) - schema_slots}"
    for required in ("mapping_set_id", "license", "curie_map", "mapping_date", "mapping_set_version", "creator_id"):
        assert header.get(required), f"the mapping set has no {required}"
    assert str(msdf.metadata["license"]) == header["license"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_sssom_validator_catches_a_broken_mapping_set(sssom_file, tmp_path):
    """Negative control: the validation above has teeth."""
    sssom_parsers = pytest.importorskip("sssom.parsers", reason="install the test extras: pip install -e '.[test]'")
    from sssom.validators import validate

    broken = tmp_path / "broken.sssom.tsv"
    text = sssom_file.read_text(encoding="utf-8").replace("semapv:ManualMappingCuration", "ManualMappingCuration")
    broken.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("#  MESH:")) + "\n", encoding="utf-8")
    reports = validate(sssom_parsers.parse_sssom_table(broken), fail_on_error=False)
    messages = " ".join(r.message for report in reports.values() for r in report.results)
    assert "ManualMappingCuration" in messages and "MESH" in messages


def test_sssom_curie_map_is_complete_and_canonical(dataset):
    table = get_sssom_table(dataset)
    curie_map = table.metadata["curie_map"]
    for prefix, iri in curie_map.items():
        canonical = prefix_table().get(prefix, (None,))[0] or ns.PREFIXES.get(prefix)
        if canonical:
            assert iri == canonical, f"{prefix}: {iri} is not the canonical {canonical}"
    for row in table.rows:
        for column in ("subject_id", "predicate_id", "object_id", "mapping_justification", "object_source"):
            if row[column]:
                assert row[column].split(":", 1)[0] in curie_map, f"{row[column]} ({column}) has an undeclared prefix"


def test_no_match_rows_name_their_system(dataset):
    table = get_sssom_table(dataset, no_matches="only")
    assert table.rows
    for row in table.rows:
        if row["object_id"] == "sssom:NoTermFound":
            assert row["object_source"].startswith("bioregistry:"), row
            assert row["object_label"] == ""


def test_every_sssom_row_is_in_the_exported_turtle(sssom_file, tmp_path, cli):
    ttl = tmp_path / "kg.ttl"
    cli("export", "--format", "turtle", "-o", str(ttl), check=True)
    graph = Graph().parse(ttl, format="turtle")
    rows = _read_tsv_after_header(sssom_file) + _read_tsv_after_header(no_match_path(sssom_file))
    assert rows
    for row in rows:
        subject = URIRef(ns.entity_iri(row["subject_id"].split(":", 1)[1]))
        if row["object_id"] == "sssom:NoTermFound":
            system = row["comment"].split(":", 1)[0].strip()
            assert (subject, KKGO.noTermIn, Literal(system)) in graph, row
        else:
            predicate = SKOS[row["predicate_id"].split(":", 1)[1]]
            assert (subject, predicate, URIRef(expand_curie(row["object_id"]))) in graph, row


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_sssom_export_keeps_no_match_rows_out_of_the_links(sssom_file, dataset, cli):
    """sssom-py's OWL conversion makes every row a link: NoTermFound rows would all become
    skos:exactMatch sssom:NoTermFound and join unrelated entities, so they get a file of their own."""
    sssom_parsers = pytest.importorskip("sssom.parsers", reason="install the test extras: pip install -e '.[test]'")
    from sssom.writers import to_owl_graph

    links, absent = _read_tsv_after_header(sssom_file), _read_tsv_after_header(no_match_path(sssom_file))
    assert links and absent
    assert all(r["object_id"] != NO_TERM for r in links)
    assert all(r["object_id"] == NO_TERM for r in absent)
    assert len(links) + len(absent) == len(dataset.mappings)
    graph = to_owl_graph(sssom_parsers.parse_sssom_table(sssom_file))
    assert not [t for t in graph if t[2] == URIRef("https://w3id.org/sssom/NoTermFound")]
    header = get_sssom_table(dataset, no_matches="only").metadata
    assert header["mapping_set_id"] != get_sssom_table(dataset).metadata["mapping_set_id"]
    assert "Do not convert" in header["comment"]
    proc = cli("export", "--format", "sssom", check=True)
    assert NO_TERM not in "".join(ln for ln in proc.stdout.splitlines(keepends=True) if not ln.startswith("#"))
    assert f"{len(absent)} no-match rows left out" in proc.stderr


def test_no_match_file_sits_beside_the_links_file():
    assert no_match_path(Path("out/k.sssom.tsv")) == Path("out/k.no-match.sssom.tsv")
    assert no_match_path(Path("links.tsv")) == Path("links.no-match.sssom.tsv")


def _read_tsv_after_header(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def test_rdf_expands_a_prefix_the_file_does_not_declare(dataset):
    """Regression: a mapping whose prefix is missing from the file's curie_map made the RDF build fail with KeyError."""
    from dataclasses import replace

    from ketamine_kg.core.model import Mapping
    from ketamine_kg.rdf.abox import get_data_graph

    ds = replace(dataset, mappings=[Mapping("ketamine", "skos:exactMatch", "CHEBI:6121", "ketamine", "semapv:ManualMappingCuration", "")],
                 mapping_prefixes={})
    graph = get_data_graph(ds)
    assert (URIRef(ns.entity_iri("ketamine")), SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/CHEBI_6121")) in graph


# --- Biolink categories and predicates --------------------------------------------------------

def test_every_entity_has_its_biolink_category_in_the_rdf(dataset, data_graph):
    from ketamine_kg.rdf.biolink import get_categories
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    categories = get_categories(load_vocabulary())
    for entity in dataset.entities.values():
        found = {str(c) for c in data_graph.objects(URIRef(ns.entity_iri(entity.id)), BIOLINK.category)}
        assert found == {expand_curie(c) for c in categories[entity.type]}, entity.id
        assert found, entity.id


def _alignment(local_id, kind, relation, external):
    from ketamine_kg.ontology.alignments import Alignment

    return Alignment(local_id, kind, relation, external, "", "test", "")


@pytest.mark.parametrize("rows, type_id, expected", [
    ([("substance", "type", "biolink:category", "biolink:SmallMolecule")], "substance", ("biolink:SmallMolecule",)),
    # no row of its own: the nearest ancestor's
    ([("chemical_entity", "type", "biolink:category", "biolink:ChemicalEntity")], "substance", ("biolink:ChemicalEntity",)),
    ([("effect", "type", "biolink:category", "biolink:PhenotypicFeature")], "cognitive_effect", ("biolink:PhenotypicFeature",)),
    # several rows: all of them
    ([("receptor", "type", "biolink:category", "biolink:Protein"), ("receptor", "type", "biolink:category", "biolink:MacromolecularComplex")],
     "receptor", ("biolink:MacromolecularComplex", "biolink:Protein")),
    # none anywhere: the root class; other relations are not categories
    ([("receptor", "type", "skos:narrowMatch", "GO:0043235")], "receptor", ("biolink:NamedThing",)),
])
def test_categories_come_from_the_nearest_aligned_type(monkeypatch, rows, type_id, expected):
    from ketamine_kg.rdf import biolink
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    monkeypatch.setattr(biolink, "get_alignments", lambda vocab: tuple(_alignment(*r) for r in rows))
    assert biolink.get_categories(load_vocabulary())[type_id] == expected


@pytest.mark.parametrize("rows, predicate, expected", [
    ([("treats", "predicate", "skos:exactMatch", "biolink:treats")], "treats", "biolink:treats"),
    # exact beats close beats sub-property beats broad, whatever the file order
    ([("treats", "predicate", "skos:broadMatch", "biolink:related_to"), ("treats", "predicate", "skos:closeMatch", "biolink:treats")],
     "treats", "biolink:treats"),
    # narrower and related Biolink terms would claim more than the source: not used
    ([("may_treat", "predicate", "skos:relatedMatch", "biolink:treats")], "may_treat", "biolink:related_to"),
    ([("studied_for", "predicate", "skos:narrowMatch", "biolink:in_clinical_trials_for")], "studied_for", "biolink:related_to"),
    # RO terms are not Biolink predicates; node slots are not edge predicates
    ([("treats", "predicate", "skos:closeMatch", "RO:0002606")], "treats", "biolink:related_to"),
    ([("has_characteristic", "predicate", "skos:closeMatch", "biolink:has_attribute")], "has_characteristic", "biolink:related_to"),
    # no row of its own: the parent predicate's
    ([("molecularly_interacts_with", "predicate", "skos:broadMatch", "biolink:directly_physically_interacts_with")],
     "antagonist_of", "biolink:directly_physically_interacts_with"),
])
def test_edge_predicate_is_the_best_fitting_biolink_alignment(monkeypatch, rows, predicate, expected):
    from ketamine_kg.rdf import biolink
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    monkeypatch.setattr(biolink, "get_alignments", lambda vocab: tuple(_alignment(*r) for r in rows))
    assert biolink.get_edge_predicate(predicate, load_vocabulary()) == expected


# --- KGX ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kgx_files(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("kgx") / "ketamine"
    proc = run_cli("export", "--format", "kgx", "-o", str(prefix), check=True)
    assert "nodes" in proc.stderr
    return _read_tsv(prefix.with_name("ketamine_nodes.tsv")), _read_tsv(prefix.with_name("ketamine_edges.tsv"))


def test_kgx_loads_back_with_one_node_per_entity_and_one_edge_per_claim(kgx_files, dataset):
    nodes, edges = kgx_files
    assert len(nodes) == len(dataset.entities)
    linking = [c for c in dataset.claims if c.object is not None]
    assert len(edges) == len(linking)
    # the rest have a literal value, which has no node to point to; they stay in the RDF
    assert all(c.value is not None for c in dataset.claims if c.object is None)
    assert {n["id"] for n in nodes} == {f"kkg:{e}" for e in dataset.entities}
    assert {e["id"] for e in edges} == {f"kkgc:{dataset.source.id}/{c.id}" for c in linking}
    assert list(nodes[0]) == list(NODE_COLUMNS) and list(edges[0]) == list(EDGE_COLUMNS)


def test_kgx_ids_are_curies_resolvable_through_the_prefix_map(kgx_files):
    nodes, edges = kgx_files
    ids = {n["id"] for n in nodes}
    for node in nodes:
        for curie in [node["id"], *node["category"].split("|"), *filter(None, node["xref"].split("|")), node["provided_by"]]:
            _check_resolvable(curie)
        assert all(c.startswith("biolink:") and c.split(":")[1][0].isupper() for c in node["category"].split("|"))
    for edge in edges:
        assert edge["subject"] in ids and edge["object"] in ids
        for column in ("id", "subject", "predicate", "object", "original_predicate", "has_evidence", "primary_knowledge_source"):
            _check_resolvable(edge[column])
        assert edge["predicate"].startswith("biolink:")


def test_kgx_edges_carry_modality_polarity_and_quotes(kgx_files, dataset):
    _, edges = kgx_files
    claims = {f"kkgc:{dataset.source.id}/{c.id}": c for c in dataset.claims}
    hedged = 0
    for edge in edges:
        claim = claims[edge["id"]]
        if claim.modality == "asserted":
            assert edge["knowledge_level"] == "knowledge_assertion"
        else:
            hedged += 1
            assert edge["knowledge_level"] == "prediction", edge["id"]
        assert edge["negated"] == ("True" if claim.polarity == "negative" else "")  # KGX reads "False" as true
        assert edge["agent_type"] == "manual_agent"
        assert edge["original_predicate"] == f"kkgo:{claim.predicate}"
        assert edge["supporting_text"].split("|")[0] == " ".join(claim.evidence[0].quote.split())
    assert hedged, "the article has hedged claims; none reached the KGX export"


def test_kgx_node_categories_and_xrefs_agree_with_rdf_and_mappings(dataset, data_graph):
    nodes, _ = get_kgx(dataset, data_graph)
    for node in nodes:
        entity_id = node["id"].split(":", 1)[1]
        rdf = sorted("biolink:" + str(c).rsplit("/", 1)[1] for c in data_graph.objects(URIRef(ns.entity_iri(entity_id)), BIOLINK.category))
        assert node["category"].split("|") == rdf
        exact = {m.object for m in dataset.mappings if m.subject == entity_id and m.predicate == "skos:exactMatch" and not m.is_no_match}
        assert set(filter(None, node["xref"].split("|"))) == exact


def test_kgx_refuses_a_pipe_inside_a_list_value(dataset, data_graph):
    from dataclasses import replace

    entities = dict(dataset.entities)
    entities["ketamine"] = replace(entities["ketamine"], synonyms=["a|b"])
    with pytest.raises(KkgError, match="contains '\\|'"):
        get_kgx(replace(dataset, entities=entities), data_graph)


# --- the links command -----------------------------------------------------------------------

def test_links_prints_ids_predicates_labels_and_resolvable_urls(cli, dataset):
    proc = cli("links", "ketamine", check=True)
    rows = [m for m in dataset.mappings if m.subject == "ketamine"]
    assert rows, "ketamine has no mappings"
    for m in rows:
        if m.is_no_match:
            assert no_match_system(m) in proc.stdout
            continue
        assert m.object in proc.stdout
        url = expand_curie(m.object)
        assert url.startswith(("http://", "https://")) and url in proc.stdout
        assert m.predicate.split(":", 1)[1] in proc.stdout
        if m.object_label:
            assert m.object_label in proc.stdout


def test_links_json_lists_every_mapping_of_the_entity(cli, dataset):
    proc = cli("links", "NMDA receptor", "--format", "json", check=True)
    data = json.loads(proc.stdout)
    assert data["id"] == "kkg:nmda_receptor"
    mapped = sorted(m.object for m in dataset.mappings if m.subject == "nmda_receptor" and not m.is_no_match)
    assert sorted(link["id"] for link in data["links"]) == mapped
    assert all(link["url"] == expand_curie(link["id"]) for link in data["links"])
    assert data["biolink_category"]


def test_links_of_an_unknown_entity_is_one_line_with_suggestions(cli):
    proc = cli("links", "ketamin")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "unknown entity 'ketamin'" in proc.stderr and "ketamine" in proc.stderr


def test_links_shows_the_pairs_not_checked_here_with_their_reason(cli, data_copy):
    (data_copy / "mapping_gaps.tsv").write_text(
        "# test\nentity\tsystem\treason\tdate_checked\n"
        "craving\tDOID\tstale: DOID has a recorded no-match for craving\t2026-11-26\n"
        "craving\tNCIT\tno NCIt release file at hand (test)\t2026-11-26\n",
        encoding="utf-8",
    )
    proc = cli("links", "craving", "--data", str(data_copy), check=True)
    assert "not checked here:" in proc.stdout
    line = next(ln for ln in proc.stdout.splitlines() if "no NCIt release file at hand (test)" in ln)
    assert line.split()[0] == "NCIT" and "(2026-11-26)" in line
    assert "stale: DOID" not in proc.stdout  # a system with a mapping or no-match is not a gap
    data = json.loads(cli("links", "craving", "--data", str(data_copy), "--format", "json", check=True).stdout)
    assert data["not_checked_here"] == [{"system": "NCIT", "reason": "no NCIt release file at hand (test)", "date_checked": "2026-11-26"}]


@pytest.mark.parametrize("body, line, message", [
    ("entity\tsystem\treason\n", 1, "header must be"),
    ("entity\tsystem\treason\tdate_checked\ncraving\tHP\t \t2026-11-26\n", 2, "say why"),
    ("entity\tsystem\treason\tdate_checked\ncraving\tHP\tno file\t26/11/2026\n", 2, "YYYY-MM-DD"),
    ("# c\nentity\tsystem\treason\tdate_checked\ncraving\tHP\n", 3, "2 cells"),
])
def test_bad_mapping_gap_rows_are_located(tmp_path, body, line, message):
    from ketamine_kg.load.snapshots import load_mapping_gaps

    path = tmp_path / "mapping_gaps.tsv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(KkgError, match=message) as info:
        load_mapping_gaps(path)
    assert info.value.line == line


@pytest.mark.parametrize("ref, expected", [
    ("ketamine", "ketamine"),
    ("kkg:ketamine", "ketamine"),
    ("https://w3id.org/ketamine-kg/entity/ketamine", "ketamine"),
    ("NMDA receptor", "nmda_receptor"),
    ("nmdar", "nmda_receptor"),  # a synonym, any case
    ("(S)-ketamine", "esketamine"),
])
def test_find_entity_accepts_ids_labels_and_synonyms(dataset, ref, expected):
    assert find_entity(dataset, ref).id == expected


# --- the snapshot of external labels ---------------------------------------------------------

@pytest.mark.parametrize("body, line, message", [
    ("curie\tlabel\tsource\n", 1, "missing column"),
    ("curie\tlabel\tsource\tdate_checked\nCHEBI:abc\tx\ty\t2026-11-26\n", 2, "malformed CURIE"),
    ("curie\tlabel\tsource\tdate_checked\nCHEBI:6121\tketamine\t\t2026-11-26\n", 2, "no source"),
    ("curie\tlabel\tsource\tdate_checked\nCHEBI:6121\tketamine\tchebi.obo\t26/11/2026\n", 2, "YYYY-MM-DD"),
    ("# note\ncurie\tlabel\tsource\tdate_checked\nCHEBI:6121\tketamine\ta\t2026-11-26\nCHEBI:6121\tketamine\tb\t2026-11-26\n", 4, "duplicate"),
    ("curie\tlabel\tsource\tdate_checked\nCHEBI:6121\tketamine\n", 2, "cells"),
])
def test_bad_snapshot_rows_are_located(tmp_path, body, line, message):
    path = tmp_path / "external_labels.tsv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(KkgError, match=message) as info:
        load_external_labels(path)
    assert info.value.line == line and info.value.file == str(path)


# --- enrich, against a local server of recorded responses -------------------------------------

ENRICH_MAPPINGS = """\
# mapping_set_id: https://w3id.org/ketamine-kg/test/enrich.sssom.tsv
# license: https://creativecommons.org/licenses/by/4.0/
# mapping_date: 2026-11-26
# curie_map:
#   kkg: "https://w3id.org/ketamine-kg/entity/"
subject_id	subject_label	predicate_id	object_id	object_label	mapping_justification	confidence	comment
kkg:anxiety	anxiety	skos:exactMatch	HP:0000739	Anxiety	semapv:ManualMappingCuration	0.95	test row
kkg:esketamine	esketamine	skos:exactMatch	drugbank:DB11823	Esketamine	semapv:ManualMappingCuration	0.95	test row
kkg:esketamine	esketamine	skos:exactMatch	wikidata:Q2365493	esketamine	semapv:ManualMappingCuration	0.85	test row
kkg:fda	U.S. Food and Drug Administration	skos:exactMatch	MESH:D007649	Ketamine	semapv:ManualMappingCuration	0.1	deliberately wrong: Wikidata says D014486
kkg:fda	U.S. Food and Drug Administration	skos:exactMatch	wikidata:Q204711	Food and Drug Administration	semapv:ManualMappingCuration	0.85	test row
kkg:fibromyalgia	fibromyalgia	skos:exactMatch	sssom:NoTermFound		semapv:ManualMappingCuration		DOID: deliberately wrong no-match: MONDO cross-references DOID:631
kkg:fibromyalgia	fibromyalgia	skos:exactMatch	MESH:D005356	Fibromyalgia	semapv:ManualMappingCuration	0.95	test row
kkg:fibromyalgia	fibromyalgia	skos:exactMatch	MONDO:0005546	fibromyalgia	semapv:ManualMappingCuration	0.95	test row
kkg:ketamine	ketamine	skos:exactMatch	CHEBI:6121	ketamine	semapv:ManualMappingCuration	0.95	test row
kkg:ketamine	ketamine	skos:exactMatch	CHEBI:60799		semapv:ManualMappingCuration	0.8	no recorded answer: OLS says 404
kkg:ketamine	ketamine	skos:exactMatch	drugbank:DB01221	Ketamine	semapv:ManualMappingCuration	0.95	test row
"""
ENRICH_LABELS = """\
# test snapshot
curie\tlabel\tsource\tdate_checked
CHEBI:6121\tketamine\tchebi.obo\t2026-01-01
HP:0000739\tAnxiousness (stale)\thp.obo\t2026-01-01
MESH:D005356\tFibromyalgia\tmesh.tsv\t2026-01-01
"""


class _Recorded(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict, str]] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query)
        type(self).requests.append((url.path, params, self.headers.get("User-Agent", "")))
        root = INPUT / "enrich"
        path = None
        if url.path == "/sparql" and "query" in params:
            path = root / "wikidata.json"
        parts = url.path.strip("/").split("/")
        if parts[:3] == ["ols4", "api", "ontologies"] and len(parts) == 5 and parts[4] == "terms" and "iri" in params:
            path = root / "ols" / parts[3] / (params["iri"][0].rsplit("/", 1)[1] + ".json")
        if path is None or not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def recorded_server():
    _Recorded.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def enrich_data(data_copy: Path) -> Path:
    (data_copy / "mappings.sssom.tsv").write_text(ENRICH_MAPPINGS, encoding="utf-8")
    (data_copy / "external_labels.tsv").write_text(ENRICH_LABELS, encoding="utf-8")
    return data_copy


def test_enrich_refreshes_the_snapshot_and_reports_disagreements(cli, enrich_data, recorded_server):
    proc = cli("enrich", "--data", str(enrich_data), "--endpoint", f"{recorded_server}/sparql", "--ols", f"{recorded_server}/ols4")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "label of HP:0000739: recorded 'Anxiousness (stale)', now 'Anxiety'" in out
    assert "not found online: CHEBI:60799" in out
    assert "fda: MESH cross-reference: we map to MESH:D007649; the sources say MESH:D014486 (from wikidata:Q204711)" in out
    assert "fibromyalgia: DOID no-match" in out and "DOID:631 (from MONDO:0005546)" in out
    assert "esketamine" not in out.split("disagreements:")[1], "agreeing cross-references are not disagreements"
    labels = load_external_labels(enrich_data / "external_labels.tsv")
    assert labels["HP:0000739"].label == "Anxiety" and labels["HP:0000739"].source.startswith("EBI OLS")
    assert labels["wikidata:Q204711"].label == "Food and Drug Administration"
    assert labels["wikidata:Q2365493"].source.startswith("Wikidata SPARQL")
    assert labels["MESH:D005356"].date_checked == "2026-01-01", "IDs no service was asked about keep their row"
    assert "CHEBI:60799" not in labels
    assert (enrich_data / "external_labels.tsv").read_text(encoding="utf-8").startswith("# test snapshot\n")
    paths = [p for p, _, _ in _Recorded.requests]
    assert paths.count("/sparql") == 1
    assert all(ua.startswith("ketamine-kg/") for _, _, ua in _Recorded.requests)


def test_enrich_check_and_dry_run(cli, enrich_data, recorded_server):
    before = (enrich_data / "external_labels.tsv").read_bytes()
    proc = cli("enrich", "--data", str(enrich_data), "--endpoint", f"{recorded_server}/sparql",
               "--ols", f"{recorded_server}/ols4", "--dry-run", "--check")
    assert proc.returncode == 1
    assert "disagreements: 2" in proc.stdout
    assert (enrich_data / "external_labels.tsv").read_bytes() == before


def test_enrich_only_ols_never_asks_wikidata(cli, enrich_data, recorded_server):
    proc = cli("enrich", "--data", str(enrich_data), "--ols", f"{recorded_server}/ols4", "--only", "ols", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert all(p.startswith("/ols4/") for p, _, _ in _Recorded.requests)
    assert "not checked online" in proc.stdout and "wikidata 2" in proc.stdout


def test_enrich_offline_fails_in_one_line_and_writes_nothing(cli, enrich_data):
    before = (enrich_data / "external_labels.tsv").read_bytes()
    proc = cli("enrich", "--data", str(enrich_data), "--endpoint", "http://127.0.0.1:9/sparql", "--ols", "http://127.0.0.1:9/ols4")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: http://127.0.0.1:9/sparql: cannot reach") and "Traceback" not in proc.stderr
    assert (enrich_data / "external_labels.tsv").read_bytes() == before
