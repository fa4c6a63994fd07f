"""The small offline site a build writes: one page per view and an ``index.html``.

``write_site(stage_dir, dataset, rdf_dataset)`` writes, next to the exports:

- ``graph.html``: the whole article graph (``graph-inferred.html`` too when the
  reasoner added edges between entities);
- ``<entity>.html``: the neighbourhood of the entity most claims are about (ketamine
  for the built-in article);
- ``ontology-graph.html``: classes, hierarchy and the properties between classes;
- ``query-<name>.html``: the graph of each named query whose answer holds entities;
- ``index.html``: links to every view, every named query with its current result as
  a table, and the ontology's documentation page (``ontology/index.html``).

Every page works from a folder or a USB stick, offline: no script, style or font is
fetched from anywhere. Named queries that need the internet (``# requires: internet``,
``SERVICE``) are listed but not run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ketamine_kg.core import iris as ns
from ketamine_kg.errors import KkgError
from ketamine_kg.sparql.lexer import requires_internet
from ketamine_kg.views.render import get_article_graph, get_focus_graph, get_ontology_graph, get_parts, get_query_graph, to_html

MAX_TABLE_ROWS = 200
RESERVED_PAGES = {"index", "graph", "graph-inferred", "ontology-graph"}


@dataclass
class QueryReport:
    """One named query on the index page: its question and its current answer."""

    name: str
    question: str
    description: str
    form: str
    text: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[dict]] = field(default_factory=list)
    more_rows: int = 0
    note: str = ""
    page: str | None = None


def get_main_entity(dataset) -> str | None:
    """The id of the entity the most claims are about (as subject or object)."""
    counts = Counter()
    for claim in dataset.claims:
        counts[claim.subject] += 1
        if claim.object:
            counts[claim.object] += 1
    if not counts:
        return None
    return min(counts, key=lambda e: (-counts[e], e))


def _cell(term, labels: dict[str, str]) -> dict:
    from ketamine_kg.views.render import is_web_link, to_curie

    if term is None:
        return {"text": ""}
    if term.kind == "uri":
        label = labels.get(term.value)
        curie = to_curie(term.value)
        text = label if label and term.value.startswith(ns.BASE) else curie + (f" ({label})" if label else "")
        href = term.value if is_web_link(term.value) and not term.value.startswith(ns.BASE) else None
        return {"text": text, "href": href, "title": term.value}
    return {"text": term.value}


def get_query_reports(rdf_dataset, article_graph, parts) -> list[tuple[QueryReport, object]]:
    """Run every named query in memory; return each report with the graph of its answer (or None)."""
    from ketamine_kg.sparql.catalogue import list_queries
    from ketamine_kg.sparql.engines import MemoryEngine

    reports = []
    engine = MemoryEngine(rdf_dataset)
    for query in list_queries():
        report = QueryReport(query.name, query.question or query.name, query.description, query.form or "", query.text)
        view = None
        if "internet" in query.requires or requires_internet(query.text):
            report.note = "Not run here: this query asks a remote SPARQL endpoint (SERVICE), which needs the internet."
            reports.append((report, None))
            continue
        try:
            result = engine.run(query, query.bindings())
        except KkgError as exc:
            report.note = f"This query failed: {exc}"
            reports.append((report, None))
            continue
        labels = engine.labels(result.iris())
        if result.form == "ask":
            report.columns, report.rows = ["answer"], [[{"text": "yes" if result.boolean else "no"}]]
        elif result.form == "select":
            report.columns = list(result.variables)
            report.rows = [[_cell(t, labels) for t in row] for row in result.rows[:MAX_TABLE_ROWS]]
            report.more_rows = max(0, len(result.rows) - MAX_TABLE_ROWS)
        else:
            report.columns = ["subject", "predicate", "object"]
            report.rows = [[_cell(t, labels) for t in triple] for triple in result.triples[:MAX_TABLE_ROWS]]
            report.more_rows = max(0, len(result.triples) - MAX_TABLE_ROWS)
        if result.form != "ask":
            view = get_query_graph(article_graph, result, name=query.name, tbox=parts.tbox)
            if view.number_of_nodes() == 0:
                view = None
        if not report.rows:
            report.note = "No answer in this article."
        reports.append((report, view))
    return reports


def write_site(stage_dir: Path, dataset, rdf_dataset) -> list[Path]:
    """Write the graph pages and ``index.html`` into ``stage_dir``; return the files written."""
    stage_dir = Path(stage_dir)
    parts = get_parts(rdf_dataset)
    title = dataset.source.title
    back = [("← index", "index.html")]
    written: list[Path] = []
    views: list[dict] = []

    def page(name: str, graph, heading: str, subtitle: str, what: str) -> None:
        path = stage_dir / name
        path.write_text(to_html(graph, title=heading, subtitle=subtitle, links=back), encoding="utf-8")
        written.append(path)
        views.append({"href": name, "title": heading, "what": what,
                      "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()})

    article = get_article_graph(parts)
    page("graph.html", article, title, f"{dataset.source.site}: every claim of the article as an edge",
         "The whole article: every entity, one edge per claim.")
    with_inferred = get_article_graph(parts, include_inferred=True)
    if with_inferred.number_of_edges() > article.number_of_edges():
        page("graph-inferred.html", with_inferred, title + " (with inferences)",
             "stated claims and the reasoner's inferred relations",
             "The article graph with the relations the reasoner inferred (violet).")
    main = get_main_entity(dataset)
    if main is not None:
        label = dataset.entities[main].label
        name = main if main not in RESERVED_PAGES and not main.startswith("query-") else f"focus-{main}"
        page(f"{name}.html", get_focus_graph(article, main, 1), f"{label} and its neighbours",
             f"every entity one step from {label}", f"The neighbourhood of {label}: what the article says about it.")
    page("ontology-graph.html", get_ontology_graph(parts), "ketamine-kg ontology",
         "classes (boxes), their hierarchy (is a) and the properties between them",
         "The ontology: classes, their hierarchy and the properties that link them.")
    reports = get_query_reports(rdf_dataset, article, parts)
    for report, view in reports:
        if view is not None:
            report.page = f"query-{report.name}.html"
            path = stage_dir / report.page
            path.write_text(to_html(view, title=report.question, subtitle=f"answer of the named query {report.name}",
                                    links=back), encoding="utf-8")
            written.append(path)
    from ketamine_kg.views.render import _environment

    html = _environment().get_template("index.html").render(
        title=title, source=dataset.source, views=views, queries=[r for r, _ in reports],
        claims=len(dataset.claims), entities=len(dataset.entities),
    )
    index = stage_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    written.append(index)
    return written
