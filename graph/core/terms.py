"""Query results, engine-neutral, and their formats.

A :class:`Result` holds what any engine returned (SELECT rows, an ASK boolean or the
triples of a CONSTRUCT/DESCRIBE) as plain :class:`Term` values, so every engine's
answer prints the same way. ``to_bytes(result, fmt)`` writes the W3C SPARQL 1.1 Query
Results formats (JSON, CSV, TSV, XML), RDF for graph results, and ``table``: columns
aligned for a terminal, with each IRI shortened to a CURIE and followed by its label.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SELECT_FORMATS = ("table", "json", "csv", "tsv", "xml")
GRAPH_FORMATS = ("table", "turtle", "nt", "json", "xml", "csv", "tsv")
FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "nt")
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "table": "text/plain; charset=utf-8",
}
GRAPH_MEDIA_TYPES = {
    "turtle": "text/turtle; charset=utf-8",
    "table": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "json": "application/ld+json",
    "xml": "application/rdf+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
TABLE_CELL_WIDTH = 72


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


def media_type(result: Result, fmt: str) -> str:
    """The media type of ``result`` written in ``fmt``."""
    return (GRAPH_MEDIA_TYPES if result.form == "graph" else MEDIA_TYPES)[fmt]


def to_bytes(result: Result, fmt: str, *, labels: dict[str, str] | None = None, prefixes: dict[str, str] | None = None) -> bytes:
    """Write ``result`` in ``fmt``: table, json, csv, tsv or xml (and turtle or nt for graphs).

    ``labels`` (IRI -> label) and ``prefixes`` (prefix -> namespace) are used by ``table``
    and by Turtle.
    """
    if result.form == "graph":
        return _graph_to_bytes(result, fmt, prefixes or {})
    if fmt in ("turtle", "nt"):
        from ketamine_kg.errors import KkgError

        raise KkgError(None, None, f"--format {fmt} is for CONSTRUCT and DESCRIBE results; use table, json, csv, tsv or xml")
    writer = {"json": _to_json, "csv": _to_csv, "tsv": _to_tsv, "xml": _to_xml}.get(fmt)
    if writer is not None:
        return writer(result)
    return to_table(result, labels or {}, prefixes or {}).encode("utf-8")


def _to_json(result: Result) -> bytes:
    if result.form == "ask":
        data = {"head": {}, "boolean": bool(result.boolean)}
    else:
        bindings = [{v: t.to_json() for v, t in zip(result.variables, row) if t is not None} for row in result.rows]
        data = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _to_csv(result: Result) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if result.form == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
    else:
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(["" if t is None else (f"_:{t.value}" if t.kind == "bnode" else t.value) for t in row])
    return out.getvalue().encode("utf-8")


def _to_tsv(result: Result) -> bytes:
    if result.form == "ask":
        return b"?boolean\n" + (b"true\n" if result.boolean else b"false\n")
    lines = ["\t".join("?" + v for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else t.n3() for t in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _to_xml(result: Result) -> bytes:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
    for var in result.variables:
        out.append(f"    <variable name={quoteattr(var)}/>")
    out.append("  </head>")
    if result.form == "ask":
        out.append(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("  <results>")
        for row in result.rows:
            out.append("    <result>")
            for var, term in zip(result.variables, row):
                if term is None:
                    continue
                out.append(f"      <binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _xml_term(term: Term) -> str:
    if term.kind == "uri":
        return f"<uri>{escape(term.value)}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    attrs = ""
    if term.lang:
        attrs = f" xml:lang={quoteattr(term.lang)}"
    elif term.datatype:
        attrs = f" datatype={quoteattr(term.datatype)}"
    return f"<literal{attrs}>{escape(term.value)}</literal>"


def _graph_to_bytes(result: Result, fmt: str, prefixes: dict[str, str]) -> bytes:
    if fmt in ("csv", "tsv"):
        rows = Result("select", ["subject", "predicate", "object"], [list(t) for t in result.triples])
        return _to_csv(rows) if fmt == "csv" else _to_tsv(rows)
    import pyoxigraph as ox

    rdf_format = {"table": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "json": ox.RdfFormat.JSON_LD, "xml": ox.RdfFormat.RDF_XML}[fmt]
    triples = [ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in result.triples]
    if fmt == "nt":
        triples.sort(key=str)
    used = {p: ns for p, ns in prefixes.items() if any(t.kind == "uri" and t.value.startswith(ns) for tr in result.triples for t in tr)}
    kwargs = {"prefixes": used} if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
    return ox.serialize(triples, format=rdf_format, **kwargs)


def to_oxigraph(term: Term):
    """The pyoxigraph term of ``term``."""
    import pyoxigraph as ox

    if term.kind == "uri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    if term.datatype:
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    return ox.Literal(term.value)


def from_oxigraph(term) -> Term | None:
    """The :class:`Term` of a pyoxigraph term."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        return literal(term.value, term.datatype.value if term.datatype else None, term.language)
    raise TypeError(f"unsupported RDF term {term!r}")


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``iri`` as a CURIE with the longest matching namespace of ``prefixes``, else ``<iri>``.

    >>> compact("https://w3id.org/ketamine-kg/entity/ketamine", {"kkg": "https://w3id.org/ketamine-kg/entity/"})
    'kkg:ketamine'
    >>> compact("http://example.org/x", {})
    '<http://example.org/x>'
    """
    best = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(prefixes.get(best, "")) and len(iri) > len(ns):
            best = prefix
    if best:
        return f"{best}:{iri[len(prefixes[best]):]}"
    return f"<{iri}>"


def _cell(term: Term | None, labels: dict[str, str], prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if term.kind == "uri":
        text = compact(term.value, prefixes)
        label = labels.get(term.value)
        if label and label != text.split(":", 1)[-1]:
            text += f" ({label})"
    elif term.kind == "bnode":
        text = f"_:{term.value}"
    else:
        text = term.value
    text = " ".join(text.split())
    if len(text) > TABLE_CELL_WIDTH:
        text = text[: TABLE_CELL_WIDTH - 1] + "…"
    return text


def to_table(result: Result, labels: dict[str, str], prefixes: dict[str, str]) -> str:
    """An aligned text table of a SELECT result (or ``true``/``false`` for ASK).

    >>> r = Result("select", ["s", "n"], [[Term("uri", "http://x/a"), literal("1", "http://www.w3.org/2001/XMLSchema#integer")]])
    >>> print(to_table(r, {"http://x/a": "thing A"}, {"x": "http://x/"}), end="")
    s              n
    -------------  -
    x:a (thing A)  1
    (1 row)
    """
    if result.form == "ask":
        return ("true" if result.boolean else "false") + "\n"
    header = list(result.variables)
    body = [[_cell(t, labels, prefixes) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    widths = [max(w, 1) for w in widths]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    lines = [line(header), line(["-" * w for w in widths])] + [line(r) for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"
