"""`ketamine-kg serve` streams long answers (issue 16): chunked, the same bytes, cut when they cannot be whole.

An answer longer than the worker's first buffer (:data:`FIRST_BYTES`) is sent as it is
written: ``Transfer-Encoding: chunked`` to HTTP/1.1, until the connection closes to
HTTP/1.0. Here, against a server in this process (default 32 MiB cap):

- a CONSTRUCT of the whole graph, a SELECT of its triples and a 30 MB literal arrive
  chunked and equal the worker's whole answer (``answer()``, what the server sent
  before it streamed); HTTP/1.0 gets them until close, HEAD the headers only;
- an answer that passes the cap part way ends without the last chunk (a client sees an
  incomplete answer), and with a reset for HTTP/1.0;
- a client that hangs up mid-stream frees its worker (it goes back to the pool, not
  killed) and the next query is answered at once; a client that stops reading is cut at
  the query's deadline.
"""

from __future__ import annotations

import http.client
import socket
import struct
import time
import urllib.parse

import pytest

from ketamine_kg.app.server import close_server, make_server, serve_in_thread
from ketamine_kg.app.server.worker import FIRST_BYTES, answer
from ketamine_kg.store import get_store_dir

TIMEOUT = 8.0
JSON = "application/sparql-results+json"
# blank nodes left out: their labels differ between two loads of the graph (the server's and this test's)
NO_BNODES = "FILTER(!isBlank(?s) && !isBlank(?o))"
EVERYTHING = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {NO_BNODES} }}"
# Every triple twice (again under a second predicate): Turtle groups a subject's triples, and
# over a store loaded in subject order the graph's Turtle alone is under FIRST_BYTES.
EVERYTHING_TWICE = (f"CONSTRUCT {{ ?s ?p ?o . ?s ?again ?o }} WHERE {{ ?s ?p ?o {NO_BNODES} "
                    f'BIND(IRI(CONCAT(STR(?p), "-again")) AS ?again) }}')
TRIPLES = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o {NO_BNODES} }} ORDER BY ?s ?p ?o"


def _doubling(n: int, seed: str = "0123456789abcde") -> str:
    """A query whose one value is ``seed`` doubled ``n`` times (15 * 2**21 characters: 31 MB)."""
    binds = [f'BIND("{seed}" AS ?a0)'] + [f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(n)]
    return f"SELECT ?a{n} WHERE {{ {' '.join(binds)} }}"


@pytest.fixture(scope="module")
def endpoint(store_cache):
    get_store_dir(None)
    server = make_server(None, "127.0.0.1", 0, timeout=TIMEOUT, workers=2)
    serve_in_thread(server)
    yield server
    server.shutdown()
    close_server(server)


@pytest.fixture(scope="module")
def engine(endpoint):
    """The worker's engine, in this process: over the same graph file the server loaded."""
    import pyoxigraph as ox

    from ketamine_kg.sparql.engines import OxigraphEngine
    from ketamine_kg.store import load_quads

    store = ox.Store()
    load_quads(store, path=endpoint.pool.nquads_path)
    return OxigraphEngine(store)


def _whole(engine, query: str, accept: str) -> bytes:
    status, _, body = answer(engine, query, accept, None, 10_000)
    assert status == 200, body[:300]
    return body


def _get(server, query: str, accept: str, method: str = "GET") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=60)
    conn.request(method, "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
    return conn.getresponse()


def _raw(server, request: bytes, reader=None) -> tuple[bytes, str | None]:
    """Send ``request`` on a new socket, read until the server closes it: (everything read, the error that ended it)."""
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=60) as sock:
        sock.sendall(request)
        data = bytearray()
        try:
            while chunk := sock.recv(1 << 16):
                data += chunk
        except OSError as exc:
            return bytes(data), type(exc).__name__
    return bytes(data), None


def _dechunk(body: bytes) -> tuple[bytes, bool]:
    """The data of a chunked body, and whether it ended with the zero chunk."""
    out, at = bytearray(), 0
    while (end := body.find(b"\r\n", at)) != -1:
        size = int(body[at:end], 16)
        if size == 0:
            return bytes(out), body[end:] == b"\r\n\r\n"
        out += body[end + 2:end + 2 + size]
        at = end + 2 + size + 2
    return bytes(out), False


@pytest.mark.parametrize("query, accept", [
    (EVERYTHING, "application/n-triples"),
    (EVERYTHING_TWICE, "text/turtle"),
    (TRIPLES, "text/csv"),
    (TRIPLES, "application/sparql-results+xml"),
    (_doubling(21), JSON),
], ids=["construct-nt", "construct-turtle", "select-csv", "select-xml", "30-MB-literal"])
def test_a_long_answer_arrives_chunked_and_whole(endpoint, engine, query, accept):
    expected = _whole(engine, query, accept)
    assert len(expected) > FIRST_BYTES  # else it is not streamed at all
    response = _get(endpoint, query, accept)
    assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    assert response.read() == expected


