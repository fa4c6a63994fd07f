"""Links to the outside world: the SSSOM mapping set, the KGX export and per-entity link reports.

The curated links of an article live in two files of its data folder:

- ``mappings.sssom.tsv``: one SSSOM row per link (or per system checked and found to
  have no term), loaded and checked by :func:`ketamine_kg.mappings.load_mappings`;
- ``external_labels.tsv``: the snapshot of the labels the external systems give the
  mapped IDs, with where and when each was read (``ketamine-kg enrich`` refreshes it).

From them this module builds:

- ``get_sssom_table(dataset)`` / ``to_sssom_tsv(table)``: the published SSSOM/TSV
  mapping set (set metadata, a curie map covering every prefix used, one row per link);
- ``get_kgx(dataset, graph)`` / ``write_kgx(prefix, nodes, edges)``: Biolink KGX nodes and
  edges TSV, one node per entity and one edge per claim between two entities;
- ``get_entity_links(dataset, ref)``: what ``ketamine-kg links ENTITY`` prints.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import namespaces as ns
from .errors import KkgError
from .model import Dataset, Entity, Mapping
from .prefixes import check_curie, expand_curie, prefix_rows, prefix_table
from .yamlfile import read_text

MAPPINGS_FILE = "mappings.sssom.tsv"
LABELS_FILE = "external_labels.tsv"
GAPS_FILE = "mapping_gaps.tsv"
GAP_COLUMNS = ("entity", "system", "reason", "date_checked")
NO_TERM = "sssom:NoTermFound"
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
# creator_id must be CURIEs: the ketamine-kg project itself, unless the data header names creators (e.g. ORCIDs).
DEFAULT_CREATOR = "kkgp:project"
# Prefixes the SSSOM export may use beyond prefixes.tsv and the project's own.
SSSOM_BUILTIN_PREFIXES = {
    "sssom": "https://w3id.org/sssom/",
    "bioregistry": "https://bioregistry.io/",
    "kkgp": ns.BASE,  # the project itself (https://w3id.org/ketamine-kg/project)
}
# Mapping-set slots of the SSSOM specification copied from the data file's header.
SSSOM_SET_SLOTS = (
    "mapping_set_id", "mapping_set_version", "mapping_set_title", "mapping_set_description",
    "license", "mapping_date", "publication_date", "creator_id", "creator_label", "author_id",
    "author_label", "reviewer_id", "reviewer_label", "mapping_provider", "mapping_tool",
    "mapping_tool_version", "subject_source", "subject_source_version", "see_also", "issue_tracker",
    "other", "comment",
)
SSSOM_COLUMNS = (
    "subject_id", "subject_label", "predicate_id", "object_id", "object_label",
    "mapping_justification", "object_source", "confidence", "comment",
)
LABEL_COLUMNS = ("curie", "label", "source", "date_checked")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

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

NODE_COLUMNS = ("id", "category", "name", "description", "synonym", "xref", "provided_by")
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "category", "knowledge_level", "agent_type",
    "primary_knowledge_source", "publications", "supporting_text", "has_evidence", "negated",
    "original_predicate", "qualifiers",
)


# --- the snapshot of external labels ------------------------------------------------------------

@dataclass(frozen=True)
class ExternalLabel:
    """The label an external system gives one of its IDs, where and when it was read."""

    curie: str
    label: str
    source: str
    date_checked: str
    line: int = 0


def load_external_labels(path: Path) -> dict[str, ExternalLabel]:
    """Read ``external_labels.tsv``: CURIE -> its recorded label, checking every row."""
    where = str(path)
    lines = read_text(path).splitlines()
    records: dict[str, ExternalLabel] = {}
    header: list[str] | None = None
    for number, text in enumerate(lines, start=1):
        if text.startswith("#") or not text.strip():
            continue
        cells = text.split("\t")
        if header is None:
            header = cells
            missing = [c for c in LABEL_COLUMNS if c not in header]
            if missing:
                raise KkgError(where, number, f"missing column(s) {', '.join(missing)}; the header must be {' '.join(LABEL_COLUMNS)}")
            continue
        if len(cells) != len(header):
            raise KkgError(where, number, f"row has {len(cells)} cells, the header has {len(header)}")
        row = dict(zip(header, cells))
        curie = row["curie"]
        check_curie(curie, {}, where, number)
        if not row["label"].strip():
            raise KkgError(where, number, f"{curie} has an empty label")
        if not row["source"].strip():
            raise KkgError(where, number, f"{curie} has no source: name the file or service the label was read from")
        if not DATE.match(row["date_checked"]):
            raise KkgError(where, number, f"date_checked {row['date_checked']!r} must be YYYY-MM-DD")
        if curie in records:
            raise KkgError(where, number, f"duplicate CURIE {curie} (first at line {records[curie].line})")
        records[curie] = ExternalLabel(curie, row["label"], row["source"], row["date_checked"], number)
    return records


@dataclass(frozen=True)
class MappingGap:
    """An (entity, system) pair not checked here, with the reason and the date it was looked at."""

    entity: str
    system: str
    reason: str
    date_checked: str
    line: int = 0


def load_mapping_gaps(path: Path) -> list[MappingGap]:
    """Read ``mapping_gaps.tsv``: the pairs whose link could not be checked, each with a reason.

    A missing file means no gaps are recorded.
    """
    if not path.exists():
        return []
    where = str(path)
    gaps: list[MappingGap] = []
    header: list[str] | None = None
    for number, text in enumerate(read_text(path).splitlines(), start=1):
        if text.startswith("#") or not text.strip():
            continue
        cells = text.split("\t")
        if header is None:
            if tuple(cells) != GAP_COLUMNS:
                raise KkgError(where, number, f"the header must be {' '.join(GAP_COLUMNS)}")
            header = cells
            continue
        if len(cells) != len(GAP_COLUMNS):
            raise KkgError(where, number, f"row has {len(cells)} cells, the header has {len(GAP_COLUMNS)}")
        entity, system, reason, date = cells
        if not reason.strip():
            raise KkgError(where, number, f"{entity} {system}: say why the link was not checked")
        if not DATE.match(date):
            raise KkgError(where, number, f"date_checked {date!r} must be YYYY-MM-DD")
        gaps.append(MappingGap(entity, system, reason, date, number))
    return gaps


def to_external_labels_tsv(records: list[ExternalLabel] | dict[str, ExternalLabel], comments: list[str] = ()) -> str:
    """Write the snapshot: ``#`` comment lines, the header, rows sorted by CURIE.

    >>> text = to_external_labels_tsv([ExternalLabel("CHEBI:6121", "ketamine", "chebi.obo", "2026-11-26")])
    >>> [line.split("\\t") for line in text.splitlines()]
    [['curie', 'label', 'source', 'date_checked'], ['CHEBI:6121', 'ketamine', 'chebi.obo', '2026-11-26']]
    """
    values = list(records.values()) if isinstance(records, dict) else list(records)
    out = [c if c.startswith("#") else "# " + c for c in comments]
    out.append("\t".join(LABEL_COLUMNS))
    for rec in sorted(values, key=lambda r: sort_key(r.curie)):
        cells = [rec.curie, rec.label, rec.source, rec.date_checked]
        out.append("\t".join(_one_line(c) for c in cells))
    return "\n".join(out) + "\n"


def sort_key(curie: str) -> tuple[str, str, int, str]:
    """Sort CURIEs by prefix (case-insensitive), then numerically within the local ID.

    >>> sorted(["MESH:D10", "CHEBI:9", "MESH:D9"], key=sort_key)
    ['CHEBI:9', 'MESH:D9', 'MESH:D10']
    """
    prefix, _, local = curie.partition(":")
    match = re.match(r"^(\D*)(\d+)(.*)$", local)
    if match:
        return (prefix.lower(), match[1], int(match[2]), match[3])
    return (prefix.lower(), local, -1, "")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# --- SSSOM --------------------------------------------------------------------------------------

@dataclass
class SssomTable:
    """A mapping set: its set-level metadata (with ``curie_map``) and its rows."""

    metadata: dict
    rows: list[dict[str, str]] = field(default_factory=list)


def no_match_system(mapping: Mapping) -> str:
    """The prefix of the system a no-match row speaks about (its comment starts ``PREFIX:``).

    >>> no_match_system(Mapping("x", "skos:exactMatch", NO_TERM, "", "", "MeSH: no descriptor"))
    'MESH'
    """
    word = mapping.comment.split(":", 1)[0].strip()
    known = {p.lower(): p for p in prefix_table()}
    return known.get(word.lower(), word)


def _known_prefixes() -> dict[str, str]:
    table = {p: row[0] for p, row in prefix_table().items()}
    return {**table, **ns.PREFIXES, **SSSOM_BUILTIN_PREFIXES}


def get_sssom_table(dataset: Dataset, no_matches: str = "include") -> SssomTable:
    """Build the published SSSOM mapping set of ``dataset``'s curated links.

    ``no_matches`` says what becomes of the ``sssom:NoTermFound`` rows: ``"include"`` them,
    ``"omit"`` them (the links alone) or keep ``"only"`` them. ``export --format sssom``
    writes the links and the no-match rows as two mapping sets, because sssom-py's OWL/RDF
    conversion turns every row into a link: all the no-match rows would become
    ``skos:exactMatch sssom:NoTermFound`` and join unrelated entities through that one IRI.

    Set metadata comes from the data file's header (mapping_set_id, license, mapping_date
    and other SSSOM set slots), with the project's defaults where it is silent. Each row
    names the system of its object in ``object_source`` (a Bioregistry CURIE), which is how
    SSSOM says which system a ``sssom:NoTermFound`` row was checked against.
    """
    from .mappings import load_sssom_header

    path = dataset.directory / MAPPINGS_FILE
    header = load_sssom_header(path)[0] if path.exists() else {}
    src = dataset.source
    meta: dict = {
        "mapping_set_id": f"{ns.BASE}mappings/{src.id}.sssom.tsv",
        "mapping_set_title": f"ketamine-kg: entities of '{src.title}' mapped to external ontologies",
        "license": DEFAULT_LICENSE,
    }
    for slot in SSSOM_SET_SLOTS:
        if header.get(slot) not in (None, ""):
            meta[slot] = header[slot]
    if "mapping_date" in meta:
        meta["mapping_date"] = str(meta["mapping_date"])
        meta.setdefault("mapping_set_version", meta["mapping_date"])
    meta["mapping_set_version"] = str(meta.get("mapping_set_version") or "")
    meta.setdefault("creator_id", [DEFAULT_CREATOR])
    if no_matches == "only":
        meta["mapping_set_id"] = re.sub(r"(\.sssom\.tsv)?$", ".no-match.sssom.tsv", str(meta["mapping_set_id"]), count=1)
        meta["mapping_set_title"] = f"{meta.get('mapping_set_title', 'ketamine-kg')}: systems checked and found to have no term"
        meta["comment"] = (
            "Each row records that the system named in object_source (and at the start of the comment) was checked "
            "and has no term for the entity; it is not a link. Do not convert this set to OWL or RDF links: "
            "every row would become skos:exactMatch sssom:NoTermFound and join unrelated entities."
        )
    known = _known_prefixes()
    registry = {row["prefix"]: row.get("bioregistry") or "" for row in prefix_rows()}
    used: set[str] = {"kkg", "semapv", "skos"} | {str(c).split(":", 1)[0] for c in meta["creator_id"]}
    rows = []
    for m in dataset.mappings:
        if (no_matches == "omit" and m.is_no_match) or (no_matches == "only" and not m.is_no_match):
            continue
        entity = dataset.entities[m.subject]
        system = no_match_system(m) if m.is_no_match else m.object.split(":", 1)[0]
        row = {
            "subject_id": f"kkg:{m.subject}",
            "subject_label": entity.label,
            "predicate_id": m.predicate,
            "object_id": m.object,
            "object_label": m.object_label,
            "mapping_justification": m.justification,
            "object_source": f"bioregistry:{registry[system]}" if registry.get(system) else "",
            "confidence": "" if m.confidence is None else f"{m.confidence:g}",
            "comment": m.comment,
        }
        rows.append(row)
        for key in ("subject_id", "predicate_id", "object_id", "mapping_justification", "object_source"):
            if row[key]:
                used.add(row[key].split(":", 1)[0])
    meta_with_map = {"curie_map": {p: known[p] for p in sorted(used, key=str.lower) if p in known}, **meta}
    return SssomTable(metadata=meta_with_map, rows=rows)


def to_sssom_tsv(table: SssomTable) -> str:
    """Serialise a mapping set as SSSOM/TSV: the ``#`` YAML header, then the table."""
    header = yaml.safe_dump(table.metadata, sort_keys=False, allow_unicode=True, width=1000)
    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"#{line}\n")
    columns = [c for c in SSSOM_COLUMNS if any(r.get(c) for r in table.rows) or c in ("subject_id", "predicate_id", "object_id", "mapping_justification")]
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in table.rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


