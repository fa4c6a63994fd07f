"""Build the ketamine-kg OWL ontology (the TBox) with owlready2.

``build_ontology()`` returns an owlready2 ontology in its own :class:`owlready2.World`
(never the default world), made from ``vocabulary.yaml``: one class per entity type, one
property per predicate (domain, range, inverse, characteristics, sub-properties), the
claim and provenance classes, and disjointness between types that can never overlap.
``get_tbox_graph()`` returns the same ontology as an rdflib graph, with its metadata and
the verified external alignments of ``alignments.tsv``.

>>> g = get_tbox_graph()
>>> from rdflib import URIRef, OWL, RDF
>>> (URIRef("https://w3id.org/ketamine-kg/ontology#Substance"), RDF.type, OWL.Class) in g
True
"""

from __future__ import annotations

import io
import re
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from ketamine_kg.core import iris as ns
from ketamine_kg.core.curies import expand_curie
from ketamine_kg.core.namespaces import KKGO, bind_prefixes
from ketamine_kg.core.version import __version__
from ketamine_kg.ontology.alignments import get_alignments
from ketamine_kg.ontology.vocabulary import Vocabulary, camel_case, load_vocabulary

# owlready2 ships no types, and its classes and properties are made at run time by its
# metaclasses (``type(name, (Thing,), ...)``): their ``is_a``, ``domain``, ``some()`` ... are
# invisible to mypy, so they are typed as Any here rather than as ``type``.
OwlEntity = Any

ONTOLOGY_TITLE = "ketamine-kg ontology"
ONTOLOGY_DESCRIPTION = (
    "Classes and properties for the claims a source text makes about substances, "
    "receptors, processes, effects, indications, procedures, formulations and approvals, "
    "with the provenance, modality and polarity of every claim."
)
ONTOLOGY_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
ONTOLOGY_CREATOR = "ketamine-kg developers"
ONTOLOGY_DATE = "2026-11-26"

