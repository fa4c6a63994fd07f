"""``ketamine-kg serve``."""

from pathlib import Path
from typing import cast

import click

from ketamine_kg.app.server import LOCAL_HOSTS, make_server
from ketamine_kg.cli import data_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but localhost exposes the endpoint to the network.")
@click.option("--port", type=int, default=7878, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds a query may run before it is stopped.")
@click.option("--max-rows", type=int, default=10_000, show_default=True, help="Largest result (rows or triples) served.")
@click.option("--workers", type=int, default=2, show_default=True, help="Worker processes (one query each); while queries run long, up to twice as many are started.")
@click.option("-v", "--verbose", is_flag=True, help="Log every request.")
@data_option
def serve(host: str, port: int, timeout: float, max_rows: int, workers: int, verbose: bool, data_dir: Path | None) -> None:
    """Serve the graph as a read-only SPARQL 1.1 endpoint, with a page to try queries.

    The endpoint is /sparql (GET or POST, SPARQL 1.1 Protocol; results as JSON, XML,
    CSV or TSV, graphs as Turtle, N-Triples, JSON-LD or RDF/XML by content
    negotiation). Updates are refused. Open http://HOST:PORT/ for the query page.

    \b
    Examples:
      ketamine-kg serve
      ketamine-kg serve --port 8080 --timeout 30
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s a kkgo:Disorder }' http://127.0.0.1:7878/sparql
    """
    if host not in LOCAL_HOSTS:
        click.echo(f"warning: listening on {host}, not localhost: anyone who can reach this machine can query it", err=True)
    server = make_server(data_dir, host, port, timeout=timeout, max_rows=max_rows, workers=workers, verbose=verbose,
                         on_build=lambda msg: click.echo(msg, err=True))
    # typeshed types a server address as str or bytes (AF_UNIX allows bytes); a TCP server's host is a str
    bound_host, bound_port = cast("tuple[str, int]", server.server_address[:2])
    click.echo(f"SPARQL endpoint: http://{bound_host}:{bound_port}/sparql", err=True)
    click.echo(f"query page:      http://{bound_host}:{bound_port}/  (Ctrl+C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()
        server.pool.close()
