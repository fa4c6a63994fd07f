"""Reading back the N-Quads a build wrote, as the build's own rdflib Dataset."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph
from rdflib.namespace import NamespaceManager


class _KeptBlankNodes(dict):
    """A blank-node context for rdflib's N-Quads parser that keeps each node's label (``_:x`` stays ``x``)."""

    def __missing__(self, label: str) -> Any:
        node = self[label] = BNode(label)
        return node

    def get(self, label: str, default: Any = None) -> Any:  # the parser asks with get()
        """The node labelled ``label``, made on first use."""
        return self[label]


def read_nquads_dataset(path: Path, prefixes: Iterable[tuple[str, str]]) -> Dataset:
    """The Dataset of the N-Quads file ``path``, bound to ``prefixes``: named graphs and blank-node labels kept.

    Triples are added graph by graph in a fixed order, as the build adds them, so every
    serialisation is the same bytes as the build's.
    """
    parsed = Dataset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's N-Quads reader uses its own deprecated names
        parsed.parse(str(path), format="nquads", bnode_context=_KeptBlankNodes())
    rdf_dataset = Dataset()
    rdf_dataset.namespace_manager = NamespaceManager(rdf_dataset, bind_namespaces="none")
    for prefix, iri in prefixes:
        rdf_dataset.bind(prefix, iri, override=True, replace=True)
    for graph in sorted(parsed.graphs(), key=lambda g: str(g.identifier)):
        if not len(graph):
            continue
        target: Graph = rdf_dataset.graph(graph.identifier)
        for triple in sorted(graph, key=lambda triple: tuple(term.n3() for term in triple)):
            target.add(triple)
    return rdf_dataset
