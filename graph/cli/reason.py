"""``ketamine-kg reason``."""

from pathlib import Path

import click

from ketamine_kg.cli import data_option

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
    from ketamine_kg.load.dataset import load_dataset
    from ketamine_kg.ontology.tbox import get_tbox_graph
    from ketamine_kg.ontology.reason import reason_over
    from ketamine_kg.core.namespaces import bind_prefixes
    from ketamine_kg.rdf.abox import get_data_graph

    dataset = load_dataset(data_dir)
    data = get_data_graph(dataset)
    tbox = get_tbox_graph(dataset.vocabulary)
    report = reason_over(dataset, tbox, data, reasoner=reasoner)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    names = bind_prefixes(data).namespace_manager
    click.echo(report.one_line())
    click.echo(f"classifications: {len(report.classifications())} inferred types of entities")
    for kind, title in KIND_TITLES.items():
        facts = [f for f in report.facts if f.kind == kind]
        if not facts:
            continue
        click.echo(f"\n{title} ({len(facts)}):")
        for fact in facts:
            triple = " ".join(term.n3(names) for term in fact.triple)
            rests_on = ", ".join(fact.claims) if fact.claims else "(the ontology alone)"
            click.echo(f"  {triple}\n      rests on: {rests_on}")
