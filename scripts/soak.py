#!/usr/bin/env python3
"""Soak test of ``ketamine-kg serve``: many clients for a while, errors and latency percentiles.

    .venv/bin/python scripts/soak.py                      # 20 clients, 60 s, a runaway every 10 s, an attack every 3 s
    .venv/bin/python scripts/soak.py --clients 50 --seconds 300 --runaway-every 5

Starts the installed ``ketamine-kg serve`` on a free loopback port (the built-in article,
or ``--data DIR``; ``--url`` soaks a server already running instead). Each client keeps
one HTTP/1.1 connection and sends the named queries (defaults bound, as the CLI binds
them) in a loop; one more client sends a runaway cross product every ``--runaway-every``
seconds, alternately ``SELECT *`` of it (stopped by the row cap) and a ``COUNT`` of it
(stopped only by the timeout). An attacker sends one of :data:`ATTACKS` every
``--attack-every`` seconds, in turn: 6,000 nested braces, a CONCAT bomb (a 10 GB string
from 300 bytes), ``SERVICE``/``FROM``/``LOAD`` naming a loopback listener that must never
be connected to, a cross-host ``Host`` header (DNS rebinding), and a client that sends a
runaway and hangs up at once. Prints requests, errors, and the p50/p95/p99 latency of the
named queries overall, per query, while a runaway was running and while an attack was
being answered (the victims' latency); what each attack got; and whether the listener
heard anything. Exits non-zero if any named query failed, p95 missed ``--target-ms``, an
attack got an answer other than its refusal, or the server connected out.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# A cross product of every triple with every triple with every triple: the first streams rows
# (the row cap stops it), the second counts them all (only the timeout stops it).
RUNAWAYS = ["SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"]



def _doubling(n: int) -> str:
    """A query whose one value is 10 * 2**n characters, built by CONCAT in a few hundred bytes."""
    binds = ['BIND("0123456789" AS ?a0)'] + [f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(n)]
    return f"SELECT ?a{n} WHERE {{ {' '.join(binds)} }}"


# Attacks mixed into the soak: (kind, query with {PORT} for the listener, extra headers,
# hang up at once, the statuses that count as refused or bounded).
ATTACKS = [
    ("nested-braces", "SELECT * WHERE " + "{" * 6000 + " ?s ?p ?o " + "}" * 6000, {}, False, {400}),
    ("concat-bomb", _doubling(30), {}, False, {413, 500, 503}),  # byte cap, memory limit (a crash, reported), timeout
    ("service", "SELECT * WHERE { SERVICE <http://127.0.0.1:{PORT}/sparql> { ?s ?p ?o } }", {}, False, {400}),
    ("from-remote", "SELECT * FROM <http://127.0.0.1:{PORT}/g> WHERE { ?s ?p ?o }", {}, False, {400}),
    ("load", "LOAD <http://127.0.0.1:{PORT}/data.ttl>", {}, False, {400, 403}),
    ("cross-host", "ASK {}", {"Host": "attacker.example"}, False, {421}),
    ("hang-up", RUNAWAYS[1], {}, True, {"hung up"}),
]


@dataclass
class Sample:
    """One named query's request: which, when it started, how long it took, how it ended."""

    name: str
    start: float
    seconds: float
    status: int | str


@dataclass
class SoakReport:
    """Everything measured in one soak run."""

    samples: list[Sample] = field(default_factory=list)
    runaways: list[tuple[float, float, int | str]] = field(default_factory=list)  # start, seconds, status
    attacks: list[tuple[str, float, float, int | str]] = field(default_factory=list)  # kind, start, seconds, status
    connections_out: int = 0  # connections the loopback listener received (must stay 0)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.status != 200]

    def percentiles(self, samples: list[Sample] | None = None) -> dict[str, float]:
        """p50/p95/p99 (ms) of ``samples`` (default: all named-query requests)."""
        times = sorted(s.seconds * 1000 for s in (self.samples if samples is None else samples))
        if not times:
            return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
        pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731 (nearest rank)
        return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)}

    def during_runaways(self) -> list[Sample]:
        """The named-query requests that started while a runaway was running."""
        return [s for s in self.samples if any(r0 <= s.start < r0 + r1 for r0, r1, _ in self.runaways)]

    def during_attacks(self) -> list[Sample]:
        """The named-query requests that started while an attack was being answered (a hang-up: for 1 s)."""
        windows = [(a0, max(a1, 1.0) if kind == "hang-up" else a1) for kind, a0, a1, _ in self.attacks]
        return [s for s in self.samples if any(a0 <= s.start < a0 + a1 for a0, a1 in windows)]

    @property
    def bad_attacks(self) -> list[tuple[str, float, float, int | str]]:
        """Attacks that got something other than their refusal or bounded answer."""
        expected = {kind: ok for kind, _, _, _, ok in ATTACKS}
        return [a for a in self.attacks if a[3] not in expected[a[0]]]


