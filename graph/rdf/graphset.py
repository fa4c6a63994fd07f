"""The parts of the graph, built once: the ontology (TBox), the stated data of each article, the inferred triples.

:func:`build_graph_set` takes one data folder or several (a corpus). Several articles are
merged by :func:`ketamine_kg.load.corpus.load_corpus` (shared entities become one node);
each article keeps its own named graph of stated claims, and the reasoner runs once over
all of them, so "rests on" can name claims of different articles. :func:`get_graphs`
is the one-article form most callers use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Dataset as RdfDataset, Graph, Literal, URIRef
from rdflib.namespace import XSD, NamespaceManager

from ketamine_kg.core import iris as ns
from ketamine_kg.core.model import Dataset
from ketamine_kg.core.namespaces import GRAPH, KKGO, ONTOLOGY_GRAPH, bind_prefixes, data_graph_iri, inferred_graph_iri
from ketamine_kg.errors import display_path
from ketamine_kg.load.corpus import Corpus, load_corpus
from ketamine_kg.load.dataset import default_data_dir
from ketamine_kg.ontology.reason import reason_over
from ketamine_kg.ontology.tbox import get_tbox_graph
from ketamine_kg.rdf.abox import get_data_graph


def get_rdf_dataset(data: Graph, source_id: str, tbox: Graph | None = None, inferred: Graph | None = None) -> RdfDataset:
    """Put the ontology, the stated data of one article and the inferred triples into named graphs."""
    return get_named_graphs([(ONTOLOGY_GRAPH, tbox), (data_graph_iri(source_id), data), (inferred_graph_iri(source_id), inferred)])


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
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


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
    rdf_dataset: RdfDataset
    n_inferred: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> Dataset:
        """The first article given (the only one, outside a corpus)."""
        return self.corpus.datasets[0]


def get_corpus_view(corpus: Corpus) -> Dataset:
    """All articles of ``corpus`` as one dataset for the reasoner: claims keyed ``source/claim``, each with its file.

    The reasoner names the claims an inference rests on, or the claims that clash; in a
    corpus two articles may use the same claim id, so each is qualified by its source.
    """
    first = corpus.datasets[0]
    entities = {}
    claims = []
    for dataset in corpus.datasets:
        entities.update({k: v for k, v in dataset.entities.items() if k not in entities})
        where = display_path(dataset.directory / "claims.yaml")
        claims += [replace(c, id=f"{dataset.source.id}/{c.id}", file=where) for c in dataset.claims]
    return replace(first, entities=entities, claims=claims, mappings=[m for d in corpus.datasets for m in d.mappings],
                   vocabulary=corpus.vocabulary)


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


def build_graph_set(data_dirs: DataDirs = None, *, reason: bool = True, timings: dict[str, float] | None = None) -> GraphSet:
    """Load one or several data folders and build their graph: ontology, each article's stated graph, inferences."""
    timings = timings if timings is not None else {}
    with _timed(timings, "load and check data"):
        corpus = load_corpus(as_data_dirs(data_dirs))
    with _timed(timings, "RDF"):
        articles = list(_article_graphs(corpus))
    with _timed(timings, "ontology"):
        tbox = get_tbox_graph(corpus.vocabulary)
    inferred = None
    notes: list[str] = []
    single = corpus.is_single
    if reason:
        with _timed(timings, "reasoning"):
            data = articles[0][1] if single else union_graph(*(g for _, g in articles))
            report = reason_over(corpus.datasets[0] if single else get_corpus_view(corpus), tbox, data)
            inferred = report.inferred_graph()
            notes.append(report.one_line())
    inferred_name = inferred_graph_iri(corpus.datasets[0].source.id) if single else CORPUS_INFERRED_GRAPH
    rdf_dataset = get_named_graphs([(ONTOLOGY_GRAPH, tbox), *articles, (inferred_name, inferred)])
    return GraphSet(corpus, rdf_dataset, len(inferred) if inferred else 0, notes)


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
