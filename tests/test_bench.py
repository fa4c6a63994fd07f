"""The benchmark harness: the table printer, the query classifier, and a tiny run end to end (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ketamine_kg.dev.bench import BenchConfig, Row, count_patterns, run_worker, to_table

from helpers import cli_path

MACHINE = {"cpu": "Test CPU", "cores": 2, "ram_gb": 8.0, "os": "Linux", "python": "3.11",
           "versions": {"rdflib": "7.6.0", "pyoxigraph": "0.5.13"}, "chromium": "Chromium 1", "date": "2026-01-01 00:00 UTC"}


@pytest.mark.parametrize("row,expected", [
    (Row("load", "load", 1.5, "s", compare=30.0, ratio=20.0, target="< 5 s", ok=True), ["1.500 s", "30.0 s", "20.0x", "< 5 s", "yes"]),
    (Row("query", "q", 0.5, "ms", compare=3000.0, ratio=6000.0, over=True, ok=True), ["0.50 ms", "> 3000 ms", ">6000.0x"]),
    (Row("query", "q", 250.0, "ms", target="<= 100 ms", ok=False), ["250 ms", "<= 100 ms", "NO"]),
    (Row("load", "rate", 443886.0, "triples/s"), ["443,886 triples/s"]),
    (Row("memory", "peak", 812.4, "MB"), ["812 MB"]),
    (Row("build", "stage: reasoning", None, "s", note="not installed"), ["not measured", "[build / stage: reasoning] not installed"]),
])
def test_table_shows_each_figure(row, expected):
    table = to_table([row], MACHINE)
    for text in expected:
        assert text in table, (text, table)


def test_table_header_names_machine_versions_and_date_and_aligns_columns():
    rows = [Row("a", "short", 1.0, "s"), Row("b", "a much longer figure name", 2.0, "s", compare=4.0, ratio=2.0)]
    lines = to_table(rows, MACHINE).splitlines()
    assert "Test CPU, 2 cores, 8.0 GB RAM" in lines[0]
    assert "rdflib 7.6.0" in lines[1] and "Chromium 1" in lines[1]
    assert lines[2] == "date: 2026-01-01 00:00 UTC"
    header = next(i for i, l in enumerate(lines) if l.startswith("section"))
    body = lines[header + 2: header + 4]
    column = lines[header].index("ketamine-kg")
    assert all(l[column:].startswith(v) for l, v in zip(body, ["1.000 s", "2.000 s"]))


@pytest.mark.parametrize("query,patterns", [
    ("SELECT * WHERE { ?s ?p ?o }", 1),
    ("SELECT * WHERE { ?s a ?t . ?s ?p ?o }", 2),
    ("SELECT * WHERE { ?s a ?t OPTIONAL { ?s ?p ?o } }", 2),
    ("SELECT * WHERE { { ?s a ?t } UNION { ?s ?p ?o . ?o a ?u } }", 3),
    ("SELECT * WHERE { ?s <http://x/p>* ?o }", 1),
])
def test_count_patterns_decides_what_is_a_join(query, patterns):
    from rdflib.plugins.sparql import prepareQuery

    assert count_patterns(prepareQuery(query).algebra) == patterns


def test_a_worker_that_runs_too_long_is_killed_and_reported():
    config = {"path": "/nonexistent.nq", "seed": 0, "triples": 10**9}
    start = __import__("time").perf_counter()
    records, timed_out, _ = run_worker("generate", config, timeout=1.0)
    assert timed_out and records == []
    assert __import__("time").perf_counter() - start < 10


def test_quick_config_is_smaller_than_the_full_one():
    quick, full = BenchConfig.quick(), BenchConfig()
    assert quick.triples < full.triples and max(quick.page_nodes) <= min(full.page_nodes)
    assert full.triples >= 1_000_000 and 10_000 in full.page_nodes and 2_000 in full.page_nodes
    assert 0 < quick.disk_triples < full.disk_triples == 10_000_000 and "disk" in full.parts


def test_tiny_run_end_to_end_prints_every_row(tmp_path):
    """The whole harness on tiny sizes: every section is measured and printed, with rdflib beside Oxigraph."""
    from ketamine_kg.dev.bench import get_machine, run_bench, to_json
    from ketamine_kg.dev.chromium import chromium_path
    from ketamine_kg.sparql.catalogue import list_queries

    config = BenchConfig.quick(triples=3000, page_nodes=(40,), query_timeout=5.0, render=False,
                               browser=chromium_path() is not None, corpus_articles=3, corpus_repeats=2,
                               disk_triples=3000)
    rows = run_bench(config)
    sections = {r.section for r in rows}
    assert sections == {"build", "nquads", "load", "query", "memory", "page",
                        "corpus", "corpus load", "corpus query", "corpus memory", "disk", "disk query", "disk memory"}
    table = to_table(rows, get_machine())
    for row in rows:
        assert row.name in table
    local = [q.name for q in list_queries() if not q.requires]
    for section in ("query", "corpus query", "disk query"):
        measured = {r.name.split(" (")[0] for r in rows if r.section == section and r.value is not None}
        assert set(local) <= measured, (section, set(local) - measured)
    load = next(r for r in rows if r.section == "load" and r.name.startswith("load ") and "disk" not in r.name)
    assert load.value and load.compare and load.ratio  # both stores loaded, side by side
    corpus = next(r for r in rows if r.name.startswith("synthetic corpus"))
    assert corpus.value >= 3000
    assert all(r.value and r.value > 0 for r in rows if r.section in ("memory", "corpus memory"))
    # The corpus path: the folders were built (wall time, triples), the store it wrote was loaded
    # and the cross-source queries answered on it, each with a median and a 95th percentile.
    build = next(r for r in rows if r.section == "corpus" and r.name.startswith("build --corpus, 3 articles"))
    assert build.value and build.value > 0 and "triples" in build.name
    assert next(r for r in rows if r.section == "corpus load" and r.name.startswith("load ")).value
    for name in ("agreement", "conflicts", "sources-of"):
        row = next(r for r in rows if r.section == "corpus query" and r.name.startswith(name + " ("))
        assert row.value is not None and row.p95 is not None and row.p95 >= row.value, row
        assert " 0 rows" not in row.name, row  # three notes share and dispute statements
    # The on-disk store: loaded (with a rate and a size), every query timed there with a p95.
    disk = {r.name.split(" (")[0]: r for r in rows if r.section == "disk"}
    assert disk["load into an on-disk store"].value and disk["load rate"].value and disk["store size on disk"].value
    assert all(r.p95 is not None and r.p95 >= r.value for r in rows if r.section == "disk query" and r.name.split(" (")[0] in local)
    assert "p95" in table.splitlines()[4]
    if config.browser:
        page = next(r for r in rows if r.name.endswith("interactive in Chromium"))
        assert page.value is not None and page.value > 0, page.note
    data = json.loads(to_json(rows, get_machine(), config))
    assert len(data["rows"]) == len(rows) and data["machine"]["cores"]


def test_only_runs_the_parts_asked_for():
    from ketamine_kg.dev.bench import run_bench

    rows = run_bench(BenchConfig.quick(parts=("corpus",), corpus_articles=0))
    assert rows == []  # no corpus articles, and nothing else asked for


def test_synthetic_folders_load_check_and_answer_the_cross_source_queries(tmp_path):
    """The folder writer's notes pass every check of a curated folder, and as a corpus they share and dispute statements."""
    from ketamine_kg.app.check import check_data
    from ketamine_kg.dev.synthetic_folders import write_synthetic_folders
    from ketamine_kg.load.corpus import find_article_folders, load_corpus
    from ketamine_kg.rdf.graphset import get_graphs
    from ketamine_kg.sparql.catalogue import get_query
    from ketamine_kg.sparql.engines import MemoryEngine, run_query

    stats = write_synthetic_folders(tmp_path, 6, seed=3, claims=(8, 14))
    folders = find_article_folders(tmp_path)
    assert len(folders) == stats.articles == 6 and 6 * 8 <= stats.claims <= 6 * 14
    for folder in folders[:2]:
        report = check_data(folder)  # raises on any problem (quotes, checksum, cue words, types)
        assert report.dataset.claims
    corpus = load_corpus(folders)
    assert sum(len(d.claims) for d in corpus.datasets) == stats.claims
    ids = [e for d in corpus.datasets for e in d.entities]
    assert len(ids) > len(set(ids))  # entities shared across notes become one node
    assert any("_n" in alias for names in corpus.aliases.values() for alias in names), corpus.aliases  # merged by exactMatch
    _, rdf_dataset, _, _ = get_graphs(folders, reason=False)
    engine = MemoryEngine(rdf_dataset)
    for name in ("agreement", "conflicts"):
        result = run_query(engine, get_query(name))
        sources = {row[result.variables.index("source")].value for row in result.rows}
        assert result.rows and len(sources) >= 2, name
    conflicts = run_query(engine, get_query("conflicts"))
    kinds = {(row[conflicts.variables.index("modality")].value, row[conflicts.variables.index("polarity")].value)
             for row in conflicts.rows}
    assert len(kinds) >= 2, kinds


