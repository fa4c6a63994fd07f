"""The page builders of the reader, the claims table and the SPARQL page, without a browser.

Segments of the reader cover the text exactly and carry the right quotes; the offsets the
graph records (Web Annotation ``TextPositionSelector``, code points) cut ``article.txt``
at its quotes; the gallery binds parameters as the CLI does; data inlined in a script
cannot end it; a build without npm skips only ``sparql.html`` and says so in one line.
"""

from __future__ import annotations

import os
import stat

import pytest

from ketamine_kg.views.reading import get_claim_records, get_reader_parts, get_reading_names, get_segments
from ketamine_kg.views.sparql_page import to_script_json


def test_segments_split_overlapping_spans():
    segments = get_segments(12, [(0, 5, "a"), (3, 9, "b"), (3, 4, "c")], cuts=[10])
    assert [(s.start, s.end, s.keys) for s in segments] == [
        (0, 3, ("a",)), (3, 4, ("a", "b", "c")), (4, 5, ("a", "b")), (5, 9, ("b",)), (9, 10, ()), (10, 12, ())]
    with pytest.raises(ValueError, match="outside the text"):
        get_segments(4, [(2, 6, "x")])


def test_reader_parts_rebuild_the_text_and_carry_each_quote(dataset):
    records = get_claim_records(dataset, dataset.vocabulary, graph_page="graph.html", reader_page="article.html")
    parts = get_reader_parts(dataset, records)
    body = dataset.source.text[: dataset.source.body_end]
    assert "".join(p.get("text", "") for p in parts) == body
    assert [p["anchor"] for p in parts if "anchor" in p] == [s.id for s in sorted(dataset.source.sections, key=lambda s: s.start)]
    offset = 0
    covered: dict[str, str] = {}
    for p in parts:
        if "text" not in p:
            continue
        for key in p.get("ev", "").split():
            covered[key] = covered.get(key, "") + p["text"]
            assert p["start"] == offset
        offset += len(p["text"])
    for claim in dataset.claims:
        for n, ev in enumerate(claim.evidence, start=1):
            assert covered[f"{claim.id}/{n}"] == ev.quote
    assert {m for p in parts for m in [p.get("modality")] if m} <= {"asserted", "hedged", "speculative", "under_investigation", "mixed"}


def test_graph_offsets_are_code_points_of_the_shipped_text(dataset, data_graph):
    from rdflib import Namespace

    oa = Namespace("http://www.w3.org/ns/oa#")
    text = (dataset.directory / dataset.source.file_name).read_bytes().decode("utf-8")
    checked = 0
    for target in data_graph.subjects(oa.hasSource, None):
        selectors = list(data_graph.objects(target, oa.hasSelector))
        exact = next(str(o) for s in selectors for o in data_graph.objects(s, oa.exact))
        start = next(int(o) for s in selectors for o in data_graph.objects(s, oa.start))
        end = next(int(o) for s in selectors for o in data_graph.objects(s, oa.end))
        assert text[start:end] == exact
        checked += 1
    assert checked == sum(len(c.evidence) for c in dataset.claims)
    assert any(len(q.quote.encode("utf-16-le")) // 2 != len(q.quote) or "’" in q.quote
               for c in dataset.claims for q in c.evidence)  # the case where UTF-16 counting would differ matters here


def test_claim_records_say_each_claim_in_words(dataset):
    records = get_claim_records(dataset, dataset.vocabulary, graph_page="graph.html", reader_page="article.html")
    assert [r["id"] for r in records] == [c.id for c in dataset.claims]
    nmda = next(r for r in records if r["id"] == "ketamine-antagonist-of-nmda-receptor")
    assert nmda["text"].startswith("ketamine ") and "NMDA receptor" in nmda["text"]
    assert nmda["reader"] == "article.html#claim-ketamine-antagonist-of-nmda-receptor"
    assert nmda["graph"] == "graph.html#node=ketamine"


def test_reading_names_do_not_collide_with_the_graph_pages():
    assert get_reading_names("a", False) == {"reader": "article.html", "claims": "claims.html", "text": "article.txt",
                                             "graph": "graph.html"}
    corpus = get_reading_names("a", True)
    assert corpus["graph"] == "article-a.html" and corpus["reader"] != corpus["graph"]


