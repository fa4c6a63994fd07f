"""The corpus graph page in a real browser: headless Chromium, network off (``ketamine_kg.dev.chromium``).

The built-in article and the two corpus notes (``tests/input/corpus``) built together: the
page loads offline with no console error, draws one edge per distinct statement, lists the
three sources of ketamine → NMDA receptor when that edge is clicked, and draws the disputed
dissociation statement in the disputed colour and dash, as its legend says.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ketamine_kg.dev.chromium import Browser, Tab, chromium_path

CORPUS = Path(__file__).parent / "input" / "corpus"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="headless Chromium not found (apt-get install chromium)"),
]

# The DOM point of the middle of the edge from one label to another (its id first).
EDGE_POINT = """(() => {
  const k = window.kkg;
  const id = Object.keys(k.details.edges).find(e => k.details.edges[e].from === %s && k.details.edges[e].to === %s);
  const p = k.network.body.edges[id].edgeType.getPoint(0.5);
  const dom = k.network.canvasToDOM(p);
  const box = document.getElementById('network').getBoundingClientRect();
  return [id, dom.x + box.left, dom.y + box.top];
})()"""


@pytest.fixture(scope="module")
def browser():
    """One offline page of a headless Chromium."""
    with Browser() as chromium:
        yield Tab(chromium, width=1400, height=900)


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    """The corpus site as ``ketamine-kg build --data graph/data --corpus tests/input/corpus`` writes it."""
    from ketamine_kg.app.build import run_build
    from ketamine_kg.load.dataset import default_data_dir

    folder = tmp_path_factory.mktemp("corpus-browser")
    result = run_build([default_data_dir(), CORPUS / "memantine-note", CORPUS / "sceptic-note"], folder, reason=False)
    return folder, result


def test_corpus_graph_loads_offline_with_one_edge_per_statement(browser, corpus_site):
    folder, result = corpus_site
    browser.open(folder / "graph.html")
    assert browser.problems() == []
    assert browser.evaluate("document.querySelector('#network canvas') !== null")
    statements = {(c.subject, c.predicate, c.object) for d in result.corpus.datasets for c in d.claims if c.object}
    entities = {e for d in result.corpus.datasets for e in d.entities}
    counts = browser.evaluate("[kkg.nodes.length, kkg.edges.length, Object.keys(kkg.network.getPositions()).length]")
    assert counts == [len(entities), len(statements), len(entities)]
    assert browser.evaluate("document.getElementById('edge-count').textContent") == str(len(statements))


def test_clicking_ketamine_nmda_edge_lists_three_sources(browser, corpus_site):
    folder, result = corpus_site
    browser.open(folder / "graph.html")
    edge_id, x, y = browser.evaluate(EDGE_POINT % (json.dumps("ketamine"), json.dumps("NMDA receptor")))
    browser.click(x, y)
    browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=3, y=3)  # leave it: the click pinned the edge
    time.sleep(0.2)
    assert browser.evaluate("kkg.network.getSelectedEdges()") == [edge_id]
    shown = browser.evaluate("Array.from(document.querySelectorAll('#details .source-title')).map(e => e.textContent)")
    assert shown == [d.source.title for d in result.corpus.datasets]
    text = browser.evaluate("document.getElementById('details').textContent")
    assert "said by 3 sources" in text
    assert text.count("affirms (positive)") == 3
    assert "By binding to N-methyl-D-aspartate (NMDA) receptors, ketamine disrupts their activation" in text
    assert browser.problems() == []


def test_dissociation_edge_is_drawn_as_disputed(browser, corpus_site):
    folder, _ = corpus_site
    browser.open(folder / "graph.html")
    edge_id, x, y = browser.evaluate(EDGE_POINT % (json.dumps("ketamine"), json.dumps("dissociation")))
    drawn = browser.evaluate(f"(() => {{ const e = kkg.network.body.edges[{json.dumps(edge_id)}].options;"
                             " return [e.color.color, e.dashes, e.width]; })()")
    legend = browser.evaluate("JSON.parse(document.getElementById('kkg-data').textContent).legend")
    assert drawn[0] == legend["colours"]["disputed"] != legend["colours"]["stated"]
    assert drawn[1] == legend["disputedDashes"]
    # the legend explains it, and it can hide the disputed statements
    item = "#legend-edges li[data-edge=\"disputed\"]"
    assert "disputed" in browser.evaluate(f"document.querySelector('{item}').textContent")
    browser.evaluate(f"document.querySelector('{item} input').click()")
    hidden = browser.evaluate("kkg.edges.get().filter(e => e.hidden).map(e => e.id)")
    assert edge_id in hidden and len(hidden) == 2  # dissociation, and depression (asserted against hedged)
    browser.evaluate(f"document.querySelector('{item} input').click()")
    browser.click(x, y)
    text = browser.evaluate("document.getElementById('details').textContent")
    assert "Disputed" in text and "denies (negative)" in text and "affirms (positive)" in text
    assert browser.problems() == []


def test_corpus_has_a_reader_and_claims_table_per_article_and_one_sparql_page(browser, corpus_site):
    folder, result = corpus_site
    index = (folder / "index.html").read_text(encoding="utf-8")
    for ds in result.corpus.datasets:
        sid = ds.source.id
        for name in (f"reader-{sid}.html", f"claims-{sid}.html", f"article-{sid}.txt"):
            assert (folder / name).is_file(), name
        assert f'href="reader-{sid}.html"' in index and f'href="claims-{sid}.html"' in index
        browser.open(folder / f"reader-{sid}.html")
        assert browser.problems() == []
        marked = set(" ".join(browser.evaluate("Array.from(document.querySelectorAll('mark')).map(m => m.dataset.claim)")).split())
        assert marked == {c.id for c in ds.claims}
        assert f"article-{sid}.html#node=" in (folder / f"claims-{sid}.html").read_text(encoding="utf-8")
    if (folder / "sparql.html").exists():  # npm installed oxigraph; else the build said why
        assert 'href="sparql.html"' in index
        page = (folder / "sparql.html").read_text(encoding="utf-8")
        assert all(f"reader-{ds.source.id}.html#claim-" in page for ds in result.corpus.datasets)  # claims link to their reader
    else:
        assert any(n.startswith("sparql.html skipped:") for n in result.notes)
