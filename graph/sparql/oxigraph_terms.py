"""Between :class:`~ketamine_kg.core.terms.Term` and pyoxigraph's terms, both ways.

pyoxigraph is imported inside each function (a native library the ``query --endpoint``
path need not load).
"""

from __future__ import annotations

from typing import Any

from ketamine_kg.core.terms import Term, literal


def to_oxigraph(term: Term) -> Any:
    """The pyoxigraph term of ``term``.

    >>> to_oxigraph(Term("literal", "hi", lang="en"))
    <Literal value=hi language=en>
    """
    import pyoxigraph as ox  # heavy: a native library

    if term.kind == "uri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    if term.datatype:
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    return ox.Literal(term.value)


def from_oxigraph(term: Any) -> Term | None:
    """The :class:`Term` of a pyoxigraph term (None for None, an unbound variable).

    >>> import pyoxigraph as ox
    >>> from_oxigraph(ox.NamedNode("http://x/a"))
    Term(kind='uri', value='http://x/a', datatype=None, lang=None)
    """
    import pyoxigraph as ox  # heavy: a native library

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        return literal(term.value, term.datatype.value if term.datatype else None, term.language)
    raise TypeError(f"unsupported RDF term {term!r}")
