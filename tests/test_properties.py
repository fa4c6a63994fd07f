"""Property-based tests of the data loader: random claims either load or fail with a located error.

Well-formed claims are drawn from the real vocabulary and entities, with quotes cut at
random from the article's body: they must load (and turn into RDF), or fail with one of
the documented errors a random quote or claim set can legitimately hit (a quote that
occurs more than once without ``occurrence``, a cycle of an acyclic predicate, the same
quote cited twice). Malformed input (random YAML, random bytes, fields deleted or added,
values replaced, unicode junk spliced into the real files) must load or raise
:class:`~ketamine_kg.errors.KkgError` naming the file and a line: never any other
exception.

The default profile keeps the test run fast; ``KKG_HYPOTHESIS_PROFILE=long`` (used by
``scripts/fuzz.py``) runs thousands of examples per property.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed (pip install -e '.[test]')")
from hypothesis import HealthCheck, currently_in_test_context, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ketamine_kg.errors import KkgError
from ketamine_kg.load.dataset import default_data_dir, load_claims, load_dataset
from ketamine_kg.core.model import MODALITIES, POLARITIES, QUALIFIERS, Dataset
from ketamine_kg.ontology.vocabulary import load_vocabulary
from ketamine_kg.rdf.abox import get_data_graph

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
settings.register_profile("kkg-default", max_examples=100, **_COMMON)
settings.register_profile("long", max_examples=int(os.environ.get("KKG_HYPOTHESIS_EXAMPLES", "3000")), **_COMMON)
settings.load_profile("long" if os.environ.get("KKG_HYPOTHESIS_PROFILE") == "long" else "kkg-default")

DATA = default_data_dir()
VOCAB = load_vocabulary()
BASE = load_dataset(DATA, VOCAB)
SOURCE = BASE.source
BODY = SOURCE.text[: SOURCE.body_end]
FIRST_SECTION = SOURCE.sections[0].start
ENTITIES = BASE.entities
CLAIMS_TEXT = (DATA / "claims.yaml").read_text(encoding="utf-8")
ENTITIES_TEXT = (DATA / "entities.yaml").read_text(encoding="utf-8")
MAPPINGS_TEXT = (DATA / "mappings.sssom.tsv").read_text(encoding="utf-8") if (DATA / "mappings.sssom.tsv").exists() else ""
REAL_CLAIMS = yaml.safe_load(CLAIMS_TEXT)

# The errors a well-formed but randomly drawn claim set may legitimately meet.
DOCUMENTED = re.compile(
    r"quote .+ occurs \d+ times( \(some overlapping\))? in article\.txt; lengthen it or add 'occurrence: N'"
    r"|claim '[a-z0-9-]+' closes a cycle of '[a-z_]+': .+"
    r"|claim '[a-z0-9-]+' cites the same quote twice",
    re.S,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A data folder whose files each example overwrites."""
    target = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(DATA, target)
    return target


def _reset(folder: Path) -> None:
    for name in ("claims.yaml", "entities.yaml", "mappings.sssom.tsv", "source.yaml"):
        if (DATA / name).exists():
            shutil.copyfile(DATA / name, folder / name)


def _event(text: str) -> None:
    """Count what became of an example (shown by --hypothesis-show-statistics, e.g. in scripts/fuzz.py)."""
    if currently_in_test_context():
        event(text)


def _check_error(exc: KkgError, file_names: tuple[str, ...]) -> KkgError:
    message = str(exc)
    _event("refused: " + re.sub(r"'[^']*'|\d+", "_", exc.message)[:70])
    assert exc.file is not None and Path(exc.file).name in file_names, f"error names {exc.file!r}, not {file_names}: {message}"
    assert isinstance(exc.line, int) and exc.line >= 1, f"error without a line: {message}"
    return exc


def _load_or_located_error(folder: Path, *file_names: str):
    """Load the whole folder; return the dataset, or the KkgError after checking it names one of ``file_names`` and a line."""
    try:
        dataset = load_dataset(folder, VOCAB)
    except KkgError as exc:
        return _check_error(exc, file_names)
    _event("loaded")
    return dataset


def _load_claims_or_located_error(folder: Path):
    """Load ``claims.yaml`` against the built-in article and entities (parsed once: the YAML parser is
    the slow part); what loads must also become RDF."""
    try:
        claims = load_claims(folder, SOURCE, ENTITIES, VOCAB)
    except KkgError as exc:
        return _check_error(exc, ("claims.yaml",))
    used = {e for c in claims for e in (c.subject, c.object, *c.qualifiers.values()) if e in ENTITIES}
    dataset = Dataset(directory=folder, source=SOURCE, entities={e: ENTITIES[e] for e in used}, claims=claims)
    get_data_graph(dataset, VOCAB).serialize(format="nt")
    _event("loaded")
    return dataset


