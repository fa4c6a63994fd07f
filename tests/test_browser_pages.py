"""The offline SPARQL page, the article reader and the claims table in headless Chromium, network off.

``sparql.html``: every named query that runs offline answers through ``window.kkg.query``
with the same rows as ``ketamine-kg query NAME --format json`` (graph answers: ``--format nt``),
parameters at their defaults; the gallery's form binds a parameter; a ``#query=`` link runs
its query; no request leaves the file. ``article.html``: every evidence quote is highlighted
once, as one run of marks whose text is the quote. Each page fits a 390 px wide screen.
The site is built once for the module, from the reasoned graph (the CLI's store holds it too).
"""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from ketamine_kg.dev.chromium import Browser, Tab, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="headless Chromium not found (apt-get install chromium)"),
]
CSP = "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:"


@pytest.fixture(scope="module")
def chromium():
    with Browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def tab(chromium):
    return Tab(chromium, width=1280, height=900)


@pytest.fixture(scope="module")
def site(tmp_path_factory, reasoned_graphs):
    """The site of the built-in article as a build writes it (``sparql.html`` needs npm: skipped without it)."""
    from ketamine_kg.app.site import write_site

    folder = tmp_path_factory.mktemp("pages")
    dataset, rdf_dataset = reasoned_graphs[:2]
    notes: list[str] = []
    write_site(folder, dataset, rdf_dataset, notes=notes)
    return folder, dataset, notes


@pytest.fixture(scope="module")
def sparql(site, tab):
    folder, _, notes = site
    if not (folder / "sparql.html").exists():
        pytest.skip(f"sparql.html was not built ({'; '.join(notes)}): npm could not install oxigraph")
    open_sparql(tab, folder / "sparql.html")
    return tab


def open_sparql(tab: Tab, path: Path, hash_: str = "") -> None:
    tab.events.clear()
    tab.send("Page.navigate", url=path.resolve().as_uri() + hash_)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = tab.evaluate("document.readyState === 'complete' && document.body.getAttribute('data-ready')")
        if state not in (None, False, "0"):
            assert state == "1", tab.evaluate("document.getElementById('status').textContent")
            return
        time.sleep(0.05)
    raise AssertionError("sparql.html did not start its engine in 30 s")


def cli(*args: str) -> str:
    from ketamine_kg.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout  # the store's "building ..." line goes to stderr


def binding_set(data: dict) -> tuple[int, set]:
    """(rows, set of rows): each row a frozenset of (variable, type, value, datatype or language); blank nodes blurred."""
    rows = set()
    for b in data["results"]["bindings"]:
        row = []
        for var, t in b.items():
            kind = "literal" if t["type"] == "typed-literal" else t["type"]
            value = "_" if kind == "bnode" else t["value"]
            row.append((var, kind, value, t.get("xml:lang") or t.get("datatype") or ""))
        rows.add(frozenset(row))
    return len(data["results"]["bindings"]), rows


def nt_set(text: str) -> set:
    import pyoxigraph as ox

    def key(term):
        return "_" if isinstance(term, ox.BlankNode) else str(term)

    return {(key(t.subject), key(t.predicate), key(t.object)) for t in ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES)}


def js_triple_set(data: dict) -> set:
    def key(t):
        if t["type"] == "bnode":
            return "_"
        if t["type"] == "uri":
            return f"<{t['value']}>"
        import pyoxigraph as ox

        if "xml:lang" in t:
            return str(ox.Literal(t["value"], language=t["xml:lang"]))
        return str(ox.Literal(t["value"], datatype=ox.NamedNode(t["datatype"])) if "datatype" in t else ox.Literal(t["value"]))

    return {(key(b["subject"]), key(b["predicate"]), key(b["object"])) for b in data["results"]["bindings"]}


def test_page_is_one_offline_file_with_the_required_policy(sparql, site):
    html = (site[0] / "sparql.html").read_text(encoding="utf-8")
    assert f'content="{CSP}"' in html
    assert "<script src" not in html and "<link" not in html
    assert sparql.evaluate("document.querySelectorAll('#gallery li.card').length") == len(
        sparql.evaluate("kkg.queries"))
    assert sparql.problems() == []


