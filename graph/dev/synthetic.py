"""A synthetic corpus shaped like the real data, for measuring how cost grows with size.

``get_synthetic_dataset(index, seed)`` returns one synthetic article as a
:class:`~ketamine_kg.core.model.Dataset`, made from the built-in article by renaming: the
same text, sections, entity types, predicates, qualifiers and quotes, with

- a source id of its own (``synthetic-s{seed}-{index}``), so every article-scoped IRI
  (source, sections, claims, evidence annotations, their targets and selectors) is
  distinct from every other article's;
- each claim's modality and polarity drawn afresh from the template's mix;
- each entity either the template's own (``ketamine``) or one of its variants
  (``ketamine_v3``, labelled "ketamine 3"). Variant ``k`` is drawn with probability
  ``1/((k+1)(k+2))``: half of the articles talk about the real ketamine, a sixth about
  ``ketamine_v1``, and so on down a long tail, the way a real corpus reuses a few hub
  entities and many rare ones. So joins across articles have real work to do.

The RDF of an article is made by the real builder, :func:`ketamine_kg.rdf.abox.get_data_graph`,
so its shape is the real shape by construction. ``iter_synthetic_nquads`` streams the
corpus as N-Quads, one named graph per article (as the build names them), after the
ontology graph. Article ``i`` depends only on the seed and ``i``: the first ten articles
of a large corpus are the ten articles of a small one.

>>> a = get_synthetic_dataset(3, seed=7)
>>> a.source.id
'synthetic-s7-3'
>>> a == get_synthetic_dataset(3, seed=7), a.claims == get_synthetic_dataset(4, seed=7).claims
(True, False)
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from ketamine_kg.core.model import Claim, Dataset, Entity

__all__ = [
    "SyntheticStats",
    "get_synthetic_dataset",
    "iter_synthetic_datasets",
    "iter_synthetic_nquads",
    "write_synthetic_nquads",
]


@lru_cache(maxsize=4)
def _load_template(data_dir: str | None) -> Dataset:
    from ketamine_kg.load.dataset import load_dataset

    return load_dataset(data_dir)


def _variant(rng: random.Random) -> int:
    """0 with probability 1/2, 1 with 1/6, k with 1/((k+1)(k+2)): a long-tailed reuse of entities."""
    return int(1.0 / (1.0 - rng.random())) - 1


def get_synthetic_dataset(index: int, seed: int = 0, template: Dataset | None = None) -> Dataset:
    """Synthetic article number ``index`` of the corpus of ``seed``, made from ``template``.

    ``template`` defaults to the built-in article. The result is a fresh Dataset; the
    template is not changed.
    """
    template = template or _load_template(None)
    rng = random.Random(f"ketamine-kg synthetic {seed} {index}")
    source_id = f"synthetic-s{seed}-{index}"
    source = replace(
        template.source,
        id=source_id,
        title=f"{template.source.title} (synthetic article {index}, seed {seed})",
        url=None,
    )
    vocab = template.vocabulary
    # The object of a functional predicate (an approval's agency) keeps its id: renamed in some
    # articles, a shared approval would be granted by several agencies, and a query over its
    # OPTIONAL properties would multiply them (at 10M triples, approvals had 325,484 rows).
    fixed = {c.object for c in template.claims if c.object is not None and vocab is not None
             and "functional" in vocab.predicates[c.predicate].characteristics}
    renamed: dict[str, str] = {}
    entities: dict[str, Entity] = {}
    for entity in template.entities.values():
        k = _variant(rng)  # drawn for every entity, so the draws of the others do not move
        if entity.id in fixed:
            k = 0
        new_id = entity.id if k == 0 else f"{entity.id}_v{k}"
        renamed[entity.id] = new_id
        entities[new_id] = replace(
            entity,
            id=new_id,
            label=entity.label if k == 0 else f"{entity.label} {k}",
            synonyms=list(entity.synonyms) if k == 0 else [f"{s} {k}" for s in entity.synonyms],
            attributes={name: dict(attr) for name, attr in entity.attributes.items()},
        )
    if source.subject is not None:  # the article is about the (possibly renamed) entity
        source = replace(source, subject=renamed.get(source.subject, source.subject))
    modalities = Counter(c.modality for c in template.claims)
    polarities = Counter(c.polarity for c in template.claims)
    claims: list[Claim] = []
    for claim in template.claims:
        modality = rng.choices(list(modalities), weights=list(modalities.values()))[0]
        polarity = rng.choices(list(polarities), weights=list(polarities.values()))[0]
        qualifiers = {
            key: renamed.get(value, value) if key in ("route", "procedure") else value
            for key, value in claim.qualifiers.items()
        }
        claims.append(replace(
            claim,
            subject=renamed[claim.subject],
            object=renamed[claim.object] if claim.object is not None else None,
            modality=modality,
            polarity=polarity,
            qualifiers=qualifiers,
            evidence=list(claim.evidence),
        ))
    # A match holds for the real entity only (a variant is a different thing); a row saying
    # a system has no term for the entity holds for its variants too.
    mappings = [m if renamed[m.subject] == m.subject else replace(m, subject=renamed[m.subject])
                for m in template.mappings if m.is_no_match or renamed.get(m.subject) == m.subject]
    return Dataset(
        directory=template.directory,
        source=source,
        entities=entities,
        claims=claims,
        mappings=mappings,
        mapping_prefixes=dict(template.mapping_prefixes),
        vocabulary=template.vocabulary,
    )


def iter_synthetic_datasets(n_articles: int, seed: int = 0, template: Dataset | None = None) -> Iterator[Dataset]:
    """The first ``n_articles`` synthetic articles of the corpus of ``seed``."""
    for index in range(n_articles):
        yield get_synthetic_dataset(index, seed, template)


def _graph_nquads(graph, name: str) -> bytes:
    """N-Quads of ``graph`` in the named graph ``name``: its N-Triples with the graph name added."""
    text = graph.serialize(format="nt")
    suffix = f"<{name}> .\n"
    # Each N-Triples line ends with " .": swap that for the graph name. Sorted, so that an
    # article without blank nodes comes out byte for byte the same every time.
    return "".join(sorted(line[:-1] + suffix for line in text.splitlines() if line)).encode("utf-8")


def iter_synthetic_nquads(max_triples: int | None = None, *, n_articles: int | None = None, seed: int = 0,
                          with_ontology: bool = True, template: Dataset | None = None) -> Iterator[tuple[bytes, int]]:
    """Stream the corpus as ``(nquads_bytes, n_quads)`` chunks: the ontology, then one article per chunk.

    Stops after ``n_articles`` articles, or after the article that brings the count of
    quads to at least ``max_triples`` (whichever is given; both: whichever comes first).
    """
    from ketamine_kg.core.namespaces import ONTOLOGY_GRAPH, data_graph_iri
    from ketamine_kg.rdf.abox import get_data_graph
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    if max_triples is None and n_articles is None:
        raise ValueError("give max_triples or n_articles")
    vocab = load_vocabulary()
    total = 0
    if with_ontology:
        from ketamine_kg.ontology.tbox import get_tbox_graph

        tbox = get_tbox_graph()
        total += len(tbox)
        yield _graph_nquads(tbox, str(ONTOLOGY_GRAPH)), len(tbox)
    index = 0
    while (n_articles is None or index < n_articles) and (max_triples is None or total < max_triples):
        dataset = get_synthetic_dataset(index, seed, template)
        graph = get_data_graph(dataset, vocab)
        total += len(graph)
        yield _graph_nquads(graph, str(data_graph_iri(dataset.source.id))), len(graph)
        index += 1


@dataclass
class SyntheticStats:
    """What ``write_synthetic_nquads`` wrote and how long it took."""

    path: Path
    articles: int
    quads: int
    bytes: int
    seconds: float

    @property
    def triples_per_second(self) -> float:
        return self.quads / self.seconds if self.seconds else float("inf")


def write_synthetic_nquads(path: Path, max_triples: int, *, seed: int = 0, with_ontology: bool = True) -> SyntheticStats:
    """Write a corpus of at least ``max_triples`` quads to ``path`` (N-Quads) and time it."""
    path = Path(path)
    start = time.perf_counter()
    articles = quads = size = 0
    with path.open("wb") as out:
        for n, (chunk, count) in enumerate(iter_synthetic_nquads(max_triples, seed=seed, with_ontology=with_ontology)):
            out.write(chunk)
            quads += count
            size += len(chunk)
            articles += 1 if (n > 0 or not with_ontology) else 0
    return SyntheticStats(path, articles, quads, size, time.perf_counter() - start)


def get_synthetic_view_graph(n_nodes: int, seed: int = 0, base=None):
    """A graph view (as :func:`ketamine_kg.views.graphs.get_article_graph` makes) of exactly ``n_nodes`` nodes.

    Starts from ``base`` (default: the article view of the built-in article) and adds
    renamed copies of it: in copy ``c`` each node is, with even odds, the base node
    itself (so the real entities become hubs, as in a corpus) or a new node
    ``{node}_v{c}`` with the same type, facts and style and a numbered label. Edges keep
    their claims and modality. Nodes are added until there are ``n_nodes``; an edge is
    added only between nodes that exist, so the graph stays connected through the hubs.
    """
    import networkx as nx

    if base is None:
        from ketamine_kg.rdf.graphset import get_graphs
        from ketamine_kg.views.graphs import get_article_graph

        _, rdf_dataset, _, _ = get_graphs(None, reason=False)
        base = get_article_graph(rdf_dataset)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(**base.graph)
    for node, data in list(base.nodes(data=True))[:n_nodes]:
        graph.add_node(node, **data)
    for u, v, key, data in base.edges(keys=True, data=True):
        if u in graph and v in graph:
            graph.add_edge(u, v, key=key, **data)
    # Nodes in breadth-first order, so a node cut off by the limit never strands one added after it.
    undirected = base.to_undirected(as_view=True)
    order = []
    for piece in sorted(nx.connected_components(undirected), key=len, reverse=True):
        start = max(piece, key=lambda n: (undirected.degree(n), n))
        order += [start] + [v for _, v in nx.bfs_edges(undirected, start)]
    copy = 0
    while graph.number_of_nodes() < n_nodes and base.number_of_nodes():
        copy += 1
        rng = random.Random(f"ketamine-kg synthetic view {seed} {copy}")
        renamed = {}
        for node in order:
            data = base.nodes[node]
            if rng.random() < 0.5:
                renamed[node] = node
            elif graph.number_of_nodes() < n_nodes:
                new = f"{node}_v{copy}"
                renamed[new] = new
                renamed[node] = new
                graph.add_node(new, **{**data, "label": f"{data.get('label', node)} {copy}", "iri": new})
        for u, v, key, data in base.edges(keys=True, data=True):
            a, b = renamed.get(u), renamed.get(v)
            if a is not None and b is not None and (a, b) != (u, v):
                graph.add_edge(a, b, key=f"{key}/v{copy}", **data)
    return graph