# Classes of the provenance layer, with labels and definitions.
CORE_CLASSES = {
    "Claim": ("claim", "A statement a source makes, with its modality, polarity and evidence."),
    "SourceDocument": ("source document", "A text claims are read from."),
    "Section": ("section", "A headed part of a source document."),
    "Modality": ("modality", "How firmly a source makes a claim."),
    "Polarity": ("polarity", "Whether a claim affirms or denies its statement."),
    "Restatement": ("restatement", "A quote that repeats a claim the source makes elsewhere (in a heading, introduction or conclusion): extra evidence, never the claim's only support."),
    "CuratorStatement": ("curator statement", "A fact about an entity recorded by a curator from an outside source (dcterms:source), not stated by the source document; never a claim."),
}
# Definitions of the modality and polarity individuals, keyed by the ids claims use
# (model.MODALITIES, model.POLARITIES); each individual is named camel_case(id).
MODALITIES = {
    "asserted": "The source states the claim plainly.",
    "hedged": "The source makes the claim with hedging words such as 'may', 'might' or 'suggests'.",
    "speculative": "The source offers the claim as a hope or possibility only.",
    "under_investigation": "The source presents the claim as the subject of ongoing research.",
}
POLARITIES = {"positive": "The claim affirms its statement.", "negative": "The claim denies its statement."}
# Claim-level properties: name -> (kind, range, label, definition). Range None means a literal.
CLAIM_PROPERTIES = {
    "modality": ("object", "Modality", "modality", "How firmly the source makes the claim."),
    "polarity": ("object", "Polarity", "polarity", "Whether the claim affirms or denies its statement."),
    "hasEvidence": ("object", None, "has evidence", "A Web Annotation quoting the source in support of the claim."),
    "section": ("object", "Section", "section", "The section of the source in which the claim or quote stands."),
    "route": ("object", "Formulation", "route or formulation", "The route or dosage form the claim is about."),
    "procedure": ("object", "Procedure", "procedure", "The procedure in which the claim holds."),
    "evidenceType": ("object", None, "evidence type", "The ECO evidence type of the claim."),
    "onset": ("data", None, "onset", "When the effect begins, as the source words it."),
    "duration": ("data", None, "duration", "How long the effect lasts, as the source words it."),
    "frequency": ("data", None, "frequency", "How often the effect occurs, as the source words it."),
    "population": ("data", None, "population", "The people the claim is about."),
    "time": ("data", None, "time", "When the claim holds, as the source words it."),
    "purpose": ("data", None, "purpose", "What the claimed use aims at."),
    "order": ("data", None, "order", "Position: character offset of a claim, rank of a section, place of an article in a corpus."),
    "claimSubject": ("object", None, "claim subject", "The entity a claim (or curator statement) is about: the OWL-visible copy of rdf:subject, which OWL 2 DL reasoners ignore."),
    "claimObject": ("object", None, "claim object", "The entity a claim's (or curator statement's) statement points to: the OWL-visible copy of rdf:object."),
    "claimPredicate": ("annotation", None, "claim predicate", "The property a claim's (or curator statement's) statement uses, by its IRI: the OWL-visible copy of rdf:predicate, an annotation so that OWL 2 DL needs no individual named like the property."),
    "claimValue": ("data", None, "claim value", "The literal a claim's (or curator statement's) statement gives, such as a date or a decade: the OWL-visible copy of an rdf:object that is a literal."),
}
# Claim-level properties that curator statements carry as well (the OWL view's copies of the reification).
STATEMENT_PROPERTIES = ("claimSubject", "claimObject", "claimPredicate", "claimValue")
# Inverses of claim-level properties: name -> (inverse name, label).
CLAIM_INVERSES = {"claimSubject": ("subjectOfClaim", "subject of claim"), "claimObject": ("objectOfClaim", "object of claim")}
# Patterns (XML Schema regular expressions, anchored) over the source's wording of a qualifier.
RAPID_ONSET_PATTERN = ".*([Rr]apid|[Ii]mmediate|within (minutes|hours|a day)).*"
TRANSIENT_PATTERN = ".*([Tt]ransient|[Tt]emporary|short-lived|[Bb]rief).*"
# External terms that definitions name, each an individual the reasoner meets through
# ``hasExactTerm`` (the OWL-visible copy of a curated skos:exactMatch). Definitions name
# types and these terms only, never an entity of a data folder, so any article whose
# entities are typed or mapped the same way gets the same classifications.
# Labels as read in the term's own release: GO (go.obo) and HP (hp.obo, 2026-09-01).
EXTERNAL_TERMS = {
    "GO:0017146": "NMDA selective glutamate receptor complex",
    "HP:0000738": "Hallucinations",
}
# Entity-level properties of the OWL view: name -> (label, definition).
ENTITY_PROPERTIES = {
    "hasExactTerm": (
        "has exact external term",
        "An external ontology term the entity is the same as, by a curated skos:exactMatch: the OWL-visible "
        "copy of that mapping, which OWL reasoners do not read (skos:exactMatch is an annotation to them).",
    ),
}
# Defined classes: name -> (label, definition). Their equivalent-class axioms are in _add_defined_classes.
DEFINED_CLASSES = {
    "NMDAReceptor": ("NMDA receptor", "A receptor that a curated exact match identifies as GO:0017146, NMDA selective glutamate receptor complex."),
    "HallucinationPhenotype": ("hallucination", "An effect that a curated exact match identifies as HP:0000738, Hallucinations."),
    "ReceptorAntagonist": ("receptor antagonist", "A chemical entity that is an antagonist of some receptor."),
    "NMDAReceptorAntagonist": ("NMDA receptor antagonist", "A chemical entity that is an antagonist of an NMDA receptor (a receptor exactly matched to GO:0017146)."),
    "Anaesthetic": ("anaesthetic", "A chemical entity that has an anaesthetic effect as a therapeutic effect."),
    "DissociativeAnaesthetic": ("dissociative anaesthetic", "An anaesthetic that causes a dissociative effect as an adverse effect."),
    "Analgesic": ("analgesic", "A chemical entity that has an analgesic effect as a therapeutic effect."),
    "Antidepressant": ("antidepressant", "A chemical entity that has an antidepressant effect or treats a depressive disorder."),
    "RapidAntidepressantClaim": (
        "rapid-onset antidepressant claim",
        "A plainly asserted, positive claim about an antidepressant effect or the treatment of a depressive disorder whose onset the source words as rapid (rapid, immediate, within minutes, hours or a day).",
    ),
    "RapidActingAntidepressant": (
        "rapid-acting antidepressant",
        "An antidepressant that is the subject of a rapid-onset antidepressant claim.",
    ),
    "TransientEffectClaim": (
        "transient effect claim",
        "A plainly asserted, positive claim whose duration the source words as transient, temporary, short-lived or brief.",
    ),
    "TransientAdverseEffect": (
        "transient adverse effect",
        "An adverse effect that is the object of a transient effect claim. Hedged claims do not count.",
    ),
    "ApprovedDrug": ("approved drug", "A chemical entity that has received a regulatory approval."),
    "Hallucinogen": ("hallucinogen", "A chemical entity that causes, as an adverse effect, something exactly matched to HP:0000738 (Hallucinations)."),
    "AntiAddictionDrug": (
        "anti-addiction drug",
        "A chemical entity that is plainly stated to treat an addictive disorder or substance craving. A drug that only may treat them is not one.",
    ),
}
SOURCE_PROPERTIES = {
    "sha256": "SHA-256 checksum of the source file, hex encoded.",
    "fileName": "File name of the source text.",
    "characterCount": "Number of characters of the source body.",
    "noTermIn": "An external system checked and found to have no term for the entity.",
    "date": "Date of an event, such as a regulatory approval.",
    "product": "The marketed product an approval covers.",
    "agency": "The agency that granted an approval, as a name.",
    "utf16Start": "Start of a text position selector or a section in UTF-16 code units (a JavaScript string index), given where it differs from oa:start (which counts Unicode code points).",
    "utf16End": "End of a text position selector in UTF-16 code units, given where it differs from oa:end.",
}










