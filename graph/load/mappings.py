"""Load the SSSOM mapping table that links entities to external ontologies.

The file is SSSOM/TSV: a ``#``-prefixed YAML header (with ``curie_map``), then one row
per mapping. Rows are checked here: known entity, SKOS predicate, CURIE syntax and
prefix, pattern of the local ID where the prefix map knows one.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ketamine_kg.core.curies import check_curie, prefix_table
from ketamine_kg.core.model import NO_TERM, Entity, Mapping
from ketamine_kg.errors import DataError, KkgError
from ketamine_kg.core.yamlfile import parse_yaml, read_text

SKOS_PREDICATES = ("skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch")
REQUIRED_COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification", "comment")
MAPPINGS_FILE = "mappings.sssom.tsv"


def load_sssom_header(path: Path, root: Path | None = None) -> tuple[dict, list[str]]:
    """Return the metadata of the ``#`` YAML header of an SSSOM/TSV file, and all its lines.

    The file is read inside ``root`` (its own folder by default) and its header parsed by
    the curated-YAML loader: no aliases, no deep nesting.
    """
    where = str(path)
    lines = read_text(path, root if root is not None else path.parent).splitlines(keepends=True)
    header_lines = [ln[1:] for ln in lines if ln.startswith("#")]
    n_header = len(header_lines)
    if lines[:n_header] != ["#" + h for h in header_lines]:
        table_start = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
        late = next(i for i, ln in enumerate(lines) if i > table_start and ln.startswith("#"))
        raise DataError(where, late + 1, "the '#' header must come before the table")
    try:
        meta = parse_yaml("".join(header_lines), where) or {} if any(h.strip() for h in header_lines) else {}
    except KkgError as exc:
        problem = exc.message.removeprefix("malformed YAML: ")
        raise DataError(where, exc.line or 1, f"malformed YAML in the '#' header: {problem}") from None
    if not isinstance(meta, dict):
        raise DataError(where, 1, "the '#' header must be a YAML mapping")
    return meta, lines


def load_mappings(path: Path, entities: dict[str, Entity], root: Path | None = None) -> tuple[list[Mapping], dict[str, str]]:
    """Return the mappings of ``path`` (read inside ``root``, its folder by default) and the curie map of its header."""
    where = str(path)
    meta, lines = load_sssom_header(path, root)
    n_header = sum(1 for ln in lines if ln.startswith("#"))
    curie_map = meta.get("curie_map") or {}
    if not isinstance(curie_map, dict):
        raise DataError(where, 1, "curie_map must be a mapping of prefix to IRI")
    reader = csv.reader(io.StringIO("".join(lines[n_header:])), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a lone carriage return inside a row
        problem = "a line break inside a row (a lone carriage return?)" if "new-line" in str(exc) else str(exc)
        raise DataError(where, n_header + reader.line_num, f"malformed TSV: {problem}") from None
    if not rows:
        raise DataError(where, n_header + 1, "no table after the header")
    columns = rows[0]
    for col in REQUIRED_COLUMNS:
        if col not in columns:
            raise DataError(where, n_header + 1, f"missing column {col!r}")
    mappings: list[Mapping] = []
    for offset, row in enumerate(rows[1:], start=2):
        line = n_header + offset
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise DataError(where, line, f"row has {len(row)} cells, the header has {len(columns)}")
        rec = dict(zip(columns, row))
        subject = rec["subject_id"]
        if not subject.startswith("kkg:") or subject[4:] not in entities:
            raise DataError(where, line, f"unknown entity {subject!r}; subject_id must be kkg:<entity id>")
        if rec["predicate_id"] not in SKOS_PREDICATES:
            raise DataError(where, line, f"predicate_id {rec['predicate_id']!r} must be one of {', '.join(SKOS_PREDICATES)}")
        obj = rec["object_id"]
        if obj != NO_TERM:
            check_curie(obj, curie_map, where, line)
        confidence = rec.get("confidence") or None
        if confidence is not None and not re.fullmatch(r"0(\.\d+)?|1(\.0+)?", confidence):
            raise DataError(where, line, f"confidence {confidence!r} must be a number from 0 to 1")
        mappings.append(Mapping(
            subject=subject[4:], predicate=rec["predicate_id"], object=obj,
            object_label=rec["object_label"], justification=rec["mapping_justification"],
            comment=rec["comment"], confidence=float(confidence) if confidence else None, line=line,
        ))
    return mappings, {str(k): str(v) for k, v in curie_map.items()}


def no_match_system(mapping: Mapping) -> str:
    """The prefix of the system a no-match row speaks about (its comment starts ``PREFIX:``).

    >>> no_match_system(Mapping("x", "skos:exactMatch", NO_TERM, "", "", "MeSH: no descriptor"))
    'MESH'
    """
    word = mapping.comment.split(":", 1)[0].strip()
    known = {p.lower(): p for p in prefix_table()}
    return known.get(word.lower(), word)
