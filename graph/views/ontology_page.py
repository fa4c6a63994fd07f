"""One self-contained HTML page documenting the ontology, readable offline.

``write_ontology_page(path, tbox_graph)`` writes the page: metadata, the class
hierarchy, the defined classes with their definitions in Manchester-like syntax, every
property with domain, range, inverse, super-properties and characteristics, and the
external alignments as links. No script, font or style sheet is fetched from anywhere.

>>> from rdflib import Graph
>>> "<h1>" in get_ontology_page(Graph())
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import TypeGuard, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Identifier, Node

from ketamine_kg.core import iris as ns
from ketamine_kg.core.atomic import write_bytes_atomic
from ketamine_kg.core.curies import compact
from ketamine_kg.core.namespaces import BIOLINK, KKGO

CHARACTERISTICS = {
    OWL.FunctionalProperty: "functional", OWL.InverseFunctionalProperty: "inverse functional",
    OWL.TransitiveProperty: "transitive", OWL.SymmetricProperty: "symmetric",
    OWL.AsymmetricProperty: "asymmetric", OWL.IrreflexiveProperty: "irreflexive", OWL.ReflexiveProperty: "reflexive",
}
ALIGNMENT_RELATIONS = {
    RDFS.subClassOf: "subClassOf", OWL.equivalentClass: "equivalentClass", RDFS.subPropertyOf: "subPropertyOf",
    OWL.equivalentProperty: "equivalentProperty", SKOS.exactMatch: "skos:exactMatch", SKOS.closeMatch: "skos:closeMatch",
    SKOS.broadMatch: "skos:broadMatch", SKOS.narrowMatch: "skos:narrowMatch", SKOS.relatedMatch: "skos:relatedMatch",
    BIOLINK.category: "biolink:category",
}
STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70em;padding:1em 2em;color:#222}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ccc;margin-top:2em}code,.mn{font-family:ui-monospace,monospace}
.mn{background:#f4f4f8;padding:.4em .6em;display:block;white-space:pre-wrap}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#f0f0f0}ul.tree{list-style:none;padding-left:1.2em}dt{font-weight:bold;margin-top:.8em}
.ext{color:#555}.def{color:#444}nav a{margin-right:1em}
"""


class _Names:
    """Short names: kkgo terms by local name, entities by label, others as CURIEs where a prefix is known.

    The CURIEs come from the project's one prefix map (:func:`ketamine_kg.core.curies.compact`),
    so an alignment to ChEBI or MONDO shows as ``CHEBI:24431`` or ``MONDO:0000001``.
    """

    def __init__(self, graph: Graph):
        self.graph = graph

    def __call__(self, term) -> str:
        text = str(term)
        if text.startswith(KKGO):
            return text[len(KKGO):]
        if text.startswith(ns.ENTITY):
            label = self.graph.value(term, RDFS.label)
            return text[len(ns.ENTITY):] if label is None else str(label)
        return compact(text) or text


