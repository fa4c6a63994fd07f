"""Named SPARQL queries and the engines that run them.

The catalogue is the ``.rq`` files of ``queries/`` (package ``ketamine_kg.queries``).
Each file starts with a block of ``#`` comment lines (see ``queries/README.md``)::

    # Which receptors does a substance act on, and how?
    # Free text explaining the answer (optional, any number of lines).
    # param: substance kkg:ketamine -- the substance to ask about
    # requires: internet

The first line is the question; ``param:`` lines name a variable of the query, its
default value and what it means. The kind of the default fixes the kind of every value:
an IRI (``<...>`` or a CURIE of a known prefix; a bare word is then read as an entity
id), an integer, or else a string literal. A value becomes one RDF term and is bound,
never pasted into the query text, so no value can change the query: rdflib takes it as
an initial binding; for Oxigraph (whose substitutions cover projected variables only)
and for remote endpoints (which have no binding API) a ``VALUES`` block of that one
escaped term opens the query's WHERE clause, found by a small lexer that skips strings,
IRIs and comments.

Engines: :class:`OxigraphEngine` (the persisted store, the default), :class:`MemoryEngine`
(rdflib's SPARQL engine over the same graph) and :class:`RemoteEngine` (any SPARQL 1.1
endpoint over HTTP). All return an engine-neutral :class:`~ketamine_kg.results.Result`.
Queries see the union of the named graphs as their default graph.
"""

from __future__ import annotations

import difflib
import json
import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ketamine_kg.core import iris as ns
from ketamine_kg.errors import KkgError
from ketamine_kg.core.terms import Result, Term, from_oxigraph, literal

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
QUERY_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
QUERY_KEYWORDS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}


@dataclass(frozen=True)
class Param:
    """A parameter of a named query: a variable, its default and what it means."""

    name: str
    default: str
    description: str = ""

    @property
    def kind(self) -> str:
        """``iri``, ``integer`` or ``string``: fixed by the form of the default."""
        return _value_kind(self.default)

    def bind(self, value: str, where: str = "--param") -> Term:
        """The RDF term for ``value``, read as this parameter's kind.

        >>> Param("substance", "kkg:ketamine").bind("esketamine").value
        'https://w3id.org/ketamine-kg/entity/esketamine'
        >>> Param("text", "pain").bind('x" } ; DROP ALL #').n3()
        '"x\\\\" } ; DROP ALL #"'
        """
        kind = self.kind
        if kind == "iri":
            return Term("uri", _to_iri(value, where, self.name))
        if kind == "integer":
            if not re.fullmatch(r"[+-]?\d+", value.strip()):
                raise KkgError(where, None, f"parameter {self.name!r} takes an integer, got {value!r}")
            return literal(str(int(value)), XSD_INTEGER)
        return literal(value)


@dataclass(frozen=True)
class NamedQuery:
    """A query of the catalogue (or a file, or inline text) with its header read."""

    name: str
    text: str
    question: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()
    requires: tuple[str, ...] = ()
    path: Path | None = None
    header_lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def where(self) -> str:
        """How errors name this query: its file, or ``query`` for inline text."""
        return str(self.path) if self.path else "query"

    @property
    def form(self) -> str:
        """SELECT, CONSTRUCT, ASK or DESCRIBE (or an update keyword)."""
        return query_form(self.text)

    def bindings(self, values: dict[str, str] | None = None) -> dict[str, Term]:
        """Every parameter bound: ``values`` where given, else the default."""
        values = dict(values or {})
        known = {p.name: p for p in self.params}
        for name in values:
            if name not in known:
                hint = f"; it takes {', '.join(sorted(known))}" if known else "; it takes no parameters"
                raise KkgError("--param", None, f"unknown parameter {name!r} for query {self.name!r}{hint}")
        return {p.name: p.bind(values.get(p.name, p.default)) for p in self.params}


