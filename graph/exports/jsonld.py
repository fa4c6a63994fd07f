"""JSON-LD written from Oxigraph quads: ``to_jsonld(quads, prefixes)``, compacted with the graph's prefixes.

>>> import pyoxigraph as ox
>>> q = ox.Quad(ox.NamedNode("https://w3id.org/ketamine-kg/entity/ketamine"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
...             ox.Literal("ketamine", language="en"), ox.NamedNode("https://w3id.org/ketamine-kg/graph/x"))
>>> print(to_jsonld([q], {"kkg": "https://w3id.org/ketamine-kg/entity/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}).decode())
{
 "@context": {
  "@version": 1.1,
  "kkg": "https://w3id.org/ketamine-kg/entity/",
  "rdfs": "http://www.w3.org/2000/01/rdf-schema#"
 },
 "@graph": [
 {"@id": "https://w3id.org/ketamine-kg/graph/x", "@graph": [
  {"@id": "kkg:ketamine", "rdfs:label": [{"@value": "ketamine", "@language": "en"}]}
 ]}
 ]
}
<BLANKLINE>
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF, XSD

_XSD_STRING = str(XSD.string)
_RDF_TYPE = str(RDF.type)
# JSON-LD 1.1 uses a plain term as a prefix only when its IRI ends with one of these (else "@prefix": true)
_GEN_DELIMS = (":", "/", "?", "#", "[", "]", "@")


def to_jsonld(quads: list[ox.Quad], prefixes: dict[str, str]) -> bytes:
    """Compacted JSON-LD of sorted ``quads``: an ``@context`` of the prefixes, a node object per subject.

    A named graph is a ``{"@id": graph, "@graph": [...]}`` object; the default graph's nodes
    stand in the top ``@graph`` beside them. Every value is an object (``@id``, or
    ``@value`` with its ``@type`` or ``@language``), so nothing depends on a term's type
    coercion. The same bytes for the same quads.
    """
    compact = _Compactor(prefixes)
    context: dict[str, Any] = {"@version": 1.1}
    for prefix, iri in sorted(prefixes.items()):
        context[prefix] = iri if iri.endswith(_GEN_DELIMS) else {"@id": iri, "@prefix": True}
    top: list[str] = []
    for graph_name, members in _groups(quads, lambda q: q.graph_name):
        nodes = [_node(subject, [q.triple for q in group], compact) for subject, group in _groups(members, lambda q: q.subject)]
        if isinstance(graph_name, ox.DefaultGraph):
            top.extend(nodes)
        else:
            top.append('{"@id": %s, "@graph": [\n  %s\n ]}' % (json.dumps(compact.iri(graph_name)), ",\n  ".join(nodes)))
    head = json.dumps({"@context": context}, indent=1, ensure_ascii=False)[:-2]  # without its closing "\n}"
    return (head + ',\n "@graph": [\n ' + ",\n ".join(top) + "\n ]\n}\n").encode("utf-8")


def _groups(items: list, key: Any) -> Iterator[tuple[Any, list]]:
    """Runs of consecutive ``items`` with the same ``key`` (the quads are sorted, so each key is one run)."""
    run: list = []
    current: Any = None
    for item in items:
        value = key(item)
        if run and value != current:
            yield current, run
            run = []
        current = value
        run.append(item)
    if run:
        yield current, run


def _node(subject: Any, triples: list[ox.Triple], compact: _Compactor) -> str:
    node: dict[str, Any] = {"@id": compact.node(subject)}
    for triple in triples:
        predicate = triple.predicate.value
        if predicate == _RDF_TYPE and not isinstance(triple.object, ox.Literal):
            node.setdefault("@type", []).append(compact.node(triple.object))
        else:
            node.setdefault(compact.iri(triple.predicate), []).append(compact.value(triple.object))
    return json.dumps(node, ensure_ascii=False, separators=(", ", ": "))


class _Compactor:
    """IRIs as CURIEs of the longest matching prefix, where the CURIE reads back as the same IRI."""

    def __init__(self, prefixes: dict[str, str]):
        self.by_length = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        self.cache: dict[str, str] = {}

    def iri(self, node: Any) -> str:
        text = node.value
        found = self.cache.get(text)
        if found is None:
            found = text
            for prefix, iri in self.by_length:
                local = text[len(iri):]
                # "p:" alone, or "p://..." (read as an absolute IRI), would not expand back
                if text.startswith(iri) and local and not local.startswith("//"):
                    found = f"{prefix}:{local}"
                    break
            self.cache[text] = found
        return found

    def node(self, node: Any) -> str:
        return f"_:{node.value}" if isinstance(node, ox.BlankNode) else self.iri(node)

    def value(self, term: Any) -> dict[str, str]:
        if not isinstance(term, ox.Literal):
            return {"@id": self.node(term)}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == _XSD_STRING:
            return {"@value": term.value}
        return {"@value": term.value, "@type": self.iri(term.datatype)}
