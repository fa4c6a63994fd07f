"""The curated links of the built-in article (mappings.sssom.tsv, external_labels.tsv), tested like code.

In the manner of the Bioregistry's data tests: the header, the order of rows, every ID's
pattern, a justification and a source for every row, coverage of every system an entity
should be linked to, and agreement between each mapped term's label and its entity.
"""

from __future__ import annotations

import re

import pytest

from ketamine_kg.core import iris as ns
from ketamine_kg.app.links import EXPECTED_SYSTEMS, expected_systems
from ketamine_kg.load.snapshots import GAPS_FILE, LABELS_FILE, load_external_labels, load_mapping_gaps
from ketamine_kg.load.dataset import default_data_dir
from ketamine_kg.load.mappings import MAPPINGS_FILE, SKOS_PREDICATES, load_sssom_header, no_match_system
from ketamine_kg.ontology.vocabulary import load_vocabulary
from ketamine_kg.core.curies import check_curie, prefix_table

DATA = default_data_dir()
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

# Mapped IDs whose label the data engineer could not see in a stored source, so they are
# not in the snapshot yet (the header of external_labels.tsv lists them; `ketamine-kg
# enrich` fills them in when online). Each must have an empty object_label.
LABEL_NOT_SEEN = {
    "CHEBI:60799", "CHEMBL.COMPOUND:CHEMBL395091", "CHEMBL.COMPOUND:CHEMBL275528", "CHEMBL.COMPOUND:CHEMBL575060",
}

# Reviewed mappings whose external label shares no word with the entity's names, each with the reason it is right.
LABEL_FIT_ALLOWED = {
    ("nmda_receptor", "HGNC:4584"): "GRIN1 is the gene of the NMDA receptor's obligatory GluN1 subunit (relatedMatch)",
    ("nmda_receptor", "HGNC:4585"): "GRIN2A is the gene of the NMDA receptor's GluN2A subunit (relatedMatch)",
    ("nmda_receptor", "HGNC:4586"): "GRIN2B is the gene of the NMDA receptor's GluN2B subunit (relatedMatch)",
    ("neuropathic_pain", "MESH:D009437"): "MeSH files neuropathic pain under Neuralgia (nerve pain); curated as exactMatch in the data review",
    ("neuropathic_pain", "MONDO:0021667"): "MONDO 'neuralgia' is MONDO's class for MeSH Neuralgia (entry term Neuropathic Pain); closeMatch",
    ("pain_perception", "MESH:D059225"): "MeSH files Nociception under Pain Perception (tree F02.463.593.504.500); a narrower term, not a synonym (narrowMatch)",
    ("mood", "GO:0050894"): "GO 'determination of affect' is the process by which mood/affect is set (relatedMatch)",
    ("mood", "MESH:D000339"): "MeSH 'Affect' covers mood, the outward expression of emotion (relatedMatch)",
    ("substance_use_disorder", "EFO:0003890"): "EFO 'drug dependence' is the dependence form of substance use disorder (closeMatch)",
}
STOPWORDS = {"of", "and", "the", "in", "for", "to", "with", "a", "an", "or", "by", "disorder", "disorders", "effect"}
# British spellings in our labels, American ones in MeSH, HPO and others.
SPELLINGS = (("anaesth", "anesth"), ("isation", "ization"), ("ise", "ize"), ("our", "or"))


@pytest.fixture(scope="module")
def header() -> dict:
    return load_sssom_header(DATA / MAPPINGS_FILE)[0]


@pytest.fixture(scope="module")
def labels():
    return load_external_labels(DATA / LABELS_FILE)


@pytest.fixture(scope="module")
def rows(dataset):
    assert (DATA / MAPPINGS_FILE).exists(), "graph/data/mappings.sssom.tsv is missing"
    assert dataset.mappings, "mappings.sssom.tsv has no rows"
    return dataset.mappings


def test_header_has_the_required_set_metadata(header):
    assert str(header.get("mapping_set_id", "")).startswith(("http://", "https://"))
    assert str(header.get("license", "")).startswith(("http://", "https://"))
    assert DATE.fullmatch(str(header.get("mapping_date", ""))), "mapping_date must be YYYY-MM-DD"
    assert isinstance(header.get("curie_map"), dict) and header["curie_map"]


