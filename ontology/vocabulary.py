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
from ketamine_kg.core.yamlfile import LineDict, load_yaml

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


def _as_tuple(value: object, where: str, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DataError(where, line, f"expected a list of ids, got {value!r}")


def parse_vocabulary(data: object, where: str) -> Vocabulary:
    """Check and convert the parsed YAML of a vocabulary file."""
    if not isinstance(data, dict) or "types" not in data or "predicates" not in data:
        raise DataError(where, 1, "a vocabulary needs the top-level keys 'types' and 'predicates'")
    vocab = Vocabulary()
    for item in data["types"]:
        type_id = str(_require(item, "id", where))
        if not ID_PATTERN.match(type_id):
            raise DataError(where, item.line, f"type id {type_id!r} is not snake_case")
        if type_id in vocab.types:
            raise DataError(where, item.line, f"duplicate type id {type_id!r}")
        vocab.types[type_id] = TypeDef(
            id=type_id,
            label=str(_require(item, "label", where)),
            definition=str(_require(item, "definition", where)),
            parent=item.get("parent"),
            abstract=bool(item.get("abstract", False)),
        )
    for item in data["types"]:
        parent = item.get("parent")
        if parent is not None and parent not in vocab.types:
            raise DataError(where, item.line_of("parent"), f"unknown parent type {parent!r}")
    for item in data["predicates"]:
        pred_id = str(_require(item, "id", where))
        if not ID_PATTERN.match(pred_id):
            raise DataError(where, item.line, f"predicate id {pred_id!r} is not snake_case")
        if pred_id in vocab.predicates:
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
        if kind == "data" and datatype not in DATATYPES:
            raise DataError(where, item.line, f"data predicate {pred_id!r} needs a datatype in {sorted(DATATYPES)}")
        vocab.predicates[pred_id] = PredicateDef(
            id=pred_id,
            label=str(_require(item, "label", where)),
            kind=kind,
            definition=str(_require(item, "definition", where)),
            domain=domain,
            range=rng,
            parent=item.get("parent"),
            inverse=item.get("inverse"),
            characteristics=characteristics,
            datatype=datatype,
            acyclic=bool(item.get("acyclic", False)),
        )
    for pred in vocab.predicates.values():
        if pred.parent is not None and pred.parent not in vocab.predicates:
            raise DataError(where, None, f"predicate {pred.id!r} has unknown parent {pred.parent!r}")
    return vocab


@cache
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Load the vocabulary shipped with the package (or the one at ``path``)."""
    if path is None:
        path = Path(str(resources.files(__package__) / VOCABULARY_FILE))
    return parse_vocabulary(load_yaml(path), str(path))
