"""Query results, engine-neutral: RDF terms and what a query returned.

A :class:`Result` holds what any engine returned (SELECT rows, an ASK boolean or the
triples of a CONSTRUCT/DESCRIBE) as plain :class:`Term` values, so every engine's
answer prints the same way. Their formats (SPARQL results JSON, CSV, TSV, XML, RDF,
the terminal table) are written by :mod:`ketamine_kg.sparql.results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Term:
    """An RDF term: ``kind`` is ``uri``, ``literal`` or ``bnode``.

    Plain literals have neither datatype nor language (``xsd:string`` is dropped).

    >>> Term("literal", 'say "hi"', lang="en").n3()
    '"say \\\\"hi\\\\""@en'
    >>> Term("uri", "https://w3id.org/ketamine-kg/entity/ketamine").n3()
    '<https://w3id.org/ketamine-kg/entity/ketamine>'
    """

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    def n3(self) -> str:
        """The term in N-Triples (and SPARQL) syntax."""
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        text = '"' + _escape_string(self.value) + '"'
        if self.lang:
            return f"{text}@{self.lang}"
        if self.datatype and self.datatype != XSD_STRING:
            return f"{text}^^<{self.datatype}>"
        return text

    def to_json(self) -> dict:
        """The term as a W3C SPARQL 1.1 JSON results binding."""
        if self.kind == "uri":
            return {"type": "uri", "value": self.value}
        if self.kind == "bnode":
            return {"type": "bnode", "value": self.value}
        out = {"type": "literal", "value": self.value}
        if self.lang:
            out["xml:lang"] = self.lang
        elif self.datatype:
            out["datatype"] = self.datatype
        return out

    @classmethod
    def from_json(cls, data: dict) -> Term:
        """Read a W3C SPARQL 1.1 JSON results binding."""
        kind = data["type"]
        if kind == "typed-literal":  # SPARQL 1.0 JSON, still sent by some servers
            kind = "literal"
        if kind == "literal":
            return literal(data["value"], data.get("datatype"), data.get("xml:lang"))
        return cls(kind, data["value"])


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> Term:
    """A literal term with ``xsd:string`` and ``rdf:langString`` normalised away."""
    if lang:
        return Term("literal", value, None, lang.lower())
    if datatype in (XSD_STRING, RDF_LANGSTRING):
        datatype = None
    return Term("literal", value, datatype, None)


def _escape_string(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return out


@dataclass
class Result:
    """What a query returned. ``form`` is ``select``, ``ask`` or ``graph`` (CONSTRUCT, DESCRIBE)."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[list[Term | None]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.triples) if self.form == "graph" else len(self.rows) if self.form == "select" else 1

    def iris(self) -> set[str]:
        """Every IRI in the result."""
        terms = [t for row in self.rows for t in row] + [t for triple in self.triples for t in triple]
        return {t.value for t in terms if t is not None and t.kind == "uri"}
