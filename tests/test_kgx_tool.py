"""The KGX export read by the ``kgx`` package itself: ``kgx validate`` and ``kgx transform``, offline.

kgx brings some 700 MB of dependencies, so it lives in a venv of its own:
``$KKG_KGX_VENV`` or ``.venv-kgx`` beside the checkout, made from
``scripts/kgx-requirements.txt`` (``.ci/run`` makes it). Without it these tests skip
and say so. ``scripts/kgx_offline.py`` points kgx at the Biolink model and contexts
that its pip packages ship, so nothing is downloaded.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from ketamine_kg.exports.kgx import KNOWLEDGE_SOURCE, get_kgx, get_kgx_metadata, write_kgx
from ketamine_kg.rdf.abox import get_data_graph
from ketamine_kg.rdf.biolink import BIOLINK_VERSION

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ROOT / "scripts" / "kgx_offline.py"
VENV = Path(os.environ.get("KKG_KGX_VENV", ROOT / ".venv-kgx"))
PYTHON = VENV / "bin" / "python"

pytestmark = pytest.mark.skipif(
    not PYTHON.exists(),
    reason=f"no kgx venv at {VENV} (python3 -m venv .venv-kgx && .venv-kgx/bin/pip install -r scripts/kgx-requirements.txt)",
)


def _kgx(prefix: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    context = prefix.with_name(prefix.name + "_context.jsonld")
    proc = subprocess.run([str(PYTHON), str(WRAPPER), "--context", str(context), *args], capture_output=True,
                          text=True, timeout=300, cwd=prefix.parent)
    assert proc.returncode == 0 or not check, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc


def _files(prefix: Path) -> tuple[str, str]:
    return str(prefix.with_name(prefix.name + "_nodes.tsv")), str(prefix.with_name(prefix.name + "_edges.tsv"))


def _write(dataset, folder: Path) -> tuple[Path, list[dict[str, str]]]:
    prefix = folder / "kkg"
    nodes, edges = get_kgx(dataset, get_data_graph(dataset))
    write_kgx(prefix, nodes, edges, get_kgx_metadata(dataset, len(nodes), len(edges)))
    return prefix, edges


@pytest.fixture(scope="module")
def negated_dataset(dataset):
    """The article with one asserted claim turned negative: the data has no negated claim of its own."""
    claims = list(dataset.claims)
    index = next(i for i, c in enumerate(claims) if c.object is not None and c.polarity == "positive")
    claims[index] = replace(claims[index], polarity="negative")
    return replace(dataset, claims=claims), claims[index]


def _report(proc: subprocess.CompletedProcess) -> dict:
    """The JSON error report kgx validate prints (``{}`` when there is nothing to report)."""
    stdout = proc.stdout + proc.stderr
    start = stdout.find("{")
    assert start >= 0, stdout[-2000:]
    return json.loads(stdout[start:stdout.rfind("}") + 1])


def test_kgx_validate_reports_no_error_and_no_warning(dataset, tmp_path):
    prefix, _ = _write(dataset, tmp_path)
    report = _report(_kgx(prefix, "validate", "-i", "tsv", *_files(prefix)))
    assert report == {}, json.dumps(report, indent=1)[:3000]


def test_kgx_validate_still_catches_an_unknown_prefix(dataset, tmp_path):
    """The check above can fail: a node CURIE outside every context is an error."""
    prefix, _ = _write(dataset, tmp_path)
    nodes_file = Path(_files(prefix)[0])
    nodes_file.write_text(nodes_file.read_text(encoding="utf-8").replace("kkg:ketamine\t", "nokkg:ketamine\t", 1),
                          encoding="utf-8")
    report = _report(_kgx(prefix, "validate", "-i", "tsv", *_files(prefix), check=False))
    assert "nokkg" in json.dumps(report.get("ERROR", {}))


def test_kgx_transform_to_tsv_keeps_columns_and_negation_only_where_true(negated_dataset, tmp_path):
    """In memory (no --stream) KGX keys edges by subject, predicate and object: only a same-triple pair merges.

    The article has one such pair (ketamine causes analgesia, once with the qualifier
    procedure=anaesthesia); README says to transform with --stream to keep both.
    """
    dataset, negated = negated_dataset
    prefix, edges = _write(dataset, tmp_path)
    _kgx(prefix, "transform", "-i", "tsv", "-f", "tsv", "-o", str(tmp_path / "out"), *_files(prefix))
    with (tmp_path / "out_edges.tsv").open(encoding="utf-8") as handle:
        back = {row["id"]: row for row in csv.DictReader(handle, delimiter="\t")}
    triples: dict[tuple[str, str, str], list[str]] = {}
    for edge in edges:
        triples.setdefault((edge["subject"], edge["predicate"], edge["object"]), []).append(edge["id"])
    assert all(ids[0] in back or ids[-1] in back for ids in triples.values())
    assert len(back) == len(triples)
    assert len(edges) - len(triples) <= 1, "a new same-triple pair: give it a distinct predicate or say so in README"
    negated_id = f"kkgc:{dataset.source.id}/{negated.id}"
    assert {i for i, row in back.items() if row.get("negated", "").lower() == "true"} == {negated_id}
    assert all(row["primary_knowledge_source"] == KNOWLEDGE_SOURCE for row in back.values())


def test_kgx_transform_to_json_keeps_every_edge_with_real_booleans(negated_dataset, tmp_path):
    """Streamed (--stream), every edge id comes back, and negated is a JSON true on the negated claim only."""
    dataset, negated = negated_dataset
    prefix, edges = _write(dataset, tmp_path)
    _kgx(prefix, "transform", "--stream", "-i", "tsv", "-f", "jsonl", "-o", str(tmp_path / "out"), *_files(prefix))
    back = [json.loads(line) for line in (tmp_path / "out_edges.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(e["id"] for e in back) == sorted(e["id"] for e in edges)
    assert {e["id"] for e in back if e.get("negated") is True} == {f"kkgc:{dataset.source.id}/{negated.id}"}
    assert all(e.get("negated") in (None, True) for e in back)
    assert {e["primary_knowledge_source"] for e in back} == {KNOWLEDGE_SOURCE}


CHECK_MODEL = """
import json, sys
from pathlib import Path
import biolink_model
from bmt import Toolkit
model = Path(next(iter(biolink_model.__path__)))
tk = Toolkit(str(model / "schema" / "biolink_model.yaml"), {"predicate mappings": []})
out = {"version": tk.get_model_version(), "terms": {}}
for curie in json.loads(sys.stdin.read()):
    element = tk.get_element(curie)
    out["terms"][curie] = None if element is None else {
        "name": element.name, "deprecated": bool(element.deprecated),
        "canonical": tk.is_predicate(curie) and (tk.has_inverse(curie) is False or
                     "canonical_predicate" in (element.annotations or {})),
        "predicate": tk.is_predicate(curie), "domain": element.domain if tk.is_predicate(curie) else None,
        "range": element.range if tk.is_predicate(curie) else None,
        "ancestors": tk.get_ancestors(curie, formatted=True, mixin=True),
    }
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def biolink_terms(dataset):
    """Every Biolink term of the alignments and the export, as the installed Biolink Model sees it."""
    from ketamine_kg.ontology.alignments import get_alignments
    from ketamine_kg.ontology.vocabulary import load_vocabulary

    nodes, edges = get_kgx(dataset)
    curies = {a.external_id for a in get_alignments(load_vocabulary()) if a.external_id.startswith("biolink:")}
    curies |= {e["predicate"] for e in edges} | {c for n in nodes for c in n["category"].split("|")}
    proc = subprocess.run([str(PYTHON), "-c", CHECK_MODEL], input=json.dumps(sorted(curies)), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout), nodes, edges


