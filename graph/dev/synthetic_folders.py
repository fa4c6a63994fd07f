"""Synthetic article folders: a corpus laid out like ``graph/data``, for benchmarking ``build --corpus``.

:mod:`ketamine_kg.dev.synthetic` makes RDF for the store benchmark; this module makes the
*input* of the whole pipeline instead: ``N`` folders, each with ``article.txt``,
``source.yaml``, ``entities.yaml``, ``claims.yaml`` and ``mappings.sssom.tsv``, that the
real loader reads and checks like any curated folder (quotes anchored in the text,
checksums, cue words, types against the vocabulary).

Each folder is a short note made from the built-in article's statements:

- its statements are (subject, predicate, object) claims of the built-in article, drawn
  with a long-tailed popularity (a seeded ranking, weight ``1/(rank+1)``), so a few
  statements recur in many notes and ``agreement`` has real answers;
- each claim is written as one sentence of the note and quoted from it: asserted
  (``Ketamine treats depression.``), hedged (``Perhaps ...``, a cue word of
  ``cue_words.yaml``), under investigation (``Ongoing research asks whether ...``) or
  speculative (``There is hope that ...``), and now and then denied (``It is not the case
  that ...``); different notes make one statement with different modality and polarity,
  so ``conflicts`` has real answers too;
- each entity of a note is the template's own (same id and mappings: one node across the
  corpus), or, one time in ten, the same thing under a note-local id that merges through
  its ``skos:exactMatch`` rows, or a numbered variant (``ketamine_v3``, "ketamine 3", no
  exact match) drawn with probability ``1/((k+1)(k+2))`` as in the store corpus. Variants
  with one number are one entity across notes (same id);
- the object of a functional predicate (an approval's ``approval_granted_by``) is never
  renamed: one approval granted by two different agencies would make the corpus
  inconsistent for the reasoner.

Note ``i`` depends only on the seed and ``i``. ``get_synthetic_folder`` returns the files as
text; ``write_synthetic_folders`` writes them.

>>> files = get_synthetic_folder(3, seed=7)
>>> sorted(files)
['article.txt', 'claims.yaml', 'entities.yaml', 'mappings.sssom.tsv', 'source.yaml']
>>> files == get_synthetic_folder(3, seed=7), files == get_synthetic_folder(4, seed=7)
(True, False)
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ketamine_kg.core.model import Dataset, Entity

__all__ = ["FolderStats", "get_synthetic_folder", "write_synthetic_folders"]

# modality -> (weight, sentence frame); {s} is the subject as it starts a sentence or not.
_FRAMES = {
    "asserted": (70, "{S} {p} {o}."),
    "hedged": (20, "Perhaps {s} {p} {o}."),
    "under_investigation": (5, "Ongoing research asks whether {s} {p} {o}."),
    "speculative": (5, "There is hope that {s} {p} {o}."),
}
_NEGATED = {"asserted": "It is not the case that {s} {p} {o}.", "hedged": "Perhaps it is not the case that {s} {p} {o}."}
NEGATIVE_SHARE = 0.12
ALIAS_SHARE = 0.1


@dataclass(frozen=True)
class _Template:
    """What every note is made from: the built-in article's statements, entities and mapping rows."""

    dataset: Dataset
    statements: tuple[tuple[str, str, str], ...]  # (subject, predicate, object), article order, no repeats
    fixed: frozenset[str]  # entity ids never renamed (objects of functional predicates)
    exact: frozenset[str]  # entity ids with an exact match (a note-local id merges through it)
    mapping_header: str
    mapping_rows: dict[str, tuple[str, ...]]  # entity id -> its rows of mappings.sssom.tsv