def get_named_queries(endpoint: str) -> list[tuple[str, str]]:
    """(name, text with its default parameters bound) for every named query that runs offline.

    Defaults that name the data (``@subject`` ...) are read from the graph ``endpoint`` serves.
    """
    from ketamine_kg.sparql.catalogue import list_queries
    from ketamine_kg.sparql.engines import get_bindings
    from ketamine_kg.sparql.remote import RemoteEngine
    from ketamine_kg.sparql.lexer import requires_internet, with_values

    engine = RemoteEngine(endpoint)
    out = []
    for query in list_queries():
        if "internet" in query.requires or requires_internet(query.text):
            continue
        out.append((query.name, with_values(query.text, get_bindings(engine, query))))
    return out


def _post(conn: http.client.HTTPConnection, text: str) -> tuple[int, bytes]:
    conn.request("POST", "/sparql", body=text.encode("utf-8"),
                 headers={"Content-Type": "application/sparql-query",
                          "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
    response = conn.getresponse()
    return response.status, response.read()


def _attack(host: str, port: int, query: str, headers: dict[str, str], hang_up: bool) -> int | str:
    """Send one attack on its own connection; its status, or "hung up" once sent and dropped."""
    conn = http.client.HTTPConnection(host, port, timeout=120)
    try:
        conn.request("POST", "/sparql", body=query.encode("utf-8"),
                     headers={"Content-Type": "application/sparql-query", **headers})
        if hang_up:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
            return "hung up"
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__
    finally:
        conn.close()


def run_soak(host: str, port: int, *, clients: int = 20, seconds: float = 60, runaway_every: float = 10,
             attack_every: float = 0, queries: list[tuple[str, str]] | None = None) -> SoakReport:
    """Soak the endpoint at ``host:port``; return what was measured.

    With ``attack_every`` > 0, one of :data:`ATTACKS` is sent every so many seconds, in turn,
    and a listener on loopback counts the connections the server makes to it.
    """
    queries = queries or get_named_queries(f"http://{host}:{port}/sparql")
    report = SoakReport()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    trap = listener.getsockname()[1]
    lock = threading.Lock()
    t0 = time.monotonic()
    stop_at = t0 + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        n = index  # clients start at different queries
        while time.monotonic() < stop_at:
            name, text = queries[n % len(queries)]
            n += 1
            started = time.monotonic()
            try:
                status, _ = _post(conn, text)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
            with lock:
                report.samples.append(Sample(name, started - t0, time.monotonic() - started, status))
        conn.close()

    def runaway() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        next_at = t0 + min(2.0, runaway_every)
        sent = 0
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= stop_at:
                break
            started = time.monotonic()
            try:
                status, _ = _post(conn, RUNAWAYS[sent % len(RUNAWAYS)])
                sent += 1
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=120)
            with lock:
                report.runaways.append((started - t0, time.monotonic() - started, status))
            next_at = started + runaway_every
        conn.close()

    def attacker() -> None:
        next_at = t0 + min(1.0, attack_every)
        sent = 0
        while True:
            time.sleep(max(0.0, next_at - time.monotonic()))
            if time.monotonic() >= stop_at:
                break
            kind, query, headers, hang_up, _ = ATTACKS[sent % len(ATTACKS)]
            sent += 1
            started = time.monotonic()
            status = _attack(host, port, query.replace("{PORT}", str(trap)), headers, hang_up)
            with lock:
                report.attacks.append((kind, started - t0, time.monotonic() - started, status))
            next_at = started + attack_every

    def trap_watch() -> None:
        while time.monotonic() < stop_at + 5:
            try:
                conn, _ = listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            conn.close()
            report.connections_out += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    if runaway_every > 0:
        threads.append(threading.Thread(target=runaway, daemon=True))
    if attack_every > 0:
        threads.append(threading.Thread(target=attacker, daemon=True))
    watcher = threading.Thread(target=trap_watch, daemon=True)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 180)
    report.seconds = time.monotonic() - t0
    listener.close()
    return report