def test_every_local_named_query_answers_as_the_cli(sparql):
    import json

    from ketamine_kg.sparql.catalogue import list_queries

    compared = 0
    for query in list_queries():
        entry = next(q for q in sparql.evaluate("kkg.queries") if q["name"] == query.name)
        if not entry["runnable"]:
            assert "internet" in entry["note"]
            continue
        answer = sparql.evaluate(f"kkg.query(kkg.boundText({json.dumps(query.name)}))")
        if query.form in ("CONSTRUCT", "DESCRIBE"):
            assert js_triple_set(answer) == nt_set(cli("query", query.name, "--format", "nt")), query.name
        elif query.form == "ASK":
            assert answer["boolean"] == json.loads(cli("query", query.name, "--format", "json"))["boolean"], query.name
        else:
            expected = json.loads(cli("query", query.name, "--format", "json"))
            assert answer["head"]["vars"] == expected["head"]["vars"], query.name
            assert binding_set(answer) == binding_set(expected), query.name
        compared += 1
    assert compared >= 15
    assert sparql.problems() == []


def test_gallery_form_binds_a_parameter(sparql):
    import json

    sparql.evaluate("""(() => { const i = document.getElementById('p-search-labels-text'); i.value = 'NMDA';
        document.querySelector('#q-search-labels button.run').click(); })()""")
    deadline = time.monotonic() + 10
    while sparql.evaluate("kkg.last && kkg.last.results ? 1 : 0") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert '"NMDA"' in sparql.evaluate("document.getElementById('editor').value")
    shown = sparql.evaluate("kkg.last")
    expected = json.loads(cli("query", "search-labels", "--param", "text=NMDA", "--format", "json"))
    assert binding_set(shown) == binding_set(expected) and expected["results"]["bindings"]
    default = json.loads(cli("query", "search-labels", "--format", "json"))
    assert binding_set(default) != binding_set(expected)  # the parameter changed the answer
    rows = sparql.evaluate("document.querySelectorAll('#results tbody tr').length")
    assert rows == len(expected["results"]["bindings"])
    assert "#query=" in sparql.evaluate("location.hash")  # the run is a link


def test_query_link_runs_its_query(sparql, site):
    text = "SELECT ?label WHERE { kkg:esketamine rdfs:label ?label }"
    open_sparql(sparql, site[0] / "sparql.html", "#query=" + urllib.parse.quote(text))
    deadline = time.monotonic() + 10
    while not sparql.evaluate("kkg.last") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sparql.evaluate("document.getElementById('editor').value") == text
    assert [b["label"]["value"] for b in sparql.evaluate("kkg.last")["results"]["bindings"]] == ["esketamine"]
    assert sparql.evaluate("document.querySelector('#results td').textContent") == "esketamine @en"
    assert sparql.problems() == []


def test_answer_as_graph_and_downloads(sparql, site):
    sparql.evaluate("document.querySelector('#q-receptors-of-substance button.run').click()")
    time.sleep(0.3)
    sparql.evaluate("document.querySelector('#tabs button[data-tab=graph]').click()")
    labels = sparql.evaluate("Array.from(document.querySelectorAll('#graph-view .node text')).map(t => t.textContent)")
    assert "ketamine" in labels and "NMDA receptor" in labels, labels  # the substance asked about and its receptor
    assert sparql.evaluate("document.querySelectorAll('#graph-view line.edge:not(.row)').length") >= 1
    csv = sparql.evaluate("decodeURIComponent(document.getElementById('download-csv').href.split(',').slice(1).join(','))")
    assert csv.splitlines()[0] == "receptor,relation,modality,claim_id" and "nmda_receptor" in csv
    assert sparql.problems() == []


def test_federated_query_is_shown_as_not_runnable(sparql):
    card = sparql.evaluate("document.getElementById('q-wikidata-descriptions').textContent")
    assert "internet" in card
    assert sparql.evaluate("document.querySelector('#q-wikidata-descriptions button.run')") is None
    message = sparql.evaluate("kkg.query(kkg.boundText('wikidata-descriptions')).then(() => 'ran', e => e.message)")
    assert "internet" in message


def test_syntax_error_names_the_users_line(sparql):
    message = sparql.evaluate("kkg.query('SELECT * WHERE {\\n  ?s ?p \\n}').then(() => 'ran', e => e.message)")
    assert message.startswith("SPARQL syntax error at line 3"), message


