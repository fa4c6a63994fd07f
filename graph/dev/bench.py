"""The benchmark: how cost grows with the work, side by side with what a user would otherwise pick.

``run_bench(config)`` measures and returns :class:`Row` figures; ``to_table(rows, machine)``
prints them with the machine, library versions and date. Every heavy step runs in a
subprocess of its own (:mod:`ketamine_kg.dev.bench_workers`; ``python -m ketamine_kg.dev.bench
WORKER ARGS`` runs one too), so its peak memory
(``ru_maxrss``) is its own and a step that runs too long can be killed and reported as
``> N s`` instead of hanging the run:

1. the article build, total and per stage (``run_build``'s own stage timings);
2. the synthetic corpus (:mod:`ketamine_kg.dev.synthetic`) written as N-Quads;
3. loading it into the embedded Oxigraph store and into rdflib's in-memory Dataset;
4. every named query (:func:`ketamine_kg.sparql.catalogue.list_queries`) on both, median times and
   their ratio; each query runs in a forked child (sharing the loaded store) that is
   killed at the time limit, so a slow query is reported as ``> N s``;
5. the peak memory of each of those processes;
6. pages of 2,000 and 10,000 nodes from :func:`ketamine_kg.views.page.to_html`: size, and time
   until interactive in headless Chromium (:mod:`ketamine_kg.dev.chromium`);
7. a corpus of real article folders (:mod:`ketamine_kg.dev.synthetic_folders`) through the whole
   pipeline: ``build --corpus`` without the reasoner (wall time, stages, peak memory), the
   reasoner over a smaller corpus, then the store the build wrote: load, and the median and
   95th percentile of every named query, ``agreement`` and ``conflicts`` included;
8. an on-disk store (RocksDB) of 10M synthetic triples: load rate, size, query medians
   (:mod:`ketamine_kg.dev.bench_disk`).

``BenchConfig.parts`` picks which of build (1), store (2-5), corpus (7), disk (8) and pages (6) run.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketamine_kg.dev import bench_workers
from ketamine_kg.dev.bench_table import Row, get_machine, to_json, to_table  # noqa: F401 - the bench's public face
from ketamine_kg.dev.bench_workers import run_worker
from ketamine_kg.dev.chromium import chromium_path
from ketamine_kg.core.curies import get_prefix_map
from ketamine_kg.sparql.catalogue import list_queries

MB = 1024 * 1024


@dataclass
class BenchConfig:
    """Sizes and limits of one run. :meth:`quick` is the CI size."""

    triples: int = 1_000_000
    seed: int = 0
    build_runs: int = 3
    reason: bool = True
    render: bool = True
    oxigraph_repeats: int = 5
    rdflib_repeats: int = 3
    query_timeout: float = 30.0
    load_timeout: float = 900.0
    page_nodes: tuple[int, ...] = (2000, 10000)
    page_timeout: float = 120.0
    browser: bool = True
    # The corpus path (real article folders through ``build --corpus``): its size, the
    # smaller corpus the reasoner gets, and how many timed runs each query has there.
    corpus_articles: int = 1000
    corpus_reason_articles: int = 20
    corpus_repeats: int = 20
    corpus_timeout: float = 1800.0
    # The on-disk store (figure 8): its size in triples (0: skipped) and the limit on its load and queries.
    disk_triples: int = 10_000_000
    disk_timeout: float = 3600.0
    # Which parts run: "build" (the article), "store" (the synthetic N-Quads), "corpus", "disk", "pages".
    parts: tuple[str, ...] = ("build", "store", "corpus", "disk", "pages")

    @classmethod
    def quick(cls, **overrides) -> BenchConfig:
        """A small run for CI: well under a minute."""
        values: dict[str, Any] = dict(triples=10_000, build_runs=1, reason=False, oxigraph_repeats=3, rdflib_repeats=1,
                      query_timeout=3.0, load_timeout=120.0, page_nodes=(100, 2000), page_timeout=60.0,
                      corpus_articles=20, corpus_reason_articles=0, corpus_repeats=5, corpus_timeout=300.0,
                      disk_triples=20_000, disk_timeout=300.0)
        values.update(overrides)
        return cls(**values)


# --- the measurements ------------------------------------------------------------------

def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def measure_build(config: BenchConfig) -> list[Row]:
    """Figure 1: the article build, per stage, median of ``build_runs`` fresh processes."""
    reason = config.reason and _available("ketamine_kg.ontology.reason")
    render = config.render and _available("ketamine_kg.app.site")
    runs = []
    for _ in range(config.build_runs):
        records, timed_out, tail = run_worker("build", {"reason": reason, "render": render}, config.load_timeout)
        if not records:
            return [Row("build", "article build", None, "s", note=f"failed: {tail}" if not timed_out else "timed out")]
        runs.append(records[-1])
    stages = list(runs[0]["timings"])
    rows = []
    for stage in stages:
        rows.append(Row("build", f"stage: {stage}", statistics.median(r["timings"][stage] for r in runs), "s"))
    if not reason:
        why = "skipped in --quick" if not config.reason else "ontology/reason.py is not installed"
        rows.append(Row("build", "stage: reasoning", None, "s", note=why))
    if not render:
        why = "skipped by the configuration" if not config.render else "graph/site.py is not installed"
        rows.append(Row("build", "stage: rendering and site", None, "s", note=why))
    excl = statistics.median(sum(v for k, v in r["timings"].items() if k != "reasoning") for r in runs)
    rows.append(Row("build", "total, excluding the reasoner", excl, "s", target="< 3 s", ok=excl < 3.0))
    rows.append(Row("build", "total, all stages", statistics.median(sum(r["timings"].values()) for r in runs), "s"))
    rows.append(Row("build", "peak memory", max(r["maxrss_mb"] for r in runs), "MB"))
    return rows


def measure_corpus(config: BenchConfig, path: Path) -> tuple[list[Row], dict]:
    """Figure 2: write the synthetic corpus of ``config.triples`` quads to ``path``."""
    records, timed_out, tail = run_worker("generate", {"path": str(path), "triples": config.triples, "seed": config.seed},
                                          config.load_timeout)
    if not records:
        raise RuntimeError(f"the synthetic corpus could not be written: {tail}")
    r = records[-1]
    rows = [
        Row("nquads", f"synthetic corpus: {r['articles']} articles", r["quads"], "triples"),
        Row("nquads", "generation time", r["seconds"], "s"),
        Row("nquads", "generation rate", r["quads"] / r["seconds"], "triples/s"),
        Row("nquads", "N-Quads size", r["bytes"] / MB, "MB"),
        Row("nquads", "generator peak memory", r["maxrss_mb"], "MB"),
    ]
    return rows, r


def classify_queries() -> dict[str, int]:
    """Named query -> how many triple patterns (and property paths) it matches: 2 or more is a join."""
    from rdflib.plugins.sparql import prepareQuery  # rdflib's parser: heavy, only for this figure

    counts = {}
    for query in list_queries():
        try:
            algebra = prepareQuery(query.text, initNs=dict(get_prefix_map())).algebra
        except Exception:  # noqa: BLE001 - a query rdflib cannot parse counts as one pattern
            counts[query.name] = 1
            continue
        counts[query.name] = count_patterns(algebra)
    return counts


def count_patterns(node) -> int:
    """The triple patterns in a parsed query's algebra ``node`` (more than one: the query joins)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        total = len(node.get("triples") or []) if node.name == "BGP" else 0
        return total + sum(count_patterns(v) for k, v in node.items() if k != "triples")
    if isinstance(node, (list, tuple)):
        return sum(count_patterns(v) for v in node)
    return 0


