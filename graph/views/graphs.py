"""The view graphs: the built RDF read into one :class:`networkx.MultiDiGraph` per view.

- :func:`get_article_graph`: the whole article, every entity, one edge per claim between
  two entities. Edges come from the claim nodes (``rdf:subject``, ``rdf:predicate``,
  ``rdf:object``), so hedged and negated claims are drawn too, each with its modality,
  quotes and section; ``include_inferred`` adds the reasoner's triples as edges of their own.
- :func:`get_focus_graph`: the neighbourhood of one entity (``focus`` and ``depth``).
- :func:`ketamine_kg.views.answers.get_query_graph`: the answer of a query, already run;
  views never run a query themselves.
- :func:`get_ontology_graph`: the classes, their hierarchy and the properties between them.

Each node and edge carries what the page shows of it (label, type, claims, quotes,
links); a node's ``facts`` are the article's claims with a literal value and its
``curator`` list the curator knowledge about it (facts from outside the article, each
with its source), which the page shows apart. :func:`ketamine_kg.views.page.to_html`
draws it; :func:`get_view_fingerprint` hashes what a view shows.
"""

from __future__ import annotations

import hashlib

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ketamine_kg.core import iris as ns
from ketamine_kg.core.model import QUALIFIERS
from ketamine_kg.core.curies import compact
from ketamine_kg.core.namespaces import KKGO, OA
from ketamine_kg.errors import KkgError
from ketamine_kg.ontology.vocabulary import load_vocabulary
from ketamine_kg.rdf.abox import MODALITY_INDIVIDUALS
from ketamine_kg.views.parts import (Parts, TypeIndex, as_parts, get_best_text, get_external_links, get_text, get_type_index,
                                     local_name)

MODALITY_BY_INDIVIDUAL = {name: key for key, name in MODALITY_INDIVIDUALS.items()}


def _evidence(graph, annotations) -> list[dict]:
    """The quotes of a claim with their sections; ``annotations`` are its ``kkgo:hasEvidence`` values."""
    quotes = []
    for ann in sorted(annotations, key=str):
        section = graph.value(ann, KKGO.section)
        for target in graph.objects(ann, OA.hasTarget):
            for selector in graph.objects(target, OA.hasSelector):
                exact = graph.value(selector, OA.exact)
                if exact is not None:
                    quotes.append({"text": str(exact), "section": get_text(graph, section, RDFS.label) or ""})
    return quotes


def _claim_record(graph, claim, predicate_label: str) -> dict:
    # Every value of the claim node in one lookup (a corpus has tens of thousands of claims,
    # and each property asked for on its own was a lookup, most of them for an absent qualifier).
    props: dict[Node, list[Node]] = {}
    for prop, obj in graph.predicate_objects(claim):
        props.setdefault(prop, []).append(obj)

    def value(prop: URIRef) -> Node | None:
        found = props.get(prop)
        return found[0] if found else None

    modality = value(KKGO.modality)
    polarity = value(KKGO.polarity)
    qualifiers = {}
    for key in QUALIFIERS:
        qualifier = value(KKGO[key])
        if qualifier is not None:
            qualifiers[key] = get_text(graph, qualifier, RDFS.label) or str(qualifier) if isinstance(qualifier, URIRef) else str(qualifier)
    section = value(KKGO.section)
    return {
        "id": get_best_text(props.get(DCTERMS.identifier, ())) or local_name(str(claim)),
        "iri": str(claim),
        "text": get_best_text(props.get(RDFS.label, ())) or predicate_label,
        "modality": MODALITY_BY_INDIVIDUAL.get(local_name(str(modality)), "asserted") if modality else "asserted",
        "negated": polarity is not None and str(polarity).endswith("Negative"),
        "section": get_text(graph, section, RDFS.label) or "" if section is not None else "",
        "qualifiers": qualifiers,
        "comment": get_best_text(props.get(RDFS.comment, ())) or "",
        "quotes": _evidence(graph, props.get(KKGO.hasEvidence, [])),
    }


def _predicate_label(parts: Parts, predicate: Node) -> str:
    return get_text(parts.tbox, predicate, RDFS.label) or local_name(str(predicate)).replace("_", " ")


