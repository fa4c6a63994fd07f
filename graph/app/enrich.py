"""Refresh the snapshot of external labels from Wikidata and the EBI Ontology Lookup Service.

The build never goes online: the labels external systems give the mapped IDs are kept in
``external_labels.tsv`` (ID, label, source, date checked). ``ketamine-kg enrich`` is for
users who are online. It asks

- Wikidata's SPARQL endpoint for the English label of every mapped Wikidata item and for
  the IDs that item records in the other systems we map to (ChEBI, MeSH, DrugBank, ...);
- the OLS API for the label and database cross-references of every mapped term of an
  ontology OLS serves (ChEBI, MONDO, DOID, HP, EFO, NCIT, GO);

then rewrites the snapshot (atomically) with what the services say today, and reports
every disagreement: a label that changed, and a cross-reference that contradicts one of
our mappings or one of our recorded no-matches. It never changes a mapping: a curator
reads the report and decides.

``get_wikidata_records`` and ``get_ols_records`` fetch; ``get_enrichment`` is pure: it
compares fetched records with the dataset and the old snapshot.
"""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ketamine_kg.core.atomic import write_text_atomic
from ketamine_kg.core.curies import check_curie, expand_curie, prefix_table
from ketamine_kg.core.model import Dataset
from ketamine_kg.core.version import __version__
from ketamine_kg.core.yamlfile import read_text
from ketamine_kg.errors import DataError, KkgError
from ketamine_kg.load.dataset import load_dataset
from ketamine_kg.load.mappings import no_match_system
from ketamine_kg.load.snapshots import LABELS_FILE, ExternalLabel, load_external_labels, sort_key, to_external_labels_tsv

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
OLS_URL = "https://www.ebi.ac.uk/ols4"
USER_AGENT = f"ketamine-kg/{__version__} (https://w3id.org/ketamine-kg; ketamine-kg enrich)"
TIMEOUT = 30
BATCH = 50
# Wikidata properties (direct claims) that hold an item's ID in each system we map to.
WIKIDATA_XREF_PROPERTIES = {
    "CHEBI": "P683",
    "drugbank": "P715",
    "CHEMBL.COMPOUND": "P592",
    "PUBCHEM.COMPOUND": "P662",
    "MESH": "P486",
    "UNII": "P652",
    "ATC": "P267",
    "RXNORM": "P3345",
    "MONDO": "P5270",
    "DOID": "P699",
    "HP": "P3841",
    "NCIT": "P1748",
    "GO": "P686",
    "HGNC": "P354",
    "UniProtKB": "P352",
}
# Prefixes whose terms the OLS serves, as OLS ontology ids.
# Database names ontologies use in cross-references for systems we know by another prefix.
XREF_ALIASES = {"msh": "mesh", "nci": "ncit", "pubchem_compound": "pubchem.compound", "chembl": "chembl.compound"}
OLS_ONTOLOGIES = {"CHEBI": "chebi", "MONDO": "mondo", "DOID": "doid", "HP": "hp", "EFO": "efo", "NCIT": "ncit", "GO": "go"}

Fetch = Callable[[str], "dict | None"]


@dataclass(frozen=True)
class Record:
    """What a service says about one external ID: its label and its cross-references."""

    curie: str
    label: str | None
    source: str
    xrefs: tuple[str, ...] = ()


@dataclass
class Disagreement:
    """Something a service says that contradicts the curated data."""

    entity: str
    kind: str
    message: str


@dataclass
class EnrichReport:
    """The outcome of one enrich run."""

    labels: dict[str, ExternalLabel]
    confirmed: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    not_online: dict[str, int] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines of text."""
        out = [f"labels confirmed: {len(self.confirmed)}, changed: {len(self.changed)}, new: {len(self.added)}, not found: {len(self.not_found)}"]
        for curie, old, new in self.changed:
            out.append(f"  label of {curie}: recorded {old!r}, now {new!r}")
        for curie in self.not_found:
            out.append(f"  not found online: {curie}")
        if self.not_online:
            out.append("not checked online (no service for these prefixes): " + ", ".join(f"{p} {n}" for p, n in sorted(self.not_online.items())))
        out.append(f"disagreements: {len(self.disagreements)}")
        for d in self.disagreements:
            out.append(f"  {d.entity}: {d.kind}: {d.message}")
        return out


def get_json(url: str, *, timeout: float = TIMEOUT, accept: str = "application/json") -> dict | None:
    """GET ``url`` and parse its JSON; ``None`` for 404. Network trouble raises :class:`KkgError`."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise KkgError(_short(url), None, f"HTTP {exc.code} {exc.reason}; nothing was written") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise KkgError(_short(url), None, f"cannot reach the service ({reason}); nothing was written") from None
    except ValueError:
        raise KkgError(_short(url), None, "the service answered with something that is not JSON; nothing was written") from None