def percentile_95(values: list[float]) -> float:
    """The 95th percentile of ``values`` by nearest rank (with few runs: the slowest).

    >>> percentile_95([float(n) for n in range(1, 21)]), percentile_95([3.0])
    (19.0, 3.0)
    """
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def query_runs(records: list[dict]) -> dict[str, list[float]]:
    """Named query -> the seconds of each of its timed runs in a worker's ``records``."""
    times: dict[str, list[float]] = {}
    for r in records:
        if "query" in r and "seconds" in r:
            times.setdefault(r["query"], []).append(r["seconds"])
    return times


# Cross-source questions get their own bound (issue 12): they group and join every claim.
CROSS_SOURCE = {"agreement": 0.5, "conflicts": 0.5}


def query_medians(records: list[dict]) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
    """From a worker's ``records``: each query's median seconds, its rows, and the limit of those killed at it."""
    rows = {r["query"]: r["rows"] for r in records if "query" in r and "seconds" in r}
    timeouts = {r["query"]: r["timeout"] for r in records if "query" in r and "timeout" in r}
    return {k: statistics.median(v) for k, v in query_runs(records).items()}, rows, timeouts


def measure_stores(config: BenchConfig, path: Path, quads: int, *, prefix: str = "", repeats: int | None = None) -> list[Row]:
    """Figures 3-5: load the corpus and run every named query on Oxigraph and on rdflib.

    ``prefix`` starts every section name ("corpus " for the store a corpus build wrote);
    ``repeats`` is how many timed runs each query gets on Oxigraph (default
    ``config.oxigraph_repeats``): its median and 95th percentile are shown.
    """
    names = [q.name for q in list_queries() if not q.requires]
    skipped = [q.name for q in list_queries() if q.requires]
    joins = classify_queries()
    repeats = repeats or config.oxigraph_repeats
    args = {"path": str(path), "queries": names, "timeout": config.query_timeout}
    ox_records, ox_timeout, ox_tail = run_worker("oxigraph", {**args, "repeats": repeats},
                                                 config.load_timeout + config.query_timeout * 1.5 * (len(names) + 1))
    disk_records, _, _ = run_worker("oxigraph", {**args, "disk": True, "queries": []}, config.load_timeout)
    rdf_records, rdf_timeout, rdf_tail = run_worker("rdflib", {**args, "repeats": config.rdflib_repeats},
                                                    config.load_timeout + config.query_timeout * 1.5 * (len(names) + 1))
    size = f"{quads / 1e6:.2f}M" if quads >= 1e5 else f"{quads:,}"
    rows = []
    ox_load = ox_records[0] if ox_records and "load" in ox_records[0] else None
    rdf_load = rdf_records[0] if rdf_records and "load" in rdf_records[0] else None
    fast_load = quads >= 1_000_000
    if ox_load:
        note = "" if rdf_load else ("rdflib did not finish loading within %.0f s" % config.load_timeout if rdf_timeout else f"rdflib failed: {rdf_tail}")
        rows.append(Row(prefix + "load", f"load {size} triples (in memory)", ox_load["load"], "s",
                        compare=rdf_load["load"] if rdf_load else config.load_timeout if rdf_timeout else None,
                        ratio=(rdf_load["load"] / ox_load["load"]) if rdf_load else None, over=not rdf_load and rdf_timeout,
                        target="< 5 s at 1M" if fast_load else "", ok=(ox_load["load"] < 5) if fast_load else None, note=note))
        rows.append(Row(prefix + "load", "load rate", ox_load["quads"] / ox_load["load"], "triples/s",
                        compare=rdf_load["quads"] / rdf_load["load"] if rdf_load else None,
                        ratio=(ox_load["quads"] / ox_load["load"]) / (rdf_load["quads"] / rdf_load["load"]) if rdf_load else None))
    else:
        rows.append(Row(prefix + "load", f"load {size} triples", None, "s", note=f"Oxigraph failed: {ox_tail}"))
    if disk_records:
        rows.append(Row(prefix + "load", "load into an on-disk store (RocksDB)", disk_records[0]["load"], "s"))
    ox_times, ox_rows, ox_timeouts = query_medians(ox_records)
    ox_runs = query_runs(ox_records)
    rdf_times, rdf_rows, rdf_timeouts = query_medians(rdf_records)
    join_ok = []
    for name in names:
        ox = ox_times.get(name)
        rdf = rdf_times.get(name)
        is_join = joins.get(name, 1) >= 2
        over = name in rdf_timeouts
        compare = rdf if rdf is not None else rdf_timeouts.get(name)
        ratio = compare / ox if (compare is not None and ox) else None
        note_parts = []
        if name in ox_timeouts:
            note_parts.append(f"Oxigraph did not answer within {ox_timeouts[name]:.0f} s (killed)")
        elif ox is None:
            note_parts.append("Oxigraph did not finish" if ox_timeout else "not run on Oxigraph")
        if rdf is None and not over:
            note_parts.append("rdflib did not run it" + (" (its load timed out)" if rdf_timeout and not rdf_load else ""))
        if rdf is not None and ox is not None and rdf_rows.get(name) != ox_rows.get(name):
            note_parts.append(f"row counts differ: Oxigraph {ox_rows.get(name)}, rdflib {rdf_rows.get(name)}")
        p95 = percentile_95(ox_runs[name]) if ox_runs.get(name) else None
        bound = CROSS_SOURCE.get(name, 0.1)
        target = f"<= {bound * 1000:.0f} ms" + (", >= 20x" if is_join and not prefix else "") + (", p95 <= 1 s" if prefix else "")
        ok = False if name in ox_timeouts else None
        if ox is not None:
            ok = ox <= bound
            if prefix and p95 is not None:
                ok = ok and p95 <= 1.0
            if is_join and ratio is not None and not prefix:
                ok = ok and ratio >= 20
                join_ok.append(ratio >= 20)
        kind = "join" if is_join else "lookup"
        rows.append(Row(prefix + "query", f"{name} ({kind}, {ox_rows.get(name, rdf_rows.get(name, '?'))} rows)",
                        ox * 1000 if ox is not None else None, "ms", compare=compare * 1000 if compare is not None else None,
                        p95=p95 * 1000 if p95 is not None else None,
                        ratio=ratio, over=over, target=target, ok=ok, note="; ".join(note_parts)))
    if ox_times or ox_timeouts:
        # A killed query counts at its time limit: the median is then a lower bound.
        all_median = statistics.median(list(ox_times.values()) + list(ox_timeouts.values()))
        rdf_all = list(rdf_times.values()) + list(rdf_timeouts.values())
        rows.append(Row(prefix + "query", "median over the named queries", all_median * 1000, "ms",
                        compare=statistics.median(rdf_all) * 1000 if rdf_all else None,
                        target="<= 100 ms", ok=all_median * 1000 <= 100,
                        note="a lower bound: some Oxigraph runs were killed at the limit" if ox_timeouts else ""))
        pooled = [t for runs in ox_runs.values() for t in runs] + list(ox_timeouts.values())
        p95_all = percentile_95(pooled)
        rows.append(Row(prefix + "query", "p95 over every timed run of every named query", p95_all * 1000, "ms",
                        target="<= 1 s", ok=p95_all <= 1.0))
    for name in skipped:
        rows.append(Row(prefix + "query", name, None, "ms", note="needs the internet (a remote endpoint): not run"))
    if not names:
        rows.append(Row(prefix + "query", "named queries", None, "ms", note="no queries/*.rq yet"))
    # After loading (the store's own footprint) and while querying (the forked query
    # children included: a query that builds large intermediate results shows here).
    peaks = [("Oxigraph, in memory: load", ox_records[:1]), ("Oxigraph, in memory: queries", ox_records[1:]),
             ("Oxigraph, on disk: load", disk_records),
             ("rdflib: load", rdf_records[:1]), ("rdflib: queries", rdf_records[1:])]
    for label, records in peaks:
        peak = max((r["maxrss_mb"] for r in records if "maxrss_mb" in r), default=None)
        at_1m = quads >= 1_000_000 and label.endswith(": load") and "rdflib" not in label
        rows.append(Row(prefix + "memory", f"peak memory, {label}", peak, "MB", target="< 1 GB at 1M" if at_1m else "",
                        ok=(peak < 1024) if (at_1m and peak is not None) else None))
    return rows