def test_script_json_cannot_end_its_script():
    text = to_script_json({"q": "</script><!-- & -->"})
    assert "<" not in text and ">" not in text and "&" not in text
    import json

    assert json.loads(text) == {"q": "</script><!-- & -->"}


def test_gallery_binds_as_the_cli(stated_graphs):
    from ketamine_kg.app.site import get_gallery
    from ketamine_kg.sparql import catalogue
    from ketamine_kg.sparql.engines import MemoryEngine, get_bindings, get_data_defaults
    from ketamine_kg.sparql.lexer import with_values

    engine = MemoryEngine(stated_graphs[1])
    queries = catalogue.list_queries()
    gallery = {g["name"]: g for g in get_gallery(queries, get_data_defaults(engine))}
    for query in queries:
        entry = gallery[query.name]
        assert entry["head"] + entry["tail"] == query.text
        if not query.params:
            continue
        bindings = get_bindings(engine, query)
        values = " ".join(t.n3() for t in bindings.values())
        names = " ".join(f"?{n}" for n in bindings)
        assert entry["head"] + f" VALUES ({names}) {{ ({values}) }}" + entry["tail"] == with_values(query.text, bindings)
    assert gallery["receptors-of-substance"]["params"][0] | {"description": ""} == {
        "name": "substance", "kind": "iri", "default": "kkg:ketamine", "description": ""}
    assert not gallery["wikidata-descriptions"]["runnable"] and "internet" in gallery["wikidata-descriptions"]["note"]


def test_engine_missing_without_npm(tmp_path, monkeypatch):
    from ketamine_kg.app.browser_engine import BrowserEngineMissing, get_browser_engine

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BrowserEngineMissing, match="npm is not installed"):
        get_browser_engine(cache_dir=tmp_path)
    failing = tmp_path / "npm"
    failing.write_text("#!/bin/sh\necho 'npm error code ENOTFOUND' >&2\necho 'npm error network request to "
                       "https://registry.npmjs.org/oxigraph failed' >&2\nexit 1\n")
    failing.chmod(failing.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(BrowserEngineMissing, match=r"npm ci failed \(npm error network request"):
        get_browser_engine(cache_dir=tmp_path, npm=str(failing))
    failing.write_text("#!/bin/sh\necho ran again >&2\nexit 1\n")  # a failure is remembered: npm is not asked twice
    with pytest.raises(BrowserEngineMissing, match=r"npm ci failed \(npm error network request"):
        get_browser_engine(cache_dir=tmp_path, npm=str(failing))
    assert not (tmp_path / "web").exists() or not any(p.name.startswith(".installing") for p in (tmp_path / "web").iterdir())


def test_site_without_npm_skips_only_the_sparql_page(tmp_path, monkeypatch, stated_graphs):
    from ketamine_kg.app.site import write_site

    monkeypatch.setenv("PATH", str(tmp_path / "no-npm"))
    monkeypatch.setenv("KETAMINE_KG_CACHE", str(tmp_path / "cache"))
    dataset, rdf_dataset = stated_graphs[:2]
    notes: list[str] = []
    out = tmp_path / "site"
    out.mkdir()
    write_site(out, dataset, rdf_dataset, notes=notes)
    assert notes == ["sparql.html skipped: npm is not installed (it installs Oxigraph's WebAssembly build)"]
    assert not (out / "sparql.html").exists()
    for name in ("index.html", "graph.html", "article.html", "claims.html", "article.txt"):
        assert (out / name).is_file(), name
    assert (out / "article.txt").read_bytes() == (dataset.directory / "article.txt").read_bytes()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="article.html"' in index and 'href="claims.html"' in index and 'href="sparql.html"' not in index
    assert "Not built: sparql.html skipped" in index
    assert 'href="sparql.html"' not in (out / "article.html").read_text(encoding="utf-8")
    assert os.path.getsize(out / "claims.html") > 1000


def test_readme_shows_the_reader_and_sparql_screenshots():
    """graph/docs/reader.png and sparql.png exist, are real PNGs and the README shows them (python scripts/screenshot.py --pages)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in ("reader.png", "sparql.png"):
        png = root / "graph" / "docs" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000, name
        assert f"](graph/docs/{name})" in readme, name
