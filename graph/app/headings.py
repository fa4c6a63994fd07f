"""Find the headings of a plain-text article: ``detect_sections(text)``, and a title and ids for it.

The rule (see :func:`detect_sections`) is made for articles saved as plain text from a
web page or a word processor, where headings are short lines of their own, often ending
with a colon or numbered (``II. Uses``, ``2. Side effects``), or Markdown ``#`` lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_HEADING_CHARS = 80
MAX_HEADING_WORDS = 12
MAX_TITLE_CHARS = 120
_ROMAN = re.compile(r"^(?=[IVXLC])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})[.)]\s+(?=\S)")
_NUMBER = re.compile(r"^\d{1,2}(\.\d{1,2})*[.)]\s+(?=\S)")
_MARKDOWN = re.compile(r"^#{1,6}\s+(?=\S)")
BULLETS = tuple("-–—*•·>+")
_CLOSING = tuple(".!?;,")


@dataclass(frozen=True)
class DetectedSection:
    """A heading found in the article: the section's id, title, the anchor text that locates it, and its parent."""

    id: str
    title: str
    anchor: str
    start: int
    parent: str | None = None


def slug(text: str, max_words: int = 6) -> str:
    """Lower-case kebab-case of ``text`` in ASCII, at most ``max_words`` words ("" if none is left).

    >>> slug("II. Beyond Anesthesia: Ketamine’s Antidepressant Potential")
    'ii-beyond-anesthesia-ketamines-antidepressant-potential'
    >>> slug("Ärzte & Öffentlichkeit")
    'arzte-offentlichkeit'
    """
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = re.sub(r"['’‘`]", "", plain.lower())
    words = re.findall(r"[a-z0-9]+", plain)
    return "-".join(words[:max_words])


def _clean_heading(line: str) -> str:
    """A heading line as a title: without Markdown marks and a closing colon."""
    return _MARKDOWN.sub("", line.strip()).rstrip(":").strip()


def is_heading(line: str, alone: bool) -> bool:
    """Whether ``line`` (the first line of a paragraph) reads as a heading; ``alone``: it is the whole paragraph."""
    text = line.strip()
    if _MARKDOWN.match(text):
        return len(text) <= MAX_HEADING_CHARS * 2
    if len(text) > MAX_HEADING_CHARS or len(text.split()) > MAX_HEADING_WORDS or text.startswith(BULLETS):
        return False
    if not text[:1].isalnum():
        return False
    if text.endswith(":"):
        return len(text) > 1
    return alone and not text.endswith(_CLOSING)


def _unique_anchor(text: str, candidates: Iterable[str], start: int) -> str | None:
    """The first of ``candidates`` that occurs in ``text`` once only (no overlapping repeat either), at ``start`` or just before.

    The loader refuses an anchor that occurs more than once without ``occurrence``.
    """
    for candidate in candidates:
        found = text.find(candidate)
        if found >= 0 and start - 2 <= found <= start and text.find(candidate, found + 1) < 0:
            return candidate
    return None


def _anchor_candidates(text: str, line: str, start: int) -> Iterable[str]:
    """Texts that could locate the heading ``line`` at ``start``, shortest first: the line, the line
    after a line break, then the line with the words that follow it (for a heading whose text
    stands earlier in the article too)."""
    yield line
    yield "\n" + line
    end = start + len(line)
    limit = min(len(text), end + 120)
    for stop in range(end + 1, limit + 1):
        if stop == len(text) or text[stop].isspace() and not text[stop - 1].isspace():
            yield text[start:stop]


def detect_sections(text: str, skip: Iterable[str] = ()) -> list[DetectedSection]:
    """The sections of a plain-text article, found from its headings, in article order.

    A heading is the first line of a paragraph (after a blank line, or the start of the text)
    that is at most 80 characters and 12 words, starts with a letter or digit (or ``#``
    marks), and either ends with ``:``, is a Markdown heading, or is its whole paragraph and
    ends without ``. ! ? ; ,``. Lines equal to one of ``skip`` (the title, the site) are not
    headings. Once a Roman-numeral heading (``II. ...``) is seen, the headings after it until
    the next one are its subsections. If prose stands before the first heading (after the
    title), a first section ``introduction`` starts at it. Each anchor is text that occurs once
    in the article, where its section starts; a heading with none is left out.

    >>> [s.id for s in detect_sections("Note\\n\\nMechanism:\\n\\nIt binds.\\n\\nUses:\\n\\nIt helps.\\n", skip=["Note"])]
    ['mechanism', 'uses']
    """
    skipped = {_clean_heading(s).casefold() for s in skip if s}
    lines = text.splitlines(keepends=True)
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    found: list[DetectedSection] = []
    used: set[str] = set()
    prose_start: int | None = None  # the first paragraph of prose before any heading
    part: str | None = None
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or (n > 0 and lines[n - 1].strip()):
            continue  # blank, or not the first line of a paragraph
        alone = n + 1 == len(lines) or not lines[n + 1].strip()
        start = offsets[n] + (len(line) - len(line.lstrip()))
        title = _clean_heading(stripped)
        if title.casefold() in skipped:
            continue
        if not is_heading(stripped, alone) or not title:
            if not found and prose_start is None:
                prose_start = start
            continue
        anchor = _unique_anchor(text, _anchor_candidates(text, stripped, start), start)
        if anchor is None:
            continue
        label_free = _ROMAN.sub("", _NUMBER.sub("", _MARKDOWN.sub("", stripped)))
        base = slug(label_free) or slug(title) or f"section-{len(found) + 1}"
        sid, k = base, 2
        while sid in used:
            sid, k = f"{base}-{k}", k + 1
        used.add(sid)
        roman = bool(_ROMAN.match(stripped))
        parent = None if roman else part
        if roman:
            part = sid
        found.append(DetectedSection(sid, title, anchor, start, parent))
    if found and prose_start is not None and prose_start < found[0].start:
        intro = _introduction(text, prose_start, used)
        if intro is not None:
            found.insert(0, intro)
    return found


def _introduction(text: str, start: int, used: set[str]) -> DetectedSection | None:
    """A section for the prose before the first heading, anchored at its first words."""
    line = text[start:].splitlines()[0].strip()
    words = line.split()
    candidates = [" ".join(words[:n]) for n in range(min(4, len(words)), len(words) + 1)]
    anchor = _unique_anchor(text, candidates, start)
    if anchor is None:
        return None
    sid = "introduction" if "introduction" not in used else "introduction-1"
    return DetectedSection(sid, "Introduction", anchor, start)


def first_line(text: str) -> str:
    """The article's first non-empty line, as a title (shortened at a word if it is long)."""
    for line in text.lstrip("\ufeff").splitlines():
        title = _clean_heading(line)
        if title:
            if len(title) > MAX_TITLE_CHARS:
                title = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
            return title
    return "Untitled article"


