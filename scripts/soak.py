#!/usr/bin/env python3
"""Soak test of ``ketamine-kg serve``: many clients for a while, errors and latency percentiles.

    .venv/bin/python scripts/soak.py                      # 20 clients, 60 s, a runaway every 10 s
    .venv/bin/python scripts/soak.py --clients 50 --seconds 300 --runaway-every 5

Starts the installed ``ketamine-kg serve`` on a free loopback port (the built-in article,
or ``--data DIR``; ``--url`` soaks a server already running instead). Each client keeps
one HTTP/1.1 connection and sends the named queries (defaults bound, as the CLI binds
them) in a loop; one more client sends a runaway cross product every ``--runaway-every``
seconds, alternately ``SELECT *`` of it (stopped by the row cap) and a ``COUNT`` of it
(stopped only by the timeout). Prints requests, errors, and the
p50/p95/p99 latency of the named queries overall, per query and while a runaway was
running; exits non-zero if any named query failed or p95 missed ``--target-ms``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
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


def get_named_queries() -> list[tuple[str, str]]:
    """(name, text with its default parameters bound) for every named query that runs offline."""
    from ketamine_kg.sparql.catalogue import list_queries
    from ketamine_kg.sparql.lexer import requires_internet, with_values

    out = []
    for query in list_queries():
        if "internet" in query.requires or requires_internet(query.text):
            continue
        out.append((query.name, with_values(query.text, query.bindings())))
    return out


def _post(conn: http.client.HTTPConnection, text: str) -> tuple[int, bytes]:
    conn.request("POST", "/sparql", body=text.encode("utf-8"),
                 headers={"Content-Type": "application/sparql-query",
                          "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
    response = conn.getresponse()
    return response.status, response.read()


def run_soak(host: str, port: int, *, clients: int = 20, seconds: float = 60, runaway_every: float = 10,
             queries: list[tuple[str, str]] | None = None) -> SoakReport:
    """Soak the endpoint at ``host:port``; return what was measured."""
    queries = queries or get_named_queries()
    report = SoakReport()
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

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    if runaway_every > 0:
        threads.append(threading.Thread(target=runaway, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 180)
    report.seconds = time.monotonic() - t0
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
    ok = not report.errors and pct["p95"] <= target_ms and (not during or report.percentiles(during)["p95"] <= target_ms)
    lines.append(f"{'PASS' if ok else 'FAIL'}: target zero errors and p95 <= {target_ms:g} ms (overall and during runaways)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runaway-every", type=float, default=10, help="seconds between runaway queries (0: none)")
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
        queries = get_named_queries()
        print(f"soaking http://{host}:{port}/sparql: {args.clients} clients x {args.seconds:g} s, "
              f"{len(queries)} named queries, a runaway every {args.runaway_every:g} s (cpus: {os.cpu_count()})", flush=True)
        report = run_soak(host, port, clients=args.clients, seconds=args.seconds, runaway_every=args.runaway_every,
                          queries=queries)
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
