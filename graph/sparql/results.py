"""The formats of query results: SPARQL 1.1 results, RDF for graphs, and a terminal table.

``to_bytes(result, fmt)`` writes a :class:`~ketamine_kg.core.terms.Result` in the W3C
SPARQL 1.1 Query Results formats (JSON, CSV, TSV, XML), RDF for graph results (Turtle,
N-Triples, JSON-LD, RDF/XML), and ``table``: columns aligned for a terminal, with each
IRI shortened to a CURIE of the project's one prefix map and followed by its label.
``iter_bytes(result, fmt)`` gives the same bytes in pieces, written a batch of rows at a
time where the format allows it (the endpoint streams them). ``media_type(result, fmt)``
is the HTTP content type of each.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ketamine_kg.core.curies import compact, get_prefix_map
from ketamine_kg.core.terms import Result, Term
from ketamine_kg.errors import QueryError, escape_controls
from ketamine_kg.sparql.oxigraph_terms import to_oxigraph

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
PIECE_BYTES = 64 * 1024  # the size of the pieces of iter_bytes (the last one may be shorter)
NT_BATCH = 1000  # triples written to N-Triples at a time by iter_bytes
MIN_CELL_WIDTH = 12  # a column fitted to the terminal keeps at least this many characters (or its header's)


def media_type(result: Result, fmt: str) -> str:
    """The media type of ``result`` written in ``fmt``."""
    return (GRAPH_MEDIA_TYPES if result.form == "graph" else MEDIA_TYPES)[fmt]


def to_bytes(result: Result, fmt: str, *, labels: dict[str, str] | None = None, width: int | None = None) -> bytes:
    """Write ``result`` in ``fmt``: table, json, csv, tsv or xml (and turtle or nt for graphs).

    ``labels`` (IRI -> label) are used by ``table``; IRIs are shortened with the
    project's one prefix map (:func:`ketamine_kg.core.curies.compact`) there and in Turtle.
    ``width`` fits the table's lines into that many characters (None: every cell whole).
    """
    if result.form == "graph":
        data = _graph_to_bytes(result, fmt, get_prefix_map())
        if fmt == "table":  # Turtle for a terminal: control characters as Turtle's \\u escapes
            return escape_controls(data.decode("utf-8"), keep="\n", turtle=True).encode("utf-8")
        return data
    if fmt in ("turtle", "nt"):
        raise QueryError(None, None, f"--format {fmt} is for CONSTRUCT and DESCRIBE results; use table, json, csv, tsv or xml")
    writer = {"json": _to_json, "csv": _to_csv, "tsv": _to_tsv, "xml": _to_xml}.get(fmt)
    if writer is not None:
        return writer(result)
    return to_table(result, labels or {}, width=width).encode("utf-8")


def iter_bytes(result: Result, fmt: str, size: int = PIECE_BYTES) -> Iterator[bytes]:
    """The bytes of ``to_bytes(result, fmt)`` in pieces of ``size`` bytes (the last may be shorter).

    SPARQL JSON, XML, CSV and TSV, and graphs in N-Triples, CSV and TSV, are written a few
    rows (or triples) at a time, so beyond the result itself only about a piece is held at
    once. Turtle, JSON-LD and RDF/XML are written whole by Oxigraph (they group and prefix
    across the whole graph), then cut; ``table`` too.
    """
    if result.form == "graph" and fmt == "nt":
        parts: Iterable[str | bytes] = _nt_parts(result)
    elif result.form == "graph" and fmt in ("csv", "tsv"):
        parts = _parts(_triple_rows(result), fmt)
    elif result.form != "graph" and fmt in ("json", "csv", "tsv", "xml"):
        parts = _parts(result, fmt)
    else:
        parts = [to_bytes(result, fmt)]
    return _recut(parts, size)


def _recut(parts: Iterable[str | bytes], size: int) -> Iterator[bytes]:
    """``parts`` (text as UTF-8) joined and cut again into pieces of ``size`` bytes."""
    buffer = bytearray()
    for part in parts:
        buffer += part.encode("utf-8") if isinstance(part, str) else part
        if len(buffer) >= size:
            whole = len(buffer) - len(buffer) % size
            view = memoryview(buffer)  # a long literal can be many pieces: no copy of the rest for each
            try:
                for start in range(0, whole, size):
                    yield bytes(view[start:start + size])
            finally:
                view.release()
            del buffer[:whole]
    if buffer:
        yield bytes(buffer)


def _parts(result: Result, fmt: str) -> Iterator[str]:
    return {"json": _json_parts, "csv": _csv_parts, "tsv": _tsv_parts, "xml": _xml_parts}[fmt](result)


def _join(parts: Iterable[str]) -> bytes:
    return "".join(parts).encode("utf-8")


def _triple_rows(result: Result) -> Result:
    """A graph result as a SELECT of ``subject``, ``predicate``, ``object`` (its CSV and TSV)."""
    return Result("select", ["subject", "predicate", "object"], [list(t) for t in result.triples])


def _to_json(result: Result) -> bytes:
    return _join(_json_parts(result))


def _json_parts(result: Result) -> Iterator[str]:
    """``json.dumps(..., ensure_ascii=False, indent=1)`` of the whole answer, a binding at a time."""
    if result.form == "ask" or not result.rows:
        data: dict = ({"head": {}, "boolean": bool(result.boolean)} if result.form == "ask"
                      else {"head": {"vars": result.variables}, "results": {"bindings": []}})
        yield json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        return
    # the document with one placeholder binding (0, at the bindings' depth of three), split around it
    frame = json.dumps({"head": {"vars": result.variables}, "results": {"bindings": [0]}}, ensure_ascii=False, indent=1)
    before, after = frame.rsplit("\n   0\n", 1)
    yield before
    for n, row in enumerate(result.rows):
        binding = {v: t.to_json() for v, t in zip(result.variables, row) if t is not None}
        # JSON text holds no raw newline, so each line can be indented three more
        yield ("\n   " if n == 0 else ",\n   ") + json.dumps(binding, ensure_ascii=False, indent=1).replace("\n", "\n   ")
    yield "\n" + after + "\n"


def _to_csv(result: Result) -> bytes:
    return _join(_csv_parts(result))


def _csv_parts(result: Result) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if result.form == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
    else:
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(["" if t is None else (f"_:{t.value}" if t.kind == "bnode" else t.value) for t in row])
            if out.tell() >= PIECE_BYTES:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()


def _to_tsv(result: Result) -> bytes:
    return _join(_tsv_parts(result))


def _tsv_parts(result: Result) -> Iterator[str]:
    if result.form == "ask":
        yield "?boolean\n" + ("true\n" if result.boolean else "false\n")
        return
    yield "\t".join("?" + v for v in result.variables) + "\n"
    for row in result.rows:
        yield "\t".join("" if t is None else t.n3() for t in row) + "\n"


def _to_xml(result: Result) -> bytes:
    return _join(_xml_parts(result))


def _xml_parts(result: Result) -> Iterator[str]:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
    for var in result.variables:
        out.append(f"    <variable name={quoteattr(var)}/>")
    out.append("  </head>")
    if result.form == "ask":
        out.append(f"  <boolean>{'true' if result.boolean else 'false'}</boolean>")
        yield "\n".join(out) + "\n</sparql>\n"
        return
    out.append("  <results>")
    yield "\n".join(out) + "\n"
    for row in result.rows:
        cells = "".join(f"      <binding name={quoteattr(var)}>{_xml_term(term)}</binding>\n"
                        for var, term in zip(result.variables, row) if term is not None)
        yield "    <result>\n" + cells + "    </result>\n"
    yield "  </results>\n</sparql>\n"


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
        return _join(_parts(_triple_rows(result), fmt))
    import pyoxigraph as ox  # heavy: a native library, not needed for SELECT results

    rdf_format = {"table": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "json": ox.RdfFormat.JSON_LD, "xml": ox.RdfFormat.RDF_XML}[fmt]
    triples = _ox_triples(result)
    if fmt == "nt":
        triples.sort(key=str)
    used = {p: ns for p, ns in prefixes.items() if any(t.kind == "uri" and t.value.startswith(ns) for tr in result.triples for t in tr)}
    kwargs: dict[str, Any] = {"prefixes": used} if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
    data = ox.serialize(triples, format=rdf_format, **kwargs)
    assert data is not None  # no output file given: the bytes are returned
    return data


def _ox_triples(result: Result) -> list:
    import pyoxigraph as ox

    return [ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in result.triples]


def _nt_parts(result: Result) -> Iterator[bytes]:
    """N-Triples of a graph result, sorted as ``to_bytes`` sorts them, :data:`NT_BATCH` triples at a time."""
    import pyoxigraph as ox

    triples = _ox_triples(result)
    triples.sort(key=str)
    for start in range(0, len(triples), NT_BATCH):
        data = ox.serialize(triples[start:start + NT_BATCH], format=ox.RdfFormat.N_TRIPLES)
        assert data is not None  # no output file given: the bytes are returned
        yield data


def display_iri(iri: str) -> str:
    """``iri`` as the table shows it: a CURIE of the project's prefix map, else ``<iri>``.

    >>> display_iri("https://w3id.org/ketamine-kg/entity/ketamine"), display_iri("http://example.org/x")
    ('kkg:ketamine', '<http://example.org/x>')
    """
    return compact(iri) or f"<{iri}>"


def _cell(term: Term | None, labels: dict[str, str]) -> str:
    if term is None:
        return ""
    if term.kind == "uri":
        text = display_iri(term.value)
        label = labels.get(term.value)
        if label and label != text.split(":", 1)[-1]:
            text += f" ({label})"
    elif term.kind == "bnode":
        text = f"_:{term.value}"
    else:
        text = term.value
    return escape_controls(" ".join(text.split()))


def fit_widths(widths: list[int], headers: list[str], width: int) -> list[int]:
    """Column widths whose lines (two spaces between columns) fit ``width``: the widest columns give way first.

    No column goes below :data:`MIN_CELL_WIDTH` (or its header), so a table too wide even then
    stays wider than ``width``.

    >>> fit_widths([10, 60, 40], ["a", "b", "c"], 80)
    [10, 33, 33]
    """
    widths = list(widths)
    floors = [min(w, max(MIN_CELL_WIDTH, len(h))) for w, h in zip(widths, headers)]
    while sum(widths) + 2 * (len(widths) - 1) > width:
        excess = sum(widths) + 2 * (len(widths) - 1) - width
        widest = max(range(len(widths)), key=lambda i: (widths[i] - floors[i], widths[i]))
        if widths[widest] <= floors[widest]:
            break
        others = sorted((w for i, w in enumerate(widths) if i != widest), reverse=True)
        target = max(floors[widest], widths[widest] - excess, others[0] if others else 0)
        widths[widest] = target if target < widths[widest] else widths[widest] - 1
    return widths


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def to_table(result: Result, labels: dict[str, str], *, width: int | None = None) -> str:
    """An aligned text table of a SELECT result (or ``true``/``false`` for ASK).

    >>> from ketamine_kg.core.terms import literal
    >>> a = "https://w3id.org/ketamine-kg/entity/a"
    >>> r = Result("select", ["s", "n"], [[Term("uri", a), literal("1", "http://www.w3.org/2001/XMLSchema#integer")]])
    >>> print(to_table(r, {a: "thing A"}), end="")
    s                n
    ---------------  -
    kkg:a (thing A)  1
    (1 row)
    """
    if result.form == "ask":
        return ("true" if result.boolean else "false") + "\n"
    header = list(result.variables)
    body = [[_cell(t, labels) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    widths = [max(w, 1) for w in widths]
    if width is not None:
        widths = fit_widths(widths, header, width)
        body = [[_cut(c, w) for c, w in zip(r, widths)] for r in body]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    lines = [line(header), line(["-" * w for w in widths])] + [line(r) for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"
