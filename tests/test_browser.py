"""The graph pages in a real browser: headless Chromium, network off, driven over the DevTools protocol
(``ketamine_kg.dev.chromium``).

Each page must load with no console error and no request leaving the file, draw its
canvas with as many nodes and edges as the graph has, give a screenshot that is not
blank, show ketamine's quote when its edge to the NMDA receptor is clicked, and run
none of the markup a label or quote may hold.
"""

from __future__ import annotations

import json
import struct
import time
import zlib
from pathlib import Path

import pytest

from ketamine_kg.dev.chromium import Browser, Tab, chromium_path

INPUT = Path(__file__).parent / "input"
NMDA_QUOTE = "By binding to N-methyl-D-aspartate (NMDA) receptors, ketamine disrupts their activation"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="headless Chromium not found (apt-get install chromium)"),
]


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and raw rows (RGB or RGBA) of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and interlace == 0 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def grey_variance(png: bytes, step: int = 4) -> float:
    """The variance of the grey level over a grid of pixels: near 0 for a blank picture."""
    width, height, rows = png_pixels(png)
    bpp = len(rows[0]) // width
    values = [sum(row[x * bpp:x * bpp + 3]) / 3 for row in rows[::step] for x in range(0, width, step)]
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


@pytest.fixture(scope="module")
def browser():
    """One offline page of a headless Chromium (the project's one driver, ``ketamine_kg.dev.chromium``)."""
    with Browser() as chromium:
        yield Tab(chromium, width=1400, height=900)


@pytest.fixture(scope="module")
def site(tmp_path_factory, stated_graphs):
    """The four views and the index of the built-in article, written as a build writes them."""
    from ketamine_kg.app.render import get_view_graph
    from ketamine_kg.views.page import to_html
    from ketamine_kg.app.site import write_site

    folder = tmp_path_factory.mktemp("site")
    dataset, rdf_dataset = stated_graphs[:2]
    write_site(folder, dataset, rdf_dataset)
    query = get_view_graph(rdf_dataset, "query", query="SELECT ?x WHERE { ?x a kkgo:Disorder }")
    (folder / "query-disorders.html").write_text(to_html(query), encoding="utf-8")
    graphs = {
        "graph.html": get_view_graph(rdf_dataset),
        "ketamine.html": get_view_graph(rdf_dataset, "focus", focus="ketamine"),
        "ontology-graph.html": get_view_graph(rdf_dataset, "ontology"),
        "query-disorders.html": query,
    }
    return folder, graphs


@pytest.mark.parametrize("page", ["graph.html", "ketamine.html", "ontology-graph.html", "query-disorders.html"])
def test_view_loads_offline_with_all_its_nodes_and_edges(browser, site, page):
    folder, graphs = site
    browser.open(folder / page)
    assert browser.problems() == []
    assert browser.evaluate("document.querySelector('#network canvas') !== null")
    counts = browser.evaluate("[kkg.nodes.length, kkg.edges.length, Object.keys(kkg.network.getPositions()).length]")
    graph = graphs[page]
    assert counts == [graph.number_of_nodes(), graph.number_of_edges(), graph.number_of_nodes()]
    assert browser.evaluate("document.querySelectorAll('#legend-types li').length") == len(
        {d["type"] for _, d in graph.nodes(data=True)})
    physics = browser.evaluate("kkg.network.physics.options.enabled")
    assert physics is False  # the layout has settled and stays put


def test_index_loads_offline_and_links_every_view(browser, site):
    folder, _ = site
    browser.open(folder / "index.html")
    assert browser.problems() == []
    hrefs = set(browser.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))"))
    assert {"graph.html", "ketamine.html", "ontology-graph.html", "ontology/index.html"} <= hrefs


def test_screenshot_is_not_blank(browser, site):
    folder, _ = site
    browser.open(folder / "graph.html")
    png = browser.screenshot()
    assert grey_variance(png) > 100, "the screenshot is (nearly) one colour"
    # the graph area itself is drawn, not only the side panel
    canvas_ink = browser.evaluate("""(() => {
        const c = document.querySelector('#network canvas'); const ctx = c.getContext('2d');
        const d = ctx.getImageData(0, 0, c.width, c.height).data; let ink = 0;
        for (let i = 3; i < d.length; i += 16) { if (d[i] > 0) ink++; } return ink; })()""")
    assert canvas_ink > 500


EDGE_POINT = """(() => {
  const k = window.kkg;
  const id = Object.keys(k.details.edges).find(e => k.details.edges[e].from === %s && k.details.edges[e].to === %s);
  const edge = k.network.body.edges[id];
  const p = edge.edgeType.getPoint(0.5);
  const dom = k.network.canvasToDOM(p);
  const box = document.getElementById('network').getBoundingClientRect();
  return [id, dom.x + box.left, dom.y + box.top];
})()"""


