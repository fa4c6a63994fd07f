#!/usr/bin/env python3
"""Regenerate graph/prefixes.tsv, the project's one prefix map, from the Bioregistry.

Maintainer script (needs `pip install bioregistry`; the package itself does not).
For each prefix the project writes in CURIEs it records the IRI prefix we expand to
and the Bioregistry's pattern for local IDs, so malformed IDs fail the build offline.
IRI prefixes follow each authority's canonical form (OBO PURLs, id.nlm.nih.gov for
MeSH, w3id for Biolink) and override the Bioregistry's default where they differ.

    python scripts/update_prefixes.py > graph/prefixes.tsv
"""

import datetime
import importlib.metadata

import bioregistry

# prefix as written in our CURIEs -> (bioregistry prefix, IRI prefix or None for bioregistry's)
PREFIXES = {
    "ATC": ("atc", "http://www.whocc.no/atc_ddd_index/?code="),
    "CHEBI": ("chebi", None),
    "CHEMBL.COMPOUND": ("chembl.compound", "https://www.ebi.ac.uk/chembl/compound_report_card/"),
    "DOID": ("doid", None),
    "ECO": ("eco", None),
    "EFO": ("efo", None),
    "GO": ("go", None),
    "HGNC": ("hgnc", "https://identifiers.org/hgnc:"),
    "HP": ("hp", None),
    "MESH": ("mesh", "http://id.nlm.nih.gov/mesh/"),
    "MONDO": ("mondo", None),
    "NCIT": ("ncit", None),
    "PUBCHEM.COMPOUND": ("pubchem.compound", None),
    "RO": ("ro", None),
    "RXNORM": ("rxnorm", "http://purl.bioontology.org/ontology/RXNORM/"),
    "SEPIO": ("sepio", None),
    "UNII": ("unii", "https://precision.fda.gov/uniisearch/srs/unii/"),
    "UniProtKB": ("uniprot", "http://purl.uniprot.org/uniprot/"),
    "biolink": ("biolink", "https://w3id.org/biolink/vocab/"),
    "drugbank": ("drugbank", None),
    "semapv": ("semapv", None),
    "wikidata": ("wikidata", None),
}


def main() -> None:
    version = importlib.metadata.version("bioregistry")
    print(f"# prefix map of ketamine-kg; patterns from bioregistry {version}, written {datetime.date.today()} by scripts/update_prefixes.py")
    print("prefix\turi_prefix\tpattern\tbioregistry")
    for prefix, (key, uri_prefix) in sorted(PREFIXES.items(), key=lambda kv: kv[0].lower()):
        resource = bioregistry.get_resource(key)
        uri = uri_prefix or bioregistry.get_uri_prefix(key)
        print(f"{prefix}\t{uri}\t{resource.get_pattern() or ''}\t{key}")


if __name__ == "__main__":
    main()
