"""The parts of the graph, built once: the ontology (TBox), each article's stated data and curator knowledge, the inferred triples.

Each is a named graph of the RDF dataset: what an article says (its stated graph,
:func:`~ketamine_kg.core.namespaces.data_graph_iri`), what a curator recorded from outside
it (:func:`~ketamine_kg.core.namespaces.curator_graph_iri`), and what the reasoner inferred
from the stated graphs alone (curator knowledge never becomes a premise).

:func:`build_graph_set` takes one data folder or several (a corpus). Several articles are
merged by :func:`ketamine_kg.load.corpus.load_corpus` (shared entities become one node);
each article keeps its own named graph of stated claims, and the reasoner runs once over
all of them, so "rests on" can name claims of different articles. :func:`get_graphs`
is the one-article form most callers use.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import Dataset as RdfDataset, Graph, Literal, URIRef
from rdflib.namespace import XSD, NamespaceManager

from ketamine_kg.core import iris as ns
from ketamine_kg.core.model import Dataset
from ketamine_kg.core.namespaces import (
    GRAPH, KKGO, ONTOLOGY_GRAPH, bind_prefixes, curator_graph_iri, data_graph_iri, inferred_graph_iri,
)
from ketamine_kg.load.corpus import Corpus, get_corpus_view, load_corpus
from ketamine_kg.load.dataset import default_data_dir
from ketamine_kg.ontology.reason import reason_over
from ketamine_kg.ontology.tbox import get_tbox_graph
from ketamine_kg.rdf.abox import get_data_graph
from ketamine_kg.rdf.curator import get_curator_graph, has_curator_knowledge
from ketamine_kg.rdf.nquads import sorted_triples


def get_rdf_dataset(data: Graph, source_id: str, tbox: Graph | None = None, inferred: Graph | None = None,
                    curator: Graph | None = None) -> RdfDataset:
    """Put the ontology, the stated data of one article, its curator knowledge and the inferred triples into named graphs."""
    return get_named_graphs([(ONTOLOGY_GRAPH, tbox), (data_graph_iri(source_id), data), (curator_graph_iri(source_id), curator),
                             (inferred_graph_iri(source_id), inferred)])


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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the ``with`` block (a build), then put it back as it was.

    A build makes millions of objects that live as long as it does (terms, triples, the
    graphs' index entries) and next to no cyclic garbage. With the collector on, each full
    collection walks all of them again: on 1,000 articles that was 26 s of the RDF stage's
    43, and half of the SHACL stage, at the same peak memory (README "Performance"). Forked
    workers (the SHACL checkers, the exports) inherit the paused collector, so they do not
    walk the parent's objects either, which would copy every page of memory they touch.

    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# The named graph of what the reasoner infers from a corpus of several articles.
CORPUS_INFERRED_GRAPH = URIRef(GRAPH + "corpus/inferred")
DataDirs = Path | str | Sequence[Path | str] | None


def as_data_dirs(data_dirs: DataDirs) -> list[Path]:
    """One folder, several, or none (the built-in article) as a list of folders.

    >>> [p.name for p in as_data_dirs(["a", "b"])]
    ['a', 'b']
    """
    if data_dirs is None:
        return [default_data_dir()]
    if isinstance(data_dirs, (str, Path)):
        return [Path(data_dirs)]
    folders = [Path(d) for d in data_dirs]
    return folders or [default_data_dir()]


@dataclass
class GraphSet:
    """What one build reads and reasons: the articles (merged), the RDF in named graphs, what the reasoner said."""

    corpus: Corpus
    # The graphs by name, each in a store of its own (the ontology, each article's stated
    # and curator graphs, the inferred graph): what the build reads (see get_graphs_by_name).
    graphs: dict[URIRef, Graph]
    n_inferred: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> Dataset:
        """The first article given (the only one, outside a corpus)."""
        return self.corpus.datasets[0]

    @cached_property
    def rdf_dataset(self) -> RdfDataset:
        """The graphs copied into one rdflib Dataset, in order (:func:`get_named_graphs`), made when first read.

        For a corpus of 1,000 articles the copy takes tens of seconds; a build makes it
        while its SHACL checks run (``run_build``).
        """
        return get_named_graphs(list(self.graphs.items()))


def _article_graphs(corpus: Corpus) -> Iterator[tuple[URIRef, Graph]]:
    """Each article's stated graph, with its place in the corpus and the aliases of the entities it names."""
    for order, dataset in enumerate(corpus.datasets, start=1):
        graph = get_data_graph(dataset, corpus.vocabulary)
        doc = URIRef(ns.source_iri(dataset.source.id))
        graph.add((doc, KKGO.order, Literal(order, datatype=XSD.integer)))
        for original, merged in corpus.renamed[order - 1].items():
            # This article calls the merged entity by another id: a query by that id finds it through kkgo:alias.
            graph.add((URIRef(ns.entity_iri(merged)), KKGO.alias, URIRef(ns.entity_iri(original))))
        yield data_graph_iri(dataset.source.id), graph