def test_curie_map_agrees_with_the_prefix_map(header, rows):
    canonical = {p: iri for p, (iri, _) in prefix_table().items()}
    canonical.update(ns.PREFIXES)
    canonical["sssom"] = "https://w3id.org/sssom/"
    for prefix, iri in header["curie_map"].items():
        assert prefix in canonical, f"curie_map declares {prefix!r}, which graph/prefixes.tsv does not know"
        assert iri == canonical[prefix], f"curie_map: {prefix} is {iri}, graph/prefixes.tsv says {canonical[prefix]}"
    used = {m.object.split(":", 1)[0] for m in rows} | {m.predicate.split(":", 1)[0] for m in rows} | {"kkg"}
    used |= {m.justification.split(":", 1)[0] for m in rows}
    assert used <= set(header["curie_map"]), f"prefixes used but not declared: {sorted(used - set(header['curie_map']))}"


def test_rows_are_sorted_and_unique(rows):
    keys = [(m.subject, m.object.casefold(), m.comment) for m in rows]
    assert keys == sorted(keys), "sort rows by subject_id, then object_id (case-insensitive)"
    pairs = [(m.subject, m.object) for m in rows if not m.is_no_match]
    assert len(pairs) == len(set(pairs)), "an entity is mapped to the same ID twice"


def test_every_id_matches_its_prefix_pattern(rows, labels):
    for m in rows:
        assert m.predicate in SKOS_PREDICATES
        if not m.is_no_match:
            check_curie(m.object, {}, MAPPINGS_FILE, m.line)
    for curie, rec in labels.items():
        check_curie(curie, {}, LABELS_FILE, rec.line)


def test_every_row_has_a_justification_and_a_source(rows, labels):
    for m in rows:
        where = f"{MAPPINGS_FILE}:{m.line}"
        assert m.justification.startswith("semapv:"), f"{where}: mapping_justification must be a semapv term"
        assert m.comment.strip(), f"{where}: say in the comment where the ID was checked"
        if m.is_no_match:
            assert no_match_system(m) in prefix_table(), f"{where}: a no-match comment starts with the system's prefix, e.g. 'MONDO: no term ...'"
            assert DATE.search(m.comment), f"{where}: a no-match records the date it was checked"
            assert not m.object_label
        elif m.object in labels:
            assert labels[m.object].source.strip() and labels[m.object].date_checked


def test_every_mapped_id_is_in_the_snapshot_with_the_same_label(rows, labels):
    mapped = {m.object for m in rows if not m.is_no_match}
    assert LABEL_NOT_SEEN <= mapped, f"stale LABEL_NOT_SEEN entries: {sorted(LABEL_NOT_SEEN - mapped)}"
    for m in rows:
        if m.is_no_match:
            continue
        where = f"{MAPPINGS_FILE}:{m.line}"
        if m.object in LABEL_NOT_SEEN:
            assert m.object not in labels, f"{where}: {m.object} is in the snapshot now; drop it from LABEL_NOT_SEEN"
            assert m.object_label == "", f"{where}: {m.object} has a label but none was seen"
            continue
        assert m.object in labels, f"{where}: {m.object} is not in {LABELS_FILE}"
        assert labels[m.object].label == m.object_label, f"{where}: object_label {m.object_label!r} but the snapshot says {labels[m.object].label!r}"
    assert set(labels) <= mapped, f"snapshot rows for IDs no mapping uses: {sorted(set(labels) - mapped)}"


@pytest.fixture(scope="module")
def gaps():
    return load_mapping_gaps(DATA / GAPS_FILE)


def test_every_entity_is_linked_or_has_a_recorded_no_match_or_a_gap_per_system(dataset, rows, gaps):
    """Each (entity, expected system) pair is exactly one of: mapped, recorded no-match, or listed as not checked here."""
    vocab = load_vocabulary()
    gap_pairs = {(g.entity, g.system): g for g in gaps}
    missing, stale = [], []
    for entity in dataset.entities.values():
        systems = expected_systems(entity.type, vocab)
        mine = [m for m in rows if m.subject == entity.id]
        linked = {m.object.split(":", 1)[0] for m in mine if not m.is_no_match}
        no_match = {no_match_system(m) for m in mine if m.is_no_match}
        assert not linked & no_match, f"{entity.id}: both a mapping and a no-match in {sorted(linked & no_match)}"
        for s in systems:
            gap = gap_pairs.get((entity.id, s))
            if s in linked | no_match:
                if gap:
                    stale.append(f"{GAPS_FILE}:{gap.line}: {entity.id} {s} now has a {'mapping' if s in linked else 'no-match'}; drop the gap")
            elif not gap:
                missing.append(f"{entity.id}: {s}")
    assert not stale, "stale gaps:\n" + "\n".join(stale)
    assert not missing, f"{len(missing)} entity/system pairs with neither a link, a recorded no-match nor a gap:\n" + "\n".join(missing)


