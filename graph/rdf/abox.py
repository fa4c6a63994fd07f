"""Turn a loaded :class:`~ketamine_kg.core.model.Dataset` into RDF.

The graph uses standard vocabularies so any RDF tool can read it:

- each claim is a node typed ``rdf:Statement`` and ``kkgo:Claim`` with ``rdf:subject``,
  ``rdf:predicate``, ``rdf:object``, its modality, polarity, qualifiers and section;
- each quote is a W3C Web Annotation whose target selects the article text with an
  ``oa:TextQuoteSelector`` and an ``oa:TextPositionSelector`` (computed offsets, in Unicode
  code points; ``kkgo:utf16Start``/``kkgo:utf16End`` give JavaScript's UTF-16 offsets where
  an astral character makes them differ);
- only positive, asserted claims also give the plain triple ``subject predicate object``,
  so a hedged or negated claim never reads as a fact;
- entities carry ``rdfs:label``, ``skos:altLabel`` and their external mappings.

This is the stated graph: what the article says. The entities' attributes and curator
relations are facts from outside the article and go to a graph of their own
(:mod:`ketamine_kg.rdf.curator`); :mod:`ketamine_kg.rdf.graphset` puts the ontology, the
stated data, the curator knowledge and (after reasoning) the inferred triples into named
graphs.
"""

from __future__ import annotations

from rdflib import Dataset as RdfDataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, NamespaceManager

from ketamine_kg.core import iris as ns
from ketamine_kg.core.namespaces import BIOLINK, ECO, KKGO, OA, SCHEMA, bind_prefixes, section_iri
from ketamine_kg.core.model import DATATYPES, MODALITIES, POLARITIES, Claim, Dataset, date_time_value, utf16_offset
from ketamine_kg.core.curies import expand_curie
from ketamine_kg.ontology.vocabulary import Vocabulary, camel_case, load_vocabulary


# ECO:0000034 "author statement without traceable support": a blog post citing no references.
EVIDENCE_TYPE = ECO["0000034"]

# The ontology's individual for each modality and polarity (ontology/build.py makes them).
MODALITY_INDIVIDUALS = {m: camel_case(m) for m in MODALITIES}
POLARITY_INDIVIDUALS = {p: camel_case(p) for p in POLARITIES}
# Biolink knowledge_level of a claim, by modality.
KNOWLEDGE_LEVEL = {
    "asserted": "knowledge_assertion",
    "hedged": "prediction",
    "speculative": "prediction",
    "under_investigation": "prediction",
}


def claim_label(claim: Claim, dataset: Dataset, vocab: Vocabulary) -> str:
    """A readable sentence for a claim, e.g. ``ketamine is antagonist of NMDA receptor``."""
    subject = dataset.entities[claim.subject].label
    target = dataset.entities[claim.object].label if claim.object else claim.value
    verb = vocab.predicates[claim.predicate].label
    text = f"{subject} {verb} {target}"
    if claim.polarity == "negative":
        text = "not: " + text
    if claim.modality != "asserted":
        text += f" ({claim.modality.replace('_', ' ')})"
    return text


def add_source(graph: Graph, dataset: Dataset) -> URIRef:
    """Describe the article, its site and its sections."""
    src = dataset.source
    doc = URIRef(ns.source_iri(src.id))
    site = URIRef(ns.source_iri(src.id) + "/site")
    graph.add((doc, RDF.type, SCHEMA.BlogPosting))
    graph.add((doc, RDF.type, PROV.Entity))
    graph.add((doc, RDF.type, KKGO.SourceDocument))
    graph.add((doc, DCTERMS.title, Literal(src.title, lang=src.language)))
    graph.add((doc, RDFS.label, Literal(src.title, lang=src.language)))
    graph.add((doc, DCTERMS.language, Literal(src.language)))
    graph.add((doc, KKGO.sha256, Literal(src.sha256)))
    graph.add((doc, KKGO.fileName, Literal(src.file_name)))
    graph.add((doc, KKGO.characterCount, Literal(src.body_end, datatype=XSD.integer)))
    if src.url:
        graph.add((doc, SCHEMA.url, URIRef(src.url)))
    if dataset.main_subject:
        # What the article is mainly about: named queries take it as their default substance or entity.
        graph.add((doc, SCHEMA.about, URIRef(ns.entity_iri(dataset.main_subject))))
    graph.add((doc, SCHEMA.isPartOf, site))
    graph.add((site, RDF.type, SCHEMA.Blog))
    graph.add((site, SCHEMA.name, Literal(src.site)))
    graph.add((site, RDFS.label, Literal(src.site)))
    for order, section in enumerate(src.sections, start=1):
        node = section_iri(src.id, section.id)
        graph.add((node, RDF.type, KKGO.Section))
        graph.add((node, RDFS.label, Literal(section.title, lang=src.language)))
        graph.add((node, KKGO.order, Literal(order, datatype=XSD.integer)))
        graph.add((node, OA.start, Literal(section.start, datatype=XSD.nonNegativeInteger)))
        if (start16 := utf16_offset(src.text, section.start)) != section.start:  # an astral character before it
            graph.add((node, KKGO.utf16Start, Literal(start16, datatype=XSD.nonNegativeInteger)))
        parent = section_iri(src.id, section.parent) if section.parent else doc
        graph.add((node, DCTERMS.isPartOf, parent))
    return doc


