"""The embedded graph store: the built graph kept on disk in Oxigraph, rebuilt only when stale.

``get_store_dir(data_dir)`` returns a folder holding the graph of the data folders as an
Oxigraph (RocksDB) store plus an N-Quads copy, building it first if needed. The folder is
named by a key: a SHA-256 over the bytes of the data files, the modules and tables that
shape the RDF, the library versions and whether a reasoner is available; nothing is parsed,
so ``ketamine-kg query`` tells in milliseconds that the store is current.

Stores live in ``$KETAMINE_KG_CACHE``, else ``$XDG_CACHE_HOME/ketamine-kg``, else
``~/.cache/ketamine-kg``, each built in a temporary folder and renamed into place when
complete; the few most recently used are kept. Pruning removes only folders this module
made (they hold a :data:`MARKER_FILE`), never a symlink or what one points to, never a
store a running server has pinned (:func:`pin_store`).

Every store is checked before use (:func:`check_store`) against its :data:`MANIFEST_FILE`
(key, N-Quads SHA-256, Oxigraph file sizes); one that disagrees is rebuilt, and anything
planted under the key is moved aside, never deleted or followed. The builder is passed in
(``builder=``); without one it is :func:`ketamine_kg.rdf.graphset.get_graphs`, imported
only when a store is built (a query on a current store never loads rdflib).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ketamine_kg.core.version import __version__
from ketamine_kg.errors import KkgError, StoreError

# Builds the graph set of a data folder: (data_dir, reason) -> (dataset, rdf_dataset, n_inferred, notes).
Builder = Callable[[Any, bool], tuple[Any, Any, int, list[str]]]

STORE_FORMAT = 3  # bump when the layout of a store folder changes (2: union materialised in the default graph; 3: prefixes.json)
KEEP_STORES = 4
OXIGRAPH_DIR = "oxigraph"
NQUADS_FILE = "graph.nq"
INFO_FILE = "info.json"
PREFIXES_FILE = "prefixes.json"  # the build's prefix bindings, so a dataset read back serialises as the build's did
MANIFEST_FILE = "manifest.json"  # the store's key and checksums, written last: see check_store
MARKER_FILE = ".ketamine-kg-store"  # written into every store folder this module builds: prune deletes only these
PINS_DIR = ".pins"  # under stores/: one file per running process that must keep a store ("<store>.<pid>")

# The rooms whose code and tables shape the RDF: everything under them is hashed, so no
# hand-kept list can miss a module (the build imports nothing from the rooms above them).
SHAPING_ROOMS = ("ketamine_kg.core", "ketamine_kg.ontology", "ketamine_kg.load", "ketamine_kg.rdf")
# Files beside the rooms that shape the RDF too: the errors module and the prefix map.
SHAPING_FILES = ("errors.py", "prefixes.tsv", "store.py")
SHAPING_SUFFIXES = (".py", ".yaml", ".tsv", ".txt", ".json")
# Libraries whose behaviour shapes what is stored: their versions are part of the key.
KEY_LIBRARIES = ("rdflib", "owlready2", "pyoxigraph", "owlrl", "PyYAML", "curies")


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).resolve().parent


def get_shaping_files() -> list[tuple[str, Path]]:
    """Every file whose content shapes the stored graph, as (label, path), in a stable order."""
    found: list[tuple[str, Path]] = []
    for room in SHAPING_ROOMS:
        folder = _package_dir(room)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in SHAPING_SUFFIXES and "__pycache__" not in path.parts:
                found.append((f"{room}/{path.relative_to(folder).as_posix()}", path))
    top = _package_dir("ketamine_kg")
    for name in SHAPING_FILES:
        if (top / name).is_file():
            found.append((f"ketamine_kg/{name}", top / name))
    return found


def get_library_versions() -> dict[str, str]:
    """The installed version of each library in :data:`KEY_LIBRARIES` (``none`` when missing)."""
    versions = {}
    for dist in KEY_LIBRARIES:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "none"
    return versions


def get_cache_dir() -> Path:
    """The folder that holds the stores (see the module docstring for how it is chosen)."""
    if os.environ.get("KETAMINE_KG_CACHE"):
        return Path(os.environ["KETAMINE_KG_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ketamine-kg"


def reasoner_available() -> bool:
    """Whether the reasoner module is installed (the store then holds the inferred graph)."""
    return importlib.util.find_spec("ketamine_kg.ontology.reason") is not None


def resolve_data_dirs(data_dirs: Path | str | Sequence[Path | str] | None) -> list[Path]:
    """The data folders of a store: one, several (a corpus, in the order given), or the built-in article's."""
    if data_dirs is None or isinstance(data_dirs, (str, Path)):
        return [resolve_data_dir(data_dirs)]
    return [resolve_data_dir(Path(d)) for d in data_dirs] or [resolve_data_dir(None)]