def test_mapping_gaps_are_sorted_well_formed_and_about_expected_pairs(dataset, gaps):
    vocab = load_vocabulary()
    assert (DATA / GAPS_FILE).exists(), f"graph/data/{GAPS_FILE} is missing"
    text = (DATA / GAPS_FILE).read_text(encoding="utf-8")
    assert text.startswith("#"), f"{GAPS_FILE} starts with '#' comment lines saying what it is"
    keys = [(g.entity, g.system.casefold()) for g in gaps]
    assert keys == sorted(keys), "sort gaps by entity, then system (case-insensitive)"
    assert len(keys) == len(set(keys)), "a pair is listed twice"
    for g in gaps:
        where = f"{GAPS_FILE}:{g.line}"
        assert g.entity in dataset.entities, f"{where}: unknown entity {g.entity!r}"
        assert g.system in expected_systems(dataset.entities[g.entity].type, vocab), f"{where}: {g.system} is not expected for {g.entity}"
        assert len(g.reason.split()) >= 5, f"{where}: say why the pair was not checked"
        assert DATE.fullmatch(g.date_checked)


def test_expected_systems_cover_the_types_the_issue_names():
    vocab = load_vocabulary()
    assert set(EXPECTED_SYSTEMS) <= set(vocab.types)
    assert "MONDO" in expected_systems("disorder", vocab) and "HP" in expected_systems("cognitive_effect", vocab)
    assert expected_systems("substance", vocab)[:1] == ("CHEBI",)
    assert expected_systems("regulatory_approval", vocab) == ()


def _tokens(text: str) -> set[str]:
    text = text.casefold()
    for british, american in SPELLINGS:
        text = text.replace(british, american)
    words = {w for w in re.split(r"[^a-z0-9]+", text) if len(w) >= 3 and w not in STOPWORDS}
    return {w[:5] for w in words} | {w.rstrip("s") for w in words}


@pytest.mark.parametrize("entity_names, external, fits", [
    (["anaesthesia"], "Anesthesia", True),
    (["depression"], "Depressive Disorder, Major", True),
    (["glutamate", "L-glutamate"], "L-glutamate(1-)", True),
    (["NMDA receptor"], "Receptors, N-Methyl-D-Aspartate", True),
    (["migraine"], "Fibromyalgia", False),
    (["mood disorder"], "Substance-Related Disorders", False),  # 'disorder' alone is no evidence
])
def test_label_fit_rule(entity_names, external, fits):
    names = set().union(*(_tokens(n) for n in entity_names))
    assert bool(names & _tokens(external)) is fits


def test_each_mapped_label_fits_its_entity(dataset, rows):
    unfit = []
    used = set()
    for m in rows:
        if m.is_no_match or not m.object_label:
            continue
        entity = dataset.entities[m.subject]
        names = set().union(*(_tokens(n) for n in [entity.label, entity.id.replace("_", " "), *entity.synonyms]))
        if names & _tokens(m.object_label):
            continue
        if (m.subject, m.object) in LABEL_FIT_ALLOWED:
            used.add((m.subject, m.object))
            continue
        unfit.append(f"{MAPPINGS_FILE}:{m.line}: {m.subject} ({entity.label!r}) -> {m.object} {m.object_label!r}")
    assert not unfit, "labels that share no word with their entity (fix, or review and add to LABEL_FIT_ALLOWED with a reason):\n" + "\n".join(unfit)
    assert set(LABEL_FIT_ALLOWED) == used, f"allow-list entries no longer needed: {sorted(set(LABEL_FIT_ALLOWED) - used)}"


def test_a_malformed_curie_fails_the_build_with_file_and_line(cli, data_copy, tmp_path):
    path = data_copy / MAPPINGS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, ln in enumerate(lines, start=1) if "\tCHEBI:6121\t" in ln)
    lines[number - 1] = lines[number - 1].replace("\tCHEBI:6121\t", "\tCHEBI:6121x\t")
    path.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    proc = cli("build", "--data", str(data_copy), "-o", str(out), "--no-reason", "--no-render")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert f"{MAPPINGS_FILE}:{number}: malformed CURIE 'CHEBI:6121x'" in proc.stderr
    assert not (out / "ketamine-kg.ttl").exists()


