"""``ketamine-kg check``."""

import sys
from pathlib import Path

import click

from ketamine_kg.cli import data_option, say


@click.command()
@data_option
@click.option("--fix-sha256", "fix", is_flag=True,
              help="Record the article's current sha256 in source.yaml (only that line changes), then check.")
@click.option("--reason", is_flag=True, help="Also run the reasoner (consistency of the claims with the ontology).")
def check(data_dir: list[Path] | None, fix: bool, reason: bool) -> None:
    """Check a data folder without building it.

    Loads and checks everything a build reads: source.yaml and the article (sha256,
    sections), entities, claims and their quotes, mappings, the folder's vocabulary.yaml
    and alignments.tsv, the snapshot tables; builds the graph and the ontology in memory,
    and writes nothing. Prints one line, "ok: N claims, M entities, ...", or the first
    problem as file:line: message with exit status 1. When the only problem is that the
    article changed since its sha256 was recorded, it says so; --fix-sha256 records it.

    \b
    Examples:
      ketamine-kg check --data my-article/
      ketamine-kg check --data my-article/ --fix-sha256
      ketamine-kg check --data my-article/ --reason
    """
    from ketamine_kg.app.check import check_data, check_past_stale_sum, fix_sha256
    from ketamine_kg.errors import DataError, KkgError, StaleChecksumError, display_path
    from ketamine_kg.load.dataset import default_data_dir

    if data_dir is not None and len(data_dir) > 1:
        raise DataError(None, None, "check takes one data folder at a time: give one --data")
    directory = data_dir[0] if data_dir else default_data_dir()
    try:
        report = check_data(directory, reason=reason)
    except StaleChecksumError as stale:
        if fix:
            old = fix_sha256(stale)
            say(f"fixed: {stale.file}:{stale.line}: sha256 {old or '(none)'} -> {stale.digest}")
            report = check_data(directory, reason=reason)
        else:
            try:
                check_past_stale_sum(directory, stale, reason=reason)
            except KkgError as other:
                say(f"error: {other}", err=True)
                say(f"note: the sha256 in {stale.file} is stale too (the article changed); "
                           "--fix-sha256 records the new one", err=True)
                sys.exit(1)
            raise DataError(stale.file, stale.line,
                            f"sha256 is stale: the article changed since it was recorded (now {stale.digest}), and "
                            f"nothing else is wrong; record it with: ketamine-kg check --data {display_path(directory)} --fix-sha256") from None
    else:
        if fix:
            say("sha256: already the article's; nothing to fix")
    say(report.one_line())
