"""A build that cannot finish leaves the previous build whole: full disk, kill, bad folder."""

import errno
import signal
import subprocess
import time
from pathlib import Path

import pytest
from rdflib import Graph

from helpers import cli_path, run_cli, snapshot
from ketamine_kg.errors import KkgError
from ketamine_kg.app.build import run_build


@pytest.fixture()
def built(tmp_path):
    out = tmp_path / "build"
    run_build(None, out, reason=False, render=False)
    return out


def test_full_disk_keeps_the_previous_build(built, monkeypatch):
    before = snapshot(built)
    real_write_bytes = Path.write_bytes

    def write_bytes(self, data):
        if ".staging-" in str(self) and self.name.endswith(".nt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    with pytest.raises(KkgError, match="No space left on device; the previous build is untouched"):
        run_build(None, built, reason=False, render=False)
    monkeypatch.undo()
    assert snapshot(built) == before
    assert not list(built.glob(".staging-*"))


def test_output_folder_that_is_a_file(tmp_path):
    target = tmp_path / "not-a-folder"
    target.write_text("a file")
    proc = run_cli("build", "--no-reason", "--no-render", "-o", str(target))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: {target}: is not a folder: a build writes a folder of files (give -o DIR)"]


def test_interrupted_build_leaves_previous_files_valid(built):
    """Kill a build at several moments; every file of the previous build still parses."""
    before = snapshot(built)
    for delay in (0.3, 0.6, 0.9):
        proc = subprocess.Popen([cli_path(), "build", "--no-reason", "--no-render", "-o", str(built)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for name in ("ketamine-kg.ttl", "ketamine-kg.nt"):
            Graph().parse(built / name)  # whole and parseable: old or new, never half
        assert {k for k in snapshot(built) if not k.startswith(".staging-")} == set(before)
    # The next build clears what the killed ones left behind.
    run_build(None, built, reason=False, render=False)
    assert not list(built.glob(".staging-*"))


def test_a_build_pauses_the_garbage_collector_and_gives_it_back_even_when_it_fails(built, monkeypatch):
    import gc

    import ketamine_kg.app.build as build

    seen = []
    real = build.build_graph_set

    def build_graph_set(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "build_graph_set", build_graph_set)
    assert gc.isenabled()
    run_build(None, built, reason=False, render=False)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(KkgError):
        run_build(None, built / "manifest.json", reason=False, render=False)  # a file where the folder should be
    assert gc.isenabled()
    gc.disable()
    try:
        run_build(None, built, reason=False, render=False)
        assert not gc.isenabled(), "a caller's paused collector stays paused"
    finally:
        gc.enable()