def measure_pages(config: BenchConfig) -> list[Row]:
    """Figure 6: pages of ``config.page_nodes`` nodes: size, build time, time to interactive."""
    browser = config.browser and chromium_path() is not None
    rows = []
    for n in config.page_nodes:
        records, timed_out, tail = run_worker("page", {"nodes": n, "seed": config.seed, "browser": browser,
                                                       "timeout": config.page_timeout}, config.page_timeout * 3)
        if not records:
            why = f"not done within {config.page_timeout * 3:.0f} s" if timed_out else f"failed: {tail}"
            rows.append(Row("page", f"{n:,}-node page", None, "s", note=why))
            continue
        r = records[-1]
        mode = "physics layout" if r["physics"] else "precomputed layout"
        rows.append(Row("page", f"{n:,} nodes, {r['edges']:,} edges ({mode}): HTML size", r["bytes"] / MB, "MB"))
        if not r["physics"]:
            rows.append(Row("page", f"{n:,} nodes: layout in Python (networkx)", r["layout"], "s"))
        rows.append(Row("page", f"{n:,} nodes: to_html", r["to_html"], "s"))
        if "page" in r:
            t = r["page"]["interactive"] / 1000
            big = n >= 10000
            rows.append(Row("page", f"{n:,} nodes: interactive in Chromium", t, "s",
                            target="< 5 s" if big else "", ok=(t < 5) if big else None,
                            note=f"first drawn at {r['page']['firstDraw'] / 1000:.2f} s" + (
                                f", layout settled at {r['page']['stabilized'] / 1000:.2f} s" if "stabilized" in r["page"] else "")))
        else:
            rows.append(Row("page", f"{n:,} nodes: interactive in Chromium", None, "s",
                            note="no Chromium at /usr/bin/chromium" if config.browser else "skipped (--no-browser)"))
        rows.append(Row("page", f"{n:,} nodes: peak memory (build the page)", r["maxrss_mb"], "MB"))
    return rows


