"""Take PNG screenshots of the site's pages with headless Chromium: the article graph, the reader, the SPARQL page.

Usage: python scripts/screenshot.py [OUTPUT.png] [--data DIR] [--size 1400x900]
       python scripts/screenshot.py --pages [--data DIR]

Default output: graph/docs/article-graph.png (the picture the README shows), with
article-graph.json beside it recording what the picture shows (node and edge counts and a
fingerprint of the view), so tests/test_render.py can tell when the picture is stale. The page
is written to a temporary folder and opened from disk with the network off, as a
reader would open it from a USB stick. Chromium is driven by the project's one driver,
``ketamine_kg.dev.chromium``: the picture is taken once the graph's layout has settled.

``--pages`` writes the site (as ``ketamine-kg build`` does, without the reasoner) and takes
``graph/docs/reader.png`` (the article with a highlight clicked, its claims in the panel)
and ``graph/docs/sparql.png`` (the SPARQL page after running a ready question, its answer
drawn as a graph); the README shows both and tests/test_pages.py checks they are there.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ketamine_kg.app.render import get_view_graph
from ketamine_kg.dev.chromium import Browser, DevToolsError, Tab, chromium_path
from ketamine_kg.rdf.graphset import get_graphs
from ketamine_kg.views.graphs import get_view_fingerprint
from ketamine_kg.views.page import to_html

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "graph" / "docs" / "article-graph.png"
READER_PNG = ROOT / "graph" / "docs" / "reader.png"
SPARQL_PNG = ROOT / "graph" / "docs" / "sparql.png"


def shoot_pages(data: Path | None) -> int:
    """Write the reader and SPARQL screenshots (see the module docstring)."""
    import time

    from ketamine_kg.app.site import write_site

    dataset, rdf_dataset, _, _ = get_graphs(data, reason=False)
    with tempfile.TemporaryDirectory() as tmp:
        notes: list[str] = []
        write_site(Path(tmp), dataset, rdf_dataset, notes=notes)
        if not (Path(tmp) / "sparql.html").exists():
            print(f"error: {'; '.join(notes)}", file=sys.stderr)
            return 1
        with Browser() as chromium:
            tab = Tab(chromium, width=1280, height=820)
            tab.send("Emulation.setScrollbarsHidden", hidden=True)
            tab.open(Path(tmp) / "article.html")
            tab.evaluate("""(() => { const m = Array.from(document.querySelectorAll('mark')).find(m => m.textContent.includes('NMDA'));
                m.scrollIntoView({block: 'center'}); m.click(); })()""")
            time.sleep(0.3)
            READER_PNG.write_bytes(tab.screenshot())
            tab.send("Page.navigate", url=(Path(tmp) / "sparql.html").as_uri())
            deadline = time.monotonic() + 60
            while tab.evaluate("document.body && document.body.getAttribute('data-ready')") != "1":
                if time.monotonic() > deadline:
                    print("error: the SPARQL page did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)
            tab.evaluate("document.querySelector('#q-neighbourhood button.run').click()")
            time.sleep(0.5)
            tab.evaluate("document.querySelector('#tabs button[data-tab=graph]').click()")
            time.sleep(0.3)
            tab.evaluate("document.getElementById('editor').scrollIntoView()")
            SPARQL_PNG.write_bytes(tab.screenshot())
    print(f"wrote {READER_PNG} and {SPARQL_PNG}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT, help="PNG file to write")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: the built-in article)")
    parser.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--pages", action="store_true", help="the reader and SPARQL pictures instead")
    args = parser.parse_args(argv)
    if chromium_path() is None:
        print("error: headless Chromium not found (apt-get install chromium)", file=sys.stderr)
        return 1
    if args.pages:
        return shoot_pages(args.data)
    dataset, rdf_dataset, _, _ = get_graphs(args.data, reason=False)
    view = get_view_graph(rdf_dataset)
    html = to_html(view, title=dataset.source.title,
                   subtitle=f"{dataset.source.site}: every claim of the article as an edge")
    width, height = args.size.split("x")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "graph.html"
        page.write_text(html, encoding="utf-8")
        try:
            with Browser() as chromium:
                tab = Tab(chromium, width=int(width), height=int(height))
                tab.send("Emulation.setScrollbarsHidden", hidden=True)
                tab.open(page, timeout=120)
                png = tab.screenshot()
        except DevToolsError as exc:
            print(f"error: Chromium failed: {exc}", file=sys.stderr)
            return 1
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(png)
    record = {"nodes": view.number_of_nodes(), "edges": view.number_of_edges(), "fingerprint": get_view_fingerprint(view)}
    args.output.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output} and {args.output.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
