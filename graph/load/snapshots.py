"""The shipped snapshot tables of a data folder: the labels external systems give mapped IDs, and the recorded gaps.

- ``external_labels.tsv``: the label each external system gives a mapped ID, with where
  and when it was read (``ketamine-kg enrich`` refreshes it): :func:`load_external_labels`,
  written back by :func:`to_external_labels_tsv`;
- ``mapping_gaps.tsv``: the (entity, system) pairs whose link could not be checked here,
  each with a reason: :func:`load_mapping_gaps`.

Every row is checked; a problem raises :class:`~ketamine_kg.errors.DataError` naming file and line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ketamine_kg.core.curies import check_curie
from ketamine_kg.core.yamlfile import read_text
from ketamine_kg.errors import DataError

LABELS_FILE = "external_labels.tsv"
GAPS_FILE = "mapping_gaps.tsv"
GAP_COLUMNS = ("entity", "system", "reason", "date_checked")
LABEL_COLUMNS = ("curie", "label", "source", "date_checked")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ExternalLabel:
    """The label an external system gives one of its IDs, where and when it was read."""

    curie: str
    label: str
    source: str
    date_checked: str
    line: int = 0


def load_external_labels(path: Path) -> dict[str, ExternalLabel]:
    """Read ``external_labels.tsv``: CURIE -> its recorded label, checking every row."""
    where = str(path)
    lines = read_text(path, root=path.parent).splitlines()
    records: dict[str, ExternalLabel] = {}
    header: list[str] | None = None
    for number, text in enumerate(lines, start=1):
        if text.startswith("#") or not text.strip():
            continue
        cells = text.split("\t")
        if header is None:
            header = cells
            missing = [c for c in LABEL_COLUMNS if c not in header]
            if missing:
                raise DataError(where, number, f"missing column(s) {', '.join(missing)}; the header must be {' '.join(LABEL_COLUMNS)}")
            continue
        if len(cells) != len(header):
            raise DataError(where, number, f"row has {len(cells)} cells, the header has {len(header)}")
        row = dict(zip(header, cells))
        curie = row["curie"]
        check_curie(curie, {}, where, number)
        if not row["label"].strip():
            raise DataError(where, number, f"{curie} has an empty label")
        if not row["source"].strip():
            raise DataError(where, number, f"{curie} has no source: name the file or service the label was read from")
        if not DATE.match(row["date_checked"]):
            raise DataError(where, number, f"date_checked {row['date_checked']!r} must be YYYY-MM-DD")
        if curie in records:
            raise DataError(where, number, f"duplicate CURIE {curie} (first at line {records[curie].line})")
        records[curie] = ExternalLabel(curie, row["label"], row["source"], row["date_checked"], number)
    return records


@dataclass(frozen=True)
class MappingGap:
    """An (entity, system) pair not checked here, with the reason and the date it was looked at."""

    entity: str
    system: str
    reason: str
    date_checked: str
    line: int = 0


def load_mapping_gaps(path: Path) -> list[MappingGap]:
    """Read ``mapping_gaps.tsv``: the pairs whose link could not be checked, each with a reason.

    A missing file means no gaps are recorded.
    """
    if not path.exists():
        return []
    where = str(path)
    gaps: list[MappingGap] = []
    header: list[str] | None = None
    for number, text in enumerate(read_text(path, root=path.parent).splitlines(), start=1):
        if text.startswith("#") or not text.strip():
            continue
        cells = text.split("\t")
        if header is None:
            if tuple(cells) != GAP_COLUMNS:
                raise DataError(where, number, f"the header must be {' '.join(GAP_COLUMNS)}")
            header = cells
            continue
        if len(cells) != len(GAP_COLUMNS):
            raise DataError(where, number, f"row has {len(cells)} cells, the header has {len(GAP_COLUMNS)}")
        entity, system, reason, date = cells
        if not reason.strip():
            raise DataError(where, number, f"{entity} {system}: say why the link was not checked")
        if not DATE.match(date):
            raise DataError(where, number, f"date_checked {date!r} must be YYYY-MM-DD")
        gaps.append(MappingGap(entity, system, reason, date, number))
    return gaps


def to_external_labels_tsv(records: list[ExternalLabel] | dict[str, ExternalLabel], comments: Sequence[str] = ()) -> str:
    """Write the snapshot: ``#`` comment lines, the header, rows sorted by CURIE.

    >>> text = to_external_labels_tsv([ExternalLabel("CHEBI:6121", "ketamine", "chebi.obo", "2026-11-26")])
    >>> [line.split("\\t") for line in text.splitlines()]
    [['curie', 'label', 'source', 'date_checked'], ['CHEBI:6121', 'ketamine', 'chebi.obo', '2026-11-26']]
    """
    values = list(records.values()) if isinstance(records, dict) else list(records)
    out = [c if c.startswith("#") else "# " + c for c in comments]
    out.append("\t".join(LABEL_COLUMNS))
    for rec in sorted(values, key=lambda r: sort_key(r.curie)):
        cells = [rec.curie, rec.label, rec.source, rec.date_checked]
        out.append("\t".join(one_line(c) for c in cells))
    return "\n".join(out) + "\n"


def sort_key(curie: str) -> tuple[str, str, int, str]:
    """Sort CURIEs by prefix (case-insensitive), then numerically within the local ID.

    >>> sorted(["MESH:D10", "CHEBI:9", "MESH:D9"], key=sort_key)
    ['CHEBI:9', 'MESH:D9', 'MESH:D10']
    """
    prefix, _, local = curie.partition(":")
    match = re.match(r"^(\D*)(\d+)(.*)$", local)
    if match:
        return (prefix.lower(), match[1], int(match[2]), match[3])
    return (prefix.lower(), local, -1, "")


def one_line(text: object) -> str:
    """``text`` on one line: every run of white space (newlines, tabs) becomes one space.

    >>> one_line("a\\tb\\n c ")
    'a b c'
    """
    return " ".join(str(text).split())
