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
killed, so a runaway cross product costs one worker, never the server. A worker busy
for over a second is replaced at once by an extra one (up to twice the pool), and one
client address may hold only so many such long-running queries (beyond: 429 with
``Retry-After``), so runaways sent together do not make ordinary queries wait for the
timeout (see :class:`WorkerPool`).
Results are capped at ``max_rows`` rows (or triples) and requests at ``max_request``
bytes. Nothing but these pages is served: there is no file system behind the URLs.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from ketamine_kg.errors import KkgError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_TIMEOUT = 10.0
DEFAULT_SLOW_AFTER = 1.0  # seconds busy after which a worker counts as stuck and is replaced
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

    from ketamine_kg.core.terms import media_type, to_bytes
    from ketamine_kg.sparql.engines import OxigraphEngine, all_prefixes, parse_query

    from ketamine_kg.store import load_quads

    store = pyoxigraph.Store()
    load_quads(store, path=nquads_path)
    engine = OxigraphEngine(store)
    conn.send("ready")
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


@dataclass(eq=False)
class _Worker:
    """One worker process, its pipe, and the query it is running (``since`` is None when idle)."""

    process: multiprocessing.process.BaseProcess
    conn: object
    since: float | None = None
    deadline: float = 0.0
    client: str = ""
    stopped: bool = False
    retry_after: int = 1


class WorkerPool:
    """Worker processes, each holding the graph; one query at a time per worker.

    The pool keeps ``size`` workers free for ordinary queries. A worker busy for longer
    than ``slow_after`` seconds counts as stuck: an extra worker is started in its place,
    up to ``max_size`` processes in all, and extras are retired as soon as they are not
    needed (a worker that finishes while ``size`` others are free exits). So two runaway
    queries cost two workers for the timeout, never the ordinary queries' turn.

    One client address may have at most ``per_client`` stuck queries at once: when one
    more of its queries gets stuck, the newest beyond the cap are stopped early with 429
    and ``Retry-After`` (a quick query from the same address is still answered). With
    the defaults (``max_size`` twice ``size``, ``per_client`` equal to ``size``) one
    address can never hold more than half of the processes. Behind a reverse proxy every
    client has the proxy's address, so the cap applies to all of them together.

    Workers start in the background and take queries only once they have loaded the graph.
    """

    def __init__(self, nquads_path: Path, size: int = 2, max_rows: int = DEFAULT_MAX_ROWS, *,
                 max_size: int | None = None, slow_after: float = DEFAULT_SLOW_AFTER,
                 per_client: int | None = None, load_timeout: float = 600.0):
        self.nquads_path = str(nquads_path)
        self.max_rows = max_rows
        self.context = multiprocessing.get_context("spawn")
        self.size = max(1, size)
        self.max_size = max(self.size, max_size if max_size is not None else 2 * self.size)
        self.slow_after = slow_after
        self.per_client = per_client if per_client is not None else self.size
        self.load_timeout = load_timeout
        self.cond = threading.Condition()
        self.idle: list[_Worker] = []
        self.busy: set[_Worker] = set()
        self.starting = 0
        self.failed = 0
        self.closed = False
        with self.cond:
            for _ in range(self.size):
                self._spawn()
            ready = self.cond.wait_for(lambda: self.starting == 0, timeout=load_timeout)
            if not ready or self.failed:
                self.closed = True
                workers, self.idle = self.idle, []
        if not ready or self.failed:
            for worker in workers:
                self._stop(worker)
            raise KkgError(self.nquads_path, None, "the query workers could not load the graph")
        threading.Thread(target=self._supervise, name="kkg-pool", daemon=True).start()

    @property
    def total(self) -> int:
        """Worker processes alive or starting."""
        return len(self.idle) + len(self.busy) + self.starting

    # -- starting and stopping workers (callers hold self.cond unless said otherwise) --

    def _spawn(self) -> None:
        self.starting += 1
        threading.Thread(target=self._boot, daemon=True).start()

    def _boot(self) -> None:
        """Start a process and add it to the idle list once it says it has loaded the graph (no lock held)."""
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker_main, args=(child, self.nquads_path, self.max_rows), daemon=True)
        worker = _Worker(process, parent)
        try:
            process.start()
            child.close()
            ok = parent.poll(self.load_timeout) and parent.recv() == "ready"
        except Exception as exc:  # noqa: BLE001 (counted as a failed start, never a stuck count)
            sys.stderr.write(f"a query worker did not start: {exc}\n")
            ok = False
        with self.cond:
            self.starting -= 1
            keep = ok and not self.closed
            if keep:
                self.idle.append(worker)
            elif not ok:
                self.failed += 1
            self.cond.notify_all()
        if not keep:
            self._stop(worker)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        if worker.process.pid is not None:
            worker.process.kill()
            worker.process.join(1)
        worker.conn.close()

    def _stuck(self, now: float) -> list[_Worker]:
        return [w for w in self.busy if w.stopped or now - w.since >= self.slow_after]

    def _grow(self, now: float) -> None:
        """Start workers until ``size`` are free or starting (never more than ``max_size`` in all)."""
        stuck = len(self._stuck(now))
        while not self.closed and self.total - stuck < self.size and self.total < self.max_size:
            self._spawn()

    def _supervise(self) -> None:
        """Every 50 ms: stop a client's stuck queries beyond its cap, replace stuck workers."""
        while True:
            stop = []
            time.sleep(0.05)  # not cond.wait: every finished query notifies, and this need not run that often
            with self.cond:
                if self.closed:
                    return
                now = time.monotonic()
                by_client: dict[str, list[_Worker]] = {}
                for worker in self._stuck(now):
                    if not worker.stopped:
                        by_client.setdefault(worker.client, []).append(worker)
                for workers in by_client.values():
                    workers.sort(key=lambda w: w.since)
                    for worker in workers[self.per_client:]:  # the newest beyond the cap
                        worker.stopped = True
                        worker.retry_after = max(1, math.ceil(workers[0].deadline - now))
                        stop.append(worker)
                self._grow(now)
            for worker in stop:
                worker.process.kill()  # the request thread sees the pipe close and answers 429

    # -- answering --

    def run(self, text: str, accept: str, fmt: str | None, timeout: float,
            client: str = "") -> tuple[int, str, bytes] | tuple[int, str, bytes, dict]:
        """Send a query to a free worker; kill the worker if it runs past ``timeout``.

        Returns (status, content type, body), plus extra headers for a 429.
        """
        started = time.monotonic()
        deadline = started + timeout
        with self.cond:
            while not self.idle:
                if self.closed or not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    if not self.idle:
                        return 503, "text/plain; charset=utf-8", b"all workers are busy; try again\n"
            worker = self.idle.pop()
            worker.since, worker.deadline, worker.client = time.monotonic(), deadline, client
            self.busy.add(worker)
        answer = None
        try:
            worker.conn.send((text, accept, fmt))
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                answer = worker.conn.recv()
        except (EOFError, OSError):
            pass
        with self.cond:
            self.busy.discard(worker)
            stopped, worker.since = worker.stopped, None
            now = time.monotonic()
            reuse = answer is not None and not stopped and not self.closed
            if reuse and self.total - len(self._stuck(now)) >= self.size:
                reuse = False  # an extra that is no longer needed: retire it
            if reuse:
                self.idle.append(worker)
            self.cond.notify_all()
        if not reuse:
            self._stop(worker)
            with self.cond:
                self._grow(time.monotonic())
        if answer is not None:
            return answer
        if stopped:
            return (429, "text/plain; charset=utf-8",
                    f"stopped: this address has {self.per_client} other long-running queries\n".encode(),
                    {"Retry-After": str(worker.retry_after)})
        return 503, "text/plain; charset=utf-8", f"the query ran longer than {timeout:g} s and was stopped\n".encode()

    def close(self) -> None:
        """Stop every worker."""
        with self.cond:
            self.closed = True
            workers = self.idle + list(self.busy)
            self.idle = []
            self.cond.notify_all()
        for worker in workers:
            self._stop(worker)


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
        status, content_type, body, *extra = self.server.pool.run(text, self.headers.get("Accept", ""), fmt,
                                                                  self.server.timeout_s, self.client_address[0])
        self._send(status, content_type, body, *extra)


