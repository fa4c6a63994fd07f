"""``iter_bytes``: the pieces the endpoint streams join to exactly ``to_bytes``, for every format and form.

Results are generated (hypothesis, seeded): IRIs in and out of the project's prefix map,
blank nodes, plain, language-tagged and typed literals with any text (quotes, tabs,
newlines, control characters, non-ASCII), unbound cells; pieces as small as one byte.
SPARQL JSON is also checked against ``json.dumps(..., indent=1)`` of the whole document,
the format the endpoint wrote before it streamed.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamine_kg.core.terms import Result, Term, literal
from ketamine_kg.sparql.results import GRAPH_FORMATS, NT_BATCH, PIECE_BYTES, iter_bytes, to_bytes

SELECT_FORMATS = ("json", "csv", "tsv", "xml")  # what the endpoint serves for SELECT and ASK
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
IRIS = st.from_regex(r"\A(https://w3id\.org/ketamine-kg/entity/|http://example\.org/)[a-z0-9_]{0,8}\Z").map(lambda v: Term("uri", v))
TERMS = st.one_of(
    IRIS,
    st.from_regex(r"\Ab[a-z0-9]{1,6}\Z").map(lambda v: Term("bnode", v)),
    st.builds(literal, TEXT),
    st.builds(lambda v, tag: literal(v, lang=tag), TEXT, st.sampled_from(["en", "de-ch"])),
    st.builds(lambda v: literal(v, "http://www.w3.org/2001/XMLSchema#integer"), TEXT),
)
SIZES = st.sampled_from([1, 7, 100, PIECE_BYTES])


def _pieces(result: Result, fmt: str, size: int) -> list[bytes]:
    pieces = list(iter_bytes(result, fmt, size))
    assert all(len(p) == size for p in pieces[:-1]) and all(0 < len(p) <= size for p in pieces), [len(p) for p in pieces]
    return pieces


@st.composite
def selects(draw) -> Result:
    names = draw(st.lists(st.from_regex(r"\A[a-z][a-z0-9]{0,4}\Z"), max_size=4, unique=True))
    rows = draw(st.lists(st.lists(st.one_of(st.none(), TERMS), min_size=len(names), max_size=len(names)), max_size=8))
    return Result("select", names, rows)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(result=selects(), size=SIZES)
def test_select_pieces_join_to_the_whole_answer(result, size):
    for fmt in SELECT_FORMATS:
        assert b"".join(_pieces(result, fmt, size)) == to_bytes(result, fmt), fmt
    bindings = [{v: t.to_json() for v, t in zip(result.variables, row) if t is not None} for row in result.rows]
    document = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    assert to_bytes(result, "json") == (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(triples=st.lists(st.tuples(IRIS, IRIS, TERMS), max_size=8), size=SIZES)
def test_graph_pieces_join_to_the_whole_answer(triples, size):
    result = Result("graph", triples=triples)
    for fmt in GRAPH_FORMATS:
        assert b"".join(_pieces(result, fmt, size)) == to_bytes(result, fmt), fmt


@pytest.mark.parametrize("boolean", [True, False])
@pytest.mark.parametrize("fmt", SELECT_FORMATS)
def test_ask_pieces_join_to_the_whole_answer(boolean, fmt):
    result = Result("ask", boolean=boolean)
    assert b"".join(_pieces(result, fmt, 3)) == to_bytes(result, fmt)


def test_long_answers_come_in_many_pieces_of_the_same_bytes():
    """A literal of many pieces, rows across many CSV batches, and more triples than one N-Triples batch."""
    long = Result("select", ["x"], [[literal("é\"\t\n" * 100_000)]])
    rows = Result("select", ["s", "o"], [[Term("uri", f"http://example.org/{n}"), literal(f"row {n}")] for n in range(20_000)])
    graph = Result("graph", triples=[(Term("uri", f"http://example.org/{n}"), Term("uri", "http://example.org/p"),
                                      literal(f"value {n}")) for n in range(3 * NT_BATCH + 7)])
    for result, formats in ((long, SELECT_FORMATS), (rows, SELECT_FORMATS), (graph, GRAPH_FORMATS)):
        for fmt in formats:
            pieces = _pieces(result, fmt, PIECE_BYTES)
            whole = to_bytes(result, fmt)
            assert b"".join(pieces) == whole, fmt
            assert len(pieces) == -(-len(whole) // PIECE_BYTES) and len(pieces) >= 2, (fmt, len(pieces))


def test_a_select_in_a_graph_format_is_refused_before_any_piece():
    from ketamine_kg.errors import QueryError

    with pytest.raises(QueryError, match="CONSTRUCT and DESCRIBE"):
        iter_bytes(Result("select", ["x"], []), "nt")
