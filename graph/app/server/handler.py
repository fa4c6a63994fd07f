"""The HTTP side of the endpoint: routes, the SPARQL 1.1 Protocol, and content negotiation."""

from __future__ import annotations

import html
import ipaddress
import re
import select
import socket
import struct
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pool's workers import negotiate() from here: no import at run time
    from ketamine_kg.app.server.pool import Stream, WorkerPool

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


def accept_ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an ``Accept`` header with their quality, in the header's order.

    >>> accept_ranges("text/html;q=0.5, text/turtle")
    [('text/html', 0.5), ('text/turtle', 1.0)]
    """
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


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
    choices = [(-q, n, mime) for n, (mime, q) in enumerate(accept_ranges(accept))]
    for _, _, mime in sorted(choices):
        if mime in table:
            return table[mime]
        if mime in ("*/*", "application/*", "text/*"):
            return default
    return None


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
PREFLIGHT = {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
             "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "86400"}
HANGUPS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


def is_loopback_host(header: str) -> bool:
    """Whether a ``Host`` header names this machine's loopback (with or without a port).

    >>> is_loopback_host("localhost:7878"), is_loopback_host("[::1]:80"), is_loopback_host("evil.example:7878")
    (True, True, False)
    """
    host = header.strip().lower()
    if host.startswith("["):
        host = host[:host.find("]") + 1] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":")[0]
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


class SparqlServer(ThreadingHTTPServer):
    """The endpoint's HTTP server: what :func:`~ketamine_kg.app.server.make_server` gives its handlers.

    It listens with a backlog of :attr:`request_queue_size` (a public endpoint gets bursts),
    binds IPv6 addresses too, and treats a client that hangs up as routine (no traceback).
    """

    request_queue_size = 128
    pool: WorkerPool        # the worker processes that run the queries
    page: bytes             # the HTML page of ``/``
    catalogue: bytes        # ``/queries.json``
    timeout_s: float        # seconds a query may run
    max_request: int        # bytes a request (or a query) may have
    verbose: bool           # log every request to stderr
    loopback_only: bool = True  # bound to loopback: refuse a Host that is not a loopback name (DNS rebinding)
    pin: Any = None         # the store's pin (:class:`~ketamine_kg.store.StorePin`), released on close
    linked: Any = None      # the linked-data side (:class:`~ketamine_kg.app.server.linked.LinkedData`)

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is routine; anything else is one line on stderr, never a traceback."""
        exc = sys.exc_info()[1]
        if isinstance(exc, HANGUPS):
            return
        sys.stderr.write(f"request from {client_address[0]} failed: {type(exc).__name__}: {exc}\n")


