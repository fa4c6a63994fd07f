"""The console command, run as users run it: the installed `ketamine-kg` script."""

import json
import re

import pytest
from rdflib import Graph

from helpers import INPUT, run_cli
from ketamine_kg import __version__
from ketamine_kg.cli import COMMANDS


def test_version():
    proc = run_cli("--version", check=True)
    assert proc.stdout.strip() == f"ketamine-kg, version {__version__}"


def test_help_lists_commands_and_an_example():
    proc = run_cli("--help", check=True)
    assert "Examples:" in proc.stdout
    assert re.search(r"^\s+build\s", proc.stdout, re.M)
    assert re.search(r"^\s+export\s", proc.stdout, re.M)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_subcommand_help_shows_an_example(command):
    proc = run_cli(command, "--help", check=True)
    assert "Example" in proc.stdout, f"`ketamine-kg {command} --help` shows no example"
    assert f"ketamine-kg {command}" in proc.stdout


def test_build_writes_every_format_and_summarises(tmp_path):
    proc = run_cli("build", "--no-reason", "--no-render", "-o", str(tmp_path), check=True)
    assert re.search(r"^claims: \d+ \(asserted \d+, hedged \d+", proc.stdout, re.M)
    assert re.search(r"^entities: \d+ \(.*substance 3", proc.stdout, re.M)
    assert re.search(r"^triples: \d+ stated", proc.stdout, re.M)
    for name in ("ketamine-kg.ttl", "ketamine-kg.nt", "ketamine-kg.jsonld", "ketamine-kg.trig", "ketamine-kg.nq", "ketamine-kg.owl",
                 "ontology/ketamine-kg.owl", "ontology/ketamine-kg.ttl", "manifest.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["claims"] >= 40


def test_export_turtle_to_stdout_parses():
    proc = run_cli("export", "--format", "turtle", check=True)
    graph = Graph().parse(data=proc.stdout, format="turtle")
    assert len(graph) > 1000


def test_export_to_file(tmp_path):
    out = tmp_path / "g.nt"
    run_cli("export", "--format", "nt", "--no-reason", "-o", str(out), check=True)
    assert len(Graph().parse(out, format="nt")) > 1000


def test_data_option_runs_on_another_article(tmp_path):
    proc = run_cli("build", "--no-reason", "--no-render", "--data", str(INPUT / "tiny"), "-o", str(tmp_path), check=True)
    assert "claims: 4 (asserted 3, hedged 1)" in proc.stdout
    assert "A Small Note on Ketamine (Tiny Blog)" in proc.stdout


def test_missing_data_folder_is_one_line(tmp_path):
    proc = run_cli("build", "--data", str(tmp_path / "nope"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {tmp_path / 'nope'}: data folder not found"


def test_unknown_export_format_is_refused():
    proc = run_cli("export", "--format", "rdfa")
    assert proc.returncode == 2
    assert "Invalid value for '-f' / '--format'" in proc.stderr