@pytest.mark.parametrize("old, new, message", [
    ("\tCHEBI:6121\t", "\tchebi6121\t", "malformed CURIE"),
    ("\tCHEBI:6121\t", "\tCHEBIX:6121\t", "unknown prefix"),
    ("\tskos:exactMatch\tCHEBI:6121", "\towl:sameAs\tCHEBI:6121", "predicate_id"),
    ("kkg:ketamine\tketamine\tskos:exactMatch\tCHEBI:6121", "kkg:ketamin\tketamine\tskos:exactMatch\tCHEBI:6121", "unknown entity"),
])
def test_bad_mapping_rows_are_located(data_copy, old, new, message):
    from ketamine_kg.errors import KkgError
    from ketamine_kg.load.dataset import load_dataset

    path = data_copy / MAPPINGS_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    number = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KkgError, match=message) as info:
        load_dataset(data_copy)
    assert info.value.line == number and info.value.file.endswith(MAPPINGS_FILE)


# --- scripts/recheck_mappings.py ---------------------------------------------------------------

def _recheck_module():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "recheck_mappings.py"
    spec = importlib.util.spec_from_file_location("recheck_mappings", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _recheck_data(folder, mapping_rows: list[str], gap_rows: list[str] = ()):
    folder.mkdir()
    (folder / "entities.yaml").write_text(
        "- {id: craving, type: symptom, label: craving, synonyms: [drug craving]}\n"
        "- {id: mood_disorder, type: disorder, label: mood disorder}\n", encoding="utf-8")
    cols = "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification\tconfidence\tcomment\n"
    (folder / "mappings.sssom.tsv").write_text("# curie_map: {}\n" + cols + "".join(r + "\n" for r in mapping_rows), encoding="utf-8")
    (folder / "mapping_gaps.tsv").write_text("# gaps\nentity\tsystem\treason\tdate_checked\n" + "".join(r + "\n" for r in gap_rows), encoding="utf-8")
    (folder / "external_labels.tsv").write_text("# labels\ncurie\tlabel\tsource\tdate_checked\n", encoding="utf-8")
    return folder


def test_recheck_reports_changed_labels_new_terms_stale_no_matches_and_gaps(tmp_path):
    rc = _recheck_module()
    hp = rc.Release("HP", "HP release 2099-01-01", {
        "HP:0000001": rc.Term("Abnormal emotional state"),
        "HP:0000002": rc.Term("Drug craving"),
        "HP:0000003": rc.Term("obsolete Mood changes", obsolete=True, replaced_by="HP:0000001"),
    })
    mesh = rc.Release("MESH", "MeSH 2099", {"MESH:D000001": rc.Term("Craving", ["Cravings"])})
    for rel in (hp, mesh):
        rel.build_index()
    just = "semapv:ManualMappingCuration"
    data = _recheck_data(tmp_path / "data", [
        f"kkg:craving\tcraving\tskos:exactMatch\tsssom:NoTermFound\t\t{just}\t\tHP: no term in HP release 2099-01-01, checked 2099-01-02",
        f"kkg:mood_disorder\tmood disorder\tskos:broadMatch\tHP:0000001\tAbnormal emotion/affect behavior\t{just}\t0.7\tan old HP table",
        f"kkg:mood_disorder\tmood disorder\tskos:broadMatch\tHP:0000003\tMood changes\t{just}\t0.7\tHP release 2099-01-01",
    ], ["craving\tMESH\tnot checked\t2099-01-02"])
    problems, notes = rc.recheck(data, {"HP": hp, "MESH": mesh})
    text = "\n".join(problems)
    assert "FOUND   craving HP no-match: HP:0000002 'Drug craving'" in text
    assert "CHANGED mood_disorder HP:0000001: label 'Abnormal emotion/affect behavior' is now 'Abnormal emotional state'" in text
    assert "OLDER   mood_disorder HP:0000001: the row does not name HP release 2099-01-01" in text
    assert "OBSOLETE mood_disorder HP:0000003" in text and "replaced by HP:0000001" in text
    assert "GAP     craving MESH" in text
    assert "NEW     craving MESH: MESH:D000001 'Craving'" in text
    assert notes[0].startswith("checked 3 rows against HP release 2099-01-01, MeSH 2099")


def test_recheck_is_clean_when_rows_are_current(tmp_path):
    rc = _recheck_module()
    hp = rc.Release("HP", "HP release 2099-01-01", {"HP:0000001": rc.Term("Impaired executive functioning")})
    hp.build_index()
    data = _recheck_data(tmp_path / "data", [
        "kkg:craving\tcraving\tskos:exactMatch\tsssom:NoTermFound\t\tsemapv:ManualMappingCuration\t\tHP: no term for craving in HP release 2099-01-01, checked 2099-01-02",
    ])
    assert rc.recheck(data, {"HP": hp})[0] == []
    assert rc.norm("Pain, Neuropathic") == rc.norm("neuropathic pains") and rc.norm("anaesthesia") == rc.norm("Anesthesia")
    assert rc.norm("Impaired executive functioning") == rc.norm("impaired executive function")


def test_recheck_reads_the_hp_release_built_into_hpo3(tmp_path):
    """The layout of hpo3's binary ontology (version 3): magic, release date, then one record per term."""
    import struct

    rc = _recheck_module()
    records = []
    for i in range(1, 10002):
        name = {1: "All", 2: "obsolete Mood changes"}.get(i, f"Term {i}").encode()
        flags, replaced = (1, 1) if i == 2 else (0, 0)
        body = struct.pack(">IB", i, len(name)) + name + struct.pack(">BI", flags, replaced)
        records.append(struct.pack(">I", len(body) + 4) + body)
    terms = b"".join(records)
    blob = b"\x7fELF...code..." + b"HPO\x03" + struct.pack(">HBB", 2025, 11, 24) + struct.pack(">I", len(terms)) + terms + b"\x00" * 8
    path = tmp_path / "pyhpo.so"
    path.write_bytes(blob)
    release = rc.load_hpo3(path)
    assert release.tag == "HP release 2025-11-24"
    assert release.terms["HP:0000001"].label == "All" and release.terms["HP:0010001"].label == "Term 10001"
    assert release.terms["HP:0000002"].obsolete and release.terms["HP:0000002"].replaced_by == "HP:0000001"
    path.write_bytes(b"no ontology here")
    with pytest.raises(SystemExit, match="no HP release"):
        rc.load_hpo3(path)


def test_recheck_adds_terms_of_a_newer_release_from_its_untranslated_labels(tmp_path):
    """A newer release's untranslated-label table brings in the terms the base release lacks, by label."""
    rc = _recheck_module()
    base = rc.Release("HP", "HP release 2099-01-01", {"HP:0000001": rc.Term("Abnormal emotional state")})
    table = tmp_path / "hp-ja-not-translated.babelon.tsv"
    table.write_text(
        "source\tsource_version\tsource_language\ttranslation_language\tsubject_id\tpredicate_id\tsource_value\ttranslation_status\n"
        "\t\ten\tja\tHP:0000001\trdfs:label\tRenamed in the base's eyes\tNOT_TRANSLATED\n"
        "\t\ten\tja\tHP:0000009\trdfs:label\tDrug craving\tNOT_TRANSLATED\n"
        "\t\ten\tja\tHP:0000009\tIAO:0000115\tA strong desire.\tNOT_TRANSLATED\n"
        "\t\ten\tja\tBFO:0000050\trdfs:label\tpart of\tNOT_TRANSLATED\n", encoding="utf-8")
    rel = rc.load_hp_added(table, base, "2099-06-01")
    rel.build_index()
    assert set(rel.terms) == {"HP:0000001", "HP:0000009"}
    assert rel.terms["HP:0000001"].label == "Abnormal emotional state"  # the base keeps its labels
    assert rel.added_tag == "terms added up to HP release 2099-06-01"
    data = _recheck_data(tmp_path / "data", [
        "kkg:craving\tcraving\tskos:exactMatch\tsssom:NoTermFound\t\tsemapv:ManualMappingCuration\t\tHP: no term in HP release 2099-01-01, checked 2099-01-02",
    ])
    text = "\n".join(rc.recheck(data, {"HP": rel})[0])
    assert "FOUND   craving HP no-match: HP:0000009 'Drug craving'" in text
    assert "does not name HP release 2099-01-01 and terms added up to HP release 2099-06-01" in text


def test_recheck_reads_a_table_of_new_terms_with_synonyms(tmp_path):
    rc = _recheck_module()
    base = rc.Release("HP", "HP release 2099-01-01", {"HP:0000001": rc.Term("Abnormal emotional state")})
    table = tmp_path / "new.tsv"
    table.write_text("# terms of hp.obo 2099-09-01 missing above\nid\tname\texact_synonyms\tis_obsolete\treplaced_by\n"
                     "HP:0000010\tStrong urge\tDrug craving|Cravings\t\t\n", encoding="utf-8")
    rel = rc.load_hp_added(table, base, "2099-09-01")
    rel.build_index()
    assert rel.exact(["drug craving"]) == {"HP:0000010"} and rel.added_tag.endswith("2099-09-01")
    with pytest.raises(SystemExit, match="YYYY-MM-DD"):
        rc.load_hp_added(table, base, "")
