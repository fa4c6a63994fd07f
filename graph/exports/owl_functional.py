"""The OWL view in OWL 2 functional-style syntax: ``to_functional(owl)`` (``export --format owl --syntax functional``).

The view (:func:`~ketamine_kg.exports.owl.get_owl_graph`) is an OWL 2 DL ontology in RDF
with every term declared, so each triple belongs to exactly one axiom by the reverse
mapping of the W3C "OWL 2 Mapping to RDF Graphs": a term's kind (class, object, data or
annotation property, datatype, individual) comes from its declaration, and blank nodes are
class expressions, data ranges, lists or the nodes of n-ary axioms
(``owl:AllDisjointClasses``, ``owl:AllDifferent``). Every triple is accounted for: one the
mapping does not know raises :class:`FunctionalSyntaxError` naming it, so nothing is left
out in silence. Axioms are written sorted (n-ary operands too), so a graph gives the same
bytes on every run; IRIs are prefixed names where the graph binds a namespace and the local
name is a plain word, full IRIs otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from ketamine_kg.errors import DataError

Triple = tuple[Node, Node, Node]
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")
_DECLARATIONS: dict[Node, str] = {OWL.Class: "Class", OWL.ObjectProperty: "ObjectProperty", OWL.DatatypeProperty: "DataProperty",
                 OWL.AnnotationProperty: "AnnotationProperty", OWL.NamedIndividual: "NamedIndividual",
                 RDFS.Datatype: "Datatype"}
_CHARACTERISTICS: dict[Node, str] = {OWL.FunctionalProperty: "Functional", OWL.InverseFunctionalProperty: "InverseFunctional",
                    OWL.TransitiveProperty: "Transitive", OWL.SymmetricProperty: "Symmetric",
                    OWL.AsymmetricProperty: "Asymmetric", OWL.ReflexiveProperty: "Reflexive",
                    OWL.IrreflexiveProperty: "Irreflexive"}
_BOOLEANS = {OWL.intersectionOf: "IntersectionOf", OWL.unionOf: "UnionOf"}
_RESTRICTIONS = {OWL.someValuesFrom: "SomeValuesFrom", OWL.allValuesFrom: "AllValuesFrom", OWL.hasValue: "HasValue"}


class FunctionalSyntaxError(DataError):
    """A triple of the OWL view that no OWL 2 axiom accounts for."""


class _Writer:
    """One conversion: the graph, the triples not yet accounted for, the terms' kinds."""

    def __init__(self, owl: Graph) -> None:
        self.owl = owl
        self.left: set[Triple] = set(owl)
        self.prefixes = sorted({(str(p), str(ns)) for p, ns in owl.namespaces() if str(p)})
        self.kinds: dict[Node, set[Node]] = {}
        for term, kind in owl.subject_objects(RDF.type):
            self.kinds.setdefault(term, set()).add(kind)

    # --- terms -----------------------------------------------------------------------------------------------
    def iri(self, term: Node) -> str:
        """``term`` as a prefixed name where one fits, else as a full IRI."""
        if not isinstance(term, URIRef):
            raise FunctionalSyntaxError(None, None, f"expected an IRI, found {term.n3()}")
        text = str(term)
        best = max(((p, ns) for p, ns in self.prefixes if text.startswith(ns) and _LOCAL.match(text[len(ns):])),
                   key=lambda pair: len(pair[1]), default=None)
        if best is not None:
            return f"{best[0]}:{text[len(best[1]):]}"
        if any(c in text for c in "<>\" {}|\\^`"):
            raise FunctionalSyntaxError(None, None, f"an IRI functional syntax cannot write: {text!r}")
        return f"<{text}>"

    def literal(self, value: Node) -> str:
        """``value`` as a quoted literal with its language tag or datatype (a plain string stays plain)."""
        if not isinstance(value, Literal):
            raise FunctionalSyntaxError(None, None, f"expected a literal, found {value.n3()}")
        quoted = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        if value.language:
            return f"{quoted}@{value.language}"
        if value.datatype is None or value.datatype == XSD.string:
            return quoted
        return f"{quoted}^^{self.iri(value.datatype)}"

    def value(self, term: Node) -> str:
        """An annotation value: IRI or literal."""
        return self.literal(term) if isinstance(term, Literal) else self.iri(term)

    def is_kind(self, term: Node, kind: Node) -> bool:
        """Whether ``term`` is declared (typed) as ``kind``."""
        return kind in self.kinds.get(term, set())

    # --- triples ---------------------------------------------------------------------------------------------
    def take(self, s: Node, p: Node, o: Node) -> None:
        """Account for one triple."""
        self.left.discard((s, p, o))

    def one(self, node: Node, p: Node) -> Node | None:
        """The single object of ``node p`` (taken), None if there is none."""
        values = sorted(self.owl.objects(node, p), key=str)
        if len(values) > 1:
            raise FunctionalSyntaxError(None, None, f"{node.n3()} has {len(values)} values of {p.n3()}, expected one")
        if values:
            self.take(node, p, values[0])
            return values[0]
        return None

    def items(self, head: Node) -> list[Node]:
        """The members of the RDF list ``head`` (its triples taken)."""
        members: list[Node] = []
        while head != RDF.nil:
            first, rest = self.one(head, RDF.first), self.one(head, RDF.rest)
            if first is None or rest is None:
                raise FunctionalSyntaxError(None, None, f"{head.n3()} is not a well-formed RDF list node")
            self.take(head, RDF.type, RDF.List)
            members.append(first)
            head = rest
        return members

    # --- expressions -----------------------------------------------------------------------------------------
    def property_kind(self, prop: Node) -> str:
        """``Object``, ``Data`` or ``Annotation``, by the declaration of ``prop``."""
        for kind, name in ((OWL.ObjectProperty, "Object"), (OWL.DatatypeProperty, "Data"),
                           (OWL.AnnotationProperty, "Annotation")):
            if self.is_kind(prop, kind):
                return name
        raise FunctionalSyntaxError(None, None, f"{prop.n3()} is used as a property but not declared as one")

    def class_expression(self, node: Node) -> str:
        """A class: its IRI, or the class expression the blank node ``node`` stands for."""
        if isinstance(node, URIRef):
            return self.iri(node)
        self.take(node, RDF.type, OWL.Class)
        for prop, name in _BOOLEANS.items():
            head = self.one(node, prop)
            if head is not None:
                return f"Object{name}({self._sorted(self.class_expression(m) for m in self.items(head))})"
        head = self.one(node, OWL.oneOf)
        if head is not None:
            return f"ObjectOneOf({self._sorted(self.iri(m) for m in self.items(head))})"
        if (node, RDF.type, OWL.Restriction) in self.owl:
            return self._restriction(node)
        raise FunctionalSyntaxError(None, None, f"blank node {node.n3()} is no class expression this mapping knows")

    def _restriction(self, node: Node) -> str:
        self.take(node, RDF.type, OWL.Restriction)
        prop = self.one(node, OWL.onProperty)
        if prop is None:
            raise FunctionalSyntaxError(None, None, f"restriction {node.n3()} has no owl:onProperty")
        kind = self.property_kind(prop)
        if kind == "Annotation":
            raise FunctionalSyntaxError(None, None, f"restriction {node.n3()} is on the annotation property {prop.n3()}")
        for key, name in _RESTRICTIONS.items():
            filler = self.one(node, key)
            if filler is None:
                continue
            if key == OWL.hasValue:
                text = self.iri(filler) if kind == "Object" else self.literal(filler)
            else:
                text = self.class_expression(filler) if kind == "Object" else self.data_range(filler)
            return f"{kind}{name}({self.iri(prop)} {text})"
        raise FunctionalSyntaxError(None, None, f"restriction {node.n3()} has a form this mapping does not know")

    def data_range(self, node: Node) -> str:
        """A datatype's IRI, or the data range the blank node ``node`` stands for."""
        if isinstance(node, URIRef):
            return self.iri(node)
        self.take(node, RDF.type, RDFS.Datatype)
        base = self.one(node, OWL.onDatatype)
        if base is not None:
            facets = []
            for facet_node in self.items(self.one(node, OWL.withRestrictions) or RDF.nil):
                pairs = sorted(self.owl.predicate_objects(facet_node), key=str)
                if len(pairs) != 1:
                    raise FunctionalSyntaxError(None, None, f"facet {facet_node.n3()} has {len(pairs)} triples, expected one")
                facet, limit = pairs[0]
                self.take(facet_node, facet, limit)
                facets.append(f"{self.iri(facet)} {self.literal(limit)}")
            return f"DatatypeRestriction({self.iri(base)} {' '.join(sorted(facets))})"
        for prop, name in _BOOLEANS.items():
            head = self.one(node, prop)
            if head is not None:
                return f"Data{name}({self._sorted(self.data_range(m) for m in self.items(head))})"
        head = self.one(node, OWL.oneOf)
        if head is not None:
            return f"DataOneOf({self._sorted(self.literal(m) for m in self.items(head))})"
        raise FunctionalSyntaxError(None, None, f"blank node {node.n3()} is no data range this mapping knows")

    @staticmethod
    def _sorted(parts: Iterable[str]) -> str:
        return " ".join(sorted(parts))

    # --- axioms ----------------------------------------------------------------------------------------------
    def axioms(self) -> list[str]:
        """Every axiom of the graph but the declarations and the ontology header, unsorted."""
        found: list[str] = []
        for s, p, o in sorted(self.owl, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
            if (s, p, o) not in self.left or isinstance(s, BNode):
                continue  # taken already, or part of an expression or an n-ary axiom (below)
            axiom = self.axiom(s, p, o)
            if axiom is not None:
                self.take(s, p, o)
                found.append(axiom)
        for node in sorted(self.owl.subjects(RDF.type, OWL.AllDisjointClasses), key=str):
            self.take(node, RDF.type, OWL.AllDisjointClasses)
            found.append(f"DisjointClasses({self._sorted(self.class_expression(m) for m in self._members(node))})")
        for node in sorted(self.owl.subjects(RDF.type, OWL.AllDifferent), key=str):
            self.take(node, RDF.type, OWL.AllDifferent)
            found.append(f"DifferentIndividuals({self._sorted(self.iri(m) for m in self._members(node))})")
        return found

    def _members(self, node: Node) -> list[Node]:
        head = self.one(node, OWL.members) or self.one(node, OWL.distinctMembers)
        if head is None:
            raise FunctionalSyntaxError(None, None, f"{node.n3()} has no owl:members")
        return self.items(head)

    def axiom(self, s: Node, p: Node, o: Node) -> str | None:
        """The axiom of the triple with the IRI subject ``s``; None for what the header and declarations write."""
        if p == RDF.type:
            return self._typing(s, o)
        if p in (RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith) and not self.is_kind(s, RDFS.Datatype):
            left, right = self.class_expression(s), self.class_expression(o)
            if p == RDFS.subClassOf:
                return f"SubClassOf({left} {right})"
            name = "EquivalentClasses" if p == OWL.equivalentClass else "DisjointClasses"
            return f"{name}({self._sorted((left, right))})"
        if p == OWL.propertyChainAxiom:
            chain = " ".join(self.iri(m) for m in self.items(o))
            return f"SubObjectPropertyOf(ObjectPropertyChain({chain}) {self.iri(s)})"
        if p in (RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf, OWL.equivalentProperty,
                 OWL.propertyDisjointWith):
            return self._property_axiom(s, p, o)
        if p in (OWL.versionIRI, OWL.imports) and self.is_kind(s, OWL.Ontology):
            return None
        if p in (OWL.sameAs, OWL.differentFrom):
            name = "SameIndividual" if p == OWL.sameAs else "DifferentIndividuals"
            return f"{name}({self._sorted((self.iri(s), self.iri(o)))})"
        kind = self.property_kind(p) if not str(p).startswith(str(RDFS)) else "Annotation"
        if self.is_kind(s, OWL.Ontology) and kind == "Annotation":
            return None  # the header's
        if kind == "Object":
            return f"ObjectPropertyAssertion({self.iri(p)} {self.iri(s)} {self.iri(o)})"
        if kind == "Data":
            return f"DataPropertyAssertion({self.iri(p)} {self.iri(s)} {self.literal(o)})"
        if p in (RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy) or kind == "Annotation":
            return f"AnnotationAssertion({self.iri(p)} {self.iri(s)} {self.value(o)})"
        return None

    def _typing(self, s: Node, o: Node) -> str | None:
        if o in _DECLARATIONS or o == OWL.Ontology:
            return None
        if o in _CHARACTERISTICS:
            kind = self.property_kind(s)
            return f"{_CHARACTERISTICS[o]}{kind}Property({self.iri(s)})"
        if str(o).startswith((str(OWL), str(RDF), str(RDFS))) and o != OWL.Thing:
            raise FunctionalSyntaxError(None, None, f"no axiom for the triple {s.n3()} rdf:type {o.n3()}")
        return f"ClassAssertion({self.class_expression(o)} {self.iri(s)})"

    def _property_axiom(self, s: Node, p: Node, o: Node) -> str:
        kind = self.property_kind(s)
        prop = self.iri(s)
        if p == RDFS.subPropertyOf:
            return f"Sub{kind}PropertyOf({prop} {self.iri(o)})"
        if p == OWL.inverseOf:
            return f"InverseObjectProperties({self._sorted((prop, self.iri(o)))})"
        if p in (OWL.equivalentProperty, OWL.propertyDisjointWith):
            name = "Equivalent" if p == OWL.equivalentProperty else "Disjoint"
            return f"{name}{kind}Properties({self._sorted((prop, self.iri(o)))})"
        which = "Domain" if p == RDFS.domain else "Range"
        if kind == "Annotation":
            return f"AnnotationProperty{which}({prop} {self.iri(o)})"
        if kind == "Data" and p == RDFS.range:
            return f"DataPropertyRange({prop} {self.data_range(o)})"
        return f"{kind}Property{which}({prop} {self.class_expression(o)})"

    def declarations(self) -> list[str]:
        """``Declaration(...)`` of every IRI typed as an entity."""
        return [f"Declaration({_DECLARATIONS[kind]}({self.iri(term)}))"
                for term, kinds in self.kinds.items() if isinstance(term, URIRef)
                for kind in kinds if kind in _DECLARATIONS]

    def header(self) -> tuple[str, list[str]]:
        """The ontology's IRI and version IRI, and its annotations."""
        ontologies = sorted(self.owl.subjects(RDF.type, OWL.Ontology), key=str)
        if len(ontologies) != 1:
            raise FunctionalSyntaxError(None, None, f"the graph has {len(ontologies)} owl:Ontology nodes, expected one")
        [ontology] = ontologies
        self.take(ontology, RDF.type, OWL.Ontology)
        names = [self.iri(ontology)]
        version = self.one(ontology, OWL.versionIRI)
        if version is not None:
            names.append(self.iri(version))
        imports = [f"Import({self.iri(o)})" for o in sorted(self.owl.objects(ontology, OWL.imports), key=str)]
        notes = []
        for p, o in self.owl.predicate_objects(ontology):
            if p in (RDF.type, OWL.versionIRI, OWL.imports):
                continue
            self.take(ontology, p, o)
            notes.append(f"Annotation({self.iri(p)} {self.value(o)})")
        return " ".join(names), imports + sorted(notes)


def to_functional(owl: Graph) -> bytes:
    """``owl`` (the OWL view, or any OWL 2 DL graph whose terms are all declared) in OWL 2 functional-style syntax.

    Raises :class:`FunctionalSyntaxError` on the first triple no axiom accounts for.
    """
    writer = _Writer(owl)
    for term, kinds in writer.kinds.items():
        for kind in kinds & set(_DECLARATIONS):
            writer.take(term, RDF.type, kind)
    name, header = writer.header()
    axioms = sorted(set(writer.axioms()))
    declarations = sorted(set(writer.declarations()))
    if writer.left:
        s, p, o = min(writer.left, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
        raise FunctionalSyntaxError(None, None, f"no OWL 2 axiom for the triple {s.n3()} {p.n3()} {o.n3()} "
                                    f"({len(writer.left)} such triples)")
    lines = [f"Prefix({prefix}:=<{iri}>)" for prefix, iri in writer.prefixes]
    lines += ["", f"Ontology({name}"]
    lines += [f"  {line}" for line in header + declarations + axioms]
    lines.append(")")
    return ("\n".join(lines) + "\n").encode("utf-8")