def test_alignments_name_terms_of_the_pinned_biolink_release(biolink_terms, dataset, tmp_path):
    found, _, _ = biolink_terms
    assert found["version"] == BIOLINK_VERSION
    missing = [c for c, t in found["terms"].items() if t is None or t["deprecated"]]
    assert not missing, f"not in Biolink {BIOLINK_VERSION} (or deprecated): {missing}"
    prefix, _ = _write(dataset, tmp_path)
    metadata = json.loads(prefix.with_name("kkg_metadata.json").read_text(encoding="utf-8"))
    assert metadata["biolink_version"] == BIOLINK_VERSION
    pin = (ROOT / "scripts" / "kgx-requirements.txt").read_text(encoding="utf-8")
    assert f"biolink-model=={BIOLINK_VERSION}" in pin


def test_edge_predicates_are_canonical_and_fit_biolink_domain_and_range(biolink_terms):
    """No edge uses a non-canonical predicate (participates in) or breaks a predicate's domain or range."""
    found, nodes, edges = biolink_terms
    terms = found["terms"]
    categories = {n["id"]: n["category"].split("|") for n in nodes}

    def fits(node_id: str, needed: str | None) -> bool:
        if needed is None:
            return True
        name = "biolink:" + "".join(w[:1].upper() + w[1:] for w in needed.split())
        return any(name == c or name in terms[c]["ancestors"] for c in categories[node_id])

    for edge in edges:
        term = terms[edge["predicate"]]
        assert term["predicate"] and term["canonical"], (edge["id"], edge["predicate"])
        assert fits(edge["subject"], term["domain"]), (edge["id"], edge["predicate"], "domain", term["domain"])
        assert fits(edge["object"], term["range"]), (edge["id"], edge["predicate"], "range", term["range"])
