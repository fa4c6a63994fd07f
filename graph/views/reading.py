"""The article reader and the claims table: the article's own text with its evidence, and every claim in a list.

``to_reader_html(dataset, ...)`` is the article (``article.html``; ``reader-<source-id>.html``
in a corpus) with every evidence quote highlighted where its offsets say: the text is cut
into segments at every quote's start and end (:func:`get_segments`), so overlapping
quotes become runs of segments, each a ``<mark>`` carrying ``data-claim`` (the claims it
supports) and ``data-ev`` (which quote of which claim: ``CLAIM-ID/N``, N from 1).
Offsets are the Web Annotation ``TextPositionSelector`` start and end: code points of
``article.txt``, which the build ships beside the page; the cutting happens here, in
Python, so no script has to count UTF-16 units.

``to_claims_html(dataset, ...)`` is the claims table (``claims.html``; ``claims-<source-id>.html``
in a corpus): every claim with its id, its triple in words, modality, polarity,
qualifiers, section and quotes, sortable and filterable, printable as a handout.

Both pages are one file each, work offline and put every text of the data in as escaped
HTML or JSON data, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketamine_kg.core.model import MODALITIES, Claim, Dataset
from ketamine_kg.rdf.abox import claim_label
from ketamine_kg.views.page import get_environment
from ketamine_kg.views.sparql_page import to_script_json

MODALITY_LABELS = {"asserted": "asserted", "hedged": "hedged", "speculative": "speculative",
                   "under_investigation": "under investigation"}
RIGHTS_NOTE = ("The article's text is shown so that every quote can be checked in its context. The quotes are "
               "its author's words, used here as evidence for the claims, with attribution; the rights in the "
               "article remain with its author and {site}. The claims, their wording and this page are the project's.")


@dataclass(frozen=True)
class Segment:
    """A run of the article's text between two quote boundaries: ``keys`` are the quotes covering it."""

    start: int
    end: int
    keys: tuple[str, ...]


def get_segments(length: int, spans: Sequence[tuple[int, int, str]], cuts: Sequence[int] = ()) -> list[Segment]:
    """Cut ``[0, length)`` at every span's start and end (and at ``cuts``); each piece lists the spans covering it.

    ``spans`` are (start, end, key) with ``0 <= start < end <= length``. Pieces covered by
    no span have no keys. Keys keep the order of ``spans``.

    >>> [(s.start, s.end, s.keys) for s in get_segments(10, [(2, 6, "a"), (4, 8, "b")])]
    [(0, 2, ()), (2, 4, ('a',)), (4, 6, ('a', 'b')), (6, 8, ('b',)), (8, 10, ())]
    """
    bounds = {0, length, *(c for c in cuts if 0 <= c <= length)}
    for start, end, _ in spans:
        if not 0 <= start < end <= length:
            raise ValueError(f"span {start}-{end} is outside the text (length {length})")
        bounds.update((start, end))
    points = sorted(bounds)
    segments = []
    for a, b in zip(points, points[1:]):
        keys = tuple(key for start, end, key in spans if start <= a and b <= end)
        segments.append(Segment(a, b, keys))
    return segments


def get_claim_records(dataset: Dataset, vocab, *, graph_page: str, reader_page: str) -> list[dict]:
    """One dict per claim, in article order: what both pages show of it (all plain text)."""
    source = dataset.source
    records = []
    for order, claim in enumerate(dataset.claims):
        subject = dataset.entities[claim.subject]
        target = dataset.entities.get(claim.object) if claim.object else None
        section = source.section(claim.section)
        parent = source.section(section.parent).title if section.parent else ""
        records.append({
            "id": claim.id, "order": order, "text": claim_label(claim, dataset, vocab),
            "subject": subject.label, "subjectId": subject.id, "subjectType": subject.type,
            "predicate": vocab.predicates[claim.predicate].label, "predicateId": claim.predicate,
            "object": target.label if target else (claim.value or ""), "objectId": target.id if target else "",
            "objectType": target.type if target else "",
            "modality": claim.modality, "modalityLabel": MODALITY_LABELS.get(claim.modality, claim.modality),
            "polarity": claim.polarity,
            "qualifiers": _qualifiers(claim, dataset),
            "section": section.id, "sectionTitle": section.title, "sectionParent": parent,
            "quotes": [{"text": ev.quote, "start": ev.start, "end": ev.end, "kind": ev.kind} for ev in claim.evidence],
            "comment": claim.comment or "",
            "reader": f"{reader_page}#claim-{claim.id}", "graph": f"{graph_page}#node={claim.subject}",
        })
    return records


def _qualifiers(claim: Claim, dataset: Dataset) -> list[list[str]]:
    out = []
    for key, value in sorted(claim.qualifiers.items()):
        entity = dataset.entities.get(value) if key in ("route", "procedure") else None
        out.append([key, entity.label if entity else value])
    return out


