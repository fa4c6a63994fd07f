"""The build: curated data in, every output file out, nothing half-written.

``run_build(data_dir, out_dir)`` loads and checks the data, builds the RDF graph and
the ontology, reasons over them, writes every export and page into a staging folder,
and only then moves the files into ``out_dir``. Each stage's time is recorded.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import rdflib

from ketamine_kg.core.atomic import StagedDirectory
from ketamine_kg.core.model import Dataset
from ketamine_kg.rdf.graphset import get_graphs, sorted_triples, timed

GRAPH_BASENAME = "ketamine-kg"


@dataclass
class BuildResult:
    """What a build made: the data, the graphs, the files and how long each stage took."""

    dataset: Dataset
    rdf_dataset: rdflib.Dataset
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    triples: int = 0
    inferred: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A short report: claims, entities by type, triples, files."""
        ds = self.dataset
        by_type = Counter(e.type for e in ds.entities.values())
        by_modality = Counter(c.modality for c in ds.claims)
        lines = [
            f"article: {ds.source.title} ({ds.source.site})",
            f"claims: {len(ds.claims)} (" + ", ".join(f"{k} {v}" for k, v in sorted(by_modality.items())) + ")",
            f"entities: {len(ds.entities)} (" + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())) + ")",
            f"triples: {self.triples} stated" + (f", {self.inferred} inferred" if self.inferred else ""),
            f"mappings: {sum(1 for m in ds.mappings if not m.is_no_match)} external links",
        ]
        lines += self.notes
        total = sum(self.timings.values())
        lines.append(f"wrote {len(self.files)} files in {total:.2f} s")
        return "\n".join(lines)






def run_build(data_dir: Path | None, out_dir: Path, *, reason: bool = True, render: bool = True) -> BuildResult:
    """Build every output of the article into ``out_dir``."""
    from ketamine_kg.exports.rdf_formats import FORMATS, to_bytes, to_rdf_xml

    timings: dict[str, float] = {}
    dataset, rdf_dataset, n_inferred, notes = get_graphs(data_dir, reason=reason, timings=timings)
    result = BuildResult(dataset=dataset, rdf_dataset=rdf_dataset, timings=timings, inferred=n_inferred, notes=notes)
    result.triples = sum(len(g) for g in rdf_dataset.graphs() if not str(g.identifier).endswith("/inferred"))
    with StagedDirectory(out_dir) as stage:
        with timed(timings, "exports"):
            for fmt, (_, ext, _) in FORMATS.items():
                (stage / f"{GRAPH_BASENAME}.{ext}").write_bytes(to_bytes(rdf_dataset, fmt))
            _write_ontology(stage, rdf_dataset)
        if render:
            with timed(timings, "rendering and site"):
                from ketamine_kg.app.site import write_site

                write_site(stage, dataset, rdf_dataset)
        manifest = {
            "source": dataset.source.id,
            "sha256": dataset.source.sha256,
            "claims": len(dataset.claims),
            "entities": len(dataset.entities),
            "triples": result.triples,
            "inferred": n_inferred,
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        staged = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    result.files = [out_dir / p for p in staged]
    return result


def _write_ontology(stage: Path, rdf_dataset) -> None:
    from rdflib import Graph

    from ketamine_kg.core.namespaces import ONTOLOGY_GRAPH
    from ketamine_kg.exports.rdf_formats import to_rdf_xml

    tbox = Graph(bind_namespaces="core")
    for prefix, iri in rdf_dataset.namespaces():
        tbox.bind(prefix, iri, override=True, replace=True)
    for triple in sorted_triples(rdf_dataset.graph(ONTOLOGY_GRAPH)):  # in order: RDF/XML follows it
        tbox.add(triple)
    folder = stage / "ontology"
    folder.mkdir(exist_ok=True)
    (folder / "ketamine-kg.owl").write_bytes(to_rdf_xml(tbox))
    (folder / "ketamine-kg.ttl").write_bytes(tbox.serialize(format="turtle", encoding="utf-8"))
    from ketamine_kg.views.ontology_page import write_ontology_page

    write_ontology_page(folder / "index.html", tbox)
