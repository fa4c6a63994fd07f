"""The ``ketamine-kg`` command. Subcommands live in their own modules and load on demand,
so ``ketamine-kg --help`` starts fast and each command imports only what it needs."""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ketamine_kg.core.version import __version__
from ketamine_kg.errors import KkgError, escape_controls

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
    "list": "listing:list_names",
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
            say(f"error: {exc}", err=True)
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


def to_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """Click callback: the option's text as a Path, refusing an empty one (which ``Path`` reads as the current folder)."""
    if value is None:
        return None
    if value == "":
        raise click.BadParameter("is empty: give a name")
    return Path(value)


def say(text: str, err: bool = False) -> None:
    """Print ``text`` for a person at a terminal: control characters (in labels, quotes, remote
    answers, file names) shown escaped (``\\x1b``), so none can drive the terminal. Machine
    formats (CSV, JSON, RDF) are written as they are, never through this."""
    click.echo(escape_controls(text, keep="\n"), err=err)


def data_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--data DIR`` (any number of times) and ``--corpus DIR`` options, passed on as ``data_dir``.

    ``data_dir`` is None (the built-in article), or the list of article folders in the
    order given: each ``--data`` folder, then the article sub-folders of each ``--corpus``.
    """
    folder = click.Path(file_okay=False, path_type=Path)

    @click.option("--data", "data_dirs", type=folder, multiple=True,
                  help="Folder of curated data (source.yaml, entities.yaml, claims.yaml, ...); give it again for "
                       "more articles. Default: the built-in article.")
    @click.option("--corpus", "corpus_dirs", type=folder, multiple=True,
                  help="Folder of article folders (each with a source.yaml): all of them, by name.")
    @functools.wraps(command)
    def with_data(*args: Any, data_dirs: tuple[Path, ...] = (), corpus_dirs: tuple[Path, ...] = (), **kwargs: Any) -> Any:
        folders = list(data_dirs)
        if corpus_dirs:
            from ketamine_kg.load.corpus import find_article_folders  # the loader (YAML, vocabulary) only when asked

        for corpus in corpus_dirs:
            folders += find_article_folders(corpus)
        return command(*args, data_dir=folders or None, **kwargs)

    return with_data
