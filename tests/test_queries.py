"""The named queries: expected answers on both engines, parameters, formats, errors, the store."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from ketamine_kg.errors import KkgError, QueryError, ReadOnlyError
from ketamine_kg.load.dataset import default_data_dir
from ketamine_kg.sparql.catalogue import get_query, list_queries, parse_param_options, parse_query
from ketamine_kg.sparql.engines import MemoryEngine, OxigraphEngine, check_not_update, run_query
from ketamine_kg.sparql.lexer import requires_internet, with_values
from ketamine_kg.sparql.results import display_iri, to_bytes
from ketamine_kg.store import NQUADS_FILE, get_store_dir, get_store_key, open_store

EXPECTED = yaml.safe_load((Path(__file__).parent / "queries_expected.yaml").read_text(encoding="utf-8"))
OFFLINE = [q.name for q in list_queries() if "internet" not in q.requires]
CLI = [str(Path(sys.executable).parent / "ketamine-kg")]


@pytest.fixture(scope="session")
def cache(store_cache) -> Path:
    get_store_dir(None)  # build once in the session's cache (with the reasoner where installed)
    return store_cache


@pytest.fixture(scope="session")
def engines(cache):
    return {"oxigraph": OxigraphEngine(open_store(None)),
            "memory": MemoryEngine.from_nquads(get_store_dir(None) / NQUADS_FILE)}


def show(term) -> str | None:
    if term is None:
        return None
    return display_iri(term.value) if term.kind == "uri" else term.value


def answer(result):
    if result.form == "ask":
        return result.boolean
    if result.form == "graph":
        return [[show(t) for t in triple] for triple in result.triples]
    return [[show(t) for t in row] for row in result.rows]


def mapping_rows() -> list[dict]:
    """mappings.sssom.tsv read with the csv module, independently of the loader."""
    path = default_data_dir() / "mappings.sssom.tsv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def entity_ids() -> list[str]:
    return [e["id"] for e in yaml.safe_load((default_data_dir() / "entities.yaml").read_text(encoding="utf-8"))]


@pytest.mark.parametrize("engine_name", ["oxigraph", "memory"])
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_expected_answer(case, engine_name, engines):
    spec = EXPECTED[case]
    query = get_query(spec.get("query", case))
    got = answer(run_query(engines[engine_name], query, {k: str(v) for k, v in (spec.get("params") or {}).items()}))
    if "rows" in spec:
        assert got == [[None if v is None else str(v) for v in row] for row in spec["rows"]]
    if "boolean" in spec:
        assert got is spec["boolean"]
    if "count" in spec:
        assert len(got) == spec["count"]
    for row in spec.get("contains", []):
        assert row in got
    for row in spec.get("excludes", []):
        assert row not in got
    if spec.get("from_mappings") == "mapped":
        rows = [r for r in mapping_rows() if r["object_id"] != "sssom:NoTermFound"]
        expected = {(f"kkg:{r['subject_id'].split(':', 1)[1]}", r["predicate_id"], r["object_id"]) for r in rows}
        assert {(row[0], row[1], row[3]) for row in got} == expected
    if spec.get("from_mappings") == "unmapped":
        mapped = {r["subject_id"].split(":", 1)[1] for r in mapping_rows() if r["object_id"] != "sssom:NoTermFound"}
        assert {row[0] for row in got} == {f"kkg:{e}" for e in entity_ids() if e not in mapped}


def test_every_offline_query_has_an_expected_answer():
    covered = {spec.get("query", name) for name, spec in EXPECTED.items()}
    assert set(OFFLINE) - covered == set()


@pytest.mark.parametrize("name", OFFLINE)
def test_engines_agree(name, engines):
    query = get_query(name)
    a = run_query(engines["oxigraph"], query)
    b = run_query(engines["memory"], query)
    assert a.form == b.form
    if a.form == "graph":
        assert set(a.triples) == set(b.triples)
    else:
        assert (a.variables, a.rows, a.boolean) == (b.variables, b.rows, b.boolean)


def test_oxigraph_rows_keep_unbound_cells_and_every_term_as_it_is():
    """OxigraphEngine converts each repeated term once: unbound cells stay None, and terms that look alike stay apart."""
    import pyoxigraph as ox

    from ketamine_kg.core.terms import Term

    ex, integer, decimal = "http://example.org/", "http://www.w3.org/2001/XMLSchema#integer", "http://www.w3.org/2001/XMLSchema#decimal"
    store = ox.Store()
    a, p = ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p")
    for value in (ox.Literal("1", datatype=ox.NamedNode(integer)), ox.Literal("1", datatype=ox.NamedNode(decimal)),
                  ox.Literal("1"), ox.Literal("1", language="en"), ox.NamedNode(ex + "1")):
        store.add(ox.Quad(a, p, value))
    query = parse_query("SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/q> ?none } } ORDER BY STR(?o) LANG(?o) STR(DATATYPE(?o))", "t")
    rows = OxigraphEngine(store).run(query).rows
    assert [r[2] for r in rows] == [None] * 5 and all(r[0] == Term("uri", ex + "a") for r in rows)
    assert sorted((r[1].kind, r[1].value, r[1].datatype or "", r[1].lang or "") for r in rows) == [
        ("literal", "1", "", ""), ("literal", "1", "", "en"), ("literal", "1", decimal, ""),
        ("literal", "1", integer, ""), ("uri", ex + "1", "", "")]


def test_catalogue_headers():
    queries = list_queries()
    assert len(queries) >= 15
    for q in queries:
        assert q.question.endswith(("?", ".", ")")), q.name
        assert q.form in ("SELECT", "CONSTRUCT", "ASK"), q.name
    forms = {q.form for q in queries}
    # No DESCRIBE: the spec leaves its answer to each engine, and the named queries must
    # answer the same everywhere (test_describe_runs_on_both_engines covers the form).
    assert forms == {"SELECT", "CONSTRUCT", "ASK"}
    assert any("internet" in q.requires and "SERVICE" in q.text for q in queries)


@pytest.mark.parametrize("engine_name", ["oxigraph", "memory"])
def test_describe_runs_on_both_engines(engine_name, engines):
    """DESCRIBE is still answered (as a graph), though no named query uses it."""
    query = parse_query("PREFIX kkg: <https://w3id.org/ketamine-kg/entity/>\nDESCRIBE kkg:ketamine", "describe")
    result = run_query(engines[engine_name], query)
    assert result.form == "graph"
    assert ["kkg:ketamine", "rdfs:label", "ketamine"] in answer(result)


def test_memory_engine_leaves_the_callers_dataset_as_it_was():
    """MemoryEngine queries its own union view; it used to set default_union on the caller's dataset."""
    from rdflib import Dataset, Literal, URIRef

    dataset = Dataset()
    dataset.graph(URIRef("https://example.org/g1")).add((URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("one")))
    dataset.graph(URIRef("https://example.org/g2")).add((URIRef("https://example.org/b"), URIRef("https://example.org/p"), Literal("two")))
    quads = set(dataset.quads((None, None, None, None)))
    engine = MemoryEngine(dataset)
    result = engine.run(parse_query("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", "q"))
    assert [row[0].value for row in result.rows] == ["one", "two"]  # the engine sees the union of the graphs
    assert dataset.default_union is False
    assert set(dataset.quads((None, None, None, None))) == quads
    assert not list(dataset.triples((None, None, None)))  # the caller's default graph is still empty, not the union


