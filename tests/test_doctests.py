"""Run the doctests of every module of the package."""

import doctest
import importlib
import pkgutil

import pytest

import ketamine_kg
import ketamine_kg.ontology

# ontology/ is installed as ketamine_kg.ontology but lives outside graph/, so walk both.
MODULES = sorted(
    {
        name
        for package in (ketamine_kg, ketamine_kg.ontology)
        for _, name, _ in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
        if ".cli" not in name
    }
)


@pytest.mark.parametrize("module_name", MODULES)
def test_doctests(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {module_name}"