def add_entities(graph: Graph, dataset: Dataset, vocab: Vocabulary) -> None:
    """Type and label every entity; add its Biolink category, synonyms and description.

    Its attributes (facts from outside the article) are curator knowledge:
    :func:`ketamine_kg.rdf.curator.get_curator_graph` writes them.
    """
    from ketamine_kg.rdf.biolink import get_categories

    categories = get_categories(vocab)
    for entity in dataset.entities.values():
        node = URIRef(ns.entity_iri(entity.id))
        # Its type and every ancestor type: `?x a kkgo:Disorder` finds a depressive disorder without a reasoner.
        for type_id in vocab.ancestors(entity.type):
            graph.add((node, RDF.type, KKGO[vocab.types[type_id].class_name]))
        for category in categories[entity.type]:
            graph.add((node, BIOLINK.category, BIOLINK[category.split(":", 1)[1]]))
        graph.add((node, RDF.type, OWL.NamedIndividual))
        graph.add((node, RDFS.label, Literal(entity.label, lang="en")))
        graph.add((node, SKOS.prefLabel, Literal(entity.label, lang="en")))
        for synonym in entity.synonyms:
            graph.add((node, SKOS.altLabel, Literal(synonym, lang="en")))
        if entity.description:
            graph.add((node, SKOS.definition, Literal(entity.description, lang="en")))


