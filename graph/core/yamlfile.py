"""Read curated files safely, and YAML with the line number of every mapping and key.

Errors in the data must name the file and line, so the plain ``yaml.safe_load`` is not
enough: this loader records where each mapping and each key starts, rejects duplicate
keys (which YAML would silently overwrite) and turns parser errors into ``KkgError``.

A data folder may come from someone else, so reading refuses what a hostile folder could
hold (README, "Reliability"):

- :func:`read_bytes` reads only a regular file (never a device, FIFO or folder: checked
  with ``os.stat`` before opening, and again on the open descriptor), of at most
  :data:`MAX_FILE_BYTES`, and, given ``root``, only one whose real path lies inside
  ``root`` (no symlink out of the data folder);
- :func:`load_yaml` refuses anchors and aliases (``&a`` / ``*a``: one alias can expand a
  small file into gigabytes), nesting deeper than :data:`MAX_DEPTH` (before Python's
  recursion limit is reached), integers of more than :data:`MAX_INT_DIGITS` digits,
  infinite or NaN numbers, and strings holding a lone surrogate (``"\\ud800"``, which no
  UTF-8 output can hold).
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from ketamine_kg.errors import KkgError, display_path

# The largest file the loader reads: the built-in article is 16 KB, its claims 60 KB.
MAX_FILE_BYTES = 20 * 1024 * 1024
# The deepest nesting of lists and mappings a curated file may use (the data needs 5).
MAX_DEPTH = 32
# The most digits an integer may have (an occurrence, a count: nothing curated needs more).
MAX_INT_DIGITS = 18


class LineDict(dict):
    """A mapping from a YAML file that knows the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Return the line of ``key``, or of the mapping itself if the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from a YAML file that knows the line of itself and of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of_item(self, index: int) -> int:
        """Return the line where item ``index`` starts."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing anchors, aliases and deep nesting while it composes nodes."""

    name: str = "<yaml>"
    _depth: int = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise KkgError(self.name, line, f"YAML alias *{event.anchor} is not allowed; write the value out in full")
        if getattr(event, "anchor", None) is not None:
            raise KkgError(self.name, line, f"YAML anchor &{event.anchor} is not allowed; write each value out in full")
        if self._depth >= MAX_DEPTH:
            raise KkgError(self.name, line, f"lists and mappings nest deeper than {MAX_DEPTH} levels")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# libyaml's parser where PyYAML was built with it (the wheels are): on a corpus of a thousand
# folders the pure-Python parser took most of the load. A file it rejects is parsed again by
# the pure-Python one, whose error messages and lines the bad-input tests pin down.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):  # a YAML complex key ("? [a, b]"): not hashable, never meant
            raise KkgError(loader.name, key_node.start_mark.line + 1, "a key must be a plain word, not a list or mapping")
        if key in result:
            raise KkgError(loader.name, key_node.start_mark.line + 1, f"duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    # items that are not mappings (a stray scalar in a list of claims) carry no line of
    # their own, so the list keeps the line of each item
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_string_timestamp(loader: Any, node: yaml.ScalarNode) -> str:
    # Dates stay strings: "2019-03-05" means what it says, in every export.
    return loader.construct_scalar(node)


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_string_timestamp)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    digits = sum(c.isdigit() for c in str(node.value))
    if digits > MAX_INT_DIGITS:
        raise KkgError(loader.name, node.start_mark.line + 1,
                       f"a number of {digits} digits is too large (at most {MAX_INT_DIGITS}); quote it if it is text")
    return yaml.SafeLoader.construct_yaml_int(loader, node)


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    value = yaml.SafeLoader.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise KkgError(loader.name, node.start_mark.line + 1,
                       f"the number {node.value!r} is not finite; quote it if it is text")
    return value


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    bad = next((c for c in value if "\ud800" <= c <= "\udfff"), None)
    if bad is not None:
        raise KkgError(loader.name, node.start_mark.line + 1,
                       f"the escape \\u{ord(bad):04x} is a lone surrogate, not a character; write the character itself")
    return value


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def value_kind(value: object) -> str:
    """What a parsed YAML value is, in the words of an error message.

    >>> value_kind({"a": 1}), value_kind([1]), value_kind(True), value_kind(3)
    ('a mapping', 'a list', 'true/false', 'int')
    """
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    return type(value).__name__


