"""``ketamine-kg push``."""

from pathlib import Path

import click

from ketamine_kg.cli import data_option, say


@click.command()
@click.option("--endpoint", required=True, metavar="URL", help="The store's SPARQL query endpoint (used to check the upload).")
@click.option("--graph-store", metavar="URL", default=None,
              help="The store's SPARQL 1.1 Graph Store Protocol URL. Default: /sparql-graph-crud for an "
                   "endpoint at /sparql (Virtuoso's layout), else the endpoint with its last path segment "
                   "replaced by 'store' (Oxigraph's layout).")
@data_option
def push(endpoint: str, graph_store: str | None, data_dir: Path | None) -> None:
    """Load the graph into a SPARQL store through the SPARQL 1.1 Graph Store Protocol.

    Each named graph (ontology, stated data, inferred triples) is sent with PUT, which
    replaces that graph in the store, so pushing again is safe. Then the endpoint is
    asked how many triples each graph holds, and the counts are checked.

    \b
    Examples:
      oxigraph serve --location kkg-db --union-default-graph &
      ketamine-kg push --endpoint http://localhost:7878/query
      ketamine-kg query approvals --endpoint http://localhost:7878/query
      ketamine-kg push --endpoint http://localhost:3030/kkg/sparql --graph-store http://localhost:3030/kkg/data
      ketamine-kg push --endpoint http://localhost:8890/sparql     # Virtuoso, after its update grant
    """
    from ketamine_kg.app.push import push_graphs

    for line in push_graphs(data_dir, endpoint, graph_store, on_build=lambda msg: say(msg, err=True)):
        say(line)