@lru_cache(maxsize=2)
def _load_template(data_dir: str | None = None) -> _Template:
    from ketamine_kg.load.curation import find_cues, load_cue_words
    from ketamine_kg.load.dataset import load_dataset

    dataset = load_dataset(data_dir)
    vocab = dataset.vocabulary
    assert vocab is not None
    cues = load_cue_words()
    seen: set[tuple[str, str, str]] = set()
    statements = []
    for claim in dataset.claims:
        if claim.object is None:
            continue
        key = (claim.subject, claim.predicate, claim.object)
        sentence = _sentence(dataset.entities[claim.subject], vocab.predicates[claim.predicate].label,
                             dataset.entities[claim.object], "asserted", "positive")
        # A label with a cue word in it ("can", "may") would give the sentence a reading of its own.
        if key in seen or key[0] == key[2] or find_cues(sentence, cues):
            continue
        seen.add(key)
        statements.append(key)
    fixed = frozenset(o for _, p, o in statements if "functional" in vocab.predicates[p].characteristics)
    header: list[str] = []
    rows: dict[str, list[str]] = {}
    exact: set[str] = set()
    path = Path(dataset.directory) / "mappings.sssom.tsv"
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        if line.startswith("#") or line.startswith("subject_id\t"):
            header.append(line)
            continue
        cells = line.split("\t")
        entity = cells[0].removeprefix("kkg:")
        rows.setdefault(entity, []).append(line)
        if cells[2] == "skos:exactMatch" and not cells[3].startswith("sssom:"):
            exact.add(entity)
    return _Template(dataset, tuple(statements), fixed, frozenset(exact), "\n".join(header),
                     {k: tuple(v) for k, v in rows.items()})


def _sentence(subject: Entity, predicate: str, obj: Entity, modality: str, polarity: str) -> str:
    frame = _NEGATED[modality] if polarity == "negative" else _FRAMES[modality][1]
    s = subject.label
    return frame.format(S=s[:1].upper() + s[1:], s=s, p=predicate, o=obj.label)


def _variant(rng: random.Random) -> int:
    """0 with probability 1/2, 1 with 1/6, k with 1/((k+1)(k+2)) (as the store corpus draws them)."""
    return int(1.0 / (1.0 - rng.random())) - 1


