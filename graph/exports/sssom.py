"""The published SSSOM mapping set of an article: set metadata, a curie map covering every prefix used, one row per link.

- ``get_sssom_table(dataset)``: the mapping set, from the curated ``mappings.sssom.tsv``
  (its header gives the set metadata, with the project's defaults where it is silent);
- ``to_sssom_tsv(table)``: the set as SSSOM/TSV, a ``#`` YAML header and then the table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import yaml

from ketamine_kg.core import iris as ns
from ketamine_kg.core.curies import get_prefix_map, prefix_rows
from ketamine_kg.core.model import Dataset
from ketamine_kg.load.mappings import MAPPINGS_FILE, load_sssom_header, no_match_system

DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
# Prefixes the SSSOM export may use beyond prefixes.tsv and the project's own.
SSSOM_BUILTIN_PREFIXES = {
    "sssom": "https://w3id.org/sssom/",
    "bioregistry": "https://bioregistry.io/",
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


def get_sssom_table(dataset: Dataset) -> SssomTable:
    """Build the published SSSOM mapping set of ``dataset``'s curated links.

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
    known = _known_prefixes()
    registry = {row["prefix"]: row.get("bioregistry") or "" for row in prefix_rows()}
    used: set[str] = {"kkg", "semapv", "skos"}
    rows = []
    for m in dataset.mappings:
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
