"""The published SSSOM mapping set of an article: set metadata, a curie map covering every prefix used, one row per link.

- ``get_sssom_table(dataset)``: the mapping set, from the curated ``mappings.sssom.tsv``
  (its header gives the set metadata, with the project's defaults where it is silent);
- ``to_sssom_tsv(table)``: the set as SSSOM/TSV, a ``#`` YAML header and then the table;
- ``no_match_path(output)``: where the ``sssom:NoTermFound`` rows go beside the links file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ketamine_kg.core import iris as ns
from ketamine_kg.core.curies import get_prefix_map, prefix_rows
from ketamine_kg.core.model import Dataset
from ketamine_kg.load.mappings import MAPPINGS_FILE, load_sssom_header, no_match_system

DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
# creator_id must be CURIEs: the ketamine-kg project itself, unless the data header names creators (e.g. ORCIDs).
DEFAULT_CREATOR = "kkgp:project"
# Prefixes the SSSOM export may use beyond prefixes.tsv and the project's own.
SSSOM_BUILTIN_PREFIXES = {
    "sssom": "https://w3id.org/sssom/",
    "bioregistry": "https://bioregistry.io/",
    "kkgp": ns.BASE,  # the project itself (https://w3id.org/ketamine-kg/project)
}
# Mapping-set slots of the SSSOM specification copied from the data file's header.
SSSOM_SET_SLOTS = (
    "mapping_set_id", "mapping_set_version", "mapping_set_title", "mapping_set_description",
    "license", "mapping_date", "publication_date", "creator_id", "creator_label", "author_id",
    "author_label", "reviewer_id", "reviewer_label", "mapping_provider", "mapping_tool",
    "mapping_tool_version", "subject_source", "subject_source_version", "see_also", "issue_tracker",
    "other", "comment",
)
SSSOM_COLUMNS = (
    "subject_id", "subject_label", "predicate_id", "object_id", "object_label",
    "mapping_justification", "object_source", "confidence", "comment",
)


@dataclass
class SssomTable:
    """A mapping set: its set-level metadata (with ``curie_map``) and its rows."""

    metadata: dict
    rows: list[dict[str, str]] = field(default_factory=list)


def _known_prefixes() -> dict[str, str]:
    """The project's one prefix map, with the prefixes SSSOM itself uses."""
    return {**get_prefix_map(), **SSSOM_BUILTIN_PREFIXES}


def get_sssom_table(dataset: Dataset, no_matches: str = "include") -> SssomTable:
    """Build the published SSSOM mapping set of ``dataset``'s curated links.

    ``no_matches`` says what becomes of the ``sssom:NoTermFound`` rows: ``"include"`` them,
    ``"omit"`` them (the links alone) or keep ``"only"`` them. ``export --format sssom``
    writes the links and the no-match rows as two mapping sets, because sssom-py's OWL/RDF
    conversion turns every row into a link: all the no-match rows would become
    ``skos:exactMatch sssom:NoTermFound`` and join unrelated entities through that one IRI.

    Set metadata comes from the data file's header (mapping_set_id, license, mapping_date
    and other SSSOM set slots), with the project's defaults where it is silent. Each row
    names the system of its object in ``object_source`` (a Bioregistry CURIE), which is how
    SSSOM says which system a ``sssom:NoTermFound`` row was checked against.
    """
    path = dataset.directory / MAPPINGS_FILE
    header = load_sssom_header(path)[0] if path.exists() else {}
    src = dataset.source
    meta: dict = {
        "mapping_set_id": f"{ns.BASE}mappings/{src.id}.sssom.tsv",
        "mapping_set_title": f"ketamine-kg: entities of '{src.title}' mapped to external ontologies",
        "license": DEFAULT_LICENSE,
    }
    for slot in SSSOM_SET_SLOTS:
        if header.get(slot) not in (None, ""):
            meta[slot] = header[slot]
    if "mapping_date" in meta:
        meta["mapping_date"] = str(meta["mapping_date"])
        meta.setdefault("mapping_set_version", meta["mapping_date"])
    meta["mapping_set_version"] = str(meta.get("mapping_set_version") or "")
    meta.setdefault("creator_id", [DEFAULT_CREATOR])
    if no_matches == "only":
        meta["mapping_set_id"] = re.sub(r"(\.sssom\.tsv)?$", ".no-match.sssom.tsv", str(meta["mapping_set_id"]), count=1)
        meta["mapping_set_title"] = f"{meta.get('mapping_set_title', 'ketamine-kg')}: systems checked and found to have no term"
        meta["comment"] = (
            "Each row records that the system named in object_source (and at the start of the comment) was checked "
            "and has no term for the entity; it is not a link. Do not convert this set to OWL or RDF links: "
            "every row would become skos:exactMatch sssom:NoTermFound and join unrelated entities."
        )
    known = _known_prefixes()
    registry = {row["prefix"]: row.get("bioregistry") or "" for row in prefix_rows()}
    used: set[str] = {"kkg", "semapv", "skos"} | {str(c).split(":", 1)[0] for c in meta["creator_id"]}
    rows = []
    for m in dataset.mappings:
        if (no_matches == "omit" and m.is_no_match) or (no_matches == "only" and not m.is_no_match):
            continue
        entity = dataset.entities[m.subject]
        system = no_match_system(m) if m.is_no_match else m.object.split(":", 1)[0]
        row = {
            "subject_id": f"kkg:{m.subject}",
            "subject_label": entity.label,
            "predicate_id": m.predicate,
            "object_id": m.object,
            "object_label": m.object_label,
            "mapping_justification": m.justification,
            "object_source": f"bioregistry:{registry[system]}" if registry.get(system) else "",
            "confidence": "" if m.confidence is None else f"{m.confidence:g}",
            "comment": m.comment,
        }
        rows.append(row)
        for key in ("subject_id", "predicate_id", "object_id", "mapping_justification", "object_source"):
            if row[key]:
                used.add(row[key].split(":", 1)[0])
    meta_with_map = {"curie_map": {p: known[p] for p in sorted(used, key=str.lower) if p in known}, **meta}
    return SssomTable(metadata=meta_with_map, rows=rows)


def no_match_path(output: Path) -> Path:
    """Where ``export --format sssom -o OUTPUT`` writes the no-match rows: OUTPUT with ``.no-match`` before ``.sssom.tsv``."""
    name = output.name
    stem = name[: -len(".sssom.tsv")] if name.endswith(".sssom.tsv") else output.stem
    return output.with_name(f"{stem}.no-match.sssom.tsv")


def to_sssom_tsv(table: SssomTable) -> str:
    """Serialise a mapping set as SSSOM/TSV: the ``#`` YAML header, then the table."""
    header = yaml.safe_dump(table.metadata, sort_keys=False, allow_unicode=True, width=1000)
    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"#{line}\n")
    columns = [c for c in SSSOM_COLUMNS if any(r.get(c) for r in table.rows) or c in ("subject_id", "predicate_id", "object_id", "mapping_justification")]
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in table.rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()
