"""Reason over the ontology and one article's graph, and say what follows and why.

``reason_over(dataset, tbox_graph, data_graph)`` runs HermiT (through owlready2, in an
isolated :class:`owlready2.World`) over the TBox and an *OWL view* of the data, and
returns a :class:`ReasoningReport`: whether the whole is consistent, and every new fact
(new types, inverse, sub-property and transitive consequences) with the ids of the
claims it rests on. Without Java it says so and falls back to OWL 2 RL with ``owlrl``.

What the reasoner sees, and why hedging can never become fact, is told in
:mod:`~ketamine_kg.ontology.reason.view`. If the ontology and the data contradict each
other, :func:`reason_over` raises an :class:`~ketamine_kg.errors.InconsistencyError`
that names a smallest set of claims (id, quote, ``claims.yaml`` line) whose removal makes
the contradiction go away (:mod:`~ketamine_kg.ontology.reason.conflicts`).

The parts: :mod:`.report` (what was found), :mod:`.view` (what the reasoner sees),
:mod:`.runners` (HermiT and OWL 2 RL), :mod:`.provenance` (the claims each fact rests
on), :mod:`.conflicts` (the claims behind an inconsistency).
"""

from __future__ import annotations

import time

from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from ketamine_kg.core.model import Dataset
from ketamine_kg.errors import InconsistencyError, KkgError
from ketamine_kg.ontology.reason.conflicts import explain_inconsistency, find_conflict
from ketamine_kg.ontology.reason.provenance import NOISE_TYPES, collect_facts
from ketamine_kg.ontology.reason.report import InferredFact, ReasoningReport, local_name
from ketamine_kg.ontology.reason.runners import (
    HERMIT, NO_JAVA, OWL_RL, Inconsistent, is_consistent, java_available, reasoner_name, run_hermit, run_owlrl,
)
from ketamine_kg.ontology.reason.view import OwlView, get_owl_view

__all__ = [
    "HERMIT", "NOISE_TYPES", "NO_JAVA", "OWL_RL", "Inconsistent", "InferredFact", "OwlView", "ReasoningReport",
    "collect_facts", "explain_inconsistency", "find_conflict", "get_owl_view", "is_consistent", "java_available",
    "local_name", "reason_over", "reasoner_name", "run_hermit", "run_owlrl",
]


def reason_over(dataset: Dataset | None, tbox_graph: Graph, data_graph: Graph, *, reasoner: str = "auto") -> ReasoningReport:
    """Reason over the TBox and the stated data of one article.

    ``reasoner`` is ``"auto"`` (HermiT if Java is found, else OWL 2 RL), ``"hermit"`` or
    ``"owlrl"``. Raises :class:`~ketamine_kg.errors.InconsistencyError` naming the claims
    behind an inconsistency (or the classes the ontology makes unsatisfiable), and
    :class:`~ketamine_kg.errors.KkgError` if HermiT is asked for and Java is missing.
    """
    start = time.perf_counter()
    notes: list[str] = []
    if reasoner == "auto":
        reasoner = "hermit" if java_available() else "owlrl"
        if reasoner == "owlrl":
            notes.append(NO_JAVA)
    elif reasoner == "hermit" and not java_available():
        raise KkgError(None, None, "Java not found: HermiT needs a Java runtime (or use the OWL 2 RL reasoner)")
    run = run_hermit if reasoner == "hermit" else run_owlrl
    view = get_owl_view(tbox_graph, data_graph, getattr(dataset, "vocabulary", None))
    view_graph = view.graph()
    try:
        entailed = run(view_graph)
    except Inconsistent as exc:
        raise explain_inconsistency(dataset, view, run, exc.args) from None
    unsatisfiable = sorted(str(c) for c in entailed.subjects(OWL.equivalentClass, OWL.Nothing) if isinstance(c, URIRef) and c != OWL.Nothing)
    if unsatisfiable:
        names = ", ".join(local_name(c) for c in unsatisfiable)
        raise InconsistencyError(None, None, f"the ontology makes these classes unsatisfiable (nothing can be one): {names}; check ontology/alignments.tsv and the disjointness axioms")
    facts = collect_facts(view, view_graph, entailed, data_graph)
    return ReasoningReport(
        reasoner=reasoner_name(run), consistent=True, facts=facts,
        seconds=time.perf_counter() - start, notes=notes,
    )
