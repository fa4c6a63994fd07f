"""Explain an inconsistency: find a smallest set of claims that contradict the ontology together.

:func:`find_conflict` searches the claims with a consistency oracle (doubling, then
QuickXplain); :func:`explain_inconsistency` drives it, OWL 2 RL's messages first (they
name the IRIs involved, and owlrl is fast on small graphs), and builds the
:class:`~ketamine_kg.errors.InconsistencyError` that names each claim with its line and quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rdflib import URIRef

from ketamine_kg.core import iris as ns
from ketamine_kg.core.model import Dataset
from ketamine_kg.errors import InconsistencyError, display_path
from ketamine_kg.ontology.reason.runners import Inconsistent, Runner, is_consistent, reasoner_name, run_owlrl
from ketamine_kg.ontology.reason.view import OwlView
from ketamine_kg.ontology.vocabulary import load_vocabulary


def find_conflict(view: OwlView, consistent: Callable[[list[str]], bool], hints: frozenset[URIRef] = frozenset()) -> list[str]:
    """A smallest set of claims that, with the TBox and the entity types, is inconsistent.

    ``consistent(claim_ids) -> bool`` is the oracle. Claims that mention the ``hints``
    (IRIs a reasoner named) are tried first: the shortest inconsistent prefix is found by
    doubling, then shrunk with QuickXplain (Junker 2004). Returns [] if the TBox and the
    entity types alone are inconsistent.
    """
    def qx(background: list[str], has_delta: bool, candidates: list[str]) -> list[str]:
        if has_delta and not consistent(background):
            return []
        if len(candidates) == 1:
            return candidates
        half = len(candidates) // 2
        first, second = candidates[:half], candidates[half:]
        d2 = qx(background + first, bool(first), second)
        d1 = qx(background + d2, bool(d2), first)
        return d1 + d2

    def score(cid: str) -> int:
        return -len({term for triple in view.by_claim[cid] for term in triple} & hints)

    order = sorted(view.by_claim, key=score) if hints else list(view.by_claim)
    size = 1
    while True:
        if size >= len(order):
            prefix = order
            break
        if not consistent(order[:size]):
            prefix = order[:size]
            break
        size *= 2
    return qx([], False, prefix) if prefix else []


def explain_inconsistency(dataset: Dataset | None, view: OwlView, run: Runner, messages: Sequence[str] = ()) -> InconsistencyError:
    """Build the error that names the claims (id, quote, line) behind an inconsistency.

    OWL 2 RL's error messages (``messages``, or a run of owlrl) name the IRIs involved;
    the search for the claims runs owlrl on small graphs, and ``run`` confirms the result.
    """
    messages = list(messages) or _owlrl_errors(view)
    named = {URIRef(iri) for message in messages for iri in re.findall(r"https?://[^\s,;]+", message)}
    # Claims whose subject or object is outside the predicate's domain or range go first
    # (the loader refuses them in claims.yaml, but a dataset made another way may hold them).
    if dataset is not None:
        named |= {URIRef(ns.claim_iri(dataset.source.id, c)) for c in _mistyped_claims(dataset)}
    hints = frozenset(named)
    if messages:
        conflict = find_conflict(view, lambda ids: not _owlrl_errors(view, ids), hints)
        if conflict and not is_consistent(run, view.graph(conflict)):
            return _conflict_error(dataset, conflict, run)
    if not is_consistent(run, view.graph([])):
        return _conflict_error(dataset, [], run)
    return _conflict_error(dataset, find_conflict(view, lambda ids: is_consistent(run, view.graph(ids, local=True)), hints), run)


def _mistyped_claims(dataset: Dataset) -> list[str]:
    """Ids of the claims whose subject or object lies outside their predicate's domain or range."""
    vocab = dataset.vocabulary or load_vocabulary()
    found = []
    for claim in dataset.claims:
        pred = vocab.predicates.get(claim.predicate)
        subject = dataset.entities.get(claim.subject)
        obj = dataset.entities.get(claim.object) if claim.object else None
        if pred is None or subject is None:
            continue
        if not vocab.fits(subject.type, pred.domain) or (obj is not None and pred.range and not vocab.fits(obj.type, pred.range)):
            found.append(claim.id)
    return found


def _owlrl_errors(view: OwlView, claim_ids: list[str] | None = None) -> list[str]:
    """OWL 2 RL's error messages for the view (all claims, or the local graph of ``claim_ids``); [] if consistent."""
    graph = view.graph() if claim_ids is None else view.graph(claim_ids, local=True)
    try:
        run_owlrl(graph)
    except Inconsistent as exc:
        return list(exc.args)
    return []


def _conflict_error(dataset: Dataset | None, conflict: list[str], run: Runner) -> InconsistencyError:
    where = display_path(dataset.directory / "claims.yaml") if dataset is not None else "claims.yaml"
    if not conflict:
        return InconsistencyError(
            None, None,
            "the ontology is inconsistent even without any claim: check the entity types and ontology/alignments.tsv",
        )
    claims = {c.id: c for c in dataset.claims} if dataset is not None else {}
    parts = []
    for cid in conflict:
        claim = claims.get(cid)
        if claim is None:
            parts.append(f"claim {cid!r}")
            continue
        target = claim.object if claim.object else repr(claim.value)
        at = f"{claim.file}:{claim.line}" if claim.file else f"line {claim.line}"
        parts.append(f"claim {cid!r} ({at}: {claim.subject} {claim.predicate} {target}; quote {claim.evidence[0].quote!r})")
    first = claims.get(conflict[0])
    line = first.line if first is not None else None
    if first is not None and first.file:
        where = first.file
    return InconsistencyError(
        where, line,
        f"the ontology is inconsistent ({reasoner_name(run)}); these claims contradict its axioms together: " + "; ".join(parts),
        claims=tuple(conflict),
    )
