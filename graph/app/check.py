"""Check a data folder without building it: ``check_data(directory)``, and ``fix_sha256`` for a stale sum.

A check runs every test a build would run on the curated data, but writes nothing: the
loader (source, sections, entities, claims, quotes, mappings, the folder's vocabulary),
the alignments of the vocabulary, the snapshot tables (``external_labels.tsv``,
``mapping_gaps.tsv``), the RDF graph and the ontology made from the vocabulary; the
reasoner only when asked. A problem raises the located :class:`~ketamine_kg.errors.KkgError`
of the check that found it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ketamine_kg.core.atomic import write_bytes_atomic
from ketamine_kg.core.model import Dataset
from ketamine_kg.errors import DataError, StaleChecksumError, display_path

CORE_ALIGNMENTS = "ontology/alignments.tsv"  # how the package's own alignment table is named in errors


@dataclass
class CheckReport:
    """What a check found in a folder that passed it."""

    dataset: Dataset
    vocabulary_additions: int = 0
    alignments: int = 0
    external_labels: int = 0
    mapping_gaps: int = 0
    reasoner: str | None = None
    inferred: int = 0

    def one_line(self) -> str:
        """E.g. ``ok: 4 claims, 5 entities, 2 sections, 0 mappings, ... (tests/input/tiny)``."""
        ds = self.dataset
        parts = [
            _count(len(ds.claims), "claim"),
            _count(len(ds.entities), "entity", "entities"),
            _count(len(ds.source.sections), "section"),
            _count(sum(1 for m in ds.mappings if not m.is_no_match), "mapping"),
        ]
        if self.vocabulary_additions:
            parts.append(_count(self.vocabulary_additions, "vocabulary addition"))
        if self.alignments:
            parts.append(_count(self.alignments, "alignment"))
        if self.reasoner:
            parts.append(f"{self.reasoner} consistent, {_count(self.inferred, 'inferred fact')}")
        subject = ds.main_subject
        if subject:
            parts.append(f"subject {subject}")
        return f"ok: {', '.join(parts)} ({display_path(ds.directory)})"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


@dataclass
class StaleOnly:
    """A folder whose only problem is a stale ``sha256``: the error, and the check that passes once it is fixed."""

    error: StaleChecksumError
    report: CheckReport


def check_data(directory: Path | str, *, reason: bool = False, accept_sha256: str | None = None) -> CheckReport:
    """Check the data folder ``directory`` as a build would, writing nothing; raise the first problem found."""
    from ketamine_kg.load.dataset import load_dataset
    from ketamine_kg.load.snapshots import GAPS_FILE, LABELS_FILE, load_external_labels, load_mapping_gaps
    from ketamine_kg.ontology.alignments import ALIGNMENTS_FILE, get_alignments
    from ketamine_kg.ontology.tbox import get_tbox_graph
    from ketamine_kg.ontology.vocabulary import load_vocabulary
    from ketamine_kg.rdf.abox import get_data_graph

    directory = Path(directory)
    dataset = load_dataset(directory, accept_sha256=accept_sha256)
    report = CheckReport(dataset)
    core = load_vocabulary()
    vocab = dataset.vocabulary
    report.vocabulary_additions = len((set(vocab.types) | set(vocab.predicates)) - set(core.types) - set(core.predicates))
    report.alignments = sum(1 for a in get_alignments(dataset.vocabulary) if a.file != CORE_ALIGNMENTS)
    own = directory / ALIGNMENTS_FILE
    if own.is_file() and own not in vocab.alignment_files:  # the loader reads it only beside added terms
        raise DataError(display_path(own), None, "is not read: a folder's alignments.tsv aligns the terms its "
                                                 "vocabulary.yaml adds, and this folder's vocabulary.yaml adds none")
    labels = directory / LABELS_FILE
    if labels.exists():
        report.external_labels = len(load_external_labels(labels))
    gaps = load_mapping_gaps(directory / GAPS_FILE)
    for gap in gaps:
        if gap.entity not in dataset.entities:
            raise DataError(display_path(directory / GAPS_FILE), gap.line,
                            f"unknown entity {gap.entity!r}; it is not in entities.yaml")
    report.mapping_gaps = len(gaps)
    data = get_data_graph(dataset)
    tbox = get_tbox_graph(dataset.vocabulary)
    if reason:
        from ketamine_kg.ontology.reason import reason_over

        result = reason_over(dataset, tbox, data)
        report.reasoner = result.reasoner
        report.inferred = len(result.facts)
    return report


def check_past_stale_sum(directory: Path | str, error: StaleChecksumError, *, reason: bool = False) -> StaleOnly:
    """Check ``directory`` again taking the article's current sum; a :class:`StaleOnly` if nothing else is wrong.

    Any other problem is raised as it would be once the sum is fixed.
    """
    return StaleOnly(error, check_data(directory, reason=reason, accept_sha256=error.digest))


_SHA_LINE = re.compile(rb"^(?P<head>[ \t]*sha256[ \t]*:[ \t]*)(?P<quote>[\"']?)(?P<sum>[^\s#\"']*)(?P=quote)(?P<tail>[ \t]*(#[^\r\n]*)?\r?\n?)$")


def fix_sha256(error: StaleChecksumError) -> str:
    """Record the article's current sum in the ``sha256:`` line of ``source.yaml``; return the old sum.

    Only that line's value changes: comments, quoting, line endings and every other byte
    stay as they were; the file is replaced atomically, keeping its permissions.
    """
    path = error.path
    where = display_path(path)
    raw = path.read_bytes()
    lines = raw.splitlines(keepends=True)
    index = (error.line or 0) - 1
    match = _SHA_LINE.match(lines[index]) if 0 <= index < len(lines) else None
    if match is None:
        raise DataError(where, error.line, "cannot fix the sum here: write the line as `sha256: HEX` (one line, no other key)")
    old = match.group("sum").decode("utf-8", "replace")
    lines[index] = (match.group("head") + match.group("quote") + error.digest.encode("ascii")
                    + match.group("quote") + match.group("tail"))
    write_bytes_atomic(path, b"".join(lines), mode=os.stat(path).st_mode & 0o7777)
    return old
