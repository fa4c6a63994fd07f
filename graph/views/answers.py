"""The answer of a query drawn as a graph: :func:`get_query_graph` (the query has already run).

A CONSTRUCT brings its triples' claims and edges; a SELECT brings, row by row, the entities it
returns and those its parameters were bound to, the claims it names, the classes and external
terms in its rows, and the statements between them. An answer with nothing to draw says why
(the view's ``empty_note``), so no page is an empty picture without a word.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ketamine_kg.core import iris as ns
from ketamine_kg.core.curies import compact
from ketamine_kg.errors import KkgError
from ketamine_kg.views.graphs import add_class_node
from ketamine_kg.views.parts import MATCH_PREDICATES, get_text, local_name

MATCH_LABELS = {str(p): words for p, words in MATCH_PREDICATES.items()}


def get_query_graph(graph: nx.MultiDiGraph, result, *, name: str = "query", tbox: Graph | None = None,
                    bound: Iterable[str] = ()) -> nx.MultiDiGraph:
    """The answer of a query (a :class:`~ketamine_kg.core.terms.Result`) as a subgraph of ``graph``.

    A CONSTRUCT or DESCRIBE gives its triples: a claim node in them brings its edge,
    a triple between two entities brings the edges of that predicate (or, where no
    claim says it, an edge of its own). A SELECT draws its answer (:func:`_add_select_answer`):
    the entities it returns and those its parameters were ``bound`` to (IRIs), the claims it
    names, the classes and external terms in its rows, and the edges among them. An ASK has
    no graph and is refused. Where nothing of the answer can be drawn, the view's
    ``empty_note`` says why. Nodes and edges come in the order of ``graph``, whatever the
    order of the answer, so one answer gives one page.
    """
    view: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    view.graph.update(graph.graph, view="query", query=name, query_form=result.form)
    rdf_subject = str(RDF.subject)
    if result.form == "graph":
        by_key = {key: (u, v, data) for u, v, key, data in graph.edges(keys=True, data=True)}
        for s, p, o in result.triples:
            if p.value == rdf_subject and s.value in by_key:
                u, v, data = by_key[s.value]
                _copy_edge(graph, view, u, v, s.value, data)
        for s, p, o in result.triples:
            s_iri, o_iri = s.value, o.value if o.kind == "uri" else None
            if o_iri is not None and s_iri in graph and o_iri in graph and s_iri != o_iri:
                local = local_name(p.value)
                matching = [(k, d) for k, d in (graph.get_edge_data(s_iri, o_iri) or {}).items()
                            if d.get("predicate") == local and p.value.startswith(ns.ONTOLOGY)]
                for key, data in matching:
                    _copy_edge(graph, view, s_iri, o_iri, key, data)
                if not matching:
                    _copy_node(graph, view, s_iri)
                    _copy_node(graph, view, o_iri)
                    label = (get_text(tbox, URIRef(p.value), RDFS.label) if tbox is not None else None) or local.replace("_", " ")
                    key = f"query:{s_iri}|{p.value}|{o_iri}"
                    if not view.has_edge(s_iri, o_iri, key):
                        view.add_edge(s_iri, o_iri, key=key, predicate=local, label=label, modality="asserted",
                                      negated=False, inferred=False, claims=[])
            else:
                for iri in (s_iri, o_iri):
                    if iri is not None and iri in graph:
                        _copy_node(graph, view, iri)
    elif result.form == "select":
        _add_select_answer(graph, view, result, bound or (), tbox)
    else:
        raise KkgError(name, None, "an ASK query has no graph to draw: use SELECT or CONSTRUCT")
    if view.number_of_nodes() == 0:
        view.graph["empty_note"] = (
            f"The answer of {name} names no entity, claim, class or external term, so it is not a graph "
            f"(it is {'an empty answer' if not (result.rows or result.triples) else 'counts or values'}): read it as a table.")
    return _in_order_of(graph, view)


def _add_select_answer(graph: nx.MultiDiGraph, view: nx.MultiDiGraph, result, bound: Iterable[str], tbox: Graph | None) -> None:
    """Draw a SELECT answer into ``view``, row by row.

    Each row's entities become nodes, with the entities the parameters were bound to (the
    substance of ``receptors-of-substance``); a claim the row names (its IRI, or its id as a
    literal) brings its edge; a class of the ontology becomes a class node with an ``is a``
    edge from the row's entities (inferred where the reasoner put them there), and an
    external term (a ChEBI or MONDO IRI) a node of its own linked from them by the row's
    relation (``exact match``). Then every edge of ``graph`` between two drawn entities is added.
    """
    by_claim: dict[str, tuple] = {}
    for u, v, key, data in graph.edges(keys=True, data=True):
        for claim in data.get("claims", []):
            by_claim.setdefault(claim.get("iri", ""), (u, v, key, data))
            by_claim.setdefault(claim.get("id", ""), (u, v, key, data))
    by_claim.pop("", None)
    for iri in bound:
        if iri in graph:
            _copy_node(graph, view, iri)
    classes = {str(c) for c in tbox.subjects(RDF.type, OWL.Class)} if tbox is not None else set()
    relations = set(MATCH_LABELS) | ({str(p) for p in tbox.subjects(RDF.type, OWL.ObjectProperty)} if tbox is not None else set())
    for row in result.rows:
        terms = [t for t in row if t is not None]
        entities = [t.value for t in terms if t.kind == "uri" and t.value in graph]
        for iri in entities:
            _copy_node(graph, view, iri)
        for term in terms:
            if term.value in by_claim and term.value not in graph:
                _copy_edge(graph, view, *by_claim[term.value])
        relation = next((t.value for t in terms if t.kind == "uri" and t.value in relations), None)
        label_of = {t.value: t for t in terms if t.kind == "literal"}
        for term in terms:
            if term.kind != "uri" or term.value in graph or term.value in by_claim or term.value in relations or not entities:
                continue
            if term.value in classes and term.value.startswith(ns.ONTOLOGY):
                label = (get_text(tbox, URIRef(term.value), RDFS.label) if tbox is not None else None) or local_name(term.value)
                add_class_node(view, term.value, label, "class")
                for iri in entities:
                    inferred = [c for c in graph.nodes[iri].get("inferred_types", []) if c["iri"] == term.value]
                    claims = [{"id": c["id"], "iri": f"{term.value}|{c['id']}", "text": f"rests on: {c['text']} ({c['id']})",
                               "modality": "asserted", "negated": False, "section": "", "qualifiers": {}, "comment": "",
                               "quotes": []} for c in (inferred[0]["claims"] if inferred else [])]
                    key = f"query-type:{iri}|{term.value}"
                    if not view.has_edge(iri, term.value, key):
                        view.add_edge(iri, term.value, key=key, predicate="type", label="is a", modality="asserted",
                                      negated=False, inferred=bool(inferred), kind="inferred_type" if inferred else "type",
                                      claims=claims)
            elif not term.value.startswith(ns.BASE):
                if term.value not in view:
                    curie = compact(term.value) or term.value
                    names = [t.value for t in label_of.values() if t.value and t.value != curie]
                    view.add_node(term.value, label=curie, type="external", type_label="external term", iri=term.value,
                                  description=" · ".join(dict.fromkeys(names)), synonyms=[],
                                  links=[{"iri": term.value, "curie": curie, "label": "", "relation": "this term"}],
                                  facts=[], curator=[], inferred_types=[], shape_override="box")
                words = MATCH_LABELS.get(relation or "", "") or (local_name(relation).replace("_", " ") if relation else "related to")
                for iri in entities:
                    key = f"query-link:{iri}|{relation}|{term.value}"
                    if not view.has_edge(iri, term.value, key):
                        view.add_edge(iri, term.value, key=key, predicate=local_name(relation or "related"), label=words,
                                      modality="asserted", negated=False, inferred=False, kind="link", claims=[])
    for u, v, key, data in graph.edges(keys=True, data=True):
        if u in view and v in view and not view.has_edge(u, v, key):
            view.add_edge(u, v, key=key, **data)


def _in_order_of(graph: nx.MultiDiGraph, view: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``view`` with its nodes in the order of ``graph`` and its edges by (source, target, key)."""
    position = {node: i for i, node in enumerate(graph)}
    added = sorted(n for n in view if n not in position)  # classes and external terms an answer adds: last, by IRI
    position.update({node: len(graph) + i for i, node in enumerate(added)})
    ordered: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    ordered.graph.update(view.graph)
    for node in sorted(view, key=lambda n: position[n]):
        ordered.add_node(node, **view.nodes[node])
    for u, v, key, data in sorted(view.edges(keys=True, data=True), key=lambda e: (position[e[0]], position[e[1]], str(e[2]))):
        ordered.add_edge(u, v, key=key, **data)
    return ordered


def _copy_node(source: nx.MultiDiGraph, target: nx.MultiDiGraph, node: str) -> None:
    if node not in target:
        target.add_node(node, **source.nodes[node])


def _copy_edge(source, target, u, v, key, data) -> None:
    _copy_node(source, target, u)
    _copy_node(source, target, v)
    if not target.has_edge(u, v, key):
        target.add_edge(u, v, key=key, **data)
