"""The command line against attackers: the table of hostile commands, no outbound request, a store that is checked.

- Every row of ``tests/hostile_cli.yaml`` exits with exactly its status and message, and
  what it names afterwards holds (a FIFO, a symlink, /dev/null are written through and
  stay what they were; a new file has the umask's mode).
- While the whole table runs, and while local engines are asked SERVICE and FROM on a
  loopback port, a listener on that port receives no connection; with
  ``allow_service`` the same SERVICE does connect (so the refusal is what stops it).
- A store whose manifest is missing or disagrees is rebuilt; a folder or symlink planted
  under the store's key is moved aside, never followed or deleted.
- Two builds into one folder at once end as one whole build; a rebuild with other data
  removes the previous article's pages and nothing else.

All traffic is to loopback; every wait has a timeout.
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import stat
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from helpers import INPUT, cli_path, run_cli

TABLE = Path(__file__).parent / "hostile_cli.yaml"
ROWS = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
TINY = INPUT / "tiny"


def _no_connection(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


@pytest.fixture(scope="module")
def web(listener):
    """A loopback web server: /moved redirects to ftp: (with an escape sequence), anything else is a 500 with a secret body."""
    port = listener.getsockname()[1]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/moved"):
                self.send_response(302)
                self.send_header("Location", f"ftp://127.0.0.1:{port}/\x1b[31mx")
                self.end_headers()
                return
            self.send_response(500, "Broken\x1b[2J")
            self.end_headers()
            self.wfile.write(b"SECRET internal page \x1b[31m")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _setup(kind: str | None, folder: Path) -> dict:
    state: dict = {}
    if kind == "fifo":
        os.mkfifo(folder / "fifo")
        got: list[bytes] = []

        def read():
            with open(folder / "fifo", "rb") as pipe:
                got.append(pipe.read())

        state["reader"] = threading.Thread(target=read, daemon=True)
        state["reader"].start()
        state["got"] = got
    elif kind == "symlink":
        (folder / "link").symlink_to("real")
    elif kind == "file":
        (folder / "file").write_text("keep me", encoding="utf-8")
    return state


def _after(kind: str | None, folder: Path, state: dict) -> None:
    if kind == "fifo":
        state["reader"].join(timeout=30)
        assert stat.S_ISFIFO(os.lstat(folder / "fifo").st_mode), "the FIFO was replaced"
        assert state["got"] and b"kkgo:" in state["got"][0], "the FIFO's reader got nothing"
    elif kind == "symlink":
        assert (folder / "link").is_symlink(), "the symlink was replaced"
        assert b"kkgo:" in (folder / "real").read_bytes()
    elif kind == "devnull":
        assert stat.S_ISCHR(os.lstat("/dev/null").st_mode), "/dev/null is no longer a device"
    elif kind == "umask":
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE((folder / "out").stat().st_mode) == 0o666 & ~umask
    elif kind == "file":
        assert (folder / "file").read_text(encoding="utf-8") == "keep me"


def test_table_covers_every_attack():
    assert len(ROWS) >= 30
    assert len({r["name"] for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_hostile_command(row, tmp_path, listener, web):
    port = str(listener.getsockname()[1])

    def fill(text: str) -> str:
        return (text.replace("{TMP}", str(tmp_path)).replace("{TINY}", str(TINY))
                .replace("{PORT}", port).replace("{HTTP}", web))

    state = _setup(row.get("setup"), tmp_path)
    proc = run_cli(*[fill(a) for a in row["args"]], cwd=tmp_path, timeout=180)
    shown = f"\nstdout: {proc.stdout[-2000:]!r}\nstderr: {proc.stderr[-2000:]!r}"
    assert proc.returncode == row["exit"], f"exit {proc.returncode}, expected {row['exit']}{shown}"
    assert "Traceback" not in proc.stderr, shown
    if row["exit"] == 1:
        assert sum(line.startswith("error:") for line in proc.stderr.splitlines()) == 1, shown
    for stream in ("stderr", "stdout"):
        if stream in row:
            assert fill(row[stream]) in getattr(proc, stream), f"{stream} lacks {fill(row[stream])!r}{shown}"
    for fragment in row.get("absent", []):
        assert fragment not in proc.stdout + proc.stderr, f"{fragment!r} was printed{shown}"
    _after(row.get("after"), tmp_path, state)
    assert _no_connection(listener), "a command connected to the loopback listener"


def test_local_engines_make_no_connection(listener, stated_graphs):
    import pyoxigraph as ox

    from ketamine_kg.errors import RefusedQueryError
    from ketamine_kg.sparql.catalogue import parse_query
    from ketamine_kg.sparql.engines import MemoryEngine, OxigraphEngine

    port = listener.getsockname()[1]
    attacks = [f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
               f"SELECT * FROM <http://127.0.0.1:{port}/g> WHERE {{ ?s ?p ?o }}",
               f"SELECT * FROM NAMED <http://127.0.0.1:{port}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"]
    engines = [OxigraphEngine(ox.Store()), MemoryEngine(stated_graphs[1])]
    for engine in engines:
        for text in attacks:
            with pytest.raises(RefusedQueryError, match="is refused"):
                engine.run(parse_query(text, "attack"))
    assert _no_connection(listener)
    # rdflib, even asked directly, no longer fetches a FROM graph it lacks
    import rdflib

    engines[1].dataset.query(f"ASK FROM <http://127.0.0.1:{port}/g> {{ ?s ?p ?o }}")
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False
    assert _no_connection(listener)


def test_allow_service_does_connect(listener):
    """The flag is what lets SERVICE out: with it, Oxigraph connects to the listener."""
    import pyoxigraph as ox

    from ketamine_kg.errors import KkgError
    from ketamine_kg.sparql.catalogue import parse_query
    from ketamine_kg.sparql.engines import OxigraphEngine

    port = listener.getsockname()[1]
    query = parse_query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}", "federated")
    outcome: list = []

    def run():
        try:
            outcome.append(OxigraphEngine(ox.Store(), allow_service=True).run(query))
        except KkgError as exc:
            # the type alone: the exception's traceback holds the engine's frames and with them
            # pyoxigraph's query solutions, which must be dropped in the thread that made them
            outcome.append(type(exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    listener.settimeout(30)
    try:
        conn, _ = listener.accept()
    finally:
        listener.setblocking(False)
    conn.close()  # no answer: the engine's request fails
    thread.join(timeout=30)
    assert outcome and issubclass(outcome[0], KkgError)


# --- the store cache is checked ------------------------------------------------------------

@pytest.fixture()
def quick_builder(stated_graphs):
    calls: list = []

    def build(data_dir, reason):
        calls.append(data_dir)
        return stated_graphs

    build.calls = calls  # type: ignore[attr-defined]
    return build


def test_store_has_a_manifest_and_a_corrupt_one_is_rebuilt(tmp_path, quick_builder):
    from ketamine_kg.store import MANIFEST_FILE, NQUADS_FILE, check_store, get_store_dir, get_store_key

    key = get_store_key(TINY)
    folder = get_store_dir(TINY, cache_dir=tmp_path, builder=quick_builder)
    assert check_store(folder, key) is None
    assert len(quick_builder.calls) == 1
    assert get_store_dir(TINY, cache_dir=tmp_path, builder=quick_builder) == folder
    assert len(quick_builder.calls) == 1  # current: not rebuilt
    good = (folder / NQUADS_FILE).read_bytes()
    (folder / NQUADS_FILE).write_bytes(good + b"<http://x/planted> <http://x/p> <http://x/o> .\n")
    assert "checksum" in check_store(folder, key)
    notes: list[str] = []
    assert get_store_dir(TINY, cache_dir=tmp_path, builder=quick_builder, on_build=notes.append) == folder
    assert len(quick_builder.calls) == 2 and (folder / NQUADS_FILE).read_bytes() == good
    assert any("not usable" in n and "checksum" in n for n in notes)
    (folder / MANIFEST_FILE).unlink()
    assert "manifest.json is missing" in check_store(folder, key)
    get_store_dir(TINY, cache_dir=tmp_path, builder=quick_builder)
    assert len(quick_builder.calls) == 3 and check_store(folder, key) is None


@pytest.mark.parametrize("planted", ["folder", "symlink"])
def test_a_planted_store_is_moved_aside_never_served(tmp_path, quick_builder, planted):
    from ketamine_kg.store import check_store, get_store_dir, get_store_key

    key = get_store_key(TINY)
    stores = tmp_path / "stores"
    stores.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "graph.nq").write_text("<http://x/planted> <http://x/p> <http://x/o> .\n", encoding="utf-8")
    final = stores / key[:24]
    if planted == "folder":
        shutil.copytree(elsewhere, final)
    else:
        final.symlink_to(elsewhere)
    assert check_store(final, key) is not None
    folder = get_store_dir(TINY, cache_dir=tmp_path, builder=quick_builder)
    assert folder == final and not final.is_symlink() and check_store(final, key) is None
    aside = [p for p in stores.iterdir() if p.name.startswith(".not-a-store-")]
    assert len(aside) == 1 and (aside[0] / "graph.nq").read_text(encoding="utf-8").startswith("<http://x/planted>")
    assert (elsewhere / "graph.nq").is_file()  # what the symlink pointed at is untouched


# --- builds own their folder ----------------------------------------------------------------

def test_two_builds_at_once_end_whole(tmp_path):
    out = tmp_path / "out"
    memantine = INPUT / "corpus" / "memantine-note"
    procs = [subprocess.Popen([cli_path(), "build", "--no-reason", "--no-render", "--data", str(data), "-o", str(out)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for data in (TINY, memantine)]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    owned = json.loads((out / ".ketamine-kg-build.json").read_text(encoding="utf-8"))["files"]
    assert all((out / f).is_file() for f in owned)
    turtle = (out / "ketamine-kg.ttl").read_text(encoding="utf-8")
    assert f"source/{manifest['source']}" in turtle  # every file from the same build
    other = "memantine-note" if manifest["source"] != "memantine-note" else None
    if other:
        assert "source/memantine-note>" not in turtle


def test_a_rebuild_removes_its_own_stale_pages_only(tmp_path):
    out = tmp_path / "out"
    run_cli("build", "--no-reason", "--data", str(TINY), "-o", str(out), check=True)
    first = {p.name for p in out.iterdir()}
    (out / "my-notes.txt").write_text("mine", encoding="utf-8")
    run_cli("build", "--no-reason", "--data", str(INPUT / "corpus" / "memantine-note"), "-o", str(out), check=True)
    second = {p.name for p in out.iterdir()}
    assert "memantine.html" in second and (out / "my-notes.txt").read_text(encoding="utf-8") == "mine"
    stale = first - second - {"my-notes.txt"}
    assert stale == set() or all(not (out / n).exists() for n in stale)
    assert "ketamine.html" in first and "ketamine.html" not in second  # the tiny article's focus page is gone
