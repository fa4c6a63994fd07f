"""Quote offsets: Unicode code points over the article as stored, with UTF-16 offsets for JavaScript where they differ.

An astral character (U+1F600, one code point, two UTF-16 units) put before every quote
shifts each JavaScript index by one: the graph's sections and ``kkgo:utf16Start``/``kkgo:utf16End``
must then slice the quote out of the text as JavaScript indexes it, while ``oa:start``/
``oa:end`` keep slicing it as Python (code points) does. The built-in article, all in
the Basic Multilingual Plane, needs no UTF-16 offsets at all.
"""

from __future__ import annotations


from ketamine_kg.core.namespaces import KKGO, OA
from ketamine_kg.load.dataset import default_data_dir, load_dataset
from ketamine_kg.rdf.abox import get_data_graph

from helpers import apply_case



def _js_slice(text: str, start: int, end: int) -> str:
    """``text.slice(start, end)`` as JavaScript computes it (UTF-16 code units)."""
    units = text.encode("utf-16-le")
    return units[2 * start: 2 * end].decode("utf-16-le")


def _selectors(graph) -> dict:
    """Text position selectors (start and end) and sections (start): their offsets by property."""
    return {s: {p: int(o) for p, o in graph.predicate_objects(s) if p in (OA.start, OA.end, KKGO.utf16Start, KKGO.utf16End)}
            for s in set(graph.subjects(OA.start, None))}


def test_astral_characters_give_utf16_offsets(data_copy):
    apply_case({"name": "emoji", "file": "article.txt", "replace": ["Censored Brain\n", "Censored Brain \U0001F600\n"],
                "resum": True}, data_copy)
    dataset = load_dataset(data_copy)
    text = dataset.source.text
    selectors = _selectors(get_data_graph(dataset))
    quotes = {ev.quote for claim in dataset.claims for ev in claim.evidence}
    assert selectors and all(KKGO.utf16Start in s and (OA.end not in s or KKGO.utf16End in s) for s in selectors.values())
    sections = [s for s in selectors.values() if OA.end not in s]
    assert sections and all(s[KKGO.utf16Start] == s[OA.start] + 1 for s in sections)
    for s in selectors.values():
        if OA.end not in s:
            continue
        assert s[KKGO.utf16Start] == s[OA.start] + 1 and s[KKGO.utf16End] == s[OA.end] + 1
        assert text[s[OA.start]: s[OA.end]] in quotes  # code points, as Python slices
        assert _js_slice(text, s[KKGO.utf16Start], s[KKGO.utf16End]) == text[s[OA.start]: s[OA.end]]
        assert _js_slice(text, s[OA.start], s[OA.end]) != text[s[OA.start]: s[OA.end]]  # why they are needed


def test_the_built_in_article_needs_no_utf16_offsets():
    selectors = _selectors(get_data_graph(load_dataset(default_data_dir())))
    assert selectors and not any(KKGO.utf16Start in s for s in selectors.values())
