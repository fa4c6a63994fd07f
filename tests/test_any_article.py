"""Any article: nothing the reasoner concludes may depend on the built-in article's entity ids.

The defined classes are stated over types and over exact matches to external terms, so a
data folder whose every entity id is renamed (keeping types and mappings) must give the
same classifications, renamed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from ketamine_kg.load.dataset import default_data_dir, load_dataset
from ketamine_kg.ontology.reason import reason_over
from ketamine_kg.ontology.tbox import get_tbox_graph
from ketamine_kg.rdf.abox import get_data_graph

ENTITY = "https://w3id.org/ketamine-kg/entity/"


def rename_entities(source: Path, target: Path) -> dict[str, str]:
    """Copy the data folder ``source`` to ``target`` with every entity id renamed; return old -> new."""
    shutil.copytree(source, target)
    entities = yaml.safe_load((source / "entities.yaml").read_text(encoding="utf-8"))
    renamed = {e["id"]: f"thing_{n:03d}" for n, e in enumerate(entities)}
    for entity in entities:
        entity["id"] = renamed[entity["id"]]
        for relation in entity.get("curator_relations") or []:
            relation["object"] = renamed[relation["object"]]
    (target / "entities.yaml").write_text(yaml.safe_dump(entities, allow_unicode=True, sort_keys=False), encoding="utf-8")
    claims = yaml.safe_load((source / "claims.yaml").read_text(encoding="utf-8"))
    for claim in claims:
        claim["subject"] = renamed[claim["subject"]]
        if claim.get("object"):
            claim["object"] = renamed[claim["object"]]
        for key in ("route", "procedure"):
            if key in (claim.get("qualifiers") or {}):
                claim["qualifiers"][key] = renamed[claim["qualifiers"][key]]
    (target / "claims.yaml").write_text(yaml.safe_dump(claims, allow_unicode=True, sort_keys=False), encoding="utf-8")
    source_yaml = (source / "source.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    (target / "source.yaml").write_text("".join(
        f"subject: {renamed[line.split(':', 1)[1].strip()]}\n" if line.startswith("subject:") else line for line in source_yaml
    ), encoding="utf-8")
    lines = (source / "mappings.sssom.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    out = []
    for line in lines:
        first, sep, rest = line.partition("\t")
        if first.startswith("kkg:") and first[4:] in renamed:
            first = "kkg:" + renamed[first[4:]]
        out.append(first + sep + rest)
    (target / "mappings.sssom.tsv").write_text("".join(out), encoding="utf-8")
    for name in ("mapping_gaps.tsv",):
        path = target / name
        if path.exists():
            rows = []
            for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
                first, sep, rest = line.partition("\t")
                rows.append(renamed.get(first, first) + sep + rest)
            path.write_text("".join(rows), encoding="utf-8")
    return renamed


def classifications(data_dir: Path) -> set[tuple[str, str]]:
    dataset = load_dataset(data_dir)
    report = reason_over(dataset, get_tbox_graph(dataset.vocabulary), get_data_graph(dataset))
    return {(str(f.subject)[len(ENTITY):], str(f.object).rsplit("#", 1)[1]) for f in report.classifications()}


def test_renaming_every_entity_id_changes_no_inference(tmp_path):
    renamed = rename_entities(default_data_dir(), tmp_path / "renamed")
    original = classifications(default_data_dir())
    assert {("ketamine", "NMDAReceptorAntagonist"), ("ketamine", "Antidepressant"),
            ("phencyclidine", "Hallucinogen"), ("esketamine", "ApprovedDrug")} <= original
    back = {new: old for old, new in renamed.items()}
    after = {(back[entity], cls) for entity, cls in classifications(tmp_path / "renamed")}
    assert after == original


MEMANTINE = Path(__file__).parent / "input" / "corpus" / "memantine-note"


def test_a_new_article_with_its_own_ids_and_predicate_gets_the_classes_its_types_and_mappings_imply():
    """The note calls its receptor `nmdar` and adds `agonist_of`; the mapping to GO:0017146 is what counts."""
    found = classifications(MEMANTINE)
    assert {("memantine", "NMDAReceptorAntagonist"), ("ketamine", "NMDAReceptorAntagonist")} <= found
    assert ("ketamine", "Antidepressant") not in found  # the note only says ketamine *may* treat depression
    assert not any(cls in ("Antidepressant", "RapidActingAntidepressant") for _, cls in found)


def test_the_note_without_its_mapping_loses_nothing_but_what_the_mapping_gave(tmp_path):
    folder = tmp_path / "note"
    shutil.copytree(MEMANTINE, folder)
    (folder / "mappings.sssom.tsv").unlink()
    found = classifications(folder)
    assert ("memantine", "ReceptorAntagonist") in found  # from the type alone
    assert ("memantine", "NMDAReceptorAntagonist") not in found  # nothing says this receptor is the NMDA one


def test_named_query_defaults_follow_the_article(store_cache):
    from ketamine_kg.sparql.catalogue import get_query
    from ketamine_kg.sparql.engines import OxigraphEngine, get_data_defaults, run_query
    from ketamine_kg.store import open_store

    engine = OxigraphEngine(open_store(MEMANTINE))
    defaults = get_data_defaults(engine)
    assert defaults["@subject"] == f"<{ENTITY}memantine>" and defaults["@subject-label"] == "memantine"
    assert defaults["@first-claim"] == "memantine-antagonist-of-nmdar"  # the note's first claim
    rows = run_query(engine, get_query("receptors-of-substance")).rows
    assert [r[0].value for r in rows] == [f"{ENTITY}nmdar"]
    assert run_query(engine, get_query("has-approval")).boolean is False
    quotes = [r[0].value for r in run_query(engine, get_query("claim-evidence")).rows]
    assert quotes == ["Memantine is an antagonist of the NMDA receptor."]