def measure_folders(config: BenchConfig, tmp: Path) -> list[Row]:
    """Figure 7: a corpus of real article folders through the whole pipeline.

    Writes ``config.corpus_articles`` synthetic folders (:mod:`ketamine_kg.dev.synthetic_folders`),
    builds them as ``build --corpus DIR --no-reason`` does (:func:`ketamine_kg.app.build.run_build`
    in a fresh process: wall time, stages, peak memory), builds the first
    ``config.corpus_reason_articles`` of them again with the reasoner (HermiT is far slower
    than the rest, so it gets a smaller corpus and a row of its own), then loads the
    N-Quads the build wrote into Oxigraph and rdflib and times every named query on them.
    """
    n = config.corpus_articles
    folders = tmp / "folders"
    records, timed_out, tail = run_worker("folders", {"path": str(folders), "articles": n, "seed": config.seed},
                                          config.load_timeout)
    if not records:
        return [Row("corpus", f"write {n:,} article folders", None, "s", note="timed out" if timed_out else f"failed: {tail}")]
    made = records[-1]
    rows = [Row("corpus", f"write {n:,} article folders ({made['claims']:,} claims, {made['bytes'] / MB:.0f} MB)",
                made["seconds"], "s")]
    out = tmp / "corpus-build"
    records, timed_out, tail = run_worker("corpus_build", {"corpus": str(folders), "out": str(out), "reason": False,
                                                           "render": config.render}, config.corpus_timeout)
    big = n >= 1000
    if not records:
        why = f"not done within {config.corpus_timeout:.0f} s (killed)" if timed_out else f"failed: {tail}"
        return rows + [Row("corpus", f"build --corpus, {n:,} articles, no reasoner", None if not timed_out else config.corpus_timeout,
                           "s", target="< 2 min at 1,000", ok=False if timed_out else None, note=why)]
    built = records[-1]
    rows.append(Row("corpus", f"build --corpus, {n:,} articles, no reasoner ({built['triples']:,} triples)", built["total"], "s",
                    target="< 2 min at 1,000" if big else "", ok=(built["total"] < 120) if big else None))
    for stage, seconds in built["timings"].items():
        rows.append(Row("corpus", f"  stage: {stage}", seconds, "s"))
    rows.append(Row("corpus", "build peak memory", built["maxrss_mb"], "MB"))
    if built.get("child_maxrss_mb"):
        rows.append(Row("corpus", "build peak memory, largest forked child", built["child_maxrss_mb"], "MB",
                        note="SHACL checkers and the exports run in forked children; a child's figure counts the "
                             "pages it shares with the build, so the two overlap"))
    m = min(config.corpus_reason_articles, n)
    if m and config.reason:
        subset = tmp / "reason-folders"
        subset.mkdir()
        for folder in sorted(folders.iterdir())[:m]:
            (subset / folder.name).symlink_to(folder)
        records, timed_out, tail = run_worker("corpus_build", {"corpus": str(subset), "out": str(tmp / "reason-build"),
                                                               "reason": True, "render": False}, config.corpus_timeout)
        if records:
            r = records[-1]
            rows.append(Row("corpus", f"reasoning over the first {m} articles (HermiT)", r["timings"].get("reasoning"), "s",
                            note=f"{r['inferred']:,} inferred triples; the reasoner is not run on the {n:,}-article build"))
        else:
            rows.append(Row("corpus", f"reasoning over the first {m} articles (HermiT)", None, "s",
                            note=f"not done within {config.corpus_timeout:.0f} s" if timed_out else f"failed: {tail}"))
    else:
        rows.append(Row("corpus", "reasoning over a corpus", None, "s",
                        note="skipped: the reasoner is off" if not config.reason else "skipped (no reasoning corpus; --quick)"))
    nquads = out / "ketamine-kg.nq"
    rows += measure_stores(config, nquads, built["quads"], prefix="corpus ", repeats=config.corpus_repeats)
    return rows


