"""The ketamine-kg OWL ontology: vocabulary (types, predicates) and its OWL build."""
