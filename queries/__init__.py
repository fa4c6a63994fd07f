"""Named SPARQL queries shipped with ketamine-kg, one per .rq file."""
