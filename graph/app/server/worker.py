"""The worker process of the endpoint: holds the graph in memory and answers one query at a time.

:func:`answer` runs one query and turns what happens into an HTTP answer; the status of
a failure follows the TYPE of the error (:data:`STATUS_BY_ERROR`), never its wording.

Over the pipe (:func:`send_answer`), an answer of at most :data:`FIRST_BYTES` goes as one
message ``(status, content type, body)``. A longer one is streamed: ``(STREAM, content
type)``, then its pieces as ``bytes``, then :data:`END`, or ``(CUT, status, message)`` if
it fails or passes the byte cap part way. While streaming, the server may send
:data:`CANCEL` (its client hung up); the worker stops at the next piece and says
:data:`CANCELLED`, and is free for another query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ketamine_kg.sparql.guard import check_query
from ketamine_kg.app.server.handler import negotiate
from ketamine_kg.core.terms import Result
from ketamine_kg.errors import EndpointError, KkgError, QueryError, ReadOnlyError, RefusedQueryError, StoreError, TooLargeError
from ketamine_kg.sparql.catalogue import parse_query
from ketamine_kg.sparql.engines import Engine, OxigraphEngine
from ketamine_kg.sparql.results import iter_bytes, media_type
from ketamine_kg.store import load_quads

TEXT = "text/plain; charset=utf-8"
DEFAULT_MAX_BYTES = 32 * 1024 * 1024   # the largest answer a worker sends (the article's whole graph is ~3 MB in Turtle)
DEFAULT_MAX_MEMORY = 1024 * 1024 * 1024  # RLIMIT_AS of a worker: the article's queries peak far below it
FIRST_BYTES = 256 * 1024  # an answer up to this size is sent whole (with Content-Length); a longer one is streamed
STREAM, END, CUT, CANCEL, CANCELLED = "stream", "end", "cut", "cancel", "cancelled"  # the messages of a stream
# The HTTP status of each kind of error, most specific first (the first that matches wins).
STATUS_BY_ERROR: tuple[tuple[type[KkgError], int], ...] = (
    (ReadOnlyError, 403),   # an update sent to the read-only graph
    (RefusedQueryError, 400),  # SERVICE, LOAD, a remote FROM, or nesting too deep
    (TooLargeError, 413),   # a result past the cap in bytes
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


def _too_large(max_bytes: int) -> TooLargeError:
    return TooLargeError("query", None, f"the answer is larger than {max_bytes} bytes (this server's cap): add a LIMIT or select less")


def estimate_size(result: Result) -> int:
    """A lower bound on the bytes of ``result`` in any format: the length of every term's text."""
    cells = result.rows if result.form == "select" else result.triples if result.form == "graph" else []
    return sum(len(t.value) for row in cells for t in row if t is not None)


def failure(exc: BaseException) -> tuple[int, str, bytes]:
    """The answer to a query that raised ``exc``: its status (:func:`status_for`) and a one-line message."""
    if isinstance(exc, KkgError):
        return status_for(exc), TEXT, (str(exc) + "\n").encode()
    if isinstance(exc, MemoryError):
        return 507, TEXT, b"the query needs more memory than this server gives one query\n"
    return 500, TEXT, f"query failed: {exc}\n".encode()


