"""Load and check the curated data of one article: ``load_dataset(directory)``.

A data folder holds ``source.yaml`` (with the article text file it names),
``entities.yaml``, ``claims.yaml`` and, optionally, ``mappings.sssom.tsv``. Every
problem is raised as a :class:`~ketamine_kg.errors.DataError` naming file and line.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

from ketamine_kg.errors import DataError, StaleChecksumError, display_path
from ketamine_kg.core.model import (
    EVIDENCE_KINDS, MODALITIES, POLARITIES, QUALIFIERS, Claim, CuratorRelation, Dataset, Entity, Evidence, Section, Source,
    is_date_attribute,
)
from ketamine_kg.ontology.vocabulary import Vocabulary, load_data_vocabulary
from ketamine_kg.core.yamlfile import LineDict, load_yaml, read_text
from ketamine_kg.load.curation import check_curation
from ketamine_kg.load.fields import (
    ATTRIBUTE_NAME, CLAIM_ID, ENTITY_ID, SECTION_ID, SOURCE_ID, article_path, as_str, check_article_text, check_date,
    check_fields, check_language, check_url, find_all, item_line, opt_id, opt_str,
)
from ketamine_kg.load.mappings import MAPPINGS_FILE, load_mappings

CONTEXT_CHARS = 32  # characters of oa:prefix / oa:suffix around a quote

SOURCE_FIELDS = {"id", "title", "site", "file", "sha256", "language", "url", "ignore_from", "sections", "subject"}
# The section a source without listed sections gets: the whole article.
WHOLE_ARTICLE = "article"
ENTITY_FIELDS = {"id", "type", "label", "synonyms", "description", "attributes", "curator_relations"}
CURATOR_RELATION_FIELDS = {"predicate", "object", "source"}
CLAIM_FIELDS = {"id", "subject", "predicate", "object", "value", "modality", "polarity", "qualifiers", "evidence", "comment"}
EVIDENCE_FIELDS = {"quote", "occurrence", "kind"}

# Look-alike characters that make a typed quote miss the article's text.
_LOOKALIKES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def default_data_dir() -> Path:
    """The folder of the built-in article's data."""
    return Path(str(resources.files("ketamine_kg") / "data"))




def load_source(directory: Path, *, accept_sha256: str | None = None) -> Source:
    """Load ``source.yaml`` and the article text; check its SHA-256 and locate its sections.

    ``accept_sha256``, if given, is taken in place of the recorded sum (``check`` uses it
    to look past a stale sum for other problems).
    """
    path = directory / "source.yaml"
    where = display_path(path)
    data = load_yaml(path, where, root=directory)
    data = check_fields(data, SOURCE_FIELDS, ("id", "title", "site", "file", "sha256"), where, "source", line=1)
    source_id = as_str(data, "id", where)
    if not SOURCE_ID.match(source_id):
        raise DataError(where, data.line_of("id"), f"source id {source_id!r} must be lower-case kebab-case, like my-article")
    text_path = article_path(directory, data, where)
    text = read_text(text_path, root=directory)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    check_article_text(text, display_path(text_path))
    if digest != data["sha256"] and digest != accept_sha256:
        raise StaleChecksumError(
            where, data.line_of("sha256"),
            f"sha256 of {text_path.name} is {digest}, not the recorded one: the article changed "
            f"(restore it, or record the new sum: ketamine-kg check --data {display_path(directory)} --fix-sha256)",
            path=path, digest=digest,
        )
    body_end = len(text)
    if data.get("ignore_from"):
        marker = as_str(data, "ignore_from", where)
        pos = text.rfind(marker)
        if pos < 0:
            raise DataError(where, data.line_of("ignore_from"), f"ignore_from text {marker!r} is not in {text_path.name}")
        body_end = pos
    sections: list[Section] = []
    seen: set[str] = set()
    listed = data.get("sections")
    if listed is None:
        listed = []
    if not isinstance(listed, list):
        raise DataError(where, data.line_of("sections"), "sections must be a list")
    for n, item in enumerate(listed):
        item = check_fields(item, {"id", "title", "anchor", "parent", "occurrence"}, ("id", "title", "anchor"), where,
                             "section", line=item_line(listed, n))
        sid = as_str(item, "id", where)
        if not SECTION_ID.match(sid):
            raise DataError(where, item.line_of("id"), f"section id {sid!r} must be lower-case kebab-case")
        if sid in seen:
            raise DataError(where, item.line_of("id"), f"duplicate section id {sid!r}")
        parent = opt_id(item, "parent", where, "a section's parent")
        if parent is not None and parent not in seen:
            raise DataError(where, item.line_of("parent"), f"parent {parent!r} must be a section listed before {sid!r}")
        anchor = as_str(item, "anchor", where)
        starts = find_all(text, anchor, body_end)
        if not starts:
            raise DataError(where, item.line_of("anchor"), f"anchor {anchor!r} is not in {text_path.name}")
        occurrence = item.get("occurrence")
        if occurrence is None and len(starts) > 1:
            raise DataError(where, item.line_of("anchor"),
                            f"anchor {anchor!r} occurs {len(starts)} times in {text_path.name}; lengthen it or add 'occurrence: N'")
        if occurrence is not None and (not isinstance(occurrence, int) or isinstance(occurrence, bool)
                                       or not 1 <= occurrence <= len(starts)):
            raise DataError(where, item.line_of("occurrence"),
                            f"occurrence {occurrence!r} is out of range: anchor {anchor!r} occurs {len(starts)} time(s)")
        start = starts[(occurrence or 1) - 1]
        if sections and start <= sections[-1].start:
            raise DataError(where, item.line_of("anchor"), f"section {sid!r} starts before the section listed above it; list sections in article order")
        seen.add(sid)
        sections.append(Section(id=sid, title=as_str(item, "title", where), start=start, parent=parent))
    if not sections:  # no headings listed: the whole article is one section
        sections.append(Section(id=WHOLE_ARTICLE, title=as_str(data, "title", where), start=0))
    subject = data.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise DataError(where, data.line_of("subject"), "subject must be an entity id")
    language = check_language(data.get("language", "en"), where, data.line_of("language"))
    url = check_url(data["url"], where, data.line_of("url")) if data.get("url") is not None else None
    return Source(
        id=source_id,
        title=as_str(data, "title", where),
        site=as_str(data, "site", where),
        text=text,
        sha256=digest,
        body_end=body_end,
        sections=sections,
        file_name=text_path.name,
        language=language,
        url=url,
        subject=subject,
        subject_line=data.line_of("subject") if subject is not None else None,
    )