def build_ontology(vocab: Vocabulary | None = None, world=None):
    """Create the TBox in a fresh owlready2 World; return the ontology."""
    import owlready2 as ow  # heavy: only when the TBox is built, not when this module is imported

    vocab = vocab or load_vocabulary()
    world = world or ow.World()
    onto = world.get_ontology(ns.ONTOLOGY)
    skos = onto.get_namespace("http://www.w3.org/2004/02/skos/core#")
    with onto:
        with skos:
            # declares skos:definition, which describe() below sets through entity.definition
            type("definition", (ow.AnnotationProperty,), {"namespace": skos})

        def describe(entity, label: str, text: str) -> None:
            entity.label = [ow.locstr(label, "en")]
            entity.definition = [ow.locstr(text, "en")]

        classes: dict[str, OwlEntity] = {}
        for name, (label, text) in CORE_CLASSES.items():
            classes[name] = type(name, (ow.Thing,), {"namespace": onto})
            describe(classes[name], label, text)
        for type_def in _parents_first(vocab.types.values()):
            parent = classes[vocab.types[type_def.parent].class_name] if type_def.parent else ow.Thing
            cls = type(type_def.class_name, (parent,), {"namespace": onto})
            describe(cls, type_def.label, type_def.definition)
            classes[type_def.class_name] = cls
        for class_name, definitions in (("Modality", MODALITIES), ("Polarity", POLARITIES)):
            for value, text in definitions.items():
                individual = classes[class_name](camel_case(value), namespace=onto)
                describe(individual, value.replace("_", " "), text)
            classes[class_name].is_a.append(ow.OneOf([onto[camel_case(v)] for v in definitions]))

        def union(type_ids: tuple[str, ...]):
            members = [classes[vocab.types[t].class_name] for t in type_ids]
            return members[0] if len(members) == 1 else ow.Or(members)

        properties: dict[str, OwlEntity] = {}
        for pred in _parents_first(vocab.predicates.values()):
            bases: list[OwlEntity] = []
            if pred.kind == "object":
                bases.append(properties[pred.parent] if pred.parent else ow.ObjectProperty)
            else:
                bases.append(properties[pred.parent] if pred.parent else ow.DataProperty)
            characteristic_bases = {
                "functional": ow.FunctionalProperty,
                "inverse_functional": ow.InverseFunctionalProperty,
                "transitive": ow.TransitiveProperty,
                "symmetric": ow.SymmetricProperty,
                "asymmetric": ow.AsymmetricProperty,
                "irreflexive": ow.IrreflexiveProperty,
            }
            bases.extend(characteristic_bases[c] for c in pred.characteristics)
            prop: OwlEntity = type(pred.id, tuple(bases), {"namespace": onto})
            describe(prop, pred.label, pred.definition)
            prop.domain = [union(pred.domain)]
            if pred.kind == "object":
                prop.range = [union(pred.range)]
            else:
                prop.range = [{"string": str, "integer": int, "boolean": bool, "date": ow.datetime.datetime}[pred.datatype]]
            properties[pred.id] = prop
            if pred.inverse:
                inverse: OwlEntity = type(pred.inverse_id, (ow.ObjectProperty,), {"namespace": onto})
                describe(inverse, pred.inverse, f"Inverse of '{pred.label}'.")
                inverse.inverse_property = prop
                properties[pred.inverse_id] = inverse
        for name, (kind, range_name, label, text) in CLAIM_PROPERTIES.items():
            base = {"object": ow.ObjectProperty, "data": ow.DataProperty, "annotation": ow.AnnotationProperty}[kind]
            prop = type(name, (base,), {"namespace": onto})
            describe(prop, label, text)
            properties[name] = prop
            if kind == "annotation":
                continue  # no domain: an annotation has no logic
            prop.domain = [classes["Section"]] if name == "order" else [classes["Claim"]]
            if name in STATEMENT_PROPERTIES:
                prop.domain = [ow.Or([classes["Claim"], classes["CuratorStatement"]])]
            if name == "order":
                prop.domain = [ow.Or([classes["Claim"], classes["Section"], classes["SourceDocument"]])]
            if name == "section":
                prop.domain = []  # claims and their evidence annotations both stand in a section
            if range_name:
                prop.range = [classes[range_name]]
            elif kind == "data" and name != "claimValue":  # a claim value is a literal of any type
                # Qualifiers keep the source's words with a language tag: rdf:PlainLiteral covers both.
                prop.range = [int] if name == "order" else [ow.plainliteral]
            if name in CLAIM_INVERSES:
                inverse_name, inverse_label = CLAIM_INVERSES[name]
                inverse = type(inverse_name, (ow.ObjectProperty,), {"namespace": onto})
                describe(inverse, inverse_label, f"Inverse of '{label}'.")
                inverse.inverse_property = prop
                properties[inverse_name] = inverse
            properties[name] = prop
        for name, (label, text) in ENTITY_PROPERTIES.items():
            prop = type(name, (ow.ObjectProperty,), {"namespace": onto})
            describe(prop, label, text)
            properties[name] = prop
        for name, text in SOURCE_PROPERTIES.items():
            prop = type(name, (ow.DataProperty,), {"namespace": onto})
            describe(prop, name, text)
            if name in ("sha256", "fileName", "characterCount"):
                prop.domain = [classes["SourceDocument"]]
        _add_disjointness(vocab, classes, ow)
        _add_defined_classes(onto, classes, properties, ow, describe)
    return onto


