"""The version of ketamine-kg, in one place: the CLI, the ontology header, the store key and the User-Agent read it here.

It lives in ``core`` so that every room may import it (the package root composes the
rooms, so no room imports it).

>>> __version__.count(".")
2
"""

__version__ = "0.1.0"
