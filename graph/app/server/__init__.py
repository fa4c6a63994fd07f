"""A read-only SPARQL 1.1 Protocol endpoint over the graph, with a page to try queries.

``make_server(...)`` returns a :class:`~ketamine_kg.app.server.handler.SparqlServer` (a
:class:`http.server.ThreadingHTTPServer`) that answers:

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
timeout (see :class:`~ketamine_kg.app.server.pool.WorkerPool`).
Results are capped at ``max_rows`` rows (or triples) and requests at ``max_request``
bytes. Nothing but these pages is served: there is no file system behind the URLs.

The package: :mod:`~ketamine_kg.app.server.pool` (the worker processes),
:mod:`~ketamine_kg.app.server.worker` (one worker: runs a query, maps error types to
statuses), :mod:`~ketamine_kg.app.server.handler` (HTTP routes, content negotiation).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from ketamine_kg.app.engines import build_graphs
from ketamine_kg.app.server.handler import SparqlHandler, SparqlServer, negotiate
from ketamine_kg.app.server.pool import DEFAULT_MAX_ROWS, WorkerPool
from ketamine_kg.app.server.worker import STATUS_BY_ERROR, status_for
from ketamine_kg.errors import KkgError
from ketamine_kg.sparql.catalogue import list_queries
from ketamine_kg.store import NQUADS_FILE, get_store_dir

__all__ = ["DEFAULT_MAX_REQUEST", "DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT", "LOCAL_HOSTS", "STATUS_BY_ERROR",
           "SparqlHandler", "SparqlServer", "WorkerPool", "get_page", "make_server", "negotiate", "serve_in_thread", "status_for"]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_REQUEST = 64 * 1024


def get_page(catalogue: list[dict]) -> bytes:
    """The HTML page, with the named queries embedded as JSON (``<`` escaped so no tag can close early)."""
    template = (resources.files("ketamine_kg") / "templates" / "sparql.html").read_text(encoding="utf-8")
    data = json.dumps(catalogue, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace("/*QUERIES*/[]", data).encode("utf-8")


def make_server(data_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7878, *,
                timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS,
                max_request: int = DEFAULT_MAX_REQUEST, workers: int = 2, max_workers: int | None = None,
                verbose: bool = False, on_build: Callable[[str], None] | None = None) -> SparqlServer:
    """A ready (not yet serving) endpoint over the graph of ``data_dir``; call ``serve_forever()``.

    ``workers`` processes answer queries; up to ``max_workers`` (default twice as many)
    run while some are stuck on long queries.
    """
    folder = get_store_dir(data_dir, on_build=on_build, builder=build_graphs)
    catalogue = [{"name": q.name, "question": q.question, "text": q.text, "params": [p.name for p in q.params]}
                 for q in list_queries()]
    try:
        server = SparqlServer((host, port), SparqlHandler)
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


def serve_in_thread(server: SparqlServer) -> threading.Thread:
    """Serve in a daemon thread (for tests and embedding); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
