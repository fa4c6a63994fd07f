"""Verified alignments of the vocabulary's types and predicates to external terms (``alignments.tsv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ketamine_kg.core.yamlfile import read_text
from ketamine_kg.errors import DataError
from ketamine_kg.ontology.vocabulary import Vocabulary


ALIGNMENTS_FILE = "alignments.tsv"


@dataclass(frozen=True)
class Alignment:
    """One verified link of a local type or predicate to an external term."""

    local_id: str
    local_kind: str
    relation: str
    external_id: str
    external_label: str
    source: str
    comment: str
    line: int = 0
    file: str = "ontology/alignments.tsv"


@cache
def load_alignments(path=None, display: str = "ontology/alignments.tsv") -> tuple[Alignment, ...]:
    """Read ``alignments.tsv`` (rows with an empty external id are documented gaps)."""
    path = Path(str(path or resources.files(__package__) / ALIGNMENTS_FILE))
    if not (path.exists() or path.is_symlink()):  # a FIFO or symlink there is read, and refused
        return ()
    text = read_text(path, root=path.parent)  # a regular file of its own folder (a data folder's: no symlink out)
    numbered = [(n, ln) for n, ln in enumerate(text.splitlines(keepends=True), start=1) if not ln.startswith("#")]
    rows = csv.DictReader([ln for _, ln in numbered], delimiter="\t")
    found = []
    for index, r in enumerate(rows, start=1):  # row 0 of `numbered` is the header
        if (r.get("external_id") or "").strip():
            found.append(Alignment(
                r["local_id"], r["local_kind"], r["relation"], r["external_id"].strip(), r["external_label"] or "",
                r["source"] or "", r.get("comment") or "", numbered[index][0], display,
            ))
    return tuple(found)


def get_alignments(vocab: Vocabulary) -> tuple[Alignment, ...]:
    """The alignments that go with ``vocab``: the core table, then a data folder's own, checked against it."""
    if not vocab.alignment_files:
        found = load_alignments()
    else:
        found = ()
        for n, path in enumerate(vocab.alignment_files):
            found += load_alignments(path, "ontology/alignments.tsv" if n == 0 else str(path))
    check_alignments(found, vocab)
    return found


LOGICAL_RELATIONS = ("rdfs:subClassOf", "owl:equivalentClass", "rdfs:subPropertyOf", "owl:equivalentProperty")


def check_alignments(alignments, vocab: Vocabulary) -> None:
    """Refuse alignments that name unknown terms or would over-commit the logic.

    An equivalence merges the external term with ours, so two of our terms equivalent to
    one external term would become equivalent to each other (two disjoint types: an
    unsatisfiable ontology). Logical axioms must also match the kind of the local term.
    """
    equivalent: dict[str, str] = {}
    for a in alignments:
        known = vocab.types if a.local_kind == "type" else vocab.predicates if a.local_kind == "predicate" else None
        if known is None:
            raise DataError(a.file, a.line, f"local_kind must be 'type' or 'predicate', not {a.local_kind!r}")
        if a.local_id not in known:
            raise DataError(a.file, a.line, f"unknown {a.local_kind} {a.local_id!r}: not in the vocabulary (ontology/vocabulary.yaml, or the data folder's vocabulary.yaml)")
        if a.relation not in LOGICAL_RELATIONS and not a.relation.startswith("skos:") and a.relation != "biolink:category":
            raise DataError(a.file, a.line, f"unknown relation {a.relation!r} (use {', '.join(LOGICAL_RELATIONS)}, skos:* or biolink:category)")
        if a.relation in ("rdfs:subClassOf", "owl:equivalentClass") and a.local_kind != "type":
            raise DataError(a.file, a.line, f"{a.relation} needs a type, but {a.local_id!r} is a predicate")
        if a.relation in ("rdfs:subPropertyOf", "owl:equivalentProperty") and a.local_kind != "predicate":
            raise DataError(a.file, a.line, f"{a.relation} needs a predicate, but {a.local_id!r} is a type")
        if a.relation.startswith("owl:equivalent"):
            other = equivalent.setdefault(a.external_id, a.local_id)
            if other != a.local_id:
                raise DataError(a.file, a.line, f"{a.local_id!r} and {other!r} would both be equivalent to {a.external_id}, and so to each other; use rdfs:subClassOf/subPropertyOf or a SKOS mapping")
