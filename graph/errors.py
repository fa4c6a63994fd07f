"""The errors users see: each a problem located in a file (or a query, or an endpoint), told in one line.

:class:`KkgError` is the base; its subclasses say what kind of problem it is, so callers
pick their response by type, never by the words of a message (the server maps each type
to an HTTP status, the CLI prints any of them as one line with exit status 1):

- :class:`DataError`: curated data that cannot be loaded (a YAML or TSV file, a quote);
- :class:`InconsistencyError`: data the ontology refutes, with the claims that clash;
- :class:`QueryError`: a query or a parameter that cannot be run;
- :class:`ReadOnlyError`: a SPARQL update sent to the read-only graph;
- :class:`RefusedQueryError`: a query the endpoint refuses (it reaches outside, or nests too deep);
- :class:`TooLargeError`: a result past the endpoint's cap in bytes;
- :class:`EndpointError`: a remote SPARQL endpoint that cannot be reached or misanswers;
- :class:`StoreError`: the store cache cannot be written or opened.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# What must never reach a terminal raw: C0 and C1 controls and DEL (escape sequences, bells,
# carriage returns that overwrite a line), the bidirectional overrides that reorder what is
# shown, and lone surrogates (which cannot even be encoded to print).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class KkgError(Exception):
    """An input problem reported to the user as one line, without a traceback.

    >>> str(KkgError("claims.yaml", 12, "unknown entity 'ketamin'"))
    "claims.yaml:12: unknown entity 'ketamin'"
    >>> str(KkgError(None, None, "no data folder"))
    'no data folder'
    """

    def __init__(self, file: str | Path | None, line: int | None, message: str, *, column: int | None = None):
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return where + self.message


def escape_controls(text: str, keep: str = "", *, turtle: bool = False) -> str:
    """``text`` with every control character written as an escape (``\\x1b``), for a terminal.

    Characters in ``keep`` (say ``"\\n"``) stay as they are. ``turtle`` writes the
    escapes as Turtle's ``\\u001B``, valid inside a Turtle string.

    >>> print(escape_controls("red \\x1b[31m, bell \\x07, right-to-left \\u202e."))
    red \\x1b[31m, bell \\x07, right-to-left \\u202e.
    >>> escape_controls("a\\nb\\tc", keep="\\n")
    'a\\nb\\\\x09c'
    """
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        code = ord(char)
        if turtle:
            return f"\\u{code:04X}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, text)


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies inside it, else as given."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


class DataError(KkgError):
    """Curated data (YAML, TSV, the article) that cannot be loaded as it is."""


class StaleChecksumError(DataError):
    """The article's SHA-256 is not the one ``source.yaml`` records; ``digest`` is the current one."""

    def __init__(self, file: str | Path | None, line: int | None, message: str, *, path: Path, digest: str):
        self.path = Path(path)
        self.digest = digest
        super().__init__(file, line, message)


class InconsistencyError(DataError):
    """Data that the ontology refutes; ``claims`` are the ids of a smallest clashing set.

    >>> InconsistencyError("claims.yaml", 3, "clash", claims=("a", "b")).claims
    ('a', 'b')
    """

    def __init__(self, file: str | Path | None, line: int | None, message: str, *, claims: tuple[str, ...] = (),
                 column: int | None = None):
        self.claims = tuple(claims)
        super().__init__(file, line, message, column=column)


class QueryError(KkgError):
    """A SPARQL query, or a parameter bound to one, that cannot be run."""


class ReadOnlyError(QueryError):
    """A SPARQL update (INSERT, DELETE, LOAD, ...) sent to the read-only graph."""


class RefusedQueryError(QueryError):
    """A query the endpoint will not run: it would reach outside (``SERVICE``, ``LOAD``, a remote ``FROM``) or nests too deep."""


class TooLargeError(QueryError):
    """A result larger than the endpoint's cap in bytes."""


class EndpointError(KkgError):
    """A remote SPARQL endpoint that cannot be reached, refuses, or answers in an unreadable form."""


class StoreError(KkgError):
    """The graph store cache cannot be written, opened or read."""