# --- KGX ----------------------------------------------------------------------------------------

def get_kgx(dataset: Dataset, graph=None) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Return the Biolink KGX ``(nodes, edges)`` of ``dataset`` as rows of strings.

    One node per entity and one edge per claim that links two entities (claims with a
    literal value, such as a decade, have no object node and stay in the RDF only).
    Categories, knowledge level, agent type and negation are read from the RDF ``graph``
    (built if not given), so the KGX and the RDF cannot disagree. The edge predicate is the
    Biolink predicate our predicate aligns to (:mod:`ketamine_kg.biolink`); the original
    predicate is kept in ``original_predicate``.
    """
    from rdflib import URIRef

    from .biolink import get_edge_predicate
    from .ontology.vocabulary import load_vocabulary
    from .rdf import BIOLINK, get_data_graph

    vocab = load_vocabulary()
    graph = graph if graph is not None else get_data_graph(dataset, vocab)
    src = dataset.source
    source_curie = f"kkgs:{src.id}"
    biolink_iri = ns.PREFIXES["biolink"]
    exact: dict[str, list[str]] = {}
    for m in dataset.mappings:
        if not m.is_no_match and m.predicate == "skos:exactMatch":
            exact.setdefault(m.subject, []).append(m.object)
    nodes = []
    for entity in dataset.entities.values():
        node = URIRef(ns.entity_iri(entity.id))
        categories = sorted("biolink:" + str(c)[len(biolink_iri):] for c in graph.objects(node, BIOLINK.category))
        if not categories:
            raise KkgError(None, None, f"entity {entity.id!r} has no biolink:category in the RDF graph")
        nodes.append({
            "id": f"kkg:{entity.id}",
            "category": _join(categories),
            "name": entity.label,
            "description": entity.description or "",
            "synonym": _join(entity.synonyms),
            "xref": _join(sorted(exact.get(entity.id, []), key=sort_key)),
            "provided_by": source_curie,
        })
    edges = []
    for claim in dataset.claims:
        if claim.object is None:
            continue
        node = URIRef(ns.claim_iri(src.id, claim.id))
        qualifiers = []
        for key, value in sorted(claim.qualifiers.items()):
            value = f"kkg:{value}" if key in ("route", "procedure") else value
            qualifiers.append(f"kkgo:{key}={value}")
        edges.append({
            "id": f"kkgc:{src.id}/{claim.id}",
            "subject": f"kkg:{claim.subject}",
            "predicate": get_edge_predicate(claim.predicate, vocab),
            "object": f"kkg:{claim.object}",
            "category": "biolink:Association",
            "knowledge_level": str(graph.value(node, BIOLINK.knowledge_level)),
            "agent_type": str(graph.value(node, BIOLINK.agent_type)),
            "primary_knowledge_source": source_curie,
            "publications": src.url or source_curie,
            "supporting_text": _join(ev.quote for ev in claim.evidence),
            "has_evidence": "ECO:0000034",
            "negated": "True" if graph.value(node, BIOLINK.negated).toPython() else "False",
            "original_predicate": f"kkgo:{claim.predicate}",
            "qualifiers": _join(qualifiers),
        })
    return nodes, edges


def _join(values) -> str:
    items = [_one_line(v) for v in values]
    for item in items:
        if "|" in item:
            raise KkgError(None, None, f"cannot write {item!r} to a KGX list column: it contains '|'")
    return "|".join(items)


def to_kgx_tsv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    """One KGX TSV file: a header of ``columns``, then one line per row (no quoting)."""
    lines = ["\t".join(columns)]
    lines += ["\t".join(_one_line(row.get(c, "")) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def write_kgx(prefix: Path | str, nodes: list[dict[str, str]], edges: list[dict[str, str]]) -> tuple[Path, Path]:
    """Write ``PREFIX_nodes.tsv`` and ``PREFIX_edges.tsv`` (each atomically); return their paths."""
    from .atomic import write_text_atomic

    prefix = Path(prefix)
    node_path = prefix.with_name(prefix.name + "_nodes.tsv")
    edge_path = prefix.with_name(prefix.name + "_edges.tsv")
    node_text, edge_text = to_kgx_tsv(nodes, NODE_COLUMNS), to_kgx_tsv(edges, EDGE_COLUMNS)
    write_text_atomic(node_path, node_text)
    write_text_atomic(edge_path, edge_text)
    return node_path, edge_path


# --- the links of one entity --------------------------------------------------------------------

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
        names = [entity.id, entity.label, *entity.synonyms]
        if any(folded == n.casefold() for n in names):
            return entity
    names = {e.id: e.id for e in dataset.entities.values()}
    names.update({e.label.casefold(): e.id for e in dataset.entities.values()})
    close = difflib.get_close_matches(folded.replace(" ", "_"), list(names), n=5, cutoff=0.6)
    close += difflib.get_close_matches(folded, list(names), n=5, cutoff=0.6)
    close += [e.id for e in dataset.entities.values() if folded and len(folded) > 2 and folded in e.id]
    suggestions = list(dict.fromkeys(names[c] for c in close))[:5]
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else "; list them with `ketamine-kg query --list` or see entities.yaml"
    raise KkgError(None, None, f"unknown entity {ref!r}{hint}")


def expected_systems(type_id: str, vocab) -> tuple[str, ...]:
    """The systems an entity of ``type_id`` should be linked to (nearest ancestor with a list)."""
    for ancestor in vocab.ancestors(type_id):
        if ancestor in EXPECTED_SYSTEMS:
            return EXPECTED_SYSTEMS[ancestor]
    return ()


def get_entity_links(dataset: Dataset, ref: str, labels: dict[str, ExternalLabel] | None = None) -> EntityLinks:
    """Collect the external IDs, no-match records, recorded gaps and unchecked systems of one entity."""
    from .biolink import get_categories
    from .ontology.vocabulary import load_vocabulary

    vocab = load_vocabulary()
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

def export_links(fmt: str, output: Path | None, data_dir: Path | None) -> None:
    """``ketamine-kg export --format sssom|kgx``: write the mapping set or the KGX files."""
    import sys

    import click

    from .atomic import write_text_atomic
    from .load import load_dataset

    dataset = load_dataset(data_dir)
    if fmt == "sssom":
        # The no-match rows go to a file of their own (see get_sssom_table), never into the links.
        links = get_sssom_table(dataset, no_matches="omit")
        absent = get_sssom_table(dataset, no_matches="only")
        if output is None:
            sys.stdout.write(to_sssom_tsv(links))
            sys.stdout.flush()
            click.echo(f"{len(absent.rows)} no-match rows left out; with -o FILE they go to {no_match_path(Path('FILE'))}", err=True)
        else:
            write_text_atomic(output, to_sssom_tsv(links))
            write_text_atomic(no_match_path(output), to_sssom_tsv(absent))
            click.echo(f"wrote {output} ({len(links.rows)} mappings) and {no_match_path(output)} ({len(absent.rows)} no-match rows)", err=True)
        return
    if fmt == "kgx":
        nodes, edges = get_kgx(dataset)
        prefix = output if output is not None else Path("ketamine-kg")
        node_path, edge_path = write_kgx(prefix, nodes, edges)
        literal = sum(1 for c in dataset.claims if c.object is None)
        note = f"; {literal} claims with a literal value stay in the RDF" if literal else ""
        click.echo(f"wrote {node_path} ({len(nodes)} nodes) and {edge_path} ({len(edges)} edges){note}", err=True)
        return
    raise KkgError(None, None, f"unknown links format {fmt!r}")


def no_match_path(output: Path) -> Path:
    """Where ``export --format sssom -o OUTPUT`` writes the no-match rows: OUTPUT with ``.no-match`` before ``.sssom.tsv``."""
    name = output.name
    stem = name[: -len(".sssom.tsv")] if name.endswith(".sssom.tsv") else output.stem
    return output.with_name(f"{stem}.no-match.sssom.tsv")


def today() -> str:
    """Today's date as YYYY-MM-DD."""
    return datetime.date.today().isoformat()