def start_answer(engine: Engine, text: str, accept: str, fmt_param: str | None, max_rows: int,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[int, str, Iterator[bytes]]:
    """Run the query ``text`` on ``engine``; return (status, content type, the body's pieces).

    The text is checked first (:func:`~ketamine_kg.sparql.guard.check_query`); a result
    whose terms alone exceed ``max_bytes`` is not serialised at all (413). The pieces are
    written as they are taken (:func:`~ketamine_kg.sparql.results.iter_bytes`), and can
    raise too; :func:`capped` stops them at ``max_bytes``. Errors are raised, for
    :func:`failure` to answer.
    """
    check_query(text)
    query = parse_query(text, "query")
    result = engine.run(query, max_rows=max_rows)
    if len(result) > max_rows:
        return 422, TEXT, iter([f"the result has more than {max_rows} rows (this server's cap): add a LIMIT\n".encode()])
    fmt = negotiate(accept, fmt_param, result.form == "graph")
    if fmt is None:
        return 406, TEXT, iter([f"cannot answer in {accept or fmt_param}\n".encode()])
    if estimate_size(result) > max_bytes:
        raise _too_large(max_bytes)
    return 200, media_type(result, fmt), iter_bytes(result, fmt)


def capped(pieces: Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    """``pieces`` as they come, until they pass ``max_bytes`` in all: then :class:`TooLargeError`."""
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > max_bytes:
            raise _too_large(max_bytes)
        yield piece


def answer(engine: Engine, text: str, accept: str, fmt_param: str | None, max_rows: int,
           max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[int, str, bytes]:
    """Run the query ``text`` on ``engine``; return (status, content type, body) for the client, the body whole.

    An answer past ``max_bytes`` is 413, whether its terms alone pass it or its bytes do
    (see :func:`start_answer`); every error is answered by :func:`failure`.
    """
    try:
        status, content_type, pieces = start_answer(engine, text, accept, fmt_param, max_rows, max_bytes)
        return status, content_type, b"".join(capped(pieces, max_bytes))
    except Exception as exc:  # noqa: BLE001 (keep the worker alive for the next request)
        return failure(exc)


def send_answer(conn: Any, engine: Engine, text: str, accept: str, fmt_param: str | None, max_rows: int,
                max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Answer one query over ``conn``: whole if it fits :data:`FIRST_BYTES`, else streamed (see the module's text).

    At most :data:`FIRST_BYTES` and a piece are held here before a stream starts; after
    that, each piece is sent as it is written, and the pipe's buffer holds the rest back
    until the server has read it.
    """
    held: list[bytes] = []
    held_bytes, streaming = 0, False
    try:
        status, content_type, pieces = start_answer(engine, text, accept, fmt_param, max_rows, max_bytes)
        source = capped(pieces, max_bytes)
    except Exception as exc:  # noqa: BLE001
        conn.send(failure(exc))
        return
    while True:
        try:
            piece = next(source, None)
        except Exception as exc:  # noqa: BLE001 (past the cap, or the serialiser failed)
            status, _, message = failure(exc)
            conn.send((CUT, status, message) if streaming else (status, TEXT, message))
            return
        if piece is None:
            break
        if streaming:
            if conn.poll() and conn.recv() == CANCEL:  # the server's client has gone
                conn.send(CANCELLED)
                return
            conn.send(piece)
            continue
        held.append(piece)
        held_bytes += len(piece)
        if held_bytes > FIRST_BYTES:
            conn.send((STREAM, content_type))
            for part in held:
                conn.send(part)
            held, streaming = [], True
    conn.send(END if streaming else (status, content_type, b"".join(held)))


def limit_memory(max_memory: int | None) -> None:
    """Cap this process's address space at ``max_memory`` bytes (``RLIMIT_AS``); None or 0: no cap."""
    if not max_memory:
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    bound = max_memory if hard == resource.RLIM_INFINITY else min(max_memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (bound, hard))


def worker_main(conn: Any, nquads_path: str, max_rows: int, max_bytes: int = DEFAULT_MAX_BYTES,
                max_memory: int | None = DEFAULT_MAX_MEMORY) -> None:
    """Hold the graph in memory and answer (query text, accept, format) requests until the pipe closes.

    The process ignores SIGINT (the server stops its workers itself, so Ctrl+C in a
    terminal prints nothing from them) and caps its address space at ``max_memory``.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(max_memory)
    import pyoxigraph  # heavy: a native library, loaded in the worker process only

    store = pyoxigraph.Store()
    load_quads(store, path=nquads_path)
    engine = OxigraphEngine(store)
    try:
        conn.send("ready")
        while True:
            request = conn.recv()
            if request == CANCEL:  # it came after the answer had ended: nothing to stop
                continue
            text, accept, fmt_param = request
            send_answer(conn, engine, text, accept, fmt_param, max_rows, max_bytes)
    except (EOFError, OSError):  # the server closed the pipe (it is stopping, or gave up on this query)
        return