def get_page(catalogue: list[dict]) -> bytes:
    """The HTML page, with the named queries embedded as JSON (``<`` escaped so no tag can close early)."""
    template = (resources.files("ketamine_kg") / "templates" / "sparql.html").read_text(encoding="utf-8")
    data = json.dumps(catalogue, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace("/*QUERIES*/[]", data).encode("utf-8")


def make_server(data_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7878, *,
                timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS,
                max_request: int = DEFAULT_MAX_REQUEST, workers: int = 2, max_workers: int | None = None,
                verbose: bool = False, on_build=None) -> ThreadingHTTPServer:
    """A ready (not yet serving) endpoint over the graph of ``data_dir``; call ``serve_forever()``.

    ``workers`` processes answer queries; up to ``max_workers`` (default twice as many)
    run while some are stuck on long queries.
    """
    from ketamine_kg.sparql.engines import list_queries
    from ketamine_kg.store import NQUADS_FILE, get_store_dir

    folder = get_store_dir(data_dir, on_build=on_build)
    catalogue = [{"name": q.name, "question": q.question, "text": q.text, "params": [p.name for p in q.params]}
                 for q in list_queries()]
    try:
        server = ThreadingHTTPServer((host, port), SparqlHandler)
    except OSError as exc:
        raise KkgError(None, None, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server.daemon_threads = True
    try:
        server.pool = WorkerPool(folder / NQUADS_FILE, size=workers, max_rows=max_rows, max_size=max_workers)
    except BaseException:
        server.server_close()
        raise
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