def _value_kind(value: str) -> str:
    if value.startswith("<") and value.endswith(">"):
        return "iri"
    if re.fullmatch(r"[+-]?\d+", value):
        return "integer"
    prefix = value.split(":", 1)[0] if ":" in value else None
    if prefix and prefix in all_prefixes():
        return "iri"
    return "string"


def _to_iri(value: str, where: str, name: str) -> str:
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
    elif ":" in value and value.split(":", 1)[0] in all_prefixes():
        prefix, local = value.split(":", 1)
        iri = all_prefixes()[prefix] + local
    elif re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", value):
        iri = ns.entity_iri(value)
    elif re.match(r"^[a-z][a-z0-9+.-]*://", value):
        iri = value
    else:
        raise KkgError(where, None, f"parameter {name!r} takes an IRI: write <http://...>, a CURIE such as kkg:ketamine, or an entity id; got {value!r}")
    if not iri or re.search(r'[\s<>"{}|^`\\]', iri):
        raise KkgError(where, None, f"parameter {name!r}: {iri!r} is not a valid IRI")
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):  # a relative IRI such as <script> would fail later, blamed on the query
        raise KkgError(where, None, f"parameter {name!r}: {iri!r} is not an absolute IRI (it needs a scheme such as https:)")
    return iri


_PREFIXES: dict[str, str] | None = None


def all_prefixes() -> dict[str, str]:
    """The project's prefixes and those of ``prefixes.tsv`` (prefix -> namespace IRI)."""
    global _PREFIXES
    if _PREFIXES is None:
        from ketamine_kg.core.curies import prefix_table

        table = {p: iri for p, (iri, _) in prefix_table().items()}
        _PREFIXES = {**table, **ns.PREFIXES}
    return _PREFIXES


# --- the catalogue -----------------------------------------------------------------

def queries_dir() -> Path:
    """The folder of the named queries."""
    return Path(str(resources.files("ketamine_kg.queries")))


def parse_query(text: str, name: str, path: Path | None = None) -> NamedQuery:
    """Read the header of a query (question, description, params, requires)."""
    where = str(path) if path else "query"
    question = ""
    description: list[str] = []
    params: list[Param] = []
    requires: list[str] = []
    header_lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            if question:
                break
            continue
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        match = re.match(r"^(param|requires):\s*(.*)$", body)
        if match and match[1] == "param":
            spec, _, desc = match[2].partition(" -- ")
            parts = spec.split()
            if len(parts) != 2 or not PARAM_NAME.match(parts[0]):
                raise KkgError(where, number, "write a parameter as '# param: NAME DEFAULT -- what it means'")
            if parts[0] in header_lines:
                raise KkgError(where, number, f"parameter {parts[0]!r} is declared twice")
            if not re.search(r"[?$]" + re.escape(parts[0]) + r"\b", text):
                raise KkgError(where, number, f"parameter {parts[0]!r} is not a variable of the query")
            params.append(Param(parts[0], parts[1], desc.strip()))
            header_lines[parts[0]] = number
        elif match:
            requires.extend(match[2].replace(",", " ").split())
        elif not question:
            question = body
        elif body:
            description.append(body)
    return NamedQuery(name=name, text=text, question=question, description=" ".join(description),
                      params=tuple(params), requires=tuple(requires), path=path, header_lines=header_lines)


