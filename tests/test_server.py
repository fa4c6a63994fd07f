"""`ketamine-kg serve` with real clients: SPARQLWrapper and curl against a running server on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from ketamine_kg.app.server import make_server, serve_in_thread
from ketamine_kg.store import get_store_dir

SPARQLWrapper = pytest.importorskip("SPARQLWrapper", reason="SPARQLWrapper is a test extra: pip install -e '.[test]'")
CURL = shutil.which("curl")
DISORDERS = "PREFIX kkgo: <https://w3id.org/ketamine-kg/ontology#> SELECT ?d WHERE { ?d a kkgo:Disorder } ORDER BY ?d"


@pytest.fixture(scope="module")
def endpoint(store_cache):
    get_store_dir(None)
    server = make_server(None, "127.0.0.1", 0, timeout=3.0, max_rows=500, max_request=8192, workers=2)
    serve_in_thread(server)
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()
    server.pool.close()


def client(endpoint):
    from SPARQLWrapper import SPARQLWrapper as Wrapper

    return Wrapper(endpoint + "/sparql")


def test_sparqlwrapper_select_json_and_xml(endpoint):
    from SPARQLWrapper import JSON, XML

    sparql = client(endpoint)
    sparql.setQuery(DISORDERS)
    sparql.setReturnFormat(JSON)
    rows = sparql.query().convert()["results"]["bindings"]
    names = [r["d"]["value"].rsplit("/", 1)[1] for r in rows]
    assert {"depression", "fibromyalgia", "treatment_resistant_depression"} <= set(names)
    sparql.setReturnFormat(XML)
    document = sparql.query().convert()
    assert len(document.getElementsByTagName("result")) == len(rows)


def test_sparqlwrapper_get_ask_and_construct(endpoint):
    from SPARQLWrapper import GET, JSON, TURTLE

    sparql = client(endpoint)
    sparql.setMethod(GET)
    sparql.setQuery("PREFIX kkgo: <https://w3id.org/ketamine-kg/ontology#> "
                    "ASK { <https://w3id.org/ketamine-kg/entity/esketamine> kkgo:approved_for ?x }")
    sparql.setReturnFormat(JSON)
    assert sparql.query().convert()["boolean"] is True
    sparql.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <https://w3id.org/ketamine-kg/entity/fda>) }")
    sparql.setReturnFormat(TURTLE)
    turtle = sparql.query().convert().decode()
    assert "U.S. Food and Drug Administration" in turtle


def test_updates_are_refused(endpoint):
    from SPARQLWrapper import POST
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    sparql = client(endpoint)
    sparql.setMethod(POST)
    sparql.setQuery("INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)) as info:
        sparql.query()
    assert "403" in str(info.value) or "read-only" in str(info.value)
    request = urllib.request.Request(endpoint + "/sparql", data=b"DELETE WHERE { ?s ?p ?o }", method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request)
    assert err.value.code == 403


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
@pytest.mark.parametrize("accept, marker", [
    ("text/csv", "d\r\nhttps://w3id.org/ketamine-kg/entity/"),
    ("text/tab-separated-values", "?d\n<https://w3id.org/ketamine-kg/entity/"),
    ("application/sparql-results+xml", "<sparql xmlns="),
    ("application/sparql-results+json", '"vars": [\n   "d"'),
])
def test_curl_content_negotiation(endpoint, accept, marker):
    run = subprocess.run([CURL, "-s", "-H", f"Accept: {accept}", "--data-urlencode", f"query={DISORDERS}",
                          endpoint + "/sparql"], capture_output=True, timeout=30)
    assert marker in run.stdout.decode("utf-8")  # bytes: CSV lines end in CRLF


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_status_codes(endpoint):
    def status(*args):
        run = subprocess.run([CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}", *args], capture_output=True, text=True, timeout=30)
        return run.stdout

    assert status("--path-as-is", endpoint + "/../../etc/passwd") == "404"
    assert status(endpoint + "/graph/data/claims.yaml") == "404"
    assert status(endpoint + "/") == "200"
    assert status("-H", "Content-Type: application/sparql-query", "--data", "SELECT * WHERE { ?s ?p ?o }",
                  endpoint + "/sparql") == "422"  # more rows than the cap of 500
    assert status("-H", "Content-Type: application/sparql-query", "--data", "x" * 9000, endpoint + "/sparql") == "413"
    assert status("--data-urlencode", "query=SELECT ?x WHERE { ?x ", endpoint + "/sparql") == "400"
    assert status("-H", "Accept: image/png", "--data-urlencode", f"query={DISORDERS}", endpoint + "/sparql") == "406"


def test_runaway_query_is_stopped_and_the_server_keeps_answering(endpoint):
    cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    start = time.monotonic()
    request = urllib.request.Request(endpoint + "/sparql", data=cross.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-query"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=30)
    assert err.value.code == 503 and time.monotonic() - start < 10
    with urllib.request.urlopen(endpoint + "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", timeout=30) as response:
        assert json.loads(response.read())["boolean"] is True


def test_page_is_offline_and_escapes_the_catalogue(endpoint):
    with urllib.request.urlopen(endpoint + "/", timeout=30) as response:
        page = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "http://" not in page.split("<script>")[0].replace("http://www.w3.org", "")  # no external stylesheet
    assert "<script src" not in page and "<link" not in page
    assert "receptors-of-substance" in page
    # the queries' text (with <IRIs>) is embedded with < escaped, so no </script> can end the script early
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    assert "<https://" not in script
    assert "textContent" in script and "innerHTML" not in script


def test_binding_elsewhere_warns():
    import socket

    from click.testing import CliRunner

    from ketamine_kg.cli.serve import serve
    from ketamine_kg.errors import KkgError

    # a port already taken: the command warns about the address, then fails with one line instead of serving
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(serve, ["--host", "0.0.0.0", "--port", str(port)])
    assert "warning: listening on 0.0.0.0" in result.output
    assert isinstance(result.exception, KkgError) and "cannot listen" in str(result.exception)


class Refusing:
    """An engine whose every query fails with one given error."""

    name = "refusing"

    def __init__(self, error):
        self.error = error

    def run(self, query, bindings=None, *, max_rows=None):
        raise self.error

    def labels(self, iris):
        return {}


def test_status_follows_the_error_type_not_its_words():
    """The server used to pick 403 by finding "read-only" in the message; the type decides now."""
    from ketamine_kg.app.server.worker import answer
    from ketamine_kg.errors import EndpointError, KkgError, QueryError, ReadOnlyError

    text = "SELECT * WHERE { ?s ?p ?o }"
    status, content_type, body = answer(Refusing(ReadOnlyError(None, None, "updates go elsewhere")), text, "", None, 10)
    assert (status, body) == (403, b"updates go elsewhere\n") and content_type.startswith("text/plain")
    assert answer(Refusing(QueryError(None, None, "this graph is read-only, but the query is just bad")), text, "", None, 10)[0] == 400
    assert answer(Refusing(EndpointError("http://x/", None, "down")), text, "", None, 10)[0] == 502
    assert answer(Refusing(KkgError(None, None, "read-only")), text, "", None, 10)[0] == 400
    assert answer(Refusing(RuntimeError("boom")), text, "", None, 10)[0] == 500


def test_simultaneous_runaways_do_not_hold_up_a_named_query(store_cache):
    """Issue 7: three runaways sent at once used to take both workers for the whole timeout."""
    import threading

    from ketamine_kg.sparql.catalogue import get_query
    from ketamine_kg.sparql.lexer import with_values

    timeout = 8.0
    server = make_server(None, "127.0.0.1", 0, timeout=timeout, max_rows=500, workers=2)
    serve_in_thread(server)
    url = "http://%s:%d/sparql" % server.server_address[:2]
    cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcomes = []

    def run_away() -> None:
        request = urllib.request.Request(url, data=cross.encode(), method="POST",
                                         headers={"Content-Type": "application/sparql-query"})
        try:
            urllib.request.urlopen(request, timeout=60)
            outcomes.append((200, None))
        except urllib.error.HTTPError as err:
            outcomes.append((err.code, err.headers.get("Retry-After")))

    try:
        threads = [threading.Thread(target=run_away) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        named = get_query("approvals")
        started = time.monotonic()
        request = urllib.request.Request(url, data=with_values(named.text, named.bindings()).encode(), method="POST",
                                         headers={"Content-Type": "application/sparql-query",
                                                  "Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            rows = json.loads(response.read())["results"]["bindings"]
        seconds = time.monotonic() - started
        assert rows and seconds < timeout / 2, f"the named query waited {seconds:.1f} s behind the runaways"
        assert server.pool.total <= 4  # never more than twice the pool
        assert not outcomes  # answered before any runaway ended
        for thread in threads:
            thread.join(60)
        # two run to the timeout; the third from the same address is stopped early, with a Retry-After
        assert sorted(status for status, _ in outcomes) == [429, 503, 503], outcomes
        assert all(int(after) >= 1 for status, after in outcomes if status == 429)
        deadline = time.monotonic() + 10
        while server.pool.total != 2 and time.monotonic() < deadline:
            urllib.request.urlopen(url + "?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", timeout=30).read()
            time.sleep(0.2)
        assert server.pool.total == 2  # the extras are retired once nothing is stuck
    finally:
        server.shutdown()
        server.server_close()
        server.pool.close()


def test_the_per_client_cap_counts_every_loopback_address_as_one_client(store_cache):
    """Issue 16: runaways sent from 127.0.0.2 and 127.0.0.3 as well as 127.0.0.1 used to get a cap each."""
    import http.client
    import threading

    server = make_server(None, "127.0.0.1", 0, timeout=4.0, max_rows=500, workers=2)
    serve_in_thread(server)
    host, port = server.server_address[:2]
    cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    statuses: list[int] = []

    def run_away(source: str) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60, source_address=(source, 0))
        try:
            conn.request("POST", "/sparql", cross.encode(), {"Content-Type": "application/sparql-query"})
            statuses.append(conn.getresponse().status)
        finally:
            conn.close()

    try:
        threads = [threading.Thread(target=run_away, args=(f"127.0.0.{n}",)) for n in (1, 2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        # one client (this machine) holds at most per_client (the pool's size, 2) stuck queries
        assert sorted(statuses) == [429, 503, 503], statuses
    finally:
        server.shutdown()
        server.server_close()
        server.pool.close()