def _curator_facts(parts: Parts, node: URIRef) -> list[dict]:
    """What a curator recorded about ``node`` from outside the article, each with its source.

    Read from the statement nodes (``kkgo:CuratorStatement``) of the curator graph; each
    record is marked ``curator`` so the page lists it apart from the article's claims.
    """
    curator = parts.curator
    facts = []
    for stmt in curator.subjects(RDF.subject, node):
        if (stmt, RDF.type, KKGO.CuratorStatement) not in curator:
            continue
        predicate, value = curator.value(stmt, RDF.predicate), curator.value(stmt, RDF.object)
        if predicate is None or value is None:
            continue
        label = _predicate_label(parts, predicate)
        if isinstance(value, Literal):
            # a date is an xsd:dateTime at midnight (see core.model.date_time_value): shown as the date
            shown = str(value).removesuffix("T00:00:00") if value.datatype == XSD.dateTime else str(value)
            text = f"{label}: {shown}"
        else:
            target = get_text(parts.data, value, RDFS.label) or local_name(str(value))
            text = f"{label} {target}"
        facts.append({"text": text, "source": get_text(curator, stmt, DCTERMS.source) or "", "quotes": [],
                      "modality": "curator", "curator": True, "iri": str(stmt)})
    # Sorted: the store's own order follows Python's string hashing, which changes from run to run.
    return sorted(facts, key=lambda f: (f["text"], f["iri"]))


def get_inferred_types(parts: Parts) -> dict[str, list[dict]]:
    """Entity IRI -> the classes the reasoner put it in, each with the claims it rests on (id and words).

    Traced from the kept inferred graph (:func:`~ketamine_kg.ontology.reason.provenance.trace_inferred`),
    so no reasoner runs; empty where the dataset has no inferred graph.
    """
    if not len(parts.inferred):
        return {}
    from ketamine_kg.ontology.reason.provenance import trace_inferred

    data = parts.data
    words: dict[str, str] = {}
    for claim in data.subjects(RDF.type, KKGO.Claim):
        cid = get_text(data, claim, DCTERMS.identifier) or local_name(str(claim))
        text = get_text(data, claim, RDFS.label) or cid
        words[cid] = words[str(claim)[len(ns.CLAIM):]] = text
    found: dict[str, list[dict]] = {}
    for fact in trace_inferred(parts.tbox, data, parts.inferred):
        if fact.kind != "type" or not str(fact.subject).startswith(ns.ENTITY):
            continue
        cls = str(fact.object)
        found.setdefault(str(fact.subject), []).append({
            "iri": cls, "curie": compact(cls) or cls,
            "label": get_text(parts.tbox, fact.object, RDFS.label) or local_name(cls),
            "claims": [{"id": cid.rsplit("/", 1)[-1], "text": words.get(cid, cid)} for cid in fact.claims],
        })
    for classes in found.values():
        classes.sort(key=lambda c: c["label"].casefold())
    return found


def _add_entity(graph: nx.MultiDiGraph, parts: Parts, types: TypeIndex, node: URIRef,
                inferred_types: dict[str, list[dict]] | None = None) -> None:
    data = parts.data
    type_id = types.most_specific(list(data.objects(node, RDF.type)) + list(parts.inferred.objects(node, RDF.type)))
    type_id = type_id or "thing"
    graph.add_node(
        str(node),
        label=get_text(data, node, RDFS.label) or local_name(str(node)),
        type=type_id,
        type_label=types.labels.get(type_id, type_id.replace("_", " ")),
        iri=str(node),
        description=get_text(data, node, SKOS.definition) or "",
        synonyms=sorted(str(s) for s in data.objects(node, SKOS.altLabel)),
        links=get_external_links(data, node),
        facts=[],  # the article's claims with a literal value: get_article_graph adds them
        curator=_curator_facts(parts, node),
        inferred_types=(inferred_types or {}).get(str(node), []),
    )


def get_article_graph(rdf_dataset, *, include_inferred: bool = False) -> nx.MultiDiGraph:
    """The whole graph of the article: every entity, one edge per claim between two entities.

    A claim with a literal value (``developed in 1960s``) becomes a fact of its subject
    node. Every entity carries the classes the reasoner put it in, with the claims each
    rests on (``inferred_types``). With ``include_inferred``, triples the reasoner inferred
    between entities are added as edges marked ``inferred`` (not those a stated edge already
    implies), and each inferred class is a node of its own, with an inferred ``is a`` edge
    from each of its members.
    """
    parts = as_parts(rdf_dataset)
    types = get_type_index(parts.tbox)
    data = parts.data
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(view="article")
    source = next(iter(data.subjects(RDF.type, KKGO.SourceDocument)), None)
    if source is not None:
        graph.graph["title"] = get_text(data, source, RDFS.label) or ""
    entities = sorted({s for s in data.subjects(RDF.type, OWL.NamedIndividual)
                       if isinstance(s, URIRef) and str(s).startswith(ns.ENTITY)}, key=str)
    inferred_types = get_inferred_types(parts)
    for node in entities:
        _add_entity(graph, parts, types, node, inferred_types)
    claims = sorted(data.subjects(RDF.type, KKGO.Claim),
                    key=lambda c: (int(str(data.value(c, KKGO.order) or 0)), str(c)))
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
        graph.add_edge(str(subject), str(obj), key=record["iri"], predicate=local_name(str(predicate)),
                       predicate_iri=str(predicate), label=("not: " + label) if record["negated"] else label,
                       modality=record["modality"],
                       negated=record["negated"], inferred=False, claims=[record])
        if record["modality"] == "asserted" and not record["negated"]:
            plain.add((str(subject), str(predicate), str(obj)))
    if include_inferred:
        add_inferred_edges(graph, parts, plain)
        add_inferred_classes(graph)
    return graph


