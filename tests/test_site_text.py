"""The pages speak of the source, not of ketamine; every question on an index has its answer or says why;
a corpus gets an index of its articles, one graph per article and one edge per statement.

A page may name the tool (``ketamine-kg``, its namespace ``https://w3id.org/ketamine-kg/``)
but names ketamine only where the data does: the tests build articles in which the word
never appears (``tests/input/caffeine-note``, and copies of the corpus notes and the tiny
note with the word replaced) and look for it in every page.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from ketamine_kg.app.build import run_build
from ketamine_kg.load.dataset import default_data_dir
from ketamine_kg.sparql.catalogue import list_queries

INPUT = Path(__file__).parent / "input"
CORPUS = INPUT / "corpus"
TOOL_NAME = re.compile(r"ketamine[-_]kg", re.IGNORECASE)


def without_word(source: Path, target: Path, word: str = "ketamine", instead: str = "zolamine") -> Path:
    """A copy of the data folder ``source`` with ``word`` replaced everywhere (any case), the sha256 made right."""
    shutil.copytree(source, target)
    pattern = re.compile(re.escape(word), re.IGNORECASE)
    for path in target.iterdir():
        text = path.read_text(encoding="utf-8")
        text = TOOL_NAME.sub(lambda m: "\0" + m[0][len(word):], text)  # keep the tool's name and namespace
        text = pattern.sub(lambda m: instead.capitalize() if m[0][0].isupper() else instead, text)
        path.write_text(text.replace("\0", word), encoding="utf-8")
    digest = hashlib.sha256((target / "article.txt").read_bytes()).hexdigest()
    source_yaml = target / "source.yaml"
    source_yaml.write_text(re.sub(r"(?m)^sha256: \w+$", f"sha256: {digest}", source_yaml.read_text(encoding="utf-8")),
                           encoding="utf-8")
    return target


def pages(folder: Path) -> dict[str, str]:
    """Every HTML page of a build, by its path in the build."""
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.html"))}


def page_data(html: str) -> dict:
    """The JSON a graph page draws from."""
    found = re.search(r'<script id="kkg-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "not a graph page"
    return json.loads(found[1])


def index_sections(html: str) -> dict[str, tuple[int, str]]:
    """The named queries on an index page: name -> (rows in its table, its note)."""
    found = {}
    for name, body in re.findall(r'<section class="query" id="query-([^"]+)">(.*?)</section>', html, re.S):
        rows = body.count("<tr>") - 1 if "<table>" in body else 0
        note = re.search(r'<p class="note">(.*?)</p>', body, re.S)
        found[name] = (rows, note[1].strip() if note else "")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Sites of single articles in which ketamine is never named, and of the memantine note as it is."""
    work = tmp_path_factory.mktemp("text")
    folders = {
        "caffeine": INPUT / "caffeine-note",
        "tiny": without_word(INPUT / "tiny", work / "tiny-data"),
        "memantine-renamed": without_word(CORPUS / "memantine-note", work / "memantine-data"),
        "memantine": CORPUS / "memantine-note",
    }
    out = {}
    for name, folder in folders.items():
        run_build(folder, work / name)
        out[name] = work / name
    return out


@pytest.mark.parametrize("name", ["caffeine", "tiny", "memantine-renamed"])
def test_no_page_names_ketamine_where_the_article_does_not(built, name):
    found = {path: re.findall(r".{0,40}ketamine.{0,40}", TOOL_NAME.sub("", html), re.IGNORECASE)
             for path, html in pages(built[name]).items()}
    assert len(found) >= 5
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_titles_and_file_names_come_from_the_source(built):
    html = (built["caffeine"] / "index.html").read_text(encoding="utf-8")
    assert "<title>A Small Note on Caffeine</title>" in html
    assert "<h1>A Small Note on Caffeine</h1>" in html
    assert "Morning Notes" in html
    # the focus page is the main subject's (source.yaml ``subject``), named by its id
    assert (built["caffeine"] / "caffeine.html").is_file() and not (built["caffeine"] / "ketamine.html").exists()
    assert (built["memantine"] / "memantine.html").is_file()
    assert 'href="memantine.html"' in (built["memantine"] / "index.html").read_text(encoding="utf-8")


