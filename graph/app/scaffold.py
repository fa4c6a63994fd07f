"""Start the data folder of a new article: ``get_scaffold`` builds its files, ``write_scaffold`` writes them.

``get_scaffold(article_text, ...)`` is pure: from the article's text it makes the folder's
files as ``{file name: text}`` — the article itself (``article.txt``, the same bytes),
``source.yaml`` (id, title, site, url, the SHA-256 and the sections found from the
article's headings), and ``entities.yaml``, ``claims.yaml`` and ``vocabulary.yaml`` that
hold only commented examples. ``write_scaffold`` builds the folder beside its target and
renames it into place, so a failure leaves no half-made folder. ``new_article`` does
both for an article file, as ``ketamine-kg new-article`` does.

Sections come from the article's headings (:mod:`ketamine_kg.app.headings`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ketamine_kg.core.atomic import write_bytes_atomic
from ketamine_kg.app.headings import BULLETS, DetectedSection, detect_sections, first_line, is_heading, slug
from ketamine_kg.errors import DataError, KkgError, display_path

ARTICLE_FILE = "article.txt"
SCAFFOLD_FILES = ("article.txt", "source.yaml", "entities.yaml", "claims.yaml", "vocabulary.yaml")
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_ARTICLE_BYTES = 16 * 2**20  # an article is text: far below this; /dev/zero or a disk image is refused


def read_article(path: Path) -> str:
    """The text of the article file at ``path``; a missing, binary, non-UTF-8 or empty file is a :class:`DataError`."""
    where = display_path(path)
    if path.is_dir():
        raise DataError(where, None, "is a folder; --article takes the article's text file")
    if path.exists() and not path.is_file():
        raise DataError(where, None, "not a regular file (a device, FIFO or socket); --article takes the article's text file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_ARTICLE_BYTES + 1)
        if len(raw) > MAX_ARTICLE_BYTES:
            raise DataError(where, None, f"larger than {MAX_ARTICLE_BYTES // 2**20} MiB: not an article's text")
    except FileNotFoundError:
        raise DataError(where, None, "article file not found") from None
    except OSError as exc:
        raise DataError(where, None, f"cannot read the article: {exc.strerror}") from None
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise DataError(where, line, "a binary file, not text (it holds NUL bytes); save the article as UTF-8 plain text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(where, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the article as UTF-8 plain text") from None
    if not text.strip():
        raise DataError(where, None, "the article is empty")
    return text


def _q(value: str) -> str:
    """``value`` as a YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(value, ensure_ascii=False)


def _first_sentence(text: str, sections: list[DetectedSection]) -> str | None:
    """A short sentence of the article's prose, for the commented example of a quote."""
    heads = {s.start for s in sections}
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and pos not in heads and not is_heading(stripped, True):
            body = stripped.lstrip("".join(BULLETS)).strip()
            match = re.match(r"(.{12,160}?[.!?])(\s|$)", body)
            if match and text.count(match.group(1)) == 1:
                return match.group(1)
        pos += len(line)
    return None


def get_scaffold(article_text: str, *, file_name: str = ARTICLE_FILE, title: str | None = None,
                 site: str | None = None, source_id: str | None = None, url: str | None = None) -> dict[str, str]:
    """The files of a new data folder for ``article_text``: ``{file name: text}``.

    ``file_name`` is the name the article had (its stem names the source when neither
    ``source_id`` nor ``title`` is given); the copy is always ``article.txt``. The title is
    ``title`` or the article's first non-empty line; the site ``site``, or the URL's host.
    A bad id or URL is a :class:`DataError`.

    >>> files = get_scaffold("Tiny Blog\\n\\nA Note\\n\\nUses:\\n\\nIt helps.\\n", title="A Note", site="Tiny Blog")
    >>> sorted(files)
    ['article.txt', 'claims.yaml', 'entities.yaml', 'source.yaml', 'vocabulary.yaml']
    >>> print(files["source.yaml"].split("sections:\\n")[1], end="")
      - id: uses
        title: "Uses"
        anchor: "Uses:"
    """
    return scaffold_and_sections(article_text, file_name=file_name, title=title, site=site,
                                 source_id=source_id, url=url)[0]