def add_inferred_classes(graph: nx.MultiDiGraph) -> None:
    """Draw each class the reasoner put an entity in as a node, with an inferred ``is a`` edge from the entity."""
    for node, data in list(graph.nodes(data=True)):
        for cls in data.get("inferred_types", []):
            add_class_node(graph, cls["iri"], cls["label"])
            claims = [{"id": c["id"], "iri": f"{cls['iri']}|{c['id']}", "text": f"rests on: {c['text']} ({c['id']})",
                       "modality": "asserted", "negated": False, "section": "", "qualifiers": {}, "comment": "",
                       "quotes": []} for c in cls["claims"]]
            graph.add_edge(node, cls["iri"], key=f"inferred-type:{node}|{cls['iri']}", predicate="type", label="is a",
                           modality="asserted", negated=False, inferred=True, kind="inferred_type", claims=claims)


def add_class_node(graph: nx.MultiDiGraph, iri: str, label: str, type_label: str = "class (inferred membership)") -> None:
    """Add a class of the ontology as a node (a box) of ``graph``, unless it is there already."""
    if iri not in graph:
        graph.add_node(iri, label=label, type="class", type_label=type_label, iri=iri, description="",
                       synonyms=[], links=[], facts=[], curator=[], inferred_types=[], shape_override="box")


def add_inferred_edges(graph: nx.MultiDiGraph, parts: Parts, stated: set) -> None:
    """Add the reasoner's triples between two entities of ``graph`` as edges marked ``inferred``.

    ``stated`` holds the (subject, predicate, object) IRIs already said as plain facts; those,
    and what an edge already drawn implies, are left out.
    """
    vocab = load_vocabulary()

    def ancestors(pred_id: str) -> set[str]:
        found, current = set(), vocab.predicates[pred_id].parent
        while current and current not in found:
            found.add(current)
            current = vocab.predicates[current].parent
        return found

    triples = sorted((s, p, o) for s, p, o in parts.inferred if isinstance(o, URIRef)
                     and str(p).startswith(ns.ONTOLOGY) and local_name(str(p)) in vocab.predicates)
    for subject, predicate, obj in triples:
        s, o, pred_id = str(subject), str(obj), local_name(str(predicate))
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
    # Nodes and edges in the whole graph's order. (networkx's subgraph of a small part walks
    # a set of the kept nodes: the page's edges came in an order that changed with the hash seed.)
    view = graph.__class__()
    view.add_nodes_from((node, data.copy()) for node, data in graph.nodes(data=True) if node in keep)
    for u, v, key, data in graph.edges(keys=True, data=True):
        if u in keep and v in keep:
            view.add_edge(u, v, key=key, **data)
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
        if folded in (n.casefold() for n in names) or folded == local_name(node).casefold():
            return node
    close = sorted(data.get("label", node) for node, data in graph.nodes(data=True)
                   if folded[:4] and folded[:4] in data.get("label", "").casefold())
    hint = f"; did you mean {', '.join(repr(c) for c in close[:5])}?" if close else ""
    raise KkgError(None, None, f"no entity {name!r} in the graph{hint}")


