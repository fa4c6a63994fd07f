"""The curated data as Python objects: a source article, its entities and its claims."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODALITIES = ("asserted", "hedged", "speculative", "under_investigation")
POLARITIES = ("positive", "negative")
# The object of an SSSOM row that records that a system has no term for the entity.
NO_TERM = "sssom:NoTermFound"
# Datatypes a data predicate may take: name in vocabulary.yaml -> XSD datatype IRI of its
# literals (None: a plain literal, which is xsd:string in RDF 1.1). A date is written as an
# xsd:dateTime (see date_time_value): xsd:date is outside the OWL 2 datatype map, and
# HermiT refuses a whole input holding one.
DATATYPES: dict[str, str | None] = {
    "string": None,
    "date": "http://www.w3.org/2001/XMLSchema#dateTime",
    "integer": "http://www.w3.org/2001/XMLSchema#integer",
    "boolean": "http://www.w3.org/2001/XMLSchema#boolean",
}


def date_time_value(value: str) -> str:
    """The xsd:dateTime form of a date: midnight, no time zone (a value with a time is kept).

    SPARQL still orders and compares such values, and ``YEAR()``/``MONTH()`` read them.

    >>> date_time_value("2019-03-05"), date_time_value("2019-03-05T12:00:00Z")
    ('2019-03-05T00:00:00', '2019-03-05T12:00:00Z')
    """
    return f"{value}T00:00:00" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else value


# Qualifier keys, and the entity type a key's value must have (None: free text).
QUALIFIERS: dict[str, str | None] = {
    "onset": None,
    "duration": None,
    "frequency": None,
    "population": None,
    "time": None,
    "purpose": None,
    "route": "formulation",
    "procedure": "procedure",
}



def is_date_attribute(name: str) -> bool:
    """Whether an entity attribute holds a date (an ``xsd:dateTime`` at midnight in RDF): its name ends in ``date``.

    >>> is_date_attribute("date"), is_date_attribute("approval_date"), is_date_attribute("product")
    (True, True, False)
    """
    return name.endswith("date")


def utf16_offset(text: str, offset: int) -> int:
    """The UTF-16 code-unit offset (a JavaScript string index) of code-point ``offset`` in ``text``.

    Offsets in the data count Unicode code points; a character outside the Basic
    Multilingual Plane (an emoji, U+1F600) is one code point but two UTF-16 units.

    >>> utf16_offset("a\U0001F600b", 2)
    3
    >>> utf16_offset("caf\u00e9 \U0001F600\U0001F600 x", 8)
    10
    """
    prefix = text[:offset]
    if prefix.isascii():  # the common case, answered in C: every quote of an article asks about its whole prefix
        return offset
    return offset + len(_ASTRAL.findall(prefix))


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")  # a code point outside the BMP: two UTF-16 units


@dataclass(frozen=True)
class Section:
    """A heading of the article and where its text starts."""

    id: str
    title: str
    start: int
    parent: str | None = None


@dataclass
class Source:
    """The article: its text (byte for byte) and what is known about it."""

    id: str
    title: str
    site: str
    text: str
    sha256: str
    body_end: int
    sections: list[Section]
    file_name: str
    language: str = "en"
    url: str | None = None
    # The entity the article is mainly about (source.yaml ``subject``), if it names one.
    subject: str | None = None
    subject_line: int | None = None

    def section_at(self, offset: int) -> Section | None:
        """The innermost section in which ``offset`` lies (the last one started before it)."""
        found = None
        for section in self.sections:
            if section.start <= offset:
                found = section
        return found

    def section(self, section_id: str) -> Section:
        """The section with this id."""
        return next(s for s in self.sections if s.id == section_id)


@dataclass(frozen=True)
class Evidence:
    """A verbatim quote of the article, anchored by computed offsets."""

    quote: str
    start: int
    end: int
    prefix: str
    suffix: str
    section: str
    line: int
    # "states": the quote makes the claim; "restates": it repeats a claim made elsewhere
    # (a heading, the Introduction, the Conclusion) and is extra evidence only.
    kind: str = "states"


EVIDENCE_KINDS = ("states", "restates")


@dataclass(frozen=True)
class CuratorRelation:
    """Outside knowledge about an entity (not an article claim): a relation with its source."""

    predicate: str
    object: str
    source: str
    line: int = 0


@dataclass
class Entity:
    """A thing the article talks about."""

    id: str
    type: str
    label: str
    synonyms: list[str] = field(default_factory=list)
    description: str | None = None
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    line: int = 0
    curator_relations: list[CuratorRelation] = field(default_factory=list)


@dataclass
class Claim:
    """One atomic claim: subject, predicate, object or value, and how firmly it is made."""

    id: str
    subject: str
    predicate: str
    object: str | None
    value: str | None
    modality: str
    polarity: str
    qualifiers: dict[str, str]
    evidence: list[Evidence]
    comment: str | None = None
    line: int = 0
    # The file the claim is written in, where it is not the dataset's own claims.yaml (a corpus view).
    file: str | None = None

    @property
    def section(self) -> str:
        """The section of the first quote: where the claim is made."""
        return self.evidence[0].section

    @property
    def is_stated_fact(self) -> bool:
        """Whether the claim's triple may be written as a plain fact.

        Only positive, asserted claims are: a hedged or negated claim lives on as its
        claim node only, so no export launders it into an assertion.
        """
        return self.modality == "asserted" and self.polarity == "positive"


@dataclass
class Mapping:
    """A link from an entity to a term of an external ontology (an SSSOM row)."""

    subject: str
    predicate: str
    object: str
    object_label: str
    justification: str
    comment: str
    confidence: float | None = None
    line: int = 0

    @property
    def is_no_match(self) -> bool:
        """Whether this row records that a system has no term for the entity."""
        return self.object == NO_TERM


@dataclass
class Dataset:
    """Everything curated about one article."""

    directory: Path
    source: Source
    entities: dict[str, Entity]
    claims: list[Claim]
    mappings: list[Mapping] = field(default_factory=list)
    mapping_prefixes: dict[str, str] = field(default_factory=dict)
    # The vocabulary the data was checked against: the core one, or the core extended by
    # the folder's own vocabulary.yaml (an ontology.vocabulary.Vocabulary; core cannot
    # import the ontology room, so it is not typed here).
    vocabulary: Any = None

    @property
    def main_subject(self) -> str | None:
        """The entity the article is mainly about: ``source.yaml``'s ``subject``, else the one most claims name.

        Ties go to the entity whose id sorts first, so the answer never depends on file order.
        """
        if self.source.subject:
            return self.source.subject
        counts: Counter[str] = Counter()
        for claim in self.claims:
            counts[claim.subject] += 1
            if claim.object:
                counts[claim.object] += 1
        if not counts:
            return None
        return min(counts, key=lambda e: (-counts[e], e))
