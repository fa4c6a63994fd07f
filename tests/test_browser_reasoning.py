"""Reasoning and answers on the pages, in headless Chromium with the network off: ketamine's inferred
classes with the claims they rest on, the ontology page's inferred members, inferred types on the
inferred graph, query pages that draw their answer, ``#node=`` links, legible labels, a phone-width page."""

from __future__ import annotations

import json
import time

import pytest

from ketamine_kg.dev.chromium import Browser, Tab, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="headless Chromium not found (apt-get install chromium)"),
]
KETAMINE_CLASSES = {"anaesthetic", "analgesic", "antidepressant", "dissociative anaesthetic", "NMDA receptor antagonist",
                    "rapid-acting antidepressant", "receptor antagonist"}
NODE_POINT = """(() => {
  const k = window.kkg;
  const id = Object.keys(k.details.nodes).find(n => k.details.nodes[n].label === %s);
  const p = k.network.getPositions([id])[id];
  const dom = k.network.canvasToDOM(p);
  const box = document.getElementById('network').getBoundingClientRect();
  return [id, dom.x + box.left, dom.y + box.top];
})()"""


@pytest.fixture(scope="module")
def browser():
    with Browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def tab(browser):
    return Tab(browser, width=1400, height=900)


@pytest.fixture(scope="module")
def site(tmp_path_factory, store_cache):
    """The pages a build writes, from the reasoned graph (the store's copy: the session's shared one stays untouched)."""
    from ketamine_kg.app.engines import get_reasoned_graphs
    from ketamine_kg.app.site import write_site

    folder = tmp_path_factory.mktemp("site")
    dataset, rdf_dataset = get_reasoned_graphs(None)
    write_site(folder, dataset, rdf_dataset)
    return folder


