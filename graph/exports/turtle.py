"""Turtle and TriG written from sorted Oxigraph triples and quads: ``to_turtle_bytes(...)``, ``to_trig_bytes(...)``.

Oxigraph's own Turtle writer shortens every IRI a prefix covers, escaping what a local
name may not hold (``kkgc:source\\/claim``): valid Turtle, which OWLAPI's parser (Protégé's)
refuses. Here an IRI becomes a CURIE only when its local name needs no escape; anything
else is written whole. The prefixes come in order, each subject's triples as one block
(``;`` between predicates, ``,`` between objects), so the same input gives the same bytes.

>>> import pyoxigraph as ox
>>> ex = "http://example.org/"
>>> t = [ox.Triple(ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p"), ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
...      ox.Triple(ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p"), ox.NamedNode(ex + "b/c"))]
>>> print(to_turtle_bytes(t, {"ex": ex, "xsd": "http://www.w3.org/2001/XMLSchema#"}).decode())
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<BLANKLINE>
ex:a ex:p "1"^^xsd:integer, <http://example.org/b/c> .
<BLANKLINE>
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# A local name that needs no escape in Turtle (and that OWLAPI, rdflib and rapper all read): no "/", "#", "%" or "~".
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
_PLAIN_PREFIX = re.compile(r"[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


class _Names:
    """IRIs as CURIEs of the longest prefix that leaves a plain local name, else ``<IRI>``; each worked out once."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = {p: iri for p, iri in sorted(prefixes.items()) if _PLAIN_PREFIX.fullmatch(p)}
        self.by_length = sorted(self.prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self.cache: dict[str, str] = {}

    def iri(self, text: str) -> str:
        found = self.cache.get(text)
        if found is None:
            found = f"<{text}>"
            for prefix, iri in self.by_length:
                if text.startswith(iri) and _PLAIN_LOCAL.fullmatch(text[len(iri):]):
                    found = f"{prefix}:{text[len(iri):]}"
                    break
            self.cache[text] = found
        return found

    def term(self, term: Any) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal) and not term.language and term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            text = str(term)  # N-Triples: "..."^^<datatype>
            return text[:text.rindex("^^") + 2] + self.iri(term.datatype.value)
        return str(term)  # a blank node, a plain or language-tagged literal: N-Triples is Turtle

    def header(self) -> str:
        return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in self.prefixes.items()) + "\n"


def _blocks(triples: Iterable[ox.Triple], names: _Names, indent: str) -> Iterator[str]:
    """One block a subject: ``s p o1, o2 ;\\n  p2 o3 .`` (``triples`` sorted, so a subject's triples are consecutive)."""
    subject: Any = None
    lines: list[str] = []
    predicate: Any = None
    objects: list[str] = []

    def close_predicate() -> None:
        if predicate is not None:
            verb = "a" if predicate.value == _RDF_TYPE else names.iri(predicate.value)
            lines.append(f"{verb} {', '.join(objects)}")

    for triple in triples:
        if triple.subject != subject:
            if subject is not None:
                close_predicate()
                yield indent + names.term(subject) + " " + f" ;\n{indent}\t".join(lines) + " .\n"
            subject, lines, predicate, objects = triple.subject, [], None, []
        if triple.predicate != predicate:
            close_predicate()
            predicate, objects = triple.predicate, []
        objects.append(names.term(triple.object))
    if subject is not None:
        close_predicate()
        yield indent + names.term(subject) + " " + f" ;\n{indent}\t".join(lines) + " .\n"


def to_turtle_bytes(triples: list[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """Turtle of sorted ``triples``, with ``prefixes`` (those Turtle allows) declared in order."""
    names = _Names(prefixes)
    return (names.header() + "".join(_blocks(triples, names, ""))).encode("utf-8")


def to_trig_bytes(quads: list[ox.Quad], prefixes: dict[str, str]) -> bytes:
    """TriG of sorted ``quads``: the default graph's triples first, then each named graph in a block."""
    names = _Names(prefixes)
    parts = [names.header()]
    default = [q.triple for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
    parts.extend(_blocks(default, names, ""))
    current: Any = None
    run: list[ox.Triple] = []
    for quad in [q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)] + [None]:
        if quad is None or quad.graph_name != current:
            if run:
                parts.append(f"{names.term(current)} {{\n" + "".join(_blocks(run, names, "\t")) + "}\n\n")
            if quad is None:
                break
            current, run = quad.graph_name, []
        run.append(quad.triple)
    return "".join(parts).encode("utf-8")
