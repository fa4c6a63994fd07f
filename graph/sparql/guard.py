"""Checks made on a query's text before any parser sees it: by the endpoint and by every local engine.

:func:`check_query` reads tokens only (:mod:`ketamine_kg.sparql.lexer`), so a keyword
inside a string, an IRI or a comment never counts, and a deeply nested query is
refused before the parser's recursion can overflow the stack. Nothing here opens a
connection: a query that would make an engine reach outside (Oxigraph and rdflib both
run ``SERVICE`` over HTTP, rdflib fetches a ``FROM`` graph it does not hold) is refused
before it reaches the engine.

>>> check_query("SELECT * { ?s ?p 'SERVICE <http://x/>' }")
>>> check_query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
Traceback (most recent call last):
...
ketamine_kg.errors.RefusedQueryError: query: SERVICE is refused: this endpoint never makes requests to other servers
"""

from __future__ import annotations

from ketamine_kg.core.iris import BASE
from ketamine_kg.errors import RefusedQueryError
from ketamine_kg.sparql.lexer import tokens

MAX_DEPTH = 64  # braces and parentheses open at once; the named queries need fewer than 10
OPENERS = {"{": "}", "(": ")", "[": "]"}
CLOSERS = set(OPENERS.values())


def _refuse(message: str) -> RefusedQueryError:
    return RefusedQueryError("query", None, message)


def check_query(text: str, max_depth: int = MAX_DEPTH, *, allow_service: bool = False,
                who: str = "this endpoint", hint: str = "") -> None:
    """Raise :class:`RefusedQueryError` if ``text`` reaches outside the graph or nests past ``max_depth``.

    Refused: ``SERVICE`` (a federated call; unless ``allow_service``), ``LOAD`` (fetches
    a document), and ``FROM`` / ``FROM NAMED`` naming a graph that is not one of this
    dataset's (``https://w3id.org/ketamine-kg/...``): rdflib fetches such a graph.
    ``who`` names the refuser in the messages, ``hint`` ends the SERVICE message.

    >>> check_query("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", allow_service=True)
    """
    depth = 0
    prefixes: dict[str, str] = {}
    toks = list(tokens(text))
    for n, (kind, value, _) in enumerate(toks):
        if kind == "other":
            if value in OPENERS:
                depth += 1
                if depth > max_depth:
                    raise _refuse(f"the query nests deeper than {max_depth} levels of brackets")
            elif value in CLOSERS:
                depth = max(0, depth - 1)
            continue
        if kind != "word":
            continue
        upper = value.upper()
        if upper == "PREFIX":
            name, iri = _prefix_declaration(toks, n)
            if name is not None and iri is not None:
                prefixes[name] = iri
        elif upper == "SERVICE" and not allow_service:
            raise _refuse(f"SERVICE is refused: {who} never makes requests to other servers{hint}")
        elif upper == "LOAD":
            raise _refuse(f"LOAD is refused: {who} is read-only and never fetches documents")
        elif upper == "FROM":
            iri = _graph_name(toks, n + 1, prefixes)
            if iri is None or not iri.startswith(BASE):
                shown = iri if iri is not None else "a graph name it cannot read"
                raise _refuse(f"FROM {shown} is refused: only this dataset's graphs ({BASE}graph/...) can be named")


def _prefix_declaration(toks: list[tuple[str, str, int]], n: int) -> tuple[str | None, str | None]:
    """The (prefix, IRI) of ``PREFIX p: <iri>`` starting at token ``n``."""
    name = ""
    for kind, value, _ in toks[n + 1:n + 4]:
        if kind == "iri":
            return name, value[1:-1]
        if value == ":":
            continue
        name = value
    return None, None


def _graph_name(toks: list[tuple[str, str, int]], n: int, prefixes: dict[str, str]) -> str | None:
    """The IRI after ``FROM`` (or ``FROM NAMED``) at token ``n``, with a prefixed name expanded (None if unreadable)."""
    if n < len(toks) and toks[n][0] == "word" and toks[n][1].upper() == "NAMED":
        n += 1
    if n >= len(toks):
        return None
    kind, value, _ = toks[n]
    if kind == "iri":
        return value[1:-1]
    # a prefixed name: [word] ':' [word ...]; the lexer splits it at the colon
    prefix = ""
    if kind == "word":
        prefix = value
        n += 1
    if n >= len(toks) or toks[n][1] != ":":
        return None
    local = toks[n + 1][1] if n + 1 < len(toks) and toks[n + 1][0] == "word" else ""
    from ketamine_kg.core.curies import get_prefix_map

    namespace = prefixes.get(prefix) or get_prefix_map().get(prefix)
    return namespace + local if namespace else None
