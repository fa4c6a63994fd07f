"""``ketamine-kg build``."""

from pathlib import Path

import click

from ketamine_kg.cli import data_option, say, to_path


@click.command()
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=str), default="build", callback=to_path,
              show_default=True, help="Folder to write into.")
@click.option("--no-reason", is_flag=True, help="Skip the reasoner (no inferred graph).")
@click.option("--no-render", is_flag=True, help="Skip the HTML pages.")
@data_option
def build(out_dir: Path, no_reason: bool, no_render: bool, data_dir: Path | None) -> None:
    """Build the graph, ontology, exports and pages of an article.

    Writes Turtle, N-Triples, JSON-LD, TriG and N-Quads exports, the ontology as OWL and
    Turtle, and the HTML pages. Files are staged and moved into place only when all of
    them are built, so a failed build leaves the previous one untouched.

    \b
    Examples:
      ketamine-kg build
      ketamine-kg build -o site --data my-article/
    """
    from ketamine_kg.app.build import run_build

    result = run_build(data_dir, out_dir, reason=not no_reason, render=not no_render)
    say(result.summary())
    say(f"output: {out_dir}/")