def _short(url: str) -> str:
    return url.split("?", 1)[0]


def normalise_xref(prefix: str, value: str) -> str | None:
    """Turn a raw ID from a service into one of our CURIEs, or ``None`` if it does not fit.

    >>> normalise_xref("GO", "GO:0004972")
    'GO:0004972'
    >>> normalise_xref("MESH", "D007649")
    'MESH:D007649'
    >>> normalise_xref("CHEBI", "not an id") is None
    True
    """
    value = value.strip()
    if value.lower().startswith(prefix.lower() + ":"):
        value = value[len(prefix) + 1:]
    curie = f"{prefix}:{value}"
    try:
        check_curie(curie, {}, "", 0)
    except KkgError:
        return None
    return curie


def wikidata_query(qids: list[str]) -> str:
    """The SPARQL query for the English labels and cross-references of ``qids``.

    >>> "wd:Q1 wd:Q2" in wikidata_query(["Q1", "Q2"])
    True
    """
    values = " ".join(f"wd:{q}" for q in qids)
    props = " ".join(f'("{prefix}" wdt:{prop})' for prefix, prop in WIKIDATA_XREF_PROPERTIES.items())
    return (
        "PREFIX wd: <http://www.wikidata.org/entity/>\n"
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?item ?label ?system ?value WHERE {\n"
        f"  VALUES ?item {{ {values} }}\n"
        '  { ?item rdfs:label ?label FILTER(LANG(?label) = "en") }\n'
        f"  UNION {{ VALUES (?system ?p) {{ {props} }} ?item ?p ?value }}\n"
        "}"
    )


def get_wikidata_records(qids: list[str], endpoint: str = WIKIDATA_ENDPOINT, fetch: Fetch | None = None) -> dict[str, Record]:
    """Fetch labels and cross-references of Wikidata items; CURIE -> :class:`Record`."""
    fetch = fetch or (lambda url: get_json(url, accept="application/sparql-results+json"))
    labels: dict[str, str] = {}
    xrefs: dict[str, list[str]] = {}
    entity_iri = "http://www.wikidata.org/entity/"
    for start in range(0, len(qids), BATCH):
        query = wikidata_query(qids[start: start + BATCH])
        data = fetch(f"{endpoint}?{urllib.parse.urlencode({'query': query, 'format': 'json'})}")
        if data is None or "results" not in data:
            raise KkgError(endpoint, None, "the SPARQL endpoint gave no results table; nothing was written")
        for binding in data["results"].get("bindings", []):
            item = binding.get("item", {}).get("value", "")
            if not item.startswith(entity_iri):
                continue
            curie = "wikidata:" + item[len(entity_iri):]
            if "label" in binding:
                labels.setdefault(curie, binding["label"]["value"])
            if "system" in binding and "value" in binding:
                xref = normalise_xref(binding["system"]["value"], binding["value"]["value"])
                if xref:
                    xrefs.setdefault(curie, []).append(xref)
    source = f"Wikidata SPARQL {endpoint}"
    return {
        f"wikidata:{q}": Record(f"wikidata:{q}", labels.get(f"wikidata:{q}"), source, tuple(sorted(set(xrefs.get(f"wikidata:{q}", [])))))
        for q in qids
        if f"wikidata:{q}" in labels or f"wikidata:{q}" in xrefs
    }


def get_ols_records(curies: list[str], ols: str = OLS_URL, fetch: Fetch | None = None, workers: int = 4) -> dict[str, Record]:
    """Fetch label and cross-references of ontology terms from the OLS; CURIE -> :class:`Record`."""
    fetch = fetch or get_json
    known = {p.lower(): p for p in prefix_table()}
    base = ols.rstrip("/")

    def one(curie: str) -> Record | None:
        prefix = curie.split(":", 1)[0]
        ontology = OLS_ONTOLOGIES[prefix]
        url = f"{base}/api/ontologies/{ontology}/terms?{urllib.parse.urlencode({'iri': expand_curie(curie)})}"
        data = fetch(url)
        terms = (data or {}).get("_embedded", {}).get("terms", [])
        if not terms:
            return None
        term = next((t for t in terms if t.get("is_defining_ontology")), terms[0])
        raw = list(term.get("annotation", {}).get("database_cross_reference", []))
        raw += [f"{x.get('database')}:{x.get('id')}" for x in term.get("obo_xref") or [] if x.get("database") and x.get("id")]
        found = set()
        for text in raw:
            db, _, local = str(text).partition(":")
            db = XREF_ALIASES.get(db.strip().lower(), db.strip().lower())
            ours = known.get(db)
            if ours and ours != prefix:
                xref = normalise_xref(ours, local)
                if xref:
                    found.add(xref)
        return Record(curie, term.get("label"), f"EBI OLS {base} ({ontology})", tuple(sorted(found)))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, curies))
    return {r.curie: r for r in results if r is not None}


