"""ketamine-kg: the claims of an article about ketamine as an RDF knowledge graph.

Importing this package is cheap: heavy libraries (rdflib, owlready2, pyvis) are
imported by the modules that need them.
"""

from ketamine_kg.core.version import __version__

__all__ = ["__version__"]