def load_entities(directory: Path, vocab: Vocabulary) -> dict[str, Entity]:
    """Load ``entities.yaml``, checking ids, types and fields."""
    path = directory / "entities.yaml"
    where = display_path(path)
    data = load_yaml(path, where, root=directory)
    if data is None:  # only comments (a new folder's commented examples): no entities yet
        data = []
    if not isinstance(data, list):
        raise DataError(where, 1, "entities.yaml must be a list of entities")
    entities: dict[str, Entity] = {}
    for n, item in enumerate(data):
        item = check_fields(item, ENTITY_FIELDS, ("id", "type", "label"), where, "entity", line=item_line(data, n))
        eid = as_str(item, "id", where)
        if not ENTITY_ID.match(eid):
            raise DataError(where, item.line_of("id"), f"entity id {eid!r} must be lower-case snake_case")
        if eid in entities:
            raise DataError(where, item.line_of("id"), f"duplicate entity id {eid!r} (first at line {entities[eid].line})")
        etype = as_str(item, "type", where)
        if etype not in vocab.types:
            raise DataError(where, item.line_of("type"), f"unknown type {etype!r} (known: {', '.join(vocab.concrete_types())})")
        if vocab.types[etype].abstract:
            raise DataError(where, item.line_of("type"), f"type {etype!r} is abstract; use one of its subtypes")
        synonyms = item.get("synonyms") or []
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            raise DataError(where, item.line_of("synonyms"), "synonyms must be a list of strings")
        attributes = item.get("attributes") or LineDict()  # every YAML mapping is a LineDict
        if not isinstance(attributes, LineDict):
            raise DataError(where, item.line_of("attributes"), "attributes must be a mapping")
        for name, attr in attributes.items():
            if not isinstance(name, str) or not ATTRIBUTE_NAME.match(name):
                raise DataError(where, attributes.line_of(name), f"attribute name {name!r} must be lower-case snake_case")
            if not isinstance(attr, LineDict) or set(attr) != {"value", "source"}:
                raise DataError(where, attributes.line_of(name), f"attribute {name!r} needs exactly 'value' and 'source'")
            attr_value = as_str(attr, "value", where)
            as_str(attr, "source", where)
            if is_date_attribute(name):
                check_date(attr_value, where, attr.line_of("value"), f"attribute {name!r}")
        entities[eid] = Entity(
            id=eid, type=etype, label=as_str(item, "label", where), synonyms=list(synonyms),
            description=opt_str(item, "description", where),
            attributes={k: {"value": str(v["value"]), "source": str(v["source"])} for k, v in attributes.items()},
            line=item.line,
            curator_relations=_curator_relations(item, where),
        )
    _check_curator_relations(entities, vocab, where)
    return entities