def scaffold_and_sections(article_text: str, *, file_name: str = ARTICLE_FILE, title: str | None = None,
                          site: str | None = None, source_id: str | None = None,
                          url: str | None = None) -> tuple[dict[str, str], list[DetectedSection]]:
    """:func:`get_scaffold`'s files, and the sections it found."""
    if not article_text.strip():
        raise DataError(file_name, None, "the article is empty")
    if url is not None and urlsplit(url).scheme not in ("http", "https") or url is not None and not urlsplit(url).netloc:
        raise DataError(None, None, f"--url {url!r} is not an http(s) URL")
    if source_id is not None and not KEBAB.match(source_id):
        raise DataError(None, None, f"--id {source_id!r} must be lower-case kebab-case, like my-article")
    the_title = (title or "").strip() or first_line(article_text)
    the_site = (site or "").strip() or (urlsplit(url).netloc if url else "") or "unknown"
    the_id = source_id or slug(title or "", 8) or slug(Path(file_name).stem, 8) or slug(the_title, 8) or "article"
    sections = detect_sections(article_text, skip=[the_title, the_site])
    digest = hashlib.sha256(article_text.encode("utf-8")).hexdigest()
    files = {
        ARTICLE_FILE: article_text,
        "source.yaml": _source_yaml(the_id, the_title, the_site, url, digest, sections),
        "entities.yaml": ENTITIES_EXAMPLE,
        "claims.yaml": _claims_yaml(_first_sentence(article_text, sections)),
        "vocabulary.yaml": VOCABULARY_EXAMPLE,
    }
    return files, sections


def _source_yaml(source_id: str, title: str, site: str, url: str | None, digest: str,
                 sections: list[DetectedSection]) -> str:
    out = [
        "# The source document: the article, kept byte for byte in article.txt.",
        "# Made by `ketamine-kg new-article`; edit what it guessed (title, site, sections).",
        "# `sha256` is checked on every load: after editing article.txt, record the new sum",
        "# with `ketamine-kg check --data THIS-FOLDER --fix-sha256`.",
        f"id: {source_id}",
        f"title: {_q(title)}",
        f"site: {_q(site)}",
        f"url: {_q(url)}" if url else "# url: https://example.org/the-article   # where the article was published",
        f"file: {ARTICLE_FILE}",
        f"sha256: {digest}",
        "# language: en   # the default",
        "# The entity the article is mainly about (an id of entities.yaml): named queries start",
        "# from it unless asked otherwise. Without it, the entity most claims name is used.",
        "# subject: some_substance",
        "# Text from this marker to the end of the file is not article (site furniture);",
        "# quotes must not come from it:",
        "# ignore_from: \"Popular Posts\"",
        "# Sections, found from the article's headings. Each is located by its `anchor`: that",
        "# exact text, once in article.txt (else add `occurrence: N`). A claim's section is computed from",
        "# where its first quote stands. Fix, remove or add sections as you like; with",
        "# `sections: []` the whole article is one section.",
    ]
    if not sections:
        out.append("sections: []   # no headings found")
    else:
        out.append("sections:")
        for s in sections:
            out.append(f"  - id: {s.id}")
            if s.parent:
                out.append(f"    parent: {s.parent}")
            out.append(f"    title: {_q(s.title)}")
            out.append(f"    anchor: {_q(s.anchor)}")
    return "\n".join(out) + "\n"


ENTITIES_EXAMPLE = """\
# The entities the article's claims are about, grouped by type. Each has an id (lower-case
# snake_case, stable), a type from the vocabulary (ontology/vocabulary.yaml, or this folder's
# vocabulary.yaml; `ketamine-kg check` lists the known ones when a type is wrong), a label,
# and optionally synonyms and a description. Remove the `#` to use an entry, for example:
#
# - id: psilocybin
#   type: substance
#   label: psilocybin
#   synonyms: ["magic mushroom alkaloid"]
# - id: serotonin_2a_receptor
#   type: receptor
#   label: serotonin 2A receptor
# - id: depression
#   type: disorder
#   label: depression
#
# Links to external ontologies (ChEBI, MONDO, ...) go in mappings.sssom.tsv (optional).
# A file of comments only is an empty list: the folder loads while you start.
"""