def start_server(data: Path | None, extra: list[str]) -> tuple[subprocess.Popen, int]:
    """Start ``ketamine-kg serve`` on a free loopback port; return the process and its port."""
    exe = shutil.which("ketamine-kg", path=str(Path(sys.executable).parent)) or shutil.which("ketamine-kg")
    if not exe:
        sys.exit("ketamine-kg is not installed: run `python3 scripts/dev.py test` first")
    command = [exe, "serve", "--host", "127.0.0.1", "--port", "0", *extra] + (["--data", str(data)] if data else [])
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 300
    for line in proc.stderr:
        match = re.search(r"SPARQL endpoint: http://[^:]+:(\d+)/sparql", line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # keep the pipe drained
            return proc, int(match[1])
        if time.monotonic() > deadline:
            break
    proc.kill()
    sys.exit("the server did not start")


def format_report(report: SoakReport, clients: int, target_ms: float) -> str:
    """The printed figures."""
    lines = []
    total = len(report.samples)
    pct = report.percentiles()
    lines.append(f"{clients} clients, {report.seconds:.0f} s: {total} named-query requests "
                 f"({total / max(report.seconds, 1e-9):.0f}/s), {len(report.errors)} errors")
    lines.append("latency (ms): p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}".format(**pct))
    during = report.during_runaways()
    if report.runaways:
        dp = report.percentiles(during)
        statuses = sorted({str(r[2]) for r in report.runaways})
        lines.append(f"runaways: {len(report.runaways)} sent, answered {', '.join(statuses)} after "
                     f"{min(r[1] for r in report.runaways):.1f}-{max(r[1] for r in report.runaways):.1f} s")
        lines.append(f"while a runaway ran: {len(during)} requests, p50 {dp['p50']:.1f}  p95 {dp['p95']:.1f}  p99 {dp['p99']:.1f} ms")
    attacked = report.during_attacks()
    if report.attacks:
        ap = report.percentiles(attacked)
        got: dict[str, set[str]] = {}
        for kind, _, _, status in report.attacks:
            got.setdefault(kind, set()).add(str(status))
        lines.append(f"attacks: {len(report.attacks)} sent: " + ", ".join(f"{k} {'/'.join(sorted(v))}" for k, v in sorted(got.items())))
        lines.append(f"while an attack was answered: {len(attacked)} requests, p50 {ap['p50']:.1f}  p95 {ap['p95']:.1f}  p99 {ap['p99']:.1f} ms")
        lines.append(f"connections the server made to the loopback listener: {report.connections_out}")
    by_name: dict[str, list[Sample]] = {}
    for sample in report.samples:
        by_name.setdefault(sample.name, []).append(sample)
    lines.append("per query (n, p50, p95 ms):")
    for name, samples in sorted(by_name.items()):
        p = report.percentiles(samples)
        lines.append(f"  {name:34s} {len(samples):6d} {p['p50']:8.1f} {p['p95']:8.1f}")
    if report.errors:
        kinds: dict[str, int] = {}
        for s in report.errors:
            kinds[f"{s.name}: {s.status}"] = kinds.get(f"{s.name}: {s.status}", 0) + 1
        lines.append("errors: " + ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())))
    if report.bad_attacks:
        lines.append("attacks not refused as expected: " + ", ".join(f"{k} got {st}" for k, _, _, st in report.bad_attacks))
    ok = (not report.errors and pct["p95"] <= target_ms
          and all(not group or report.percentiles(group)["p95"] <= target_ms for group in (during, attacked))
          and not report.bad_attacks and report.connections_out == 0)
    lines.append(f"{'PASS' if ok else 'FAIL'}: target zero errors and p95 <= {target_ms:g} ms (overall, during runaways "
                 f"and during attacks), every attack refused or bounded, no connection out")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runaway-every", type=float, default=10, help="seconds between runaway queries (0: none)")
    parser.add_argument("--attack-every", type=float, default=3, help="seconds between attacks (0: none)")
    parser.add_argument("--target-ms", type=float, default=200)
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: the built-in article)")
    parser.add_argument("--url", default=None, help="soak this running server (http://HOST:PORT) instead of starting one")
    parser.add_argument("--serve-args", default="", help="extra arguments for ketamine-kg serve, e.g. '--workers 4'")
    args = parser.parse_args()
    proc = None
    if args.url:
        match = re.match(r"https?://([^:/]+):(\d+)", args.url)
        if not match:
            sys.exit("--url must look like http://HOST:PORT")
        host, port = match[1], int(match[2])
    else:
        proc, port = start_server(args.data, args.serve_args.split())
        host = "127.0.0.1"
    try:
        queries = get_named_queries(f"http://{host}:{port}/sparql")
        print(f"soaking http://{host}:{port}/sparql: {args.clients} clients x {args.seconds:g} s, "
              f"{len(queries)} named queries, a runaway every {args.runaway_every:g} s, an attack every "
              f"{args.attack_every:g} s (cpus: {os.cpu_count()})", flush=True)
        report = run_soak(host, port, clients=args.clients, seconds=args.seconds, runaway_every=args.runaway_every,
                          attack_every=args.attack_every, queries=queries)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    text = format_report(report, args.clients, args.target_ms)
    print(text)
    return 0 if text.rsplit("\n", 1)[-1].startswith("PASS") else 1


if __name__ == "__main__":
    sys.exit(main())
