"""Hostile input: markup that must stay text, values that must not change a query, an endpoint under attack.

- Every HTML page (graph views, index, ontology documentation, the endpoint's query page)
  shows labels and quotes holding markup as text, in headless Chromium: no dialog opens,
  no element is created from the data.
- ``--param`` values and entity names holding SPARQL syntax (quotes, braces, ``#``,
  newlines, ``UNION``, NUL) are bound as one term: the answer is exactly what a plain
  substring search over the labels gives, on every engine and through the CLI.
- ``ketamine-kg serve``: read-only (updates refused, the graph unchanged), a runaway
  cross product stopped by the timeout while other queries keep being answered, a result
  cap, request size limits, nothing served outside its own pages, localhost by default
  and a warning when bound elsewhere.

Servers run on loopback with a free port, and are stopped by the fixtures.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from ketamine_kg.dev.chromium import Browser, Tab, chromium_path

from helpers import INPUT, cli_path, run_cli

# Labels that are SPARQL (or close to it): searched for, each must find exactly its own entity.
SPARQL_LABELS = {
    "quote_union": 'pain" } UNION { ?entity ?p ?o } #',
    "single_quote": "x') || true || ('",
    "newline_comment": "multi\nline # not a comment",
    "backslash": 'back\\slash \\" quote',
    "braces": "}}}{{{ UNION",
    "values": 'VALUES ?text { "a" }',
}
HOSTILE_VALUES = [
    '"', "'", '"""', "\\", '\\"', "}", "{", "#", "\n", "\r\n", "UNION", "\u0000", "\u0000pain",
    '" } UNION { ?entity ?p ?o } #', "') . ?entity ?p ?o . FILTER('", '"^^<http://x>', '"@en', "?text", "$text",
    "pain\" || \"x", "}} SELECT * WHERE { ?s ?p ?o } #", "\\u0022", "\\\\", "<script>",
    *SPARQL_LABELS.values(),
]


# --- the hostile data folder and its servers --------------------------------------------------

@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    """The injected-markup article plus entities whose labels are SPARQL."""
    import yaml

    folder = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(INPUT / "injected", folder)
    extra = [{"id": eid, "type": "disorder", "label": label} for eid, label in SPARQL_LABELS.items()]
    with (folder / "entities.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\n" + yaml.safe_dump(extra, allow_unicode=True, sort_keys=False))
    return folder


@pytest.fixture(scope="module")
def hostile_dataset(hostile_data):
    from ketamine_kg.load.dataset import load_dataset

    return load_dataset(hostile_data)


