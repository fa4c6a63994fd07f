"""``ketamine-kg new-article``."""

from pathlib import Path

import click

from ketamine_kg.cli import say, to_path


@click.command("new-article")
@click.argument("directory", type=click.Path(file_okay=False, path_type=str), callback=to_path)
@click.option("--article", "article", type=click.Path(dir_okay=True, path_type=Path), required=True,
              help="The article as a UTF-8 text file; it is copied in as article.txt.")
@click.option("--title", default=None, help="The article's title. Default: its first non-empty line.")
@click.option("--site", default=None, help="The blog, journal or site that published it. Default: the URL's host.")
@click.option("--id", "source_id", default=None,
              help="The source's id in IRIs (lower-case kebab-case). Default: from the title, else the file name.")
@click.option("--url", default=None, help="Where the article was published (http or https).")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty, replacing the files this makes.")
def new_article(directory: Path, article: Path, title: str | None, site: str | None, source_id: str | None,
                url: str | None, force: bool) -> None:
    """Start the data folder DIRECTORY of a new article.

    Copies the article in as article.txt and writes source.yaml (id, title, site, url,
    the article's sha256 and the sections found from its headings), entities.yaml and
    claims.yaml with commented examples, and an optional vocabulary.yaml. The folder loads
    as it is: add entities and claims, then run `ketamine-kg check --data DIRECTORY`.
    A folder that is not empty is refused unless --force.

    \b
    Examples:
      ketamine-kg new-article my-article --article note.txt --title "A Note on Psilocybin" --site "My Blog"
      ketamine-kg new-article my-article --article note.txt --url https://example.org/note --force
    """
    from ketamine_kg.app.scaffold import new_article as make
    from ketamine_kg.errors import display_path

    made = make(directory, article, title=title, site=site, source_id=source_id, url=url, force=force)
    where = display_path(made.directory)
    say(f"wrote {where}/: {', '.join(p.name for p in made.files)}")
    if made.sections:
        say(f"sections found from headings: {len(made.sections)} ({', '.join(s.id for s in made.sections)})")
    else:
        say("sections found from headings: none (the whole article is one section)")
    say(f"next: add entities and claims, then: ketamine-kg check --data {where}")
