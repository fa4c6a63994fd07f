"""``ketamine-kg query``."""

import shutil
import sys
from pathlib import Path

import click

from ketamine_kg.app.engines import get_engine
from ketamine_kg.cli import data_option, say
from ketamine_kg.core.terms import Result
from ketamine_kg.errors import KkgError
from ketamine_kg.sparql.catalogue import NamedQuery, get_query, list_queries, parse_param_options
from ketamine_kg.sparql.engines import Engine, check_local, run_query
from ketamine_kg.sparql.names import check_query_names, check_values
from ketamine_kg.sparql.results import to_bytes

FORMAT_CHOICES = ["table", "csv", "tsv", "json", "xml", "turtle", "nt"]


@click.command()
@click.argument("query", required=False)
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="table", show_default=True,
              help="Result format: the W3C SPARQL 1.1 results formats, an aligned table with labels, or RDF for graphs.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter of a named query (repeatable); values are bound, never pasted into the text.")
@click.option("--store", type=click.Choice(["oxigraph", "memory"]), default="oxigraph", show_default=True,
              help="Engine: the persisted Oxigraph store, or rdflib's engine in memory.")
@click.option("--endpoint", metavar="URL", default=None,
              help="Run the query on this SPARQL 1.1 endpoint instead (e.g. http://localhost:7878/query).")
@click.option("--allow-service", is_flag=True,
              help="Let the local engine run SERVICE calls to other endpoints (federated queries such as "
                   "wikidata-descriptions); without it a query that would make a request is refused.")
@click.option("--list", "list_", is_flag=True, help="List the named queries with their questions and parameters.")
@click.option("--wide", is_flag=True, help="Table: never cut a cell (by default a table on a terminal fits its width).")
@click.option("--width", type=click.IntRange(min=20), default=None, metavar="N",
              help="Table: fit the lines into N characters (default: the terminal's width on a terminal, else no limit).")
@data_option
def query(query: str | None, fmt: str, params: tuple[str, ...], store: str, endpoint: str | None, allow_service: bool,
          list_: bool, wide: bool, width: int | None, data_dir: Path | None) -> None:
    """Ask the graph a question: a named query, a .rq file or SPARQL text.

    The default graph is the union of the named graphs (ontology, stated data, inferred
    triples), so queries need no GRAPH clause. The graph is kept in an Oxigraph store
    that is rebuilt only when the data or the code changed.

    \b
    Examples:
      ketamine-kg query --list
      ketamine-kg query receptors-of-substance
      ketamine-kg query claim-evidence --param claim_id=ketamine-treats-migraine
      ketamine-kg query receptors-of-substance --param substance=Esketamine
      ketamine-kg query 'SELECT ?s WHERE { ?s a kkgo:Disorder }' --format csv
      ketamine-kg query my-question.rq --format json
      ketamine-kg query approvals --endpoint http://localhost:7878/query
      ketamine-kg query wikidata-descriptions --allow-service
    """
    if list_:
        say(format_listing(list_queries()))
        return
    if not query:
        raise KkgError(None, None, "give a query name, a .rq file or SPARQL text (see ketamine-kg query --list)")
    named = get_query(query)
    values = parse_param_options(params)
    if "internet" in named.requires and not endpoint and allow_service:
        say(f"note: {named.name} asks a public endpoint over the internet", err=True)
    # a bad parameter is refused before any store is built or opened; an entity may be
    # written as a label, which only the graph can read (check_values, below)
    known = {p.name: p for p in named.params}
    for name, value in values.items():
        if name not in known:
            named.bindings(values)  # raises the unknown-parameter error, naming the parameters there are
        elif known[name].kind != "iri":
            known[name].bind(value)
    if not endpoint:
        check_local(named, allow_service)  # refused before any store is built or opened
    engine = get_engine(store, data_dir, endpoint, on_build=lambda msg: say(msg, err=True),
                        allow_service=allow_service)
    check_query_names(engine, named)
    values = check_values(engine, named, values)
    result = run_query(engine, named, values)
    sys.stdout.buffer.write(render(result, fmt, engine, width=None if wide else (width or terminal_width())))
    sys.stdout.flush()


def terminal_width() -> int | None:
    """The terminal's width when standard output is one, else None (a file or pipe gets every cell whole)."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def render(result: Result, fmt: str, engine: Engine, *, width: int | None = None) -> bytes:
    """``result`` in ``fmt``, with labels for the table (fitted into ``width`` characters where given)."""
    labels = engine.labels(result.iris()) if fmt == "table" and result.form == "select" else None
    return to_bytes(result, fmt, labels=labels, width=width)


def format_listing(queries: list[NamedQuery]) -> str:
    """The ``--list`` text: name, question, parameters."""
    width = max(len(q.name) for q in queries)
    lines = []
    for q in queries:
        tag = "  [needs the internet]" if "internet" in q.requires else ""
        lines.append(f"{q.name.ljust(width)}  {q.question}{tag}")
        for p in q.params:
            lines.append(f"{''.ljust(width)}    --param {p.name}=VALUE  {p.description} (default {p.default})")
    return "\n".join(lines)
