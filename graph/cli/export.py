"""``ketamine-kg export``."""

import sys
from pathlib import Path

import click

from ketamine_kg.cli import data_option, say, to_path

FORMAT_CHOICES = ["turtle", "nt", "jsonld", "trig", "nquads", "owl", "sssom", "kgx", "nanopub"]
OWL_SYNTAXES = ["rdfxml", "turtle", "functional"]  # ketamine_kg.exports.owl.SYNTAXES (not imported: it pulls in rdflib)


@click.command()
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="turtle", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=str), default=None, callback=to_path,
              help="File to write (default: standard output). For kgx, a folder prefix. For nanopub, a .trig "
                   "file or a folder (one file per nanopublication).")
@click.option("--no-reason", is_flag=True, help="Leave out the inferred graph (quad formats only).")
@click.option("--syntax", type=click.Choice(OWL_SYNTAXES), default="rdfxml", show_default=True,
              help="For --format owl: RDF/XML (owlready2, OWLAPI, Protégé), Turtle (OWLAPI, Protégé) or OWL 2 "
                   "functional syntax (.ofn: OWLAPI, Protégé).")
@click.option("--sign", "key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="nanopub only: sign each nanopublication with this RSA private key (nothing is published).")
@data_option
def export(fmt: str, output: Path | None, no_reason: bool, syntax: str, key: Path | None, data_dir: Path | None) -> None:
    """Write the whole graph: ontology, entities, claims with provenance, external links.

    Turtle and N-Triples hold the ontology, the stated data and the curator knowledge in
    one graph (a curator fact is marked by its kkgo:CuratorStatement node); TriG, N-Quads
    and JSON-LD keep each in its own named graph and add the reasoner's inferred triples.
    owl is the same as Turtle, as one OWL 2 DL ontology for Protégé: claims keep subject,
    predicate and object through kkgo:claimSubject, kkgo:claimPredicate, kkgo:claimObject
    instead of rdf:Statement reification, and every term is declared.

    \b
    Examples:
      ketamine-kg export --format turtle > ketamine.ttl
      ketamine-kg export --format trig -o ketamine.trig
      ketamine-kg export --format owl -o ketamine-kg.owl
      ketamine-kg export --format owl --syntax functional -o ketamine-kg.ofn
      ketamine-kg export --format nanopub -o nanopubs/ --sign id_rsa
    """
    from ketamine_kg.core.atomic import write_bytes_atomic

    if key is not None and fmt != "nanopub":
        raise click.UsageError("--sign goes with --format nanopub only")
    if fmt != "nanopub" and output is not None and output.is_dir():
        raise click.UsageError(f"{output} is a folder; --format {fmt} writes one file")
    if fmt == "nanopub":
        _export_nanopubs(output, key, data_dir)
        return

    if fmt in ("sssom", "kgx"):
        from ketamine_kg.app.links import export_links

        done = export_links(fmt, output, data_dir)
        if done.stdout:
            sys.stdout.write(done.stdout)
            sys.stdout.flush()
        if done.message:
            say(done.message, err=True)
        return
    from ketamine_kg.exports.rdf_formats import FORMATS, to_bytes

    if fmt == "owl":
        from ketamine_kg.exports.owl import get_owl_view_triples, to_owl_bytes
        from ketamine_kg.rdf.graphset import build_graph_set

        graph_set = build_graph_set(data_dir, reason=False)
        data = to_owl_bytes(get_owl_view_triples(graph_set.rdf_dataset, graph_set.corpus.vocabulary), syntax)
    else:
        if FORMATS[fmt][2] and not no_reason:  # the store keeps the reasoned graph: no second run of the reasoner
            from ketamine_kg.app.engines import get_reasoned_graphs

            _, rdf_dataset = get_reasoned_graphs(data_dir, on_build=lambda msg: click.echo(msg, err=True))
        else:
            from ketamine_kg.rdf.graphset import get_graphs

            _, rdf_dataset, _, _ = get_graphs(data_dir, reason=False)
        data = to_bytes(rdf_dataset, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_bytes_atomic(output, data)
        say(f"wrote {output}", err=True)


def _export_nanopubs(output: Path | None, key: Path | None, data_dir: Path | None) -> None:
    """One TriG document (standard output or a .trig file), or a folder of one file per nanopublication."""
    from ketamine_kg.core.atomic import StagedDirectory, write_bytes_atomic
    from ketamine_kg.exports.nanopub import get_nanopubs, load_signing_profile, to_trig, write_nanopubs
    from ketamine_kg.load.corpus import load_merged

    profile = load_signing_profile(key) if key is not None else None
    nanopubs = get_nanopubs(load_merged(data_dir), profile=profile)
    signed = ", signed" if profile is not None else ""
    if output is None:
        sys.stdout.buffer.write(to_trig(nanopubs))
        sys.stdout.flush()
    elif output.suffix == ".trig" and not output.is_dir():
        write_bytes_atomic(output, to_trig(nanopubs))
        say(f"wrote {output} ({len(nanopubs)} nanopublications{signed})", err=True)
    else:
        with StagedDirectory(output) as stage:
            write_nanopubs(stage, nanopubs)
        say(f"wrote {len(nanopubs)} nanopublications{signed} to {output}/", err=True)
