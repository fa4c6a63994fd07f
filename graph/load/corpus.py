"""Many articles at once: load several data folders and merge the entities they share.

``load_corpus([dir_a, dir_b, ...])`` loads each folder as :func:`~ketamine_kg.load.dataset.load_dataset`
does, then decides which entities are one thing:

- two entities are one when they have the same id, or a curated ``skos:exactMatch`` to the
  same external term (so ``nmdar`` in one article and ``nmda_receptor`` in another, both
  exactly matched to GO:0017146, are one node);
- the merged entity keeps the id it has in the first article given (folder order), and
  records the other ids as aliases;
- merged entities must have the same type, and two entities of one article never merge
  (either would mean an id or a mapping is wrong): both are errors naming both files and lines.

The vocabularies of the folders are merged too: a type or predicate added by two folders
must mean the same in both.

Each dataset of the corpus is then rewritten onto the merged ids (:attr:`Corpus.datasets`),
so everything downstream builds one article's graph exactly as before, only with the
shared entity IRIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

from ketamine_kg.core.model import Claim, Dataset
from ketamine_kg.errors import DataError, display_path
from ketamine_kg.load.dataset import load_dataset
from ketamine_kg.ontology.vocabulary import Vocabulary, load_vocabulary


@dataclass
class Corpus:
    """Several articles whose shared entities are merged.

    ``datasets`` are the articles in the order given, each rewritten onto the merged ids;
    ``aliases`` maps a merged entity's id to the other ids it has in other articles.
    """

    datasets: list[Dataset]
    aliases: dict[str, list[str]] = field(default_factory=dict)
    vocabulary: Vocabulary | None = None
    # Per article, in order: its own entity id -> the merged id, where the two differ.
    renamed: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.renamed:
            self.renamed = [{} for _ in self.datasets]

    @property
    def is_single(self) -> bool:
        """Whether the corpus is one article (every command then behaves as it always did)."""
        return len(self.datasets) == 1

    def entity_ids(self) -> set[str]:
        """The ids of every (merged) entity of the corpus."""
        return {e for ds in self.datasets for e in ds.entities}


def find_article_folders(corpus_dir: Path) -> list[Path]:
    """The article folders of a corpus folder: its sub-folders that hold a ``source.yaml``, by name.

    >>> find_article_folders(Path("tests/input/corpus"))  # doctest: +SKIP
    [PosixPath('tests/input/corpus/memantine-note'), PosixPath('tests/input/corpus/sceptic-note')]
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise DataError(display_path(corpus_dir), None, "no such corpus folder")
    found = sorted(p for p in corpus_dir.iterdir() if p.is_dir() and (p / "source.yaml").is_file())
    if not found:
        raise DataError(display_path(corpus_dir), None,
                        "no article in this corpus folder: each article is a sub-folder with a source.yaml")
    return found


class _Groups:
    """Union-find over (article index, entity id)."""

    def __init__(self) -> None:
        self.parent: dict[tuple[int, str], tuple[int, str]] = {}

    def find(self, key: tuple[int, str]) -> tuple[int, str]:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: tuple[int, str], b: tuple[int, str]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            first, second = sorted((ra, rb))  # the earlier article (then id) stays the root
            self.parent[second] = first


def _where(dataset: Dataset, name: str, line: int | None) -> str:
    where = display_path(dataset.directory / name)
    return f"{where}:{line}" if line else where


def merge_vocabularies(datasets: Sequence[Dataset]) -> Vocabulary:
    """One vocabulary for the corpus: the core plus every folder's additions, which must agree."""
    core = load_vocabulary()
    merged = Vocabulary(dict(core.types), dict(core.predicates), dict(core.origins), core.alignment_files)
    added: set[str] = set()
    for dataset in datasets:
        vocab = dataset.vocabulary or core
        for term_id in sorted(vocab.added):
            mine = vocab.types.get(term_id) or vocab.predicates.get(term_id)
            table = merged.types if term_id in vocab.types else merged.predicates
            origin = vocab.origins.get(term_id, (display_path(dataset.directory / "vocabulary.yaml"), None))
            if term_id in table:
                if table[term_id] != mine:
                    there = merged.origins.get(term_id, ("another folder", None))
                    raise DataError(origin[0], origin[1], f"{term_id!r} is defined differently in "
                                    f"{there[0]}{':' + str(there[1]) if there[1] else ''}; two articles of a corpus "
                                    f"must give a shared term the same definition (or use different ids)")
                continue
            table[term_id] = mine  # type: ignore[assignment]
            merged.origins[term_id] = origin
            added.add(term_id)
        for path in vocab.alignment_files:
            if path not in merged.alignment_files:
                merged.alignment_files += (path,)
    merged.added = frozenset(added)
    return merged


