"""`ketamine-kg serve` against attackers: the table of hostile requests, no outbound connection, bounded resources.

- Every row of ``tests/hostile_requests.yaml`` gets exactly its status and message,
  and afterwards the server still answers an ordinary query.
- While the whole table runs (SERVICE, LOAD, FROM naming a loopback port), a listener
  on that port receives no connection: the server never opens one of its own.
- A worker killed mid-query is reported as a crash at once, not as a timeout.
- A client that hangs up leaves no traceback, and its running query is stopped; SIGTERM ends the server and every worker.
- ``--port 99999``, ``--timeout -1/0/nan`` are clean usage errors; ``--host ::1`` serves.

All traffic is to loopback; every request has a timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml

from ketamine_kg.app.server import close_server, make_server, serve_in_thread
from ketamine_kg.store import get_store_dir

from helpers import run_cli

TABLE = Path(__file__).parent / "hostile_requests.yaml"
ROWS = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
MAX_BYTES = 1_000_000


def _doubling(n: int) -> str:
    """A query whose one value is 10 * 2**n characters, built by CONCAT in a few hundred bytes."""
    binds = ['BIND("0123456789" AS ?a0)'] + [f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(n)]
    return f"SELECT ?a{n} WHERE {{ {' '.join(binds)} }}"


@pytest.fixture(scope="module")
def endpoint(store_cache):
    get_store_dir(None)
    server = make_server(None, "127.0.0.1", 0, timeout=60.0, max_bytes=MAX_BYTES, workers=2)  # long: a loaded machine copies slowly
    serve_in_thread(server)
    yield server
    server.shutdown()
    close_server(server)


def request(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 30) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _fill(text: str, port: int) -> str:
    return (text.replace("{PORT}", str(port)).replace("{NEST}", "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000)
            .replace("{BIG}", _doubling(17)).replace("{HUGE}", _doubling(30)))


def run_row(server, row: dict, port: int) -> tuple[int, dict, bytes]:
    method = row.get("method", "GET")
    path = _fill(row.get("path", "/sparql"), port)
    headers = dict(row.get("headers") or {})
    body = None
    if "query" in row:
        query = _fill(row["query"], port)
        if method == "POST":
            body, headers["Content-Type"] = query.encode("utf-8"), "application/sparql-query"
        else:
            path += "?" + urllib.parse.urlencode({"query": query})
    elif "body" in row:
        body, headers["Content-Type"] = _fill(row["body"], port).encode("utf-8"), row["content_type"]
    return request(server, method, path, body, headers)


def test_the_table_is_well_formed():
    names = [row["name"] for row in ROWS]
    assert len(names) == len(set(names)) and len(names) >= 20
    for row in ROWS:
        assert isinstance(row["status"], int) and isinstance(row["message"], str), row


@pytest.mark.parametrize("row", ROWS, ids=[row["name"] for row in ROWS])
def test_hostile_request(endpoint, listener, row):
    port = listener.getsockname()[1]
    status, headers, body = run_row(endpoint, row, port)
    text = body.decode("utf-8", "replace")
    assert status == row["status"], (status, text[:300])
    assert _fill(row["message"], port) in text, text[:300]
    if row.get("absent"):
        assert row["absent"] not in text
    for name, fragment in (row.get("header") or {}).items():
        assert fragment in headers.get(name.lower(), ""), (name, headers)
    ok_status, _, ok_body = request(endpoint, "GET", "/sparql?query=ASK%7B%7D")  # and the server still answers
    assert ok_status == 200 and b"true" in ok_body


def test_the_server_never_connects_out(endpoint, listener):
    """After every row of the table (run here again), nothing has knocked on the listener."""
    port = listener.getsockname()[1]
    for row in ROWS:
        run_row(endpoint, row, port)
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_a_crashed_worker_is_reported_as_a_crash(endpoint):
    pool = endpoint.pool
    answers: list = []
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    thread = threading.Thread(target=lambda: answers.append(pool.run(runaway, "", "json", 30.0, "crash-test")))
    started = time.monotonic()
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with pool.cond:
            busy = [w for w in pool.busy if w.client == "crash-test"]
        if busy:
            os.kill(busy[0].process.pid, signal.SIGSEGV)
            break
        time.sleep(0.01)
    thread.join(20)
    status, _, body, *_ = answers[0]
    assert status == 500 and b"crashed its worker (signal 11)" in body, body
    assert time.monotonic() - started < 15  # reported when it happened, not after the 30 s deadline


def test_a_client_that_hangs_up_leaves_no_traceback(endpoint, capfd):
    slow = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }")  # about a second
    for path in ("/sparql?query=" + slow, "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D"):
        with socket.create_connection(("127.0.0.1", endpoint.server_address[1]), timeout=5) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
    time.sleep(4.0)  # the slow answer is written to a socket that is gone
    status, _, _ = request(endpoint, "GET", "/sparql?query=ASK%7B%7D")
    assert status == 200
    assert "Traceback" not in capfd.readouterr().err


def test_a_query_whose_client_has_gone_is_stopped(endpoint):
    pool = endpoint.pool
    runaway = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    with socket.create_connection(("127.0.0.1", endpoint.server_address[1]), timeout=5) as sock:
        sock.sendall(f"GET /sparql?query={runaway} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        deadline = time.monotonic() + 3
        while not pool.busy:
            assert time.monotonic() < deadline, "the query never started"
            time.sleep(0.01)
    closed = time.monotonic()
    while pool.busy:  # the server's timeout is 60 s: a stop well before it is the hang-up being seen
        assert time.monotonic() - closed < 2.0, "the query kept running after its client left"
        time.sleep(0.02)


def test_the_backlog_suits_a_public_endpoint(endpoint):
    assert endpoint.request_queue_size >= 128


def test_every_named_query_runs_under_the_memory_limit(endpoint):
    from ketamine_kg.sparql.catalogue import list_queries

    for query in list_queries():
        if "internet" in query.requires or "SERVICE" in query.text.upper():
            continue
        status, _, body = request(endpoint, "POST", "/sparql", query.text.encode(), {"Content-Type": "application/sparql-query"})
        assert status == 200, (query.name, body[:300])


@pytest.mark.parametrize("args, fragment", [
    (["--port", "99999"], "99999 is not in the range 0<=x<=65535"),
    (["--port", "-1"], "-1 is not in the range"),
    (["--timeout", "-1"], "must be a positive number of seconds"),
    (["--timeout", "0"], "must be a positive number of seconds"),
    (["--timeout", "nan"], "must be a positive number of seconds"),
    (["--max-memory", "-5"], "--max-memory"),
])
def test_bad_serve_options_are_clean_errors(args, fragment):
    proc = run_cli("serve", *args, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr and "Traceback" not in proc.stderr


def _serve(*args: str) -> tuple[subprocess.Popen, int, list[str]]:
    from helpers import cli_path

    proc = subprocess.Popen([cli_path(), "serve", "--port", "0", "--workers", "1", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    found = threading.Event()
    port: list[int] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if "SPARQL endpoint:" in line:
                port.append(int(line.rsplit(":", 1)[1].split("/")[0]))
                found.set()
        found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(120) or not port:
        proc.kill()
        raise AssertionError("the server did not start:\n" + "\n".join(lines))
    return proc, port[0], lines


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to list the worker processes")
def test_sigterm_ends_the_server_and_every_worker(store_cache):
    get_store_dir(None)
    proc, port, lines = _serve("--timeout", "30")
    try:
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

        def send() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=40)
            try:
                conn.request("POST", "/sparql", runaway.encode(), {"Content-Type": "application/sparql-query"})
                conn.getresponse().read()
            except (OSError, http.client.HTTPException):  # the server is stopping: a cut answer is expected
                pass
            finally:
                conn.close()

        threading.Thread(target=send, daemon=True).start()
        time.sleep(1.5)  # the runaway is running in a worker now
        workers = _children(proc.pid)
        assert workers, "no worker processes found"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "a worker outlived the server"
    assert "stopped" in lines and not any("Traceback" in line for line in lines), lines


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
def test_host_ipv6_loopback_serves(store_cache):
    get_store_dir(None)
    proc, port, lines = _serve("--host", "::1")
    try:
        assert not any(line.startswith("warning:") for line in lines), lines
        conn = http.client.HTTPConnection("::1", port, timeout=30)
        conn.request("GET", "/sparql?query=ASK%7B%7D", headers={"Host": f"[::1]:{port}"})
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["boolean"] is True
        conn.close()
    finally:
        proc.terminate()
        proc.wait(15)