def _curator_relations(item: LineDict, where: str) -> list[CuratorRelation]:
    """An entity's ``curator_relations``: outside knowledge, each {predicate, object, source}."""
    items = item.get("curator_relations") or []
    if not isinstance(items, list):
        raise DataError(where, item.line_of("curator_relations"), "curator_relations must be a list of {predicate, object, source}")
    relations = []
    for n, rel in enumerate(items):
        rel = check_fields(rel, CURATOR_RELATION_FIELDS, ("predicate", "object", "source"), where, "curator relation",
                            line=item_line(items, n))
        relations.append(CuratorRelation(
            predicate=as_str(rel, "predicate", where), object=as_str(rel, "object", where),
            source=as_str(rel, "source", where), line=rel.line,
        ))
    return relations


def _check_curator_relations(entities: dict[str, Entity], vocab: Vocabulary, where: str) -> None:
    """Curator relations use a known object predicate, a known object, and fit domain and range."""
    for entity in entities.values():
        for rel in entity.curator_relations:
            pred = vocab.predicates.get(rel.predicate)
            if pred is None or pred.kind != "object":
                raise DataError(where, rel.line, f"curator relation of {entity.id!r}: {rel.predicate!r} is not an object predicate of the vocabulary")
            _check_entity_ref(rel.object, entities, where, rel.line, "curator relation object")
            if not vocab.fits(entity.type, pred.domain) or not vocab.fits(entities[rel.object].type, pred.range):
                raise DataError(
                    where, rel.line,
                    f"curator relation {entity.id} {rel.predicate} {rel.object}: needs a subject in {', '.join(pred.domain)} and an object in {', '.join(pred.range)}",
                )


def anchor_quote(source: Source, quote: str, occurrence: int | None, where: str, line: int, kind: str = "states") -> Evidence:
    """Find ``quote`` in the article and compute its offsets, context and section.

    The quote must occur verbatim in the article's body; if it occurs more than once,
    ``occurrence`` (1-based) says which.
    """
    body = source.text[: source.body_end]
    starts = find_all(body, quote, source.body_end)
    if not starts:
        hint = ""
        if quote.translate(_LOOKALIKES) in body.translate(_LOOKALIKES):
            hint = " (it differs only in quote marks or dashes: the article uses ’ “ ” –)"
        elif " ".join(quote.split()) != quote:
            hint = " (check its spaces and line breaks)"
        short = quote if len(quote) <= 60 else quote[:57] + "..."
        raise DataError(where, line, f"quote not found verbatim in {source.file_name}: {short!r}{hint}")
    if occurrence is None:
        if len(starts) > 1:
            overlap = " (some overlapping)" if any(b - a < len(quote) for a, b in zip(starts, starts[1:])) else ""
            raise DataError(where, line, f"quote {quote!r} occurs {len(starts)} times{overlap} in {source.file_name}; lengthen it or add 'occurrence: N'")
        start = starts[0]
    else:
        if not isinstance(occurrence, int) or isinstance(occurrence, bool) or not 1 <= occurrence <= len(starts):
            times = "once" if len(starts) == 1 else f"{len(starts)} times"
            raise DataError(where, line, f"occurrence {occurrence!r} is out of range: quote {quote!r} occurs {times} in {source.file_name}")
        start = starts[occurrence - 1]
    end = start + len(quote)
    section = source.section_at(start)
    if section is None:
        raise DataError(where, line, f"quote {quote!r} stands before the first section of {source.file_name}")
    return Evidence(
        quote=quote, start=start, end=end,
        prefix=body[max(0, start - CONTEXT_CHARS): start],
        suffix=body[end: end + CONTEXT_CHARS],
        section=section.id, line=line, kind=kind,
    )


def _check_entity_ref(value: object, entities: dict[str, Entity], where: str, line: int, role: str) -> str:
    if not isinstance(value, str) or value not in entities:
        raise DataError(where, line, f"unknown entity {value!r} as {role}; add it to entities.yaml or fix the id")
    return value


