"""Checks of one field or one text of curated data, each raising a located :class:`~ketamine_kg.errors.DataError`.

The id patterns of every kind of id, text and id fields (never a list or mapping where
text is expected), BCP 47 language tags, http(s) URLs, calendar dates, the article's file
name (inside the data folder) and text (no BOM, no CR, NFC), and where a text occurs in the
article (overlapping repeats counted). :mod:`ketamine_kg.load.dataset` uses them to load a
data folder.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from ketamine_kg.core.yamlfile import LineDict, LineList, value_kind
from ketamine_kg.errors import DataError

ENTITY_ID = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
CLAIM_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SECTION_ID = CLAIM_ID
SOURCE_ID = CLAIM_ID  # the source id becomes an IRI segment: kebab-case, no '/', no '..'
ATTRIBUTE_NAME = ENTITY_ID  # an attribute name becomes a kkgo: property: snake_case
# A well-formed BCP 47 language tag (RFC 5646, section 2.1, without the irregular grandfathered tags).
LANGUAGE_TAG = re.compile(
    r"^(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*(?:-x(?:-[a-z0-9]{1,8})+)?"
    r"|x(?:-[a-z0-9]{1,8})+)$",
    re.IGNORECASE,
)
# Characters a URL may not hold as they are (RFC 3986 needs them percent-encoded).
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`]")


def check_fields(item: object, allowed: set[str], required: tuple[str, ...], where: str, what: str,
                 line: int | None = None) -> LineDict:
    """``item`` if it is a mapping with only ``allowed`` fields and every ``required`` one filled."""
    if not isinstance(item, LineDict):
        line = getattr(item, "line", None) or line
        raise DataError(where, line, f"each {what} must be a mapping of fields, got {type(item).__name__}")
    for key in item:
        if key not in allowed:
            raise DataError(where, item.line_of(key), f"unknown field {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in item or item[key] is None or item[key] == "" or item[key] == []:
            raise DataError(where, item.line, f"{what} is missing the field {key!r}")
    return item


def item_line(items: list, index: int) -> int | None:
    """The line of item ``index`` of a YAML list (items that are not mappings know none of their own)."""
    return items.line_of_item(index) if isinstance(items, LineList) else None


def as_str(item: LineDict, key: str, where: str) -> str:
    """A text field (a number is read as its text): a list, mapping or true/false is an error."""
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise DataError(where, item.line_of(key), f"field {key!r} must be text, got {value_kind(value)}")
    return str(value)


def opt_str(item: LineDict, key: str, where: str) -> str | None:
    """An optional text field: absent or empty is None, a list or mapping is an error."""
    if item.get(key) is None:
        return None
    return as_str(item, key, where)


def opt_id(item: LineDict, key: str, where: str, what: str) -> str | None:
    """An optional field that names an id: absent is None, anything but a plain word is an error."""
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError(where, item.line_of(key), f"{what} must be one id, got {value_kind(value)}")
    return value


def check_language(tag: object, where: str, line: int | None) -> str:
    """``tag`` if it is a well-formed BCP 47 language tag (``en``, ``en-GB``, ``zh-Hant-TW``), else a DataError.

    >>> check_language("en-GB", "source.yaml", 3)
    'en-GB'
    """
    if not isinstance(tag, str) or not LANGUAGE_TAG.match(tag):
        raise DataError(where, line, f"language {tag!r} is not a BCP 47 language tag (such as en, en-GB, de)")
    return tag


def check_url(url: object, where: str, line: int | None) -> str:
    """``url`` if it is an absolute http(s) URL with a host and no spaces or other raw characters, else a DataError.

    >>> check_url("https://example.org/a?b=1", "source.yaml", 4)
    'https://example.org/a?b=1'
    """
    if not isinstance(url, str):
        raise DataError(where, line, f"url must be text, got {value_kind(url)}")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DataError(where, line, f"url {url!r} is not an http(s) URL with a host")
    if _URL_FORBIDDEN.search(url):
        raise DataError(where, line, f"url {url!r} holds a space or a character URLs must percent-encode")
    return url


def article_path(directory: Path, item: LineDict, where: str) -> Path:
    """The article file ``source.yaml`` names: a relative path inside the data folder, no URL, no '..'."""
    name = as_str(item, "file", where)
    pure = PurePosixPath(name.replace("\\", "/"))
    if ":" in name or pure.is_absolute() or ".." in pure.parts:
        raise DataError(where, item.line_of("file"),
                        f"file {name!r} must be a file name inside the data folder (no URL, absolute path or '..')")
    return directory / pure


def check_article_text(text: str, name: str) -> None:
    """Refuse an article whose offsets could be read two ways: a BOM, a carriage return, or text not in NFC.

    Offsets count Unicode code points of the text exactly as stored; a BOM would count as
    a character, CRLF line ends as two, and a decomposed accent as two code points where a
    reader that normalises sees one (README, "Reliability").
    """
    if text.startswith("\ufeff"):
        raise DataError(name, 1, "starts with a byte order mark (BOM); save the article as UTF-8 without a BOM")
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise DataError(name, line, "has a carriage return (CRLF or CR line ends); save the article with LF line ends")
    if not unicodedata.is_normalized("NFC", text):
        bad = next(i for i, c in enumerate(text) if not unicodedata.is_normalized("NFC", text[max(0, i - 1): i + 2]))
        raise DataError(name, text[:bad].count("\n") + 1,
                        "is not in Unicode NFC (a letter and its accent stored apart); save it NFC-normalised")


def find_all(text: str, needle: str, end: int) -> list[int]:
    """Every start of ``needle`` in ``text[:end]``, overlapping ones included ("ha ha" twice in "ha ha ha").

    >>> find_all("ha ha ha", "ha ha", 8)
    [0, 3]
    """
    starts = []
    pos = text.find(needle, 0, end)
    while pos >= 0 and needle:
        starts.append(pos)
        pos = text.find(needle, pos + 1, end)
    return starts


def check_date(value: str, where: str, line: int, what: str) -> None:
    """Refuse a date that is not a real calendar day written YYYY-MM-DD (it would export as an invalid xsd:date)."""
    try:
        ok = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None and bool(datetime.date.fromisoformat(value))
    except ValueError:
        ok = False
    if not ok:
        raise DataError(where, line, f"{what}: {value!r} is not a date written YYYY-MM-DD")
