"""A read-only SPARQL 1.1 Protocol endpoint over the graph, with a page to try queries.

``make_server(...)`` returns a :class:`~ketamine_kg.app.server.handler.SparqlServer` (a
:class:`http.server.ThreadingHTTPServer`) that answers:

- ``/sparql``: GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``) or
  POST ``application/sparql-query``; results in the format the ``Accept`` header (or a
  ``format=`` parameter) asks for: SPARQL JSON, XML, CSV, TSV, or Turtle, N-Triples,
  JSON-LD, RDF/XML for graphs. Updates are refused with 403.
- ``/``: one offline HTML page (inline CSS and JS) to type queries and see results.
- ``/queries.json``: the named queries (name, question, text).
- the linked-data paths (:mod:`~ketamine_kg.app.server.linked`): ``/entity/ID``,
  ``/claim/...``, ``/source/...``, ``/ontology`` (200 with content negotiation),
  ``/.well-known/void``, and ``GET /sparql`` with no query (the service description).

What it refuses (see the README's "Reliability"): ``SERVICE``, ``LOAD`` and a remote
``FROM`` (400: it never opens a connection of its own), queries nested past 64 brackets
(400, before the parser sees them), a ``Host`` that is not loopback while bound to
loopback (421: DNS rebinding), answers past ``max_bytes`` (413, counted in the worker;
an answer past 256 KiB is streamed, and one that passes the cap part way is cut),
and a worker past ``max_memory`` bytes of address space (``RLIMIT_AS``) fails its query
alone; a query whose client hangs up is stopped. Every answer carries ``Access-Control-Allow-Origin: *`` (reads only).
While it runs, the server pins its store (:func:`ketamine_kg.store.pin_store`) so that
no prune removes it.

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
from ketamine_kg.app.server.linked import LinkedData
from ketamine_kg.app.server.pool import DEFAULT_MAX_ROWS, WorkerPool
from ketamine_kg.app.server.worker import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMORY, STATUS_BY_ERROR, status_for
from ketamine_kg.errors import KkgError
from ketamine_kg.sparql.catalogue import list_queries
from ketamine_kg.store import NQUADS_FILE, get_store_dir, pin_store

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_MEMORY", "DEFAULT_MAX_REQUEST", "DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT", "LOCAL_HOSTS", "STATUS_BY_ERROR",
           "SparqlHandler", "SparqlServer", "WorkerPool", "close_server", "get_page", "make_server", "negotiate", "serve_in_thread", "status_for"]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
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
                max_bytes: int = DEFAULT_MAX_BYTES, max_memory: int | None = DEFAULT_MAX_MEMORY,
                verbose: bool = False, on_build: Callable[[str], None] | None = None) -> SparqlServer:
    """A ready (not yet serving) endpoint over the graph of ``data_dir``; call ``serve_forever()``.

    ``workers`` processes answer queries; up to ``max_workers`` (default twice as many)
    run while some are stuck on long queries. ``max_bytes`` caps one answer,
    ``max_memory`` one worker's address space (None: no cap). Close it with
    :func:`close_server`.
    """
    if not (isinstance(port, int) and 0 <= port <= 65535):
        raise KkgError(None, None, f"--port must be between 0 and 65535, not {port}")
    if not (timeout > 0 and timeout != float("inf")):  # also refuses nan
        raise KkgError(None, None, f"--timeout must be a positive number of seconds, not {timeout}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    folder = get_store_dir(data_dir, on_build=on_build, builder=build_graphs)
    pin = pin_store(folder)
    catalogue = [{"name": q.name, "question": q.question, "text": q.text, "params": [p.name for p in q.params]}
                 for q in list_queries()]
    try:
        server = SparqlServer((host, port), SparqlHandler)
    except (OSError, OverflowError) as exc:
        pin.release()
        raise KkgError(None, None, f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}") from None
    server.daemon_threads = True
    server.pin = pin
    try:
        server.pool = WorkerPool(folder / NQUADS_FILE, size=workers, max_rows=max_rows, max_size=max_workers,
                                 max_bytes=max_bytes, max_memory=max_memory)
        server.linked = LinkedData(server.pool, timeout=max(timeout, 10.0))
    except BaseException:
        if getattr(server, "pool", None) is not None:
            server.pool.close()
        server.server_close()
        pin.release()
        raise
    server.loopback_only = host in LOCAL_HOSTS or host.startswith("127.")
    server.page = get_page(catalogue)
    server.catalogue = json.dumps(catalogue, ensure_ascii=False).encode("utf-8")
    server.timeout_s = timeout
    server.max_request = max_request
    server.verbose = verbose
    return server


def close_server(server: SparqlServer) -> None:
    """Stop listening, end every worker and release the store's pin (after ``shutdown()`` if serving)."""
    server.server_close()
    server.pool.close()
    server.pin.release()


def serve_in_thread(server: SparqlServer) -> threading.Thread:
    """Serve in a daemon thread (for tests and embedding); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
