"""The Biolink Model view of the vocabulary: the category of each type, the predicate of each predicate.

Both are read from the verified alignments of ``ontology/alignments.tsv``:

- a type's categories are the ``biolink:category`` rows of the type itself or, failing
  that, of its nearest ancestor that has some (``biolink:NamedThing``, the root class,
  when none has);
- a predicate's Biolink predicate is the best alignment that is no narrower than ours
  (exact, equivalent, close, sub-property-of or broad match) of the predicate itself or
  of its nearest ancestor; failing that, ``biolink:related_to``, the root predicate.

The RDF (``biolink:category`` on every entity) and the KGX export use these, so the two
always agree.

>>> from ketamine_kg.ontology.vocabulary import load_vocabulary
>>> vocab = load_vocabulary()
>>> get_categories(vocab)["cognitive_effect"]
('biolink:PhenotypicFeature',)
>>> get_edge_predicate("antagonist_of", vocab)
'biolink:affects'
"""

from __future__ import annotations

from ketamine_kg.ontology.alignments import get_alignments
from ketamine_kg.ontology.vocabulary import Vocabulary

# The Biolink Model release the alignments, categories and KGX export are checked against:
# the biolink-model pip package of that version (its schema/biolink_model.yaml), pinned in
# scripts/kgx-requirements.txt and recorded in the KGX metadata file.
BIOLINK_VERSION = "4.4.6"
ROOT_CATEGORY = "biolink:NamedThing"
ROOT_PREDICATE = "biolink:related_to"
# Alignment relations under which the Biolink term is the same as, or broader than, ours:
# using it as the edge predicate never claims more than the source. Lower rank wins.
FITTING_RELATIONS = {
    "skos:exactMatch": 0,
    "owl:equivalentProperty": 0,
    "skos:closeMatch": 1,
    "rdfs:subPropertyOf": 2,
    "skos:broadMatch": 3,
}
# Biolink slots that alignments.tsv names but that are not edge predicates (they are not
# under biolink:related_to: node or edge properties with values, per biolink-model.yaml).
NOT_EDGE_PREDICATES = frozenset({
    "biolink:has_attribute",
    "biolink:routes_of_delivery",
    "biolink:highest_FDA_approval_status",
    "biolink:clinical_approval_status",
})


def get_categories(vocab: Vocabulary) -> dict[str, tuple[str, ...]]:
    """Return type id -> its Biolink categories (CURIEs), nearest aligned ancestor first."""
    own: dict[str, list[str]] = {}
    for row in get_alignments(vocab):
        if row.local_kind == "type" and row.relation == "biolink:category":
            own.setdefault(row.local_id, []).append(row.external_id)
    result = {}
    for type_id in vocab.types:
        found = next((own[t] for t in vocab.ancestors(type_id) if t in own), [ROOT_CATEGORY])
        result[type_id] = tuple(sorted(set(found)))
    return result


def get_edge_predicate(predicate_id: str, vocab: Vocabulary) -> str:
    """Return the Biolink predicate (CURIE) a claim with our ``predicate_id`` is exported as."""
    candidates: dict[str, list[tuple[int, int, str]]] = {}
    for order, row in enumerate(get_alignments(vocab)):
        if row.local_kind != "predicate" or not row.external_id.startswith("biolink:"):
            continue
        if row.relation not in FITTING_RELATIONS or row.external_id in NOT_EDGE_PREDICATES:
            continue
        candidates.setdefault(row.local_id, []).append((FITTING_RELATIONS[row.relation], order, row.external_id))
    current: str | None = predicate_id
    while current is not None:
        if current in candidates:
            return min(candidates[current])[2]
        current = vocab.predicates[current].parent
    return ROOT_PREDICATE
