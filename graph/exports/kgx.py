"""The Biolink KGX export of an article: nodes and edges TSV, one node per entity and one edge per claim between two entities.

- ``get_kgx(dataset, graph)``: the ``(nodes, edges)`` rows, read from the RDF graph so the
  two cannot disagree;
- ``get_kgx_context()``: the JSON-LD context of the project's CURIE prefixes, which the
  KGX validator reads next to Biolink's own (``kgx.config`` ``jsonld-context``);
- ``get_kgx_metadata(dataset)``: what the files are: Biolink release, knowledge source;
- ``to_kgx_tsv(rows, columns)`` and ``write_kgx(prefix, nodes, edges, ...)``: the files.

What KGX itself needs of the rows (checked with the ``kgx`` package in
``tests/test_kgx_tool.py``): every edge has its own ``id`` (KGX otherwise keys edges by
subject, predicate and object, and two claims with the same triple would collapse);
``negated`` is ``True`` or empty (KGX reads any non-empty cell as true); knowledge
sources are ``infores:`` CURIEs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from ketamine_kg.core import iris as ns
from ketamine_kg.core.atomic import write_text_atomic
from ketamine_kg.core.model import Dataset
from ketamine_kg.core.namespaces import BIOLINK
from ketamine_kg.errors import DataError
from ketamine_kg.load.snapshots import one_line, sort_key
from ketamine_kg.ontology.vocabulary import load_vocabulary
from ketamine_kg.rdf.abox import get_data_graph
from ketamine_kg.rdf.biolink import BIOLINK_VERSION, get_edge_predicate

NODE_COLUMNS = ("id", "category", "name", "description", "synonym", "xref", "provided_by")
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "category", "knowledge_level", "agent_type",
    "primary_knowledge_source", "publications", "supporting_text", "has_evidence", "negated",
    "original_predicate", "qualifiers",
)
# The project's own infores id. No registered Information Resource Registry entry covers
# this graph (a curation of one blog post), so it is minted the way the registry's ids are
# written (lower case, hyphens) and would be registered there before publication in
# Translator; the registry lists ids as `status: draft` until then.
KNOWLEDGE_SOURCE = "infores:ketamine-kg"
# The infores namespace, from the Information Resource Registry's LinkML schema
# (pip package information-resource-registry 1.1.5, schema/information_resource_registry.yaml).
INFORES = "https://w3id.org/biolink/infores/"
# Prefixes of the project that the KGX files use and Biolink's context lacks.
KGX_PREFIXES = ("kkg", "kkgc", "kkgs", "kkgo")


def get_kgx(dataset: Dataset, graph: Graph | None = None) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Return the Biolink KGX ``(nodes, edges)`` of ``dataset`` as rows of strings.

    One node per entity and one edge per claim that links two entities (claims with a
    literal value, such as a decade, have no object node and stay in the RDF only).
    Categories, knowledge level, agent type and negation are read from the RDF ``graph``
    (built if not given), so the KGX and the RDF cannot disagree. The edge predicate is the
    Biolink predicate our predicate aligns to (:mod:`ketamine_kg.rdf.biolink`); the original
    predicate is kept in ``original_predicate``.
    """
    vocab = dataset.vocabulary or load_vocabulary()
    graph = graph if graph is not None else get_data_graph(dataset, vocab)
    src = dataset.source
    source_curie = f"kkgs:{src.id}"
    biolink_iri = ns.PREFIXES["biolink"]
    exact: dict[str, list[str]] = {}
    for m in dataset.mappings:
        if not m.is_no_match and m.predicate == "skos:exactMatch":
            exact.setdefault(m.subject, []).append(m.object)
    nodes = []
    for entity in dataset.entities.values():
        node = URIRef(ns.entity_iri(entity.id))
        categories = sorted("biolink:" + str(c)[len(biolink_iri):] for c in graph.objects(node, BIOLINK.category))
        if not categories:
            raise DataError(None, None, f"entity {entity.id!r} has no biolink:category in the RDF graph")
        nodes.append({
            "id": f"kkg:{entity.id}",
            "category": _join(categories),
            "name": entity.label,
            "description": entity.description or "",
            "synonym": _join(entity.synonyms),
            "xref": _join(sorted(exact.get(entity.id, []), key=sort_key)),
            "provided_by": KNOWLEDGE_SOURCE,
        })
    edges = []
    for claim in dataset.claims:
        if claim.object is None:
            continue
        node = URIRef(ns.claim_iri(src.id, claim.id))
        qualifiers = []
        for key, value in sorted(claim.qualifiers.items()):
            value = f"kkg:{value}" if key in ("route", "procedure") else value
            qualifiers.append(f"kkgo:{key}={value}")
        edges.append({
            "id": f"kkgc:{src.id}/{claim.id}",
            "subject": f"kkg:{claim.subject}",
            "predicate": get_edge_predicate(claim.predicate, vocab),
            "object": f"kkg:{claim.object}",
            "category": "biolink:Association",
            "knowledge_level": str(graph.value(node, BIOLINK.knowledge_level)),
            "agent_type": str(graph.value(node, BIOLINK.agent_type)),
            "primary_knowledge_source": KNOWLEDGE_SOURCE,
            "publications": src.url or source_curie,
            "supporting_text": _join(ev.quote for ev in claim.evidence),
            "has_evidence": "ECO:0000034",
            # KGX reads any non-empty cell as true (bool("False")): only a true value is written
            "negated": "True" if _is_negated(graph, node) else "",
            "original_predicate": f"kkgo:{claim.predicate}",
            "qualifiers": _join(qualifiers),
        })
    return nodes, edges


