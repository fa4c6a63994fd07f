"""``ketamine-kg list``."""

from pathlib import Path

import click

from ketamine_kg.cli import data_option

WHAT = ("entities", "claims", "classes", "properties")


@click.command(name="list")
@click.argument("what", type=click.Choice(WHAT))
@click.option("--wide", is_flag=True, help="Never cut a cell (by default a table on a terminal fits its width).")
@data_option
def list_names(what: str, wide: bool, data_dir: Path | None) -> None:
    """List what can be asked about: entities, claims, classes or properties.

    Entities with their id, label, type and other names (any of them works as a
    --param value); claims with their id, the claim in words and its modality; classes
    with the number of entities in each (stated or inferred); properties with their labels.

    \b
    Examples:
      ketamine-kg list entities
      ketamine-kg list claims
      ketamine-kg query claim-evidence --param claim_id=ketamine-treats-migraine
      ketamine-kg list classes --data graph/data --corpus tests/input/corpus
    """
    import sys

    from ketamine_kg.app.engines import get_engine
    from ketamine_kg.cli.query import terminal_width
    from ketamine_kg.core.terms import Result, literal
    from ketamine_kg.sparql.names import get_known_names
    from ketamine_kg.sparql.results import to_table

    engine = get_engine("oxigraph", data_dir, on_build=lambda msg: click.echo(msg, err=True))
    known = get_known_names(engine)
    rows: list[list[str]]
    if what == "entities":
        header = ["id", "label", "type", "other names"]
        rows = [[e.id, e.label, e.type, ", ".join(sorted(n.rsplit("/", 1)[-1] for n in e.names))] for e in known.entities]
    elif what == "claims":
        header = ["id", "claim", "modality"]
        rows = [[c.id, c.text, c.modality] for c in known.claims]
    elif what == "classes":
        header = ["class", "label", "entities"]
        rows = [[t.curie, t.label, str(t.members)] for t in known.terms if t.kind == "class"]
    else:
        header = ["property", "label"]
        rows = [[t.curie, t.label] for t in known.terms if t.kind == "property"]
    table = Result("select", header, [[literal(cell) for cell in row] for row in rows])
    sys.stdout.write(to_table(table, {}, width=None if wide else terminal_width()))