def get_enrichment(dataset: Dataset, labels: dict[str, ExternalLabel], records: dict[str, Record], date: str, asked: list[str]) -> EnrichReport:
    """Compare fetched ``records`` with the curated mappings and the old snapshot ``labels``.

    Returns the new snapshot (old rows kept, fetched ones refreshed with ``date``) and the
    list of disagreements. ``asked`` are the CURIEs that were looked up online.
    """
    report = EnrichReport(labels=dict(labels))
    object_labels = {m.object: m.object_label for m in dataset.mappings if not m.is_no_match}
    for curie in asked:
        record = records.get(curie)
        if record is None or not record.label:
            report.not_found.append(curie)
            continue
        old = labels.get(curie)
        recorded = old.label if old else object_labels.get(curie)
        if old is None:
            report.added.append(curie)
        if recorded is not None and recorded != record.label:
            report.changed.append((curie, recorded, record.label))
        elif old is not None:
            report.confirmed.append(curie)
        report.labels[curie] = ExternalLabel(curie, record.label, record.source, date)
    # Cross-references: what the sources say an entity's exactly-matched term is in other systems.
    by_entity: dict[str, list] = {}
    for m in dataset.mappings:
        by_entity.setdefault(m.subject, []).append(m)
    for entity_id, rows in sorted(by_entity.items()):
        ours: dict[str, set[str]] = {}
        no_term: dict[str, str] = {}
        theirs: dict[str, dict[str, set[str]]] = {}
        for m in rows:
            if m.is_no_match:
                no_term[no_match_system(m)] = m.comment
                continue
            ours.setdefault(m.object.split(":", 1)[0], set()).add(m.object)
            if m.predicate == "skos:exactMatch" and m.object in records:
                for xref in records[m.object].xrefs:
                    theirs.setdefault(xref.split(":", 1)[0], {}).setdefault(xref, set()).add(m.object)
        for system, found in sorted(theirs.items()):
            said = ", ".join(f"{x} (from {', '.join(sorted(v))})" for x, v in sorted(found.items(), key=lambda kv: sort_key(kv[0])))
            if system in ours and not ours[system] & set(found):
                report.disagreements.append(Disagreement(entity_id, f"{system} cross-reference", f"we map to {', '.join(sorted(ours[system]))}; the sources say {said}"))
            elif system in no_term:
                report.disagreements.append(Disagreement(entity_id, f"{system} no-match", f"recorded as no term ({no_term[system]!r}); the sources say {said}"))
    return report


def online_curies(dataset: Dataset, labels: dict[str, ExternalLabel], sources: tuple[str, ...]) -> tuple[list[str], list[str], dict[str, int]]:
    """Split the mapped (and snapshot) CURIEs: (Wikidata items, OLS terms, count left per prefix)."""
    curies = {m.object for m in dataset.mappings if not m.is_no_match} | set(labels)
    wikidata: list[str] = []
    ols: list[str] = []
    left: dict[str, int] = {}
    for curie in sorted(curies, key=sort_key):
        prefix = curie.split(":", 1)[0]
        if prefix == "wikidata" and "wikidata" in sources:
            wikidata.append(curie)
        elif prefix in OLS_ONTOLOGIES and "ols" in sources:
            ols.append(curie)
        else:
            left[prefix] = left.get(prefix, 0) + 1
    return wikidata, ols, left


def run_enrich(data_dir: Path | None, *, endpoint: str = WIKIDATA_ENDPOINT, ols: str = OLS_URL,
               sources: tuple[str, ...] = ("wikidata", "ols"), dry_run: bool = False, date: str | None = None) -> EnrichReport:
    """Fetch, compare, and (unless ``dry_run``) rewrite the data folder's snapshot atomically."""
    if isinstance(data_dir, list):
        if len(data_dir) > 1:
            raise DataError(None, None, "enrich refreshes the label snapshot of one data folder: give one --data (not a corpus)")
        data_dir = data_dir[0]
    dataset = load_dataset(data_dir)
    path = dataset.directory / LABELS_FILE
    labels = load_external_labels(path) if path.exists() else {}
    comments = [ln for ln in read_text(path).splitlines() if ln.startswith("#")] if path.exists() else []
    wikidata, terms, left = online_curies(dataset, labels, sources)
    records: dict[str, Record] = {}
    if wikidata:
        records.update(get_wikidata_records([c.split(":", 1)[1] for c in wikidata], endpoint))
    if terms:
        records.update(get_ols_records(terms, ols))
    report = get_enrichment(dataset, labels, records, date or today(), wikidata + terms)
    report.not_online = left
    if not dry_run:
        write_text_atomic(path, to_external_labels_tsv(report.labels, comments))
    return report


def today() -> str:
    """Today's date as YYYY-MM-DD."""
    return datetime.date.today().isoformat()