def _claims_yaml(sentence: str | None) -> str:
    quote = _q(sentence) if sentence else '"A sentence copied exactly from article.txt."'
    return f"""\
# The claims the article makes, in article order. Each names a subject and an object (ids
# of entities.yaml) or a value, a predicate of the vocabulary, how firmly the article says
# it (modality: asserted | hedged | speculative | under_investigation), its polarity
# (positive, the default, or negative) and one or more verbatim quotes of article.txt.
# A quote must occur exactly once, or say which occurrence it is (occurrence: N).
# Remove the `#` to use an entry, for example:
#
# - id: psilocybin-binds-serotonin-2a-receptor   # lower-case kebab-case, stable
#   subject: psilocybin
#   predicate: molecularly_interacts_with
#   object: serotonin_2a_receptor
#   modality: asserted
#   evidence:
#     - quote: {quote}
# - id: psilocybin-may-treat-depression
#   subject: psilocybin
#   predicate: may_treat
#   object: depression
#   modality: hedged                              # the quote's own hedge ("may") says so
#   evidence:
#     - quote: "Another sentence copied exactly from article.txt."
#
# Qualifiers (onset, duration, population, route ...) say only what the quotes' words say;
# graph/data/CURATION.md gives the rule and the cue words (may, can, suggests ...).
#
# A file of comments only is an empty list: the folder loads while you start.
"""


VOCABULARY_EXAMPLE = """\
# Types and predicates this article needs beyond the core vocabulary
# (ontology/vocabulary.yaml), in the same form. Give each a parent in the core, so that
# queries and the reasoner's definitions over the core still see it. Terms are aligned to
# external ontologies in this folder's alignments.tsv (optional). This file is optional:
# delete it if the core vocabulary is enough. For example:
#
# predicates:
#   - id: agonist_of
#     label: is agonist of
#     kind: object
#     parent: molecularly_interacts_with
#     domain: [chemical_entity]
#     range: [receptor]
#     inverse: has agonist
#     definition: The substance binds the receptor and activates it.
"""


def is_empty_dir(directory: Path) -> bool:
    """Whether ``directory`` is missing or an empty folder."""
    return not directory.exists() or (directory.is_dir() and not any(directory.iterdir()))


def check_target(directory: Path, *, force: bool = False) -> None:
    """Refuse a ``directory`` that is a file, or a folder with files in it unless ``force``."""
    where = display_path(directory)
    if directory.exists() and not directory.is_dir():
        raise KkgError(where, None, "exists and is not a folder")
    if not force and not is_empty_dir(directory):
        clashes = sorted(set(SCAFFOLD_FILES) & {p.name for p in directory.iterdir()})
        what = f"its {', '.join(clashes)}" if clashes else "the files it makes"
        raise KkgError(where, None, f"folder is not empty; choose a new folder, or pass --force to overwrite {what}")


def write_scaffold(directory: Path, files: dict[str, str], *, force: bool = False,
                   verify: Callable[[Path], object] | None = None) -> list[Path]:
    """Write ``files`` as the folder ``directory``; return the paths written.

    The folder is built in a temporary folder beside ``directory``, checked with ``verify``
    (if given; it raises to refuse) and renamed into place. If ``directory`` exists (empty,
    or not empty and ``force``; otherwise it is refused) each file is moved into it instead,
    over its namesake (each move atomic), and the folder's other files are left as they are.
    """
    directory = Path(directory)
    where = display_path(directory)
    check_target(directory, force=force)
    target = directory.absolute()  # "." or "x/.." name no folder to build beside
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=parent))
    except OSError as exc:
        raise KkgError(display_path(parent), None, f"cannot write here: {exc.strerror}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(stage, 0o777 & ~umask)  # an ordinary folder, not mkdtemp's private one
        for name, text in files.items():
            write_bytes_atomic(stage / name, text.encode("utf-8"), mode=0o666 & ~umask)
        if verify is not None:
            verify(stage)
        if not target.exists():
            os.rename(stage, target)
        else:
            for name in files:
                os.replace(stage / name, target / name)
    except OSError as exc:
        raise KkgError(where, None, f"cannot write the folder: {exc.strerror}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [directory / name for name in files]


@dataclass
class NewArticle:
    """A data folder just made: its files and the sections found in the article."""

    directory: Path
    files: list[Path]
    sections: list[DetectedSection]
    source_yaml: str


def new_article(directory: Path, article: Path, *, title: str | None = None, site: str | None = None,
                source_id: str | None = None, url: str | None = None, force: bool = False) -> NewArticle:
    """Make the data folder ``directory`` for the article file ``article``; the folder loads as it is."""
    from ketamine_kg.load.dataset import load_dataset

    directory = Path(directory)
    check_target(directory, force=force)  # before reading anything
    text = read_article(Path(article))
    files, sections = scaffold_and_sections(text, file_name=Path(article).name, title=title, site=site,
                                            source_id=source_id, url=url)
    written = write_scaffold(directory, files, force=force, verify=load_dataset)
    return NewArticle(directory, written, sections, files["source.yaml"])
