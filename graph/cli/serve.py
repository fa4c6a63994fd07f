"""``ketamine-kg serve``."""

import math
import signal
import threading
from pathlib import Path
from typing import Any, cast

import click

from ketamine_kg.app.server import DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMORY, LOCAL_HOSTS, close_server, make_server
from ketamine_kg.cli import data_option


def _positive_seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise click.BadParameter(f"must be a positive number of seconds, not {value}")
    return value


def _named_host(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("is empty (which would listen on every address): give an address, e.g. 127.0.0.1")
    return value


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, callback=_named_host,
              help="Address to listen on (IPv4 or IPv6, e.g. ::1). Anything but loopback exposes the endpoint to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--timeout", type=float, default=10.0, show_default=True, callback=_positive_seconds,
              help="Seconds a query may run before it is stopped.")
@click.option("--max-rows", type=click.IntRange(1), default=10_000, show_default=True, help="Largest result (rows or triples) served.")
@click.option("--max-bytes", type=click.IntRange(1024), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Largest answer in bytes (beyond: 413, or a cut stream if passed part way).")
@click.option("--max-memory", type=click.IntRange(0), default=DEFAULT_MAX_MEMORY // 2**20, show_default=True,
              help="Address space of one worker process in MiB (RLIMIT_AS; 0: no limit).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes (one query each); while queries run long, up to twice as many are started.")
@click.option("-v", "--verbose", is_flag=True, help="Log every request.")
@data_option
def serve(host: str, port: int, timeout: float, max_rows: int, max_bytes: int, max_memory: int, workers: int,
          verbose: bool, data_dir: Path | None) -> None:
    """Serve the graph as a read-only SPARQL 1.1 endpoint, with a page to try queries.

    The endpoint is /sparql (GET or POST, SPARQL 1.1 Protocol; results as JSON, XML,
    CSV or TSV, graphs as Turtle, N-Triples, JSON-LD or RDF/XML by content
    negotiation). Updates, SERVICE, LOAD and remote FROM are refused. The dataset's
    IRIs dereference (/entity/ID, /claim/..., /source/..., /ontology), its VoID
    description is /.well-known/void. Open http://HOST:PORT/ for the query page.

    \b
    Examples:
      ketamine-kg serve
      ketamine-kg serve --port 8080 --timeout 30
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s a kkgo:Disorder }' http://127.0.0.1:7878/sparql
      curl -H 'Accept: text/turtle' http://127.0.0.1:7878/entity/ketamine
    """
    if host not in LOCAL_HOSTS:
        click.echo(f"warning: listening on {host}, not localhost: anyone who can reach this machine can query it", err=True)
    server = make_server(data_dir, host, port, timeout=timeout, max_rows=max_rows, workers=workers, verbose=verbose,
                         max_bytes=max_bytes, max_memory=max_memory * 2**20 or None,
                         on_build=lambda msg: click.echo(msg, err=True))
    # typeshed types a server address as str or bytes (AF_UNIX allows bytes); a TCP server's host is a str
    bound_host, bound_port = cast("tuple[str, int]", server.server_address[:2])
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    click.echo(f"SPARQL endpoint: http://{shown}:{bound_port}/sparql", err=True)
    click.echo(f"query page:      http://{shown}:{bound_port}/  (Ctrl+C to stop)", err=True)
    # SIGTERM and Ctrl+C ask serve_forever to return (shutdown() from another thread: it waits
    # for the loop) instead of raising in the main thread, where an exception could land inside
    # socketserver's accepting of a request and leave a request thread half started.
    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.serve_forever()
        click.echo("stopped", err=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        close_server(server)
