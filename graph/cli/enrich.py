"""``ketamine-kg enrich``."""

import sys
from pathlib import Path

import click

from ketamine_kg.cli import data_option, say


@click.command()
@click.option("--endpoint", default=None, metavar="URL",
              help="Wikidata SPARQL endpoint. Default: https://query.wikidata.org/sparql")
@click.option("--ols", default=None, metavar="URL", help="EBI OLS base URL. Default: https://www.ebi.ac.uk/ols4")
@click.option("--only", type=click.Choice(["wikidata", "ols"]), default=None, help="Ask one service only.")
@click.option("--dry-run", is_flag=True, help="Report only; leave external_labels.tsv as it is.")
@click.option("--check", is_flag=True, help="Exit with status 1 if any label changed or any disagreement was found.")
@data_option
def enrich(endpoint: str | None, ols: str | None, only: str | None, dry_run: bool, check: bool, data_dir: Path | None) -> None:
    """Refresh the external labels snapshot from Wikidata and the EBI OLS (needs the internet).

    Fetches the label of every mapped Wikidata item and ontology term, and the IDs they
    record in the other systems; rewrites external_labels.tsv (atomically) with today's
    labels, sources and dates; and reports every label that changed and every
    cross-reference that contradicts a mapping or a recorded no-match. Mappings are never
    changed: review the report and edit mappings.sssom.tsv.

    \b
    Examples:
      ketamine-kg enrich --dry-run
      ketamine-kg enrich --only ols --check
    """
    from ketamine_kg.app.enrich import OLS_URL, WIKIDATA_ENDPOINT, run_enrich

    sources = (only,) if only else ("wikidata", "ols")
    report = run_enrich(
        data_dir, endpoint=endpoint or WIKIDATA_ENDPOINT, ols=ols or OLS_URL, sources=sources, dry_run=dry_run,
    )
    for line in report.lines():
        say(line)
    say("dry run: external_labels.tsv unchanged" if dry_run else "updated external_labels.tsv", err=True)
    if check and (report.changed or report.disagreements):
        sys.exit(1)
