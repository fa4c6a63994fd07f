"""A read-only SPARQL 1.1 Protocol endpoint over the graph, with a page to try queries.

``make_server(...)`` returns a :class:`http.server.ThreadingHTTPServer` that answers:

- ``/sparql``: GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``) or
  POST ``application/sparql-query``; results in the format the ``Accept`` header (or a
  ``format=`` parameter) asks for: SPARQL JSON, XML, CSV, TSV, or Turtle, N-Triples,
  JSON-LD, RDF/XML for graphs. Updates are refused with 403.
- ``/``: one offline HTML page (inline CSS and JS) to type queries and see results.
- ``/queries.json``: the named queries (name, question, text).

Each query runs in a worker process that holds the graph in memory. The request thread
waits for the answer until a deadline; a query that runs past it has its worker
killed and replaced, so a runaway cross product costs one worker, never the server.
Results are capped at ``max_rows`` rows (or triples) and requests at ``max_request``
bytes. Nothing but these pages is served: there is no file system behind the URLs.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import sys
import threading
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from .errors import KkgError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_REQUEST = 64 * 1024
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


# --- the worker process ---------------------------------------------------------------

def _worker_main(conn, nquads_path: str, max_rows: int) -> None:
    """Hold the graph in memory and answer (query text, format) requests until the pipe closes."""
    import pyoxigraph

    from .results import media_type, to_bytes
    from .sparql import OxigraphEngine, all_prefixes, parse_query

    from .store import load_quads

    store = pyoxigraph.Store()
    load_quads(store, path=nquads_path)
    engine = OxigraphEngine(store)
    while True:
        try:
            text, accept, fmt_param = conn.recv()
        except (EOFError, OSError):
            return
        try:
            query = parse_query(text, "query")
            result = engine.run(query, max_rows=max_rows)
            if len(result) > max_rows:
                conn.send((422, "text/plain; charset=utf-8",
                           f"the result has more than {max_rows} rows (this server's cap): add a LIMIT\n".encode()))
                continue
            fmt = negotiate(accept, fmt_param, result.form == "graph")
            if fmt is None:
                conn.send((406, "text/plain; charset=utf-8", f"cannot answer in {accept or fmt_param}\n".encode()))
                continue
            conn.send((200, media_type(result, fmt), to_bytes(result, fmt, prefixes=all_prefixes())))
        except KkgError as exc:
            status = 403 if "read-only" in str(exc) else 400
            conn.send((status, "text/plain; charset=utf-8", (str(exc) + "\n").encode()))
        except Exception as exc:  # keep the worker alive for the next request
            conn.send((500, "text/plain; charset=utf-8", f"query failed: {exc}\n".encode()))


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


class WorkerPool:
    """Worker processes, each holding the graph; one query at a time per worker."""

    def __init__(self, nquads_path: Path, size: int = 2, max_rows: int = DEFAULT_MAX_ROWS):
        self.nquads_path = str(nquads_path)
        self.max_rows = max_rows
        self.context = multiprocessing.get_context("spawn")
        self.idle: queue.Queue = queue.Queue()
        self.size = size
        for _ in range(size):
            self.idle.put(self._start())

    def _start(self):
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker_main, args=(child, self.nquads_path, self.max_rows), daemon=True)
        process.start()
        child.close()
        return process, parent

    def run(self, text: str, accept: str, fmt: str | None, timeout: float) -> tuple[int, str, bytes]:
        """Send a query to an idle worker; kill and replace the worker if it runs past ``timeout``."""
        deadline = time.monotonic() + timeout
        try:
            process, conn = self.idle.get(timeout=timeout)
        except queue.Empty:
            return 503, "text/plain; charset=utf-8", b"all workers are busy; try again\n"
        try:
            conn.send((text, accept, fmt))
            if conn.poll(max(0.0, deadline - time.monotonic())):
                answer = conn.recv()
                self.idle.put((process, conn))
                return answer
        except (EOFError, OSError):
            pass
        process.kill()
        process.join(1)
        conn.close()
        self.idle.put(self._start())
        return 503, "text/plain; charset=utf-8", f"the query ran longer than {timeout:g} s and was stopped\n".encode()

    def close(self) -> None:
        """Stop every worker."""
        while True:
            try:
                process, conn = self.idle.get_nowait()
            except queue.Empty:
                return
            conn.close()
            process.kill()
            process.join(1)


# --- the HTTP side ---------------------------------------------------------------------

class SparqlHandler(BaseHTTPRequestHandler):
    """Routes: ``/`` (page), ``/sparql`` (protocol), ``/queries.json``; everything else 404."""

    server_version = "ketamine-kg"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may stall mid-request (or idle between requests) before its socket is closed

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
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
        status, content_type, body = self.server.pool.run(text, self.headers.get("Accept", ""), fmt, self.server.timeout_s)
        self._send(status, content_type, body)


def get_page(catalogue: list[dict]) -> bytes:
    """The HTML page, with the named queries embedded as JSON (``<`` escaped so no tag can close early)."""
    template = (resources.files("ketamine_kg") / "templates" / "sparql.html").read_text(encoding="utf-8")
    data = json.dumps(catalogue, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace("/*QUERIES*/[]", data).encode("utf-8")


def make_server(data_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7878, *,
                timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS,
                max_request: int = DEFAULT_MAX_REQUEST, workers: int = 2, verbose: bool = False,
                on_build=None) -> ThreadingHTTPServer:
    """A ready (not yet serving) endpoint over the graph of ``data_dir``; call ``serve_forever()``."""
    from .sparql import list_queries
    from .store import NQUADS_FILE, get_store_dir

    folder = get_store_dir(data_dir, on_build=on_build)
    catalogue = [{"name": q.name, "question": q.question, "text": q.text, "params": [p.name for p in q.params]}
                 for q in list_queries()]
    try:
        server = ThreadingHTTPServer((host, port), SparqlHandler)
    except OSError as exc:
        raise KkgError(None, None, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server.daemon_threads = True
    server.pool = WorkerPool(folder / NQUADS_FILE, size=workers, max_rows=max_rows)
    server.page = get_page(catalogue)
    server.catalogue = json.dumps(catalogue, ensure_ascii=False).encode("utf-8")
    server.timeout_s = timeout
    server.max_request = max_request
    server.verbose = verbose
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a daemon thread (for tests and embedding); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
