"""Starting and checking a new article: `ketamine-kg new-article` and `ketamine-kg check` (issue 12).

The article of our own writing is `tests/input/scaffold/article.txt` (a note on caffeine
with every kind of heading the scaffold looks for).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from helpers import INPUT, run_cli, snapshot
from ketamine_kg.app.check import check_data, fix_sha256
from ketamine_kg.app.headings import detect_sections
from ketamine_kg.app.scaffold import SCAFFOLD_FILES, get_scaffold, new_article, read_article, write_scaffold
from ketamine_kg.errors import DataError, KkgError, StaleChecksumError
from ketamine_kg.load.dataset import default_data_dir, load_dataset

COFFEE = INPUT / "scaffold" / "article.txt"
COFFEE_TITLE = "Why Coffee Keeps You Awake"
COFFEE_SITE = "Kitchen Science Notes"

# The sections the heading rule must find in the caffeine note: (id, parent, anchor).
COFFEE_SECTIONS = [
    ("introduction", None, "Most of us reach"),
    ("how-caffeine-works", None, "I. How Caffeine Works"),
    ("adenosine-and-sleep-pressure", "how-caffeine-works", "Adenosine and sleep pressure:"),
    ("a-second-target", "how-caffeine-works", "2. A Second Target"),
    ("effects-people-notice", None, "II. Effects People Notice"),
    ("alertness", "effects-people-notice", "Alertness"),
    ("too-much-of-a-good-thing", "effects-people-notice", "Too much of a good thing:"),
    ("summary", "effects-people-notice", "Summary"),
]

ENTITIES = """\
- id: caffeine
  type: substance
  label: caffeine
- id: adenosine_receptor
  type: receptor
  label: adenosine receptor
- id: anxiety
  type: adverse_effect
  label: anxiety
"""
CLAIMS = """\
- id: caffeine-antagonist-of-adenosine-receptor
  subject: caffeine
  predicate: antagonist_of
  object: adenosine_receptor
  modality: asserted
  evidence:
    - quote: "Caffeine blocks adenosine receptors."
- id: caffeine-causes-anxiety
  subject: caffeine
  predicate: causes_adverse_effect
  object: anxiety
  modality: asserted
  qualifiers: {frequency: can}  # "can" says how often, not how sure (graph/data/cue_words.yaml)
  evidence:
    - quote: "Large amounts can cause anxiety"
