"""``ketamine-kg links``."""

import json
from pathlib import Path

import click

from ketamine_kg.cli import data_option, say


@click.command()
@click.argument("entity")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for scripts.")
@data_option
def links(entity: str, fmt: str, data_dir: Path | None) -> None:
    """Show how ENTITY links to external ontologies and databases.

    ENTITY is an entity id, its label or a synonym (e.g. ketamine, "NMDA receptor").
    Prints each external ID with its SKOS mapping predicate, its label (as recorded in
    the mapping and in the snapshot of external labels, with source and date), and a URL
    that resolves to it; then the systems recorded as having no term for the entity, the
    systems not checked here with the reason (mapping_gaps.tsv), and any expected system
    not yet looked at.

    \b
    Examples:
      ketamine-kg links ketamine
      ketamine-kg links "treatment-resistant depression" --format json
    """
    from ketamine_kg.app.links import get_entity_links
    from ketamine_kg.load.corpus import load_merged

    report = get_entity_links(load_merged(data_dir), entity)
    if fmt == "json":
        data = {
            "id": f"kkg:{report.entity.id}",
            "iri": report.iri,
            "label": report.entity.label,
            "type": report.entity.type,
            "biolink_category": list(report.categories),
            "links": [
                {
                    "predicate": link.predicate, "id": link.curie, "label": link.label, "url": link.url,
                    "snapshot_label": link.snapshot.label if link.snapshot else None,
                    "source": link.snapshot.source if link.snapshot else None,
                    "date_checked": link.snapshot.date_checked if link.snapshot else None,
                    "comment": link.comment,
                }
                for link in report.links
            ],
            "no_term_in": [{"system": system, "comment": comment} for system, comment in report.no_terms],
            "not_checked_here": [
                {"system": g.system, "reason": g.reason, "date_checked": g.date_checked} for g in report.gaps
            ],
            "not_checked": report.unchecked,
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    ent = report.entity
    say(f"{ent.label} (kkg:{ent.id}, {ent.type}; {' '.join(report.categories)})")
    say(f"  {report.iri}")
    if report.links:
        say(f"\n{len(report.links)} external IDs:")
        width = max(len(link.curie) for link in report.links)
        for link in report.links:
            predicate = link.predicate.split(":", 1)[1]
            say(f"  {predicate:<13} {link.curie:<{width}}  {link.label}")
            say(f"  {'':<13} {'':<{width}}  {link.url}")
            if link.snapshot is None:
                say(f"  {'':<13} {'':<{width}}  (label not in the snapshot external_labels.tsv)")
            elif link.snapshot.label != link.label:
                say(f"  {'':<13} {'':<{width}}  snapshot label differs: {link.snapshot.label!r} ({link.snapshot.source}, {link.snapshot.date_checked})")
    else:
        say("\nno external IDs")
    if report.no_terms:
        say("\nno term in:")
        for system, comment in report.no_terms:
            say(f"  {system:<13} {comment}")
    if report.gaps:
        say("\nnot checked here:")
        for gap in report.gaps:
            say(f"  {gap.system:<13} {gap.reason} ({gap.date_checked})")
    if report.unchecked:
        say(f"\nnot yet checked: {', '.join(report.unchecked)}")
