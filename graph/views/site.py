"""The pages of the small offline site a build writes: one page per view and an ``index.html``.

``write_site(stage_dir, dataset, rdf_dataset, reports)`` writes, next to the exports:

- ``graph.html``: the whole article graph (``graph-inferred.html`` too when the
  reasoner added edges between entities);
- ``<entity>.html``: the neighbourhood of the article's main subject (``source.yaml``'s
  ``subject``, else the entity most claims are about), named after its id;
- for a corpus of two or more articles, ``graph.html`` draws one edge per statement with the
  number of sources making it (disputed ones stand out), and each article has its own graph,
  ``article-<source-id>.html``, listed on the index;
- ``ontology-graph.html``: classes, hierarchy and the properties between classes;
- ``query-<name>.html``: the graph of each named query whose answer holds entities;
- ``index.html``: links to the article reader, the claims table and the SPARQL page
  (written by :mod:`ketamine_kg.views.reading` and :mod:`ketamine_kg.views.sparql_page`), to every view, every named query with its current result as
  a table, and the ontology's documentation page (``ontology/index.html``).

The views never run a query: the caller (:mod:`ketamine_kg.app.site`) runs the named
queries and hands over one :class:`QueryReport` each, made by :func:`get_query_report`
from an answer or by :func:`get_unanswered_report` where there is none.

Every page works from a folder or a USB stick, offline: no script, style or font is
fetched from anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ketamine_kg.core import iris as ns
from ketamine_kg.core.curies import to_curie
from ketamine_kg.core.terms import Result, Term
from ketamine_kg.views.corpus import get_article_parts, get_corpus_graph
from ketamine_kg.views.answers import get_query_graph
from ketamine_kg.views.graphs import get_article_graph, get_focus_graph, get_ontology_graph
from ketamine_kg.views.page import get_environment, to_html
from ketamine_kg.views.parts import get_parts, is_web_link
from ketamine_kg.views.reading import get_reading_names

if TYPE_CHECKING:
    from rdflib import Graph, URIRef

MAX_TABLE_ROWS = 200
RESERVED_PAGES = {"index", "graph", "graph-inferred", "ontology-graph", "article", "claims", "sparql"}
INTERNET_NOTE = "Not run here: this query asks a remote SPARQL endpoint (SERVICE), which needs the internet."


@dataclass
class QueryReport:
    """One named query on the index page: its question and its current answer.

    ``result`` is the answer the table was made from (None where the query was not run
    or failed); :func:`write_site` draws its graph and sets ``page``.
    """

    name: str
    question: str
    description: str
    form: str
    text: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[dict]] = field(default_factory=list)
    more_rows: int = 0
    note: str = ""
    bound: list[str] = field(default_factory=list)  # the IRIs its parameters were bound to: drawn with the answer
    graph_note: str = ""  # why the answer is not drawn as a graph, where it is not
    page: str | None = None
    result: Result | None = None


def get_unanswered_report(query, note: str) -> QueryReport:
    """The report of a named query without an answer to show: ``note`` says why."""
    report = QueryReport(query.name, query.question or query.name, query.description, query.form or "", query.text)
    report.note = note
    return report


def get_query_report(query, result: Result, labels: dict[str, str], *, scope: str = "this article") -> QueryReport:
    """The report of a named query from its ``result``: the first rows as a table.

    ``labels`` (IRI -> label) name the IRIs of the answer; an IRI of the project shows
    by its label, any other as a CURIE (with its label) linking to the IRI. An empty
    answer gets a note naming ``scope`` (what was asked: ``this article``, ``these 3 articles``).
    """
    report = QueryReport(query.name, query.question or query.name, query.description, query.form or "", query.text,
                         result=result)
    if result.form == "ask":
        report.columns, report.rows = ["answer"], [[{"text": "yes" if result.boolean else "no"}]]
    elif result.form == "select":
        report.columns = list(result.variables)
        report.rows = [[get_cell(t, labels) for t in row] for row in result.rows[:MAX_TABLE_ROWS]]
        report.more_rows = max(0, len(result.rows) - MAX_TABLE_ROWS)
    else:
        report.columns = ["subject", "predicate", "object"]
        report.rows = [[get_cell(t, labels) for t in triple] for triple in result.triples[:MAX_TABLE_ROWS]]
        report.more_rows = max(0, len(result.triples) - MAX_TABLE_ROWS)
    if not report.rows:
        report.note = f"No answer in {scope}: nothing {'it says' if scope == 'this article' else 'they say'} fits this question."
    return report


def get_cell(term: Term | None, labels: dict[str, str]) -> dict:
    """One cell of an answer table: its ``text``, and for an IRI its ``href`` (web links only) and ``title``.

    >>> from ketamine_kg.core.terms import Term
    >>> get_cell(Term("uri", "http://purl.obolibrary.org/obo/CHEBI_6121"), {})["text"]
    'CHEBI:6121'
    """
    if term is None:
        return {"text": ""}
    if term.kind == "uri":
        label = labels.get(term.value)
        curie = to_curie(term.value)
        text = label if label and term.value.startswith(ns.BASE) else curie + (f" ({label})" if label else "")
        href = term.value if is_web_link(term.value) and not term.value.startswith(ns.BASE) else None
        return {"text": text, "href": href, "title": term.value}
    return {"text": term.value}


def get_focus_page_name(entity_id: str) -> str:
    """The file name of an entity's focus page: its id, unless that is taken by another page.

    >>> get_focus_page_name("ketamine"), get_focus_page_name("graph"), get_focus_page_name("article-x")
    ('ketamine.html', 'focus-graph.html', 'focus-article-x.html')
    """
    taken = entity_id in RESERVED_PAGES or entity_id.startswith(("query-", "article-", "focus-", "reader-", "claims-"))
    return f"focus-{entity_id}.html" if taken else f"{entity_id}.html"


def write_site(stage_dir: Path, dataset, rdf_dataset, reports: list[QueryReport], *, corpus=None,
               disputed: Iterable[tuple[str, str, str]] = (), sparql_note: str = "",
               graphs: Mapping[URIRef, Graph] | None = None) -> list[Path]:
    """Write the graph pages and ``index.html`` into ``stage_dir``; return the files written.

    ``reports`` are the named queries' reports, in the order the index lists them; each
    whose answer holds entities gets a page of its own (its ``page`` is set here).
    With a ``corpus`` of two or more articles, ``graph.html`` draws one edge per statement
    (``disputed`` are the statements the ``conflicts`` query returned) and each article
    gets its own graph, ``article-<source-id>.html``, listed on the index.
    The index links each article's reader and claims table, and ``sparql.html`` unless
    ``sparql_note`` says why it was not made. ``graphs`` are the build's own graphs by name,
    which the article pages read (:func:`~ketamine_kg.views.corpus.get_article_parts`).
    """
    stage_dir = Path(stage_dir)
    parts = get_parts(rdf_dataset)
    several = corpus is not None and len(corpus.datasets) > 1
    datasets = list(corpus.datasets) if several else [dataset]
    title = f"A corpus of {len(datasets)} articles" if several else dataset.source.title
    back = [("← index", "index.html")]
    written: list[Path] = []
    views: list[dict] = []

    def write(name: str, graph, heading: str, subtitle: str) -> None:
        path = stage_dir / name
        path.write_text(to_html(graph, title=heading, subtitle=subtitle, links=back), encoding="utf-8")
        written.append(path)

    def page(name: str, graph, heading: str, subtitle: str, what: str) -> None:
        write(name, graph, heading, subtitle)
        views.append({"href": name, "title": heading, "what": what,
                      "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()})

    article = get_article_graph(parts)
    if several:
        drawn = get_corpus_graph(parts, disputed, per_claim=article)
        page("graph.html", drawn, title, "one edge per statement, with the number of sources making it",
             "The whole corpus: every entity, one edge per statement; click an edge for each source's words. "
             "Disputed statements stand out.")
        with_inferred = get_corpus_graph(parts, disputed, include_inferred=True, per_claim=article)
        inferred_what = "The corpus graph with the relations the reasoner inferred (violet)."
    else:
        drawn = article
        page("graph.html", article, title, f"{dataset.source.site}: every claim of the article as an edge",
             "The whole article: every entity, one edge per claim.")
        with_inferred = get_article_graph(parts, include_inferred=True)
        inferred_what = "The article graph with the relations the reasoner inferred (violet)."
    if with_inferred.number_of_edges() > drawn.number_of_edges():
        page("graph-inferred.html", with_inferred, title + " (with inferences)",
             "stated claims and the reasoner's inferred relations", inferred_what)
    main = dataset.main_subject
    if main is not None and main in dataset.entities:
        label = dataset.entities[main].label
        where = "the sources say" if several else "the article says"
        page(get_focus_page_name(main), get_focus_graph(drawn, main, 1), f"{label} and its neighbours",
             f"every entity one step from {label}", f"The neighbourhood of {label}: what {where} about it.")
    page("ontology-graph.html", get_ontology_graph(parts), "The ontology",
         "classes (boxes), their hierarchy (is a) and the properties between them",
         "The ontology: classes, their hierarchy and the properties that link them.")
    articles = []
    if several:
        for ds in datasets:
            own = get_article_graph(get_article_parts(rdf_dataset, ds.source.id, graphs))
            name = f"article-{ds.source.id}.html"
            write(name, own, ds.source.title, f"{ds.source.site}: every claim of this article as an edge")
            articles.append({"href": name, "title": ds.source.title, "site": ds.source.site, "claims": len(ds.claims),
                             "nodes": own.number_of_nodes(), "edges": own.number_of_edges(),
                             "reader": get_reading_names(ds.source.id, True)["reader"],
                             "claims_page": get_reading_names(ds.source.id, True)["claims"],
                             "text": get_reading_names(ds.source.id, True)["text"]})
    for report in reports:
        if report.result is None or report.result.form == "ask":
            continue
        view = get_query_graph(article, report.result, name=report.name, tbox=parts.tbox, bound=report.bound)
        if view.number_of_nodes() == 0:
            report.graph_note = "Not drawn as a graph: this answer names no entity, claim, class or external term (it is counts or values)."
            continue
        report.page = f"query-{report.name}.html"
        write(report.page, view, report.question, f"answer of the named query {report.name}")
    claims = sum(len(ds.claims) for ds in datasets)
    entities = len({e for ds in datasets for e in ds.entities})
    html = get_environment().get_template("index.html").render(
        title=title, source=dataset.source, views=views, queries=reports, articles=articles,
        claims=claims, entities=entities, reading=get_reading_names(dataset.source.id, several),
        sparql_note=sparql_note,
    )
    index = stage_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    written.append(index)
    return written