def to_manchester(graph: Graph, node, names=None) -> str:
    """Render a class expression in Manchester-like syntax.

    >>> g = Graph()
    >>> r = BNode()
    >>> _ = g.add((r, OWL.onProperty, URIRef(KKGO + "treats")))
    >>> _ = g.add((r, OWL.someValuesFrom, URIRef(KKGO + "Disorder")))
    >>> to_manchester(g, r)
    'treats some Disorder'
    """
    names = names or _Names(graph)

    def paren(item) -> str:
        text = to_manchester(graph, item, names)
        return f"({text})" if isinstance(item, BNode) and (" and " in text or " or " in text) else text

    if isinstance(node, (URIRef, Literal)):
        return names(node) if isinstance(node, URIRef) else f'"{node}"'
    for key, word in ((OWL.intersectionOf, " and "), (OWL.unionOf, " or ")):
        members = graph.value(node, key)
        if members is not None:
            return word.join(paren(m) for m in Collection(graph, members))
    members = graph.value(node, OWL.oneOf)
    if members is not None:
        return "{" + ", ".join(names(m) for m in Collection(graph, members)) + "}"
    complement = graph.value(node, OWL.complementOf)
    if complement is not None:
        return "not " + paren(complement)
    inverse = graph.value(node, OWL.inverseOf)
    if inverse is not None and graph.value(node, OWL.onProperty) is None:
        return f"inverse({names(inverse)})"
    datatype = graph.value(node, OWL.onDatatype)
    if datatype is not None:
        facets = []
        restrictions = graph.value(node, OWL.withRestrictions)
        for facet in Collection(graph, restrictions) if restrictions is not None else ():
            for p, o in graph.predicate_objects(facet):
                facets.append(f'{names(p).split(":")[-1]} "{o}"')
        return f"{names(datatype)}[{', '.join(facets)}]"
    prop = graph.value(node, OWL.onProperty)
    if prop is not None:
        prop_text = to_manchester(graph, prop, names)
        for key, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only")):
            filler = graph.value(node, key)
            if filler is not None:
                return f"{prop_text} {word} {paren(filler)}"
        value = graph.value(node, OWL.hasValue)
        if value is not None:
            return f"{prop_text} value {to_manchester(graph, value, names)}"
        for key, word in ((OWL.minQualifiedCardinality, "min"), (OWL.maxQualifiedCardinality, "max"), (OWL.qualifiedCardinality, "exactly"),
                          (OWL.minCardinality, "min"), (OWL.maxCardinality, "max"), (OWL.cardinality, "exactly")):
            number = graph.value(node, key)
            if number is not None:
                filler = graph.value(node, OWL.onClass)
                return f"{prop_text} {word} {number}" + (f" {paren(filler)}" if filler is not None else "")
    return "?"


def _text(graph: Graph, term, prop) -> str:
    values = [str(v) for v in graph.objects(term, prop)]
    return values[0] if values else ""


def _link(names, term) -> str:
    name = escape(names(term))
    if str(term).startswith(KKGO):
        return f'<a href="#{escape(str(term)[len(KKGO):])}">{name}</a>'
    if isinstance(term, URIRef):
        return f'<a class="ext" href="{escape(str(term))}">{name}</a>'
    return name


def _expr(graph, names, node) -> str:
    if isinstance(node, URIRef):
        return _link(names, node)
    return f"<code>{escape(to_manchester(graph, node, names))}</code>"


