"""The HTML page of one resource of the graph, as ``serve`` shows it to a browser at its IRI's path.

:func:`get_resource_page` receives the resource's rows (predicate, object, the object's
label) already fetched; it runs no query. Every text is escaped, and links stay on the
server: an IRI of this dataset links to its own path there, any other IRI is shown as text
with an outbound link the reader chooses to follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from ketamine_kg.core.curies import compact
from ketamine_kg.core.iris import BASE

STYLE = ("body{font:15px/1.45 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
         "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;"
         "text-align:left;vertical-align:top}code{font-size:90%}.lit{white-space:pre-wrap}nav a{margin-right:1em}")


def local_path(iri: str) -> str | None:
    """The path of ``iri`` on the server when it is one of this dataset's (None otherwise).

    >>> local_path("https://w3id.org/ketamine-kg/entity/ketamine"), local_path("http://example.org/x")
    ('/entity/ketamine', None)
    """
    return "/" + iri[len(BASE):] if iri.startswith(BASE) and len(iri) > len(BASE) else None


def _shown(iri: str) -> str:
    return compact(iri) or iri


def _iri_cell(iri: str, label: str | None = None) -> str:
    text = escape(_shown(iri))
    path = local_path(iri)
    link = f'<a href="{escape(path)}">{text}</a>' if path else f'<a href="{escape(iri)}" rel="nofollow noreferrer">{text}</a>'
    return link + (f" — {escape(label)}" if label else "")


def _object_cell(obj: dict, label: str | None) -> str:
    if obj.get("type") == "uri":
        return _iri_cell(obj["value"], label)
    if obj.get("type") == "bnode":
        return f"<code>_:{escape(obj['value'])}</code>"
    extra = f" <small>@{escape(obj['xml:lang'])}</small>" if obj.get("xml:lang") else ""
    if obj.get("datatype"):
        extra = f" <small>{escape(_shown(obj['datatype']))}</small>"
    return f'<span class="lit">{escape(obj.get("value", ""))}</span>{extra}'


def get_resource_page(iri: str, rows: Iterable[dict], label: str | None = None) -> bytes:
    """One offline page: the triples of ``iri`` as subject, from SPARQL JSON bindings of ``?p ?o ?label``."""
    seen: dict[tuple, str] = {}
    for row in rows:
        p, o = row.get("p", {}), row.get("o", {})
        key = (p.get("value"), o.get("type"), o.get("value"), o.get("datatype"), o.get("xml:lang"))
        if key not in seen or (not seen[key] and row.get("label")):
            seen[key] = _object_cell(o, (row.get("label") or {}).get("value"))
    lines = [f"<tr><td>{_iri_cell(key[0])}</td><td>{cell}</td></tr>" for key, cell in sorted(seen.items(), key=lambda kv: tuple(str(x) for x in kv[0]))]
    title = label or _shown(iri)
    formats = " ".join(f'<a href="?format={f}">{name}</a>' for f, name in (("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples")))
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><nav><a href=\"/\">query page</a><a href=\"/.well-known/void\">dataset</a></nav>"
            f"<h1>{escape(title)}</h1><p><code>{escape(iri)}</code></p><p>As data: {formats}</p>"
            f"<table><thead><tr><th>property</th><th>value</th></tr></thead><tbody>{''.join(lines)}</tbody></table>"
            "</body></html>\n")
    return page.encode("utf-8")