def _parents_first(items):
    """Yield types or predicates (anything with ``id`` and ``parent``) each after its parent."""
    done: set[str] = set()
    pending = list(items)
    while pending:
        for item in list(pending):
            if item.parent is None or item.parent in done:
                done.add(item.id)
                pending.remove(item)
                yield item


def _add_disjointness(vocab: Vocabulary, classes: dict[str, OwlEntity], ow) -> None:
    """Root types are pairwise disjoint, and so are the children of each type."""
    roots = [classes[t.class_name] for t in vocab.types.values() if t.parent is None]
    roots += [classes[name] for name in ("Claim", "SourceDocument", "Section", "Modality", "Polarity")]
    ow.AllDisjoint(roots)
    for parent in vocab.types.values():
        children = [classes[t.class_name] for t in vocab.types.values() if t.parent == parent.id]
        if len(children) > 1:
            ow.AllDisjoint(children)


def _add_defined_classes(onto, classes: dict[str, OwlEntity], props: dict[str, OwlEntity], ow, describe) -> None:
    """Equivalent-class axioms the reasoner fills in from the stated facts.

    Only two things feed them: the plain triples of positive asserted claims (the only
    triples the data graph states) and claim nodes that are asserted and positive. So a
    hedged "may treat" or an approval of an enantiomer never makes a type.
    """
    obo = onto.get_namespace("http://purl.obolibrary.org/obo/")
    # No labels here: the data's mappings carry the external labels (two copies would differ in datatype).
    terms = {curie: ow.Thing(curie.replace(":", "_"), namespace=obo) for curie in EXTERNAL_TERMS}

    def matched(curie: str):
        return props["hasExactTerm"].value(terms[curie])

    chemical = classes["ChemicalEntity"]
    def asserted_claim():  # a fresh construct each time: owlready2 cannot share blank nodes
        return classes["Claim"] & props["modality"].value(onto.Asserted) & props["polarity"].value(onto.Positive)

    defined: dict[str, OwlEntity] = {}
    for name, (label, text) in DEFINED_CLASSES.items():
        defined[name] = type(name, (ow.Thing,), {"namespace": onto})
        describe(defined[name], label, text)
    definitions = {
        "NMDAReceptor": classes["Receptor"] & matched("GO:0017146"),
        "HallucinationPhenotype": classes["Effect"] & matched("HP:0000738"),
        "ReceptorAntagonist": chemical & props["antagonist_of"].some(classes["Receptor"]),
        "NMDAReceptorAntagonist": chemical & props["antagonist_of"].some(defined["NMDAReceptor"]),
        "Anaesthetic": chemical & props["has_therapeutic_effect"].some(classes["AnaestheticEffect"]),
        "DissociativeAnaesthetic": defined["Anaesthetic"] & props["causes_adverse_effect"].some(classes["DissociativeEffect"]),
        "Analgesic": chemical & props["has_therapeutic_effect"].some(classes["AnalgesicEffect"]),
        "Antidepressant": chemical & ow.Or([
            props["has_therapeutic_effect"].some(classes["AntidepressantEffect"]),
            props["treats"].some(classes["DepressiveDisorder"]),
        ]),
        "RapidAntidepressantClaim": asserted_claim()
        & props["claimObject"].some(ow.Or([classes["AntidepressantEffect"], classes["DepressiveDisorder"]]))
        & props["onset"].some(ow.ConstrainedDatatype(str, pattern=RAPID_ONSET_PATTERN)),
        "RapidActingAntidepressant": defined["Antidepressant"] & props["subjectOfClaim"].some(defined["RapidAntidepressantClaim"]),
        "TransientEffectClaim": asserted_claim() & props["duration"].some(ow.ConstrainedDatatype(str, pattern=TRANSIENT_PATTERN)),
        "TransientAdverseEffect": classes["AdverseEffect"] & props["objectOfClaim"].some(defined["TransientEffectClaim"]),
        "ApprovedDrug": chemical & props["has_regulatory_approval"].some(classes["RegulatoryApproval"]),
        "Hallucinogen": chemical & props["causes_adverse_effect"].some(defined["HallucinationPhenotype"]),
        "AntiAddictionDrug": chemical & props["treats"].some(ow.Or([classes["AddictiveDisorder"], classes["SubstanceCraving"]])),
    }
    for name, expression in definitions.items():
        defined[name].equivalent_to.append(expression)