def run_bench(config: BenchConfig, progress=None) -> list[Row]:
    """Every figure of one run (of the parts ``config.parts`` names), in table order.

    ``progress(text)`` hears what runs now.
    """
    say = progress or (lambda text: None)
    rows: list[Row] = []
    if "build" in config.parts:
        say("article build ...")
        rows += measure_build(config)
    if "store" in config.parts:
        with tempfile.TemporaryDirectory(prefix="kkg-bench-") as tmp:
            path = Path(tmp) / "corpus.nq"
            say(f"synthetic corpus of {config.triples:,} triples ...")
            corpus_rows, corpus = measure_corpus(config, path)
            rows += corpus_rows
            say("loading and querying: Oxigraph, then rdflib ...")
            rows += measure_stores(config, path, corpus["quads"])
    if "corpus" in config.parts and config.corpus_articles:
        with tempfile.TemporaryDirectory(prefix="kkg-bench-corpus-") as tmp:
            say(f"a corpus of {config.corpus_articles:,} article folders: write, build, reason, load, query ...")
            rows += measure_folders(config, Path(tmp))
    if "disk" in config.parts and config.disk_triples:
        from ketamine_kg.dev.bench_disk import measure_disk  # it imports this module

        with tempfile.TemporaryDirectory(prefix="kkg-bench-disk-") as tmp:
            say(f"an on-disk store of {config.disk_triples:,} triples: load, query ...")
            rows += measure_disk(config, Path(tmp))
    if "pages" in config.parts:
        say("pages in Chromium ...")
        rows += measure_pages(config)
    return rows


def main(argv: list[str] | None = None) -> None:
    """``python -m ketamine_kg.dev.bench WORKER JSON``: run one worker, as :mod:`ketamine_kg.dev.bench_workers` does."""
    bench_workers.main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