# --- well-formed claims --------------------------------------------------------------------

OBJECT_PREDICATES = [p for p in VOCAB.predicates.values() if p.kind == "object"]
DATA_PREDICATES = [p for p in VOCAB.predicates.values() if p.kind == "data"]
FREE_QUALIFIERS = [k for k, v in QUALIFIERS.items() if v is None]


def _of_types(allowed) -> list[str]:
    return sorted(e.id for e in ENTITIES.values() if VOCAB.fits(e.type, allowed))


@st.composite
def quotes(draw) -> dict:
    """A random stretch of the article's body (after the first heading), with an occurrence when needed."""
    start = draw(st.integers(FIRST_SECTION, len(BODY) - 1))
    length = draw(st.integers(1, 14) | st.integers(15, 200))  # short ones often repeat, long ones rarely
    quote = BODY[start: start + min(length, len(BODY) - start)]
    if quote.strip() and draw(st.integers(0, 3)):  # mostly trimmed, sometimes not
        quote = quote.strip()
    evidence = {"quote": quote}
    starts = [m.start() for m in re.finditer(re.escape(quote), BODY)]  # non-overlapping, like the loader's search
    if len(starts) > 1 and draw(st.integers(0, 3)):  # mostly say which occurrence; sometimes forget
        # any occurrence inside a section (the title above the first heading belongs to none)
        evidence["occurrence"] = draw(st.sampled_from([n for n, at in enumerate(starts, 1) if at >= FIRST_SECTION]))
    return evidence


@st.composite
def claims(draw, index: int) -> dict:
    """One claim that fits the vocabulary: subject in the domain, object in the range."""
    if DATA_PREDICATES and draw(st.integers(0, 5)) == 0:
        pred = draw(st.sampled_from(DATA_PREDICATES))
        claim = {"subject": draw(st.sampled_from(_of_types(pred.domain)))}
        claim["value"] = draw(st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
    else:
        pred = draw(st.sampled_from([p for p in OBJECT_PREDICATES if _of_types(p.domain) and _of_types(p.range)]))
        claim = {"subject": draw(st.sampled_from(_of_types(pred.domain))),
                 "object": draw(st.sampled_from(_of_types(pred.range)))}
    claim = {"id": f"claim-{index}-{pred.id.replace('_', '-')}", "predicate": pred.id, **claim,
             "modality": draw(st.sampled_from(MODALITIES))}
    if draw(st.booleans()):
        claim["polarity"] = draw(st.sampled_from(POLARITIES))
    qualifiers = draw(st.dictionaries(st.sampled_from(FREE_QUALIFIERS), st.text(min_size=1, max_size=20), max_size=2))
    for key, wanted in QUALIFIERS.items():
        if wanted and draw(st.integers(0, 4)) == 0 and _of_types((wanted,)):
            qualifiers[key] = draw(st.sampled_from(_of_types((wanted,))))
    if qualifiers:
        claim["qualifiers"] = qualifiers
    claim["evidence"] = draw(st.lists(quotes(), min_size=1, max_size=3))
    if draw(st.booleans()):
        claim["comment"] = draw(st.text(max_size=40))
    return claim


@st.composite
def claim_sets(draw) -> list[dict]:
    n = draw(st.integers(1, 6))
    return [draw(claims(i)) for i in range(n)]


@given(claim_sets())
def test_well_formed_claims_load_or_meet_a_documented_error(folder, generated):
    _reset(folder)
    (folder / "claims.yaml").write_text(yaml.safe_dump(generated, allow_unicode=True, sort_keys=False), encoding="utf-8")
    outcome = _load_claims_or_located_error(folder)
    if isinstance(outcome, KkgError):
        assert DOCUMENTED.fullmatch(outcome.message), f"undocumented error for well-formed claims: {outcome}"
        return
    assert [c.id for c in outcome.claims] == [c["id"] for c in generated]
    for claim, drawn in zip(outcome.claims, generated):
        for evidence, want in zip(claim.evidence, drawn["evidence"]):
            assert BODY[evidence.start: evidence.end] == want["quote"]  # offsets agree with the quote
            assert SOURCE.section_at(evidence.start).id == evidence.section
            assert evidence.start >= FIRST_SECTION and evidence.end <= SOURCE.body_end


def test_a_repeated_quote_without_occurrence_is_the_documented_error(folder):
    _reset(folder)
    (folder / "claims.yaml").write_text(yaml.safe_dump([{
        "id": "k-treats-d", "subject": "ketamine", "predicate": "treats", "object": "depression",
        "modality": "asserted", "evidence": [{"quote": "ketamine"}]}]), encoding="utf-8")
    error = _load_claims_or_located_error(folder)
    assert isinstance(error, KkgError) and DOCUMENTED.fullmatch(error.message)


# --- malformed input -------------------------------------------------------------------------

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=20) | st.sampled_from(["ketamine", "treats", "asserted", "", "~", "null", "yes"]))
STRUCTURES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=10) | st.sampled_from(sorted(REAL_CLAIMS[0])), inner, max_size=4),
                          max_leaves=20)
