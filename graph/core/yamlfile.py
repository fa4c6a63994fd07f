"""Read curated YAML with the line number of every mapping and key.

Errors in the data must name the file and line, so the plain ``yaml.safe_load`` is not
enough: this loader records where each mapping and each key starts, rejects duplicate
keys (which YAML would silently overwrite) and turns parser errors into ``KkgError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ketamine_kg.errors import KkgError


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
    pass


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


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, reporting a wrong encoding as a located error."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KkgError(path, None, "file not found") from None
    except OSError as exc:
        raise KkgError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KkgError(path, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from None


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Parse one YAML file; mappings come back as :class:`LineDict`."""
    name = display or str(path)
    text = read_text(path)
    if not text.strip():
        raise KkgError(name, 1, "file is empty")
    try:
        fast = _FastLoader(text)
        fast.name = name
        try:
            return fast.get_single_data()
        finally:
            fast.dispose()
    except yaml.YAMLError:
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
