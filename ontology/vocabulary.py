"""The vocabulary of entity types and predicates, read from ``vocabulary.yaml``.

>>> vocab = load_vocabulary()
>>> vocab.is_a("cognitive_effect", "effect")
True
>>> vocab.types["therapeutic_effect"].class_name
'TherapeuticEffect'
>>> vocab.predicates["antagonist_of"].parent
'molecularly_interacts_with'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from ketamine_kg.errors import DataError
from ketamine_kg.core.model import DATATYPES
from ketamine_kg.core.yamlfile import LineDict, load_yaml, value_kind

VOCABULARY_FILE = "vocabulary.yaml"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
CHARACTERISTICS = {"functional", "inverse_functional", "transitive", "symmetric", "asymmetric", "irreflexive"}


def camel_case(identifier: str) -> str:
    """The CamelCase OWL name of a snake_case id.

    >>> camel_case("under_investigation")
    'UnderInvestigation'
    """
    return "".join(part.capitalize() for part in identifier.split("_"))


@dataclass(frozen=True)
class TypeDef:
    """An entity type; becomes an OWL class."""

    id: str
    label: str
    definition: str
    parent: str | None = None
    abstract: bool = False

    @property
    def class_name(self) -> str:
        """The OWL class's local name, in CamelCase."""
        return camel_case(self.id)


@dataclass(frozen=True)
class PredicateDef:
    """A predicate claims may use; becomes an OWL object or data property."""

    id: str
    label: str
    kind: str
    definition: str
    domain: tuple[str, ...]
    range: tuple[str, ...] = ()
    parent: str | None = None
    inverse: str | None = None
    characteristics: tuple[str, ...] = ()
    datatype: str | None = None
    acyclic: bool = False

    @property
    def inverse_id(self) -> str | None:
        """The local name of the generated inverse property, if any."""
        return self.inverse.replace(" ", "_") if self.inverse else None


@dataclass
class Vocabulary:
    """Types and predicates, with the type hierarchy."""

    types: dict[str, TypeDef] = field(default_factory=dict)
    predicates: dict[str, PredicateDef] = field(default_factory=dict)
    # Where each type and predicate is defined: id -> (file, line), for error messages.
    origins: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    # Alignment tables that go with this vocabulary: the core's, then a data folder's.
    alignment_files: tuple[Path, ...] = ()
    # Type and predicate ids a data folder added to the core vocabulary.
    added: frozenset[str] = frozenset()

    def ancestors(self, type_id: str) -> list[str]:
        """Return ``type_id`` and its ancestors, nearest first."""
        chain = []
        current: str | None = type_id
        while current is not None:
            chain.append(current)
            current = self.types[current].parent
        return chain

    def is_a(self, type_id: str, ancestor: str) -> bool:
        """Whether ``type_id`` is ``ancestor`` or one of its subtypes."""
        return ancestor in self.ancestors(type_id)

    def fits(self, type_id: str, allowed: tuple[str, ...]) -> bool:
        """Whether ``type_id`` falls under any of the ``allowed`` types."""
        return any(self.is_a(type_id, a) for a in allowed)

    def concrete_types(self) -> list[str]:
        """Types an entity may be given directly."""
        return [t.id for t in self.types.values() if not t.abstract]


def _require(item: LineDict, key: str, where: str) -> object:
    if key not in item or item[key] in (None, ""):
        raise DataError(where, item.line, f"missing field {key!r}")
    return item[key]


def _text(item: LineDict, key: str, where: str, *, required: bool = True) -> str | None:
    """A text field (label, definition): a word or sentence, never a list or mapping."""
    value = _require(item, key, where) if required else item.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list, bool)):
        raise DataError(where, item.line_of(key), f"field {key!r} must be text, got {value_kind(value)}")
    return str(value)


def _ref(item: LineDict, key: str, where: str) -> str | None:
    """An optional field naming one id (a parent, an inverse): a plain word."""
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not ID_PATTERN.match(value.replace(" ", "_")):
        raise DataError(where, item.line_of(key), f"field {key!r} must name one snake_case id, got {value!r}")
    return value