def resolve_data_dir(data_dir: Path | str | None) -> Path:
    """The data folder to use: ``data_dir``, or the built-in article's."""
    if data_dir is None:
        # lazy: the loader pulls YAML and the vocabulary; the query workers, which import
        # this module for load_quads alone, start measurably faster without them
        from ketamine_kg.load.dataset import default_data_dir

        return default_data_dir()
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise KkgError(data_dir, None, "no such data folder")
    return data_dir


def get_store_key(data_dir: Path | str | Sequence[Path | str] | None = None) -> str:
    """The hex SHA-256 that names the store of ``data_dir``: it changes when data, vocabulary or code change.

    Only file names and bytes are hashed; nothing is parsed.
    """
    folders = resolve_data_dirs(data_dir)
    digest = hashlib.sha256()
    digest.update(f"store-format {STORE_FORMAT}\nversion {__version__}\nreasoner {reasoner_available()}\n".encode())

    def add(label: str, path: Path) -> None:
        digest.update(f"\0{label}\0{path.name}\0".encode())
        digest.update(path.read_bytes())

    for n, folder in enumerate(folders):
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
            add("data" if n == 0 else f"data{n}", path)
    for label, path in get_shaping_files():
        add(label, path)
    for dist, version in sorted(get_library_versions().items()):
        digest.update(f"\0library\0{dist}\0{version}".encode())
    return digest.hexdigest()


def default_builder(data_dir: Path | list[Path] | None, reason: bool) -> tuple[Any, Any, int, list[str]]:
    """The builder used when none is given: :func:`ketamine_kg.rdf.graphset.get_graphs`."""
    from ketamine_kg.rdf.graphset import get_graphs  # heavy: rdflib, only when a store is built
    return get_graphs(data_dir, reason=reason)


def load_quads(store: Any, data: bytes | None = None, *, path: str | Path | None = None, on_disk: bool = False) -> None:
    """Load N-Quads into an Oxigraph ``store`` and copy every named graph into its default graph.

    The named graphs stay (``GRAPH`` tells stated from inferred); the default graph becomes
    their union, materialised: Oxigraph plans it far better than ``use_default_graph_as_union``
    (125,000 triples: approvals 3.9 s -> 6 ms). In memory the copy is one SPARQL update; on
    disk (``on_disk=True``) that would be one RocksDB transaction held in memory, so each
    graph is bulk-loaded instead.
    """
    import pyoxigraph as ox  # heavy: a native library

    if path is not None:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    else:
        store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    if not on_disk:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        return
    for graph in list(store.named_graphs()):
        triples = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        store.bulk_load(triples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())


