"""The named SPARQL queries: the ``.rq`` files of ``queries/``, their headers and parameters.

The catalogue is the ``.rq`` files of ``queries/`` (package ``ketamine_kg.queries``).
Each file starts with a block of ``#`` comment lines (see ``queries/README.md``)::

    # Which receptors does a substance act on, and how?
    # Free text explaining the answer (optional, any number of lines).
    # param: substance kkg:ketamine -- the substance to ask about
    # requires: internet
    # scope: corpus

The first line is the question; ``param:`` lines name a variable of the query, its
default value and what it means. A default may name the data instead of a value, so that
every question has its answer on any article: ``@subject`` (the entity the article is
mainly about, ``source.yaml``'s ``subject``), ``@subject-label`` (its label) or
``@first-claim`` (the id of the article's first claim); the engine the query runs on
answers them (:func:`ketamine_kg.sparql.engines.get_data_defaults`). The kind of the default fixes the kind of every value:
an IRI (``<...>`` or a CURIE of a known prefix; a bare word is then read as an entity
id), an integer, or else a string literal. A value becomes one RDF term and is bound,
never pasted into the query text, so no value can change the query (the engines bind
it: see :mod:`ketamine_kg.sparql.engines`). ``scope: corpus`` marks a question that compares
sources (``agreement``, ``conflicts``): it has an answer only where two or more articles are
built together, and a site of one article says so instead of running it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ketamine_kg.core import iris as ns
from ketamine_kg.core.curies import get_prefix_map
from ketamine_kg.core.terms import Term, literal
from ketamine_kg.errors import QueryError
from ketamine_kg.sparql.lexer import query_form

XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
QUERY_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Old names of named queries, kept working for a release: old name -> current name.
RENAMED_QUERIES = {"receptors-of-ketamine": "receptors-of-substance"}
# Defaults that name the data: name -> (kind of value, what it is, for messages).
DATA_DEFAULTS = {
    "@subject": ("iri", "main subject"),
    "@subject-label": ("string", "main subject's label"),
    "@first-claim": ("string", "first claim"),
}


@dataclass(frozen=True)
class Param:
    """A parameter of a named query: a variable, its default and what it means."""

    name: str
    default: str
    description: str = ""

    @property
    def kind(self) -> str:
        """``iri``, ``integer`` or ``string``: fixed by the form of the default.

        >>> Param("substance", "@subject").kind, Param("claim_id", "@first-claim").kind
        ('iri', 'string')
        """
        if self.default in DATA_DEFAULTS:
            return DATA_DEFAULTS[self.default][0]
        return value_kind(self.default)

    @property
    def from_data(self) -> bool:
        """Whether the default names the data (``@subject`` ...) rather than a value."""
        return self.default in DATA_DEFAULTS

    def bind(self, value: str, where: str = "--param") -> Term:
        """The RDF term for ``value``, read as this parameter's kind.

        >>> Param("substance", "kkg:ketamine").bind("esketamine").value
        'https://w3id.org/ketamine-kg/entity/esketamine'
        >>> Param("text", "pain").bind('x" } ; DROP ALL #').n3()
        '"x\\\\" } ; DROP ALL #"'
        """
        kind = self.kind
        if kind == "iri":
            return Term("uri", to_iri(value, where, self.name))
        if kind == "integer":
            if not re.fullmatch(r"[+-]?\d+", value.strip()):
                raise QueryError(where, None, f"parameter {self.name!r} takes an integer, got {value!r}")
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
    # "corpus" for a question that compares sources, so needs two or more articles; "" otherwise.
    scope: str = ""
    header_lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def where(self) -> str:
        """How errors name this query: its file, or ``query`` for inline text."""
        return str(self.path) if self.path else "query"

    @property
    def form(self) -> str | None:
        """SELECT, CONSTRUCT, ASK or DESCRIBE (or an update keyword)."""
        return query_form(self.text)

    def bindings(self, values: dict[str, str] | None = None, defaults: dict[str, str] | None = None) -> dict[str, Term]:
        """Every parameter bound: ``values`` where given, else the default.

        A default that names the data (``@subject`` ...) takes its value from ``defaults``
        (what :func:`~ketamine_kg.sparql.engines.get_data_defaults` read from the graph).
        """
        values = dict(values or {})
        known = {p.name: p for p in self.params}
        for name in values:
            if name not in known:
                hint = f"; it takes {', '.join(sorted(known))}" if known else "; it takes no parameters"
                raise QueryError("--param", None, f"unknown parameter {name!r} for query {self.name!r}{hint}")
        bound = {}
        for p in self.params:
            if p.name in values:
                bound[p.name] = p.bind(values[p.name])
            elif p.from_data:
                value = (defaults or {}).get(p.default)
                if value is None:
                    raise QueryError("--param", None, f"query {self.name!r}: parameter {p.name!r} defaults to the article's "
                                     f"{DATA_DEFAULTS[p.default][1]}, which this graph does not name; pass --param {p.name}=VALUE")
                bound[p.name] = p.bind(value)
            else:
                bound[p.name] = p.bind(p.default)
        return bound

    def needs_data_defaults(self, values: dict[str, str] | None = None) -> bool:
        """Whether binding with ``values`` needs a default read from the data."""
        return any(p.from_data and p.name not in (values or {}) for p in self.params)


def value_kind(value: str) -> str:
    """The kind of a parameter value: ``iri`` (``<...>`` or a known CURIE), ``integer`` or ``string``.

    >>> value_kind("kkg:ketamine"), value_kind("12"), value_kind("pain")
    ('iri', 'integer', 'string')
    """
    if value.startswith("<") and value.endswith(">"):
        return "iri"
    if re.fullmatch(r"[+-]?\d+", value):
        return "integer"
    prefix = value.split(":", 1)[0] if ":" in value else None
    if prefix and prefix in get_prefix_map():
        return "iri"
    return "string"


def to_iri(value: str, where: str, name: str) -> str:
    """The absolute IRI a parameter value names: ``<iri>``, a CURIE, an entity id or a bare IRI.

    ``where`` and ``name`` locate the parameter in the :class:`QueryError` raised otherwise.

    >>> to_iri("CHEBI:6121", "--param", "substance")
    'http://purl.obolibrary.org/obo/CHEBI_6121'
    """
    value = value.strip()
    prefixes = get_prefix_map()
    if value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
    elif ":" in value and value.split(":", 1)[0] in prefixes:
        prefix, local = value.split(":", 1)
        iri = prefixes[prefix] + local
    elif re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", value):
        iri = ns.entity_iri(value)
    elif re.match(r"^[a-z][a-z0-9+.-]*://", value):
        iri = value
    else:
        raise QueryError(where, None, f"parameter {name!r} takes an IRI: write <http://...>, a CURIE such as kkg:ketamine, or an entity id; got {value!r}")
    if not iri or re.search(r'[\s<>"{}|^`\\]', iri):
        raise QueryError(where, None, f"parameter {name!r}: {iri!r} is not a valid IRI")
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):  # a relative IRI such as <script> would fail later, blamed on the query
        raise QueryError(where, None, f"parameter {name!r}: {iri!r} is not an absolute IRI (it needs a scheme such as https:)")
    return iri


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
    scope = ""
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
        match = re.match(r"^(param|requires|scope):\s*(.*)$", body)
        if match and match[1] == "param":
            spec, _, desc = match[2].partition(" -- ")
            parts = spec.split()
            if len(parts) != 2 or not PARAM_NAME.match(parts[0]):
                raise QueryError(where, number, "write a parameter as '# param: NAME DEFAULT -- what it means'")
            if parts[0] in header_lines:
                raise QueryError(where, number, f"parameter {parts[0]!r} is declared twice")
            if not re.search(r"[?$]" + re.escape(parts[0]) + r"\b", text):
                raise QueryError(where, number, f"parameter {parts[0]!r} is not a variable of the query")
            params.append(Param(parts[0], parts[1], desc.strip()))
            header_lines[parts[0]] = number
        elif match and match[1] == "scope":
            if match[2].strip() not in ("corpus", "article"):
                raise QueryError(where, number, "write the scope as '# scope: corpus' (or '# scope: article')")
            scope = "" if match[2].strip() == "article" else "corpus"
        elif match:
            requires.extend(match[2].replace(",", " ").split())
        elif not question:
            question = body
        elif body:
            description.append(body)
    return NamedQuery(name=name, text=text, question=question, description=" ".join(description),
                      params=tuple(params), requires=tuple(requires), path=path, header_lines=header_lines,
                      scope=scope)


def load_query(path: Path) -> NamedQuery:
    """Read a ``.rq`` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(path, None, f"cannot read the query: {getattr(exc, 'strerror', None) or exc}") from None
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
        path = queries_dir() / f"{RENAMED_QUERIES.get(spec, spec)}.rq"
        if path.is_file():
            return load_query(path)
    if "\n" not in spec and len(spec) < 4096 and (spec.endswith(".rq") or spec.endswith(".sparql") or "/" in spec) and Path(spec).is_file():
        return load_query(Path(spec))
    if query_form(spec) is not None:
        return parse_query(spec, "query")
    names = sorted([p.stem for p in queries_dir().glob("*.rq")] + list(RENAMED_QUERIES))
    close = [RENAMED_QUERIES.get(n, n) for n in difflib.get_close_matches(spec.strip().lower().replace("_", "-"), names, n=3, cutoff=0.5)]
    close = list(dict.fromkeys(close))
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "; see ketamine-kg query --list"
    if spec.endswith((".rq", ".sparql")):
        raise QueryError(spec, None, "no such query file")
    raise QueryError(None, None, f"unknown query {spec!r}{hint}")


def parse_param_options(options: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``("name=value", ...)`` -> ``{"name": "value"}``; a value may contain ``=``.

    >>> parse_param_options(["substance=kkg:esketamine", "text=a=b"])
    {'substance': 'kkg:esketamine', 'text': 'a=b'}
    """
    values: dict[str, str] = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not PARAM_NAME.match(name.strip()):
            raise QueryError("--param", None, f"write a parameter as NAME=VALUE, got {option!r}")
        if name.strip() in values:
            raise QueryError("--param", None, f"parameter {name.strip()!r} is given twice ({values[name.strip()]!r} and {value!r}); give it once")
        values[name.strip()] = value
    return values