def test_the_lexer_tells_queries_that_need_the_internet():
    needs = {q.name for q in list_queries() if requires_internet(q.text)}
    assert needs == {q.name for q in list_queries() if "internet" in q.requires}
    assert not requires_internet("SELECT * WHERE { ?s ?p 'SERVICE' } # SERVICE <x:y>")


def test_federated_query_parses_on_both_engines():
    import pyoxigraph
    from rdflib.plugins.sparql import prepareQuery

    query = get_query("wikidata-descriptions")
    pyoxigraph.Store().query(query.text)  # parses; the lazy answer is never read, so no request is sent
    prepareQuery(query.text)


# --- parameters are bound, never pasted -------------------------------------------

HOSTILE = ['pain" } UNION { ?entity ?p ?o } #', "pain' } ", "}", '\\" } ', 'x"""} ; DROP ALL', "{ ?s ?p ?o }"]


@pytest.mark.parametrize("engine_name", ["oxigraph", "memory"])
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_cannot_change_the_query(value, engine_name, engines):
    engine = engines[engine_name]
    assert run_query(engine, get_query("search-labels"), {"text": value}).rows == []
    assert run_query(engine, get_query("claim-evidence"), {"claim_id": "ketamine-treats-depression" + value}).rows == []


@pytest.mark.parametrize("value", ['kkg:ketamine> } UNION { ?s ?p ?o', "<http://x/a> <http://x/b>", "not an iri!", "<a b>"])
def test_hostile_iri_values_are_refused(value):
    with pytest.raises(KkgError, match="IRI"):
        get_query("receptors-of-substance").bindings({"substance": value})