def _check_kind(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise KkgError(display_path(path), None, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise KkgError(display_path(path), None, "is not a regular file (a device, FIFO or socket); the loader reads only plain files")
    if info.st_size > MAX_FILE_BYTES:
        raise KkgError(display_path(path), None, f"is {info.st_size} bytes, more than the {MAX_FILE_BYTES // (1024 * 1024)} MB a curated file may have")


def read_bytes(path: Path, root: Path | None = None) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`, inside ``root`` if given.

    The file is checked with ``os.stat`` before it is opened (a FIFO or ``/dev/zero`` would
    block or never end), opened non-blocking and checked again on the descriptor (the path
    may have been swapped in between), and read up to the cap only.
    """
    path = Path(path)
    try:
        if root is not None:
            real, inside = os.path.realpath(path), os.path.realpath(root)
            if os.path.commonpath([real, inside]) != inside:
                raise KkgError(display_path(path), None, f"leads outside the data folder {root} (a symlink or '..'); keep every file inside it")
        _check_kind(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise KkgError(display_path(path), None, "file not found") from None
    except OSError as exc:
        raise KkgError(display_path(path), None, f"cannot read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        _check_kind(path, os.fstat(handle.fileno()))
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise KkgError(display_path(path), None, f"is more than the {MAX_FILE_BYTES // (1024 * 1024)} MB a curated file may have")
    return raw


def read_text(path: Path, root: Path | None = None) -> str:
    """Read a UTF-8 text file through :func:`read_bytes`, reporting a wrong encoding as a located error."""
    raw = read_bytes(path, root)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KkgError(path, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from None


def load_yaml(path: Path, display: str | None = None, root: Path | None = None) -> Any:
    """Parse one YAML file (read through :func:`read_text`); mappings come back as :class:`LineDict`."""
    name = display or str(path)
    text = read_text(path, root)
    if not text.strip():
        raise KkgError(name, 1, "file is empty")
    return parse_yaml(text, name)


# Where an anchor or alias could start (``&a``, ``*a`` after a space, bracket, comma, colon or
# dash): such a text goes to the pure-Python parser, which refuses them before any expansion.
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[\]{},:?-])[&*]\S")


def _within_depth(value: Any, depth: int = 1) -> bool:
    """Whether a value libyaml made nests no deeper than the pure-Python parser allows.

    (Numbers and strings are checked by the same constructors on both parsers.)

    >>> _within_depth({"a": [1, "b"]}), _within_depth([[[[1]]]], depth=MAX_DEPTH - 2)
    (True, False)
    """
    if depth >= MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(_within_depth(k, depth + 1) and _within_depth(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_within_depth(v, depth + 1) for v in value)
    return True


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text with the checks of :func:`load_yaml`; ``name`` is the file errors name.

    libyaml parses first where it can, with the same constructors (and so the same checks of
    numbers and strings); a text that might hold an anchor or alias, one libyaml rejects or a
    check refuses, and one nested too deep go to the pure-Python parser, whose errors (and their
    order) are the ones the bad-input tables pin down.
    """
    if not _MAYBE_ANCHOR.search(text):
        try:
            fast = _FastLoader(text)
            fast.name = name
            try:
                data = fast.get_single_data()
            finally:
                fast.dispose()
            if _within_depth(data):
                return data
        except (yaml.YAMLError, RecursionError, KkgError):
            pass  # the pure-Python parser below says where and why, as it always has
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # a control character such as NUL, found before parsing starts
        line = text[: exc.position].count("\n") + 1
        raise KkgError(name, line, f"malformed YAML: character U+{exc.character:04X} is not allowed in YAML") from None
    loader.name = name
    try:
        return loader.get_single_data()
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise KkgError(name, line, f"malformed YAML: character U+{exc.character:04X} is not allowed in YAML") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise KkgError(name, mark.line + 1 if mark else None, f"malformed YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise KkgError(name, None, f"malformed YAML: {exc}") from None
    finally:
        loader.dispose()
