"""``ketamine-kg render``."""

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ketamine_kg.cli import data_option, say, to_path

if TYPE_CHECKING:
    from ketamine_kg.sparql.catalogue import NamedQuery


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), default=None, callback=to_path,
              help="HTML file to write. Default: graph.html, <ENTITY>.html, query-<NAME>.html or ontology-graph.html.")
@click.option("--focus", metavar="ENTITY", default=None,
              help="Show only the neighbourhood of ENTITY (an id, label or synonym, e.g. ketamine).")
@click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True,
              help="With --focus: how many steps away from ENTITY to go.")
@click.option("--query", "query_spec", metavar="NAME|FILE", default=None,
              help="Show the answer of a named query, a .rq file or SPARQL text (CONSTRUCT: its subgraph; SELECT: its entities).")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="With --query: bind a parameter (an entity by id, CURIE, IRI or label).")
@click.option("--include-inferred", is_flag=True, help="Draw the reasoner's inferred relations and types too (read from the graph store; violet edges).")
@click.option("--ontology", is_flag=True, help="Show the ontology: classes, their hierarchy and the properties between them.")
@click.option("--layout", type=click.Choice(["auto", "physics", "precomputed"]), default="auto", show_default=True,
              help="physics: settle in the browser, then stop; precomputed: networkx positions, physics off "
                   "(auto: precomputed from 2,000 nodes on).")
@data_option
def render(output: Path | None, focus: str | None, depth: int, query_spec: str | None, params: tuple[str, ...],
           include_inferred: bool, ontology: bool, layout: str, data_dir: Path | None) -> None:
    """Write one self-contained, offline HTML page showing the graph.

    Node colour and shape show the entity type; edge style shows how firmly the article
    makes the claim (solid asserted, dashed hedged, dotted under investigation, dash-dot
    speculative). Click or hover anything to read the claims and quotes behind it.

    \b
    Examples:
      ketamine-kg render                                  # the whole article -> graph.html
      ketamine-kg render --focus ketamine --depth 1 -o ketamine.html
      ketamine-kg render --query receptors-of-substance
      ketamine-kg render --query receptors-of-substance --param substance=Esketamine
      ketamine-kg render --query my-question.rq -o answer.html
      ketamine-kg render --ontology
      ketamine-kg render --include-inferred -o inferred.html
    """
    from ketamine_kg.core.atomic import write_text_atomic
    from ketamine_kg.errors import KkgError
    from ketamine_kg.rdf.graphset import get_graphs
    from ketamine_kg.app.render import get_view_graph
    from ketamine_kg.views.page import to_html

    chosen = [name for name, on in (("--focus", focus), ("--query", query_spec), ("--ontology", ontology)) if on]
    if len(chosen) > 1:
        raise KkgError(None, None, f"choose one view: {' and '.join(chosen)} cannot be combined")
    if params and not query_spec:
        raise KkgError("--param", None, "--param binds a parameter of --query; give --query NAME too")
    named: NamedQuery | None = None
    values: dict[str, str] = {}
    if query_spec and not ontology and not focus:
        from ketamine_kg.sparql.catalogue import get_query, parse_param_options
        from ketamine_kg.sparql.engines import check_local

        named = get_query(query_spec)
        check_local(named)  # SERVICE, LOAD, a remote FROM: refused before the graph is built
        values = parse_param_options(params)
    if include_inferred:  # the store keeps the reasoned graph: no second run of the reasoner
        from ketamine_kg.app.engines import get_reasoned_graphs

        dataset, rdf_dataset = get_reasoned_graphs(data_dir, on_build=lambda msg: say(msg, err=True))
    else:
        dataset, rdf_dataset, _, _ = get_graphs(data_dir, reason=False)
    default_name: str | None
    if ontology:
        view, default_name, title = "ontology", "ontology-graph.html", "ketamine-kg ontology"
    elif focus:
        view, default_name, title = "focus", None, None
    elif named is not None:
        view, default_name, title = "query", f"query-{named.name}.html", named.question or named.name
    else:
        view, default_name, title = "article", "graph.html", dataset.source.title
    graph = get_view_graph(rdf_dataset, view, focus=focus, depth=depth, query=named,
                           include_inferred=include_inferred, values=values if named else None)
    if view == "focus":
        centre = graph.graph["focus"]
        label = graph.nodes[centre]["label"]
        default_name = f"{centre.rsplit('/', 1)[-1]}.html"
        title = f"{label} and its neighbours (depth {depth})"
    assert default_name is not None  # every view has named its file by now
    output = output or Path(default_name)
    write_text_atomic(output, to_html(graph, title=title, layout=layout))
    say(f"wrote {output}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges", err=True)
    if graph.graph.get("empty_note"):  # the page says so too: never a silent empty picture
        say(f"note: {graph.graph['empty_note']} (ketamine-kg query {named.name if named else ''})".replace(" )", ")"), err=True)
