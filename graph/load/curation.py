"""Faithful to the source: the checks of ``graph/data/CURATION.md`` over a loaded dataset.

Every claim must stand on its own quotes (issue 13). What a program can check, it checks
here, each failure a :class:`~ketamine_kg.errors.DataError` naming the file, the line and
the rule broken:

- :func:`check_headings` (rule 3): every claim has a quote that *states* it outside any
  heading, its first quote is such a quote, and a quote taken from a heading is marked
  ``kind: restates``;
- :func:`check_properties` (rule 1): a route, population or dose that a claim names (as
  its object or a qualifier) has its words in the claim's quotes, unless the claim's
  ``comment`` names that property and so says why;
- :func:`check_cue_words` (rule 5): every cue word of ``cue_words.yaml`` found in a quote
  is read one way: a modality cue fixes the claim's modality, a qualifier cue must be kept
  in that qualifier, and a claim that is not asserted has a stating quote whose cue says so.

:func:`check_curation` runs them all; ``load_dataset`` calls it last. The functions are
pure: they read the dataset and raise or return nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ketamine_kg.core.model import MODALITIES, QUALIFIERS, Claim, Dataset, Evidence, Source
from ketamine_kg.core.yamlfile import LineDict, load_yaml
from ketamine_kg.errors import DataError, display_path

# One table for every article: how the project reads cue words is not a property of one text.
CUE_WORDS_FILE = Path(str(resources.files("ketamine_kg") / "data" / "cue_words.yaml"))
# Properties that add specificity when a claim names them without the article's words.
PROPERTY_QUALIFIERS = ("route", "population", "dose")
# An object of this type names a route (or dosage form): the object counts as a `route`.
ROUTE_TYPE = "formulation"
STOPWORDS = frozenset({"the", "and", "for", "with", "who", "have", "has", "not", "those", "from", "into", "that", "this"})
_SPELLINGS = (("anaesth", "anesth"), ("isation", "ization"), ("our", "or"))
_NUMBERING = re.compile(r"^(?:[IVXLC]+\.|\d+\.)\s*")


@dataclass(frozen=True)
class Cue:
    """One row of the cue-word table: the words, and the modality or the qualifier they give."""

    cue: str
    modality: str | None
    qualifier: str | None
    line: int
    pattern: re.Pattern

    @property
    def reading(self) -> str:
        return f"modality {self.modality}" if self.modality else f"qualifier {self.qualifier}"


def _claims_file(dataset: Dataset) -> str:
    return display_path(Path(dataset.directory) / "claims.yaml")


def load_cue_words(path: Path | None = None) -> tuple[Cue, ...]:
    """Read the cue-word table (``graph/data/cue_words.yaml``), longest cue first.

    Read once per version of the file (its path, size and modification time): every
    article of a corpus is checked against it, and 1,000 reads of it were 1.6 s of a build.
    """
    path = Path(path) if path is not None else CUE_WORDS_FILE
    stat = path.stat() if path.is_file() else None
    return _read_cue_words(path, stat.st_size if stat else None, stat.st_mtime_ns if stat else None)


@functools.lru_cache(maxsize=8)
def _read_cue_words(path: Path, size: int | None, mtime_ns: int | None) -> tuple[Cue, ...]:
    where = display_path(path)
    data = load_yaml(path, where)
    if not isinstance(data, list):
        raise DataError(where, 1, "the cue-word table must be a list of {cue, modality | qualifier, why}")
    cues = []
    seen: set[str] = set()
    for item in data:
        if not isinstance(item, LineDict) or not isinstance(item.get("cue"), str):
            raise DataError(where, getattr(item, "line", None), "each cue needs 'cue' (text) and one of 'modality' or 'qualifier'")
        unknown = set(item) - {"cue", "modality", "qualifier", "why", "example"}
        if unknown:
            raise DataError(where, item.line, f"unknown field(s) {', '.join(sorted(unknown))} in cue {item['cue']!r}")
        modality, qualifier = item.get("modality"), item.get("qualifier")
        if (modality is None) == (qualifier is None):
            raise DataError(where, item.line, f"cue {item['cue']!r} needs exactly one of 'modality' or 'qualifier'")
        if modality is not None and modality not in MODALITIES:
            raise DataError(where, item.line_of("modality"), f"cue {item['cue']!r}: unknown modality {modality!r}")
        if qualifier is not None and qualifier not in QUALIFIERS:
            raise DataError(where, item.line_of("qualifier"), f"cue {item['cue']!r}: unknown qualifier {qualifier!r}")
        key = item["cue"].casefold()
        if key in seen:
            raise DataError(where, item.line, f"cue {item['cue']!r} is listed twice: one reading per cue")
        seen.add(key)
        words = r"\s+".join(re.escape(w) for w in item["cue"].split())
        cues.append(Cue(item["cue"], modality, qualifier, item.line, re.compile(rf"(?<![\w-]){words}(?![\w-])", re.I)))
    return tuple(sorted(cues, key=lambda c: -len(c.cue)))


def find_cues(text: str, cues: tuple[Cue, ...]) -> list[Cue]:
    """The cues in ``text``, a longer cue taking its words before a shorter one inside it."""
    taken: list[tuple[int, int]] = []
    found = []
    for cue in cues:  # longest first
        for m in cue.pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(cue)
    return found


def heading_spans(source: Source) -> list[tuple[int, int]]:
    """Character spans of the article's heading lines.

    A line is a heading when, without its numbering ("2.", "III.") and closing colon, it
    is part of a section title (or of the article's title).
    """
    titles = [s.title.casefold() for s in source.sections] + [source.title.casefold()]
    spans = []
    offset = 0
    for line in source.text[: source.body_end].split("\n"):
        name = _NUMBERING.sub("", line.strip()).rstrip(":").strip().casefold()
        if name and any(name in title for title in titles):
            spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def is_heading(ev: Evidence, spans: list[tuple[int, int]]) -> bool:
    """Whether a quote lies inside a heading line."""
    return any(start <= ev.start and ev.end <= end for start, end in spans)


def check_headings(dataset: Dataset) -> None:
    """Rule 3: a heading never carries a claim; it may only add a ``restates`` quote."""
    where = _claims_file(dataset)
    spans = heading_spans(dataset.source)
    for claim in dataset.claims:
        for ev in claim.evidence:
            if is_heading(ev, spans) and ev.kind != "restates":
                raise DataError(where, ev.line, f"claim {claim.id!r}: quote {ev.quote!r} is a heading; a heading states nothing, so mark it 'kind: restates' and quote the body (rule 3)")
        if not any(ev.kind == "states" and not is_heading(ev, spans) for ev in claim.evidence):
            raise DataError(where, claim.line, f"claim {claim.id!r} has no quote that states it outside a heading; headings and restatements are extra evidence only (rule 3)")
        if claim.evidence[0].kind != "states":
            raise DataError(where, claim.evidence[0].line, f"claim {claim.id!r}: the first quote fixes the claim's section, so it must state the claim, not restate it (rule 3)")


def _stems(text: str) -> set[str]:
    text = text.casefold()
    for british, american in _SPELLINGS:
        text = text.replace(british, american)
    words = [w for w in re.split(r"[^a-z0-9]+", text) if len(w) >= 3 and w not in STOPWORDS]
    return {w[:5] for w in words}


def _named_properties(claim: Claim, dataset: Dataset) -> list[tuple[str, str]]:
    """(property, its wording) of every route, population or dose the claim names."""
    named = []
    if claim.object is not None and dataset.entities[claim.object].type == ROUTE_TYPE:
        named.append(("route", dataset.entities[claim.object].label))
    for key in PROPERTY_QUALIFIERS:
        if key in claim.qualifiers:
            value = claim.qualifiers[key]
            entity = dataset.entities.get(value) if QUALIFIERS.get(key) else None
            named.append((key, entity.label if entity else value))
    return named


def check_properties(dataset: Dataset) -> None:
    """Rule 1: no route, population or dose beyond the quoted words, unless the comment says why."""
    where = _claims_file(dataset)
    for claim in dataset.claims:
        quoted = set().union(*(_stems(ev.quote) for ev in claim.evidence))
        for prop, wording in _named_properties(claim, dataset):
            missing = sorted(_stems(wording) - quoted)
            if not missing:
                continue
            if claim.comment and re.search(rf"\b{prop}\b", claim.comment, re.I):
                continue
            raise DataError(
                where, claim.line,
                f"claim {claim.id!r} names the {prop} {wording!r}, but its quotes never say {', '.join(missing)}: "
                f"quote the words, or say why in the comment, naming the {prop} (rule 1: no added specificity)",
            )


def check_cue_words(dataset: Dataset, cues: tuple[Cue, ...] | None = None) -> None:
    """Rule 5: every cue word in every quote, read by the table.

    - a modality cue in a quote (stating or restating) allows only the modalities that
      quote's cues give: a quote that says "may" cannot carry an asserted claim;
    - a qualifier cue in a stating quote ("sometimes", "can") must be kept, in its words,
      in that qualifier of the claim;
    - a claim that is not asserted has a stating quote with a cue giving its modality.
    """
    cues = cues if cues is not None else load_cue_words()
    where = _claims_file(dataset)
    for claim in dataset.claims:
        given: set[str] = set()
        for ev in claim.evidence:
            found = find_cues(ev.quote, cues)
            modal = {c.modality for c in found if c.modality}
            if modal and claim.modality not in modal:
                words = ", ".join(f"{c.cue!r} ({c.modality})" for c in found if c.modality)
                raise DataError(where, ev.line, f"claim {claim.id!r} is {claim.modality}, but its quote {ev.quote!r} says {words}: the modality follows the cue-word table (rule 5)")
            if ev.kind != "states":
                continue
            given |= modal
            for cue in found:
                if cue.qualifier and cue.cue.casefold() not in claim.qualifiers.get(cue.qualifier, "").casefold():
                    raise DataError(where, ev.line, f"claim {claim.id!r}: its quote says {cue.cue!r}, which the cue-word table reads as the {cue.qualifier} qualifier; keep it there in the article's words (rule 5)")
        if claim.modality != "asserted" and claim.modality not in given:
            raise DataError(where, claim.line, f"claim {claim.id!r} is {claim.modality}, but no quote stating it has a cue word for that (rule 5: quote the words that hedge it)")


def check_curation(dataset: Dataset) -> None:
    """Run every check of CURATION.md on a loaded dataset."""
    check_headings(dataset)
    check_properties(dataset)
    check_cue_words(dataset)
