"""The store key changes with every file that shapes the RDF, and with the library versions.

Each test works on copies: ``get_shaping_files`` is pointed at copies of the real files
(so the labels, order and content are the real ones), and one copy at a time is edited.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ketamine_kg import store
from ketamine_kg.store import SHAPING_ROOMS, get_library_versions, get_shaping_files, get_store_key


@pytest.fixture()
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Label -> copy of every shaping file; the store key is computed over the copies."""
    copies: list[tuple[str, Path]] = []
    for i, (label, path) in enumerate(get_shaping_files()):
        target = tmp_path / "shaping" / f"{i:04d}" / path.name
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
        copies.append((label, target))
    monkeypatch.setattr(store, "get_shaping_files", lambda: copies)
    return dict(copies)


def test_the_shaping_files_cover_every_room_and_the_files_beside_them():
    labels = [label for label, _ in get_shaping_files()]
    for room in SHAPING_ROOMS:
        assert any(label.startswith(room + "/") and label.endswith(".py") for label in labels), room
    for name in ("errors.py", "prefixes.tsv"):
        assert f"ketamine_kg/{name}" in labels
    assert "ketamine_kg.rdf/biolink.py" in labels


def test_editing_any_shaping_file_changes_the_key(copied):
    base = get_store_key(None)
    assert get_store_key(None) == base
    unchanged = []
    for label, path in copied.items():
        original = path.read_bytes()
        path.write_bytes(original + (b"\n# edited\n" if path.suffix == ".py" else b"\n"))
        if get_store_key(None) == base:
            unchanged.append(label)
        path.write_bytes(original)
    assert get_store_key(None) == base
    assert unchanged == [], f"editing these did not change the store key: {unchanged}"


def test_editing_biolink_root_category_changes_the_key(copied):
    """The bug that started issue 11: an edit of ROOT_CATEGORY in biolink.py kept the old store."""
    path = copied["ketamine_kg.rdf/biolink.py"]
    text = path.read_text(encoding="utf-8")
    assert "ROOT_CATEGORY" in text
    base = get_store_key(None)
    path.write_text(text.replace("ROOT_CATEGORY = ", "ROOT_CATEGORY = 'biolink:Entity' or ", 1), encoding="utf-8")
    assert get_store_key(None) != base


@pytest.mark.parametrize("library", store.KEY_LIBRARIES)
def test_a_different_library_version_changes_the_key(library, monkeypatch):
    base = get_store_key(None)
    versions = get_library_versions()
    monkeypatch.setattr(store, "get_library_versions", lambda: {**versions, library: versions[library] + ".post1"})
    assert get_store_key(None) != base


def test_the_key_covers_rdflib_owlready2_and_pyoxigraph():
    assert {"rdflib", "owlready2", "pyoxigraph"} <= set(get_library_versions())