def test_synthetic_folders_are_deterministic_and_keep_functional_objects(tmp_path):
    from ketamine_kg.dev.synthetic_folders import get_synthetic_folder

    import yaml

    assert get_synthetic_folder(5, seed=1) == get_synthetic_folder(5, seed=1)
    assert get_synthetic_folder(5, seed=1) != get_synthetic_folder(5, seed=2)
    objects = {c["object"] for i in range(40) for c in yaml.safe_load(get_synthetic_folder(i)["claims.yaml"])
               if c["predicate"] == "approval_granted_by"}
    assert objects == {"fda"}  # one agency for every approval: a functional property keeps one value
    for i in range(10):
        files = get_synthetic_folder(i)
        for claim in yaml.safe_load(files["claims.yaml"]):
            assert files["article.txt"].count(claim["evidence"][0]["quote"]) == 1


def test_cli_help_lists_the_options():
    out = subprocess.run([sys.executable, "-m", "ketamine_kg.cli", "bench", "--help"], capture_output=True, text=True)
    if out.returncode != 0:  # no __main__ in the cli package: use the console script
        out = subprocess.run([cli_path(), "bench", "--help"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for option in ("--quick", "--triples", "--json", "--no-browser", "--corpus-articles", "--disk-triples", "--only"):
        assert option in out.stdout