def inferred_classes(tab) -> dict[str, list[str]]:
    return tab.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('#details li.inferred-class')).map(li =>
        [li.querySelector('.badge').textContent, Array.from(li.querySelectorAll('[data-claim]')).map(c => c.dataset.claim)]))""")


def test_clicking_ketamine_lists_its_inferred_classes_and_what_they_rest_on(tab, site):
    tab.open(site / "graph.html")
    node_id, x, y = tab.evaluate(NODE_POINT % json.dumps("ketamine"))
    tab.click(x, y)
    tab.send("Input.dispatchMouseEvent", type="mouseMoved", x=3, y=3)
    time.sleep(0.2)
    assert tab.evaluate("document.querySelector('#details h3').textContent") == "ketamine"
    classes = inferred_classes(tab)
    assert set(classes) == KETAMINE_CLASSES
    assert classes["NMDA receptor antagonist"] == ["ketamine-antagonist-of-nmda-receptor"]
    assert "ketamine-causes-dissociation" in classes["dissociative anaesthetic"]
    assert tab.evaluate("location.hash") == "#node=ketamine"
    assert tab.problems() == []


def test_a_node_link_restores_the_selection(tab, site):
    tab.open(site / "graph.html")
    tab.send("Page.navigate", url=(site / "graph.html").resolve().as_uri() + "#node=esketamine")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and tab.evaluate("document.body.getAttribute('data-ready')") != "1":
        time.sleep(0.1)
    time.sleep(0.2)
    assert tab.evaluate("document.querySelector('#details h3').textContent") == "esketamine"
    assert len(tab.evaluate("kkg.network.getSelectedNodes()")) == 1
    assert set(inferred_classes(tab)) == {"approved drug"}
    tab.evaluate("location.hash = '#node=nmda_receptor'")
    time.sleep(0.3)
    assert tab.evaluate("document.querySelector('#details h3').textContent") == "NMDA receptor"


def test_a_view_link_restores_zoom_and_position(tab, site):
    tab.open(site / "graph.html")
    tab.send("Page.navigate", url=(site / "graph.html").resolve().as_uri() + "#view=120,-40,1.75")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and tab.evaluate("document.body.getAttribute('data-ready')") != "1":
        time.sleep(0.1)
    time.sleep(0.2)
    scale, at = tab.evaluate("[kkg.network.getScale(), kkg.network.getViewPosition()]")
    assert abs(scale - 1.75) < 0.01 and abs(at["x"] - 120) < 1 and abs(at["y"] + 40) < 1
    tab.evaluate("void kkg.network.emit('zoom', {})")  # the reader zooms: the address follows
    assert tab.evaluate("location.hash").startswith("#view=120,-40,1.75")


def test_the_ontology_page_counts_and_lists_inferred_members(tab, site):
    tab.open(site / "ontology-graph.html")
    facts = tab.evaluate("""(() => { const k = window.kkg;
        const id = Object.keys(k.details.nodes).find(n => k.details.nodes[n].label === 'NMDA receptor antagonist');
        return k.details.nodes[id].facts.map(f => f.text); })()""")
    assert facts[0] == "1 entity of this class in the data (1 by inference)"
    assert facts[1] == "ketamine (inferred; rests on ketamine-antagonist-of-nmda-receptor)"


def test_the_inferred_graph_draws_inferred_types_and_can_hide_them(tab, site):
    tab.open(site / "graph-inferred.html")
    classes = tab.evaluate("kkg.nodes.get().filter(n => n.kkgType === 'class').map(n => n.label)")
    assert KETAMINE_CLASSES <= set(classes)
    isa = tab.evaluate("Object.values(kkg.details.edges).filter(e => e.inferred && e.label === 'is a' && e.from === 'ketamine').length")
    assert isa == len(KETAMINE_CLASSES)
    tab.evaluate("document.querySelector('#legend-types li[data-type=\"class\"] input').click()")
    assert tab.evaluate("kkg.nodes.get().filter(n => n.kkgType === 'class' && !n.hidden).length") == 0
    assert tab.problems() == []


@pytest.mark.parametrize("name,labels", [("receptors-of-substance", {"ketamine", "NMDA receptor"}),
                                         ("external-ids", {"ketamine", "CHEBI:6121"}),
                                         ("inferred-classifications", {"ketamine", "NMDA receptor antagonist"})])
def test_a_query_page_draws_its_answer(tab, site, name, labels):
    tab.open(site / f"query-{name}.html")
    drawn = set(tab.evaluate("kkg.nodes.get().map(n => n.label)"))
    assert labels <= drawn, sorted(drawn)[:20]
    assert tab.evaluate("kkg.edges.length") >= 1
    if name == "receptors-of-substance":
        assert tab.evaluate("Object.values(kkg.details.edges).map(e => [e.from, e.label, e.to])") == [
            ["ketamine", "is antagonist of", "NMDA receptor"]]
    assert tab.problems() == []


def test_labels_are_legible_at_the_zoom_the_page_opens_at(tab, site):
    tab.open(site / "graph.html")
    sizes = tab.evaluate("kkg.labelSizes()")
    assert sizes["nodePx"] >= 11.9, sizes
    assert not sizes["edgeLabelsShown"] or sizes["edgePx"] >= 9, sizes


def test_a_phone_width_page_gives_the_graph_the_screen(browser, site):
    phone = Tab(browser, width=390, height=844)
    phone.open(site / "graph.html")
    net = phone.evaluate("(() => { const r = document.getElementById('network').getBoundingClientRect(); return [r.width, r.height, r.bottom]; })()")
    aside = phone.evaluate("(() => { const r = document.querySelector('aside').getBoundingClientRect(); return [r.width, r.top]; })()")
    width = phone.evaluate("document.documentElement.clientWidth")  # 390 less the scroll bar
    assert width >= 370 and net[0] == width and net[1] >= 320, (net, width)
    assert aside[0] == width and aside[1] >= net[2] - 1, (net, aside)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.problems() == []