def test_reader_highlights_every_quote_once(tab, site):
    folder, dataset, _ = site
    tab.open(folder / "article.html")
    assert tab.problems() == []
    marks = tab.evaluate("""Array.from(document.querySelectorAll('mark[data-ev]')).map(m =>
        [m.dataset.ev.split(' '), m.textContent, Number(m.dataset.start)])""")
    runs: dict[str, list[tuple[int, str, int]]] = {}
    for position, (keys, text, start) in enumerate(marks):
        for key in keys:
            runs.setdefault(key, []).append((position, text, start))
    expected = {f"{c.id}/{n}": ev for c in dataset.claims for n, ev in enumerate(c.evidence, start=1)}
    assert set(runs) == set(expected)
    for key, ev in expected.items():
        run = runs[key]
        assert [p for p, _, _ in run] == list(range(run[0][0], run[0][0] + len(run))), f"{key} is not one run"
        assert "".join(t for _, t, _ in run) == ev.quote, key
        assert run[0][2] == ev.start, key


def test_reader_click_shows_the_claims_of_a_passage(tab, site):
    folder, _, _ = site
    tab.open(folder / "article.html")
    ids = tab.evaluate("""(() => { const m = Array.from(document.querySelectorAll('mark')).find(m => m.textContent.includes('NMDA'));
        m.click(); return m.dataset.claim.split(' '); })()""")
    shown = tab.evaluate("Array.from(document.querySelectorAll('#panel .claim')).map(b => b.id.slice(6))")
    assert shown == ids
    assert "in the graph" in tab.evaluate("document.getElementById('panel').textContent")
    tab.evaluate("""(() => { const s = document.getElementById('f-modality'); s.value = 'hedged'; s.dispatchEvent(new Event('change')); })()""")
    on = tab.evaluate("Array.from(document.querySelectorAll('mark:not(.off)')).map(m => m.dataset.claim)")
    hedged = set(tab.evaluate("Object.values(kkgReader.claims).filter(c => c.modality === 'hedged').map(c => c.id)"))
    assert on and all(set(c.split()) & hedged for c in on)


def test_reader_link_opens_at_its_claim(tab, site):
    folder, dataset, _ = site
    claim = dataset.claims[-1]
    tab.send("Page.navigate", url=(folder / "article.html").resolve().as_uri() + f"#claim-{claim.id}")
    deadline = time.monotonic() + 10
    while tab.evaluate("document.readyState") != "complete" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tab.evaluate("Array.from(document.querySelectorAll('#panel .claim')).map(b => b.id)") == [f"panel-{claim.id}"]
    targets = tab.evaluate("Array.from(document.querySelectorAll('mark.target')).map(m => m.dataset.claim)")
    assert targets and all(claim.id in t.split() for t in targets)


def test_claims_table_sorts_and_filters(tab, site):
    folder, dataset, _ = site
    tab.open(folder / "claims.html")
    assert tab.problems() == []
    assert tab.evaluate("document.querySelectorAll('#claims tbody tr').length") == len(dataset.claims)
    tab.evaluate("document.querySelector('th[data-key=id] button').click()")
    ids = tab.evaluate("Array.from(document.querySelectorAll('#claims tbody tr')).map(r => r.id.slice(4))")
    assert ids == sorted(c.id for c in dataset.claims)
    tab.evaluate("""(() => { const f = document.getElementById('filter'); f.value = 'NMDA'; f.dispatchEvent(new Event('input')); })()""")
    visible = tab.evaluate("Array.from(document.querySelectorAll('#claims tbody tr:not([hidden])')).map(r => r.textContent)")
    assert visible and all("nmda" in v.lower() for v in visible)
    link = tab.evaluate("document.querySelector('#claims tbody tr td.links a').getAttribute('href')")
    assert link.startswith("article.html#claim-")


@pytest.mark.parametrize("page", ["article.html", "claims.html", "sparql.html"])
def test_page_fits_a_phone(chromium, site, page):
    folder = site[0]
    if not (folder / page).exists():
        pytest.skip(f"{page} was not built: {'; '.join(site[2])}")
    phone = Tab(chromium, width=390, height=844)
    if page == "sparql.html":
        open_sparql(phone, folder / page)
    else:
        phone.open(folder / page)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    main = {"article.html": "#text", "claims.html": "#claims", "sparql.html": "#editor"}[page]
    assert phone.evaluate(f"document.querySelector('{main}').getBoundingClientRect().width") >= 340
    assert phone.problems() == []