def load_claims(directory: Path, source: Source, entities: dict[str, Entity], vocab: Vocabulary) -> list[Claim]:
    """Load ``claims.yaml``: check every field, type-check against the vocabulary, anchor every quote."""
    path = directory / "claims.yaml"
    where = display_path(path)
    data = load_yaml(path, where, root=directory)
    if data is None:  # only comments: no claims yet
        data = []
    if not isinstance(data, list):
        raise DataError(where, 1, "claims.yaml must be a list of claims")
    claims: list[Claim] = []
    ids: dict[str, int] = {}
    for n, item in enumerate(data):
        item = check_fields(item, CLAIM_FIELDS, ("id", "subject", "predicate", "modality", "evidence"), where, "claim",
                             line=item_line(data, n))
        cid = as_str(item, "id", where)
        if not CLAIM_ID.match(cid):
            raise DataError(where, item.line_of("id"), f"claim id {cid!r} must be lower-case kebab-case")
        if cid in ids:
            raise DataError(where, item.line_of("id"), f"duplicate claim id {cid!r} (first at line {ids[cid]})")
        ids[cid] = item.line
        pred_id = as_str(item, "predicate", where)
        if pred_id not in vocab.predicates:
            raise DataError(where, item.line_of("predicate"), f"unknown predicate {pred_id!r} (known: {', '.join(sorted(vocab.predicates))})")
        pred = vocab.predicates[pred_id]
        subject = _check_entity_ref(item["subject"], entities, where, item.line_of("subject"), "subject")
        if not vocab.fits(entities[subject].type, pred.domain):
            raise DataError(
                where, item.line_of("subject"),
                f"claim {cid!r}: subject {subject!r} is a {entities[subject].type}, but {pred_id!r} needs one of: {', '.join(pred.domain)}",
            )
        obj = value = None
        if pred.kind == "object":
            if "value" in item:
                raise DataError(where, item.line_of("value"), f"claim {cid!r}: {pred_id!r} links two entities; use 'object', not 'value'")
            if "object" not in item:
                raise DataError(where, item.line, f"claim {cid!r} is missing the field 'object'")
            obj = _check_entity_ref(item["object"], entities, where, item.line_of("object"), "object")
            if not vocab.fits(entities[obj].type, pred.range):
                raise DataError(
                    where, item.line_of("object"),
                    f"claim {cid!r}: object {obj!r} is a {entities[obj].type}, but {pred_id!r} needs one of: {', '.join(pred.range)}",
                )
        else:
            if "object" in item:
                raise DataError(where, item.line_of("object"), f"claim {cid!r}: {pred_id!r} takes a literal; use 'value', not 'object'")
            if "value" not in item or item["value"] in (None, ""):
                raise DataError(where, item.line, f"claim {cid!r} is missing the field 'value'")
            value = as_str(item, "value", where)
            if pred.datatype == "date":
                check_date(value, where, item.line_of("value"), f"claim {cid!r}")
            elif pred.datatype == "integer" and not re.fullmatch(r"[+-]?\d{1,18}", value):
                raise DataError(where, item.line_of("value"), f"claim {cid!r}: {value!r} is not an integer")
            elif pred.datatype == "boolean" and value not in ("true", "false", "1", "0"):
                raise DataError(where, item.line_of("value"), f"claim {cid!r}: {value!r} is not true or false")
        modality = as_str(item, "modality", where)
        if modality not in MODALITIES:
            raise DataError(where, item.line_of("modality"), f"modality must be one of {', '.join(MODALITIES)}, not {modality!r}")
        polarity = opt_str(item, "polarity", where) or "positive"
        if polarity not in POLARITIES:
            raise DataError(where, item.line_of("polarity"), f"polarity must be one of {', '.join(POLARITIES)}, not {polarity!r}")
        qualifiers = item.get("qualifiers")
        if qualifiers is None:
            qualifiers = LineDict()
            qualifiers.key_lines = {}
        if not isinstance(qualifiers, LineDict):
            raise DataError(where, item.line_of("qualifiers"), "qualifiers must be a mapping")
        for key, qvalue in qualifiers.items():
            if key not in QUALIFIERS:
                raise DataError(where, qualifiers.line_of(key), f"unknown qualifier {key!r} (allowed: {', '.join(QUALIFIERS)})")
            wanted = QUALIFIERS[key]
            if wanted is not None:
                ref = _check_entity_ref(qvalue, entities, where, qualifiers.line_of(key), f"qualifier {key!r}")
                if not vocab.is_a(entities[ref].type, wanted):
                    raise DataError(where, qualifiers.line_of(key), f"qualifier {key!r} needs a {wanted}, but {ref!r} is a {entities[ref].type}")
            elif not isinstance(qvalue, (str, int)) or isinstance(qvalue, bool):
                raise DataError(where, qualifiers.line_of(key), f"qualifier {key!r} must be text")
        if not isinstance(item["evidence"], list):
            raise DataError(where, item.line_of("evidence"), "evidence must be a list of quotes")
        evidence: list[Evidence] = []
        for k, ev in enumerate(item["evidence"]):
            ev = check_fields(ev, EVIDENCE_FIELDS, ("quote",), where, "evidence", line=item_line(item["evidence"], k))
            quote = as_str(ev, "quote", where)
            kind = opt_str(ev, "kind", where) or "states"
            if kind not in EVIDENCE_KINDS:
                raise DataError(where, ev.line_of("kind"), f"evidence kind must be one of {', '.join(EVIDENCE_KINDS)}, not {kind!r}")
            anchored = anchor_quote(source, quote, ev.get("occurrence"), where, ev.line_of("quote"), kind)
            if any(e.start == anchored.start and e.end == anchored.end for e in evidence):
                raise DataError(where, ev.line_of("quote"), f"claim {cid!r} cites the same quote twice")
            evidence.append(anchored)
        claims.append(Claim(
            id=cid, subject=subject, predicate=pred_id, object=obj, value=value,
            modality=modality, polarity=polarity,
            qualifiers={k: str(v) for k, v in qualifiers.items()},
            evidence=evidence, comment=opt_str(item, "comment", where), line=item.line,
        ))
    _check_cycles(claims, vocab, where)
    return claims


