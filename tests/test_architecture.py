"""The shape of the package: small modules, no private names across modules, a cheap typed facade.

The import layers themselves are checked by import-linter (``scripts/lint.py imports``);
these are the rules it cannot express.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import ketamine_kg

ROOT = Path(__file__).resolve().parent.parent
# folder -> the package it is (pyproject.toml, [tool.setuptools.package-dir])
FOLDERS = {"graph": "ketamine_kg", "ontology": "ketamine_kg.ontology", "queries": "ketamine_kg.queries"}
MAX_LINES = 450
HEAVY = ("rdflib", "owlready2", "pyvis", "pyoxigraph", "networkx", "click")


def module_files() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the package."""
    found: dict[str, Path] = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(path: Path, modules: set[str], root: Path = ROOT) -> list[str]:
    """Where ``path`` reaches a private name of another module of the package.

    Two shapes: ``from ketamine_kg.x import _name`` and ``x._name`` where ``x`` is a
    package module imported under that name (``from ketamine_kg import store``,
    ``import ketamine_kg.store as store``).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases: dict[str, str] = {}
    uses: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ketamine_kg":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in modules:
                    aliases[alias.asname or alias.name] = full
                elif is_private(alias.name):
                    uses.append(f"{path.relative_to(root)}:{node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and is_private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            uses.append(f"{path.relative_to(root)}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return sorted(uses, key=lambda use: int(use.split(":")[1]))


def test_every_module_is_found():
    modules = module_files()
    # a wrong folder map would make the two scans below pass on nothing
    for name in ("ketamine_kg", "ketamine_kg.errors", "ketamine_kg.core.curies", "ketamine_kg.ontology.tbox",
                 "ketamine_kg.ontology.reason", "ketamine_kg.app.server", "ketamine_kg.queries"):
        assert name in modules, name
    assert len(modules) > 60


def test_no_module_is_over_450_lines():
    too_long = {str(path.relative_to(ROOT)): n for path in module_files().values()
                if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not too_long, f"split these modules (over {MAX_LINES} lines): {too_long}"


def test_no_module_uses_a_private_name_of_another():
    modules = module_files()
    uses = [use for path in modules.values() for use in private_uses(path, set(modules))]
    assert not uses, "private names used across modules (make them public or move them):\n" + "\n".join(uses)


def test_the_private_name_scan_finds_both_shapes(tmp_path: Path):
    path = tmp_path / "sample.py"
    path.write_text("from ketamine_kg.rdf.graphset import _hidden, get_graphs\n"
                    "from ketamine_kg import store\n"
                    "import ketamine_kg.sparql.engines as engines\n"
                    "store._secret()\nengines._other\nstore.open_store\nstore.__name__\n")
    modules = {"ketamine_kg.rdf.graphset", "ketamine_kg.store", "ketamine_kg.sparql.engines"}
    assert private_uses(path, modules, root=tmp_path) == [
        "sample.py:1: from ketamine_kg.rdf.graphset import _hidden",
        "sample.py:4: ketamine_kg.store._secret",
        "sample.py:5: ketamine_kg.sparql.engines._other",
    ]


def test_importing_the_package_loads_no_heavy_library():
    code = f"import sys, ketamine_kg; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"`import ketamine_kg` imported {out.stdout.strip()}"


@pytest.mark.parametrize("name", ketamine_kg.__all__)
def test_every_public_name_resolves_to_its_home(name: str):
    value = getattr(ketamine_kg, name)
    if name == "__version__":
        assert value.count(".") == 2
        return
    home = importlib.import_module(ketamine_kg._HOMES[name])
    assert value is getattr(home, name)
    assert name in dir(ketamine_kg)


def test_the_facade_refuses_unknown_names_and_keeps_submodules():
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        ketamine_kg.not_a_name  # noqa: B018
    from ketamine_kg import store  # a submodule, not a facade name

    assert store.__name__ == "ketamine_kg.store"
    assert len(set(ketamine_kg.__all__)) == len(ketamine_kg.__all__)


def test_mypy_sees_every_public_name():
    """The ``TYPE_CHECKING`` imports of ``__init__.py`` are exactly the lazy names, from the same modules."""
    tree = ast.parse((ROOT / "graph" / "__init__.py").read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    typed = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert typed == ketamine_kg._HOMES


def test_py_typed_ships_in_the_wheel():
    assert (ROOT / "graph" / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["ketamine_kg"]
    assert any(fnmatch.fnmatch("py.typed", p) for p in patterns), patterns