"""


def _coffee_folder(tmp_path: Path, name: str = "coffee") -> Path:
    folder = tmp_path / name
    new_article(folder, COFFEE, title=COFFEE_TITLE, site=COFFEE_SITE)
    return folder


def _sections(source_yaml: str) -> list[dict]:
    return yaml.safe_load(source_yaml)["sections"]


# --- the scaffold itself --------------------------------------------------------------


def test_scaffold_of_our_article_finds_its_headings():
    text = COFFEE.read_text(encoding="utf-8")
    files = get_scaffold(text, file_name="coffee.txt", title=COFFEE_TITLE, site=COFFEE_SITE)
    assert set(files) == set(SCAFFOLD_FILES)
    source = yaml.safe_load(files["source.yaml"])
    assert source["id"] == "why-coffee-keeps-you-awake"
    assert (source["title"], source["site"], source["file"]) == (COFFEE_TITLE, COFFEE_SITE, "article.txt")
    assert source["sha256"] == hashlib.sha256(COFFEE.read_bytes()).hexdigest()
    found = [(s["id"], s.get("parent"), s["anchor"]) for s in source["sections"]]
    assert found == COFFEE_SECTIONS
    for section in source["sections"]:  # each anchor's first occurrence is its heading
        at = text.find(section["anchor"])
        assert at >= 0 and (at == 0 or text[at - 1] == "\n"), section


def test_scaffold_defaults_title_id_and_site():
    text = COFFEE.read_text(encoding="utf-8")
    source = yaml.safe_load(get_scaffold(text, file_name="coffee-note.txt")["source.yaml"])
    assert source["title"] == "Kitchen Science Notes"  # the first non-empty line
    assert source["id"] == "coffee-note"  # from the file name when no title is given
    assert source["site"] == "unknown" and "url" not in source
    # the title line is not a section; with the site unknown, the next line reads as a heading
    assert _sections(get_scaffold(text)["source.yaml"])[0]["anchor"] == COFFEE_TITLE
    source = yaml.safe_load(get_scaffold(text, url="https://example.org/notes/coffee")["source.yaml"])
    assert (source["site"], source["url"]) == ("example.org", "https://example.org/notes/coffee")
    assert yaml.safe_load(get_scaffold(text, source_id="my-note")["source.yaml"])["id"] == "my-note"


def test_scaffold_of_the_tiny_article_finds_the_curated_sections():
    text = (INPUT / "tiny" / "article.txt").read_text(encoding="utf-8")
    curated = yaml.safe_load((INPUT / "tiny" / "source.yaml").read_text(encoding="utf-8"))
    files = get_scaffold(text, title=curated["title"], site=curated["site"])
    assert _sections(files["source.yaml"]) == curated["sections"]


def test_scaffold_of_the_builtin_article_finds_every_heading_that_starts_a_line():
    text = (default_data_dir() / "article.txt").read_text(encoding="utf-8")
    curated = yaml.safe_load((default_data_dir() / "source.yaml").read_text(encoding="utf-8"))
    found = {text.find(s.anchor) for s in detect_sections(text, skip=[curated["title"], curated["site"]])}
    on_own_line = [s for s in curated["sections"] if text[text.find(s["anchor"]) - 1] == "\n"]
    assert len(on_own_line) >= 15, "the built-in article changed: pick the headings again"
    for section in on_own_line:
        assert text.find(section["anchor"]) in found, f"heading {section['anchor']!r} not found"


def test_article_without_headings_is_one_section(tmp_path):
    article = tmp_path / "plain.txt"
    article.write_text("Caffeine blocks adenosine receptors. It keeps people awake.\n"
                       "It is found in coffee and tea, which most people drink every day.\n", encoding="utf-8")
    folder = tmp_path / "plain"
    made = new_article(folder, article)
    assert made.sections == []
    assert "sections: []" in (folder / "source.yaml").read_text(encoding="utf-8")
    assert [s.id for s in load_dataset(folder).source.sections] == ["article"]


def test_heading_rule_leaves_prose_bullets_and_long_lines_alone():
    text = ("Title line\n\nUses:\n\n– A bullet that stands alone\n\nA sentence of its own.\n\n"
            + "A very long line that has no punctuation at its end but far too many words to be a heading at all\n\n"
            "# Markdown heading\n\nSome text.\n")
    assert [s.title for s in detect_sections(text, skip=["Title line"])] == ["Uses", "Markdown heading"]


def test_repeated_heading_text_gets_an_anchor_that_finds_its_own_line():
    text = "Note\n\nSafety first, then Dosing\n\nDosing\n\nTake one.\n\nDosing\n\nTake two.\n"
    sections = detect_sections(text, skip=["Note"])
    assert [s.id for s in sections] == ["safety-first-then-dosing", "dosing", "dosing-2"]
    starts = [text.find(s.anchor) for s in sections]
    assert starts == sorted(starts) and len(set(starts)) == 3


def test_the_commented_examples_load_once_uncommented(tmp_path):
    folder = _coffee_folder(tmp_path)

    def uncomment(name: str) -> str:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        begin = next(i for i, line in enumerate(lines) if line.endswith("For example:") or line.endswith("for example:"))
        block = []
        for line in lines[begin + 2:]:
            if line == "#":
                break
            block.append(line[2:])
        assert block, name
        return "\n".join(block) + "\n"

    (folder / "entities.yaml").write_text(uncomment("entities.yaml"), encoding="utf-8")
    claims = uncomment("claims.yaml")
    quoted = re.findall(r'quote: "([^"]+)"', claims)[0]
    assert quoted in COFFEE.read_text(encoding="utf-8")  # the first example quotes the article itself
    claims = claims.replace('"Another sentence copied exactly from article.txt."', '"At very high doses caffeine may also slow down phosphodiesterase enzymes"')
    (folder / "claims.yaml").write_text(claims, encoding="utf-8")
    (folder / "vocabulary.yaml").write_text(uncomment("vocabulary.yaml"), encoding="utf-8")
    dataset = load_dataset(folder)
    assert len(dataset.claims) == 2 and set(dataset.entities) == {"psilocybin", "serotonin_2a_receptor", "depression"}
    assert "agonist_of" in dataset.vocabulary.predicates


def test_the_scaffold_loads_and_takes_claims_in_the_sections_found(tmp_path):
    folder = _coffee_folder(tmp_path)
    dataset = load_dataset(folder)
    assert (dataset.claims, dataset.entities) == ([], {})
    (folder / "entities.yaml").write_text(ENTITIES, encoding="utf-8")
    (folder / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    dataset = load_dataset(folder)
    assert [c.section for c in dataset.claims] == ["adenosine-and-sleep-pressure", "too-much-of-a-good-thing"]
    assert (folder / "article.txt").read_bytes() == COFFEE.read_bytes()


def test_files_are_ordinary_files(tmp_path):
    folder = _coffee_folder(tmp_path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((folder / "source.yaml").stat().st_mode) == 0o666 & ~umask


# --- refusals ----------------------------------------------------------------------


def test_refuses_a_folder_with_files_and_changes_nothing(tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.md").write_text("mine\n", encoding="utf-8")
    before = snapshot(folder)
    with pytest.raises(KkgError, match="folder is not empty; choose a new folder, or pass --force"):
        new_article(folder, COFFEE)
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_force_replaces_the_scaffold_files_and_keeps_the_others(tmp_path):
    folder = _coffee_folder(tmp_path)
    (folder / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    (folder / "notes.md").write_text("mine\n", encoding="utf-8")
    new_article(folder, INPUT / "tiny" / "article.txt", title="A Small Note on Ketamine", site="Tiny Blog", force=True)
    assert (folder / "notes.md").read_text(encoding="utf-8") == "mine\n"
    assert (folder / "article.txt").read_bytes() == (INPUT / "tiny" / "article.txt").read_bytes()
    assert "caffeine" not in (folder / "claims.yaml").read_text(encoding="utf-8")
    assert load_dataset(folder).source.title == "A Small Note on Ketamine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coffee"]  # no staging folder left


@pytest.mark.parametrize("content, message", [
    (None, r"article file not found"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", r":1: a binary file, not text \(it holds NUL bytes\)"),
    ("Caf\u00e9 notes\n\nSecond line\n".encode("latin-1"), r":1: not valid UTF-8 \(byte 0xe9\)"),
    (b"  \n\n", r"the article is empty"),
])
def test_refuses_an_article_that_is_not_utf8_text(tmp_path, content, message):
    article = tmp_path / "article.bin"
    if content is not None:
        article.write_bytes(content)
    with pytest.raises(DataError, match=message):
        new_article(tmp_path / "new", article)
    assert not (tmp_path / "new").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_refuses_a_bad_id_or_url():
    text = COFFEE.read_text(encoding="utf-8")
    with pytest.raises(DataError, match="--id 'My Note' must be lower-case kebab-case"):
        get_scaffold(text, source_id="My Note")
    with pytest.raises(DataError, match="--url 'example.org' is not an http"):
        get_scaffold(text, url="example.org")


def test_a_failed_write_leaves_no_folder(tmp_path):
    def refuse(stage: Path) -> None:
        assert (stage / "source.yaml").exists()
        raise DataError("source.yaml", 1, "refused")

    with pytest.raises(DataError, match="refused"):
        write_scaffold(tmp_path / "new", {"source.yaml": "id: x\n"}, verify=refuse)
    assert list(tmp_path.iterdir()) == []


# --- check and --fix-sha256 ------------------------------------------------------------


def test_check_counts_what_the_folder_holds():
    report = check_data(INPUT / "tiny")
    line = report.one_line()
    assert line.startswith("ok: 4 claims, 5 entities, 2 sections, 0 mappings, subject ketamine (") and line.endswith("tiny)")
    report = check_data(INPUT / "corpus" / "memantine-note")
    assert "1 vocabulary addition" in report.one_line() and "1 mapping," in report.one_line()


def test_check_refuses_a_mapping_gap_of_an_unknown_entity(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(INPUT / "tiny", folder)
    (folder / "mapping_gaps.tsv").write_text("entity\tsystem\treason\tdate_checked\n"
                                             "ketamin\tMONDO\tno release here\t2026-01-01\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"mapping_gaps\.tsv:2: unknown entity 'ketamin'"):
        check_data(folder)


def test_check_refuses_alignments_it_would_not_read(tmp_path):
    folder = _coffee_folder(tmp_path)  # its vocabulary.yaml holds only comments
    header = "local_id\tlocal_kind\trelation\texternal_id\texternal_label\tsource\tdate_checked\tcomment\n"
    (folder / "alignments.tsv").write_text(header, encoding="utf-8")
    with pytest.raises(DataError, match=r"alignments\.tsv: is not read: .* adds none"):
        check_data(folder)
    memantine = tmp_path / "memantine"
    shutil.copytree(INPUT / "corpus" / "memantine-note", memantine)
    (memantine / "alignments.tsv").write_text(
        # the RO term and its label as the core table (ontology/alignments.tsv) verified them
        header + "agonist_of\tpredicate\tskos:broadMatch\tRO:0002436\tmolecularly interacts with\t"
                 "as in ontology/alignments.tsv\t2026-12-01\ta test row\n",
        encoding="utf-8")
    assert ", 1 alignment, " in check_data(memantine).one_line()


def test_fix_sha256_changes_only_the_sum(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(INPUT / "tiny", folder)
    source = folder / "source.yaml"
    original = source.read_bytes()
    # a quoted sum, a comment after it and CRLF line ends must all survive
    old_sum = hashlib.sha256((folder / "article.txt").read_bytes()).hexdigest()
    quirky = original.replace(f"sha256: {old_sum}\n".encode(), f"sha256: '{old_sum}'   # checked\r\n".encode())
    assert quirky != original
    source.write_bytes(quirky)
    source.chmod(0o640)
    with (folder / "article.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nIt is an old drug.\n")
    with pytest.raises(StaleChecksumError) as caught:
        load_dataset(folder)
    assert fix_sha256(caught.value) == old_sum
    new_sum = hashlib.sha256((folder / "article.txt").read_bytes()).hexdigest()
    assert source.read_bytes() == quirky.replace(old_sum.encode(), new_sum.encode())
    assert stat.S_IMODE(source.stat().st_mode) == 0o640
    assert load_dataset(folder).source.sha256 == new_sum


def test_fix_sha256_fills_in_a_placeholder(tmp_path):
    folder = _coffee_folder(tmp_path)
    source = folder / "source.yaml"
    digest = hashlib.sha256(COFFEE.read_bytes()).hexdigest()
    placeholder = source.read_text(encoding="utf-8").replace(f"sha256: {digest}", "sha256: TODO")
    source.write_text(placeholder, encoding="utf-8")
    with pytest.raises(StaleChecksumError) as caught:
        load_dataset(folder)
    assert fix_sha256(caught.value) == "TODO"
    assert source.read_text(encoding="utf-8") == placeholder.replace("sha256: TODO", f"sha256: {digest}")


# --- the commands, as users run them ------------------------------------------------------


def test_cli_new_article_in_the_current_folder(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    run_cli("new-article", ".", "--article", str(COFFEE), cwd=here, check=True)
    assert sorted(p.name for p in here.iterdir()) == sorted(SCAFFOLD_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]
    assert run_cli("check", "--data", ".", cwd=here, check=True).stdout.startswith("ok: 0 claims")


def test_cli_new_article_then_check_then_build(tmp_path):
    folder = tmp_path / "coffee"
    proc = run_cli("new-article", str(folder), "--article", str(COFFEE), "--title", COFFEE_TITLE,
                   "--site", COFFEE_SITE, "--url", "https://example.org/coffee", check=True)
    assert "sections found from headings: 8 (introduction, how-caffeine-works," in proc.stdout
    assert f"ketamine-kg check --data {folder}" in proc.stdout
    proc = run_cli("check", "--data", str(folder), check=True)
    assert proc.stdout.startswith("ok: 0 claims, 0 entities, 8 sections, 0 mappings (")
    out = tmp_path / "site"
    proc = run_cli("build", "--data", str(folder), "-o", str(out), check=True)
    assert "claims: 0\n" in proc.stdout and "entities: 0\n" in proc.stdout
    assert COFFEE_TITLE in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "ketamine-kg.ttl").stat().st_size > 0


def test_cli_check_with_the_reasoner(tmp_path):
    folder = _coffee_folder(tmp_path)
    (folder / "entities.yaml").write_text(ENTITIES, encoding="utf-8")
    (folder / "claims.yaml").write_text(CLAIMS, encoding="utf-8")
    proc = run_cli("check", "--data", str(folder), "--reason", check=True)
    assert re.match(r"ok: 2 claims, 3 entities, 8 sections, 0 mappings, \S.* consistent, \d+ inferred facts?, subject caffeine \(",
                    proc.stdout), proc.stdout


def test_cli_refusals_are_one_line(tmp_path):
    taken = _coffee_folder(tmp_path)
    binary = tmp_path / "picture.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    for args, message in [
        (("new-article", str(taken), "--article", str(COFFEE)), "folder is not empty"),
        (("new-article", str(tmp_path / "new"), "--article", str(tmp_path / "missing.txt")), "article file not found"),
        (("new-article", str(tmp_path / "new"), "--article", str(binary)), "a binary file, not text"),
    ]:
        proc = run_cli(*args)
        assert proc.returncode == 1, args
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ") and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "new").exists()


def test_cli_check_reports_bad_data_with_file_and_line(tmp_path):
    folder = _coffee_folder(tmp_path)
    (folder / "entities.yaml").write_text(ENTITIES, encoding="utf-8")
    (folder / "claims.yaml").write_text(CLAIMS.replace("object: anxiety", "object: anxiousness"), encoding="utf-8")
    proc = run_cli("check", "--data", str(folder))
    assert proc.returncode == 1 and proc.stdout == ""
    assert re.fullmatch(r"error: \S*claims\.yaml:11: unknown entity 'anxiousness' as object; .*\n", proc.stderr), proc.stderr


def test_cli_stale_sum_is_said_and_fixed(tmp_path):
    folder = _coffee_folder(tmp_path)
    before = (folder / "source.yaml").read_bytes()
    with (folder / "article.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nDecaf is not caffeine-free.\n")
    proc = run_cli("check", "--data", str(folder))
    assert proc.returncode == 1
    assert "sha256 is stale: the article changed since it was recorded" in proc.stderr
    assert "nothing else is wrong" in proc.stderr and "--fix-sha256" in proc.stderr
    assert proc.stderr.count("\n") == 1
    proc = run_cli("check", "--data", str(folder), "--fix-sha256", check=True)
    assert proc.stdout.startswith("fixed: ") and "\nok: 0 claims" in proc.stdout
    after = (folder / "source.yaml").read_bytes()
    new_sum = hashlib.sha256((folder / "article.txt").read_bytes()).hexdigest()
    old_sum = hashlib.sha256(COFFEE.read_bytes()).hexdigest()
    assert after == before.replace(old_sum.encode(), new_sum.encode()) and after != before


def test_cli_stale_sum_with_another_problem_names_the_problem(tmp_path):
    folder = _coffee_folder(tmp_path)
    (folder / "claims.yaml").write_text("- id: Bad Id\n", encoding="utf-8")
    with (folder / "article.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nOne more line.\n")
    proc = run_cli("check", "--data", str(folder))
    assert proc.returncode == 1
    first, note = proc.stderr.splitlines()
    assert re.match(r"error: \S*claims\.yaml:1: claim is missing the field 'subject'", first), first
    assert note.startswith("note: the sha256 in ") and "--fix-sha256" in note