def test_clicking_ketamine_nmda_edge_shows_its_quote(browser, site):
    folder, _ = site
    browser.open(folder / "graph.html")
    assert NMDA_QUOTE not in browser.evaluate("document.getElementById('details').textContent")
    edge_id, x, y = browser.evaluate(EDGE_POINT % (json.dumps("ketamine"), json.dumps("NMDA receptor")))
    browser.click(x, y)
    browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=3, y=3)  # leave it: the click pinned the edge
    time.sleep(0.2)
    text = browser.evaluate("document.getElementById('details').textContent")
    assert NMDA_QUOTE in text, text[:300]
    assert "The Neurochemical Dance" in text  # the section
    assert browser.evaluate("kkg.network.getSelectedEdges()") == [edge_id]
    assert browser.problems() == []


def test_search_finds_an_entity_by_synonym(browser, site):
    folder, _ = site
    browser.open(folder / "graph.html")
    browser.evaluate("""(() => { const s = document.getElementById('search'); s.value = 'nmdar';
        s.dispatchEvent(new Event('input')); document.querySelector('#search-results button').click(); })()""")
    assert browser.evaluate("document.querySelector('#details h3').textContent") == "NMDA receptor"
    browser.evaluate("""(() => { const box = document.querySelector('#legend-types li[data-type="receptor"] input');
        box.click(); })()""")
    hidden = browser.evaluate("kkg.nodes.get().filter(n => n.hidden).map(n => n.label)")
    assert hidden == ["NMDA receptor"]


def test_entity_panel_shows_curator_knowledge_apart_with_its_source(browser, site):
    """esketamine's enantiomer relation is the curator's: its own heading, marked, with the source it was read from."""
    folder, _ = site
    browser.open(folder / "graph.html")
    browser.evaluate("""(() => { const s = document.getElementById('search'); s.value = 'S-ketamine';
        s.dispatchEvent(new Event('input')); document.querySelector('#search-results button').click(); })()""")
    assert browser.evaluate("document.querySelector('#details h3').textContent") == "esketamine"
    headings = browser.evaluate("Array.from(document.querySelectorAll('#details h4')).map(h => h.textContent)")
    assert "Curator knowledge (not from the article)" in headings
    boxes = browser.evaluate("Array.from(document.querySelectorAll('#details .claim.curator')).map(b => b.textContent)")
    assert len(boxes) == 1 and "curator knowledge" in boxes[0] and "Source: DrugBank" in boxes[0], boxes
    claims = browser.evaluate(
        "Array.from(document.querySelectorAll('#details .claim:not(.curator) .text')).map(p => p.textContent)")
    assert "esketamine is an adaptation of ketamine" in claims and not [c for c in claims if "enantiomer" in c], claims
    assert browser.problems() == []


def test_injected_markup_runs_nothing(browser, tbox, tmp_path):
    from ketamine_kg.load.dataset import load_dataset
    from ketamine_kg.rdf.abox import get_data_graph
    from ketamine_kg.rdf.graphset import get_rdf_dataset
    from ketamine_kg.app.render import get_view_graph
    from ketamine_kg.views.page import to_html
    from ketamine_kg.app.site import write_site

    dataset = load_dataset(INPUT / "injected")
    rdf_dataset = get_rdf_dataset(get_data_graph(dataset), dataset.source.id, tbox)
    page = tmp_path / "injected.html"
    page.write_text(to_html(get_view_graph(rdf_dataset)), encoding="utf-8")
    browser.open(page)
    # show every node and edge in the panel, by clicking each node and hovering each edge
    node_points = browser.evaluate("""(() => { const k = kkg, box = document.getElementById('network').getBoundingClientRect();
        return k.nodes.getIds().map(id => { const p = k.network.canvasToDOM(k.network.getPositions([id])[id]);
        return [p.x + box.left, p.y + box.top]; }); })()""")
    texts = []
    for x, y in node_points:
        browser.click(x, y)
        texts.append(browser.evaluate("document.getElementById('details').textContent"))
    for eid in browser.evaluate("kkg.edges.getIds()"):
        _, x, y = browser.evaluate(EDGE_POINT.replace("Object.keys(k.details.edges).find(e => k.details.edges[e].from === %s && k.details.edges[e].to === %s)", json.dumps(eid)))
        browser.click(x, y)
        texts.append(browser.evaluate("document.getElementById('details').textContent"))
    shown = "\n".join(texts)
    assert "Ketamine <img src=x onerror=alert(1)> blocks NMDA receptors." in shown
    assert "ketamine <script>alert(3)</script>" in shown
    assert "a note with <script>alert(7)</script> in it" in shown
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert browser.evaluate("document.querySelectorAll('script').length") == 3  # ours: vis-network, data, page
    assert browser.problems() == []  # no dialog opened, no error, no request
    # the site's index of the same data is just as inert
    write_site(tmp_path, dataset, rdf_dataset)
    browser.open(tmp_path / "index.html")
    assert browser.evaluate("document.querySelectorAll('img, script').length") == 0
    assert "A Note <script>alert(8)</script> With Markup" in browser.evaluate("document.querySelector('h1').textContent")
    assert browser.problems() == []
