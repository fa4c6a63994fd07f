"""Node positions for large view graphs, computed in Python so the browser need not.

:func:`get_layout` gives pixel positions, deterministic from a seed: networkx's spring
layout for small graphs, and for large ones a spring layout of the graph's 2-core with
the trees that hang off it placed ring by ring around the node they hang from.
"""

from __future__ import annotations

import math

import networkx as nx


def get_layout(graph: nx.Graph, *, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Node positions in pixels, deterministic from ``seed``.

    Small graphs get networkx's spring layout. From 500 nodes on, the spring layout runs on
    the graph's 2-core only (plus one root per tree-shaped component), and the trees that
    hang off it are placed around the node they hang from, ring by ring. Article graphs are
    mostly such trees (three quarters of a 10,000-node synthetic view are leaves), so this
    keeps a 10,000-node layout to seconds where a full spring layout takes about a minute.
    """
    simple: nx.Graph[str] = nx.Graph(graph.to_undirected(as_view=True))
    n = simple.number_of_nodes()
    if n == 0:
        return {}
    if n < 500:
        pos = nx.spring_layout(simple, seed=seed, iterations=50)
    else:
        pos = _core_and_trees_layout(simple, seed)
    scale = 80.0 * max(n, 4) ** 0.5
    return {node: (round(float(x) * scale, 1), round(float(y) * scale, 1)) for node, (x, y) in pos.items()}


def _core_and_trees_layout(simple: nx.Graph, seed: int) -> dict:
    """Spring layout of the 2-core (one root per tree-shaped component), then the trees ring by ring."""
    core = set(nx.k_core(simple, 2))
    for component in nx.connected_components(simple):
        if not component & core:  # a tree: lay it out from its best-connected node
            core.add(max(component, key=lambda node: (simple.degree(node), str(node))))
    # the core as a graph of its own, in the graph's order: the seeded layout depends on the
    # order of its nodes, and networkx's subgraph of a small part walks a set of them
    inner: nx.Graph[str] = nx.Graph()
    inner.add_nodes_from(node for node in simple if node in core)
    inner.add_edges_from((u, v) for u, v in simple.edges(list(inner)) if u in core and v in core)
    pos: dict = dict(nx.spring_layout(inner, seed=seed, iterations=12))
    spacing = 0.6 / max(len(core), 1) ** 0.5  # about a tenth of the mean distance between core nodes
    frontier = sorted(core, key=str)
    golden = math.pi * (3 - math.sqrt(5))
    while frontier:
        following = []
        for parent in frontier:
            children = sorted((m for m in simple[parent] if m not in pos), key=str)
            px, py = pos[parent]
            for i, child in enumerate(children):
                radius = spacing * (1 + 0.35 * math.sqrt(i))
                angle = i * golden
                pos[child] = (px + radius * math.cos(angle), py + radius * math.sin(angle))
            following.extend(children)
        frontier = following
    return pos
