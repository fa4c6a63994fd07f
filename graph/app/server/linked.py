"""The endpoint as a linked-data server: the dataset's IRIs dereference, the dataset describes itself.

- ``GET /entity/ID``, ``/claim/SOURCE/ID[/...]``, ``/source/ID[/...]``, ``/ontology``:
  the resource ``https://w3id.org/ketamine-kg/<path>`` — its triples as subject plus
  the labels of what it links to — answered **200 with content negotiation**
  (``Vary: Accept``): HTML for a browser, else Turtle (default), JSON-LD, N-Triples or
  RDF/XML by ``Accept`` (or ``?format=``). A resource with no triple is 404.
- ``GET /.well-known/void``: the VoID description (licence, version, rights of the
  quoted text, named graphs with triple counts, this SPARQL endpoint).
- ``GET /sparql`` with no query: the SPARQL 1.1 Service Description (Turtle by default).

The queries run in the pool like any other, and the path is checked before it becomes
an IRI, so no request text reaches a query unescaped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ketamine_kg.app.server.handler import accept_ranges, negotiate
from ketamine_kg.core.iris import BASE, ONTOLOGY_IRI
from ketamine_kg.errors import StoreError

SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
HTML_TYPES = ("text/html", "application/xhtml+xml")
RDF_FORMATS = {"turtle": ("turtle", "text/turtle; charset=utf-8"), "nt": ("nt", "application/n-triples"),
               "json": ("json-ld", "application/ld+json"), "xml": ("xml", "application/rdf+xml")}
TEXT = "text/plain; charset=utf-8"
PAGE_CSP = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'", "Vary": "Accept"}
LABELS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"

Answer = tuple[int, str, bytes, dict]


def resource_iri(path: str) -> str | None:
    """The dataset IRI a server path names, or None when the path is not one of the resource paths.

    >>> resource_iri("/entity/ketamine"), resource_iri("/claim/a/b"), resource_iri("/ontology")
    ('https://w3id.org/ketamine-kg/entity/ketamine', 'https://w3id.org/ketamine-kg/claim/a/b', 'https://w3id.org/ketamine-kg/ontology')
    >>> resource_iri("/entity/../x"), resource_iri("/entity/a>b"), resource_iri("/entity/a/b")
    (None, None, None)
    """
    if path == "/ontology":
        return ONTOLOGY_IRI
    parts = path.split("/")[1:]
    if len(parts) < 2 or not all(SEGMENT.fullmatch(p) and p not in (".", "..") for p in parts):
        return None
    kind, count = parts[0], len(parts) - 1
    if (kind == "entity" and count == 1) or (kind == "claim" and count >= 2) or (kind == "source" and count >= 1):
        return BASE + "/".join(parts)
    return None


def prefers_html(accept: str) -> bool:
    """Whether ``Accept`` ranks HTML at least as high as every RDF type (a browser's header does).

    >>> prefers_html("text/html,application/xhtml+xml,*/*;q=0.8"), prefers_html("text/turtle"), prefers_html("*/*")
    (True, False, False)
    """
    best_html, best_rdf = 0.0, 0.0
    for mime, q in accept_ranges(accept):
        if mime in HTML_TYPES:
            best_html = max(best_html, q)
        elif negotiate(mime, None, True) in RDF_FORMATS:
            best_rdf = max(best_rdf, q)
    return best_html > 0 and best_html >= best_rdf


class LinkedData:
    """The resource paths, the VoID description and the service description of one server.

    ``pool`` runs queries (a :class:`~ketamine_kg.app.server.pool.WorkerPool`); the
    dataset's counts and sources are read once, through it, when the server starts.
    """

    def __init__(self, pool: Any, timeout: float) -> None:
        from ketamine_kg.exports.void import SourceInfo

        self.pool = pool
        self.timeout = timeout
        rows = self._select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", "")
        self.graphs = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
        rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "")
        self.triples = int(rows[0]["n"]["value"]) if rows else sum(self.graphs.values())
        rows = self._select(
            "PREFIX schema: <http://schema.org/> PREFIX dcterms: <http://purl.org/dc/terms/> "
            "SELECT ?doc (SAMPLE(?t) AS ?title) (SAMPLE(?n) AS ?site) (SAMPLE(?u) AS ?url) WHERE { "
            "?doc a schema:BlogPosting ; dcterms:title ?t . OPTIONAL { ?doc schema:isPartOf/schema:name ?n } "
            "OPTIONAL { ?doc schema:url ?u } } GROUP BY ?doc ORDER BY ?doc", "")
        self.sources = [SourceInfo(r["doc"]["value"], r.get("title", {}).get("value", ""), r.get("site", {}).get("value", ""),
                                   r.get("url", {}).get("value")) for r in rows]

    def _select(self, text: str, client: str) -> list[dict]:
        status, _, body, *_ = self.pool.run(text, "application/sparql-results+json", "json", self.timeout, client)
        if status != 200:
            raise StoreError(None, None, f"cannot describe the dataset: {body.decode('utf-8', 'replace').strip()}")
        return json.loads(body)["results"]["bindings"]

    @staticmethod
    def handles(path: str) -> bool:
        """Whether ``path`` is one of the linked-data paths (resource paths are checked in :meth:`answer`)."""
        return path in ("/ontology", "/.well-known/void") or path.split("/")[1] in ("entity", "claim", "source")

    @staticmethod
    def _graph(graph: Any, accept: str, fmt_param: str | None) -> Answer:
        fmt = negotiate(accept, fmt_param, True)
        if fmt not in RDF_FORMATS:
            return 406, TEXT, b"this resource is served as Turtle, JSON-LD, N-Triples, RDF/XML or HTML\n", {"Vary": "Accept"}
        syntax, media = RDF_FORMATS[fmt]
        return 200, media, graph.serialize(format=syntax, encoding="utf-8"), {"Vary": "Accept"}

    def void(self, accept: str, base: str, fmt_param: str | None = None) -> Answer:
        """The VoID description, naming this server's ``/sparql`` as the endpoint."""
        from ketamine_kg.exports.void import get_void_graph

        graph = get_void_graph(self.graphs, self.sources, endpoint=base + "/sparql", triples=self.triples)
        return self._graph(graph, accept, fmt_param)

    def service_description(self, accept: str, base: str) -> Answer:
        """The SPARQL 1.1 Service Description of ``base``/sparql."""
        from ketamine_kg.exports.void import get_service_description

        return self._graph(get_service_description(base + "/sparql", self.graphs, self.triples), accept, None)

    def answer(self, path: str, accept: str, base: str, client: str, fmt_param: str | None = None) -> Answer:
        """The answer for a GET of a linked-data ``path``."""
        if path == "/.well-known/void":
            return self.void(accept, base, fmt_param)
        iri = resource_iri(path)
        if iri is None:
            return 404, TEXT, b"not found: no such resource path\n", {}
        status, content_type, body, *_ = self.pool.run(
            f"{LABELS} SELECT ?p ?o ?label WHERE {{ <{iri}> ?p ?o OPTIONAL {{ ?o rdfs:label ?label }} }} LIMIT 5000",
            "", "json", self.timeout, client)
        if status != 200:
            return status, content_type, body, {}
        rows = json.loads(body)["results"]["bindings"]
        if not rows:
            return 404, TEXT, f"not found: the graph says nothing about {iri}\n".encode(), {"Vary": "Accept"}
        if fmt_param is None and prefers_html(accept):
            from ketamine_kg.views.resource_page import get_resource_page

            label = next((r["o"]["value"] for r in rows if r["p"]["value"].endswith("#label") and r["o"]["type"] == "literal"), None)
            return 200, "text/html; charset=utf-8", get_resource_page(iri, rows, label), PAGE_CSP
        fmt = negotiate(accept, fmt_param, True)
        if fmt not in RDF_FORMATS:
            return 406, TEXT, b"this resource is served as Turtle, JSON-LD, N-Triples, RDF/XML or HTML\n", {"Vary": "Accept"}
        status, content_type, body, *_ = self.pool.run(
            f"{LABELS} CONSTRUCT {{ <{iri}> ?p ?o . ?o rdfs:label ?label }} WHERE {{ <{iri}> ?p ?o "
            f"OPTIONAL {{ ?o rdfs:label ?label }} }}", "", fmt, self.timeout, client)
        return status, content_type, body, {"Vary": "Accept"}
