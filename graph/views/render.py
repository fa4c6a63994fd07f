"""Interactive HTML views of the graph: build a networkx view, then write one offline page.

Two steps, kept apart so each can be tested alone:

- ``get_view_graph(rdf_dataset, view, ...)`` reads the built RDF and returns a
  :class:`networkx.MultiDiGraph` for one view: the whole ``article`` graph, the
  neighbourhood of one entity (``focus`` and ``depth``), the answer to a SPARQL
  ``query`` (the subgraph of a CONSTRUCT, the entities of a SELECT) or the ``ontology``
  (classes, their hierarchy and the properties between them). Edges come from the
  claim nodes (``rdf:subject``, ``rdf:predicate``, ``rdf:object``), one edge per claim,
  so hedged and negated claims are drawn too, each with its modality, quotes and
  section; ``include_inferred`` adds the reasoner's triples as edges of their own.
- ``to_html(graph)`` turns such a graph into one self-contained HTML page with pyvis
  and our own template: vis-network inline, no request to any server, colour and
  shape by type with a legend, edge style by modality, a search box, type filters and
  a panel showing the claims and quotes behind whatever is clicked or hovered.

Every text from the data reaches the page as JSON data and is put into the page with
``textContent``, never as markup, so a quote holding ``<script>`` shows as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ketamine_kg.core import iris as ns
from ketamine_kg.errors import KkgError
from ketamine_kg.core.namespaces import KKGO, OA, ONTOLOGY_GRAPH
from ketamine_kg.rdf.abox import MODALITY_INDIVIDUALS

# From this many nodes on, the layout is computed in Python and physics stays off.
LARGE_GRAPH = 1000  # from here on, positions are computed in advance and physics is off
MEDIUM_GRAPH = 200  # from here on, physics starts from a precomputed layout and settles in fewer steps
MODALITY_BY_INDIVIDUAL = {name: key for key, name in MODALITY_INDIVIDUALS.items()}
MATCH_PREDICATES = {
    SKOS.exactMatch: "exact match",
    SKOS.closeMatch: "close match",
    SKOS.broadMatch: "broader term",
    SKOS.narrowMatch: "narrower term",
    SKOS.relatedMatch: "related term",
    OWL.equivalentClass: "equivalent class",
    OWL.equivalentProperty: "equivalent property",
    RDFS.subClassOf: "subclass of",
    RDFS.subPropertyOf: "subproperty of",
    RDFS.seeAlso: "see also",
}
QUALIFIER_KEYS = ("onset", "duration", "frequency", "population", "time", "purpose", "route", "procedure")

# Edge style by modality: dash pattern for vis-network (False draws a solid line).
MODALITY_STYLES = {
    "asserted": {"label": "asserted", "dashes": False},
    "hedged": {"label": "hedged (may, might, suggests)", "dashes": [10, 6]},
    "under_investigation": {"label": "under investigation", "dashes": [2, 6]},
    "speculative": {"label": "speculative", "dashes": [14, 5, 2, 5]},
}
STATED_COLOUR = "#4a4a4a"
INFERRED_COLOUR = "#8e6fd8"
NEGATED_COLOUR = "#c0392b"
ONTOLOGY_EDGE_COLOURS = {"subclass": "#7f7f7f", "property": STATED_COLOUR}

# Node style by type: (colour, vis-network shape). A type not listed takes its nearest
# listed ancestor's style; a type with none gets a colour from FALLBACK_COLOURS.
TYPE_STYLES = {
    "chemical_entity": ("#1f77b4", "dot"),
    "substance": ("#1f77b4", "dot"),
    "neurotransmitter": ("#6baed6", "dot"),
    "receptor": ("#17becf", "triangle"),
    "biological_process": ("#8c564b", "hexagon"),
    "effect": ("#2ca02c", "diamond"),
    "therapeutic_effect": ("#2ca02c", "diamond"),
    "adverse_effect": ("#ff7f0e", "diamond"),
    "cognitive_effect": ("#d62728", "diamond"),
    "clinical_characteristic": ("#bcbd22", "star"),
    "indication": ("#9467bd", "square"),
    "disorder": ("#9467bd", "square"),
    "symptom": ("#c5b0d5", "square"),
    "procedure": ("#e377c2", "triangleDown"),
    "formulation": ("#7fbfbf", "triangleDown"),
    "organisation": ("#7f7f7f", "square"),
    "regulatory_approval": ("#f2b701", "star"),
    # the provenance layer of the ontology view
    "provenance": ("#c7c7c7", "box"),
}
FALLBACK_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354", "#756bb1")


@dataclass(frozen=True)
class Parts:
    """The named graphs of a built dataset, ready to read."""

    data: object  # stated triples (all sources)
    inferred: object  # the reasoner's triples (possibly empty)
    tbox: Graph  # the ontology
    everything: object  # all of the above


def get_parts(rdf_dataset) -> Parts:
    """Split an rdflib Dataset from :func:`ketamine_kg.rdf.get_rdf_dataset` into its parts."""
    stated, inferred, tbox = [], [], Graph()
    for graph in rdf_dataset.graphs():
        name = str(graph.identifier)
        if graph.identifier == ONTOLOGY_GRAPH:
            tbox = graph
        elif name.endswith("/inferred"):
            inferred.append(graph)
        elif name.startswith(ns.GRAPH):
            stated.append(graph)
    empty = Graph()
    data = ReadOnlyGraphAggregate(stated or [empty])
    inferred_graph = ReadOnlyGraphAggregate(inferred or [empty])
    everything = ReadOnlyGraphAggregate(stated + inferred + [tbox])
    return Parts(data=data, inferred=inferred_graph, tbox=tbox, everything=everything)


# --- reading the RDF ---------------------------------------------------------------


def _text(graph, node, predicate) -> str | None:
    """The English (or untagged) literal value of ``predicate`` on ``node``."""
    best = None
    for value in graph.objects(node, predicate):
        if isinstance(value, Literal):
            if value.language in (None, "en"):
                return str(value)
            best = best or str(value)
    return best


def _local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


@cache
def _prefix_pairs() -> tuple[tuple[str, str], ...]:
    from ketamine_kg.core.curies import prefix_table

    pairs = {iri: prefix for prefix, (iri, _) in prefix_table().items()}
    pairs.update({iri: prefix for prefix, iri in ns.PREFIXES.items()})
    return tuple(sorted(((iri, p) for iri, p in pairs.items() if iri), key=lambda x: -len(x[0])))


def to_curie(iri: str) -> str:
    """A CURIE for ``iri`` from the project's prefix map, or the IRI itself.

    >>> to_curie("http://purl.obolibrary.org/obo/CHEBI_6121")
    'CHEBI:6121'
    >>> to_curie("https://example.org/x")
    'https://example.org/x'
    """
    for base, prefix in _prefix_pairs():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri


def is_web_link(iri: str) -> bool:
    """Whether ``iri`` may be a link on the page (http or https only, never ``javascript:``).

    >>> is_web_link("https://www.wikidata.org/wiki/Q243547"), is_web_link("javascript:alert(1)")
    (True, False)
    """
    return iri.lower().startswith(("https://", "http://"))


def _external_links(graph, node) -> list[dict]:
    """Links from ``node`` to terms outside the project (SKOS matches, alignments)."""
    links = []
    for predicate, relation in MATCH_PREDICATES.items():
        for target in graph.objects(node, predicate):
            iri = str(target)
            if not isinstance(target, URIRef) or iri.startswith(ns.BASE) or target == OWL.Thing or not is_web_link(iri):
                continue
            curie = _text(graph, target, DCTERMS.identifier) or to_curie(iri)
            label = _text(graph, target, RDFS.label)
            links.append({"iri": iri, "curie": curie, "label": label or "", "relation": relation})
    return sorted(links, key=lambda link: (link["relation"] != "exact match", link["curie"]))


@dataclass
class TypeIndex:
    """The entity classes of the ontology: type id, label, parent, depth."""

    by_class: dict[URIRef, str]
    labels: dict[str, str]
    parents: dict[str, str | None]

    def depth(self, type_id: str) -> int:
        depth, current = 0, self.parents.get(type_id)
        while current is not None and depth < 50:
            depth, current = depth + 1, self.parents.get(current)
        return depth

    def most_specific(self, classes) -> str | None:
        known = [self.by_class[c] for c in classes if c in self.by_class]
        return max(known, key=lambda t: (self.depth(t), t)) if known else None


def get_type_index(tbox: Graph) -> TypeIndex:
    """Read the classes of the ontology graph, keyed by type id (``TherapeuticEffect`` -> ``therapeutic_effect``)."""
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    by_name = {t.class_name: t.id for t in load_vocabulary().types.values()}
    by_class: dict[URIRef, str] = {}
    for cls in tbox.subjects(RDF.type, OWL.Class):
        if isinstance(cls, URIRef) and str(cls).startswith(ns.ONTOLOGY):
            name = str(cls)[len(ns.ONTOLOGY):]
            by_class[cls] = by_name.get(name, name)
    labels = {tid: _text(tbox, cls, RDFS.label) or tid for cls, tid in by_class.items()}
    parents: dict[str, str | None] = {}
    for cls, tid in by_class.items():
        parent = next((by_class[p] for p in tbox.objects(cls, RDFS.subClassOf) if p in by_class), None)
        parents[tid] = parent
    return TypeIndex(by_class=by_class, labels=labels, parents=parents)


def _evidence(graph, claim) -> list[dict]:
    quotes = []
    for ann in sorted(graph.objects(claim, KKGO.hasEvidence), key=str):
        section = graph.value(ann, KKGO.section)
        for target in graph.objects(ann, OA.hasTarget):
            for selector in graph.objects(target, OA.hasSelector):
                exact = graph.value(selector, OA.exact)
                if exact is not None:
                    quotes.append({"text": str(exact), "section": _text(graph, section, RDFS.label) or ""})
    return quotes


def _claim_record(graph, claim, predicate_label: str) -> dict:
    modality = graph.value(claim, KKGO.modality)
    polarity = graph.value(claim, KKGO.polarity)
    qualifiers = {}
    for key in QUALIFIER_KEYS:
        value = graph.value(claim, KKGO[key])
        if value is not None:
            qualifiers[key] = _text(graph, value, RDFS.label) or str(value) if isinstance(value, URIRef) else str(value)
    section = graph.value(claim, KKGO.section)
    return {
        "id": _text(graph, claim, DCTERMS.identifier) or _local_name(str(claim)),
        "iri": str(claim),
        "text": _text(graph, claim, RDFS.label) or predicate_label,
        "modality": MODALITY_BY_INDIVIDUAL.get(_local_name(str(modality)), "asserted") if modality else "asserted",
        "negated": polarity is not None and str(polarity).endswith("Negative"),
        "section": _text(graph, section, RDFS.label) or "" if section is not None else "",
        "qualifiers": qualifiers,
        "comment": _text(graph, claim, RDFS.comment) or "",
        "quotes": _evidence(graph, claim),
    }


def _predicate_label(parts: Parts, predicate: URIRef) -> str:
    return _text(parts.tbox, predicate, RDFS.label) or _local_name(str(predicate)).replace("_", " ")


def _add_entity(graph: nx.MultiDiGraph, parts: Parts, types: TypeIndex, node: URIRef) -> None:
    data = parts.data
    type_id = types.most_specific(list(data.objects(node, RDF.type)) + list(parts.inferred.objects(node, RDF.type)))
    type_id = type_id or "thing"
    facts = []
    for predicate, value in data.predicate_objects(node):
        if isinstance(value, Literal) and str(predicate).startswith(ns.ONTOLOGY):
            stmt = URIRef(f"{node}/attribute/{_local_name(str(predicate))}")
            if (stmt, RDF.type, RDF.Statement) not in data:
                continue  # the plain triple of a claim: shown with its claim
            facts.append({"text": f"{_predicate_label(parts, predicate)}: {value}",
                          "source": _text(data, stmt, DCTERMS.source) or "", "quotes": [], "modality": "asserted"})
    graph.add_node(
        str(node),
        label=_text(data, node, RDFS.label) or _local_name(str(node)),
        type=type_id,
        type_label=types.labels.get(type_id, type_id.replace("_", " ")),
        iri=str(node),
        description=_text(data, node, SKOS.definition) or "",
        synonyms=sorted(str(s) for s in data.objects(node, SKOS.altLabel)),
        links=_external_links(data, node),
        facts=facts,
    )


def get_article_graph(rdf_dataset, *, include_inferred: bool = False) -> nx.MultiDiGraph:
    """The whole graph of the article: every entity, one edge per claim between two entities.

    A claim with a literal value (``developed in 1960s``) becomes a fact of its subject
    node. With ``include_inferred``, triples the reasoner inferred between entities are
    added as edges marked ``inferred`` (not those a stated edge already implies).
    """
    parts = rdf_dataset if isinstance(rdf_dataset, Parts) else get_parts(rdf_dataset)
    types = get_type_index(parts.tbox)
    data = parts.data
    graph = nx.MultiDiGraph(view="article")
    source = next(iter(data.subjects(RDF.type, KKGO.SourceDocument)), None)
    if source is not None:
        graph.graph["title"] = _text(data, source, RDFS.label) or ""
    entities = sorted({s for s in data.subjects(RDF.type, OWL.NamedIndividual)
                       if isinstance(s, URIRef) and str(s).startswith(ns.ENTITY)}, key=str)
    for node in entities:
        _add_entity(graph, parts, types, node)
    claims = sorted(data.subjects(RDF.type, KKGO.Claim),
                    key=lambda c: (int(data.value(c, KKGO.order) or 0), str(c)))
    plain = set()
    for claim in claims:
        subject, predicate, obj = (data.value(claim, p) for p in (RDF.subject, RDF.predicate, RDF.object))
        if subject is None or predicate is None or obj is None or str(subject) not in graph:
            continue
        label = _predicate_label(parts, predicate)
        record = _claim_record(data, claim, label)
        if isinstance(obj, Literal):
            record["text"] = f"{label}: {obj}" + ("" if record["modality"] == "asserted" else f" ({record['modality'].replace('_', ' ')})")
            graph.nodes[str(subject)]["facts"].append(record)
            continue
        if str(obj) not in graph:
            continue
        graph.add_edge(str(subject), str(obj), key=record["iri"], predicate=_local_name(str(predicate)),
                       label=("not: " + label) if record["negated"] else label, modality=record["modality"],
                       negated=record["negated"], inferred=False, claims=[record])
        if record["modality"] == "asserted" and not record["negated"]:
            plain.add((str(subject), str(predicate), str(obj)))
    if include_inferred:
        _add_inferred_edges(graph, parts, plain)
    return graph


def _add_inferred_edges(graph: nx.MultiDiGraph, parts: Parts, stated: set) -> None:
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    vocab = load_vocabulary()

    def ancestors(pred_id: str) -> set[str]:
        found, current = set(), vocab.predicates[pred_id].parent
        while current and current not in found:
            found.add(current)
            current = vocab.predicates[current].parent
        return found

    triples = sorted((s, p, o) for s, p, o in parts.inferred if isinstance(o, URIRef)
                     and str(p).startswith(ns.ONTOLOGY) and _local_name(str(p)) in vocab.predicates)
    for subject, predicate, obj in triples:
        s, o, pred_id = str(subject), str(obj), _local_name(str(predicate))
        if s not in graph or o not in graph or s == o or (s, str(predicate), o) in stated:
            continue
        # Leave out what an edge already drawn implies (antagonist_of implies binds).
        drawn = {d["predicate"] for _, v, d in graph.out_edges(s, data=True) if v == o}
        if pred_id in drawn or any(pred_id in ancestors(d) for d in drawn if d in vocab.predicates):
            continue
        label = _predicate_label(parts, predicate)
        graph.add_edge(s, o, key=f"inferred:{s}|{pred_id}|{o}", predicate=pred_id, label=label, modality="asserted",
                       negated=False, inferred=True, claims=[])


def get_focus_graph(graph: nx.MultiDiGraph, focus: str, depth: int = 1) -> nx.MultiDiGraph:
    """The entities at most ``depth`` steps from ``focus`` (either direction) and the edges between them.

    ``focus`` may be an entity id, IRI, CURIE, label or synonym (case does not matter).
    """
    if depth < 0:
        raise KkgError(None, None, f"--depth must be 0 or more, not {depth}")
    centre = find_node(graph, focus)
    keep = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), centre, cutoff=depth)
    view = graph.subgraph(keep).copy()
    view.graph.update(graph.graph, view="focus", focus=centre, depth=depth)
    view.nodes[centre]["focus"] = True
    return view


def find_node(graph: nx.MultiDiGraph, name: str) -> str:
    """The node ``name`` stands for: an id, IRI, ``kkg:`` CURIE, label or synonym."""
    wanted = name.strip()
    candidates = [wanted, ns.entity_iri(wanted), ns.ENTITY + wanted.removeprefix("kkg:")]
    for candidate in candidates:
        if candidate in graph:
            return candidate
    folded = wanted.casefold()
    for node, data in graph.nodes(data=True):
        names = [data.get("label", "")] + list(data.get("synonyms", []))
        if folded in (n.casefold() for n in names) or folded == _local_name(node).casefold():
            return node
    close = sorted(data.get("label", node) for node, data in graph.nodes(data=True)
                   if folded[:4] and folded[:4] in data.get("label", "").casefold())
    hint = f"; did you mean {', '.join(repr(c) for c in close[:5])}?" if close else ""
    raise KkgError(None, None, f"no entity {name!r} in the graph{hint}")




def get_query_graph(graph: nx.MultiDiGraph, result, *, name: str = "query", tbox: Graph | None = None) -> nx.MultiDiGraph:
    """The answer of a query (a :class:`~ketamine_kg.results.Result`) as a subgraph of ``graph``.

    A CONSTRUCT or DESCRIBE gives its triples: a claim node in them brings its edge,
    a triple between two entities brings the edges of that predicate (or, where no
    claim says it, an edge of its own). A SELECT gives the entities it returns and the
    edges among them. An ASK has no graph and is refused.
    """
    view = nx.MultiDiGraph()
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
            if s_iri in graph and o_iri in graph and s_iri != o_iri:
                local = _local_name(p.value)
                matching = [(k, d) for k, d in graph.get_edge_data(s_iri, o_iri, default={}).items()
                            if d.get("predicate") == local and p.value.startswith(ns.ONTOLOGY)]
                for key, data in matching:
                    _copy_edge(graph, view, s_iri, o_iri, key, data)
                if not matching:
                    _copy_node(graph, view, s_iri)
                    _copy_node(graph, view, o_iri)
                    label = (_text(tbox, URIRef(p.value), RDFS.label) if tbox is not None else None) or local.replace("_", " ")
                    key = f"query:{s_iri}|{p.value}|{o_iri}"
                    if not view.has_edge(s_iri, o_iri, key):
                        view.add_edge(s_iri, o_iri, key=key, predicate=local, label=label, modality="asserted",
                                      negated=False, inferred=False, claims=[])
            else:
                for iri in (s_iri, o_iri):
                    if iri in graph:
                        _copy_node(graph, view, iri)
    elif result.form == "select":
        for row in result.rows:
            for term in row:
                if term is not None and term.kind == "uri" and term.value in graph:
                    _copy_node(graph, view, term.value)
        for u, v, key, data in graph.edges(keys=True, data=True):
            if u in view and v in view:
                view.add_edge(u, v, key=key, **data)
    else:
        raise KkgError(name, None, "an ASK query has no graph to draw: use SELECT or CONSTRUCT")
    return view


def _copy_node(source: nx.MultiDiGraph, target: nx.MultiDiGraph, node: str) -> None:
    if node not in target:
        target.add_node(node, **source.nodes[node])


def _copy_edge(source, target, u, v, key, data) -> None:
    _copy_node(source, target, u)
    _copy_node(source, target, v)
    if not target.has_edge(u, v, key):
        target.add_edge(u, v, key=key, **data)


def get_ontology_graph(rdf_dataset) -> nx.MultiDiGraph:
    """The ontology: one node per class, ``is a`` edges, and properties from domain to range.

    Properties whose domain or range is a union of classes get one edge per pair.
    """
    parts = rdf_dataset if isinstance(rdf_dataset, Parts) else get_parts(rdf_dataset)
    tbox, data = parts.tbox, parts.data
    types = get_type_index(tbox)
    graph = nx.MultiDiGraph(view="ontology", title="ketamine-kg ontology")
    counts: dict[str, int] = {}
    for node in set(data.subjects(RDF.type, OWL.NamedIndividual)):
        type_id = types.most_specific(list(data.objects(node, RDF.type)))
        if type_id:
            counts[type_id] = counts.get(type_id, 0) + 1
    provenance_ids = {types.by_class.get(KKGO[n]) for n in ("Claim", "SourceDocument", "Section", "Modality", "Polarity")}
    for cls, type_id in sorted(types.by_class.items(), key=lambda x: x[1]):
        style_type = "provenance" if type_id in provenance_ids else type_id
        graph.add_node(str(cls), label=types.labels[type_id], type=style_type,
                       type_label="provenance class" if style_type == "provenance" else types.labels[type_id],
                       iri=str(cls), description=_text(tbox, cls, SKOS.definition) or _text(tbox, cls, RDFS.comment) or "",
                       synonyms=[], links=_external_links(tbox, cls), facts=[
                           {"text": f"{counts.get(type_id, 0)} entities of this class in the data", "quotes": [],
                            "modality": "asserted", "source": ""}] if style_type != "provenance" else [],
                       shape_override="box")
        for parent in tbox.objects(cls, RDFS.subClassOf):
            if parent in types.by_class:
                graph.add_edge(str(cls), str(parent), key=f"subclass:{cls}", predicate="subClassOf", label="is a",
                               modality="asserted", negated=False, inferred=False, claims=[], kind="subclass")
    for prop in sorted(tbox.subjects(RDF.type, OWL.ObjectProperty), key=str):
        domains = _class_set(tbox, tbox.value(prop, RDFS.domain))
        ranges = _class_set(tbox, tbox.value(prop, RDFS.range))
        label = _text(tbox, prop, RDFS.label) or _local_name(str(prop))
        definition = _text(tbox, prop, SKOS.definition) or ""
        for d in domains:
            for r in ranges:
                if str(d) in graph and str(r) in graph:
                    graph.add_edge(str(d), str(r), key=f"{prop}|{d}|{r}", predicate=_local_name(str(prop)), label=label,
                                   modality="asserted", negated=False, inferred=False, kind="property",
                                   claims=[{"id": _local_name(str(prop)), "iri": str(prop), "text": f"{label}: {definition}",
                                            "modality": "asserted", "negated": False, "section": "", "qualifiers": {},
                                            "comment": "", "quotes": [], "links": _external_links(tbox, prop)}])
    return graph


def _class_set(tbox: Graph, node) -> list:
    """The classes a domain or range names: one class, or the members of an ``owl:unionOf``."""
    if node is None:
        return []
    union = tbox.value(node, OWL.unionOf)
    if union is not None:
        from rdflib.collection import Collection

        return list(Collection(tbox, union))
    return [node]




# --- the page ------------------------------------------------------------------------


def get_view_fingerprint(graph: nx.MultiDiGraph) -> str:
    """A short hash of what a view shows: its nodes (label, type) and edges (label, modality).

    A picture taken of a view records this, so a test can tell when the picture is stale.
    """
    import hashlib

    nodes = sorted(f"{n}|{d.get('label')}|{d.get('type')}" for n, d in graph.nodes(data=True))
    edges = sorted(f"{u}|{v}|{d.get('label')}|{d.get('modality')}" for u, v, d in graph.edges(data=True))
    return hashlib.sha256("\n".join(nodes + ["--"] + edges).encode("utf-8")).hexdigest()[:16]


def get_type_style(type_id: str, parents: dict[str, str | None] | None = None) -> tuple[str, str]:
    """The (colour, shape) of a node of ``type_id``: its own, its nearest styled ancestor's, or a fallback.

    >>> get_type_style("substance")
    ('#1f77b4', 'dot')
    >>> get_type_style("antibody", {"antibody": "receptor"})
    ('#17becf', 'triangle')
    """
    current, seen = type_id, set()
    while current and current not in seen:
        if current in TYPE_STYLES:
            return TYPE_STYLES[current]
        seen.add(current)
        current = (parents or {}).get(current)
    colour = FALLBACK_COLOURS[sum(map(ord, type_id)) % len(FALLBACK_COLOURS)]
    return colour, "dot"


def get_layout(graph: nx.Graph, *, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Node positions in pixels, deterministic from ``seed``.

    Small graphs get networkx's spring layout. From 500 nodes on, the spring layout runs on
    the graph's 2-core only (plus one root per tree-shaped component), and the trees that
    hang off it are placed around the node they hang from, ring by ring. Article graphs are
    mostly such trees (three quarters of a 10,000-node synthetic view are leaves), so this
    keeps a 10,000-node layout to seconds where a full spring layout takes about a minute.
    """
    simple = nx.Graph(graph.to_undirected(as_view=True))
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
    import math

    core = set(nx.k_core(simple, 2))
    for component in nx.connected_components(simple):
        if not component & core:  # a tree: lay it out from its best-connected node
            core.add(max(component, key=lambda node: (simple.degree(node), str(node))))
    pos = dict(nx.spring_layout(simple.subgraph(core), seed=seed, iterations=12))
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