def _dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def get_synthetic_folder(index: int, seed: int = 0, *, claims: tuple[int, int] = (10, 40),
                         data_dir: str | None = None) -> dict[str, str]:
    """The files of synthetic note ``index`` of the corpus of ``seed``: file name -> text.

    The note has between ``claims[0]`` and ``claims[1]`` claims (fewer only if the
    template has fewer statements), made from the article of ``data_dir`` (default: the
    built-in one).
    """
    template = _load_template(data_dir)
    vocab = template.dataset.vocabulary
    assert vocab is not None
    rng = random.Random(f"ketamine-kg synthetic folder {seed} {index}")
    ranking = list(template.statements)
    random.Random(f"ketamine-kg synthetic folder ranking {seed}").shuffle(ranking)  # one ranking per corpus
    weights = [1.0 / (rank + 1) for rank in range(len(ranking))]
    wanted = min(rng.randint(*claims), len(ranking))
    chosen: dict[tuple[str, str, str], None] = {}
    while len(chosen) < wanted:
        chosen[rng.choices(ranking, weights=weights)[0]] = None

    local: dict[str, Entity] = {}  # template id -> this note's entity
    variants: set[str] = set()  # template ids this note renders as a numbered variant

    def entity(template_id: str) -> Entity:
        if template_id in local:
            return local[template_id]
        base = template.dataset.entities[template_id]
        k = 0 if template_id in template.fixed else _variant(rng)
        if k:
            made = Entity(id=f"{base.id}_v{k}", type=base.type, label=f"{base.label} {k}",
                          synonyms=[f"{s} {k}" for s in base.synonyms])
            variants.add(template_id)
        elif template_id in template.exact and template_id not in template.fixed and rng.random() < ALIAS_SHARE:
            made = Entity(id=f"{base.id}_n{index}", type=base.type, label=base.label, synonyms=list(base.synonyms),
                          description=base.description, attributes=base.attributes)
        else:
            made = base
        local[template_id] = made
        return made

    findings: list[tuple[str, dict]] = []
    doubts: list[tuple[str, dict]] = []
    subjects: Counter[str] = Counter()
    for s, p, o in chosen:
        subject, obj = entity(s), entity(o)
        modality = rng.choices(list(_FRAMES), weights=[w for w, _ in _FRAMES.values()])[0]
        polarity = "negative" if modality in _NEGATED and rng.random() < NEGATIVE_SHARE else "positive"
        sentence = _sentence(subject, vocab.predicates[p].label, obj, modality, polarity)
        claim: dict = {"id": f"{subject.id}-{p}-{obj.id}".replace("_", "-"), "subject": subject.id, "predicate": p,
                       "object": obj.id, "modality": modality}
        if polarity == "negative":
            claim["polarity"] = polarity
        claim["evidence"] = [{"quote": sentence}]
        (findings if modality == "asserted" and polarity == "positive" else doubts).append((sentence, claim))
        subjects[s] += 1
    main_subject = entity(max(subjects, key=lambda e: (subjects[e], e)))
    title = f"Synthetic note {index} on {main_subject.label}"
    parts = [title, ""]
    sections = []
    for section_id, heading, items in (("findings", "Findings", findings), ("doubts", "Doubts", doubts)):
        if items:
            parts += [f"{heading}:", " ".join(sentence for sentence, _ in items), ""]
            sections.append({"id": section_id, "title": heading, "anchor": f"{heading}:"})
    text = "\n".join(parts)
    # A quote must occur once in the text (or say which occurrence): drop any that a longer sentence contains.
    claims_out = [c for _, c in findings + doubts if text.count(c["evidence"][0]["quote"]) == 1]
    used = {c["subject"] for c in claims_out} | {c["object"] for c in claims_out} | {main_subject.id}
    entities_out = []
    for e in sorted(local.values(), key=lambda e: (e.type, e.id)):
        if e.id not in used:
            continue
        item: dict = {"id": e.id, "type": e.type, "label": e.label}
        if e.synonyms:
            item["synonyms"] = list(e.synonyms)
        if e.description:
            item["description"] = e.description
        if e.attributes:
            item["attributes"] = {k: dict(v) for k, v in e.attributes.items()}
        entities_out.append(item)
    rows = []  # a variant is another thing: it keeps none of the template's mapping rows
    for template_id, e in sorted(local.items()):
        if e.id in used and template_id not in variants:
            rows += [f"kkg:{e.id}\t" + row.split("\t", 1)[1] for row in template.mapping_rows.get(template_id, ())]
    source_id = f"synthetic-s{seed}-{index}"
    header = "\n".join(f"# mapping_set_id: https://w3id.org/ketamine-kg/synthetic/{source_id}/mappings.sssom.tsv"
                       if line.startswith("# mapping_set_id:") else line for line in template.mapping_header.splitlines())
    source = {
        "id": source_id,
        "title": title,
        "site": "ketamine-kg synthetic corpus",
        "file": "article.txt",
        "subject": main_subject.id,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "sections": sections,
    }
    return {
        "article.txt": text,
        "source.yaml": f"# Synthetic note {index} of seed {seed}, written by ketamine_kg.dev.synthetic_folders.\n" + _dump(source),
        "entities.yaml": _dump(entities_out),
        "claims.yaml": _dump(claims_out),
        "mappings.sssom.tsv": header + "\n" + "".join(r + "\n" for r in rows),
    }


@dataclass
class FolderStats:
    """What ``write_synthetic_folders`` wrote and how long it took."""

    directory: Path
    articles: int
    claims: int
    bytes: int
    seconds: float


def write_synthetic_folders(directory: Path, n_articles: int, *, seed: int = 0, claims: tuple[int, int] = (10, 40)) -> FolderStats:
    """Write notes ``0 .. n_articles - 1`` as sub-folders ``note-00000`` ... of ``directory`` (a corpus folder)."""
    directory = Path(directory)
    start = time.perf_counter()
    size = n_claims = 0
    for index in range(n_articles):
        folder = directory / f"note-{index:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in get_synthetic_folder(index, seed, claims=claims).items():
            data = text.encode("utf-8")
            (folder / name).write_bytes(data)
            size += len(data)
            if name == "claims.yaml":
                n_claims += text.count("\n- id: ") + text.startswith("- id: ")
    return FolderStats(directory, n_articles, n_claims, size, time.perf_counter() - start)
