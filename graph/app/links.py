"""The links of one entity to the outside world, and the export of the mapping set or the KGX files.

The curated links of an article live in its data folder: ``mappings.sssom.tsv`` (one
SSSOM row per link, or per system checked and found to have no term; loaded by
:mod:`ketamine_kg.load.mappings`), and the snapshots ``external_labels.tsv`` and
``mapping_gaps.tsv`` (:mod:`ketamine_kg.load.snapshots`). From them:

- ``get_entity_links(dataset, ref)``: what ``ketamine-kg links ENTITY`` prints;
- ``export_links(fmt, output, data_dir)``: ``ketamine-kg export --format sssom|kgx``
  (:mod:`ketamine_kg.exports.sssom`, :mod:`ketamine_kg.exports.kgx`), returning what the
  command prints.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ketamine_kg.core import iris as ns
from ketamine_kg.core.atomic import write_text_atomic
from ketamine_kg.core.curies import expand_curie
from ketamine_kg.core.model import Dataset, Entity
from ketamine_kg.errors import KkgError
from ketamine_kg.exports.kgx import get_kgx, get_kgx_metadata, write_kgx
from ketamine_kg.exports.sssom import get_sssom_table, no_match_path, to_sssom_tsv
from ketamine_kg.load.corpus import load_merged
from ketamine_kg.load.mappings import no_match_system
from ketamine_kg.load.snapshots import GAPS_FILE, LABELS_FILE, ExternalLabel, MappingGap, load_external_labels, load_mapping_gaps, sort_key
from ketamine_kg.ontology.vocabulary import Vocabulary, load_vocabulary
from ketamine_kg.rdf.biolink import get_categories

# The external systems an entity of each type is expected to be linked to (or to carry a
# recorded no-match for). Looked up by the entity's type, then its ancestors.
EXPECTED_SYSTEMS: dict[str, tuple[str, ...]] = {
    "chemical_entity": ("CHEBI", "drugbank", "CHEMBL.COMPOUND", "PUBCHEM.COMPOUND", "MESH", "wikidata"),
    "receptor": ("GO", "MESH"),
    "indication": ("MONDO", "DOID", "HP", "EFO", "MESH", "NCIT"),
    "effect": ("MONDO", "DOID", "HP", "EFO", "MESH", "NCIT"),
    "procedure": ("MESH", "NCIT"),
    "formulation": ("MESH", "NCIT"),
    "organisation": ("wikidata", "MESH"),
}


@dataclass
class EntityLink:
    """One external ID an entity is mapped to."""

    predicate: str
    curie: str
    label: str
    url: str
    snapshot: ExternalLabel | None = None
    comment: str = ""


@dataclass
class EntityLinks:
    """Everything known about how one entity links to external systems."""

    entity: Entity
    iri: str
    categories: tuple[str, ...]
    links: list[EntityLink]
    no_terms: list[tuple[str, str]]
    unchecked: list[str]
    gaps: list[MappingGap] = field(default_factory=list)


def find_entity(dataset: Dataset, ref: str) -> Entity:
    """The entity ``ref`` names: an id, ``kkg:id``, its IRI, its label or a synonym (any case).

    An unknown name raises :class:`KkgError` suggesting the closest ids.
    """
    text = ref.strip()
    for lead in ("kkg:", ns.ENTITY):
        if text.startswith(lead):
            text = text[len(lead):]
    if text in dataset.entities:
        return dataset.entities[text]
    folded = text.casefold()
    for entity in dataset.entities.values():
        aliases = [entity.id, entity.label, *entity.synonyms]
        if any(folded == n.casefold() for n in aliases):
            return entity
    names = {e.id: e.id for e in dataset.entities.values()}
    names.update({e.label.casefold(): e.id for e in dataset.entities.values()})
    close = difflib.get_close_matches(folded.replace(" ", "_"), list(names), n=5, cutoff=0.6)
    close += difflib.get_close_matches(folded, list(names), n=5, cutoff=0.6)
    close += [e.id for e in dataset.entities.values() if folded and len(folded) > 2 and folded in e.id]
    suggestions = list(dict.fromkeys(names[c] for c in close))[:5]
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else "; list them with `ketamine-kg query --list` or see entities.yaml"
    raise KkgError(None, None, f"unknown entity {ref!r}{hint}")


def expected_systems(type_id: str, vocab: Vocabulary) -> tuple[str, ...]:
    """The systems an entity of ``type_id`` should be linked to (nearest ancestor with a list)."""
    for ancestor in vocab.ancestors(type_id):
        if ancestor in EXPECTED_SYSTEMS:
            return EXPECTED_SYSTEMS[ancestor]
    return ()


def get_entity_links(dataset: Dataset, ref: str, labels: dict[str, ExternalLabel] | None = None) -> EntityLinks:
    """Collect the external IDs, no-match records, recorded gaps and unchecked systems of one entity."""
    vocab = dataset.vocabulary or load_vocabulary()
    entity = find_entity(dataset, ref)
    if labels is None:
        path = dataset.directory / LABELS_FILE
        labels = load_external_labels(path) if path.exists() else {}
    links, no_terms = [], []
    for m in dataset.mappings:
        if m.subject != entity.id:
            continue
        if m.is_no_match:
            no_terms.append((no_match_system(m), m.comment))
        else:
            links.append(EntityLink(m.predicate, m.object, m.object_label, expand_curie(m.object), labels.get(m.object), m.comment))
    links.sort(key=lambda link: sort_key(link.curie))
    covered = {link.curie.split(":", 1)[0] for link in links} | {system for system, _ in no_terms}
    gaps = [g for g in load_mapping_gaps(dataset.directory / GAPS_FILE) if g.entity == entity.id and g.system not in covered]
    covered |= {g.system for g in gaps}
    unchecked = [s for s in expected_systems(entity.type, vocab) if s not in covered]
    return EntityLinks(
        entity=entity, iri=ns.entity_iri(entity.id), categories=get_categories(vocab)[entity.type],
        links=links, no_terms=no_terms, unchecked=unchecked, gaps=gaps,
    )


# --- the export command -------------------------------------------------------------------------

@dataclass(frozen=True)
class LinksExport:
    """What ``ketamine-kg export --format sssom|kgx`` prints: the text for standard output and a note for standard error."""

    stdout: str = ""
    message: str = ""


def export_links(fmt: str, output: Path | None, data_dir: Path | None) -> LinksExport:
    """``ketamine-kg export --format sssom|kgx``: write the mapping set or the KGX files.

    The SSSOM/TSV links go to ``output`` and its ``sssom:NoTermFound`` rows to
    :func:`~ketamine_kg.exports.sssom.no_match_path` beside it; with no ``output`` the links
    come back as ``stdout`` and the no-match rows are left out (``message`` says so). The
    KGX files are ``OUTPUT_nodes.tsv`` and ``OUTPUT_edges.tsv`` (``ketamine-kg_...`` by
    default). ``message`` says what was written.
    """
    dataset = load_merged(data_dir)
    if fmt == "sssom":
        # The no-match rows go to a file of their own (see get_sssom_table), never into the links.
        links = get_sssom_table(dataset, no_matches="omit")
        absent = get_sssom_table(dataset, no_matches="only")
        if output is None:
            return LinksExport(
                stdout=to_sssom_tsv(links),
                message=f"{len(absent.rows)} no-match rows left out; with -o FILE they go to {no_match_path(Path('FILE'))}",
            )
        write_text_atomic(output, to_sssom_tsv(links))
        write_text_atomic(no_match_path(output), to_sssom_tsv(absent))
        return LinksExport(
            message=f"wrote {output} ({len(links.rows)} mappings) and {no_match_path(output)} ({len(absent.rows)} no-match rows)"
        )
    if fmt == "kgx":
        nodes, edges = get_kgx(dataset)
        prefix = output if output is not None else Path("ketamine-kg")
        node_path, edge_path = write_kgx(prefix, nodes, edges, get_kgx_metadata(dataset, len(nodes), len(edges)))
        literal = sum(1 for c in dataset.claims if c.object is None)
        note = f"; {literal} claims with a literal value stay in the RDF" if literal else ""
        return LinksExport(message=f"wrote {node_path} ({len(nodes)} nodes) and {edge_path} ({len(edges)} edges), "
                                   f"with their prefix context and metadata{note}")
    raise KkgError(None, None, f"unknown links format {fmt!r}")