def _vis_options(physics: bool, large: bool, directed_view: str, n_nodes: int = 0) -> dict:
    options = {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": not large},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": large, "hideEdgesOnZoom": large,
                        "multiselect": False, "navigationButtons": False, "keyboard": False},
        "nodes": {"size": 16, "borderWidth": 1.5, "font": {"size": 18, "face": "sans-serif", "color": "#222",
                                                          "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}, "width": 1.6,
                  "font": {"size": 13, "align": "middle", "color": "#333", "strokeWidth": 3, "strokeColor": "#fff"},
                  "smooth": False if large else {"enabled": True, "type": "dynamic"},
                  "selectionWidth": 2.5, "hoverWidth": 1.5},
    }
    if physics:
        options["physics"] = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -110, "centralGravity": 0.012, "springLength": 130,
                                 "springConstant": 0.06, "avoidOverlap": 0.6, "damping": 0.55},
            "maxVelocity": 60, "minVelocity": 1.0,
            "stabilization": {"enabled": True, "iterations": 600 if n_nodes < MEDIUM_GRAPH else 150 if n_nodes < 800 else 60,
                              "updateInterval": 50, "fit": True},
        }
    else:
        options["physics"] = {"enabled": False}
    return options


def to_html(graph: nx.MultiDiGraph, *, title: str | None = None, layout: str = "auto", subtitle: str = "",
            links: list[tuple[str, str]] | None = None) -> str:
    """One self-contained HTML page showing ``graph`` (from :func:`get_view_graph`).

    ``layout`` is ``physics`` (vis-network settles the layout, then physics stops so the
    picture stays put), ``precomputed`` (networkx positions, physics off) or ``auto``:
    precomputed from :data:`LARGE_GRAPH` nodes on, physics below (started from a precomputed
    layout from :data:`MEDIUM_GRAPH` nodes on, so it settles quickly). Nodes that already have
    ``x`` and ``y`` keep them. ``links`` are (text, href) pairs for the page header.
    """
    from pyvis.network import Network

    if layout not in ("auto", "physics", "precomputed"):
        raise KkgError(None, None, f"unknown layout {layout!r} (auto, physics, precomputed)")
    n_nodes = graph.number_of_nodes()
    large = n_nodes >= LARGE_GRAPH
    precomputed = layout == "precomputed" or (layout == "auto" and large)
    positions = {}
    if all("x" in d and "y" in d for _, d in graph.nodes(data=True)) and n_nodes:
        positions = {n: (d["x"], d["y"]) for n, d in graph.nodes(data=True)}
        precomputed = layout != "physics"
    elif precomputed or n_nodes >= MEDIUM_GRAPH:
        # Medium graphs start physics from networkx's layout so they settle in a few seconds.
        positions = get_layout(graph)
    parents = _type_parents()
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", heading="")
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    details_nodes, details_edges, types_seen = {}, {}, {}
    for node, data in graph.nodes(data=True):
        type_id = data.get("type", "thing")
        colour, shape = get_type_style(type_id, parents)
        if data.get("shape_override"):
            shape = data["shape_override"]
        types_seen[type_id] = {"type": type_id, "label": data.get("type_label", type_id), "colour": colour, "shape": shape}
        options = {"color": {"background": colour, "border": _darker(colour),
                             "highlight": {"background": colour, "border": "#000000"},
                             "hover": {"background": colour, "border": "#000000"}},
                   "kkgType": type_id}
        if shape == "box":
            options["font"] = {"color": "#111", "strokeWidth": 0}
        if data.get("focus"):
            options.update(size=24, borderWidth=3)
        if node in positions:
            options.update(x=positions[node][0], y=positions[node][1])
        net.add_node(ids[node], label=str(data.get("label", node)), shape=shape, **options)
        details_nodes[ids[node]] = {
            "label": str(data.get("label", node)), "type": data.get("type_label", type_id), "typeId": type_id,
            "iri": data.get("iri", node), "description": data.get("description", ""),
            "synonyms": list(data.get("synonyms", [])), "links": [l for l in data.get("links", []) if is_web_link(l["iri"])],
            "facts": list(data.get("facts", [])),
        }
    pair_count: dict[frozenset, int] = {}
    modalities_seen, inferred_seen, negated_seen = set(), False, False
    for i, (u, v, key, data) in enumerate(graph.edges(keys=True, data=True)):
        eid = f"e{i}"
        modality = data.get("modality", "asserted")
        style = MODALITY_STYLES.get(modality, MODALITY_STYLES["asserted"])
        modalities_seen.add(modality)
        inferred, negated = bool(data.get("inferred")), bool(data.get("negated"))
        inferred_seen |= inferred
        negated_seen |= negated
        colour = INFERRED_COLOUR if inferred else NEGATED_COLOUR if negated else ONTOLOGY_EDGE_COLOURS.get(
            data.get("kind", ""), STATED_COLOUR)
        options = {"id": eid, "label": str(data.get("label", "")), "dashes": style["dashes"],
                   "color": {"color": colour, "highlight": "#000000", "hover": "#000000"},
                   "width": 1.2 if inferred else 1.8, "kkgModality": modality, "kkgInferred": inferred}
        if data.get("kind") == "subclass":
            options.update(arrows={"to": {"enabled": True, "type": "triangle", "scaleFactor": 0.9}}, width=2.4)
        pair = frozenset((u, v))
        k = pair_count.get(pair, 0)
        pair_count[pair] = k + 1
        if k and not large:
            options["smooth"] = {"enabled": True, "type": "curvedCW" if k % 2 else "curvedCCW",
                                 "roundness": 0.18 * ((k + 1) // 2)}
        net.add_edge(ids[u], ids[v], **options)
        details_edges[eid] = {"label": str(data.get("label", "")), "from": details_nodes[ids[u]]["label"],
                              "to": details_nodes[ids[v]]["label"], "modality": modality, "inferred": inferred,
                              "negated": negated, "claims": list(data.get("claims", []))}
    physics = not precomputed
    net.options = _vis_options(physics, large, graph.graph.get("view", ""), n_nodes)
    nodes, edges, _, _, _, options_json = net.get_network_data()
    legend_types = sorted(types_seen.values(), key=lambda t: t["label"])
    legend_edges = [{"modality": m, "label": MODALITY_STYLES[m]["label"], "dashes": MODALITY_STYLES[m]["dashes"]}
                    for m in MODALITY_STYLES if m in modalities_seen]
    page_title = title or graph.graph.get("title") or "ketamine-kg"
    template = _environment().get_template("graph.html")
    return template.render(
        title=page_title, subtitle=subtitle, header_links=links or [], nodes=nodes, edges=edges,
        options=json.loads(options_json), details={"nodes": details_nodes, "edges": details_edges},
        legend={"types": legend_types, "edges": legend_edges, "inferred": inferred_seen, "negated": negated_seen,
                "colours": {"stated": STATED_COLOUR, "inferred": INFERRED_COLOUR, "negated": NEGATED_COLOUR}},
        counts={"nodes": len(nodes), "edges": len(edges)}, physics=physics, vis_js=_vis_js(),
        view=graph.graph.get("view", ""),
    )


def _darker(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(int(r * 0.7), int(g * 0.7), int(b * 0.7))


@cache
def _type_parents() -> dict[str, str | None]:
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    return {t.id: t.parent for t in load_vocabulary().types.values()}


@cache
def _vis_js() -> str:
    """vis-network as shipped inside pyvis, to inline into the page."""
    import pyvis

    text = (resources.files(pyvis) / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text(encoding="utf-8")
    if "</script" in text.lower():  # would end the inline <script> early
        raise KkgError(None, None, "the vis-network bundle contains '</script' and cannot be inlined")
    return text


@cache
def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    folder = str(resources.files("ketamine_kg") / "templates")
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    env.filters["rawjs"] = Markup
    return env
