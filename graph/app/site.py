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

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ketamine_kg.core.iris import entity_iri
from ketamine_kg.core.terms import Result
from ketamine_kg.errors import KkgError
# The module, not its names: tests replace ``catalogue.list_queries`` with their own queries.
from ketamine_kg.sparql import catalogue
from ketamine_kg.sparql.engines import Engine, OxigraphEngine, get_bindings, get_data_defaults
from ketamine_kg.sparql.lexer import requires_internet, where_clause_start
from ketamine_kg.views import site as site_view
from ketamine_kg.views.site import INTERNET_NOTE, QueryReport, get_query_report, get_unanswered_report

if TYPE_CHECKING:
    from rdflib import Graph, URIRef

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


def get_query_reports(rdf_dataset, *, sources: int = 1, nquads: bytes | None = None,
                      engine: Engine | None = None) -> list[QueryReport]:
    """Run every named query in memory; return one report each, in the catalogue's order.

    ``sources`` is how many articles the graph holds: a question that compares sources
    (``scope: corpus``) is not run on one. ``engine`` (over ``rdf_dataset``) is made if not
    given (``nquads``: see :func:`get_site_engine`).
    """
    reports = []
    engine = engine or get_site_engine(rdf_dataset, nquads)
    scope = "this article" if sources < 2 else f"these {sources} articles"
    for query in catalogue.list_queries():
        if "internet" in query.requires or requires_internet(query.text):
            reports.append(get_unanswered_report(query, INTERNET_NOTE))
            continue
        if query.scope == "corpus" and sources < 2:
            reports.append(get_unanswered_report(query, CORPUS_NOTE))
            continue
        try:
            bindings = get_bindings(engine, query)
            result = engine.run(query, bindings)
        except KkgError as exc:
            reports.append(get_unanswered_report(query, f"This query failed: {exc}"))
            continue
        report = get_query_report(query, result, engine.labels(result.iris()), scope=scope)
        report.bound = [t.value for t in bindings.values() if t.kind == "uri"]
        reports.append(report)
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


def get_gallery(queries, defaults: dict[str, str], *, sources: int = 1) -> list[dict]:
    """The named queries as the SPARQL page's gallery: each with its parameters' kinds and defaults.

    ``defaults`` are the values of the data-naming defaults (:func:`get_data_defaults`); an
    IRI default shows as a CURIE. ``head`` and ``tail`` are the text before and after the
    point where a ``VALUES`` block of the parameters opens the WHERE clause, as the CLI
    binds them. A query that needs the internet is listed but not ``runnable``.
    """
    from ketamine_kg.core.curies import to_curie

    gallery = []
    for query in queries:
        params = []
        for p in query.params:
            value = defaults.get(p.default, "") if p.from_data else p.default
            if p.kind == "iri" and value.startswith("<") and value.endswith(">"):
                value = to_curie(value[1:-1])
            params.append({"name": p.name, "kind": p.kind, "default": value, "description": p.description})
        offline = not ("internet" in query.requires or requires_internet(query.text))
        note = "" if offline else "Needs the internet (it asks a remote endpoint with SERVICE): not runnable on this offline page."
        if offline and query.scope == "corpus" and sources < 2:
            note = CORPUS_NOTE
        at = where_clause_start(query.text) if query.params else len(query.text)
        gallery.append({"name": query.name, "question": query.question or query.name, "description": query.description,
                        "form": query.form or "", "text": query.text, "head": query.text[:at], "tail": query.text[at:],
                        "params": params, "runnable": offline, "note": note})
    return gallery


