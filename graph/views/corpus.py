"""The view graphs of a corpus: one edge per statement, and one article's own graph.

- :func:`get_corpus_graph`: every entity of the corpus and ONE edge per statement
  (subject, predicate, object), however many sources make it. The edge carries the number
  of sources (``sources``), whether the statement is disputed (``disputed``: the caller
  hands over the statements the ``conflicts`` query returned; this view runs no query) and
  one record per claim, each naming its source (title), modality, polarity and quotes.
- :func:`get_article_parts`: the named graph of one article of a built corpus, as
  :class:`~ketamine_kg.views.parts.Parts`, so :func:`~ketamine_kg.views.graphs.get_article_graph`
  draws that article's claims only.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import DCTERMS, RDF, RDFS

from ketamine_kg.core.namespaces import KKGO, ONTOLOGY_GRAPH, curator_graph_iri, data_graph_iri, get_graphs_by_name
from ketamine_kg.views.graphs import add_inferred_edges, get_article_graph
from ketamine_kg.views.parts import Parts, as_parts, get_text, local_name

Statement = tuple[str, str, str]
# Which modality an edge shows when its sources differ without disputing it: the firmest.
FIRMNESS = ("asserted", "under_investigation", "hedged", "speculative")


def get_article_parts(rdf_dataset, source_id: str, graphs: Mapping[URIRef, Graph] | None = None) -> Parts:
    """The parts of a built corpus that belong to one article: its stated graph, no inferences, the ontology.

    ``graphs``: a build's own graphs, read instead (:func:`~ketamine_kg.core.namespaces.get_graphs_by_name`;
    in the shared store, a thousand-article build spent minutes on its article pages).
    """
    named = get_graphs_by_name(rdf_dataset, graphs)
    empty = Graph()  # where the article has no curator knowledge (or a graph has no triple)
    own, curator, tbox = (named.get(name, empty) for name in (data_graph_iri(source_id), curator_graph_iri(source_id), ONTOLOGY_GRAPH))
    return Parts(data=ReadOnlyGraphAggregate([own]), inferred=ReadOnlyGraphAggregate([empty]), tbox=tbox,
                 everything=ReadOnlyGraphAggregate([own, curator, tbox]), curator=ReadOnlyGraphAggregate([curator]))


def _source_titles(data) -> dict[str, tuple[int, str]]:
    """Source document IRI -> (its place in the corpus, its title)."""
    titles = {}
    for doc in data.subjects(RDF.type, KKGO.SourceDocument):
        title = get_text(data, doc, DCTERMS.title) or get_text(data, doc, RDFS.label) or str(doc)
        titles[str(doc)] = (int(data.value(doc, KKGO.order) or 0), title)
    return titles


def get_corpus_graph(rdf_dataset, disputed: Iterable[Statement] = (), *, include_inferred: bool = False,
                     per_claim: nx.MultiDiGraph | None = None) -> nx.MultiDiGraph:
    """The corpus as one graph: every entity, one edge per statement with its sources' words.

    ``disputed`` are (subject IRI, predicate IRI, object IRI) triples, as the ``conflicts``
    named query returns them; their edges are marked ``disputed``. With ``include_inferred``,
    the reasoner's triples between entities are added as edges of their own. ``per_claim``
    is :func:`~ketamine_kg.views.graphs.get_article_graph` of the same dataset where the
    caller has it (a copy is used, never changed): over a thousand articles it took 20 s.
    """
    parts = as_parts(rdf_dataset)
    data = parts.data
    per_claim = copy.deepcopy(per_claim) if per_claim is not None else get_article_graph(parts)
    titles = _source_titles(data)
    disputed = set(disputed)
    graph: nx.MultiDiGraph = nx.MultiDiGraph(view="corpus", title="")
    for node, attributes in per_claim.nodes(data=True):
        graph.add_node(node, **attributes)
    grouped: dict[Statement, list[dict]] = {}
    labels: dict[Statement, str] = {}
    for u, v, edge in per_claim.edges(data=True):
        statement = (u, edge["predicate_iri"], v)
        labels.setdefault(statement, edge["label"].removeprefix("not: "))
        for record in edge["claims"]:
            doc = data.value(URIRef(record["iri"]), DCTERMS.source)
            order, title = titles.get(str(doc), (0, "")) if doc is not None else (0, "")
            grouped.setdefault(statement, []).append(
                dict(record, source=title, source_iri=str(doc or ""), source_order=order,
                     polarity="negative" if record["negated"] else "positive"))
    plain = set()
    for statement, records in grouped.items():
        u, predicate, v = statement
        records.sort(key=lambda r: (r["source_order"], r["iri"]))
        sources = len({r["source_iri"] for r in records})
        negated = all(r["negated"] for r in records)
        modality = min((r["modality"] for r in records), key=lambda m: FIRMNESS.index(m) if m in FIRMNESS else 9)
        label = ("not: " if negated else "") + labels[statement]
        if sources > 1:
            label += f" · {sources} sources"
        graph.add_edge(u, v, key=f"statement:{u}|{predicate}|{v}", predicate=local_name(predicate),
                       predicate_iri=predicate, label=label, modality=modality, negated=negated, inferred=False,
                       sources=sources, disputed=statement in disputed, claims=records)
        if any(r["modality"] == "asserted" and not r["negated"] for r in records):
            plain.add(statement)
    if include_inferred:
        add_inferred_edges(graph, parts, plain)
    return graph
