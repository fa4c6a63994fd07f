"""The engine for remote SPARQL 1.1 endpoints over HTTP, and the rules its URLs and answers follow.

:class:`RemoteEngine` follows :class:`~ketamine_kg.sparql.engines.Engine`. An endpoint
URL must be ``http://`` or ``https://`` with a host (:func:`check_endpoint_url`); no
redirect is ever followed (:func:`open_url`), so a server cannot send the client on to
another host or to ``ftp:``; an HTTP error is reported by status and reason only
(:func:`http_failure`), never with the body the server sent, and whatever the server says
is shown with its control characters escaped.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, cast

from ketamine_kg.core.terms import Result, Term
from ketamine_kg.errors import EndpointError, KkgError, escape_controls
from ketamine_kg.sparql.catalogue import NamedQuery, parse_query
from ketamine_kg.sparql.engines import RDFS_LABEL, Triple, check_not_update
from ketamine_kg.sparql.lexer import with_values
from ketamine_kg.sparql.oxigraph_terms import from_oxigraph


def _shown(text: str, limit: int = 120) -> str:
    """Remote or user text for a message: control characters escaped, cut at ``limit``."""
    text = escape_controls(str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_endpoint_url(url: str) -> str:
    """``url`` if it is an ``http://`` or ``https://`` URL with a host; else :class:`EndpointError`.

    >>> check_endpoint_url("http://localhost:7878/query")
    'http://localhost:7878/query'
    >>> check_endpoint_url("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    ketamine_kg.errors.EndpointError: file:///etc/passwd: not an endpoint URL: only http:// and https:// are accepted
    """
    shown = _shown(url)
    try:
        parts = urllib.parse.urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port
    except ValueError:
        raise EndpointError(shown, None, "not an endpoint URL: its port is not a number from 1 to 65535") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise EndpointError(shown, None, "not an endpoint URL: only http:// and https:// are accepted")
    if not parts.hostname or not port_ok or re.search(r"[\s\x00-\x1f\x7f]", url):
        raise EndpointError(shown, None, "not an endpoint URL: it needs a host (http://HOST[:PORT]/PATH) and no spaces")
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: an endpoint that moved is reported, with where it points, and not asked again."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise EndpointError(req.full_url.split("?", 1)[0], None,
                            f"the endpoint redirected ({code}) to {_shown(newurl)}; redirects are never followed "
                            "(give that URL itself if you trust it)")


def open_url(request: urllib.request.Request, timeout: float) -> Any:
    """Send ``request`` without following redirects (and with ``file:``, ``ftp:``... never reachable)."""
    return urllib.request.build_opener(_NoRedirects).open(request, timeout=timeout)


def http_failure(where: str, exc: urllib.error.HTTPError, what: str = "the endpoint") -> EndpointError:
    """The error for an HTTP error status: status and reason only, never the body the server sent."""
    return EndpointError(where, None, f"{what} answered {exc.code} {_shown(exc.reason or '', 80)}".rstrip())


class RemoteEngine:
    """Run queries on any SPARQL 1.1 endpoint over HTTP (the SPARQL 1.1 Protocol).

    A query goes the way every SPARQL 1.1 server answers: as ``GET ?query=`` while the
    URL stays under :attr:`MAX_GET_URL` bytes, else as a form-encoded POST
    (``application/x-www-form-urlencoded``, ``query=``). Never as an
    ``application/sparql-query`` body, which some servers (Virtuoso 7.2) never answer.
    The named queries expect the union of the named graphs as the default graph: the
    server's default (Virtuoso's) or its option (``oxigraph serve --union-default-graph``).
    """

    name = "remote"
    MAX_GET_URL = 2000

    def __init__(self, endpoint: str, timeout: float = 60.0):
        self.endpoint = check_endpoint_url(endpoint)
        self.timeout = timeout

    def request(self, text: str, accept: str) -> urllib.request.Request:
        """The HTTP request that asks the endpoint ``text``: a GET when short enough, else a form POST.

        >>> RemoteEngine("http://h/sparql").request("ASK {}", "*/*").full_url
        'http://h/sparql?query=ASK+%7B%7D'
        >>> long = RemoteEngine("http://h/sparql").request("ASK {} #" + "x" * 3000, "*/*")
        >>> long.get_method(), long.get_header("Content-type")
        ('POST', 'application/x-www-form-urlencoded; charset=utf-8')
        """
        form = urllib.parse.urlencode({"query": text})
        headers = {"Accept": accept, "User-Agent": "ketamine-kg"}
        separator = "&" if "?" in self.endpoint else "?"
        if len(self.endpoint) + 1 + len(form) < self.MAX_GET_URL:
            return urllib.request.Request(self.endpoint + separator + form, method="GET", headers=headers)
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        return urllib.request.Request(self.endpoint, data=form.encode("ascii"), method="POST", headers=headers)

    def run(self, query: NamedQuery, bindings: dict[str, Term] | None = None, *, max_rows: int | None = None) -> Result:
        """Send ``query`` (with ``bindings`` as a VALUES block) and read the answer."""
        check_not_update(query)
        text = with_values(query.text, bindings or {})
        graph = query.form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples, text/turtle;q=0.5" if graph else "application/sparql-results+json"
        try:
            with open_url(self.request(text, accept), timeout=self.timeout) as response:
                body = response.read()
                content_type = _shown(response.headers.get("Content-Type", ""), 80)
        except urllib.error.HTTPError as exc:
            raise http_failure(_shown(self.endpoint), exc) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EndpointError(_shown(self.endpoint), None, f"cannot reach the endpoint: {_shown(str(reason))}") from None
        if graph:
            import pyoxigraph as ox  # heavy: a native library, only for graph answers

            fmt = ox.RdfFormat.TURTLE if "turtle" in content_type else ox.RdfFormat.N_TRIPLES
            triples = [cast(Triple, tuple(from_oxigraph(t) for t in (q.subject, q.predicate, q.object)))
                       for q in ox.parse(body, format=fmt)]
            return Result("graph", triples=triples)
        try:
            data = json.loads(body)
        except ValueError:
            raise EndpointError(self.endpoint, None, f"the endpoint did not send SPARQL JSON results (got {content_type or 'no type'})") from None
        try:
            result = read_json_results(data, ask=query.form == "ASK")
        except (KeyError, TypeError, AttributeError):
            raise EndpointError(self.endpoint, None, "the endpoint sent JSON that is not SPARQL results") from None
        if result.form == "select" and max_rows is not None:
            result.rows = result.rows[: max_rows + 1]
        return result

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


VIRTUOSO_ASK = "__ASK_RETVAL"


def read_json_results(data: Any, ask: bool = False) -> Result:
    """A :class:`Result` from SPARQL JSON results (``data``, parsed); ``ask`` when the query was an ASK.

    Virtuoso 7.2 answers an ASK as a SELECT of one variable, ``__ASK_RETVAL``: one row
    (``1``) when true, none when false. Read for an ASK, that is its boolean.

    >>> read_json_results({"head": {}, "boolean": True}).boolean
    True
    >>> read_json_results({"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": []}}, ask=True).boolean
    False
    >>> read_json_results({"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": [
    ...     {"__ASK_RETVAL": {"type": "typed-literal", "value": "1"}}]}}, ask=True).boolean
    True
    """
    if "boolean" in data:
        return Result("ask", boolean=bool(data["boolean"]))
    variables = data["head"]["vars"]
    bindings = data["results"]["bindings"]
    if ask and variables == [VIRTUOSO_ASK]:
        return Result("ask", boolean=any(b.get(VIRTUOSO_ASK, {}).get("value") not in (None, "0", "false") for b in bindings))
    rows = [[Term.from_json(b[v]) if v in b else None for v in variables] for b in bindings]
    return Result("select", variables, rows)
