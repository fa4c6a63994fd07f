"""The site use case: run the named queries in memory, then let the views write the pages.

``write_site(stage_dir, dataset, rdf_dataset)`` runs every named query on the built
graph and hands their answers to :func:`ketamine_kg.views.site.write_site`, which writes
the graph pages and ``index.html`` (see there for the pages). Named queries that need
the internet (``# requires: internet``, ``SERVICE``) are listed but not run.
"""

from __future__ import annotations

from pathlib import Path

from ketamine_kg.errors import KkgError
# The module, not its names: tests replace ``catalogue.list_queries`` with their own queries.
from ketamine_kg.sparql import catalogue
from ketamine_kg.sparql.engines import MemoryEngine, run_query
from ketamine_kg.sparql.lexer import requires_internet
from ketamine_kg.views import site as site_view
from ketamine_kg.views.site import INTERNET_NOTE, QueryReport, get_query_report, get_unanswered_report


def get_query_reports(rdf_dataset) -> list[QueryReport]:
    """Run every named query in memory; return one report each, in the catalogue's order."""
    reports = []
    engine = MemoryEngine(rdf_dataset)
    for query in catalogue.list_queries():
        if "internet" in query.requires or requires_internet(query.text):
            reports.append(get_unanswered_report(query, INTERNET_NOTE))
            continue
        try:
            result = run_query(engine, query)
        except KkgError as exc:
            reports.append(get_unanswered_report(query, f"This query failed: {exc}"))
            continue
        reports.append(get_query_report(query, result, engine.labels(result.iris())))
    return reports


def write_site(stage_dir: Path, dataset, rdf_dataset) -> list[Path]:
    """Write the graph pages and ``index.html`` into ``stage_dir``; return the files written."""
    return site_view.write_site(stage_dir, dataset, rdf_dataset, get_query_reports(rdf_dataset))