class SparqlHandler(BaseHTTPRequestHandler):
    """Routes: ``/`` (page), ``/sparql`` (protocol), ``/queries.json``, the linked-data paths; everything else 404."""

    server_version = "ketamine-kg"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may stall mid-request (or idle between requests) before its socket is closed

    server: SparqlServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def _send(self, status: int, content_type: str, body: bytes, extra: dict | None = None) -> None:
        try:
            self._write(status, content_type, body, extra)
        except HANGUPS:
            self.close_connection = True  # the client has gone: nothing to tell it

    def _write(self, status: int, content_type: str, body: bytes, extra: dict | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._answer_headers()
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _answer_headers(self) -> None:
        """The headers every answer carries, whole or streamed."""
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Access-Control-Allow-Origin", "*")  # reads only; nothing here reaches outside or changes

    def _text(self, status: int, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

    def _client_gone(self) -> bool:
        """Whether the client has closed its side (readable, and a peek reads nothing)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _host_ok(self) -> bool:
        """Refuse (421) a request whose ``Host`` is not loopback while bound to loopback: DNS rebinding."""
        host = self.headers.get("Host")
        if not self.server.loopback_only or host is None or is_loopback_host(host):
            return True
        self.close_connection = True
        self._text(421, "this server is bound to loopback and answers only to Host: localhost, 127.0.0.1 or [::1]")
        return False

    def do_OPTIONS(self) -> None:  # noqa: N802
        """The CORS preflight: any origin may read, with GET or POST (a query body or a form)."""
        if self._host_ok():
            self._send(204, "text/plain; charset=utf-8", b"", {**PREFLIGHT, "Allow": "GET, HEAD, POST, OPTIONS"})

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if not self._host_ok():
            return
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query)
        if url.path == "/":
            self._send(200, "text/html; charset=utf-8", self._page(_first(params, "query")),
                       {"Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"})
        elif url.path == "/queries.json":
            self._send(200, "application/json", self.server.catalogue)
        elif url.path == "/sparql":
            if "query" not in params and "update" not in params and self.server.linked is not None:
                self._send(*self.server.linked.service_description(self.headers.get("Accept", ""), self._base()))
            else:
                self._protocol(params, None)
        elif self.server.linked is not None and self.server.linked.handles(url.path):
            self._send(*self.server.linked.answer(url.path, self.headers.get("Accept", ""), self._base(),
                                                  self.client_address[0], _first(params, "format")))
        else:
            self._text(404, "not found: this server has /, /sparql, /entity/..., /claim/..., /source/..., /ontology "
                            "and /.well-known/void")

    def _page(self, query: str | None) -> bytes:
        """The query page, with ``query`` (from ``/?query=``) in its text box, escaped as text."""
        if not query or len(query.encode("utf-8")) > self.server.max_request:
            return self.server.page
        page = self.server.page.decode("utf-8")
        page = re.sub(r'(<textarea id="text"[^>]*>)[^<]*(</textarea>)',
                      lambda m: m[1] + html.escape(query, quote=False) + m[2], page, count=1)
        return page.encode("utf-8")

    def _base(self) -> str:
        """This server's URL as the client reached it (a checked Host, else the bound address)."""
        host = self.headers.get("Host", "")
        if not re.fullmatch(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", host):
            bound, port = str(self.server.server_address[0]), self.server.server_address[1]
            host = f"[{bound}]:{port}" if ":" in bound else f"{bound}:{port}"
        return f"http://{host}"

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        if not self._host_ok():
            return
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
        answer = self.server.pool.start(text, self.headers.get("Accept", ""), fmt, self.server.timeout_s,
                                        self.client_address[0], gone=self._client_gone)
        if isinstance(answer, tuple):
            status, content_type, body, *extra = answer
            self._send(status, content_type, body, *extra)
        else:
            self._stream(answer)

    def _stream(self, stream: Stream) -> None:
        """Send an answer as its worker writes it: chunked to HTTP/1.1, until the connection closes to HTTP/1.0.

        An answer that does not come whole (past the byte cap, the deadline, or a crash
        part way) ends the connection without its last chunk (HTTP/1.1) or with a reset
        (HTTP/1.0, where a plain close would read as the end), so no client takes a cut
        answer for a whole one. Each write may block only until the query's deadline.
        """
        chunked = self.request_version != "HTTP/1.0"
        whole = False
        try:
            self.send_response(200)
            self.send_header("Content-Type", stream.content_type)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.close_connection = True
                self.send_header("Connection", "close")
            self._answer_headers()
            self.end_headers()
            if self.command == "HEAD":  # the headers a GET gets, and no body: the worker is told to stop
                whole = True
                return
            for piece in stream:
                self.connection.settimeout(max(0.01, min(stream.left(), self.timeout)))
                self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
            if stream.complete:
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
                whole = True
        except HANGUPS:
            pass  # the client has gone (or stopped reading until the deadline)
        finally:
            stream.close()
            if not whole:
                self.close_connection = True
                if not chunked:  # a reset (SO_LINGER 0), not the clean close that ends an HTTP/1.0 body
                    try:
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()  # takes effect when the handler closes its reader, before any FIN
                    except OSError:
                        pass
            else:
                self.connection.settimeout(self.timeout)