def build_store(data_dir: Path | list[Path] | None, target: Path, builder: Builder | None = None) -> dict:
    """Build the graph of ``data_dir`` (reasoned, where the reasoner is installed) into the empty folder ``target``.

    ``builder`` makes the graph set (default: :func:`default_builder`). Returns the
    store's info: key, triple counts per named graph, reasoner notes.
    """
    import pyoxigraph  # heavy: a native library

    from ketamine_kg.rdf.graphset import collector_paused  # heavy: rdflib, only when a store is built
    from ketamine_kg.rdf.oxigraph import get_quads

    reason = reasoner_available()
    start = time.perf_counter()
    _, rdf_dataset, n_inferred, notes = (builder or default_builder)(data_dir, reason)
    with collector_paused():  # (the builder pauses it too) Oxigraph's writer: rdflib's writes a few thousand quads a second
        nquads = pyoxigraph.serialize(get_quads(rdf_dataset), format=pyoxigraph.RdfFormat.N_QUADS)
    assert nquads is not None  # with no output given, Oxigraph returns the bytes
    (target / NQUADS_FILE).write_bytes(nquads)
    (target / PREFIXES_FILE).write_text(json.dumps([[p, str(iri)] for p, iri in rdf_dataset.namespaces()]) + "\n", encoding="utf-8")
    store = pyoxigraph.Store(str(target / OXIGRAPH_DIR))
    load_quads(store, nquads, on_disk=True)
    store.flush()
    graphs = {str(g.identifier): len(g) for g in rdf_dataset.graphs() if len(g)}
    del store
    if not reason:
        notes = list(notes) + ["the reasoner is not installed: the store has no inferred graph"]
    info = {
        "format": STORE_FORMAT,
        "version": __version__,
        "data": [str(Path(d).resolve()) for d in (data_dir if isinstance(data_dir, list) else [data_dir])] if data_dir else None,
        "reasoned": reason,
        "inferred": n_inferred,
        "graphs": graphs,
        "notes": notes,
        "seconds": round(time.perf_counter() - start, 3),
    }
    (target / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def _oxigraph_files(folder: Path) -> dict[str, int]:
    """Name -> size of the Oxigraph (RocksDB) files in ``folder``, less the ones RocksDB rewrites when opened."""
    return {p.name: p.stat().st_size for p in sorted((folder / OXIGRAPH_DIR).iterdir())
            if p.is_file() and not p.name.startswith(("LOCK", "LOG"))}  # RocksDB rewrites these on any open


def _nquads_sha256(folder: Path) -> str:
    return hashlib.sha256((folder / NQUADS_FILE).read_bytes()).hexdigest()


def write_manifest(folder: Path, key: str) -> None:
    """Record ``key`` and the checksums of the store just built in ``folder`` (its last file)."""
    manifest = {"key": key, "nquads_sha256": _nquads_sha256(folder), "oxigraph_files": _oxigraph_files(folder)}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def _ours(folder: Path) -> bool:
    marker = folder / MARKER_FILE
    return not folder.is_symlink() and folder.is_dir() and marker.is_file() and not marker.is_symlink()


def check_store(folder: Path, key: str) -> str | None:
    """Why the store in ``folder`` cannot serve as the store of ``key`` (marker, key, checksums), or None."""
    if not _ours(Path(folder)):
        return "it was not made by ketamine-kg (a symlink, or no store marker)"
    try:
        manifest = json.loads((Path(folder) / MANIFEST_FILE).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or manifest.get("key") != key:
            return "its manifest names another key"
        if (Path(folder) / NQUADS_FILE).is_symlink() or manifest.get("nquads_sha256") != _nquads_sha256(Path(folder)):
            return f"its {NQUADS_FILE} does not match the manifest's checksum"
        if manifest.get("oxigraph_files") != _oxigraph_files(Path(folder)):
            return "its Oxigraph files are not the ones the manifest lists"
    except FileNotFoundError as exc:
        return f"{Path(exc.filename or '?').name} is missing"
    except (OSError, ValueError) as exc:
        return f"it cannot be read ({type(exc).__name__})"
    return None


def _discard(folder: Path, why: str, on_build: Callable[[str], None] | None) -> None:
    """Clear the way for a rebuild of ``folder``: delete a store of ours, move anything else aside (never follow it)."""
    note = "it is rebuilt"
    if _ours(folder):
        shutil.rmtree(folder, ignore_errors=True)
    else:
        aside = folder.with_name(f".not-a-store-{folder.name}-{os.getpid()}-{int(time.time())}")
        try:
            os.rename(folder, aside)
        except OSError as exc:
            raise StoreError(folder, None, f"not a usable store ({why}) and it cannot be moved aside: {exc.strerror}") from None
        note = f"it was moved aside to {aside.name}"
    if on_build:
        on_build(f"the store {folder} was not usable ({why}): {note}")


def get_store_dir(data_dir: Path | None = None, *, cache_dir: Path | None = None, rebuild: bool = False,
                  on_build: Callable[[str], None] | None = None, builder: Builder | None = None) -> Path:
    """The folder of the current store of ``data_dir``, built first if missing or stale.

    ``on_build(message)`` is called before a build starts (for a progress line);
    ``builder`` makes the graph set when one is needed (default: :func:`default_builder`).
    """
    folders = resolve_data_dirs(data_dir)
    to_build: Path | list[Path] = folders[0] if len(folders) == 1 else folders
    key = get_store_key(folders)
    root = Path(cache_dir) if cache_dir else get_cache_dir()
    final = root / "stores" / key[:24]
    problem = check_store(final, key) if os.path.lexists(final) else None
    if problem is not None:
        _discard(final, problem, on_build)
    elif final.is_dir() and not rebuild:
        _touch(final)
        return final
    try:
        root.joinpath("stores").mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=root / "stores"))
    except OSError as exc:
        raise StoreError(root, None, f"cannot write the store cache: {exc.strerror} (set KETAMINE_KG_CACHE to a writable folder)") from None
    if on_build:
        on_build(f"building the graph store of {', '.join(str(f) for f in folders)} (the data or code changed) ...")
    try:
        (tmp / MARKER_FILE).write_text(f"{key}\n", encoding="utf-8")
        build_store(to_build, tmp, builder)
        write_manifest(tmp, key)
        if rebuild and final.is_dir() and not final.is_symlink():
            shutil.rmtree(final, ignore_errors=True)
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():  # not lost to a concurrent build of the same key
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _prune(root / "stores", keep=final)
    return final