class Served:
    """``ketamine-kg serve`` in a subprocess on a free loopback port; stopped by ``stop()``."""

    def __init__(self, *args: str, host: str = "127.0.0.1", startup: float = 120):
        self.proc = subprocess.Popen([cli_path(), "serve", "--host", host, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.port = None
        found = threading.Event()

        def read() -> None:
            for line in self.proc.stderr:
                self.lines.append(line.rstrip("\n"))
                match = re.search(r"SPARQL endpoint: http://[^:]+:(\d+)/sparql", line)
                if match:
                    self.port = int(match[1])
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(startup) or self.port is None:
            self.stop()
            raise AssertionError("the server did not start:\n" + "\n".join(self.lines))
        self.host = host

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 30) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def query(self, text: str, accept: str = "application/sparql-results+json", timeout: float = 30):
        return self.request("POST", "/sparql", text.encode("utf-8"),
                            {"Content-Type": "application/sparql-query", "Accept": accept}, timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="module")
def server(hostile_data):
    run_cli("query", "approvals", "--data", str(hostile_data), "-f", "csv", check=True)  # build the store first
    served = Served("--data", str(hostile_data), "--timeout", "2", "--max-rows", "200", "--workers", "2")
    yield served
    served.stop()


TRIPLE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(server) -> int:
    status, _, body = server.query(TRIPLE_COUNT)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


# --- queries: values are bound, never pasted ---------------------------------------------------

def _expected_matches(dataset, value: str) -> set[str]:
    """What a search for ``value`` must find: entities with a label or synonym containing it."""
    from ketamine_kg.core import iris as ns

    needle = value.lower()
    return {str(ns.entity_iri(e.id)) for e in dataset.entities.values()
            if any(needle in name.lower() for name in (e.label, *e.synonyms))}


@pytest.fixture(scope="module")
def engines(hostile_data, server):
    from ketamine_kg.sparql.engines import MemoryEngine, OxigraphEngine
    from ketamine_kg.sparql.remote import RemoteEngine
    from ketamine_kg.store import NQUADS_FILE, get_store_dir, load_memory_store

    return {
        "oxigraph": OxigraphEngine(load_memory_store(hostile_data)),
        "memory": MemoryEngine.from_nquads(get_store_dir(hostile_data) / NQUADS_FILE),
        "remote": RemoteEngine(f"http://127.0.0.1:{server.port}/sparql"),
    }


@pytest.mark.parametrize("engine_name", ["oxigraph", "memory", "remote"])
def test_param_values_cannot_change_a_query(engines, hostile_dataset, engine_name):
    from ketamine_kg.sparql.catalogue import get_query

    engine = engines[engine_name]
    search = get_query("search-labels")
    found_any = 0
    for value in HOSTILE_VALUES:
        result = engine.run(search, search.bindings({"text": value}))
        got = {row[0].value for row in result.rows}
        assert result.variables == ["entity"]
        assert got == _expected_matches(hostile_dataset, value), f"{engine_name}: the value {value!r} changed the answer"
        found_any += bool(got)
    assert found_any >= len(SPARQL_LABELS)  # entity names holding SPARQL are found, as themselves


@pytest.mark.parametrize("engine_name", ["oxigraph", "memory", "remote"])
def test_iri_param_values_are_refused_or_one_iri(engines, engine_name):
    from ketamine_kg.errors import KkgError
    from ketamine_kg.sparql.catalogue import get_query

    engine = engines[engine_name]
    query = get_query("neighbourhood")
    for value in HOSTILE_VALUES + ["<http://x> } UNION { ?a ?b ?c", "kkg:x> } UNION { ?a ?b ?c . <y", "<>", "ketamine"]:
        try:
            bindings = query.bindings({"entity": value})
        except KkgError as exc:
            assert str(exc).startswith("--param: parameter 'entity'"), exc
            continue
        result = engine.run(query, bindings)
        subjects = {t[0].value for t in result.triples} | {t[2].value for t in result.triples if t[1].value != str(
            "http://www.w3.org/2000/01/rdf-schema#label")}
        if value == "ketamine":
            assert subjects  # the real entity has neighbours
        assert all(bindings["entity"].value in (t[0].value, t[2].value) or t[1].value.endswith("#label")
                   for t in result.triples), f"{value!r} widened the query"


def test_param_values_through_the_installed_command(hostile_data, hostile_dataset):
    for value in ['" } UNION { ?entity ?p ?o } #', SPARQL_LABELS["quote_union"], "}", "pain\n} #"]:
        proc = run_cli("query", "search-labels", "--param", f"text={value}", "--data", str(hostile_data), "-f", "tsv")
        assert proc.returncode == 0, proc.stderr
        rows = {line.strip("<>") for line in proc.stdout.splitlines()[1:] if line}
        assert rows == _expected_matches(hostile_dataset, value), value


# --- the endpoint --------------------------------------------------------------------------------

def test_updates_are_refused_and_the_graph_stays(server):
    before = _count(server)
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    attempts = [
        ("POST", "/sparql", urllib.parse.urlencode({"update": update}).encode(), form),
        ("POST", "/sparql", update.encode(), {"Content-Type": "application/sparql-update"}),
        ("POST", "/sparql", urllib.parse.urlencode({"query": update}).encode(), form),
        ("POST", "/sparql", "DROP ALL".encode(), {"Content-Type": "application/sparql-query"}),
        ("GET", "/sparql?" + urllib.parse.urlencode({"update": "CLEAR ALL"}), None, {}),
        ("GET", "/sparql?" + urllib.parse.urlencode({"query": "DELETE WHERE { ?s ?p ?o }"}), None, {}),
        ("PUT", "/sparql", b"<a:b> <a:c> <a:d> .", {"Content-Type": "application/n-triples"}),
        ("DELETE", "/sparql", None, {}),
    ]
    for method, path, body, headers in attempts:
        status, _, answer = server.request(method, path, body, headers)
        assert 400 <= status < 500, f"{method} {path[:60]}: {status} {answer[:200]!r}"
    assert _count(server) == before


@pytest.mark.parametrize("runaway, stopped_by", [
    ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", 503),  # counts it all: only the timeout stops it
    ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", 422),  # streams rows: the row cap stops it first
])
def test_runaway_query_is_stopped_and_the_server_answers(server, runaway, stopped_by):
    outcome = {}

    def run_away() -> None:
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = server.query(runaway, timeout=60)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_away)
    thread.start()
    time.sleep(0.3)
    status, _, body = server.query("ASK { ?s ?p ?o }")  # answered while the runaway runs (another worker)
    assert status == 200 and json.loads(body)["boolean"] is True
    thread.join(60)
    assert outcome["status"] == stopped_by, outcome
    assert outcome["seconds"] < 2 + 8  # the server's --timeout 2, and slack for a loaded machine
    started = time.monotonic()
    status, _, body = server.query("SELECT ?s WHERE { ?s a <http://www.w3.org/2002/07/owl#NamedIndividual> } LIMIT 5")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
    assert time.monotonic() - started < 10
    assert server.proc.poll() is None