def _is_negated(graph: Graph, node: URIRef) -> bool:
    value = graph.value(node, BIOLINK.negated)
    return isinstance(value, Literal) and bool(value.toPython())


def _join(values: Iterable[str]) -> str:
    items = [one_line(v) for v in values]
    for item in items:
        if "|" in item:
            raise DataError(None, None, f"cannot write {item!r} to a KGX list column: it contains '|'")
    return "|".join(items)


def get_kgx_context() -> dict[str, dict[str, str]]:
    """The JSON-LD context of the prefixes the KGX files use beyond Biolink's own context.

    >>> get_kgx_context()["@context"]["kkg"]
    'https://w3id.org/ketamine-kg/entity/'
    """
    prefixes = {p: ns.PREFIXES[p] for p in KGX_PREFIXES}
    prefixes["infores"] = INFORES
    return {"@context": prefixes}


def get_kgx_metadata(dataset: Dataset, nodes: int, edges: int) -> dict[str, object]:
    """What the KGX files hold and which Biolink release they are written for."""
    return {
        "biolink_version": BIOLINK_VERSION,
        "knowledge_source": KNOWLEDGE_SOURCE,
        "source": f"kkgs:{dataset.source.id}",
        "source_url": dataset.source.url or None,
        "nodes": nodes,
        "edges": edges,
    }


def to_kgx_tsv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    """One KGX TSV file: a header of ``columns``, then one line per row (no quoting)."""
    lines = ["\t".join(columns)]
    lines += ["\t".join(one_line(row.get(c, "")) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def write_kgx(prefix: Path | str, nodes: list[dict[str, str]], edges: list[dict[str, str]],
              metadata: dict[str, object] | None = None) -> tuple[Path, Path]:
    """Write ``PREFIX_nodes.tsv``, ``PREFIX_edges.tsv``, ``PREFIX_context.jsonld`` and ``PREFIX_metadata.json``.

    Each file is written atomically; the two TSV paths are returned.
    """
    prefix = Path(prefix)
    node_path = prefix.with_name(prefix.name + "_nodes.tsv")
    edge_path = prefix.with_name(prefix.name + "_edges.tsv")
    node_text, edge_text = to_kgx_tsv(nodes, NODE_COLUMNS), to_kgx_tsv(edges, EDGE_COLUMNS)
    write_text_atomic(node_path, node_text)
    write_text_atomic(edge_path, edge_text)
    write_text_atomic(prefix.with_name(prefix.name + "_context.jsonld"), json.dumps(get_kgx_context(), indent=1) + "\n")
    if metadata is not None:
        write_text_atomic(prefix.with_name(prefix.name + "_metadata.json"), json.dumps(metadata, indent=1) + "\n")
    return node_path, edge_path
