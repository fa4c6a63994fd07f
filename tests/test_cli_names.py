"""Mistakes answer with an error, not silence: unknown entities, claims, classes, properties, query names,
a repeated --param; entities by label; `ketamine-kg list`; tables that fit the terminal."""

from __future__ import annotations

import os
import subprocess

import pytest

from helpers import cli_path, run_cli
from ketamine_kg.core.terms import Result, literal
from ketamine_kg.sparql.names import get_own_iris
from ketamine_kg.sparql.results import to_table

ERRORS = [
    (["query", "has-approval", "--param", "substance=foo"],
     "error: --param: substance=foo: no entity of the graph has this id, CURIE, IRI or label"),
    (["query", "claim-evidence", "--param", "claim_id=ketamine-treats-migrane"],
     "no claim has this id; did you mean 'ketamine-treats-migraine'"),
    (["query", "describe-claim", "--param", "claim_id=nothing-like-it-at-all"], "no claim has this id (ketamine-kg list claims)"),
    (["query", "receptors-of-substance", "-p", "substance=ketamine", "-p", "substance=esketamine"],
     "parameter 'substance' is given twice ('ketamine' and 'esketamine'); give it once"),
    (["query", "SELECT ?d WHERE { ?d a kkgo:Disordr }"], "error: query:1: the ontology has no class kkgo:Disordr; did you mean 'kkgo:Disorder'"),
    (["query", "SELECT ?d WHERE {\n ?d kkgo:treat ?x }"], "error: query:2: the ontology has no property kkgo:treat; did you mean 'kkgo:treats'"),
    (["query", "SELECT ?p WHERE { kkg:ketamin ?p ?o }"], "the graph has no entity kkg:ketamin; did you mean 'kkg:ketamine'"),
    (["query", "SELECT ?p WHERE { <https://w3id.org/ketamine-kg/entity/esketamin> ?p ?o }"],
     "the graph has no entity <https://w3id.org/ketamine-kg/entity/esketamin>; did you mean 'kkg:esketamine'"),
    (["query", "external_ids"], "unknown query 'external_ids'; did you mean 'external-ids'?"),
    (["render", "--query", "SELECT ?x WHERE { ?x a kkgo:Recepter }", "-o", "/dev/null"],
     "error: query:1: the ontology has no class kkgo:Recepter; did you mean 'kkgo:Receptor'"),
    (["render", "--query", "receptors-of-substance", "--param", "substance=ketamin", "-o", "/dev/null"],
     "substance=ketamin: no entity of the graph has this id, CURIE, IRI or label; did you mean 'ketamine'"),
]


@pytest.mark.parametrize("args,message", ERRORS, ids=[" ".join(a)[:60] for a, _ in ERRORS])
def test_a_mistake_is_an_error_naming_the_closest_names(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 1, proc.stdout
    assert message in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("building the graph store")]
    assert "Traceback" not in proc.stderr and len(lines) == 1, proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("value", ["Esketamine", "esketamine", "kkg:esketamine", "<https://w3id.org/ketamine-kg/entity/esketamine>",
                                   "https://w3id.org/ketamine-kg/entity/esketamine", "S-ketamine"])
def test_an_entity_is_read_by_id_curie_iri_or_label(value):
    by_value = run_cli("query", "neighbourhood", "--param", f"entity={value}", "--format", "csv", check=True)
    by_id = run_cli("query", "neighbourhood", "--param", "entity=esketamine", "--format", "csv", check=True)
    assert by_value.stdout == by_id.stdout and by_id.stdout.count("\n") > 2


def test_a_claim_is_read_by_id_curie_or_iri():
    iri = "https://w3id.org/ketamine-kg/claim/censored-brain-ketamine/ketamine-treats-migraine"
    by_iri = run_cli("query", "claim-evidence", "--param", f"claim_id=<{iri}>", "--format", "csv", check=True)
    by_id = run_cli("query", "claim-evidence", "--param", "claim_id=ketamine-treats-migraine", "--format", "csv", check=True)
    assert by_iri.stdout == by_id.stdout and "migraine" in by_id.stdout