def test_values_block_opens_the_where_clause():
    query = get_query("neighbourhood")
    text = with_values(query.text, query.bindings({"entity": "ketamine"}))
    assert "CONSTRUCT {" in text and "WHERE { VALUES (?entity) { (<https://w3id.org/ketamine-kg/entity/ketamine>) }" in text


def test_unknown_parameter_is_refused():
    with pytest.raises(KkgError, match="unknown parameter 'drug'"):
        get_query("receptors-of-substance").bindings({"drug": "ketamine"})


# --- formats ----------------------------------------------------------------------

def test_result_formats(engines):
    engine = engines["oxigraph"]
    result = run_query(engine, get_query("formulations-under-study"))
    data = json.loads(to_bytes(result, "json"))
    assert data["head"]["vars"] == ["substance", "formulation", "purpose", "claim_id"]
    assert data["results"]["bindings"][0]["formulation"] == {"type": "uri", "value": "https://w3id.org/ketamine-kg/entity/nasal_spray"}
    root = ET.fromstring(to_bytes(result, "xml"))
    assert len(root.findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 2
    rows = list(csv.reader(io.StringIO(to_bytes(result, "csv").decode())))
    assert rows[0] == ["substance", "formulation", "purpose", "claim_id"] and len(rows) == 3
    tsv = to_bytes(result, "tsv").decode().splitlines()
    assert tsv[0] == "?substance\t?formulation\t?purpose\t?claim_id"
    assert tsv[1].startswith("<https://w3id.org/ketamine-kg/entity/ketamine>\t")
    table = to_bytes(result, "table", labels=engine.labels(result.iris())).decode()
    assert "kkg:nasal_spray (nasal spray)" in table and "(2 rows)" in table
    ask = run_query(engine, get_query("has-approval"))
    assert json.loads(to_bytes(ask, "json")) == {"head": {}, "boolean": False}


# --- the command --------------------------------------------------------------------

def kkg(*args, cache: Path):
    env = {**os.environ, "KETAMINE_KG_CACHE": str(cache)}
    return subprocess.run(CLI + list(args), capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("args, message", [
    (["query", "receptors-of-ketamin"], "unknown query 'receptors-of-ketamin'; did you mean 'receptors-of-substance'?"),
    (["query", "has-approval", "--param", "substance"], "write a parameter as NAME=VALUE"),
    (["query", "has-approval", "--param", "drug=ketamine"], "unknown parameter 'drug'"),
    (["query", "PREFIX kkgo: <https://w3id.org/ketamine-kg/ontology#>\nSELECT ?x WHERE {\n  ?x kkgo:treats \n}"],
     "query:4:1: SPARQL syntax error"),
    (["query", "SELECT ?x WHERE { ?x nope:p ?y }"], "undefined prefix"),
    (["query", "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }"], "read-only"),
    (["query", "approvals", "--format", "turtle"], "for CONSTRUCT and DESCRIBE"),
])
def test_cli_errors_are_one_line(args, message, cache):
    run = kkg(*args, cache=cache)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], run.stderr


def test_cli_syntax_error_shows_the_line(cache):
    run = kkg("query", "SELECT ?x WHERE {\n  ?x ?p ?o\n}\nLIMT 5", cache=cache)
    assert run.returncode == 1 and "error: query:4:" in run.stderr and "the line reads: LIMT 5" in run.stderr


def test_cli_runs_a_named_query_without_rebuilding(cache):
    """With a current store, `query` imports neither the builder (rdf.graphset) nor owlready2 nor rdflib."""
    code = ("import sys\nfrom ketamine_kg.cli import main\n"
            "try:\n    main(['query', 'receptors-of-substance', '--format', 'csv'])\nexcept SystemExit:\n    pass\n"
            "print('LOADED', 'ketamine_kg.rdf.graphset' in sys.modules, 'owlready2' in sys.modules, 'rdflib' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "KETAMINE_KG_CACHE": str(cache)})
    assert "ketamine-antagonist-of-nmda-receptor" in run.stdout
    assert "LOADED False False False" in run.stdout, run.stdout + run.stderr


def test_cli_list_and_params(cache):
    listing = kkg("query", "--list", cache=cache).stdout
    assert "receptors-of-substance" in listing and "--param substance=VALUE" in listing
    run = kkg("query", "has-approval", "-p", "substance=esketamine", "--store", "memory", cache=cache)
    assert run.returncode == 0 and run.stdout.strip() == "true"


# --- the store ----------------------------------------------------------------------

def test_store_key_follows_the_data(tmp_path, cache):
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    key = get_store_key(data)
    assert get_store_key(data) == key
    path = data / "claims.yaml"
    path.write_bytes(path.read_bytes() + b"\n# a comment changes the bytes\n")
    assert get_store_key(data) != key


def test_store_rebuilds_when_data_changes(tmp_path, cache, monkeypatch):
    monkeypatch.setattr("ketamine_kg.store.reasoner_available", lambda: False)  # fast: the reasoner is not under test
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    first = get_store_dir(data)
    assert get_store_dir(data) == first
    path = data / "entities.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("label: fibromyalgia", "label: fibromyalgia syndrome"), encoding="utf-8")
    second = get_store_dir(data)
    assert second != first
    labels = OxigraphEngine(open_store(data)).labels({"https://w3id.org/ketamine-kg/entity/fibromyalgia"})
    assert labels == {"https://w3id.org/ketamine-kg/entity/fibromyalgia": "fibromyalgia syndrome"}


def test_store_builds_with_the_builder_it_is_given(tmp_path):
    """The store does not know how the graph is made: the caller passes the builder in."""
    from rdflib import Dataset, Literal, URIRef

    calls = []

    def builder(data_dir, reason):
        calls.append((data_dir, reason))
        dataset = Dataset()
        dataset.graph(URIRef("https://example.org/g")).add((URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("x")))
        return None, dataset, 0, []

    folder = get_store_dir(None, cache_dir=tmp_path, builder=builder)
    assert len(calls) == 1 and calls[0][0] == default_data_dir()
    assert get_store_dir(None, cache_dir=tmp_path, builder=builder) == folder and len(calls) == 1  # current: not rebuilt
    assert "<https://example.org/a>" in (folder / NQUADS_FILE).read_text(encoding="utf-8")


def test_query_errors_are_typed():
    with pytest.raises(ReadOnlyError):
        check_not_update(parse_query("INSERT DATA { <x:a> <x:b> <x:c> }", "q"))
    with pytest.raises(QueryError):
        get_query("no-such-query-here")
    with pytest.raises(QueryError):
        parse_param_options(["no-equals-sign"])


def test_header_errors_name_file_and_line(tmp_path):
    path = tmp_path / "bad.rq"
    path.write_text("# A question?\n# param: substance\nSELECT * WHERE { ?substance ?p ?o }\n", encoding="utf-8")
    with pytest.raises(KkgError, match=r"bad.rq:2: write a parameter as"):
        get_query(str(path))
    with pytest.raises(KkgError, match="not a variable of the query"):
        parse_query("# Q?\n# param: drug kkg:ketamine\nASK { ?s ?p ?o }", "q")


def test_old_query_name_still_works():
    """receptors-of-ketamine was renamed receptors-of-substance (issue 12); the old name stays an alias for a release."""
    assert get_query("receptors-of-ketamine") == get_query("receptors-of-substance")
