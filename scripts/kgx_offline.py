#!/usr/bin/env python3
"""Run the ``kgx`` command line with no network: the Biolink Model and the prefix contexts come from pip packages.

``import kgx`` builds a Biolink Model Toolkit at import time, and bmt's default is to
download ``biolink-model.yaml`` and a predicate map; kgx's config names JSON-LD contexts
by URL too. This wrapper points them at files that the pip packages ship:

- the model: ``biolink_model/schema/biolink_model.yaml`` (package ``biolink-model``);
- the Biolink context: ``biolink_model/prefixmaps/biolink_model_prefix_map.json``, merged
  with each ``--context FILE`` given (``ketamine-kg export --format kgx`` writes
  ``PREFIX_context.jsonld`` with the project's prefixes: KGX's context mechanism);
- the Monarch and OBO contexts: ``prefixcommons/registry/*.jsonld``;
- the predicate map: none (bmt only needs it to map old predicates to new ones).

Run it with the Python of a virtual environment that has the packages of
``scripts/kgx-requirements.txt`` (not the project's own: kgx brings pandas, pyarrow,
DuckDB and Neo4j drivers, some 700 MB)::

    python3 -m venv .venv-kgx && .venv-kgx/bin/pip install -r scripts/kgx-requirements.txt
    .venv-kgx/bin/python scripts/kgx_offline.py --context k_context.jsonld \\
        validate -i tsv k_nodes.tsv k_edges.tsv

Everything after the wrapper's own options goes to ``kgx`` unchanged.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def _package_dir(module) -> Path:
    """The folder of a package (biolink_model is a namespace package: no ``__file__``)."""
    return Path(next(iter(module.__path__)))


def main(argv: list[str]) -> int:
    contexts: list[Path] = []
    while len(argv) >= 2 and argv[0] == "--context":
        contexts.append(Path(argv[1]))
        argv = argv[2:]
    import biolink_model
    import prefixcommons

    model = _package_dir(biolink_model)
    prefixes = json.loads((model / "prefixmaps" / "biolink_model_prefix_map.json").read_text(encoding="utf-8"))
    for path in contexts:
        try:
            prefixes.update(json.loads(path.read_text(encoding="utf-8"))["@context"])
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: {path}: not a JSON-LD context file ({exc})", file=sys.stderr)
            return 2

    import bmt.toolkit

    # Toolkit(schema=..., predicate_map=...) defaults, read by every Toolkit() kgx makes
    bmt.toolkit.Toolkit.__init__.__defaults__ = (str(model / "schema" / "biolink_model.yaml"),
                                                 {"predicate mappings": []})
    import kgx.config

    with tempfile.TemporaryDirectory(prefix="kgx-context-") as folder:
        context = Path(folder) / "biolink_context.jsonld"
        context.write_text(json.dumps({"@context": prefixes}), encoding="utf-8")
        registry = _package_dir(prefixcommons) / "registry"
        kgx.config.get_config()["jsonld-context"] = {
            "biolink": str(context),
            "monarch_context": str(registry / "monarch_context.jsonld"),
            "obo_context": str(registry / "obo_context.jsonld"),
        }
        from kgx.cli import cli

        try:
            cli.main(args=argv, prog_name="kgx", standalone_mode=False)
        except SystemExit as exc:
            return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
