"""The ``ketamine-kg`` command. Subcommands live in their own modules and load on demand,
so ``ketamine-kg --help`` starts fast and each command imports only what it needs."""

from __future__ import annotations

import importlib
import sys

import click

from ketamine_kg.core.version import __version__
from ketamine_kg.errors import KkgError

# name -> "module:function" of the subcommand, in help order
COMMANDS = {
    "new-article": "new_article:new_article",
    "check": "check:check",
    "build": "build:build",
    "export": "export:export",
    "reason": "reason:reason",
    "query": "query:query",
    "serve": "serve:serve",
    "push": "push:push",
    "render": "render:render",
    "links": "links:links",
    "enrich": "enrich:enrich",
    "bench": "bench:bench",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used, and whose input errors
    print as one line (file:line: message) with exit status 1, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[name].split(":")
        module = importlib.import_module(f"{__name__}.{module_name}")
        return getattr(module, attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KkgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; files already built are untouched", err=True)
            sys.exit(130)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="ketamine-kg")
def main() -> None:
    """ketamine-kg: the claims of an article about ketamine as a knowledge graph.

    \b
    Examples:
      ketamine-kg build                      # everything, into build/
      ketamine-kg query --list               # the ready-made questions
      ketamine-kg query receptors-of-substance
      ketamine-kg export --format turtle -o ketamine.ttl
    """


data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=__import__("pathlib").Path),
    default=None,
    help="Folder of curated data (source.yaml, entities.yaml, claims.yaml, ...). Default: the built-in article.",
)