def test_a_short_answer_keeps_its_content_length(endpoint):
    response = _get(endpoint, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", JSON)
    body = response.read()
    assert response.getheader("Transfer-Encoding") is None and int(response.getheader("Content-Length")) == len(body)


def test_http10_gets_the_answer_until_close_and_head_gets_headers_only(endpoint, engine):
    path = "/sparql?" + urllib.parse.urlencode({"query": EVERYTHING})
    expected = _whole(engine, EVERYTHING, "application/n-triples")
    data, error = _raw(endpoint, f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/n-triples\r\n\r\n".encode())
    head, _, body = data.partition(b"\r\n\r\n")
    assert error is None and head.startswith(b"HTTP/1.1 200") and b"chunked" not in head.lower()
    assert b"Content-Length" not in head and body == expected
    for version in ("1.0", "1.1"):
        data, _ = _raw(endpoint, f"HEAD {path} HTTP/{version}\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                 "Accept: application/n-triples\r\n\r\n".encode())
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and body == b"", (version, head, body[:100])
        assert (b"Transfer-Encoding: chunked" in head) == (version == "1.1")
    _wait_idle(endpoint)


def _wait_idle(server, seconds: float = 3.0) -> float:
    """Wait until no worker is busy; the seconds it took."""
    started = time.monotonic()
    while server.pool.busy:
        assert time.monotonic() - started < seconds, "a worker stayed busy"
        time.sleep(0.01)
    return time.monotonic() - started


def test_an_answer_past_the_cap_part_way_is_cut(endpoint):
    # 10 quotes doubled 21 times: 21 MB of text (under the 32 MiB cap), but JSON escapes each quote: 42 MB
    query = _doubling(21, '\\"' * 10)
    response = _get(endpoint, query, JSON)
    assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
    with pytest.raises(http.client.IncompleteRead) as cut:
        response.read()
    assert FIRST_BYTES < len(cut.value.partial) <= 32 * 2**20
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    data, error = _raw(endpoint, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    body, ended = _dechunk(data.partition(b"\r\n\r\n")[2])
    assert not ended and FIRST_BYTES < len(body) <= 32 * 2**20  # no zero chunk: not a truncated-but-valid answer
    data, error = _raw(endpoint, f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
    assert error == "ConnectionResetError", (error, len(data))  # HTTP/1.0: a reset, never a clean end
    _wait_idle(endpoint)
    assert _get(endpoint, "ASK {}", JSON).status == 200


def test_a_client_that_hangs_up_mid_stream_frees_its_worker(endpoint, monkeypatch):
    pool = endpoint.pool
    _wait_idle(endpoint)
    # no extra worker for a stream that counts as stuck on a loaded machine: the streaming
    # worker itself must come back to the pool
    monkeypatch.setattr(pool, "slow_after", 60.0)
    pids = {w.process.pid for w in pool.idle}
    path = "/sparql?" + urllib.parse.urlencode({"query": _doubling(21)})
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # small: the server soon waits on this client
        sock.settimeout(30)
        sock.connect(("127.0.0.1", endpoint.server_address[1]))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert b"Transfer-Encoding: chunked" in sock.recv(4096)
        streaming = list(pool.busy)
        assert len(streaming) == 1
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset on close
    freed = _wait_idle(endpoint)
    assert freed < 2.0, f"the worker was busy {freed:.2f} s after its client left"
    started = time.monotonic()
    response = _get(endpoint, "ASK { ?s ?p ?o }", JSON)
    assert response.status == 200 and b"true" in response.read()
    assert time.monotonic() - started < 1.0
    # told to stop, it went back to the pool (the same process, alive): not killed and restarted
    assert streaming[0] in pool.idle and streaming[0].process.exitcode is None
    assert {w.process.pid for w in pool.idle} == pids


def test_a_client_that_stops_reading_is_cut_at_the_deadline(endpoint):
    path = "/sparql?" + urllib.parse.urlencode({"query": _doubling(21)})
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        sock.settimeout(TIMEOUT + 20)
        sock.connect(("127.0.0.1", endpoint.server_address[1]))
        started = time.monotonic()
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert b"200 OK" in sock.recv(4096)
        time.sleep(TIMEOUT + 1)  # read nothing past the deadline
        assert _wait_idle(endpoint, 5.0) < 5.0  # the worker is free again
        data = bytearray()
        while chunk := sock.recv(1 << 16):  # what the socket buffers held, then the close
            data += chunk
    assert time.monotonic() - started < TIMEOUT + 10
    assert len(data) < 31 * 10**6 and not data.endswith(b"0\r\n\r\n")
