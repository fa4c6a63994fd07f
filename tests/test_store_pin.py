"""The store cache cannot vanish under a running server, and prune deletes only what it made.

- A pinned store survives any number of builds of other data folders; a pin whose
  process has ended counts for nothing (and is cleared).
- Prune deletes only folders with the store marker; a folder someone else put in
  ``stores/`` stays, a symlinked store is never followed, a symlinked ``stores/``
  is never pruned.
- ``serve`` pins its store while it runs and releases the pin when closed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ketamine_kg.store import KEEP_STORES, MARKER_FILE, PINS_DIR, _prune, get_store_dir, pin_store, pinned_stores


def _fake_store(stores: Path, name: str, age: float, marker: bool = True) -> Path:
    folder = stores / name
    folder.mkdir(parents=True)
    (folder / "graph.nq").write_text("", encoding="utf-8")
    if marker:
        (folder / MARKER_FILE).write_text(name + "\n", encoding="utf-8")
    stamp = time.time() - age
    os.utime(folder, (stamp, stamp))
    return folder


def test_prune_keeps_the_newest_and_the_pinned(tmp_path):
    stores = tmp_path / "stores"
    oldest = _fake_store(stores, "oldest", 1000)
    pin = pin_store(oldest)
    os.utime(oldest, (time.time() - 1000, time.time() - 1000))  # pinned long ago, not used since
    others = [_fake_store(stores, f"s{i}", 100 - i) for i in range(KEEP_STORES + 3)]
    _prune(stores, keep=others[-1])
    assert oldest.is_dir(), "the pinned store was pruned"
    assert sum(p.is_dir() for p in others) == KEEP_STORES
    pin.release()
    _prune(stores, keep=others[-1])
    assert not oldest.exists(), "a released pin still protects its store"


def test_a_pin_of_an_ended_process_is_stale(tmp_path):
    stores = tmp_path / "stores"
    folder = _fake_store(stores, "old", 1000)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (stores / PINS_DIR).mkdir()
    (stores / PINS_DIR / f"old.{dead}").write_text(dead, encoding="utf-8")
    assert pinned_stores(stores) == set()
    assert not (stores / PINS_DIR / f"old.{dead}").exists()
    for i in range(KEEP_STORES):
        _fake_store(stores, f"new{i}", i)
    _prune(stores, keep=stores / "new0")
    assert not folder.exists()


def test_prune_deletes_only_its_own_folders_and_follows_no_symlink(tmp_path):
    stores = tmp_path / "stores"
    foreign = _fake_store(stores, "not-a-store", 5000, marker=False)
    outside = tmp_path / "precious"
    _fake_store(tmp_path, "precious", 5000)
    (stores / "linked").symlink_to(outside, target_is_directory=True)
    for i in range(KEEP_STORES + 2):
        _fake_store(stores, f"s{i}", 100 - i)
    _prune(stores, keep=stores / f"s{KEEP_STORES + 1}")
    assert foreign.is_dir() and (foreign / "graph.nq").exists()
    assert outside.is_dir() and (outside / "graph.nq").exists() and (stores / "linked").is_symlink()
    assert sum((stores / f"s{i}").is_dir() for i in range(KEEP_STORES + 2)) == KEEP_STORES


def test_a_symlinked_stores_folder_is_never_pruned(tmp_path):
    real = tmp_path / "elsewhere"
    for i in range(KEEP_STORES + 3):
        _fake_store(real, f"s{i}", 100 - i)
    (tmp_path / "stores").symlink_to(real, target_is_directory=True)
    _prune(tmp_path / "stores", keep=real / f"s{KEEP_STORES + 2}")
    assert len(list(real.iterdir())) == KEEP_STORES + 3


def test_built_stores_carry_the_marker(store_cache):
    folder = get_store_dir(None)
    assert (folder / MARKER_FILE).is_file()


def test_the_server_pins_its_store_until_closed(store_cache):
    from ketamine_kg.app.server import close_server, make_server

    folder = get_store_dir(None)
    server = make_server(None, "127.0.0.1", 0, workers=1)
    try:
        assert folder.name in pinned_stores(folder.parent)
    finally:
        close_server(server)
    assert folder.name not in pinned_stores(folder.parent)