def get_ontology_page(tbox: Graph) -> str:
    """The HTML of the ontology's documentation page (every text escaped)."""
    names = _Names(tbox)
    onto = URIRef(ns.ONTOLOGY_IRI)
    title = _text(tbox, onto, DCTERMS.title) or "ketamine-kg ontology"

    def ours(t: Node | None) -> TypeGuard[URIRef]:
        return isinstance(t, URIRef) and str(t).startswith(KKGO)

    classes = sorted(c for c in tbox.subjects(RDF.type, OWL.Class) if ours(c))
    defined = [c for c in classes if any(isinstance(e, BNode) for e in tbox.objects(c, OWL.equivalentClass))]
    parents = defaultdict(list)
    children = defaultdict(list)
    for c in classes:
        for p in tbox.objects(c, RDFS.subClassOf):
            if ours(p):
                parents[c].append(p)
                children[p].append(c)
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>",
           f"<style>{STYLE}</style></head><body>", f"<h1>{escape(title)}</h1>"]
    out.append(f"<p class='def'>{escape(_text(tbox, onto, DCTERMS.description))}</p><table>")
    meta = [("IRI", onto), ("version IRI", tbox.value(onto, OWL.versionIRI)), ("version", tbox.value(onto, OWL.versionInfo)),
            ("licence", tbox.value(onto, DCTERMS.license)), ("creator", tbox.value(onto, DCTERMS.creator)),
            ("date", tbox.value(onto, DCTERMS.created))]
    for key, value in meta:
        if value is None:
            continue
        shown = f'<a href="{escape(str(value))}">{escape(str(value))}</a>' if isinstance(value, URIRef) else escape(str(value))
        out.append(f"<tr><th>{escape(key)}</th><td>{shown}</td></tr>")
    out.append("</table><nav><a href='#classes'>Classes</a><a href='#defined'>Defined classes</a>"
               "<a href='#properties'>Properties</a><a href='#alignments'>Alignments</a></nav>")

    def tree(nodes) -> str:
        items = []
        for c in sorted(nodes, key=names):
            label = _text(tbox, c, RDFS.label)
            sub = tree(children[c]) if children[c] else ""
            items.append(f"<li>{_link(names, c)} <span class='def'>{escape(label)}</span>{sub}</li>")
        return "<ul class='tree'>" + "".join(items) + "</ul>"

    out.append(f"<h2 id='classes'>Classes ({len(classes)})</h2>")
    out.append(tree([c for c in classes if not parents[c] and c not in defined]))
    out.append("<dl>")
    for c in classes:
        anchor = escape(str(c)[len(KKGO):])
        supers = ", ".join(sorted(_expr(tbox, names, p) for p in tbox.objects(c, RDFS.subClassOf) if p != OWL.Thing))
        # rdflib types objects() as Node, which has no ordering; every node it yields is an Identifier, which does
        disjoint = ", ".join(_link(names, d) for d in sorted(set(cast("Iterator[Identifier]", tbox.objects(c, OWL.disjointWith)))))
        out.append(f"<dt id='{anchor}'>{escape(names(c))} <span class='def'>({escape(_text(tbox, c, RDFS.label))})</span></dt>")
        out.append(f"<dd>{escape(_text(tbox, c, SKOS.definition))}" + (f"<br>subclass of: {supers}" if supers else "")
                   + (f"<br>disjoint with: {disjoint}" if disjoint else "") + "</dd>")
    out.append("</dl>")
    out.append(f"<h2 id='defined'>Defined classes ({len(defined)})</h2><p>The reasoner fills these in from the stated facts; "
               "no entity is ever given one of them directly.</p><dl>")
    for c in defined:
        for expr in tbox.objects(c, OWL.equivalentClass):
            if isinstance(expr, BNode):
                out.append(f"<dt>{_link(names, c)}</dt><dd>{escape(_text(tbox, c, SKOS.definition))}"
                           f"<span class='mn'>{escape(names(c))} EquivalentTo: {escape(to_manchester(tbox, expr, names))}</span></dd>")
    out.append("</dl>")
    props = sorted(p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in tbox.subjects(RDF.type, kind) if ours(p))
    out.append(f"<h2 id='properties'>Properties ({len(props)})</h2><table><tr><th>property</th><th>label and definition</th>"
               "<th>domain</th><th>range</th><th>inverse</th><th>super-properties</th><th>characteristics</th></tr>")
    for p in props:
        inverse = [i for i in tbox.objects(p, OWL.inverseOf)] + [i for i in tbox.subjects(OWL.inverseOf, p)]
        cells = [
            f"<span id='{escape(str(p)[len(KKGO):])}'>{escape(names(p))}</span>" + (" (data)" if (p, RDF.type, OWL.DatatypeProperty) in tbox else ""),
            f"<b>{escape(_text(tbox, p, RDFS.label))}</b>: {escape(_text(tbox, p, SKOS.definition))}",
            ", ".join(_expr(tbox, names, d) for d in tbox.objects(p, RDFS.domain)),
            ", ".join(_expr(tbox, names, r) for r in tbox.objects(p, RDFS.range)),
            ", ".join(_link(names, i) for i in inverse),
            ", ".join(_link(names, s) for s in tbox.objects(p, RDFS.subPropertyOf)),
            ", ".join(escape(word) for kind, word in CHARACTERISTICS.items() if (p, RDF.type, kind) in tbox),
        ]
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    out.append("<h2 id='alignments'>External alignments</h2><table><tr><th>local term</th><th>relation</th><th>external term</th><th>checked in</th></tr>")
    for relation, word in ALIGNMENT_RELATIONS.items():
        for local, external in sorted(tbox.subject_objects(relation)):
            if not ours(local) or not isinstance(external, URIRef) or str(external).startswith(KKGO) or external == OWL.Thing:
                continue
            label = _text(tbox, external, RDFS.label)
            source = _text(tbox, external, DCTERMS.source)
            out.append(f"<tr><td>{_link(names, local)}</td><td>{escape(word)}</td>"
                       f"<td><a href='{escape(str(external))}'>{escape(names(external))}</a> {escape(label)}</td><td>{escape(source)}</td></tr>")
    out.append("</table></body></html>\n")
    return "\n".join(out)


def write_ontology_page(path: Path, tbox_graph: Graph) -> Path:
    """Write the documentation page to ``path`` atomically; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, get_ontology_page(tbox_graph).encode("utf-8"))
    return path
