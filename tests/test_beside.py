"""A big corpus writes its exports beside its pages (``ketamine_kg.app.beside``): the same files as one after the other."""

from __future__ import annotations

import os
import time

import pytest

from ketamine_kg.app.beside import can_fork, run_beside
from ketamine_kg.errors import KkgError

needs_fork = pytest.mark.skipif(not can_fork(), reason="needs fork and two cores: the job runs before the body here")


@needs_fork
def test_the_job_runs_in_another_process_while_the_body_runs():
    parent = os.getpid()
    with run_beside(lambda: (os.getpid(), time.sleep(0.3)), what="the test job") as done:
        assert done.result is None  # not waited for yet
    assert done.result[0] != parent


def test_without_fork_the_job_runs_first_here():
    ran = []
    with run_beside(lambda: ran.append("job") or os.getpid(), fork=False) as done:
        ran.append("body")
    assert ran == ["job", "body"] and done.result == os.getpid()


def _fails_with_a_data_error():
    raise KkgError("claims.yaml", 7, "unknown entity 'ketamin'")


def _fails_with_a_bug():
    return {}["missing"]


@needs_fork
def test_a_failed_job_fails_with_its_own_message_file_and_line():
    with pytest.raises(KkgError) as caught:
        with run_beside(_fails_with_a_data_error, what="the exports"):
            pass
    assert (caught.value.file, caught.value.line, caught.value.message) == ("claims.yaml", 7, "unknown entity 'ketamin'")
    with pytest.raises(RuntimeError, match="the exports failed: KeyError: 'missing'"):
        with run_beside(_fails_with_a_bug, what="the exports"):
            pass


@needs_fork
def test_a_failed_body_stops_the_job(tmp_path):
    mark = tmp_path / "job-finished"
    with pytest.raises(ValueError, match="the body broke"):
        with run_beside(lambda: (time.sleep(5), mark.write_text("done")), what="the job"):
            raise ValueError("the body broke")
    time.sleep(0.2)
    assert not mark.exists()


@needs_fork
def test_a_corpus_built_with_its_exports_beside_its_pages_has_the_same_files(tmp_path, monkeypatch):
    """Forked (the threshold lowered to the three-article corpus) and one after the other: byte for byte the same."""
    from helpers import INPUT

    from ketamine_kg.app import build
    from ketamine_kg.load.dataset import default_data_dir

    data = [default_data_dir(), INPUT / "corpus" / "memantine-note", INPUT / "corpus" / "sceptic-note"]
    built = {}
    for name, threshold in (("serial", 10**12), ("forked", 0)):
        monkeypatch.setattr(build, "FORK_EXPORTS_FROM", threshold)
        result = build.run_build(data, tmp_path / name, reason=False)
        built[name] = {p.relative_to(tmp_path / name): p.read_bytes() for p in result.files if p.name != "manifest.json"}
        assert "exports" in result.timings and "rendering and site" in result.timings
    assert built["forked"].keys() == built["serial"].keys()
    differ = sorted(str(p) for p in built["serial"] if built["serial"][p] != built["forked"][p])
    assert not differ, f"forked exports wrote other bytes: {differ}"