def load_corpus(directories: Sequence[Path | str]) -> Corpus:
    """Load and check several data folders, in the order given, and merge their shared entities."""
    folders = [Path(d) for d in directories]
    seen: dict[Path, int] = {}
    for n, folder in enumerate(folders):
        resolved = folder.resolve()
        if resolved in seen:
            raise DataError(display_path(folder), None, f"the same article folder is given twice (as argument {seen[resolved] + 1} and {n + 1})")
        seen[resolved] = n
    datasets = [load_dataset(folder) for folder in folders]
    sources: dict[str, Dataset] = {}
    for dataset in datasets:
        other = sources.get(dataset.source.id)
        if other is not None:
            raise DataError(_where(dataset, "source.yaml", 1), None,
                            f"source id {dataset.source.id!r} is already the id of {display_path(other.directory / 'source.yaml')}: "
                            "each article of a corpus needs its own id")
        sources[dataset.source.id] = dataset
    if len(datasets) == 1:
        return Corpus(datasets=datasets, vocabulary=datasets[0].vocabulary)
    vocabulary = merge_vocabularies(datasets)
    groups = _Groups()
    by_id: dict[str, tuple[int, str]] = {}
    by_term: dict[str, tuple[int, str]] = {}
    for n, dataset in enumerate(datasets):
        for entity_id in dataset.entities:
            key = (n, entity_id)
            groups.find(key)
            if entity_id in by_id:
                groups.union(by_id[entity_id], key)
            else:
                by_id[entity_id] = key
        for mapping in dataset.mappings:
            if mapping.predicate != "skos:exactMatch" or mapping.is_no_match:
                continue
            key = (n, mapping.subject)
            if mapping.object in by_term:
                groups.union(by_term[mapping.object], key)
            else:
                by_term[mapping.object] = key
    members: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for key in list(groups.parent):
        members.setdefault(groups.find(key), []).append(key)
    canonical: dict[tuple[int, str], str] = {}
    aliases: dict[str, list[str]] = {}
    for root, group in members.items():
        group.sort()
        first_n, first_id = group[0]
        first = datasets[first_n].entities[first_id]
        per_article: dict[int, str] = {}
        for n, entity_id in group:
            entity = datasets[n].entities[entity_id]
            if n in per_article and per_article[n] != entity_id:
                raise DataError(_where(datasets[n], "entities.yaml", entity.line), None,
                                f"entities {per_article[n]!r} and {entity_id!r} of one article would merge "
                                f"(through the id or exact match they share with {first_id!r} of "
                                f"{_where(datasets[first_n], 'entities.yaml', first.line)}); give one of them another mapping")
            per_article[n] = entity_id
            if entity.type != first.type:
                raise DataError(_where(datasets[n], "entities.yaml", entity.line), None,
                                f"entity {entity_id!r} is a {entity.type}, but the entity it merges with, {first_id!r} "
                                f"({_where(datasets[first_n], 'entities.yaml', first.line)}), is a {first.type}: "
                                "merged entities need one type")
            canonical[(n, entity_id)] = first_id
            if entity_id != first_id and entity_id not in aliases.setdefault(first_id, []):
                aliases[first_id].append(entity_id)
    for entity_id, names in aliases.items():
        for alias in names:
            if alias in by_id and canonical[by_id[alias]] != entity_id:
                raise DataError(None, None, f"{alias!r} is an alias of {entity_id!r} and the id of another entity")
    labels = {canonical[(n, e)]: datasets[n].entities[e].label for n, e in sorted(canonical, reverse=True)}
    rewritten = [_rewrite(dataset, {e: canonical[(n, e)] for e in dataset.entities}, labels, vocabulary)
                 for n, dataset in enumerate(datasets)]
    renamed = [{e: canonical[(n, e)] for e in dataset.entities if canonical[(n, e)] != e} for n, dataset in enumerate(datasets)]
    return Corpus(datasets=rewritten, aliases={k: v for k, v in aliases.items() if v}, vocabulary=vocabulary, renamed=renamed)


def _rewrite(dataset: Dataset, ids: dict[str, str], labels: dict[str, str], vocabulary: Vocabulary) -> Dataset:
    """``dataset`` with its entity ids replaced by the corpus's merged ids."""
    entities = {}
    for e in dataset.entities.values():
        first = labels.get(ids[e.id], e.label)
        synonyms = e.synonyms if first == e.label or e.label in e.synonyms else [e.label, *e.synonyms]
        # One preferred label per merged entity (the first article's): the others become synonyms.
        entities[ids[e.id]] = replace(e, id=ids[e.id], label=first, synonyms=synonyms)
    if all(k == v for k, v in ids.items()) and entities == dataset.entities:
        return replace(dataset, vocabulary=vocabulary)

    def claim(c: Claim) -> Claim:
        qualifiers = {k: (ids.get(v, v) if k in ("route", "procedure") else v) for k, v in c.qualifiers.items()}
        return replace(c, subject=ids[c.subject], object=ids[c.object] if c.object else None, qualifiers=qualifiers)

    mappings = [replace(m, subject=ids.get(m.subject, m.subject)) for m in dataset.mappings]
    source = replace(dataset.source, subject=ids.get(dataset.source.subject, dataset.source.subject)) if dataset.source.subject else dataset.source
    return replace(dataset, source=source, entities=entities, claims=[claim(c) for c in dataset.claims], mappings=mappings,
                   vocabulary=vocabulary)


def get_corpus_view(corpus: Corpus) -> Dataset:
    """All articles of ``corpus`` as one dataset for the reasoner: claims keyed ``source/claim``, each with its file.

    The reasoner names the claims an inference rests on, or the claims that clash; in a
    corpus two articles may use the same claim id, so each is qualified by its source.
    """
    first = corpus.datasets[0]
    entities = {}
    claims = []
    for dataset in corpus.datasets:
        entities.update({k: v for k, v in dataset.entities.items() if k not in entities})
        where = display_path(dataset.directory / "claims.yaml")
        claims += [replace(c, id=f"{dataset.source.id}/{c.id}", file=where) for c in dataset.claims]
    return replace(first, entities=entities, claims=claims, mappings=[m for d in corpus.datasets for m in d.mappings],
                   vocabulary=corpus.vocabulary)


def load_merged(data_dirs: Sequence[Path | str] | Path | str | None) -> Dataset:
    """One data folder as loaded, or several as one merged view (see :func:`get_corpus_view`)."""
    if data_dirs is None or isinstance(data_dirs, (str, Path)) or not data_dirs:
        return load_dataset(data_dirs or None)  # type: ignore[arg-type]
    corpus = load_corpus(list(data_dirs))
    return corpus.datasets[0] if corpus.is_single else get_corpus_view(corpus)