def test_result_size_is_capped(server):
    status, _, body = server.query("SELECT * WHERE { ?s ?p ?o }")
    assert status == 422 and b"200 rows" in body
    status, _, body = server.query("SELECT * WHERE { ?s ?p ?o } LIMIT 200")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 200
    status, _, _ = server.query("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert status == 422


def test_request_size_is_limited(server):
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_000
    status, _, _ = server.request("POST", "/sparql", huge.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 413
    status, _, _ = server.request("POST", "/sparql", urllib.parse.urlencode({"query": huge}).encode(),
                                  {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    status, _, _ = server.request("GET", "/sparql?" + urllib.parse.urlencode({"query": huge}))
    assert status in (413, 414)
    # a body announced as huge is refused before it is read
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 10000000000\r\n\r\nSELECT")
        assert sock.recv(100).startswith(b"HTTP/1.1 413")
    assert _count(server) > 0


@pytest.mark.parametrize("content_length", [b"-1", b"abc", b"1e9"])
def test_malformed_content_length_is_refused(server, content_length):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: " + content_length + b"\r\n\r\nASK {}")
        answer = sock.recv(100)
    assert re.match(rb"HTTP/1\.[01] 4\d\d", answer), answer


TRAVERSALS = [
    "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/..%2f..%2fetc%2fpasswd",
    "//etc/passwd", "/etc/passwd", "/sparql/../../../etc/passwd", "/queries.json/../../etc/passwd",
    "/./././etc/passwd", "/..\\..\\etc\\passwd", "/%00/etc/passwd", "/templates/sparql.html", "/graph/server.py",
    "/pyproject.toml", "/index.html/..%2f..%2f..%2fetc%2fpasswd", "/file:///etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_file_is_served_outside_its_pages(server, path):
    status, _, body = server.request("GET", path)
    assert status in (400, 404), (status, body[:200])
    assert b"root:" not in body and b"import " not in body


def test_absolute_form_request_serves_no_file(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET file:///etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert re.match(rb"HTTP/1\.[01] 4\d\d", answer) and b"root:" not in answer


def test_query_page_is_guarded(server):
    status, headers, body = server.request("GET", "/")
    assert status == 200
    policy = headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert headers.get("X-Content-Type-Options") == "nosniff"
    script = body.decode("utf-8").split("<script>", 1)[1]
    assert "</script" not in script.split("const QUERIES =", 1)[1].split(";\n", 1)[0]  # the catalogue cannot close the tag


def test_localhost_by_default(hostile_data, tmp_path):
    served = Served("--data", str(hostile_data), "--workers", "1", host="127.0.0.1")
    try:
        assert not any(line.startswith("warning") for line in served.lines)
    finally:
        served.stop()
    proc = subprocess.run([cli_path(), "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert re.search(r"--host TEXT\s+Address to listen on.*\[default:\s*127\.0\.0\.1\]", " ".join(proc.stdout.split()))


def test_a_warning_when_bound_elsewhere(hostile_data):
    served = Served("--data", str(hostile_data), "--workers", "1", host="127.0.0.2")  # loopback, yet not localhost
    try:
        assert any(line.startswith("warning: listening on 127.0.0.2, not localhost") for line in served.lines), served.lines
        status, _, _ = served.query("ASK { ?s ?p ?o }")
        assert status == 200
    finally:
        served.stop()


# --- markup stays text in every page (headless Chromium) ------------------------------------------

@pytest.fixture(scope="module")
def browser():
    """One offline page of a headless Chromium (the project's one driver, ``ketamine_kg.dev.chromium``)."""
    if chromium_path() is None:
        pytest.skip("headless Chromium not found (apt-get install chromium)")
    with Browser() as chromium:
        yield Tab(chromium, width=1400, height=900)


MARKUP = ["<script>alert(", "<img src=x onerror=alert("]


def _inert(browser, scripts_allowed: int) -> str:
    """Check the open page ran nothing; return its text."""
    assert browser.problems() == [], browser.problems()
    assert browser.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.evaluate("document.querySelectorAll('script').length") <= scripts_allowed
    assert browser.evaluate("Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)"
                            ".some(a => a.name.startsWith('on'))).length") == 0
    return browser.evaluate("document.body.innerText")


def test_every_site_page_of_the_injected_article_is_inert(browser, hostile_dataset, tbox, tmp_path):
    from ketamine_kg.rdf.abox import get_data_graph
    from ketamine_kg.rdf.graphset import get_rdf_dataset
    from ketamine_kg.app.site import write_site

    rdf_dataset = get_rdf_dataset(get_data_graph(hostile_dataset), hostile_dataset.source.id, tbox)
    pages = [p for p in write_site(tmp_path, hostile_dataset, rdf_dataset) if p.suffix == ".html"]
    names = {p.name for p in pages}
    assert {"index.html", "graph.html", "ontology-graph.html"} <= names and any(n.startswith("query-") for n in names)
    marked = set()
    for page in pages:
        browser.open(page)
        _inert(browser, scripts_allowed=3)
        # where the data's markup is shown, it is there as text (in the page or in its graph data)
        shown = browser.evaluate("document.body.innerText") + json.dumps(
            browser.evaluate("window.kkg && window.kkg.details ? Object.values(window.kkg.details.nodes || {}) : []"))
        if "alert(" in shown:
            marked.add(page.name)
    assert {"index.html", "graph.html"} <= marked and len(marked) >= 3, marked
    assert {"article.html", "claims.html"} <= marked, marked  # the reader and the claims table show the quotes as text
    if "sparql.html" in names:  # answers of the offline SPARQL page: labels and quotes as text, in the table and the graph
        browser.open(tmp_path / "sparql.html")
        deadline = time.monotonic() + 30
        while browser.evaluate("document.body.getAttribute('data-ready')") != "1" and time.monotonic() < deadline:
            time.sleep(0.05)
        browser.evaluate("kkg.run('SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label')")
        browser.evaluate("document.querySelector('#tabs button[data-tab=graph]').click()")
        assert "alert(" in browser.evaluate("document.getElementById('table-view').innerText")
        _inert(browser, scripts_allowed=3)


def test_ontology_pages_are_inert(browser, hostile_dataset, tmp_path):
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDFS, SKOS

    from ketamine_kg.core import iris as ns
    from ketamine_kg.ontology.tbox import get_tbox_graph
    from ketamine_kg.views.ontology_page import get_ontology_page
    from ketamine_kg.rdf.abox import get_data_graph
    from ketamine_kg.rdf.graphset import get_rdf_dataset
    from ketamine_kg.app.render import get_view_graph
    from ketamine_kg.views.page import to_html

    tbox = get_tbox_graph()  # built afresh: the test changes it, the shared `tbox` fixture stays as it is
    substance = URIRef(ns.ONTOLOGY + "Substance")
    for triple in [(substance, RDFS.comment, Literal("a comment <script>alert(21)</script>")),
                   (substance, SKOS.definition, Literal('a definition <img src=x onerror=alert(22)> "quoted"')),
                   (substance, RDFS.label, Literal("substance <b onmouseover=alert(23)>bold</b>", lang="en"))]:
        tbox.set(triple)  # the pages show one label and one definition: make it the hostile one
    doc = tmp_path / "ontology.html"
    doc.write_text(get_ontology_page(tbox), encoding="utf-8")
    browser.open(doc)
    text = _inert(browser, scripts_allowed=1)
    assert "a definition <img src=x onerror=alert(22)>" in text and "substance <b onmouseover=alert(23)>bold</b>" in text
    rdf_dataset = get_rdf_dataset(get_data_graph(hostile_dataset), hostile_dataset.source.id, tbox)
    view = tmp_path / "ontology-graph.html"
    view.write_text(to_html(get_view_graph(rdf_dataset, "ontology")), encoding="utf-8")
    browser.open(view)
    _inert(browser, scripts_allowed=3)
    assert "alert(2" in json.dumps(browser.evaluate("Object.values(window.kkg.details.nodes)"))


def test_endpoint_page_shows_results_as_text(browser, server):
    browser.send("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1, uploadThroughput=-1)
    try:
        browser.events.clear()
        browser.send("Page.navigate", url=f"http://127.0.0.1:{server.port}/")
        deadline = time.monotonic() + 20
        while not browser.evaluate("document.readyState === 'complete' && !!document.getElementById('run')"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        browser.evaluate("""(() => { document.getElementById('text').value =
            'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?label WHERE { ?s rdfs:label ?label }';
            document.getElementById('run').click(); })()""")
        while "rows" not in (browser.evaluate("document.getElementById('status').textContent") or ""):
            assert time.monotonic() < deadline, browser.evaluate("document.getElementById('status').textContent")
            time.sleep(0.1)
        cells = browser.evaluate("Array.from(document.querySelectorAll('#out td')).map(td => td.textContent)")
        assert "ketamine <script>alert(3)</script> @en" in cells and "NMDA receptor <img src=x onerror=alert(6)> @en" in cells
        browser.events[:] = [e for e in browser.events if not (e.get("method") == "Network.requestWillBeSent"
                             and e["params"]["request"]["url"].startswith(f"http://127.0.0.1:{server.port}/"))]
        _inert(browser, scripts_allowed=1)
    finally:
        browser.send("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=0, uploadThroughput=0)
