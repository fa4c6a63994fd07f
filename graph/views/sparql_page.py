"""The offline SPARQL page, ``sparql.html``: the graph and Oxigraph's WebAssembly build in one file.

:func:`to_sparql_html` writes the page from plain values: the engine's two files (the ES
module ``web.js`` and the WebAssembly bytes, inlined as base64 and started with
``initSync``), the graph as N-Quads (gzip-compressed, as base64 in the page's JSON, which the page
unpacks with the browser's own ``DecompressionStream``), the gallery of named queries (made by
:func:`ketamine_kg.app.site.get_gallery`), where each IRI of the project links to
(:func:`get_page_links`) and the entities a parameter may name. The page loads the
N-Quads into an in-memory Oxigraph store and copies the union of the named graphs into
its default graph, the layout of the CLI's store (:func:`ketamine_kg.store.load_quads`),
so a query answers here as ``ketamine-kg query`` answers it.

Its Content-Security-Policy allows inline code and WebAssembly and nothing else: no
request can leave the file.
"""

from __future__ import annotations

import base64
import gzip
import json
from functools import cache
from importlib import resources

from ketamine_kg.core import iris as ns
from ketamine_kg.errors import KkgError
from ketamine_kg.views.page import get_environment

START_QUERY = """# The claims of the graph, each with its sentence and how firmly it is made. Edit and run (Ctrl+Enter).
SELECT ?claim ?text ?modality WHERE {
  ?claim a kkgo:Claim ; rdfs:label ?text ; kkgo:modality ?modality .
}
ORDER BY ?claim
LIMIT 25
"""


def to_script_json(data) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left.

    >>> to_script_json({"quote": "</script><b>"})
    '{"quote": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def get_page_links(datasets, *, reader_page, graph_page: str = "graph.html") -> dict[str, str]:
    """IRI -> the page (and anchor) of the site that shows it, for the links of an answer.

    An entity links to its node in ``graph_page``; a claim to its highlight in the reader
    (``reader_page(source_id)`` names that page); a source document to its reader; a class
    or property of the ontology to its entry in ``ontology/index.html``.

    >>> from types import SimpleNamespace as S
    >>> ds = S(source=S(id="a"), entities={"ketamine": None}, claims=[S(id="c1")])
    >>> links = get_page_links([ds], reader_page=lambda s: "article.html")
    >>> links[ns.entity_iri("ketamine")], links[ns.claim_iri("a", "c1")]
    ('graph.html#node=ketamine', 'article.html#claim-c1')
    """
    links: dict[str, str] = {}
    for ds in datasets:
        reader = reader_page(ds.source.id)
        links[ns.source_iri(ds.source.id)] = reader
        for entity_id in ds.entities:
            links[ns.entity_iri(entity_id)] = f"{graph_page}#node={entity_id}"
        for claim in ds.claims:
            links[ns.claim_iri(ds.source.id, claim.id)] = f"{reader}#claim-{claim.id}"
    return links


def get_ontology_links(tbox) -> dict[str, str]:
    """IRI -> its entry in ``ontology/index.html``, for each class and property of the ontology."""
    links = {}
    for subject in set(tbox.subjects()):
        iri = str(subject)
        if iri.startswith(ns.ONTOLOGY) and len(iri) > len(ns.ONTOLOGY):
            links[iri] = f"ontology/index.html#{iri[len(ns.ONTOLOGY):]}"
    return links


@cache
def _page_js() -> str:
    return (resources.files("ketamine_kg") / "templates" / "sparql-page.js").read_text(encoding="utf-8")


def to_sparql_html(*, title: str, engine_version: str, web_js: str, wasm: bytes, nquads: bytes, gallery: list[dict],
                   links: dict[str, str], entities: list[dict], prefixes: dict[str, str], quads: int,
                   several: bool = False, header_links: list[tuple[str, str]] | None = None) -> str:
    """The page: ``gallery`` entries are dicts of name, question, description, form, text, head, tail,
    params (name, kind, default, description), runnable and note; ``entities`` are dicts of iri,
    id, label and synonyms (a parameter takes any of them); ``quads`` is how many statements the
    N-Quads hold.

    The N-Quads go in gzip-compressed (the same bytes on every build: no time stamp): a
    corpus of 1,000 articles has 300 MB of them, 12 MB compressed, and as JSON in the page
    they made a 357 MB file that took a tenth of the build to write.
    """
    if "</script" in web_js.lower():
        raise KkgError(None, None, "Oxigraph's web.js contains '</script' and cannot be inlined")
    data = {
        "version": engine_version, "queries": gallery, "links": links, "entities": entities,
        "prefixes": sorted(prefixes.items()), "base": ns.BASE, "entityBase": ns.entity_iri(""), "ontologyBase": ns.ONTOLOGY,
        "start": START_QUERY, "graph": base64.b64encode(gzip.compress(nquads, compresslevel=6, mtime=0)).decode("ascii"),
    }
    shown = [p for p in ("kkg", "kkgo", "kkgc", "rdf", "rdfs", "owl", "skos", "dcterms", "oa") if p in prefixes]
    return get_environment().get_template("sparql-page.html").render(
        title=title, version=engine_version, data=to_script_json(data), wasm=base64.b64encode(wasm).decode("ascii"),
        web_js=web_js, page_js=_page_js(), header_links=header_links or [], count=len(gallery), quads=quads,
        several=several, prefix_names=", ".join(f"{p}:" for p in shown) + (" and the others of the project's prefix map" if len(prefixes) > len(shown) else ""),
    )
