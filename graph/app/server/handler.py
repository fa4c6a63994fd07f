"""The HTTP side of the endpoint: routes, the SPARQL 1.1 Protocol, and content negotiation."""

from __future__ import annotations

import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pool's workers import negotiate() from here: no import at run time
    from ketamine_kg.app.server.pool import WorkerPool

SELECT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt",
    "application/ld+json": "json", "application/json": "json", "application/rdf+xml": "xml", "application/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}


def negotiate(accept: str, fmt_param: str | None, graph: bool) -> str | None:
    """The result format for an ``Accept`` header (or an explicit ``format=``), by q-value.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", None, False)
    'xml'
    >>> negotiate("*/*", None, True)
    'turtle'
    """
    table = GRAPH_TYPES if graph else SELECT_TYPES
    if fmt_param:
        aliases = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                   "nt": "nt", "ntriples": "nt", "jsonld": "json", "rdfxml": "xml"}
        fmt = aliases.get(fmt_param.lower()) or table.get(fmt_param.lower())
        return fmt if fmt in set(table.values()) else None
    default = "turtle" if graph else "json"
    if not accept:
        return default
    choices = []
    for n, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mime = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, n, mime))
    for _, _, mime in sorted(choices):
        if mime in table:
            return table[mime]
        if mime in ("*/*", "application/*", "text/*"):
            return default
    return None


class SparqlServer(ThreadingHTTPServer):
    """The endpoint's HTTP server: what :func:`~ketamine_kg.app.server.make_server` gives its handlers."""

    pool: WorkerPool        # the worker processes that run the queries
    page: bytes             # the HTML page of ``/``
    catalogue: bytes        # ``/queries.json``
    timeout_s: float        # seconds a query may run
    max_request: int        # bytes a request (or a query) may have
    verbose: bool           # log every request to stderr


class SparqlHandler(BaseHTTPRequestHandler):
    """Routes: ``/`` (page), ``/sparql`` (protocol), ``/queries.json``; everything else 404."""

    server_version = "ketamine-kg"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may stall mid-request (or idle between requests) before its socket is closed

    server: SparqlServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def _send(self, status: int, content_type: str, body: bytes, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _text(self, status: int, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":
            self._send(200, "text/html; charset=utf-8", self.server.page,
                       {"Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"})
        elif url.path == "/queries.json":
            self._send(200, "application/json", self.server.catalogue)
        elif url.path == "/sparql":
            params = urllib.parse.parse_qs(url.query)
            self._protocol(params, None)
        else:
            self._text(404, "not found: this server has / and /sparql only")

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/sparql":
            self._text(404, "not found: POST queries to /sparql")
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0:  # a negative length would read until the client hangs up
            self.close_connection = True
            self._text(400, "bad Content-Length")
            return
        if length > self.server.max_request:
            self.close_connection = True
            self._text(413, f"request larger than {self.server.max_request} bytes")
            return
        body = self.rfile.read(length)
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        params = urllib.parse.parse_qs(url.query)
        if content_type == "application/sparql-update":
            self._text(403, "this endpoint is read-only: updates are refused")
            return
        if content_type == "application/sparql-query":
            self._protocol(params, body.decode("utf-8", "replace"))
        elif content_type == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
            self._protocol(params, None)
        else:
            self._text(415, "send application/sparql-query or a form with query=")

    def do_PUT(self) -> None:  # noqa: N802
        self._text(405, "this endpoint is read-only")

    do_DELETE = do_PATCH = do_PUT

    def _protocol(self, params: dict, text: str | None) -> None:
        if "update" in params:
            self._text(403, "this endpoint is read-only: updates are refused")
            return
        if text is None:
            queries = params.get("query", [])
            if len(queries) != 1:
                self._text(400, "give exactly one query= parameter")
                return
            text = queries[0]
        if len(text.encode("utf-8")) > self.server.max_request:
            self._text(413, f"query larger than {self.server.max_request} bytes")
            return
        fmt = (params.get("format") or [None])[0]
        status, content_type, body, *extra = self.server.pool.run(text, self.headers.get("Accept", ""), fmt,
                                                                  self.server.timeout_s, self.client_address[0])
        self._send(status, content_type, body, *extra)