def write_sparql_page(stage_dir: Path, rdf_dataset, datasets, *, several: bool, title: str,
                      memory_engine: Engine | None = None, nquads: bytes | None = None) -> Path:
    """Write ``sparql.html``: the graph, the named queries and Oxigraph's WebAssembly build in one file.

    ``memory_engine`` (any engine over ``rdf_dataset``) answers the data-naming defaults; one is made if not given.
    ``nquads`` is the dataset as the build's N-Quads export (sorted), written again here if not given.

    Raises :class:`~ketamine_kg.app.browser_engine.BrowserEngineMissing` when the engine cannot be had.
    """
    import warnings

    from ketamine_kg.app.browser_engine import get_browser_engine
    from ketamine_kg.core.curies import get_prefix_map
    from ketamine_kg.core.namespaces import ONTOLOGY_GRAPH
    from ketamine_kg.exports.rdf_formats import to_bytes
    from ketamine_kg.views.reading import get_reading_names
    from ketamine_kg.views.sparql_page import get_ontology_links, get_page_links, to_sparql_html

    engine = get_browser_engine()
    if nquads is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's N-Quads writer, as in the store
            nquads = to_bytes(rdf_dataset, "nquads")  # sorted: the same page on every build
    defaults = get_data_defaults(memory_engine or get_site_engine(rdf_dataset))
    gallery = get_gallery(catalogue.list_queries(), defaults, sources=len(datasets))
    links = get_ontology_links(rdf_dataset.graph(ONTOLOGY_GRAPH))
    links.update(get_page_links(datasets, reader_page=lambda sid: get_reading_names(sid, several)["reader"]))
    entities: dict[str, dict] = {}
    for ds in datasets:
        for e in ds.entities.values():
            entities.setdefault(e.id, {"iri": entity_iri(e.id), "id": e.id, "label": e.label, "synonyms": list(e.synonyms)})
    header = [("← index", "index.html")]
    if not several:  # a corpus's readers are listed on the index
        names = get_reading_names(datasets[0].source.id, False)
        header += [("the article", names["reader"]), ("claims table", names["claims"])]
    html = to_sparql_html(title=title, engine_version=engine.version, web_js=engine.web_js, wasm=engine.wasm, nquads=nquads,
                          gallery=gallery, links=dict(sorted(links.items())), entities=sorted(entities.values(), key=lambda e: e["label"].lower()),
                          prefixes=get_prefix_map(), quads=nquads.count(b"\n"), several=several, header_links=header)
    path = stage_dir / "sparql.html"
    path.write_text(html, encoding="utf-8")
    return path


def write_site(stage_dir: Path, dataset, rdf_dataset, corpus=None, notes: list[str] | None = None, *,
               nquads: bytes | None = None, graphs: Mapping[URIRef, Graph] | None = None) -> list[Path]:
    """Write the graph pages, the readers, the claims tables, ``sparql.html`` and ``index.html``; return the files written.

    ``corpus`` (a :class:`~ketamine_kg.load.corpus.Corpus`) of two or more articles gives
    the corpus pages: one graph per article and a corpus graph with its disputed statements.
    Where ``sparql.html`` cannot be made (no npm, npm offline) a line saying so is appended
    to ``notes``. ``graphs`` are the build's own graphs by name (:attr:`~ketamine_kg.rdf.graphset.GraphSet.graphs`).
    """
    from ketamine_kg.app.browser_engine import BrowserEngineMissing
    from ketamine_kg.views.reading import write_reading_pages

    sources = len(corpus.datasets) if corpus is not None else 1
    several = sources > 1
    datasets = list(corpus.datasets) if several else [dataset]
    if nquads is None:  # written once here for the engine and the SPARQL page (a build passes its own)
        from ketamine_kg.exports.rdf_formats import to_bytes

        nquads = to_bytes(rdf_dataset, "nquads")
    engine = get_site_engine(rdf_dataset, nquads)  # one for the index's answers and the SPARQL page's defaults
    reports = get_query_reports(rdf_dataset, sources=sources, engine=engine)
    disputed: set[tuple[str, str, str]] = set()
    if several:
        disputed = get_disputed_statements(next((r.result for r in reports if r.name == DISPUTES_QUERY), None))
    written: list[Path] = []
    title = f"A corpus of {sources} articles" if several else dataset.source.title
    sparql_note = ""
    try:
        written.append(write_sparql_page(stage_dir, rdf_dataset, datasets, several=several, title=title,
                                         memory_engine=engine, nquads=nquads))
    except BrowserEngineMissing as exc:
        sparql_note = f"sparql.html skipped: {exc}"
        if notes is not None:
            notes.append(sparql_note)
    written += write_reading_pages(stage_dir, datasets, several=several, sparql=not sparql_note)
    return written + site_view.write_site(stage_dir, dataset, rdf_dataset, reports, corpus=corpus, disputed=disputed,
                                          sparql_note=sparql_note, graphs=graphs)
