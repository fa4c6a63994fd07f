"""The build: curated data in, every output file out, nothing half-written.

``run_build(data_dir, out_dir)`` loads and checks the data, builds the RDF graph and
the ontology, reasons over them, writes every export and page into a staging folder,
and only then moves the files into ``out_dir``. Each stage's time is recorded.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib

from ketamine_kg.app.beside import run_beside
from ketamine_kg.core.atomic import StagedDirectory
from ketamine_kg.core.model import Dataset
from ketamine_kg.load.corpus import Corpus
from ketamine_kg.rdf.graphset import DataDirs, GraphSet, build_graph_set, collector_paused, get_corpus_view, timed
from ketamine_kg.rdf.nquads import sorted_triples

GRAPH_BASENAME = "ketamine-kg"


@dataclass
class BuildResult:
    """What a build made: the data, the graphs, the files and how long each stage took."""

    graph_set: GraphSet  # the articles, their graphs and what the reasoner said: the attributes below read it
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0  # wall time: stages may overlap (a big corpus writes its exports beside its pages)

    @property
    def dataset(self) -> Dataset:
        """The first article given (the only one, outside a corpus)."""
        return self.graph_set.primary

    @property
    def corpus(self) -> Corpus:
        """Every article given, merged (:func:`~ketamine_kg.load.corpus.load_corpus`)."""
        return self.graph_set.corpus

    @property
    def rdf_dataset(self) -> rdflib.Dataset:
        """The build's graphs as one rdflib Dataset (:attr:`GraphSet.rdf_dataset`)."""
        return self.graph_set.rdf_dataset

    @property
    def triples(self) -> int:
        """How many stated triples the build's graphs hold (the ontology's and curator graphs' among them, not the inferred)."""
        return sum(len(g) for name, g in self.graph_set.graphs.items() if not str(name).endswith("/inferred"))

    @property
    def inferred(self) -> int:
        """How many triples the reasoner inferred (0 without it)."""
        return self.graph_set.n_inferred

    @property
    def notes(self) -> list[str]:
        """Lines for the summary: the reasoner's report, and what the site left out and why."""
        return self.graph_set.notes

    def summary(self) -> str:
        """A short report: claims, entities by type, triples, files."""
        datasets = self.corpus.datasets
        ds = get_corpus_view(self.corpus) if len(datasets) > 1 else self.dataset
        by_type = Counter(e.type for e in ds.entities.values())
        by_modality = Counter(c.modality for c in ds.claims)
        heading = [f"article: {d.source.title} ({d.source.site}, {len(d.claims)} claims)" for d in datasets]
        if len(datasets) == 1:
            heading = [f"article: {ds.source.title} ({ds.source.site})"]
        else:
            merged = sum(len(v) for v in self.corpus.aliases.values())
            heading = [f"corpus: {len(datasets)} articles, {merged} {'entity' if merged == 1 else 'entities'} merged across them"] + heading
        lines = heading + [
            f"claims: {len(ds.claims)}" + _breakdown(by_modality),
            f"entities: {len(ds.entities)}" + _breakdown(by_type),
            f"triples: {self.triples} stated" + (f", {self.inferred} inferred" if self.inferred else ""),
            f"mappings: {sum(1 for m in ds.mappings if not m.is_no_match)} external links",
        ]
        lines += self.notes
        lines.append(f"wrote {len(self.files)} files in {self.seconds:.2f} s")
        return "\n".join(lines)




def _breakdown(counts: Counter) -> str:
    """`` (a 2, b 1)`` for a count by kind; nothing when there is none (a new article's zero claims)."""
    return " (" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ")" if counts else ""


def run_build(data_dir: DataDirs, out_dir: Path, *, reason: bool = True, render: bool = True) -> BuildResult:
    """Build every output of the article (or of the corpus, given several folders) into ``out_dir``.

    Python's cyclic garbage collector is paused meanwhile (:func:`~ketamine_kg.rdf.graphset.collector_paused`).
    """
    with collector_paused():
        return _run_build(data_dir, out_dir, reason=reason, render=render)