def ontology_to_graph(onto):
    """Serialise an owlready2 ontology into an rdflib graph.

    owlready2 writes the same N-Triples, blank-node labels included, on every run; the
    blank nodes keep those labels (``_:7`` becomes ``_:owl7``) instead of rdflib's random
    ones, so two builds write the same bytes.
    """
    buffer = io.BytesIO()
    onto.save(buffer, format="ntriples")
    text = buffer.getvalue().decode("utf-8")
    labels = {label: BNode(f"owl{label}") for label in re.findall(r"_:([A-Za-z0-9]+)", text)}
    graph = Graph(bind_namespaces="core")
    graph.parse(data=text, format="nt", bnode_context=labels)
    return graph


def add_metadata(graph, version: str = __version__) -> None:
    """Ontology header: IRI, version IRI, title, description, licence, creator, date."""
    onto = URIRef(ns.ONTOLOGY_IRI)
    graph.add((onto, RDF.type, OWL.Ontology))
    graph.add((onto, OWL.versionIRI, URIRef(f"{ns.ONTOLOGY_IRI}/{version}")))
    graph.add((onto, OWL.versionInfo, Literal(version)))
    graph.add((onto, DCTERMS.title, Literal(ONTOLOGY_TITLE, lang="en")))
    graph.add((onto, DCTERMS.description, Literal(ONTOLOGY_DESCRIPTION, lang="en")))
    graph.add((onto, DCTERMS.license, URIRef(ONTOLOGY_LICENSE)))
    graph.add((onto, DCTERMS.creator, Literal(ONTOLOGY_CREATOR)))
    graph.add((onto, DCTERMS.created, Literal(ONTOLOGY_DATE, datatype=XSD.date)))
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator, DCTERMS.created, DCTERMS.source):
        graph.add((prop, RDF.type, OWL.AnnotationProperty))
    # Another id of a merged entity (an article of a corpus named it so): an annotation, no logic.
    graph.add((KKGO.alias, RDF.type, OWL.AnnotationProperty))
    graph.add((KKGO.alias, RDFS.label, Literal("alias", lang="en")))
    graph.add((KKGO.alias, URIRef(ns.PREFIXES["skos"] + "definition"), Literal(
        "Another IRI of this entity: the id another article of the corpus gives it, merged because the ids "
        "are equal or both are exactly matched to one external term.", lang="en")))