def test_list_entities_claims_classes(dataset):
    entities = run_cli("list", "entities", check=True).stdout.splitlines()
    assert entities[0].split() == ["id", "label", "type", "other", "names"]
    ketamine = next(line for line in entities if line.startswith("ketamine "))
    assert "kkgo:Substance" in ketamine
    claims = run_cli("list", "claims", check=True).stdout
    assert "ketamine-antagonist-of-nmda-receptor" in claims and "ketamine is antagonist of NMDA receptor" in claims
    assert "under investigation" in claims and "hedged" in claims
    assert claims.count("\n") == len(dataset.claims) + 3  # header, rule, every claim, row count
    classes = run_cli("list", "classes", check=True).stdout
    nmda = next(line for line in classes.splitlines() if line.startswith("kkgo:NMDAReceptorAntagonist "))
    assert nmda.split()[-1] == "1"  # ketamine, by inference


def test_list_takes_a_corpus():
    one = run_cli("list", "claims", check=True).stdout
    corpus = run_cli("list", "claims", "--data", "graph/data", "--corpus", "tests/input/corpus", check=True,
                     cwd=os.path.dirname(os.path.dirname(__file__))).stdout
    assert corpus.count("\n") > one.count("\n")


def test_a_table_fits_the_width_asked_and_wide_cuts_nothing():
    full = run_cli("query", "claim-evidence", check=True).stdout
    fitted = run_cli("query", "claim-evidence", "--width", "80", check=True).stdout
    assert max(len(line) for line in full.splitlines()) > 100  # not a terminal: every cell whole
    assert max(len(line) for line in fitted.splitlines()) <= 80 and "…" in fitted
    wide = run_cli("query", "claim-evidence", "--width", "80", "--wide", check=True).stdout
    assert wide == full


def test_a_table_on_a_terminal_fits_the_terminal():
    leader, follower = os.openpty()
    env = dict(os.environ, COLUMNS="90", LINES="40")
    proc = subprocess.run([cli_path(), "query", "claim-evidence"], stdout=follower, stderr=subprocess.PIPE, env=env, timeout=60)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert proc.returncode == 0, proc.stderr
    lines = out.decode("utf-8").replace("\r", "").splitlines()
    assert len(lines) > 3 and max(len(line) for line in lines) <= 90


def test_to_table_never_cuts_below_the_floor():
    long = "x" * 200
    table = to_table(Result("select", ["quote"], [[literal(long)]]), {}, width=40)
    assert max(len(line) for line in table.splitlines()) == 40
    assert to_table(Result("select", ["quote"], [[literal(long)]]), {}) .count("x") == 200


def test_own_iris_skip_strings_comments_and_prefix_lines():
    text = 'PREFIX kkg: <https://w3id.org/ketamine-kg/entity/>\nSELECT * { kkg:a ?p "kkg:b" } # kkg:c\n'
    assert [w for _, w, _ in get_own_iris(text)] == ["kkg:a"]


def test_render_an_answer_that_is_not_a_graph_says_so(tmp_path):
    out = tmp_path / "counts.html"
    proc = run_cli("render", "--query", "claims-by-modality", "-o", str(out), check=True)
    assert "note: The answer of claims-by-modality names no entity" in proc.stderr
    assert "so it is not a graph" in out.read_text(encoding="utf-8")


def test_render_binds_a_parameter_by_label(tmp_path):
    out = tmp_path / "receptors.html"
    proc = run_cli("render", "--query", "receptors-of-substance", "--param", "substance=Ketamine", "-o", str(out), check=True)
    assert ": 2 nodes, 1 edges" in proc.stderr  # the substance, its receptor and the claim between them
    html = out.read_text(encoding="utf-8")
    assert '"label": "ketamine"' in html and '"label": "NMDA receptor"' in html


def test_an_alias_of_a_merged_entity_is_read_as_the_entity():
    root = os.path.dirname(os.path.dirname(__file__))
    corpus = ["--data", "graph/data", "--corpus", "tests/input/corpus", "--format", "csv"]
    by_alias = run_cli("query", "neighbourhood", "--param", "entity=nmdar", *corpus, cwd=root, check=True).stdout
    by_id = run_cli("query", "neighbourhood", "--param", "entity=nmda_receptor", *corpus, cwd=root, check=True).stdout
    assert by_alias == by_id and by_id.count("\n") > 2