def _run_build(data_dir: DataDirs, out_dir: Path, *, reason: bool, render: bool) -> BuildResult:
    from ketamine_kg.rdf.oxigraph import get_quads
    from ketamine_kg.exports.rdf_formats import FORMATS, to_bytes

    start = time.perf_counter()
    timings: dict[str, float] = {}
    graph_set = build_graph_set(data_dir, reason=reason, timings=timings)
    dataset = graph_set.primary
    result = BuildResult(graph_set=graph_set, timings=timings)
    with timed(timings, "SHACL shapes, and the graphs copied into one Dataset"):
        from ketamine_kg.rdf.shacl import check_articles

        # A violation stops the build before any file is written. The forked checkers read
        # the build's own graphs, so the one Dataset the pages read is made meanwhile (for
        # 1,000 articles, a copy of 1.2M triples: in sequence it was a stage of its own).
        check_articles(None, graph_set.corpus.datasets, graphs=graph_set.graphs, meanwhile=lambda: graph_set.rdf_dataset)
    rdf_dataset = graph_set.rdf_dataset
    with StagedDirectory(out_dir) as stage:
        with timed(timings, "exports: N-Quads"):
            quads = get_quads(rdf_dataset, graph_set.graphs)  # converted and sorted once, for every format
            nquads = to_bytes(rdf_dataset, "nquads", quads=quads)
            (stage / f"{GRAPH_BASENAME}.{FORMATS['nquads'][1]}").write_bytes(nquads)

        def write_exports() -> dict[str, float]:
            own: dict[str, float] = {}
            with timed(own, "exports"):
                _write_exports(stage, graph_set, quads)
            return own

        # The other exports and the pages read the same graphs and write other files: a big
        # corpus writes them side by side, the exports in a forked process (measured on
        # 1,000 articles: 175 s of exports, 106 s of pages, one after the other).
        with run_beside(write_exports, fork=render and len(quads) >= FORK_EXPORTS_FROM, what="the exports") as exports:
            if render:
                with timed(timings, "rendering and site"):
                    from ketamine_kg.app.site import write_site

                    write_site(stage, dataset, rdf_dataset, corpus=graph_set.corpus, notes=result.notes,
                               nquads=nquads, graphs=graph_set.graphs)
        timings.update(exports.result)
        del quads
        manifest: dict[str, Any] = {
            "source": dataset.source.id,
            "sha256": dataset.source.sha256,
            "claims": len(dataset.claims),
            "entities": len(dataset.entities),
            "triples": result.triples,
            "inferred": result.inferred,
        }
        if not graph_set.corpus.is_single:
            manifest["sources"] = [{"source": d.source.id, "sha256": d.source.sha256, "claims": len(d.claims),
                                    "entities": len(d.entities)} for d in graph_set.corpus.datasets]
            manifest["claims"] = sum(len(d.claims) for d in graph_set.corpus.datasets)
            manifest["entities"] = len(graph_set.corpus.entity_ids())
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        staged = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    result.files = [out_dir / p for p in staged]
    result.seconds = time.perf_counter() - start
    return result


# A dataset of this many quads or more writes its exports beside its pages (in a forked
# process): below it the fork costs more than it saves (the article has 3,000).
FORK_EXPORTS_FROM = 100_000


def _write_exports(stage: Path, graph_set, quads) -> None:
    """Every export but the N-Quads: the other RDF formats, the OWL view, the ontology folder, ``void.ttl``."""
    from ketamine_kg.exports.owl import get_owl_view_triples, to_owl_bytes
    from ketamine_kg.exports.rdf_formats import FORMATS, get_stated_triples, to_bytes

    rdf_dataset = graph_set.rdf_dataset
    triples = get_stated_triples(quads)  # the triple formats' union, made once for both
    for fmt, (_, ext, _) in FORMATS.items():
        if fmt != "nquads":
            (stage / f"{GRAPH_BASENAME}.{ext}").write_bytes(to_bytes(rdf_dataset, fmt, quads=quads, triples=triples))
    (stage / "void.ttl").write_bytes(_void_turtle(rdf_dataset, graph_set.graphs, stated=triples))
    del triples
    # the OWL view for Protégé: ontology, stated data and curator knowledge as one OWL 2 DL ontology
    (stage / f"{GRAPH_BASENAME}.owl").write_bytes(
        to_owl_bytes(get_owl_view_triples(rdf_dataset, graph_set.corpus.vocabulary, graphs=graph_set.graphs)))
    _write_ontology(stage, rdf_dataset)


def _void_turtle(rdf_dataset, named: Mapping | None = None, *, stated: list | None = None) -> bytes:
    """The VoID description of the built dataset (no SPARQL endpoint: a build serves none).

    ``named``: a build's own graphs, read instead (:func:`~ketamine_kg.core.namespaces.get_graphs_by_name`).
    ``stated``: the stated graphs' triples, each
    once, as the triple exports have them (:func:`~ketamine_kg.exports.rdf_formats.get_stated_triples`):
    the union's count is theirs and the inferred triples' not among them, without a set
    of every triple.
    """
    from ketamine_kg.core.namespaces import get_graphs_by_name
    from ketamine_kg.exports.rdf_formats import is_stated_graph
    from ketamine_kg.exports.void import get_sources, get_void_graph
    from ketamine_kg.rdf.oxigraph import to_ox_triples

    named = get_graphs_by_name(rdf_dataset, named)
    graphs = {str(name): len(g) for name, g in named.items() if len(g)}
    if stated is not None:
        others = {t for name, g in named.items() if not is_stated_graph(str(name)) for t in to_ox_triples(g)}
        union = len(stated) + (len(others - set(stated)) if others else 0)
    else:
        union = len({t for g in named.values() for t in g})
    sources = [s for g in named.values() for s in get_sources(g)]
    return get_void_graph(graphs, sorted(set(sources), key=lambda s: s.iri), triples=union).serialize(
        format="turtle", encoding="utf-8")


def _write_ontology(stage: Path, rdf_dataset) -> None:
    from rdflib import Graph

    from ketamine_kg.core.namespaces import ONTOLOGY_GRAPH
    from ketamine_kg.exports.rdf_formats import to_rdf_xml, to_turtle

    tbox = Graph(bind_namespaces="core")
    for prefix, iri in rdf_dataset.namespaces():
        tbox.bind(prefix, iri, override=True, replace=True)
    for triple in sorted_triples(rdf_dataset.graph(ONTOLOGY_GRAPH)):  # in order: RDF/XML follows it
        tbox.add(triple)
    folder = stage / "ontology"
    folder.mkdir(exist_ok=True)
    (folder / "ketamine-kg.owl").write_bytes(to_rdf_xml(tbox))
    (folder / "ketamine-kg.ttl").write_bytes(to_turtle(tbox))
    from ketamine_kg.views.ontology_page import write_ontology_page

    write_ontology_page(folder / "index.html", tbox)