def get_ontology_graph(rdf_dataset) -> nx.MultiDiGraph:
    """The ontology: one node per class, ``is a`` edges, and properties from domain to range.

    Properties whose domain or range is a union of classes get one edge per pair.
    """
    parts = as_parts(rdf_dataset)
    tbox, data = parts.tbox, parts.data
    types = get_type_index(tbox)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(view="ontology", title="ketamine-kg ontology")
    members = get_class_members(parts)
    provenance_ids = {types.by_class.get(KKGO[n]) for n in ("Claim", "SourceDocument", "Section", "Modality", "Polarity")}
    for cls, type_id in sorted(types.by_class.items(), key=lambda x: x[1]):
        style_type = "provenance" if type_id in provenance_ids else type_id
        graph.add_node(str(cls), label=types.labels[type_id], type=style_type,
                       type_label="provenance class" if style_type == "provenance" else types.labels[type_id],
                       iri=str(cls), description=get_text(tbox, cls, SKOS.definition) or get_text(tbox, cls, RDFS.comment) or "",
                       synonyms=[], links=get_external_links(tbox, cls),
                       facts=_member_facts(members.get(str(cls), [])) if style_type != "provenance" else [],
                       shape_override="box")
        for parent in tbox.objects(cls, RDFS.subClassOf):
            if parent in types.by_class:
                graph.add_edge(str(cls), str(parent), key=f"subclass:{cls}", predicate="subClassOf", label="is a",
                               modality="asserted", negated=False, inferred=False, claims=[], kind="subclass")
    for prop in sorted(tbox.subjects(RDF.type, OWL.ObjectProperty), key=str):
        domains = _class_set(tbox, tbox.value(prop, RDFS.domain))
        ranges = _class_set(tbox, tbox.value(prop, RDFS.range))
        label = get_text(tbox, prop, RDFS.label) or local_name(str(prop))
        definition = get_text(tbox, prop, SKOS.definition) or ""
        for d in domains:
            for r in ranges:
                if str(d) in graph and str(r) in graph:
                    graph.add_edge(str(d), str(r), key=f"{prop}|{d}|{r}", predicate=local_name(str(prop)), label=label,
                                   modality="asserted", negated=False, inferred=False, kind="property",
                                   claims=[{"id": local_name(str(prop)), "iri": str(prop), "text": f"{label}: {definition}",
                                            "modality": "asserted", "negated": False, "section": "", "qualifiers": {},
                                            "comment": "", "quotes": [], "links": get_external_links(tbox, prop)}])
    return graph


def get_class_members(parts: Parts) -> dict[str, list[dict]]:
    """Class IRI -> its members among the entities, stated or inferred, through the class hierarchy.

    Each member is ``{"iri", "label", "inferred", "claims"}``: ``inferred`` where only the
    reasoner puts it in the class (``claims``: the ids it rests on), so the ontology page can
    say that "NMDA receptor antagonist" has one member, ketamine, by inference.
    """
    tbox, data = parts.tbox, parts.data
    parents: dict[str, set[str]] = {}
    for sub, sup in tbox.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            parents.setdefault(str(sub), set()).add(str(sup))

    def up(cls: str) -> set[str]:
        seen, todo = {cls}, [cls]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    inferred_types = get_inferred_types(parts)
    found: dict[str, dict[str, dict]] = {}
    entities = {s for s in data.subjects(RDF.type, OWL.NamedIndividual) if isinstance(s, URIRef) and str(s).startswith(ns.ENTITY)}
    for node in sorted(entities, key=str):
        label = get_text(data, node, RDFS.label) or local_name(str(node))
        stated = set().union(*(up(str(c)) for c in data.objects(node, RDF.type) if isinstance(c, URIRef)))
        for cls in stated:
            found.setdefault(cls, {})[str(node)] = {"iri": str(node), "label": label, "inferred": False, "claims": []}
        for record in inferred_types.get(str(node), []):
            for cls in up(record["iri"]) - stated:
                entry = found.setdefault(cls, {}).setdefault(str(node), {"iri": str(node), "label": label, "inferred": True, "claims": []})
                entry["claims"] = sorted(set(entry["claims"]) | {c["id"] for c in record["claims"]})
    return {cls: sorted(by_node.values(), key=lambda m: m["label"].casefold()) for cls, by_node in found.items()}


def _member_facts(members: list[dict]) -> list[dict]:
    """The ontology page's facts about a class: how many entities it holds, then each of them."""
    by_inference = sum(m["inferred"] for m in members)
    count = f"{len(members)} {'entity' if len(members) == 1 else 'entities'} of this class in the data"
    if by_inference:
        count += f" ({by_inference} by inference)"
    facts = [{"text": count, "quotes": [], "modality": "asserted", "source": ""}]
    for m in members:
        text = m["label"] + (f" (inferred; rests on {', '.join(m['claims'])})" if m["inferred"] else "")
        facts.append({"text": text, "quotes": [], "modality": "inferred" if m["inferred"] else "asserted", "source": "",
                      "iri": m["iri"]})
    return facts


def _class_set(tbox: Graph, node) -> list:
    """The classes a domain or range names: one class, or the members of an ``owl:unionOf``."""
    if node is None:
        return []
    union = tbox.value(node, OWL.unionOf)
    if union is not None:
        return list(Collection(tbox, union))
    return [node]


def get_view_fingerprint(graph: nx.MultiDiGraph) -> str:
    """A short hash of what a view shows: its nodes (label, type) and edges (label, modality).

    A picture taken of a view records this, so a test can tell when the picture is stale.
    """
    nodes = sorted(f"{n}|{d.get('label')}|{d.get('type')}" for n, d in graph.nodes(data=True))
    edges = sorted(f"{u}|{v}|{d.get('label')}|{d.get('modality')}" for u, v, d in graph.edges(data=True))
    return hashlib.sha256("\n".join(nodes + ["--"] + edges).encode("utf-8")).hexdigest()[:16]
