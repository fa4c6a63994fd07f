"""One self-contained HTML page showing a view graph: styles, vis-network options, the template.

:func:`to_html` turns a graph from :mod:`ketamine_kg.views.graphs` into one page with
pyvis and our own template: vis-network inline, no request to any server, colour and
shape by type with a legend, edge style by modality, a search box, type filters and a
panel showing the claims and quotes behind whatever is clicked or hovered.

Every text from the data reaches the page as JSON data and is put into the page with
``textContent``, never as markup, so a quote holding ``<script>`` shows as text.
:func:`get_environment` is the Jinja environment of the shipped templates, for the other
pages of the site too.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import networkx as nx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ketamine_kg.errors import KkgError
from ketamine_kg.ontology.vocabulary import load_vocabulary
from ketamine_kg.views.layout import get_layout
from ketamine_kg.views.parts import is_web_link

# From this many nodes on, the layout is computed in Python and physics stays off.
LARGE_GRAPH = 1000  # from here on, positions are computed in advance and physics is off
MEDIUM_GRAPH = 200  # from here on, physics starts from a precomputed layout and settles in fewer steps

# Edge style by modality: dash pattern for vis-network (False draws a solid line).
# (label: str, dashes: False or a list of dash lengths)
# Each modality has its own dash pattern and colour (and the colours differ from the negated,
# inferred and disputed ones), so two kinds never look alike even where dashes are hard to see.
MODALITY_STYLES: dict[str, dict[str, Any]] = {
    "asserted": {"label": "asserted", "dashes": False, "colour": "#4a4a4a"},
    "hedged": {"label": "hedged (may, might, suggests)", "dashes": [12, 7], "colour": "#1f6fb4"},
    "under_investigation": {"label": "under investigation", "dashes": [3, 5], "colour": "#0f8b6d"},
    "speculative": {"label": "speculative", "dashes": [16, 5, 3, 5], "colour": "#a0522d"},
}
# Labels drawn smaller than this many pixels on screen are hidden (zoom in to read them)
# instead of being drawn as unreadable specks.
EDGE_LABEL_MIN_PX = 10
NODE_LABEL_MIN_PX = 8
STATED_COLOUR = "#4a4a4a"
INFERRED_COLOUR = "#8e6fd8"
NEGATED_COLOUR = "#c0392b"
# A statement the sources of a corpus dispute: its own colour and dash, unlike any modality's.
DISPUTED_COLOUR = "#d9480f"
DISPUTED_DASHES = [3, 3, 12, 3]
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
    # what an answer or the reasoner adds: classes and external terms
    "class": ("#e6dcfa", "box"),
    "external": ("#fde9c9", "box"),
}
FALLBACK_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354", "#756bb1")


def get_type_style(type_id: str, parents: dict[str, str | None] | None = None) -> tuple[str, str]:
    """The (colour, shape) of a node of ``type_id``: its own, its nearest styled ancestor's, or a fallback.

    >>> get_type_style("substance")
    ('#1f77b4', 'dot')
    >>> get_type_style("antibody", {"antibody": "receptor"})
    ('#17becf', 'triangle')
    """
    current: str | None = type_id
    seen: set[str] = set()
    while current and current not in seen:
        if current in TYPE_STYLES:
            return TYPE_STYLES[current]
        seen.add(current)
        current = (parents or {}).get(current)
    colour = FALLBACK_COLOURS[sum(map(ord, type_id)) % len(FALLBACK_COLOURS)]
    return colour, "dot"


def _vis_options(physics: bool, large: bool, directed_view: str, n_nodes: int = 0) -> dict:
    """The vis-network options of a page: physics on (settle, then stop) or off, lighter for large graphs."""
    options = {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": not large},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": large, "hideEdgesOnZoom": large,
                        "multiselect": False, "navigationButtons": False, "keyboard": False},
        "nodes": {"size": 16, "borderWidth": 1.5, "font": {"size": 18, "face": "sans-serif", "color": "#222",
                                                          "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "scaling": {"label": {"enabled": False, "drawThreshold": NODE_LABEL_MIN_PX}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}, "width": 1.6,
                  "font": {"size": 13, "align": "middle", "color": "#333", "strokeWidth": 3, "strokeColor": "#fff"},
                  "smooth": False if large else {"enabled": True, "type": "dynamic"},
                  "selectionWidth": 2.5, "hoverWidth": 1.5,
                  "scaling": {"label": {"enabled": False, "drawThreshold": EDGE_LABEL_MIN_PX}}},
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


class NodeIds(list):
    """pyvis's list of node ids, answering ``in`` from a set: pyvis checks membership once per node
    and twice per edge, which on a list made a page's cost grow with nodes times edges.

    >>> ids = NodeIds(); ids.append("n0"); ("n0" in ids, "n1" in ids, list(ids))
    (True, False, ['n0'])
    """

    def __init__(self) -> None:
        super().__init__()
        self._members: set = set()

    def append(self, node_id) -> None:
        """Add ``node_id`` (pyvis adds each once)."""
        super().append(node_id)
        self._members.add(node_id)

    def __contains__(self, node_id) -> bool:
        return node_id in self._members


def to_html(graph: nx.MultiDiGraph, *, title: str | None = None, layout: str = "auto", subtitle: str = "",
            links: list[tuple[str, str]] | None = None) -> str:
    """One self-contained HTML page showing ``graph`` (a view graph from :mod:`ketamine_kg.views.graphs`).

    ``layout`` is ``physics`` (vis-network settles the layout, then physics stops so the
    picture stays put), ``precomputed`` (networkx positions, physics off) or ``auto``:
    precomputed from :data:`LARGE_GRAPH` nodes on, physics below (started from a precomputed
    layout from :data:`MEDIUM_GRAPH` nodes on, so it settles quickly). Nodes that already have
    ``x`` and ``y`` keep them. ``links`` are (text, href) pairs for the page header.
    """
    from pyvis.network import Network  # heavy: imported only when a page is drawn

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
    net.node_ids = NodeIds()  # pyvis asks "in node_ids" for every node and twice per edge
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
            "facts": list(data.get("facts", [])), "curator": list(data.get("curator", [])),
            "inferred": list(data.get("inferred_types", [])), "id": _local_id(data.get("iri", node)),
        }
    pair_count: dict[frozenset, int] = {}
    modalities_seen, inferred_seen, negated_seen, disputed_seen, most_sources = set(), False, False, False, 0
    for i, (u, v, key, data) in enumerate(graph.edges(keys=True, data=True)):
        eid = f"e{i}"
        modality = data.get("modality", "asserted")
        style = MODALITY_STYLES.get(modality, MODALITY_STYLES["asserted"])
        modalities_seen.add(modality)
        inferred, negated = bool(data.get("inferred")), bool(data.get("negated"))
        inferred_seen |= inferred
        negated_seen |= negated
        disputed, sources = bool(data.get("disputed")), int(data.get("sources", 0))
        disputed_seen |= disputed
        most_sources = max(most_sources, sources)
        colour = INFERRED_COLOUR if inferred else DISPUTED_COLOUR if disputed else NEGATED_COLOUR if negated else \
            ONTOLOGY_EDGE_COLOURS.get(data.get("kind", ""), style["colour"])
        options = {"id": eid, "label": str(data.get("label", "")), "dashes": DISPUTED_DASHES if disputed else style["dashes"],
                   "color": {"color": colour, "highlight": "#000000", "hover": "#000000"},
                   "width": 1.2 if inferred else 1.8, "kkgModality": "disputed" if disputed else modality,
                   "kkgInferred": inferred}
        if sources > 1:  # a statement of a corpus: wider the more sources make it
            options["width"] = min(1.8 + 1.5 * (sources - 1), 8.0)
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
        if sources:
            details_edges[eid].update(sources=sources, disputed=disputed)
    physics = not precomputed
    net.options = _vis_options(physics, large, graph.graph.get("view", ""), n_nodes)
    nodes, edges, _, _, _, options_json = net.get_network_data()
    legend_types = sorted(types_seen.values(), key=lambda t: t["label"])
    legend_edges = [{"modality": m, "label": MODALITY_STYLES[m]["label"], "dashes": MODALITY_STYLES[m]["dashes"],
                     "colour": MODALITY_STYLES[m]["colour"]} for m in MODALITY_STYLES if m in modalities_seen]
    colours = {"stated": STATED_COLOUR, "inferred": INFERRED_COLOUR, "negated": NEGATED_COLOUR}
    legend = {"types": legend_types, "edges": legend_edges, "inferred": inferred_seen, "negated": negated_seen,
              "colours": colours}
    if most_sources:  # a corpus graph: the legend explains widths and disputed statements
        legend.update(disputed=disputed_seen, disputedDashes=DISPUTED_DASHES, sources=most_sources > 1)
        colours["disputed"] = DISPUTED_COLOUR
    page_title = title or graph.graph.get("title") or "ketamine-kg"
    template = get_environment().get_template("graph.html")
    return template.render(
        title=page_title, subtitle=subtitle, header_links=links or [], nodes=nodes, edges=edges,
        options=json.loads(options_json), details={"nodes": details_nodes, "edges": details_edges},
        legend=legend, empty_note=graph.graph.get("empty_note", ""),
        counts={"nodes": len(nodes), "edges": len(edges)}, physics=physics, vis_js=_vis_js(),
        view=graph.graph.get("view", ""),
    )


def _local_id(iri: str) -> str:
    """The short id of a node in the page's address (``#node=ketamine``): its IRI's last segment.

    >>> _local_id("https://w3id.org/ketamine-kg/entity/ketamine"), _local_id("https://w3id.org/ketamine-kg/ontology#Analgesic")
    ('ketamine', 'Analgesic')
    """
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _darker(colour: str) -> str:
    """``colour`` (``#rrggbb``) at 70 % brightness, for node borders."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(int(r * 0.7), int(g * 0.7), int(b * 0.7))


@cache
def _type_parents() -> dict[str, str | None]:
    """Type id -> parent type id, from the vocabulary."""
    return {t.id: t.parent for t in load_vocabulary().types.values()}


@cache
def _vis_js() -> str:
    """vis-network as shipped inside pyvis, to inline into the page."""
    import pyvis  # heavy: imported only when a page is drawn

    text = (resources.files(pyvis) / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text(encoding="utf-8")
    if "</script" in text.lower():  # would end the inline <script> early
        raise KkgError(None, None, "the vis-network bundle contains '</script' and cannot be inlined")
    return text


@cache
def get_environment() -> Environment:
    """The Jinja environment of the shipped templates (``graph.html``, ``index.html``, ...).

    HTML is escaped by default; the ``rawjs`` filter marks JSON data as safe to inline.
    """
    folder = str(resources.files("ketamine_kg") / "templates")
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    env.filters["rawjs"] = Markup
    return env