def open_store(data_dir: Path | None = None, **kwargs: Any) -> Any:
    """The current store of ``data_dir`` opened read-only (many may read at once); ``kwargs`` go to :func:`get_store_dir`."""
    import pyoxigraph  # heavy: a native library

    for attempt in (1, 2):  # RocksDB may find a store corrupt that the manifest passed: rebuild it once
        folder = get_store_dir(data_dir, **dict(kwargs, rebuild=kwargs.get("rebuild", False) or attempt == 2))
        try:
            return pyoxigraph.Store.read_only(str(folder / OXIGRAPH_DIR))
        except OSError as exc:
            error = exc
    raise StoreError(folder, None, f"cannot open the graph store: {' '.join(str(error).split())[:200]}; delete the folder") from None


def load_memory_store(data_dir: Path | None = None, **kwargs: Any) -> Any:
    """A fresh in-memory Oxigraph store with the graph of ``data_dir``; ``kwargs`` go to :func:`get_store_dir`."""
    import pyoxigraph  # heavy: a native library

    folder = get_store_dir(data_dir, **kwargs)
    store = pyoxigraph.Store()
    load_quads(store, path=folder / NQUADS_FILE)
    return store


def load_rdf_dataset(data_dir: Path | None = None, **kwargs: Any) -> Any:
    """The current store's graph of ``data_dir`` as an rdflib Dataset: the build's named graphs, prefixes and blank nodes.

    The store is built first where it is missing or stale (``kwargs`` go to
    :func:`get_store_dir`); where it is current this reads the kept N-Quads instead of
    rebuilding and reasoning (about 0.3 s on the article, against 3 s with HermiT).
    """
    from ketamine_kg.rdf.nquads import read_nquads_dataset  # heavy: rdflib

    folder = get_store_dir(data_dir, **kwargs)
    prefixes = json.loads((folder / PREFIXES_FILE).read_text(encoding="utf-8"))  # [[prefix, iri], ...]
    return read_nquads_dataset(folder / NQUADS_FILE, prefixes)


def get_store_info(folder: Path) -> dict:
    """The info written when the store in ``folder`` was built."""
    return json.loads((Path(folder) / INFO_FILE).read_text(encoding="utf-8"))


def _touch(folder: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only cache still serves
        os.utime(folder)


class StorePin:
    """A running process's claim on one store: while it exists, :func:`_prune` keeps the store."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def release(self) -> None:
        """Drop the pin (idempotent)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.path = None


def pin_store(folder: Path) -> StorePin:
    """Pin the store in ``folder`` for as long as this process lives (or until ``release()``).

    The pin is a file ``stores/.pins/<store>.<pid>``; a pin whose process has ended is
    stale and ignored (and removed) by the next prune. A cache that cannot be written
    gives an unpinned store, never an error.
    """
    folder = Path(folder)
    _touch(folder)
    pins = folder.parent / PINS_DIR
    try:
        pins.mkdir(exist_ok=True)
        path = pins / f"{folder.name}.{os.getpid()}"
        path.write_text(f"{os.getpid()}\n", encoding="utf-8")
    except OSError:
        return StorePin(None)
    return StorePin(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # it exists, owned by someone else
    return True


def pinned_stores(stores: Path) -> set[str]:
    """The names of the stores under ``stores`` that a living process has pinned (stale pins are removed)."""
    names: set[str] = set()
    pins = stores / PINS_DIR
    if pins.is_symlink() or not pins.is_dir():
        return names
    for pin in pins.iterdir():
        name, _, pid = pin.name.rpartition(".")
        if pid.isdigit() and _alive(int(pid)):
            names.add(name)
        elif not pin.is_symlink():
            with contextlib.suppress(OSError):
                pin.unlink()
    return names


def _prune(stores: Path, keep: Path) -> None:
    """Remove all but the ``KEEP_STORES`` most recently used stores (never ``keep``, never a pinned one).

    Only real folders holding :data:`MARKER_FILE` count: a symlink (to a folder or as
    ``stores`` itself) is never followed, a folder someone else put there is never deleted.
    """
    try:
        if stores.is_symlink():
            return
        pinned = pinned_stores(stores)
        folders = []
        for entry in os.scandir(stores):
            if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                continue
            marker = Path(entry.path) / MARKER_FILE
            if marker.is_file() and not marker.is_symlink():
                folders.append((entry.stat(follow_symlinks=False).st_mtime, Path(entry.path)))
        folders.sort(reverse=True)
    except OSError:
        return
    for _, old in folders[KEEP_STORES:]:
        if old != keep and old.name not in pinned:
            shutil.rmtree(old, ignore_errors=True)