def _flag(item: LineDict, key: str, where: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise DataError(where, item.line_of(key), f"field {key!r} must be true or false, got {value!r}")
    return value


def _as_tuple(value: object, where: str, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DataError(where, line, f"expected a list of ids, got {value!r}")


def parse_vocabulary(data: object, where: str, base: Vocabulary | None = None) -> Vocabulary:
    """Check and convert the parsed YAML of a vocabulary file.

    With ``base`` (the core vocabulary), the file extends it: its types and predicates are
    added to a copy of ``base``, each with a parent (in ``base`` or added here) so that
    queries and definitions over the core still see them; an id that ``base`` has already
    must mean the same (else the error names both files and lines); either key may be
    missing.
    """
    if base is None and (not isinstance(data, dict) or "types" not in data or "predicates" not in data):
        raise DataError(where, 1, "a vocabulary needs the top-level keys 'types' and 'predicates'")
    if base is not None and not isinstance(data, dict):
        raise DataError(where, 1, "a data folder's vocabulary is a mapping with 'types' and/or 'predicates'")
    assert isinstance(data, dict)  # both branches above refuse anything else
    for key in ("types", "predicates"):
        if not isinstance(data.get(key) or [], list) or not all(isinstance(i, dict) for i in data.get(key) or []):
            raise DataError(where, getattr(data, "line_of", lambda _k: 1)(key), f"'{key}' must be a list of mappings")
    vocab = Vocabulary()
    if base is not None:
        vocab = Vocabulary(dict(base.types), dict(base.predicates), dict(base.origins), base.alignment_files)
    added: set[str] = set()
    for item in data.get("types") or []:
        type_id = str(_require(item, "id", where))
        if not ID_PATTERN.match(type_id):
            raise DataError(where, item.line, f"type id {type_id!r} is not snake_case")
        if type_id in vocab.types and (base is None or type_id in added):
            raise DataError(where, item.line, f"duplicate type id {type_id!r}")
        new_type = TypeDef(
            id=type_id,
            label=str(_text(item, "label", where)),
            definition=str(_text(item, "definition", where)),
            parent=_ref(item, "parent", where),
            abstract=_flag(item, "abstract", where),
        )
        if base is not None and type_id in base.types:
            _check_same(base.types[type_id], new_type, "type", base.origins.get(type_id), where, item.line)
            continue
        vocab.types[type_id] = new_type
        vocab.origins[type_id] = (where, item.line)
        added.add(type_id)
    for item in data.get("types") or []:
        parent = _ref(item, "parent", where)
        if parent is not None and parent not in vocab.types:
            raise DataError(where, item.line_of("parent"), f"unknown parent type {parent!r}")
        if base is not None and parent is None and str(item["id"]) in added:
            raise DataError(where, item.line, f"type {item['id']!r} needs a parent: a type a data folder adds must fall under a type of the core vocabulary")
    for item in data.get("predicates") or []:
        pred_id = str(_require(item, "id", where))
        if not ID_PATTERN.match(pred_id):
            raise DataError(where, item.line, f"predicate id {pred_id!r} is not snake_case")
        if pred_id in vocab.predicates and (base is None or pred_id in added):
            raise DataError(where, item.line, f"duplicate predicate id {pred_id!r}")
        kind = str(_require(item, "kind", where))
        if kind not in ("object", "data"):
            raise DataError(where, item.line_of("kind"), f"kind must be 'object' or 'data', not {kind!r}")
        domain = _as_tuple(_require(item, "domain", where), where, item.line_of("domain"))
        rng = _as_tuple(item.get("range"), where, item.line_of("range"))
        for type_id in domain + rng:
            if type_id not in vocab.types:
                raise DataError(where, item.line, f"predicate {pred_id!r} names unknown type {type_id!r}")
        if kind == "object" and not rng:
            raise DataError(where, item.line, f"object predicate {pred_id!r} needs a range")
        characteristics = _as_tuple(item.get("characteristics"), where, item.line)
        for c in characteristics:
            if c not in CHARACTERISTICS:
                raise DataError(where, item.line_of("characteristics"), f"unknown characteristic {c!r}")
        datatype = item.get("datatype")
        if datatype is not None and not isinstance(datatype, str) or kind == "data" and datatype not in DATATYPES:
            raise DataError(where, item.line, f"data predicate {pred_id!r} needs a datatype in {sorted(DATATYPES)}")
        new_pred = PredicateDef(
            id=pred_id,
            label=str(_text(item, "label", where)),
            kind=kind,
            definition=str(_text(item, "definition", where)),
            domain=domain,
            range=rng,
            parent=_ref(item, "parent", where),
            inverse=_ref(item, "inverse", where),
            characteristics=characteristics,
            datatype=datatype,
            acyclic=_flag(item, "acyclic", where),
        )
        if base is not None and pred_id in base.predicates:
            _check_same(base.predicates[pred_id], new_pred, "predicate", base.origins.get(pred_id), where, item.line)
            continue
        if base is not None and new_pred.parent is None:
            raise DataError(where, item.line, f"predicate {pred_id!r} needs a parent: a predicate a data folder adds must fall under a predicate of the core vocabulary")
        vocab.predicates[pred_id] = new_pred
        vocab.origins[pred_id] = (where, item.line)
        added.add(pred_id)
    for pred in vocab.predicates.values():
        if pred.parent is not None and pred.parent not in vocab.predicates:
            raise DataError(where, vocab.origins.get(pred.id, (where, None))[1], f"predicate {pred.id!r} has unknown parent {pred.parent!r}")
        if pred.parent is not None and vocab.predicates[pred.parent].kind != pred.kind:
            raise DataError(where, vocab.origins.get(pred.id, (where, None))[1], f"predicate {pred.id!r} is a {pred.kind} predicate but its parent {pred.parent!r} is not")
    # Only a data folder adds terms: the core vocabulary itself adds none.
    vocab.added = frozenset(added) | base.added if base is not None else frozenset()
    return vocab


def _check_same(core, mine, kind: str, origin: tuple[str, int | None] | None, where: str, line: int | None) -> None:
    """Refuse a data folder's definition of a core id that means something else."""
    if core == mine:
        return
    differs = [f for f in core.__dataclass_fields__ if getattr(core, f) != getattr(mine, f)]
    there = f"{origin[0]}:{origin[1]}" if origin and origin[1] else (origin[0] if origin else "the core vocabulary")
    raise DataError(where, line, f"{kind} {core.id!r} clashes with the core vocabulary ({there}): its {', '.join(differs)} differ; "
                                 f"give it another id, or repeat the core definition exactly")


ALIGNMENTS_FILE = "alignments.tsv"


@cache
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Load the vocabulary shipped with the package (or the one at ``path``)."""
    core = path is None
    if path is None:
        path = Path(str(resources.files(__package__) / VOCABULARY_FILE))
    where = "ontology/vocabulary.yaml" if core else str(path)
    vocab = parse_vocabulary(load_yaml(path, where), where)
    if core:
        vocab.alignment_files = (Path(str(resources.files(__package__) / ALIGNMENTS_FILE)),)
    return vocab


def load_data_vocabulary(directory: Path, display: str | None = None) -> Vocabulary:
    """The vocabulary of a data folder: the core one, extended by the folder's ``vocabulary.yaml`` if it has one.

    The folder's ``alignments.tsv`` (optional) aligns the terms it adds.
    """
    core = load_vocabulary()
    path = Path(directory) / VOCABULARY_FILE
    if not (path.exists() or path.is_symlink()):  # anything else there (a FIFO, a symlink out) is read, and refused
        return core
    where = display or str(path)
    data = load_yaml(path, where, root=Path(directory))
    if data is None:
        return core
    vocab = parse_vocabulary(data, where, base=core)
    extra = Path(directory) / ALIGNMENTS_FILE
    if extra.exists() or extra.is_symlink():  # read through read_text, which refuses what is not a plain file inside
        vocab.alignment_files = core.alignment_files + (extra,)
    return vocab
