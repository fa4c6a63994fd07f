"""The two reasoners: HermiT (through owlready2, needs Java) and OWL 2 RL (owlrl), run on one graph.

Each runner takes an rdflib graph and returns what it entails beyond it, or raises
:class:`Inconsistent`. owlready2 and owlrl are imported when a runner runs: both are slow
to import, and a run without Java never needs owlready2's reasoner.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from ketamine_kg.core import iris as ns

HERMIT = "HermiT"
OWL_RL = "OWL 2 RL (owlrl)"
ANNOTATIONS = {RDFS.label, RDFS.comment, URIRef(ns.PREFIXES["skos"] + "definition"), DCTERMS.source, DCTERMS.title, DCTERMS.description}
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"
NO_JAVA = "Java not found (HermiT needs a Java runtime, e.g. `apt-get install default-jre`): reasoning with OWL 2 RL (owlrl) instead"

Runner = Callable[[Graph], Graph]


class Inconsistent(Exception):
    """The reasoner found the ontology and data inconsistent; its messages (if any) are the args."""


def java_available() -> bool:
    """Whether the Java runtime owlready2 calls (``owlready2.JAVA_EXE``) can be found."""
    import owlready2  # heavy: only when asked (read at call time, so tests can point it elsewhere)

    exe = owlready2.JAVA_EXE
    if os.path.sep in exe:
        return os.access(exe, os.X_OK)
    return shutil.which(exe) is not None


def run_hermit(graph: Graph) -> Graph:
    """Run HermiT on ``graph``; return what it entails beyond it (direct types, property values).

    Raises :class:`Inconsistent`. Unsatisfiable classes come back as ``C owl:equivalentClass owl:Nothing``.
    """
    import owlready2 as ow  # heavy: only when HermiT runs

    world = ow.World()
    try:
        view = world.get_ontology("https://w3id.org/ketamine-kg/reasoning-view")
        view.load(fileobj=io.BytesIO(graph.serialize(format="nt", encoding="utf-8")), format="ntriples")
        inferred = world.get_ontology("https://w3id.org/ketamine-kg/reasoning-inferred")
        saved = os.environ.get("JAVA_TOOL_OPTIONS")
        if saved is None:  # a short run: start fast rather than optimise hot code (halves the wall time)
            os.environ["JAVA_TOOL_OPTIONS"] = JVM_OPTIONS
        try:
            ow.sync_reasoner_hermit(inferred, infer_property_values=True, debug=0)
        except ow.OwlReadyInconsistentOntologyError as exc:
            raise Inconsistent() from exc
        finally:
            if saved is None:
                del os.environ["JAVA_TOOL_OPTIONS"]
        buffer = io.BytesIO()
        inferred.save(buffer, format="ntriples")
        result = Graph()
        result.parse(data=buffer.getvalue().decode("utf-8"), format="nt")
        return result
    finally:
        world.close()


def run_owlrl(graph: Graph) -> Graph:
    """Expand ``graph`` with the OWL 2 RL rules; return the new triples. Raises :class:`Inconsistent`."""
    import owlrl  # heavy: only when OWL 2 RL runs
    from owlrl.Namespaces import ERRNS

    closure = Graph()
    for triple in graph:
        if triple[1] not in ANNOTATIONS:  # labels and definitions only slow the rules down
            closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    errors = [str(closure.value(node, ERRNS.error)) for node in closure.subjects(RDF.type, ERRNS.ErrorMessage)]
    if errors:
        raise Inconsistent(*sorted(errors))
    return closure - graph


def reasoner_name(run: Runner) -> str:
    """The name reports give the runner ``run`` (:data:`HERMIT` or :data:`OWL_RL`).

    >>> reasoner_name(run_owlrl)
    'OWL 2 RL (owlrl)'
    """
    return HERMIT if run is run_hermit else OWL_RL


def is_consistent(run: Runner, graph: Graph) -> bool:
    """Whether ``run`` finds ``graph`` consistent."""
    try:
        run(graph)
    except Inconsistent:
        return False
    return True

