"""The site use case: run the named queries in memory, then let the views write the pages.

``write_site(stage_dir, dataset, rdf_dataset, corpus=None)`` runs every named query on the
built graph (loaded into an in-memory Oxigraph store: on a corpus of a thousand articles
rdflib's engine took most of the build, see README "Performance") and hands their answers to :func:`ketamine_kg.views.site.write_site`, which writes
the graph pages and ``index.html`` (see there for the pages). Every question on the index
gets its answer or a note saying why there is none: named queries that need the internet
(``# requires: internet``, ``SERVICE``) are listed but not run, and those that compare
sources (``# scope: corpus``) are not run on a single article. For a corpus, the statements
the ``conflicts`` query returns are handed to the views, which draw them as disputed.
"""

from __future__ import annotations

from pathlib import Path

from ketamine_kg.core.terms import Result
from ketamine_kg.errors import KkgError
# The module, not its names: tests replace ``catalogue.list_queries`` with their own queries.
from ketamine_kg.sparql import catalogue
from ketamine_kg.sparql.engines import OxigraphEngine, run_query
from ketamine_kg.sparql.lexer import requires_internet
from ketamine_kg.views import site as site_view
from ketamine_kg.views.site import INTERNET_NOTE, QueryReport, get_query_report, get_unanswered_report

CORPUS_NOTE = ("Needs two or more sources: this question compares articles, and this site is built from one. "
               "Build several together (--data given twice, or --corpus DIR) to see it answered.")
DISPUTES_QUERY = "conflicts"


def get_site_engine(rdf_dataset, nquads: bytes | None = None) -> OxigraphEngine:
    """An in-memory Oxigraph engine over ``rdf_dataset`` (its union as the default graph, as the store has).

    ``nquads`` is the dataset already written as N-Quads (the build's export), so it is
    not serialised twice.
    """
    import pyoxigraph  # heavy: a native library

    from ketamine_kg.exports.rdf_formats import to_bytes
    from ketamine_kg.store import load_quads

    store = pyoxigraph.Store()
    load_quads(store, nquads if nquads is not None else to_bytes(rdf_dataset, "nquads"))
    return OxigraphEngine(store)


def get_query_reports(rdf_dataset, *, sources: int = 1, nquads: bytes | None = None) -> list[QueryReport]:
    """Run every named query in memory; return one report each, in the catalogue's order.

    ``sources`` is how many articles the graph holds: a question that compares sources
    (``scope: corpus``) is not run on one. ``nquads``: see :func:`get_site_engine`.
    """
    reports = []
    engine = get_site_engine(rdf_dataset, nquads)
    scope = "this article" if sources < 2 else f"these {sources} articles"
    for query in catalogue.list_queries():
        if "internet" in query.requires or requires_internet(query.text):
            reports.append(get_unanswered_report(query, INTERNET_NOTE))
            continue
        if query.scope == "corpus" and sources < 2:
            reports.append(get_unanswered_report(query, CORPUS_NOTE))
            continue
        try:
            result = run_query(engine, query)
        except KkgError as exc:
            reports.append(get_unanswered_report(query, f"This query failed: {exc}"))
            continue
        reports.append(get_query_report(query, result, engine.labels(result.iris()), scope=scope))
    return reports


def get_disputed_statements(result: Result | None) -> set[tuple[str, str, str]]:
    """The (subject, predicate, object) IRIs of the rows of a ``conflicts`` answer."""
    if result is None or result.form != "select":
        return set()
    columns = [result.variables.index(v) for v in ("subject", "predicate", "object") if v in result.variables]
    if len(columns) != 3:
        return set()
    found = set()
    for row in result.rows:
        terms = [row[i] for i in columns]
        if all(t is not None and t.kind == "uri" for t in terms):
            found.add((terms[0].value, terms[1].value, terms[2].value))  # type: ignore[union-attr]
    return found


def write_site(stage_dir: Path, dataset, rdf_dataset, corpus=None, *, nquads: bytes | None = None) -> list[Path]:
    """Write the graph pages and ``index.html`` into ``stage_dir``; return the files written.

    ``corpus`` (a :class:`~ketamine_kg.load.corpus.Corpus`) of two or more articles gives
    the corpus pages: one graph per article and a corpus graph with its disputed statements.
    """
    sources = len(corpus.datasets) if corpus is not None else 1
    reports = get_query_reports(rdf_dataset, sources=sources, nquads=nquads)
    disputed: set[tuple[str, str, str]] = set()
    if sources > 1:
        disputed = get_disputed_statements(next((r.result for r in reports if r.name == DISPUTES_QUERY), None))
    return site_view.write_site(stage_dir, dataset, rdf_dataset, reports, corpus=corpus, disputed=disputed)
