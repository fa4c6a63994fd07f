"""The worker process of the endpoint: holds the graph in memory and answers one query at a time.

:func:`answer` runs one query and turns what happens into an HTTP answer; the status of
a failure follows the TYPE of the error (:data:`STATUS_BY_ERROR`), never its wording.
"""

from __future__ import annotations

from typing import Any

from ketamine_kg.app.server.handler import negotiate
from ketamine_kg.errors import EndpointError, KkgError, QueryError, ReadOnlyError, StoreError
from ketamine_kg.sparql.catalogue import parse_query
from ketamine_kg.sparql.engines import Engine, OxigraphEngine
from ketamine_kg.sparql.results import media_type, to_bytes
from ketamine_kg.store import load_quads

TEXT = "text/plain; charset=utf-8"
# The HTTP status of each kind of error, most specific first (the first that matches wins).
STATUS_BY_ERROR: tuple[tuple[type[KkgError], int], ...] = (
    (ReadOnlyError, 403),   # an update sent to the read-only graph
    (QueryError, 400),      # a query that cannot be parsed or run
    (EndpointError, 502),   # a SERVICE endpoint (or another upstream) that failed
    (StoreError, 503),      # the graph store cannot be read
    (KkgError, 400),        # any other problem with what the client sent
)


def status_for(exc: KkgError) -> int:
    """The HTTP status for ``exc``, by its type.

    >>> status_for(ReadOnlyError(None, None, "no")), status_for(QueryError(None, None, "bad"))
    (403, 400)
    """
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    return 400


def answer(engine: Engine, text: str, accept: str, fmt_param: str | None, max_rows: int) -> tuple[int, str, bytes]:
    """Run the query ``text`` on ``engine``; return (status, content type, body) for the client."""
    try:
        query = parse_query(text, "query")
        result = engine.run(query, max_rows=max_rows)
        if len(result) > max_rows:
            return 422, TEXT, f"the result has more than {max_rows} rows (this server's cap): add a LIMIT\n".encode()
        fmt = negotiate(accept, fmt_param, result.form == "graph")
        if fmt is None:
            return 406, TEXT, f"cannot answer in {accept or fmt_param}\n".encode()
        return 200, media_type(result, fmt), to_bytes(result, fmt)
    except KkgError as exc:
        return status_for(exc), TEXT, (str(exc) + "\n").encode()
    except Exception as exc:  # keep the worker alive for the next request
        return 500, TEXT, f"query failed: {exc}\n".encode()


def worker_main(conn: Any, nquads_path: str, max_rows: int) -> None:
    """Hold the graph in memory and answer (query text, accept, format) requests until the pipe closes."""
    import pyoxigraph  # heavy: a native library, loaded in the worker process only

    store = pyoxigraph.Store()
    load_quads(store, path=nquads_path)
    engine = OxigraphEngine(store)
    conn.send("ready")
    while True:
        try:
            text, accept, fmt_param = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(answer(engine, text, accept, fmt_param, max_rows))