def add_alignments(graph, vocab: Vocabulary) -> None:
    """Add the verified alignments of ``alignments.tsv`` to the TBox graph."""
    predicates = {
        "rdfs:subClassOf": RDFS.subClassOf,
        "owl:equivalentClass": OWL.equivalentClass,
        "rdfs:subPropertyOf": RDFS.subPropertyOf,
        "owl:equivalentProperty": OWL.equivalentProperty,
        "biolink:category": URIRef(ns.PREFIXES["biolink"] + "category"),
    }
    graph.add((URIRef(ns.PREFIXES["biolink"] + "category"), RDF.type, OWL.AnnotationProperty))
    alignments = get_alignments(vocab)
    for alignment in alignments:
        if alignment.local_kind == "type":
            local = KKGO[vocab.types[alignment.local_id].class_name]
        else:
            local = KKGO[alignment.local_id]
        external = URIRef(expand_curie(alignment.external_id))
        if alignment.relation.startswith("skos:"):
            relation = URIRef(ns.PREFIXES["skos"] + alignment.relation.split(":", 1)[1])
            graph.add((relation, RDF.type, OWL.AnnotationProperty))  # a mapping, not a logical axiom
        else:
            relation = predicates[alignment.relation]
        graph.add((local, relation, external))
        if alignment.external_label:
            graph.add((external, RDFS.label, Literal(alignment.external_label)))
        if alignment.relation in ("rdfs:subClassOf", "owl:equivalentClass"):
            graph.add((external, RDF.type, OWL.Class))
        if alignment.relation in ("rdfs:subPropertyOf", "owl:equivalentProperty"):
            kind = OWL.ObjectProperty if alignment.local_kind == "predicate" and vocab.predicates[alignment.local_id].kind == "object" else OWL.DatatypeProperty
            graph.add((external, RDF.type, kind))
        graph.add((external, DCTERMS.source, Literal(alignment.source)))


def get_tbox_graph(vocab: Vocabulary | None = None):
    """The ontology as an rdflib graph: owlready2's axioms, metadata and alignments."""
    vocab = vocab or load_vocabulary()
    onto = build_ontology(vocab)
    graph = bind_prefixes(ontology_to_graph(onto))
    add_metadata(graph)
    add_alignments(graph, vocab)
    onto.world.close()
    return graph
