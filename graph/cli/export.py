"""``ketamine-kg export``."""

import sys
from pathlib import Path

import click

from ketamine_kg.cli import data_option, say, to_path

FORMAT_CHOICES = ["turtle", "nt", "jsonld", "trig", "nquads", "sssom", "kgx"]


@click.command()
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="turtle", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), default=None, callback=to_path,
              help="File to write (default: standard output). For kgx, a folder prefix.")
@click.option("--no-reason", is_flag=True, help="Leave out the inferred graph (quad formats only).")
@data_option
def export(fmt: str, output: Path | None, no_reason: bool, data_dir: Path | None) -> None:
    """Write the whole graph: ontology, entities, claims with provenance, external links.

    Turtle and N-Triples hold the ontology, the stated data and the curator knowledge in
    one graph (a curator fact is marked by its kkgo:CuratorStatement node); TriG, N-Quads
    and JSON-LD keep each in its own named graph and add the reasoner's inferred triples.

    \b
    Examples:
      ketamine-kg export --format turtle > ketamine.ttl
      ketamine-kg export --format trig -o ketamine.trig
    """
    from ketamine_kg.core.atomic import write_bytes_atomic

    if fmt in ("sssom", "kgx"):
        from ketamine_kg.app.links import export_links

        done = export_links(fmt, output, data_dir)
        if done.stdout:
            sys.stdout.write(done.stdout)
            sys.stdout.flush()
        if done.message:
            say(done.message, err=True)
        return
    from ketamine_kg.exports.rdf_formats import FORMATS, to_bytes
    from ketamine_kg.rdf.graphset import get_graphs

    quads = FORMATS[fmt][2]
    _, rdf_dataset, _, _ = get_graphs(data_dir, reason=quads and not no_reason)
    data = to_bytes(rdf_dataset, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_bytes_atomic(output, data)
        say(f"wrote {output}", err=True)