def load_query(path: Path) -> NamedQuery:
    """Read a ``.rq`` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KkgError(path, None, f"cannot read the query: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_query(text, path.stem, path)


def list_queries() -> list[NamedQuery]:
    """Every named query, sorted by name."""
    return [load_query(p) for p in sorted(queries_dir().glob("*.rq"))]


def get_query(spec: str) -> NamedQuery:
    """A named query, a ``.rq`` file, or inline SPARQL text.

    >>> get_query("SELECT * WHERE { ?s ?p ?o } LIMIT 1").name
    'query'
    """
    if QUERY_NAME.match(spec):
        path = queries_dir() / f"{spec}.rq"
        if path.is_file():
            return load_query(path)
    if "\n" not in spec and len(spec) < 4096 and (spec.endswith(".rq") or spec.endswith(".sparql") or "/" in spec) and Path(spec).is_file():
        return load_query(Path(spec))
    if query_form(spec) is not None:
        return parse_query(spec, "query")
    names = [p.stem for p in queries_dir().glob("*.rq")]
    close = difflib.get_close_matches(spec, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "; see ketamine-kg query --list"
    if spec.endswith((".rq", ".sparql")):
        raise KkgError(spec, None, "no such query file")
    raise KkgError(None, None, f"unknown query {spec!r}{hint}")


# --- a small SPARQL lexer: query form, WHERE clause position -------------------------

_TOKEN = re.compile(
    r'(?P<ws>\s+)|(?P<comment>#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r'|(?P<word>[A-Za-z_][A-Za-z0-9_-]*)'
    r'|(?P<other>.)', re.S)


def _tokens(text: str):
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        yield kind, match.group(), match.start()


def query_form(text: str) -> str | None:
    """The first query or update keyword after the prologue, upper-cased (None if none).

    >>> query_form("PREFIX a: <http://x/>\\n# ask?\\nask { ?s a:p 'SELECT' }")
    'ASK'
    """
    in_declaration = False
    for kind, value, _ in _tokens(text):
        if in_declaration:
            in_declaration = kind != "iri"  # PREFIX name: <iri> or BASE <iri> ends at its IRI
            continue
        if kind == "word":
            upper = value.upper()
            if upper in QUERY_KEYWORDS or upper in UPDATE_KEYWORDS:
                return upper
            if upper in ("PREFIX", "BASE"):
                in_declaration = True
                continue
        return None
    return None


def where_clause_start(text: str) -> int:
    """The offset just after the ``{`` that opens the query's top-level WHERE clause.

    >>> q = 'CONSTRUCT { ?s ?p "WHERE {" } WHERE { ?s ?p ?o }'
    >>> q[where_clause_start(q):]
    ' ?s ?p ?o }'
    """
    depth = 0
    form = None
    seen_where = False
    for kind, value, start in _tokens(text):
        if kind == "word":
            upper = value.upper()
            if form is None and upper in QUERY_KEYWORDS:
                form = upper
            elif depth == 0 and upper == "WHERE":
                seen_where = True
        elif value == "{":
            if depth == 0 and (seen_where or form in ("SELECT", "ASK", "DESCRIBE")):
                return start + 1
            depth += 1
        elif value == "}":
            depth -= 1
    raise KkgError(None, None, "the query has no WHERE clause to bind parameters in")


def with_values(text: str, bindings: dict[str, Term]) -> str:
    """``text`` with a VALUES block of ``bindings`` opening its WHERE clause (for remote endpoints).

    The terms are written in N-Triples syntax, escaped, so a value can never end the block.

    >>> with_values("SELECT ?x WHERE { ?x ?p ?o }", {"o": literal('a"}')})
    'SELECT ?x WHERE { VALUES (?o) { ("a\\\\"}") } ?x ?p ?o }'
    """
    if not bindings:
        return text
    at = where_clause_start(text)
    names = " ".join(f"?{n}" for n in bindings)
    values = " ".join(t.n3() for t in bindings.values())
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }}{text[at:]}"


# --- engines -------------------------------------------------------------------------

def _syntax_error(query: NamedQuery, line: int, column: int, message: str) -> KkgError:
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
        return KkgError(query.where, line, f"SPARQL syntax error: {message}; at the end of the query", column=column)
    return KkgError(query.where, line, f"SPARQL syntax error: {message}; the line reads: {shown}", column=column)


def _check_not_update(query: NamedQuery) -> None:
    form = query.form
    if form in UPDATE_KEYWORDS:
        raise KkgError(query.where, None, f"{form} is a SPARQL update; this graph is read-only (only SELECT, ASK, CONSTRUCT and DESCRIBE)")


class OxigraphEngine:
    """Run queries on a pyoxigraph store (persisted or in memory), union default graph."""

    name = "oxigraph"

    def __init__(self, store):
        self.store = store

    def run(self, query: NamedQuery, bindings: dict[str, Term] | None = None, *, max_rows: int | None = None) -> Result:
        """Run ``query`` with ``bindings``; stop reading rows after ``max_rows``."""
        import pyoxigraph as ox

        _check_not_update(query)
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
                for solution in answer:
                    rows.append([from_oxigraph(solution[v]) for v in variables])
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
            raise KkgError(query.where, None, f"query failed: {' '.join(str(exc).split())}") from None

    @staticmethod
    def _query(store, query: NamedQuery, text: str, parse_only: bool = False):
        try:
            # The store's default graph holds the union of its named graphs (store.load_quads).
            return store.query(text, prefixes=all_prefixes())
        except SyntaxError as exc:
            match = re.match(r"error at (\d+):(\d+): (.*)", str(exc), re.S)
            if match:
                raise _syntax_error(query, int(match[1]), int(match[2]), match[3]) from None
            raise KkgError(query.where, None, f"SPARQL syntax error: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            if parse_only:
                return None
            raise KkgError(query.where, None, f"query failed: {' '.join(str(exc).split())}") from None

    def labels(self, iris: set[str]) -> dict[str, str]:
        """IRI -> ``rdfs:label`` (English first) of those of ``iris`` that have one."""
        import pyoxigraph as ox

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
    """Run queries with rdflib's SPARQL engine on an in-memory Dataset, union default graph."""

    name = "memory"

    def __init__(self, rdf_dataset):
        rdf_dataset.default_union = True
        self.dataset = rdf_dataset

    @classmethod
    def from_nquads(cls, path: Path) -> MemoryEngine:
        """Load an N-Quads file (the store's copy of the graph)."""
        from rdflib import Dataset

        dataset = Dataset(default_union=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(str(path), format="nquads")
        return cls(dataset)

    def run(self, query: NamedQuery, bindings: dict[str, Term] | None = None, *, max_rows: int | None = None) -> Result:
        """Run ``query`` with ``bindings`` as rdflib initial bindings."""
        from pyparsing import ParseException
        from rdflib import BNode, Literal, URIRef, Variable
        from rdflib.plugins.sparql import prepareQuery

        _check_not_update(query)
        try:
            prepared = prepareQuery(query.text, initNs=dict(all_prefixes()))
        except ParseException as exc:
            raise _syntax_error(query, exc.lineno, exc.col, str(exc.msg)) from None
        except Exception as exc:  # rdflib reports unknown prefixes and the like as plain exceptions
            raise KkgError(query.where, None, f"SPARQL error: {' '.join(str(exc).split())}") from None

        def to_rdflib(term: Term):
            if term.kind == "uri":
                return URIRef(term.value)
            if term.kind == "bnode":
                return BNode(term.value)
            return Literal(term.value, lang=term.lang, datatype=URIRef(term.datatype) if term.datatype else None)

        init = {Variable(k): to_rdflib(v) for k, v in (bindings or {}).items()}
        with warnings.catch_warnings():
            # rdflib's union default graph goes through its own deprecated names, once per triple
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                return self._read(self.dataset.query(prepared, initBindings=init), max_rows)
            except KkgError:
                raise
            except Exception as exc:
                raise KkgError(query.where, None, f"query failed: {' '.join(str(exc).split())}") from None

    @staticmethod
    def _read(answer, max_rows: int | None) -> Result:
        if answer.type == "ASK":
            return Result("ask", boolean=bool(answer.askAnswer))
        if answer.type == "SELECT":
            variables = [str(v) for v in answer.vars]
            rows = []
            for row in answer:
                rows.append([_from_rdflib(row[i]) for i in range(len(variables))])
                if max_rows is not None and len(rows) > max_rows:
                    break
            return Result("select", variables, rows)
        # a graph answer is a set, walked in an order that changes from run to run: sort it
        triples = sorted(answer.graph, key=lambda triple: tuple(term.n3() for term in triple))
        return Result("graph", triples=[tuple(_from_rdflib(t) for t in triple) for triple in triples])

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


def _from_rdflib(term) -> Term | None:
    from rdflib import BNode, Literal

    if term is None:
        return None
    if isinstance(term, Literal):
        return literal(str(term), str(term.datatype) if term.datatype else None, term.language)
    if isinstance(term, BNode):
        return Term("bnode", str(term))
    return Term("uri", str(term))


class RemoteEngine:
    """Run queries on any SPARQL 1.1 endpoint over HTTP (the SPARQL 1.1 Protocol)."""

    name = "remote"

    def __init__(self, endpoint: str, timeout: float = 60.0):
        self.endpoint = endpoint
        self.timeout = timeout

    def run(self, query: NamedQuery, bindings: dict[str, Term] | None = None, *, max_rows: int | None = None) -> Result:
        """POST ``query`` (with ``bindings`` as a VALUES block) and read the answer."""
        import urllib.error
        import urllib.request

        _check_not_update(query)
        text = with_values(query.text, bindings or {})
        graph = query.form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples, text/turtle;q=0.5" if graph else "application/sparql-results+json"
        request = urllib.request.Request(self.endpoint, data=text.encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                                  "Accept": accept, "User-Agent": "ketamine-kg"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read()[:300].decode("utf-8", "replace").split())
            raise KkgError(self.endpoint, None, f"the endpoint answered {exc.code} {exc.reason}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise KkgError(self.endpoint, None, f"cannot reach the endpoint: {reason}") from None
        if graph:
            import pyoxigraph as ox

            fmt = ox.RdfFormat.TURTLE if "turtle" in content_type else ox.RdfFormat.N_TRIPLES
            triples = [tuple(from_oxigraph(t) for t in (q.subject, q.predicate, q.object)) for q in ox.parse(body, format=fmt)]
            return Result("graph", triples=triples)
        try:
            data = json.loads(body)
        except ValueError:
            raise KkgError(self.endpoint, None, f"the endpoint did not send SPARQL JSON results (got {content_type or 'no type'})") from None
        if "boolean" in data:
            return Result("ask", boolean=bool(data["boolean"]))
        variables = data["head"]["vars"]
        rows = [[Term.from_json(b[v]) if v in b else None for v in variables] for b in data["results"]["bindings"]]
        return Result("select", variables, rows[: (max_rows + 1) if max_rows is not None else None])

    def labels(self, iris: set[str]) -> dict[str, str]:
        """IRI -> label, asked of the endpoint in one query."""
        if not iris:
            return {}
        query = parse_query("SELECT ?s ?label WHERE { VALUES ?s { " + " ".join(f"<{i}>" for i in sorted(iris)
                            if not re.search(r'[\s<>"{}|^`\\]', i)) + " } ?s <" + RDFS_LABEL + "> ?label }", "labels")
        try:
            result = self.run(query)
        except KkgError:
            return {}
        return {row[0].value: row[1].value for row in result.rows if row[0] is not None and row[1] is not None}




def run_query(engine, query: NamedQuery, values: dict[str, str] | None = None, *, max_rows: int | None = None) -> Result:
    """Bind ``values`` (parameter name -> text) to ``query`` and run it on ``engine``."""
    return engine.run(query, query.bindings(values), max_rows=max_rows)


def parse_param_options(options: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``("name=value", ...)`` -> ``{"name": "value"}``; a value may contain ``=``.

    >>> parse_param_options(["substance=kkg:esketamine", "text=a=b"])
    {'substance': 'kkg:esketamine', 'text': 'a=b'}
    """
    values: dict[str, str] = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not PARAM_NAME.match(name.strip()):
            raise KkgError("--param", None, f"write a parameter as NAME=VALUE, got {option!r}")
        values[name.strip()] = value
    return values
