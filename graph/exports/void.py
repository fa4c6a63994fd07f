"""The dataset's own description: VoID (with licence, rights and version) and a SPARQL 1.1 Service Description.

Both are pure builders: they take plain counts and facts and return an rdflib graph, so
the build (``void.ttl``) and the endpoint (``/.well-known/void``, ``GET /sparql``)
describe the same dataset the same way.

- The data is under CC BY 4.0, like the ontology
  (:data:`ketamine_kg.ontology.tbox.ONTOLOGY_LICENSE`).
- The quoted article text is not ours: :func:`rights_statement` says it is kept as
  evidence, with attribution to its source (title, site, URL where known).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ketamine_kg.core.version import __version__
from ketamine_kg.core.iris import BASE, DATASET_IRI, ENTITY, GRAPH, ONTOLOGY_IRI
from ketamine_kg.core.namespaces import SCHEMA, bind_prefixes
from ketamine_kg.ontology.tbox import ONTOLOGY_LICENSE

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
DATA_LICENSE = ONTOLOGY_LICENSE  # CC BY 4.0, the ontology's licence
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


@dataclass(frozen=True)
class SourceInfo:
    """What the dataset says about one source document: its node, title, site and URL (None when unknown)."""

    iri: str
    title: str
    site: str
    url: str | None = None


def get_sources(graph: Graph) -> list[SourceInfo]:
    """The source documents of a built graph (``schema:BlogPosting`` nodes), by IRI."""
    found = []
    for doc in sorted(set(graph.subjects(RDF.type, SCHEMA.BlogPosting)), key=str):
        title = graph.value(doc, DCTERMS.title)
        site_node = graph.value(doc, SCHEMA.isPartOf)
        site = graph.value(site_node, SCHEMA.name) if site_node is not None else None
        url = graph.value(doc, SCHEMA.url)
        found.append(SourceInfo(str(doc), str(title or doc), str(site or ""), str(url) if url is not None else None))
    return found


def rights_statement(source: SourceInfo) -> str:
    """The terms under which the quotes of one source are kept.

    >>> rights_statement(SourceInfo("s", "A title", "A site", "https://example.org/a"))[:60]
    'The quoted passages from "A title" (A site, https://example.'
    """
    where = ", ".join(x for x in (source.site, source.url) if x)
    return (f'The quoted passages from "{source.title}" ({where}) are short excerpts kept as evidence for the '
            "claims drawn from them (each in a Web Annotation selector beside its claim). They remain the work of "
            "their authors, are attributed to the source here and in every claim's provenance, and are not "
            f"covered by the data licence ({DATA_LICENSE}).")


def get_void_graph(graphs: dict[str, int], sources: Iterable[SourceInfo], *, version: str = __version__,
                   endpoint: str | None = None, triples: int | None = None) -> Graph:
    """A VoID description of the dataset: licence, version, rights, named graphs with triple counts.

    ``graphs`` maps each named graph's IRI to its triple count; ``triples`` is the
    default graph's count (their union; default: the sum); ``endpoint`` is the SPARQL
    endpoint's URL when the dataset is served.
    """
    g = bind_prefixes(Graph())
    g.bind("void", VOID)
    ds = URIRef(DATASET_IRI)
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("ketamine-kg: a knowledge graph of claims about ketamine", lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "Claims drawn from a popular-science article, each with modality, polarity and the quoted evidence; "
        "an OWL ontology; inferred classifications; links to external ontologies.", lang="en")))
    g.add((ds, DCTERMS.license, URIRef(DATA_LICENSE)))
    g.add((ds, DCTERMS.hasVersion, Literal(version)))
    g.add((ds, VOID.uriSpace, Literal(BASE)))
    g.add((ds, VOID.exampleResource, URIRef(ENTITY + "ketamine")))
    g.add((ds, VOID.vocabulary, URIRef(ONTOLOGY_IRI)))
    g.add((ds, VOID.triples, Literal(triples if triples is not None else sum(graphs.values()), datatype=XSD.integer)))
    if endpoint:
        g.add((ds, VOID.sparqlEndpoint, URIRef(endpoint)))
    for source in sources:
        doc = URIRef(source.iri)
        g.add((ds, DCTERMS.source, doc))
        g.add((doc, DCTERMS.title, Literal(source.title)))
        if source.url:
            g.add((doc, SCHEMA.url, URIRef(source.url)))
        g.add((ds, DCTERMS.rights, Literal(rights_statement(source), lang="en")))
    for iri, count in sorted(graphs.items()):
        sub = URIRef(iri)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(count, datatype=XSD.integer)))
        g.add((sub, DCTERMS.license, URIRef(DATA_LICENSE)))
        if iri.startswith(GRAPH):
            g.add((sub, RDFS.label, Literal(f"named graph {iri[len(GRAPH):]}")))
    return g


def get_service_description(endpoint: str, graphs: dict[str, int], triples: int | None = None) -> Graph:
    """A SPARQL 1.1 Service Description of the read-only endpoint at ``endpoint``."""
    g = bind_prefixes(Graph())
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in RESULT_FORMATS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    dataset = BNode()
    default = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, DCTERMS.source, URIRef(DATASET_IRI)))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(triples if triples is not None else sum(graphs.values()), datatype=XSD.integer)))
    for iri, count in sorted(graphs.items()):
        named, inner = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(iri)))
        g.add((named, SD.graph, inner))
        g.add((inner, RDF.type, SD.Graph))
        g.add((inner, VOID.triples, Literal(count, datatype=XSD.integer)))
    return g
