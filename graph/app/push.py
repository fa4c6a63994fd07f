"""Send the graph to a SPARQL store with the SPARQL 1.1 Graph Store Protocol.

``push_graphs(data_dir, endpoint, graph_store)`` PUTs each named graph of the store
(ontology, stated data, inferred triples) as N-Triples to ``{graph_store}?graph=IRI``,
then counts the triples of each graph through the query ``endpoint`` and checks them.
This is the path to bigger engines (Fuseki, QLever, Virtuoso, a shared Oxigraph server).
Virtuoso's Graph Store is ``/sparql-graph-crud`` and takes writes only once its SPARQL
user may update (``grant SPARQL_UPDATE to "SPARQL";`` in ``isql``); a refusal says so.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from ketamine_kg.app.engines import build_graphs
from ketamine_kg.core.terms import Term
from ketamine_kg.errors import EndpointError, escape_controls
from ketamine_kg.sparql.catalogue import parse_query
from ketamine_kg.sparql.remote import RemoteEngine, check_endpoint_url, http_failure, open_url
from ketamine_kg.store import open_store


def default_graph_store(endpoint: str) -> str:
    """The Graph Store URL next to a query endpoint: Virtuoso's for ``/sparql``, else Oxigraph's layout.

    >>> default_graph_store("http://localhost:7878/query")
    'http://localhost:7878/store'
    >>> default_graph_store("http://localhost:8890/sparql")
    'http://localhost:8890/sparql-graph-crud'
    """
    parts = urllib.parse.urlsplit(endpoint)
    if parts.path.rstrip("/") == "/sparql":  # Virtuoso's endpoint sits at the root
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/sparql-graph-crud", "", ""))
    path = parts.path.rsplit("/", 1)[0] + "/store"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def error_text(body: bytes, limit: int = 300) -> str:
    """A server's error page as one line of text: tags dropped, space collapsed, cut at ``limit``.

    >>> error_text(b"<html><title>failed</title><h1>403 Forbidden</h1><xmp>SQ110: denied</xmp></html>")
    'failed 403 Forbidden SQ110: denied'
    """
    text = re.sub(r"<[^>]*>", " ", body[:4000].decode("utf-8", "replace"))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def refusal_hint(detail: str) -> str:
    """What to do about a refusal, where the server's message says (Virtuoso's missing update right)."""
    if "SQ110" in detail or "Permission denied for delete from DB.DBA.RDF_QUAD" in detail:
        return ' (Virtuoso: run `grant SPARQL_UPDATE to "SPARQL";` in isql first)'
    return ""


def push_graphs(data_dir: Path | None, endpoint: str, graph_store: str | None = None, *,
                on_build: Callable[[str], None] | None = None, timeout: float = 120.0) -> Iterator[str]:
    """PUT every named graph to the store, check the counts; yield one line of report per graph.

    Raises :class:`~ketamine_kg.errors.EndpointError` when the graph store or the query
    endpoint refuses, cannot be reached, or counts other triples than were sent.
    """
    import pyoxigraph as ox  # heavy: a native library

    engine = RemoteEngine(endpoint, timeout=timeout)  # a URL that is not http(s) is refused before the store is opened
    target = check_endpoint_url(graph_store or default_graph_store(endpoint))
    store = open_store(data_dir, on_build=on_build, builder=build_graphs)
    for graph in sorted(store.named_graphs(), key=lambda g: g.value):
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        url = f"{target}?{urllib.parse.urlencode({'graph': graph.value})}"
        request = urllib.request.Request(url, data=body, method="PUT",
                                         headers={"Content-Type": "application/n-triples", "User-Agent": "ketamine-kg"})
        try:
            with open_url(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            # the body is read for a known hint only, never shown: a server's page is not ours to print
            hint = refusal_hint(error_text(exc.read()))
            failure = http_failure(target, exc, what=f"the store, given graph {graph.value},")
            raise EndpointError(failure.file, None, failure.message + hint) from None
        except (urllib.error.URLError, OSError) as exc:
            raise EndpointError(target, None, f"cannot reach the graph store: {escape_controls(str(getattr(exc, 'reason', exc)))}") from None
        count = parse_query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "count")
        result = engine.run(count, {"g": Term("uri", graph.value)})
        remote = int(result.rows[0][0].value) if result.rows and result.rows[0][0] is not None else -1
        expected = len(set(triples))
        if remote != expected:
            raise EndpointError(endpoint, None, f"graph {graph.value}: pushed {expected} triples but the endpoint counts {remote}")
        yield f"{graph.value}: {expected} triples"
