"""A small SPARQL lexer: the query form, the WHERE clause, a VALUES block, SERVICE calls.

It reads tokens only (words, strings, IRIs, punctuation), skipping whitespace and
comments, so a keyword inside a string, an IRI or a comment never counts. That is all
the project needs to bind parameters and to tell a query's kind without a parser.

>>> [value for kind, value, _ in tokens("ASK { ?s <x:p> 'SERVICE' } # SERVICE")]
['ASK', '{', '?', 's', '<x:p>', "'SERVICE'", '}']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ketamine_kg.core.terms import Term
from ketamine_kg.errors import QueryError

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
QUERY_KEYWORDS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}

TOKEN = re.compile(
    r'(?P<ws>\s+)|(?P<comment>#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r'|(?P<word>[A-Za-z_][A-Za-z0-9_-]*)'
    r'|(?P<other>.)', re.S)


def tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """The tokens of ``text`` as (kind, text, offset): kind is ``string``, ``iri``, ``word`` or ``other``.

    Whitespace and comments are skipped.

    >>> list(tokens('?x "a b"'))
    [('other', '?', 0), ('word', 'x', 1), ('string', '"a b"', 3)]
    """
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None or kind in ("ws", "comment"):
            continue
        yield kind, match.group(), match.start()


def query_form(text: str) -> str | None:
    """The first query or update keyword after the prologue, upper-cased (None if none).

    >>> query_form("PREFIX a: <http://x/>\\n# ask?\\nask { ?s a:p 'SELECT' }")
    'ASK'
    """
    in_declaration = False
    for kind, value, _ in tokens(text):
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


def requires_internet(text: str) -> bool:
    """Whether the query calls a remote endpoint (a ``SERVICE`` clause), so it needs the internet.

    >>> requires_internet("SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }")
    True
    >>> requires_internet("SELECT * WHERE { ?s ?p 'SERVICE' } # no SERVICE here")
    False
    """
    return any(kind == "word" and value.upper() == "SERVICE" for kind, value, _ in tokens(text))


def where_clause_start(text: str) -> int:
    """The offset just after the ``{`` that opens the query's top-level WHERE clause.

    >>> q = 'CONSTRUCT { ?s ?p "WHERE {" } WHERE { ?s ?p ?o }'
    >>> q[where_clause_start(q):]
    ' ?s ?p ?o }'
    """
    depth = 0
    form = None
    seen_where = False
    for kind, value, start in tokens(text):
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
    raise QueryError(None, None, "the query has no WHERE clause to bind parameters in")


def with_values(text: str, bindings: dict[str, Term]) -> str:
    """``text`` with a VALUES block of ``bindings`` opening its WHERE clause (for remote endpoints).

    The terms are written in N-Triples syntax, escaped, so a value can never end the block.

    >>> from ketamine_kg.core.terms import literal
    >>> with_values("SELECT ?x WHERE { ?x ?p ?o }", {"o": literal('a"}')})
    'SELECT ?x WHERE { VALUES (?o) { ("a\\\\"}") } ?x ?p ?o }'
    """
    if not bindings:
        return text
    at = where_clause_start(text)
    names = " ".join(f"?{n}" for n in bindings)
    values = " ".join(t.n3() for t in bindings.values())
    return f"{text[:at]} VALUES ({names}) {{ ({values}) }}{text[at:]}"
