"""The three parts of the graph, built once: the ontology (TBox), the stated data and the inferred triples."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import Dataset as RdfDataset, Graph
from rdflib.namespace import NamespaceManager

from ketamine_kg.core.namespaces import ONTOLOGY_GRAPH, bind_prefixes, data_graph_iri, inferred_graph_iri
from ketamine_kg.load.dataset import load_dataset
from ketamine_kg.ontology.reason import reason_over
from ketamine_kg.ontology.tbox import get_tbox_graph
from ketamine_kg.rdf.abox import get_data_graph


def get_rdf_dataset(data: Graph, source_id: str, tbox: Graph | None = None, inferred: Graph | None = None) -> RdfDataset:
    """Put the ontology, the stated data and the inferred triples into named graphs."""
    rdf_dataset = RdfDataset()
    # Only the prefixes we use: rdflib would otherwise declare ~30 unrelated ones.
    rdf_dataset.namespace_manager = NamespaceManager(rdf_dataset, bind_namespaces="core")
    bind_prefixes(rdf_dataset)
    for prefix, iri in data.namespaces():
        rdf_dataset.bind(prefix, iri, override=False)
    parts = [(ONTOLOGY_GRAPH, tbox), (data_graph_iri(source_id), data), (inferred_graph_iri(source_id), inferred)]
    for name, graph in parts:
        if graph is None:
            continue
        target = rdf_dataset.graph(name)
        for triple in sorted_triples(graph):
            target.add(triple)
    return rdf_dataset


def sorted_triples(graph: Graph) -> list:
    """The triples of ``graph`` in a fixed order (by their N-Triples terms).

    rdflib's store iterates in insertion order, and the graphs are built from sets and
    owlready2's output, whose order changes from run to run; adding the triples in this
    order makes every serialisation and page of a build the same bytes each time.
    """
    return sorted(graph, key=lambda triple: tuple(term.n3() for term in triple))


def union_graph(*graphs: Graph | None) -> Graph:
    """All triples of ``graphs`` in one graph, with every prefix declared."""
    union = bind_prefixes(Graph(bind_namespaces="core"))
    for graph in graphs:
        if graph is None:
            continue
        for prefix, iri in graph.namespaces():
            union.bind(prefix, iri, override=False)
        for triple in graph:
            union.add(triple)
    return union


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Add the seconds the ``with`` block takes to ``timings[stage]`` (the build's stage times)."""
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def get_graphs(data_dir: Path | None = None, *, reason: bool = True, timings: dict[str, float] | None = None):
    """Load the data and return ``(dataset, rdf_dataset, n_inferred, notes)``.

    The RDF dataset has the named graphs ontology, stated data and (if ``reason``)
    inferred triples.
    """

    timings = timings if timings is not None else {}
    with timed(timings, "load and check data"):
        dataset = load_dataset(data_dir)
    with timed(timings, "RDF"):
        data = get_data_graph(dataset)
    with timed(timings, "ontology"):
        tbox = get_tbox_graph()
    inferred = None
    notes: list[str] = []
    if reason:
        with timed(timings, "reasoning"):
            report = reason_over(dataset, tbox, data)
            inferred = report.inferred_graph()
            notes.append(report.one_line())
    return dataset, get_rdf_dataset(data, dataset.source.id, tbox, inferred), (len(inferred) if inferred else 0), notes
