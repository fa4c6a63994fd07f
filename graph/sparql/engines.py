"""The engines that run SPARQL queries, each on the store or dataset it is given.

:class:`OxigraphEngine` (a pyoxigraph store, persisted or in memory: the default),
:class:`MemoryEngine` (rdflib's SPARQL engine over an rdflib Dataset) and
:class:`~ketamine_kg.sparql.remote.RemoteEngine` (any SPARQL 1.1 endpoint over HTTP) follow :class:`Engine`
and return an engine-neutral :class:`~ketamine_kg.core.terms.Result`. Queries see
the union of the named graphs as their default graph.

Parameters are bound, never pasted into the query text: rdflib takes them as initial
bindings; for Oxigraph (whose substitutions cover projected variables only) and for
remote endpoints (which have no binding API) a ``VALUES`` block of each escaped term
opens the query's WHERE clause (:func:`ketamine_kg.sparql.lexer.with_values`).

The local engines make no request of their own: a query with ``SERVICE``, ``LOAD`` or a
``FROM`` naming a graph outside the dataset is refused before it is parsed
(:func:`check_local`, the endpoint's own check), unless the engine was made with
``allow_service=True`` (``query --allow-service``), which lets ``SERVICE`` through and
nothing else. rdflib's habit of fetching a ``FROM`` graph it does not hold is switched
off (``SPARQL_LOAD_GRAPHS``) whenever a :class:`MemoryEngine` is made.

Errors are typed: :class:`~ketamine_kg.errors.ReadOnlyError` for an update,
:class:`~ketamine_kg.errors.QueryError` for a query that cannot be parsed or run,
:class:`~ketamine_kg.errors.EndpointError` for an endpoint that fails.

rdflib and pyoxigraph are imported inside the methods that need them: the warm
``query`` path must not load rdflib, nor ``query --endpoint`` pyoxigraph.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
import warnings
import weakref
from pathlib import Path
from typing import Any, Protocol, cast

from ketamine_kg.core.curies import get_prefix_map
from ketamine_kg.core.terms import Result, Term, literal
from ketamine_kg.errors import EndpointError, KkgError, QueryError, ReadOnlyError, RefusedQueryError, escape_controls
from ketamine_kg.sparql.catalogue import NamedQuery, parse_query
from ketamine_kg.sparql.guard import check_query
from ketamine_kg.sparql.lexer import UPDATE_KEYWORDS, with_values
from ketamine_kg.sparql.oxigraph_terms import from_oxigraph

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
Triple = tuple[Term, Term, Term]  # a graph answer's triple: no unbound terms
_MISSING = object()  # not yet converted (a term may convert to None: an unbound variable)


class Engine(Protocol):
    """What every engine offers: a name, running a query, and looking up labels."""

    name: str

    def run(self, query: NamedQuery, bindings: dict[str, Term] | None = None, *,
            max_rows: int | None = None) -> Result:
        """Run ``query`` with ``bindings``; stop reading rows after ``max_rows``."""
        ...

    def labels(self, iris: set[str]) -> dict[str, str]:
        """IRI -> ``rdfs:label`` of those of ``iris`` that have one."""
        ...


def syntax_error(query: NamedQuery, line: int, column: int, message: str) -> QueryError:
    """A :class:`QueryError` at ``line``:``column`` of ``query``, quoting the line it blames."""
    lines = query.text.splitlines()
    shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    if len(shown) > 80:
        shown = shown[:79] + "…"
    message = " ".join(message.split())
    if "Prefix not found" in message:
        message = "undefined prefix (declare it with PREFIX)"
    elif len(message) > 160:
        message = message[:157] + "..."
    if not shown:  # the parser stopped at the end of the text (an empty line follows the last one)
        return QueryError(query.where, line, f"SPARQL syntax error: {message}; at the end of the query", column=column)
    return QueryError(query.where, line, f"SPARQL syntax error: {message}; the line reads: {shown}", column=column)


def check_not_update(query: NamedQuery) -> None:
    """Raise :class:`ReadOnlyError` if ``query`` is a SPARQL update: every engine here is read-only."""
    form = query.form
    if form in UPDATE_KEYWORDS:
        raise ReadOnlyError(query.where, None, f"{form} is a SPARQL update; this graph is read-only (only SELECT, ASK, CONSTRUCT and DESCRIBE)")


LOCAL_HINT = " (ketamine-kg query --allow-service allows SERVICE)"


def check_local(query: NamedQuery, allow_service: bool = False) -> None:
    """Raise :class:`RefusedQueryError` (at ``query``'s file) if ``query`` would make a local engine reach outside.

    >>> check_local(parse_query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "q"))
    Traceback (most recent call last):
    ...
    ketamine_kg.errors.RefusedQueryError: query: SERVICE is refused: a local query never makes requests to other servers (ketamine-kg query --allow-service allows SERVICE)
    """
    try:
        check_query(query.text, allow_service=allow_service, who="a local query", hint=LOCAL_HINT)
    except RefusedQueryError as exc:
        raise RefusedQueryError(query.where, None, exc.message) from None


def _failed(query: NamedQuery, exc: Exception) -> QueryError:
    return QueryError(query.where, None, f"query failed: {' '.join(str(exc).split())}")


class OxigraphEngine:
    """Run queries on a pyoxigraph store (persisted or in memory), union default graph."""

    name = "oxigraph"

    def __init__(self, store: Any, *, allow_service: bool = False):
        self.store = store
        self.allow_service = allow_service

    def run(self, query: NamedQuery, bindings: dict[str, Term] | None = None, *, max_rows: int | None = None) -> Result:
        """Run ``query`` with ``bindings``; stop reading rows after ``max_rows``."""
        import pyoxigraph as ox  # heavy: a native library

        check_not_update(query)
        check_local(query, self.allow_service)
        text = query.text
        if bindings:
            # pyoxigraph substitutes only projected variables, so bind with a VALUES block
            # of escaped terms; first check the text as written, so that syntax errors
            # point at the user's own line and column.
            self._query(ox.Store(), query, text, parse_only=True)
            text = with_values(text, bindings)
        answer = self._query(self.store, query, text)
        try:
            if isinstance(answer, ox.QueryBoolean):
                return Result("ask", boolean=bool(answer))
            if isinstance(answer, ox.QuerySolutions):
                variables = [v.value for v in answer.variables]
                rows = []
                # A solution iterates its values in the order of the variables (None where
                # unbound), and answers repeat their terms (a source, a modality, a statement
                # on every row): each term is converted once. Reading 21,000 rows of
                # `agreement` went from 1.35 s to 0.36 s.
                terms: dict[Any, object] = {None: None}
                for solution in answer:
                    row: list[Term | None] = []
                    for value in solution:
                        found = terms.get(value, _MISSING)
                        if found is _MISSING:
                            found = terms[value] = from_oxigraph(value)
                        row.append(cast("Term | None", found))
                    rows.append(row)
                    if max_rows is not None and len(rows) > max_rows:
                        break
                return Result("select", variables, rows)
            triples: dict = {}  # a graph is a set: drop the repeats the union default graph may give
            for triple in answer:
                triples[(from_oxigraph(triple.subject), from_oxigraph(triple.predicate), from_oxigraph(triple.object))] = None
                if max_rows is not None and len(triples) > max_rows:
                    break
            return Result("graph", triples=list(triples))
        except (OSError, RuntimeError, ValueError) as exc:
            raise _failed(query, exc) from None

    @staticmethod
    def _query(store: Any, query: NamedQuery, text: str, parse_only: bool = False) -> Any:
        try:
            # The store's default graph holds the union of its named graphs (store.load_quads).
            return store.query(text, prefixes=get_prefix_map())
        except SyntaxError as exc:
            match = re.match(r"error at (\d+):(\d+): (.*)", str(exc), re.S)
            if match:
                raise syntax_error(query, int(match[1]), int(match[2]), match[3]) from None
            raise QueryError(query.where, None, f"SPARQL syntax error: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            if parse_only:
                return None
            raise _failed(query, exc) from None

    def labels(self, iris: set[str]) -> dict[str, str]:
        """IRI -> ``rdfs:label`` (English first) of those of ``iris`` that have one."""
        import pyoxigraph as ox  # heavy: a native library

        label = ox.NamedNode(RDFS_LABEL)
        out: dict[str, str] = {}
        for iri in iris:
            best = None
            for quad in self.store.quads_for_pattern(ox.NamedNode(iri), label, None, None):
                lang = getattr(quad.object, "language", None)
                if best is None or lang == "en":
                    best = quad.object.value
                if lang == "en":
                    break
            if best is not None:
                out[iri] = best
        return out


class MemoryEngine:
    """Run queries with rdflib's SPARQL engine on an in-memory Dataset, union default graph.

    The engine queries its own view of ``rdf_dataset``: a Dataset over the same store
    whose default graph is the union of the named graphs. The caller's dataset is left
    as it was (its ``default_union`` included).
    """

    name = "memory"

    def __init__(self, rdf_dataset: Any, *, allow_service: bool = False):
        import rdflib.plugins.sparql
        from rdflib import Dataset  # heavy: rdflib, off the warm query path

        # rdflib fetches a FROM graph its dataset lacks from the web (Graph.parse of the IRI):
        # never here; a FROM names one of the dataset's own graphs or nothing.
        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
        self.dataset = Dataset(store=rdf_dataset.store, default_union=True)
        self.allow_service = allow_service

    @classmethod
    def from_nquads(cls, path: Path, *, allow_service: bool = False) -> MemoryEngine:
        """Load an N-Quads file (the store's copy of the graph)."""
        from rdflib import Dataset  # heavy: rdflib, off the warm query path

        dataset = Dataset(default_union=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(str(path), format="nquads")
        return cls(dataset, allow_service=allow_service)

    def run(self, query: NamedQuery, bindings: dict[str, Term] | None = None, *, max_rows: int | None = None) -> Result:
        """Run ``query`` with ``bindings`` as rdflib initial bindings."""
        from pyparsing import ParseException  # rdflib's parser raises it: loading it loads nothing more
        from rdflib import Variable
        from rdflib.plugins.sparql import prepareQuery

        check_not_update(query)
        check_local(query, self.allow_service)
        try:
            prepared = prepareQuery(query.text, initNs=get_prefix_map())
        except ParseException as exc:
            raise syntax_error(query, exc.lineno, exc.col, str(exc.msg)) from None
        except Exception as exc:  # rdflib reports unknown prefixes and the like as plain exceptions
            raise QueryError(query.where, None, f"SPARQL error: {' '.join(str(exc).split())}") from None
        init: dict[Any, Any] = {Variable(k): to_rdflib(v) for k, v in (bindings or {}).items()}
        with warnings.catch_warnings():
            # rdflib's union default graph goes through its own deprecated names, once per triple
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                return self._read(self.dataset.query(prepared, initBindings=init), max_rows)
            except KkgError:
                raise
            except Exception as exc:
                raise _failed(query, exc) from None

    @staticmethod
    def _read(answer: Any, max_rows: int | None) -> Result:
        if answer.type == "ASK":
            return Result("ask", boolean=bool(answer.askAnswer))
        if answer.type == "SELECT":
            variables = [str(v) for v in answer.vars]
            rows = []
            for row in answer:
                rows.append([from_rdflib(row[i]) for i in range(len(variables))])
                if max_rows is not None and len(rows) > max_rows:
                    break
            return Result("select", variables, rows)
        # a graph answer is a set, walked in an order that changes from run to run: sort it
        triples = sorted(answer.graph, key=lambda triple: tuple(term.n3() for term in triple))
        return Result("graph", triples=[cast(Triple, tuple(from_rdflib(t) for t in triple)) for triple in triples])

    def labels(self, iris: set[str]) -> dict[str, str]:
        """IRI -> ``rdfs:label`` of those of ``iris`` that have one."""
        from rdflib import RDFS, URIRef

        out = {}
        for iri in iris:
            values = list(self.dataset.objects(URIRef(iri), RDFS.label))
            if values:
                english = [v for v in values if getattr(v, "language", None) == "en"]
                out[iri] = str((english or values)[0])
        return out


def to_rdflib(term: Term) -> Any:
    """The rdflib term of ``term``.

    >>> to_rdflib(Term("uri", "http://x/a"))
    rdflib.term.URIRef('http://x/a')
    """
    from rdflib import BNode, Literal, URIRef  # heavy: rdflib, off the warm query path

    if term.kind == "uri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    return Literal(term.value, lang=term.lang, datatype=URIRef(term.datatype) if term.datatype else None)


def from_rdflib(term: Any) -> Term | None:
    """The :class:`Term` of an rdflib term (None for None, an unbound variable).

    >>> from rdflib import Literal
    >>> from_rdflib(Literal("hi", lang="en"))
    Term(kind='literal', value='hi', datatype=None, lang='en')
    """
    from rdflib import BNode, Literal  # heavy: rdflib, off the warm query path

    if term is None:
        return None
    if isinstance(term, Literal):
        return literal(str(term), str(term.datatype) if term.datatype else None, term.language)
    if isinstance(term, BNode):
        return Term("bnode", str(term))
    return Term("uri", str(term))


def run_query(engine: Engine, query: NamedQuery, values: dict[str, str] | None = None, *,
              max_rows: int | None = None) -> Result:
    """Bind ``values`` (parameter name -> text) to ``query`` and run it on ``engine``.

    Parameters not given take their defaults; a default that names the data (``@subject``
    ...) is read from the graph ``engine`` holds.
    """
    return engine.run(query, get_bindings(engine, query, values), max_rows=max_rows)


def get_bindings(engine: Engine, query: NamedQuery, values: dict[str, str] | None = None) -> dict[str, Term]:
    """``query``'s parameters bound to ``values``, defaults read from ``engine``'s graph where they name the data."""
    defaults = get_data_defaults(engine) if query.needs_data_defaults(values) else None
    return query.bindings(values, defaults)


# What the data-naming defaults are: the main subject (and its label) of the first source
# document, and the first claim of that document, by position.
_PREFIXES = """PREFIX kkgo: <https://w3id.org/ketamine-kg/ontology#>
PREFIX schema: <http://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""  # declared in the text: a remote endpoint knows none of the project's prefixes
_SUBJECT_QUERY = _PREFIXES + """SELECT ?subject WHERE {
  ?doc a kkgo:SourceDocument ; schema:about ?subject .
  OPTIONAL { ?doc kkgo:order ?n }
} ORDER BY ?n ?doc LIMIT 1"""
_CLAIM_QUERY = _PREFIXES + """SELECT ?id WHERE {
  ?claim a kkgo:Claim ; dcterms:identifier ?id ; kkgo:order ?at ; dcterms:source ?doc .
  OPTIONAL { ?doc kkgo:order ?n }
} ORDER BY ?n ?doc ?at ?id LIMIT 1"""
_DEFAULTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def get_data_defaults(engine: Engine) -> dict[str, str]:
    """The values of the data-naming defaults (``@subject``, ``@subject-label``, ``@first-claim``) in ``engine``'s graph.

    Asked once per engine and remembered; a default the graph does not answer is left out.
    """
    try:
        return _DEFAULTS[engine]
    except (KeyError, TypeError):
        pass
    found: dict[str, str] = {}
    subject = engine.run(parse_query(_SUBJECT_QUERY, "data-defaults"))
    if subject.rows and subject.rows[0][0] is not None:
        iri = subject.rows[0][0].value
        found["@subject"] = f"<{iri}>"
        label = engine.labels({iri}).get(iri)
        if label is not None:
            found["@subject-label"] = label
    claim = engine.run(parse_query(_CLAIM_QUERY, "data-defaults"))
    if claim.rows and claim.rows[0][0] is not None:
        found["@first-claim"] = claim.rows[0][0].value
    try:
        _DEFAULTS[engine] = found
    except TypeError:
        pass
    return found
