"""``ketamine-kg bench``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ketamine_kg.cli import to_path


@click.command()
@click.option("--quick", is_flag=True, help="A small run for CI (about a minute): 10,000 triples, 20 article folders, 100- and 2,000-node pages, no reasoner.")
@click.option("--triples", type=click.IntRange(min=1), default=None, help="Size of the synthetic corpus. Default: 1,000,000 (10,000 with --quick).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the synthetic corpus.")
@click.option("--query-timeout", type=click.FloatRange(min=0.1), default=None, help="Seconds before a query run is killed and reported as '> N s'.")
@click.option("--no-browser", is_flag=True, help="Do not open the pages in headless Chromium.")
@click.option("--corpus-articles", type=click.IntRange(min=0), default=None,
              help="Article folders in the corpus benchmark (build --corpus). Default: 1,000 (20 with --quick); 0 skips it.")
@click.option("--disk-triples", type=click.IntRange(min=0), default=None,
              help="Triples in the on-disk store benchmark. Default: 10,000,000 (20,000 with --quick); 0 skips it.")
@click.option("--only", "parts", type=click.Choice(["build", "store", "corpus", "disk", "pages"]), multiple=True,
              help="Run only these parts (any number of times). Default: all.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=str), default=None, callback=to_path, help="Also write the figures as JSON to this file.")
def bench(quick: bool, triples: int | None, seed: int, query_timeout: float | None, no_browser: bool,
          corpus_articles: int | None, disk_triples: int | None, parts: tuple[str, ...], json_path: Path | None) -> None:
    """Measure the build, a synthetic corpus, Oxigraph against rdflib, and the pages.

    Prints one table: each figure, rdflib's where there is one, their ratio, the target
    and whether it holds, under the machine, library versions and date.

    \b
    Examples:
      ketamine-kg bench --quick
      ketamine-kg bench --triples 1000000 --json bench.json
      ketamine-kg bench --only corpus --corpus-articles 1000
      ketamine-kg bench --only disk --disk-triples 10000000
    """
    from ketamine_kg.core.atomic import write_bytes_atomic
    from ketamine_kg.dev.bench import BenchConfig, get_machine, run_bench, to_json, to_table

    overrides: dict[str, Any] = {"seed": seed, "browser": not no_browser}
    if triples is not None:
        overrides["triples"] = triples
    if query_timeout is not None:
        overrides["query_timeout"] = query_timeout
    if corpus_articles is not None:
        overrides["corpus_articles"] = corpus_articles
    if disk_triples is not None:
        overrides["disk_triples"] = disk_triples
    if parts:
        overrides["parts"] = tuple(parts)
    config = BenchConfig.quick(**overrides) if quick else BenchConfig(**overrides)
    machine = get_machine()
    rows = run_bench(config, progress=lambda text: click.echo(text, err=True))
    click.echo(to_table(rows, machine))
    if json_path:
        write_bytes_atomic(json_path, to_json(rows, machine, config).encode("utf-8"))