def get_reader_parts(dataset: Dataset, records: list[dict]) -> list[dict]:
    """The article's body as parts for the template: text runs, marks (with their claims and quotes) and section anchors."""
    source = dataset.source
    body = source.text[: source.body_end]
    spans = [(q["start"], q["end"], f"{r['id']}/{n}") for r in records for n, q in enumerate(r["quotes"], start=1)]
    modality = {r["id"]: r["modality"] for r in records}
    starts = {s.start: s.id for s in source.sections}
    parts: list[dict] = []
    for segment in get_segments(len(body), spans, cuts=list(starts)):
        if segment.start in starts:
            parts.append({"anchor": starts.pop(segment.start)})
        text = body[segment.start:segment.end]
        if not segment.keys:
            parts.append({"text": text})
            continue
        claims = list(dict.fromkeys(key.rsplit("/", 1)[0] for key in segment.keys))
        modalities = {modality[c] for c in claims}
        firmest = next(m for m in MODALITIES if m in modalities)
        parts.append({"text": text, "claims": " ".join(claims), "ev": " ".join(segment.keys),
                      "modality": firmest if len(modalities) == 1 else "mixed", "start": segment.start})
    return parts


def _filters(dataset: Dataset, vocab, records: list[dict]) -> dict:
    types = sorted({t for r in records for t in (r["subjectType"], r["objectType"]) if t})
    return {
        "modalities": [[m, MODALITY_LABELS[m], sum(r["modality"] == m for r in records)] for m in MODALITIES
                       if any(r["modality"] == m for r in records)],
        "types": [[t, vocab.types[t].label if t in vocab.types else t] for t in types],
        "sections": [[s.id, s.title] for s in dataset.source.sections if any(r["section"] == s.id for r in records)],
    }


def to_reader_html(dataset: Dataset, vocab, *, graph_page: str, reader_page: str, claims_page: str,
                   text_file: str, header_links: list[tuple[str, str]] | None = None) -> str:
    """The reader page of ``dataset``'s article (see the module docstring)."""
    records = get_claim_records(dataset, vocab, graph_page=graph_page, reader_page=reader_page)
    source = dataset.source
    return get_environment().get_template("reader.html").render(
        source=source, parts=get_reader_parts(dataset, records), claims=to_script_json(
            {"claims": {r["id"]: r for r in records}, "claimsPage": claims_page}),
        filters=_filters(dataset, vocab, records), count=len(records), text_file=text_file,
        rights=RIGHTS_NOTE.format(site=source.site), header_links=header_links or [],
        furniture=len(source.text) > source.body_end,
    )


def to_claims_html(dataset: Dataset, vocab, *, graph_page: str, reader_page: str,
                   header_links: list[tuple[str, str]] | None = None) -> str:
    """The claims table of ``dataset``'s article (see the module docstring)."""
    records = get_claim_records(dataset, vocab, graph_page=graph_page, reader_page=reader_page)
    return get_environment().get_template("claims.html").render(
        source=dataset.source, claims=records, filters=_filters(dataset, vocab, records),
        header_links=header_links or [], reader_page=reader_page,
    )


def get_reading_names(source_id: str, several: bool) -> dict[str, str]:
    """The file names of an article's reader, claims table, text and graph page.

    One article: ``article.html``, ``claims.html``, ``article.txt``, ``graph.html``; in a corpus,
    each article's own (its graph page is ``article-<source-id>.html``, as the site names it).

    >>> get_reading_names("x", True)["reader"], get_reading_names("x", False)["reader"]
    ('reader-x.html', 'article.html')
    """
    if not several:
        return {"reader": "article.html", "claims": "claims.html", "text": "article.txt", "graph": "graph.html"}
    return {"reader": f"reader-{source_id}.html", "claims": f"claims-{source_id}.html",
            "text": f"article-{source_id}.txt", "graph": f"article-{source_id}.html"}


def write_reading_pages(stage_dir, datasets: Sequence[Dataset], *, several: bool, sparql: bool = True) -> list:
    """Write each article's reader, claims table and text (byte for byte) into ``stage_dir``; return the paths.

    ``sparql`` says whether the site has ``sparql.html`` to link to.
    """
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    written = []
    for ds in datasets:
        vocab = ds.vocabulary or load_vocabulary()
        names = get_reading_names(ds.source.id, several)
        back = [("← index", "index.html"), ("claims table", names["claims"]), ("graph", names["graph"])]
        if sparql:
            back.append(("ask the graph (SPARQL)", "sparql.html"))
        pages = {
            names["reader"]: to_reader_html(ds, vocab, graph_page=names["graph"], reader_page=names["reader"],
                                            claims_page=names["claims"], text_file=names["text"], header_links=back),
            names["claims"]: to_claims_html(ds, vocab, graph_page=names["graph"], reader_page=names["reader"],
                                            header_links=[("← index", "index.html"), ("the article", names["reader"]),
                                                          ("graph", names["graph"])]),
        }
        for name, html in pages.items():
            (stage_dir / name).write_text(html, encoding="utf-8")
            written.append(stage_dir / name)
        (stage_dir / names["text"]).write_bytes((ds.directory / ds.source.file_name).read_bytes())
        written.append(stage_dir / names["text"])
    return written