def get_reasoning_input(corpus: Corpus, tbox: Graph, articles: Sequence[tuple[URIRef, Graph]] | None = None) -> tuple[Dataset, Graph, Graph]:
    """What the reasoner takes for ``corpus``: the dataset it names claims from, the TBox, the stated data.

    One article: its dataset and graph. A corpus: all claims as one dataset (ids
    ``source/claim``) and the union of the articles' graphs.
    """
    articles = list(articles) if articles is not None else list(_article_graphs(corpus))
    if corpus.is_single:
        return corpus.datasets[0], tbox, articles[0][1]
    return get_corpus_view(corpus), tbox, union_graph(*(g for _, g in articles))


def build_graph_set(data_dirs: DataDirs = None, *, reason: bool = True, timings: dict[str, float] | None = None) -> GraphSet:
    """Load one or several data folders and build their graph: ontology, each article's stated graph, inferences."""
    timings = timings if timings is not None else {}
    with collector_paused():
        return _build_graph_set(data_dirs, reason, timings)


def _build_graph_set(data_dirs: DataDirs, reason: bool, timings: dict[str, float]) -> GraphSet:
    with timed(timings, "load and check data"):
        corpus = load_corpus(as_data_dirs(data_dirs))
    with timed(timings, "RDF"):
        articles = list(_article_graphs(corpus))
        curators = [(curator_graph_iri(d.source.id), get_curator_graph(d, corpus.vocabulary))
                    for d in corpus.datasets if has_curator_knowledge(d)]
    with timed(timings, "ontology"):
        tbox = get_tbox_graph(corpus.vocabulary)
    inferred = None
    notes: list[str] = []
    single = corpus.is_single
    if reason:
        with timed(timings, "reasoning"):
            report = reason_over(*get_reasoning_input(corpus, tbox, articles))
            inferred = report.inferred_graph()
            notes.append(report.one_line())
    inferred_name = inferred_graph_iri(corpus.datasets[0].source.id) if single else CORPUS_INFERRED_GRAPH
    graphs = {name: g for name, g in [(ONTOLOGY_GRAPH, tbox), *articles, *curators, (inferred_name, inferred)] if g is not None}
    return GraphSet(corpus, graphs, len(inferred) if inferred else 0, notes)


def get_named_graphs(parts: Sequence[tuple[URIRef, Graph | None]]) -> RdfDataset:
    """An rdflib Dataset of the given named graphs (None parts left out), triples added in a fixed order."""
    rdf_dataset = RdfDataset()
    # Only the prefixes we use: rdflib would otherwise declare ~30 unrelated ones.
    rdf_dataset.namespace_manager = NamespaceManager(rdf_dataset, bind_namespaces="core")
    bind_prefixes(rdf_dataset)
    for _, graph in parts:
        if graph is not None:
            for prefix, iri in graph.namespaces():
                rdf_dataset.bind(prefix, iri, override=False)
    for name, graph in parts:
        if graph is None:
            continue
        target = rdf_dataset.graph(name)
        for triple in sorted_triples(graph):
            target.add(triple)
    return rdf_dataset


def get_graphs(data_dir: DataDirs = None, *, reason: bool = True, timings: dict[str, float] | None = None):
    """Load the data and return ``(dataset, rdf_dataset, n_inferred, notes)``; ``dataset`` is the first article.

    The RDF dataset has the named graphs ontology, stated data (one per article) and
    (if ``reason``) inferred triples.
    """
    graph_set = build_graph_set(data_dir, reason=reason, timings=timings)
    return graph_set.primary, graph_set.rdf_dataset, graph_set.n_inferred, graph_set.notes