def test_every_question_on_one_article_has_rows_or_says_why(built):
    sections = index_sections((built["memantine"] / "index.html").read_text(encoding="utf-8"))
    assert set(sections) == {q.name for q in list_queries()}
    for name, (rows, note) in sections.items():
        assert rows > 0 or note, f"{name}: neither rows nor a note"
        assert not (rows > 0 and note), f"{name}: rows and a note"
    for name in ("agreement", "conflicts"):
        assert "needs two or more sources" in sections[name][1].lower(), sections[name]
    internet = [q.name for q in list_queries() if "internet" in q.requires]
    assert internet
    for name in internet:
        assert "needs the internet" in sections[name][1], sections[name]
    for name, (rows, note) in sections.items():
        if note and name not in internet + ["agreement", "conflicts"]:
            assert note.startswith("No answer in this article: "), (name, note)
    # the questions this note does answer are answered
    assert sections["receptors-of-substance"][0] >= 1 and sections["sources-of"][0] == 1


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    """The built-in article and the two corpus notes, built together (without the reasoner: pages only)."""
    folder = tmp_path_factory.mktemp("corpus-site")
    result = run_build([default_data_dir(), CORPUS / "memantine-note", CORPUS / "sceptic-note"], folder, reason=False)
    return folder, result


def test_corpus_index_lists_each_article_with_its_own_graph(corpus_site):
    folder, result = corpus_site
    html = (folder / "index.html").read_text(encoding="utf-8")
    for dataset in result.corpus.datasets:
        page = f"article-{dataset.source.id}.html"
        row = re.search(rf'<tr><td><a href="{re.escape(page)}">(.*?)</a></td><td>(.*?)</td><td>(\d+)</td>', html)
        assert row, page
        assert row.groups() == (dataset.source.title.replace("'", "&#39;"), dataset.source.site, str(len(dataset.claims)))
        data = page_data((folder / page).read_text(encoding="utf-8"))
        between = [c for c in dataset.claims if c.object]
        assert len(data["edges"]) == len(between)  # its own claims, no other article's
        assert {c["id"] for e in data["details"]["edges"].values() for c in e["claims"]} == {c.id for c in between}


def test_corpus_graph_has_one_edge_per_statement_and_marks_disputes(corpus_site):
    folder, result = corpus_site
    data = page_data((folder / "graph.html").read_text(encoding="utf-8"))
    statements = {(c.subject, c.predicate, c.object) for d in result.corpus.datasets for c in d.claims if c.object}
    assert len(data["edges"]) == len(statements)
    edges = {(e["from"], e["to"]): e for e in data["details"]["edges"].values() if e["sources"] > 1}
    nmda = edges[("ketamine", "NMDA receptor")]
    assert nmda["sources"] == 3 and not nmda["disputed"]
    assert [c["source"] for c in nmda["claims"]] == [d.source.title for d in result.corpus.datasets]
    dissociation = edges[("ketamine", "dissociation")]
    assert dissociation["disputed"] and {c["polarity"] for c in dissociation["claims"]} == {"positive", "negative"}
    depression = edges[("ketamine", "depression")]
    assert depression["disputed"] and {c["modality"] for c in depression["claims"]} == {"asserted", "hedged"}
    assert sorted(k for k, e in edges.items() if e["disputed"]) == [("ketamine", "depression"), ("ketamine", "dissociation")]
    assert data["legend"]["disputed"] is True
    drawn = {e["id"]: e for e in data["edges"]}
    disputed_ids = [i for i, e in data["details"]["edges"].items() if e["disputed"]]
    assert {drawn[i]["color"]["color"] for i in disputed_ids} == {data["legend"]["colours"]["disputed"]}
    assert all(drawn[i]["dashes"] == data["legend"]["disputedDashes"] for i in disputed_ids)
    assert drawn[next(i for i, e in data["details"]["edges"].items() if e is nmda)]["width"] > 1.8
