"""The curated data of the built-in article, tested like code."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from ketamine_kg.load.dataset import default_data_dir
from ketamine_kg.load.fields import CLAIM_ID, ENTITY_ID
from ketamine_kg.ontology.vocabulary import load_vocabulary

REQUIRED = yaml.safe_load((Path(__file__).parent / "required_claims.yaml").read_text(encoding="utf-8"))
REQUIRED_ROWS = [(part, row) for part, rows in REQUIRED.items() for row in rows]


def test_article_is_kept_byte_for_byte(dataset):
    text = (default_data_dir() / "article.txt").read_text(encoding="utf-8")
    assert text == dataset.source.text
    assert "’" in text and "–" in text, "typographic apostrophes and dashes must stay as the article has them"
    assert dataset.source.site == "Censored Brain"
    assert text[dataset.source.body_end:].strip() == "Popular Posts"


def test_every_quote_is_verbatim_at_its_offsets(dataset):
    text = dataset.source.text
    for claim in dataset.claims:
        for ev in claim.evidence:
            assert text[ev.start:ev.end] == ev.quote, f"{claim.id}: offsets do not point at the quote"
            assert ev.end <= dataset.source.body_end, f"{claim.id}: quote from after the article body"


def test_ids_are_well_formed(dataset):
    for entity in dataset.entities.values():
        assert ENTITY_ID.match(entity.id), f"entity id {entity.id!r}: use lower-case snake_case"
    for claim in dataset.claims:
        assert CLAIM_ID.match(claim.id), f"claim id {claim.id!r}: use lower-case kebab-case"
    assert len({c.id for c in dataset.claims}) == len(dataset.claims)


def test_entities_are_sorted_by_type_group_then_id(dataset):
    entities = list(dataset.entities.values())
    groups: list[str] = []
    for entity in entities:
        if not groups or groups[-1] != entity.type:
            assert entity.type not in groups, f"{entity.id}: keep all entities of type {entity.type} together"
            groups.append(entity.type)
    for group in groups:
        ids = [e.id for e in entities if e.type == group]
        assert ids == sorted(ids), f"entities of type {group} are not sorted by id: {ids}"


def test_claims_are_in_article_order(dataset):
    starts = [(c.evidence[0].start, c.id) for c in dataset.claims]
    for (a, a_id), (b, b_id) in zip(starts, starts[1:]):
        assert a <= b, f"{b_id} comes before {a_id} in the article: move it up in claims.yaml"


def test_every_entity_is_used(dataset):
    used = set()
    for claim in dataset.claims:
        used.add(claim.subject)
        if claim.object:
            used.add(claim.object)
        for key in ("route", "procedure"):
            if key in claim.qualifiers:
                used.add(claim.qualifiers[key])
    unused = sorted(set(dataset.entities) - used)
    assert not unused, f"entities no claim uses: {unused} (remove them or add the claim)"


def test_every_section_with_text_has_claims_or_evidence(dataset):
    counts = Counter(ev.section for c in dataset.claims for ev in c.evidence)
    parents = {s.parent for s in dataset.source.sections if s.parent}
    for section in dataset.source.sections:
        if section.id in parents:
            continue  # a part heading whose text is all in its subsections
        assert counts[section.id] > 0, f"section {section.id!r} has no quote in any claim"


def test_restatements_are_evidence_not_new_claims(dataset):
    for claim in dataset.claims:
        assert claim.section not in ("introduction", "conclusion"), (
            f"{claim.id} is first quoted in the {claim.section}: restatements there are extra evidence for a body claim"
        )


def test_claim_count_is_in_the_expected_range(dataset):
    assert 40 <= len(dataset.claims) <= 70


@pytest.mark.parametrize("part,row", REQUIRED_ROWS, ids=[f"{p}:{r[0]}-{r[1]}-{r[2]}" for p, r in REQUIRED_ROWS])
def test_required_claim_is_present(dataset, part, row):
    subject, predicate, target, modality = row
    matches = [
        c for c in dataset.claims
        if c.subject == subject and c.predicate == predicate and (c.object == target or c.value == target)
    ]
    assert matches, f"{part}: no claim {subject} {predicate} {target}"
    assert any(c.modality == modality for c in matches), (
        f"{part}: {subject} {predicate} {target} is {[c.modality for c in matches]}, expected {modality}"
    )


def test_no_claim_approves_ketamine_itself(dataset):
    for claim in dataset.claims:
        if claim.predicate in ("approved_for", "has_regulatory_approval"):
            assert claim.subject != "ketamine", f"{claim.id}: the article approves esketamine, not ketamine"


def test_hedging_words_are_not_asserted(dataset):
    """A quote with a hedge of the cue-word table (may, might, suggests, ...) never carries an asserted claim.

    The hedges are read from graph/data/cue_words.yaml, the one reading of cue words
    (CURATION.md): "can" is no longer among them, it gives a frequency like "sometimes".
    Stricter than before: one hedging quote is enough to fail, not only all of them.
    """
    from ketamine_kg.load.curation import find_cues, load_cue_words

    hedges = tuple(c for c in load_cue_words() if c.modality == "hedged")
    assert {"may", "might", "suggests"} <= {c.cue for c in hedges}
    for claim in dataset.claims:
        if claim.modality != "asserted":
            continue
        for ev in claim.evidence:
            found = [c.cue for c in find_cues(ev.quote, hedges)]
            assert not found, f"{claim.id} is asserted but its quote {ev.quote!r} hedges: {found}"


def test_introduction_and_conclusion_quotes_are_restatements(dataset):
    """Rule 3 of CURATION.md: the Introduction and Conclusion only restate body claims here."""
    for claim in dataset.claims:
        for ev in claim.evidence:
            if ev.section in ("introduction", "conclusion"):
                assert ev.kind == "restates", f"{claim.id}: {ev.quote!r} stands in the {ev.section}; mark it 'kind: restates'"


def test_vocabulary_is_consistent():
    vocab = load_vocabulary()
    for pred in vocab.predicates.values():
        if pred.parent:
            parent = vocab.predicates[pred.parent]
            assert set(pred.domain) <= {t for d in parent.domain for t in vocab.types if vocab.is_a(t, d)}, pred.id
    for type_def in vocab.types.values():
        assert type_def.definition.endswith("."), f"type {type_def.id}: finish the definition with a full stop"