def add_claim(graph: Graph, claim: Claim, dataset: Dataset, vocab: Vocabulary, doc: URIRef) -> URIRef:
    """Add one claim: its node, its evidence annotations and, if asserted, its triple."""
    src = dataset.source
    node = URIRef(ns.claim_iri(src.id, claim.id))
    pred = vocab.predicates[claim.predicate]
    subject = URIRef(ns.entity_iri(claim.subject))
    if claim.object is not None:
        obj: URIRef | Literal = URIRef(ns.entity_iri(claim.object))
    else:
        value = date_time_value(claim.value) if pred.datatype == "date" and claim.value else claim.value
        obj = Literal(value, datatype=DATATYPES[pred.datatype or "string"])  # xsd:string stays a plain literal (RDF 1.1)
    predicate = KKGO[claim.predicate]
    graph.add((node, RDF.type, RDF.Statement))
    graph.add((node, RDF.type, KKGO.Claim))
    graph.add((node, RDFS.label, Literal(claim_label(claim, dataset, vocab), lang="en")))
    graph.add((node, DCTERMS.identifier, Literal(claim.id)))
    graph.add((node, RDF.subject, subject))
    graph.add((node, RDF.predicate, predicate))
    graph.add((node, RDF.object, obj))
    graph.add((node, KKGO.modality, KKGO[MODALITY_INDIVIDUALS[claim.modality]]))
    graph.add((node, KKGO.polarity, KKGO[POLARITY_INDIVIDUALS[claim.polarity]]))
    graph.add((node, BIOLINK.negated, Literal(claim.polarity == "negative")))
    graph.add((node, BIOLINK.knowledge_level, Literal(KNOWLEDGE_LEVEL[claim.modality])))
    graph.add((node, BIOLINK.agent_type, Literal("manual_agent")))
    graph.add((node, KKGO.evidenceType, EVIDENCE_TYPE))
    graph.add((node, KKGO.section, section_iri(src.id, claim.section)))
    graph.add((node, KKGO.order, Literal(claim.evidence[0].start, datatype=XSD.integer)))
    graph.add((node, DCTERMS.source, doc))
    graph.add((node, PROV.wasDerivedFrom, doc))
    if claim.comment:
        graph.add((node, RDFS.comment, Literal(claim.comment, lang="en")))
    for key, value in sorted(claim.qualifiers.items()):
        if key in ("route", "procedure"):
            graph.add((node, KKGO[key], URIRef(ns.entity_iri(value))))
        else:
            graph.add((node, KKGO[key], Literal(value, lang="en")))
    for n, ev in enumerate(claim.evidence, start=1):
        ann = URIRef(f"{node}/evidence/{n}")
        target = URIRef(f"{ann}/target")
        quote_sel = URIRef(f"{ann}/quote")
        pos_sel = URIRef(f"{ann}/position")
        graph.add((node, KKGO.hasEvidence, ann))
        graph.add((ann, RDF.type, OA.Annotation))
        graph.add((ann, OA.motivatedBy, OA.describing))
        if ev.kind == "restates":
            # A heading, introduction or conclusion repeating the claim: extra evidence only.
            graph.add((ann, RDF.type, KKGO.Restatement))
        graph.add((ann, OA.hasBody, node))
        graph.add((ann, OA.hasTarget, target))
        graph.add((ann, KKGO.section, section_iri(src.id, ev.section)))
        graph.add((target, RDF.type, OA.SpecificResource))
        graph.add((target, OA.hasSource, doc))
        graph.add((target, OA.hasSelector, quote_sel))
        graph.add((target, OA.hasSelector, pos_sel))
        graph.add((quote_sel, RDF.type, OA.TextQuoteSelector))
        graph.add((quote_sel, OA.exact, Literal(ev.quote)))
        graph.add((quote_sel, OA.prefix, Literal(ev.prefix)))
        graph.add((quote_sel, OA.suffix, Literal(ev.suffix)))
        graph.add((pos_sel, RDF.type, OA.TextPositionSelector))
        graph.add((pos_sel, OA.start, Literal(ev.start, datatype=XSD.nonNegativeInteger)))
        graph.add((pos_sel, OA.end, Literal(ev.end, datatype=XSD.nonNegativeInteger)))
        start16, end16 = utf16_offset(src.text, ev.start), utf16_offset(src.text, ev.end)
        if (start16, end16) != (ev.start, ev.end):  # an astral character before or in the quote
            graph.add((pos_sel, KKGO.utf16Start, Literal(start16, datatype=XSD.nonNegativeInteger)))
            graph.add((pos_sel, KKGO.utf16End, Literal(end16, datatype=XSD.nonNegativeInteger)))
    if claim.is_stated_fact:
        graph.add((subject, predicate, obj))
    return node


def add_mappings(graph: Graph, dataset: Dataset) -> None:
    """Link entities to external terms with their SKOS predicate; record no-match rows."""
    for mapping in dataset.mappings:
        node = URIRef(ns.entity_iri(mapping.subject))
        if mapping.is_no_match:
            system = mapping.comment.split(":", 1)[0].strip()
            graph.add((node, KKGO.noTermIn, Literal(system)))
            continue
        # The canonical IRI of the one prefix map (load_mappings checked the file's curie_map agrees).
        target = URIRef(expand_curie(mapping.object))
        graph.add((node, SKOS[mapping.predicate.split(":", 1)[1]], target))
        if mapping.object_label:
            graph.add((target, RDFS.label, Literal(mapping.object_label)))
        graph.add((target, DCTERMS.identifier, Literal(mapping.object)))


def get_data_graph(dataset: Dataset, vocab: Vocabulary | None = None) -> Graph:
    """Build the stated graph of one article: source, entities, claims with evidence, mappings."""
    vocab = vocab or dataset.vocabulary or load_vocabulary()
    graph = bind_prefixes(Graph(bind_namespaces="core"), dataset.mapping_prefixes)
    doc = add_source(graph, dataset)
    add_entities(graph, dataset, vocab)
    for claim in dataset.claims:
        add_claim(graph, claim, dataset, vocab, doc)
    add_mappings(graph, dataset)
    return graph
