"""`push` and `query --endpoint` against a real `oxigraph serve`, started on loopback by the test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ketamine_kg.errors import KkgError
from ketamine_kg.app.push import push_graphs
from ketamine_kg.sparql.catalogue import get_query, list_queries, parse_query
from ketamine_kg.sparql.engines import OxigraphEngine, run_query
from ketamine_kg.sparql.remote import RemoteEngine
from ketamine_kg.store import get_store_dir, open_store

OXIGRAPH = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="the `oxigraph` server is not installed (pip install -e '.[test]')")
OFFLINE = [q.name for q in list_queries() if "internet" not in q.requires]
CASES = [(name, {}) for name in OFFLINE] + [
    ("has-approval", {"substance": "esketamine"}),
    ("claim-evidence", {"claim_id": "ketamine-treats-migraine"}),
    ("search-labels", {"text": 'pain" } UNION { ?entity ?p ?o } #'}),
    ("neighbourhood", {"entity": "kkg:dissociation"}),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory, store_cache):
    get_store_dir(None)
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph-db")),
                                "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("oxigraph serve did not start")
    lines = list(push_graphs(None, base + "/query"))
    yield base, lines
    process.terminate()
    process.wait(10)


def test_push_reports_every_graph(oxigraph_server):
    _, lines = oxigraph_server
    assert any(line.startswith("https://w3id.org/ketamine-kg/graph/ontology: ") for line in lines)
    assert len(lines) == len(list(open_store(None).named_graphs()))


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}{'-' + '-'.join(p) if p else ''}" for n, p in CASES])
def test_remote_answers_equal_the_embedded_store(name, params, oxigraph_server):
    base, _ = oxigraph_server
    query = get_query(name)
    local = run_query(OxigraphEngine(open_store(None)), query, params)
    remote = run_query(RemoteEngine(base + "/query"), query, params)
    assert remote.form == local.form
    if local.form == "graph":
        assert set(remote.triples) == set(local.triples) and local.triples
    else:
        assert (remote.variables, remote.rows, remote.boolean) == (local.variables, local.rows, local.boolean)


def test_cli_query_endpoint(oxigraph_server):
    base, _ = oxigraph_server
    run = subprocess.run([str(Path(sys.executable).parent / "ketamine-kg"), "query", "approvals", "--endpoint",
                          base + "/query", "--format", "csv"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "Spravato (esketamine) nasal spray" in run.stdout


def test_unreachable_endpoint_is_one_clear_error():
    with pytest.raises(KkgError, match="cannot reach the endpoint"):
        run_query(RemoteEngine(f"http://127.0.0.1:{free_port()}/query", timeout=5), get_query("approvals"))


def test_long_queries_go_as_form_posts(oxigraph_server):
    """Short queries go as GET ?query=, long ones as a form POST; the server answers both alike."""
    base, _ = oxigraph_server
    engine = RemoteEngine(base + "/query")
    short = get_query("approvals")
    long = parse_query(short.text + "\n# " + "padding " * 400, "approvals-long")
    assert engine.request(short.text, "*/*").get_method() == "GET"
    request = engine.request(long.text, "*/*")
    assert request.get_method() == "POST" and request.get_header("Content-type").startswith("application/x-www-form-urlencoded")
    a, b = engine.run(short), engine.run(long)
    assert a.rows and a.rows == b.rows