def _check_cycles(claims: list[Claim], vocab: Vocabulary, where: str) -> None:
    """Refuse claims that close a cycle through a predicate the vocabulary marks acyclic."""
    for pred_id, pred in vocab.predicates.items():
        if not pred.acyclic:
            continue
        edges: dict[str, list[Claim]] = {}
        for claim in claims:
            if claim.predicate == pred_id and claim.polarity == "positive":
                edges.setdefault(claim.subject, []).append(claim)
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done

        def visit(node: str, path: list[Claim]) -> None:
            state[node] = 1
            for claim in edges.get(node, []):
                if claim.object is None:  # a value claim: no edge to follow
                    continue
                if state.get(claim.object) == 1:
                    walk = path + [claim]
                    cycle = walk[next(i for i, c in enumerate(walk) if c.subject == claim.object):]
                    newest = max(cycle, key=lambda c: c.line)
                    chain = " -> ".join([c.subject for c in cycle] + [claim.object])
                    others = ", ".join(f"{c.id!r} (line {c.line})" for c in cycle if c is not newest)
                    raise DataError(
                        where, newest.line,
                        f"claim {newest.id!r} closes a cycle of {pred_id!r}: {chain}" + (f" with {others}" if others else ""),
                    )
                if state.get(claim.object) is None:
                    visit(claim.object, path + [claim])
            state[node] = 2

        for node in sorted(edges):
            if node not in state:
                visit(node, [])


def load_dataset(directory: Path | str | None = None, vocab: Vocabulary | None = None, *,
                 accept_sha256: str | None = None) -> Dataset:
    """Load a whole data folder (the built-in article's by default) and check it.

    >>> ds = load_dataset()
    >>> ds.source.site
    'Censored Brain'
    >>> ds.entities["ketamine"].type
    'substance'
    """
    directory = Path(directory) if directory is not None else default_data_dir()
    if not directory.is_dir():
        raise DataError(display_path(directory), None, "data folder not found")
    vocab = vocab or load_data_vocabulary(directory, display_path(directory / "vocabulary.yaml"))
    source = load_source(directory, accept_sha256=accept_sha256)
    entities = load_entities(directory, vocab)
    if source.subject is not None and source.subject not in entities:
        raise DataError(display_path(directory / "source.yaml"), source.subject_line,
                       f"subject {source.subject!r} is not an entity of entities.yaml")
    claims = load_claims(directory, source, entities, vocab)
    dataset = Dataset(directory=directory, source=source, entities=entities, claims=claims, vocabulary=vocab)
    mappings_path = directory / MAPPINGS_FILE
    if mappings_path.exists() or mappings_path.is_symlink():
        dataset.mappings, dataset.mapping_prefixes = load_mappings(mappings_path, entities, root=directory)
    check_curation(dataset)
    return dataset
