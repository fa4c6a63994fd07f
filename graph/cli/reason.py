"""``ketamine-kg reason``."""

from pathlib import Path

import click

from ketamine_kg.cli import data_option, say

KIND_TITLES = {
    "type": "new types",
    "sub-property": "sub-property consequences",
    "inverse": "inverse consequences",
    "transitive": "transitive consequences",
}


@click.command()
@click.option("--reasoner", type=click.Choice(["auto", "hermit", "owlrl"]), default="auto", show_default=True,
              help="HermiT (needs Java), OWL 2 RL with owlrl, or HermiT when Java is found.")
@data_option
def reason(reasoner: str, data_dir: Path | None) -> None:
    """Check the ontology and an article's graph for consistency and list what follows.

    Runs HermiT through owlready2 over the ontology and the stated claims, then lists
    every inferred fact (new types, sub-property, inverse and transitive consequences)
    with the ids of the claims it rests on. An inconsistency is reported with the
    claims (id, line, quote) that cause it, and exit status 1.

    \b
    Examples:
      ketamine-kg reason
      ketamine-kg reason --data my-article/ --reasoner owlrl
    """
    from ketamine_kg.load.corpus import load_corpus
    from ketamine_kg.ontology.reason import reason_over
    from ketamine_kg.ontology.tbox import get_tbox_graph
    from ketamine_kg.rdf.graphset import as_data_dirs, get_reasoning_input

    corpus = load_corpus(as_data_dirs(data_dir))
    dataset, tbox, data = get_reasoning_input(corpus, get_tbox_graph(corpus.vocabulary))
    report = reason_over(dataset, tbox, data, reasoner=reasoner)
    for note in report.notes:
        say(f"note: {note}", err=True)
    labels = get_labels(tbox, data)
    say(report.one_line())
    say(f"classifications: {len(report.classifications())} inferred types of entities")
    for kind, title in KIND_TITLES.items():
        facts = [f for f in report.facts if f.kind == kind]
        if not facts:
            continue
        say(f"\n{title} ({len(facts)}):")
        for fact in facts:
            triple = " ".join(show_term(term, labels) for term in fact.triple)
            rests_on = ", ".join(fact.claims) if fact.claims else "(the ontology alone)"
            say(f"  {triple}\n      rests on: {rests_on}")


def get_labels(*graphs) -> dict[str, str]:
    """IRI -> English label (or the first label) in ``graphs``."""
    from rdflib.namespace import RDFS

    labels: dict[str, str] = {}
    for graph in graphs:
        for node, label in graph.subject_objects(RDFS.label):
            if str(node) not in labels or getattr(label, "language", None) == "en":
                labels[str(node)] = str(label)
    return labels


def show_term(term, labels: dict[str, str]) -> str:
    """A term as the reason listing shows it: ``rdf:type``, ``kkg:ketamine``, ``RO:0002410 (causally related to)``, ``claim ID``.

    >>> show_term(__import__("rdflib").URIRef("http://purl.obolibrary.org/obo/RO_0002410"), {"http://purl.obolibrary.org/obo/RO_0002410": "causally related to"})
    'RO:0002410 (causally related to)'
    """
    from ketamine_kg.core import iris as ns
    from ketamine_kg.core.curies import compact

    text = str(term)
    if text.startswith(ns.CLAIM):
        return f"claim {text[len(ns.CLAIM):].split('/', 1)[-1]}"
    curie = compact(text)
    if curie is None:
        return term.n3()
    label = labels.get(text)
    local = curie.split(":", 1)[1]
    if label and label.replace(" ", "_").lower() != local.lower() and not curie.startswith(("rdf:", "rdfs:", "owl:")):
        return f"{curie} ({label})"
    return curie
