"""IRIs and prefixes of the ketamine-kg graph.

Every IRI the project mints is built here, so the namespace policy is in one place:

- entities: ``https://w3id.org/ketamine-kg/entity/{entity_id}``
- claims: ``https://w3id.org/ketamine-kg/claim/{source_id}/{claim_id}``
- evidence: ``{claim IRI}/evidence/{n}``
- source documents: ``https://w3id.org/ketamine-kg/source/{source_id}``
- the ontology (TBox): ``https://w3id.org/ketamine-kg/ontology#``

>>> entity_iri("ketamine")
'https://w3id.org/ketamine-kg/entity/ketamine'
>>> claim_iri("censored-brain-ketamine", "ketamine-binds-nmda-receptor")
'https://w3id.org/ketamine-kg/claim/censored-brain-ketamine/ketamine-binds-nmda-receptor'
"""


BASE = "https://w3id.org/ketamine-kg/"
ENTITY = BASE + "entity/"
CLAIM = BASE + "claim/"
SOURCE = BASE + "source/"
GRAPH = BASE + "graph/"
ONTOLOGY_IRI = BASE + "ontology"
ONTOLOGY = ONTOLOGY_IRI + "#"
DATASET_IRI = BASE + "dataset"  # the dataset as a whole (its VoID description)
OWL_VIEW_IRI = BASE + "owl-view"  # the OWL 2 DL ontology of the whole graph (`export --format owl`)

# Prefixes declared in every export. Values are namespace IRIs.
PREFIXES: dict[str, str] = {
    "kkg": ENTITY,
    "kkgc": CLAIM,
    "kkgs": SOURCE,
    "kkgo": ONTOLOGY,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "http://schema.org/",
    "biolink": "https://w3id.org/biolink/vocab/",
    "RO": "http://purl.obolibrary.org/obo/RO_",
    "ECO": "http://purl.obolibrary.org/obo/ECO_",
    "SEPIO": "http://purl.obolibrary.org/obo/SEPIO_",
}


def entity_iri(entity_id: str) -> str:
    """Return the IRI of a curated entity."""
    return ENTITY + entity_id


def claim_iri(source_id: str, claim_id: str) -> str:
    """Return the IRI of a claim made by a source document."""
    return f"{CLAIM}{source_id}/{claim_id}"


def source_iri(source_id: str) -> str:
    """Return the IRI of a source document."""
    return SOURCE + source_id


def term_iri(local_name: str) -> str:
    """Return the IRI of an ontology class or property.

    >>> term_iri("antagonist_of")
    'https://w3id.org/ketamine-kg/ontology#antagonist_of'
    """
    return ONTOLOGY + local_name
