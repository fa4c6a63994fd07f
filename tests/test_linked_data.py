"""`ketamine-kg serve` as a linked-data server: dereferenceable IRIs, VoID, service description, CORS, licences.

Real clients read the answers: rdflib parses every RDF answer, curl (where installed)
fetches an entity as Turtle, and the build's ``void.ttl`` says what the endpoint's VoID says.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from ketamine_kg.app.server import close_server, make_server, serve_in_thread
from ketamine_kg.core.iris import DATASET_IRI, ENTITY, ONTOLOGY_IRI
from ketamine_kg.store import get_store_dir

ROOT = Path(__file__).resolve().parent.parent
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
KETAMINE = URIRef(ENTITY + "ketamine")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SYNTAX = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
          "application/rdf+xml": "xml"}


@pytest.fixture(scope="module")
def endpoint(store_cache):
    get_store_dir(None)
    server = make_server(None, "127.0.0.1", 0, timeout=10.0, workers=2)
    serve_in_thread(server)
    yield server
    server.shutdown()
    close_server(server)


def get(server, path: str, accept: str = "", method: str = "GET", body: bytes | None = None,
        headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Accept": accept, **(headers or {})} if accept else headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def select(server, text: str) -> list[dict]:
    status, _, body = get(server, "/sparql?" + urllib.parse.urlencode({"query": text}), "application/sparql-results+json")
    assert status == 200, body
    return json.loads(body)["results"]["bindings"]


@pytest.mark.parametrize("accept", list(SYNTAX))
def test_an_entity_dereferences_in_every_rdf_syntax(endpoint, accept):
    status, headers, body = get(endpoint, "/entity/ketamine", accept)
    assert status == 200, body[:300]
    assert headers["content-type"].startswith(accept) and headers["vary"] == "Accept"
    graph = Graph().parse(data=body, format=SYNTAX[accept])
    assert (KETAMINE, RDFS.label, Literal("ketamine", lang="en")) in graph
    assert set(graph.subjects()) - {KETAMINE}, "the labels of what ketamine links to are missing"
    # the DESCRIBE-like view holds every triple the store has with ketamine as subject
    rows = select(endpoint, f"SELECT DISTINCT ?p ?o WHERE {{ <{KETAMINE}> ?p ?o }}")
    assert len(set(graph.predicate_objects(KETAMINE))) == len(rows)
    for subject in set(graph.subjects()) - {KETAMINE}:
        assert set(graph.predicates(subject)) == {RDFS.label}


def test_an_entity_is_a_page_for_a_browser(endpoint):
    status, headers, body = get(endpoint, "/entity/ketamine", BROWSER)
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "<h1>ketamine</h1>" in page and 'href="/entity/' in page
    assert "default-src 'none'" in headers["content-security-policy"] and "<script" not in page
    assert "http://" not in page.split("<body>")[0]  # nothing loaded from elsewhere


def test_format_parameter_wins_over_a_browser_accept(endpoint):
    status, headers, body = get(endpoint, "/entity/ketamine?format=nt", BROWSER)
    assert status == 200 and headers["content-type"].startswith("application/n-triples")
    assert f"<{KETAMINE}>".encode() in body


def test_claims_sources_and_the_ontology_dereference(endpoint):
    claim = select(endpoint, "SELECT ?c WHERE { ?c a <https://w3id.org/ketamine-kg/ontology#Claim> } ORDER BY ?c LIMIT 1")[0]["c"]["value"]
    source = select(endpoint, "SELECT ?s WHERE { ?s a <http://schema.org/BlogPosting> } LIMIT 1")[0]["s"]["value"]
    for iri in (claim, source, ONTOLOGY_IRI):
        path = "/" + iri.split("https://w3id.org/ketamine-kg/", 1)[1]
        status, _, body = get(endpoint, path, "text/turtle")
        assert status == 200, (path, body[:200])
        graph = Graph().parse(data=body, format="turtle")
        assert len(list(graph.predicate_objects(URIRef(iri)))) >= 2, path


@pytest.mark.parametrize("path", ["/entity/no-such-thing", "/claim/nope/nope", "/source/nope", "/entity/a/b",
                                  "/entity/..", "/entity/%3Cx%3E", "/claim/only-one"])
def test_unknown_resources_are_404_for_every_accept(endpoint, path):
    for accept in ("text/turtle", BROWSER, ""):
        assert get(endpoint, path, accept)[0] == 404, (path, accept)


def test_void_describes_the_dataset(endpoint):
    status, headers, body = get(endpoint, "/.well-known/void", "text/turtle")
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    void = Graph().parse(data=body, format="turtle")
    dataset = URIRef(DATASET_IRI)
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, DCTERMS.license, CC_BY) in void
    assert void.value(dataset, DCTERMS.hasVersion) is not None
    port = endpoint.server_address[1]
    assert (dataset, VOID.sparqlEndpoint, URIRef(f"http://127.0.0.1:{port}/sparql")) in void
    counts = {r["g"]["value"]: int(r["n"]["value"]) for r in
              select(endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    subsets = {str(s): int(void.value(s, VOID.triples)) for s in void.objects(dataset, VOID.subset)}
    assert subsets == counts and len(counts) >= 2
    title = select(endpoint, "SELECT ?t WHERE { ?d a <http://schema.org/BlogPosting> ; <http://purl.org/dc/terms/title> ?t }")[0]["t"]["value"]
    rights = " ".join(str(r) for r in void.objects(dataset, DCTERMS.rights))
    assert title in rights and "evidence" in rights and "not covered by the data licence" in rights


def test_service_description_at_sparql_without_a_query(endpoint):
    status, headers, body = get(endpoint, "/sparql")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    sd = Graph().parse(data=body, format="turtle")
    service = URIRef(f"http://127.0.0.1:{endpoint.server_address[1]}/sparql")
    assert (service, RDF.type, SD.Service) in sd and (service, SD.endpoint, service) in sd
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in sd
    names = {str(n) for n in sd.objects(None, SD.name)}
    assert "https://w3id.org/ketamine-kg/graph/ontology" in names
    status, headers, body = get(endpoint, "/sparql", "application/ld+json")
    assert status == 200 and headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=body, format="json-ld")) == len(sd)


def test_cors_on_query_answers_and_the_preflight(endpoint):
    query = "ASK { ?s ?p ?o }"
    _, got, _ = get(endpoint, "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Origin": "https://yasgui.example"})
    assert got["access-control-allow-origin"] == "*"
    for content_type, body in (("application/sparql-query", query.encode()),
                               ("application/x-www-form-urlencoded", urllib.parse.urlencode({"query": query}).encode())):
        status, got, _ = get(endpoint, "/sparql", method="POST", body=body,
                             headers={"Content-Type": content_type, "Origin": "https://yasgui.example"})
        assert status == 200 and got["access-control-allow-origin"] == "*"
    status, got, _ = get(endpoint, "/sparql", method="OPTIONS", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and "POST" in got["access-control-allow-methods"]
    assert "content-type" in got["access-control-allow-headers"].lower()


def test_the_page_opens_with_the_query_of_the_url(endpoint):
    query = 'SELECT ?x WHERE { ?x ?p "a & b" } # </textarea><b>'
    status, _, body = get(endpoint, "/?" + urllib.parse.urlencode({"query": query}))
    page = body.decode()
    assert status == 200
    assert '<textarea id="text" spellcheck="false">SELECT ?x WHERE { ?x ?p "a &amp; b" } # &lt;/textarea&gt;&lt;b&gt;</textarea>' in page
    assert "<b>" not in page


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_reads_an_entity_as_turtle(endpoint):
    out = subprocess.run(["curl", "-sf", "-H", "Accept: text/turtle",
                          f"http://127.0.0.1:{endpoint.server_address[1]}/entity/ketamine"],
                         capture_output=True, timeout=30, check=True).stdout
    assert (KETAMINE, RDFS.label, Literal("ketamine", lang="en")) in Graph().parse(data=out, format="turtle")


def test_the_build_writes_the_same_void(reasoned_graphs, endpoint):
    from ketamine_kg.app.build import _void_turtle

    rdf_dataset = reasoned_graphs[1]
    built = Graph().parse(data=_void_turtle(rdf_dataset), format="turtle")
    _, _, body = get(endpoint, "/.well-known/void", "text/turtle")
    served = Graph().parse(data=body, format="turtle")
    dataset = URIRef(DATASET_IRI)
    assert (dataset, DCTERMS.license, CC_BY) in built
    assert set(built.objects(dataset, DCTERMS.rights)) == set(served.objects(dataset, DCTERMS.rights))
    assert {(s, built.value(s, VOID.triples)) for s in built.objects(dataset, VOID.subset)} == \
        {(s, served.value(s, VOID.triples)) for s in served.objects(dataset, VOID.subset)}
    assert built.value(dataset, VOID.sparqlEndpoint) is None  # a build serves no endpoint


def test_the_code_has_a_licence_file():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c)" in text and "ketamine-kg developers" in text
    assert "license = \"MIT\"" in (ROOT / "pyproject.toml").read_text()


@pytest.fixture(scope="module")
def browser():
    from ketamine_kg.dev.chromium import Browser, Tab, chromium_path

    if chromium_path() is None:
        pytest.skip("headless Chromium not found (apt-get install chromium)")
    with Browser() as chromium:
        tab = Tab(chromium, width=1200, height=800)
        tab.send("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1, uploadThroughput=-1)
        yield tab


def _open(browser, url: str) -> None:
    import time

    browser.send("Page.navigate", url=url)
    deadline = time.monotonic() + 20
    time.sleep(0.2)
    while not browser.evaluate(f"document.readyState === 'complete' && location.href === {json.dumps(url)}"):
        assert time.monotonic() < deadline, "the page did not load"
        time.sleep(0.1)


def test_chromium_opens_the_page_with_the_query_as_text(browser, endpoint):
    query = "SELECT * WHERE { ?s ?p ?o } # </textarea><img src=x onerror=alert(1)>"
    _open(browser, f"http://127.0.0.1:{endpoint.server_address[1]}/?" + urllib.parse.urlencode({"query": query}))
    assert browser.evaluate("document.getElementById('text').value") == query
    assert browser.evaluate("document.querySelectorAll('img').length") == 0


def test_chromium_shows_an_entity_page(browser, endpoint):
    _open(browser, f"http://127.0.0.1:{endpoint.server_address[1]}/entity/ketamine")
    assert browser.evaluate("document.querySelector('h1').textContent") == "ketamine"
    links = browser.evaluate("Array.from(document.querySelectorAll('td a')).map(a => a.getAttribute('href'))")
    assert any(link.startswith("/entity/") for link in links)