JUNK = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["\x00", "\ufeff", "\u202e", "\r", "\t", ": ", "- ", "&a ", "*a", "!!python/object:os.system", "{", "]", "'", '"', "\\",
     "%YAML 1.1\n", "---\n", "...\n", "? ", "|\n", ">-\n", "\U0001f9e0", "e\u0301", "\ud7ff", "\ufffe"])


@given(STRUCTURES)
def test_random_yaml_structures_as_claims(folder, value):
    _reset(folder)
    (folder / "claims.yaml").write_text(yaml.safe_dump(value, allow_unicode=True), encoding="utf-8")
    _load_claims_or_located_error(folder)


@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")))
@example(b"\xff\xfe")
@example(b"- &a [*a]\n")
@example(b"- !!python/object/apply:os.system ['true']\n")
@example(b"? [a, b]\n: c\n")
@example(b"- {? [a]: b}\n")
def test_random_bytes_as_claims(folder, raw):
    _reset(folder)
    (folder / "claims.yaml").write_bytes(raw)
    _load_claims_or_located_error(folder)


@st.composite
def mutated_claims(draw) -> list:
    """A few real claims with fields deleted, added or replaced by random values."""
    picked = draw(st.lists(st.integers(0, len(REAL_CLAIMS) - 1), min_size=1, max_size=8, unique=True))
    data = [dict(REAL_CLAIMS[i]) for i in sorted(picked)]
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data) - 1))
        claim = data[i]
        action = draw(st.sampled_from(["delete", "insert", "replace", "evidence", "item"]))
        if not isinstance(claim, dict):  # already replaced by a random value
            action = "item"
        keys = sorted(claim) if action != "item" else []
        if action == "delete" and keys:
            del claim[draw(st.sampled_from(keys))]
        elif action == "insert":
            claim[draw(st.text(max_size=12) | st.sampled_from(["confidence", "object", "value", "occurrence"]))] = draw(STRUCTURES)
        elif action == "replace" and keys:
            claim[draw(st.sampled_from(keys))] = draw(STRUCTURES)
        elif action == "evidence":
            claim["evidence"] = draw(st.lists(st.dictionaries(st.sampled_from(["quote", "occurrence", "start"]), STRUCTURES,
                                                              max_size=3), max_size=3))
        else:
            data[i] = draw(STRUCTURES)
    return data


@given(mutated_claims())
def test_real_claims_with_fields_deleted_added_or_replaced(folder, data):
    _reset(folder)
    (folder / "claims.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _load_claims_or_located_error(folder)


@st.composite
def spliced(draw, text: str) -> str:
    """``text`` with a few random stretches deleted or replaced by unicode junk."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 8))
        text = text[:at] + draw(JUNK) + text[at + cut:]
    return text


FILES = {"claims.yaml": CLAIMS_TEXT, "entities.yaml": ENTITIES_TEXT, "mappings.sssom.tsv": MAPPINGS_TEXT}
# an edit of the entities may break the claims or mappings that name them
BLAMED = {"claims.yaml": (), "entities.yaml": ("claims.yaml", "mappings.sssom.tsv"), "mappings.sssom.tsv": ()}


@pytest.mark.parametrize("name", [n for n, text in FILES.items() if text])
@settings(max_examples=max(10, settings().max_examples // 4))  # a whole folder load per example
@given(data=st.data())
def test_unicode_junk_spliced_into_the_real_files(folder, name, data):
    edited = data.draw(spliced(FILES[name]), label="edited file")
    _reset(folder)
    (folder / name).write_bytes(edited.encode("utf-8", "surrogatepass"))
    _load_or_located_error(folder, name, *BLAMED[name])
