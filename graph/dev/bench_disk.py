"""Figure 8 of the benchmark: the on-disk store (RocksDB) at a size that does not fit the in-memory runs.

``measure_disk(config, tmp)`` writes ``config.disk_triples`` synthetic quads
(:mod:`ketamine_kg.dev.synthetic`), loads them into an on-disk Oxigraph store the way
``load_quads(..., on_disk=True)`` does for a user, and times every named query there: the
load time and rate, the store's size on disk, each query's median and 95th percentile, and
the peak memory. The full run uses 10M triples (issue 12); ``--quick`` a small corpus, so
CI walks the same code.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from ketamine_kg.dev.bench import MB, BenchConfig, percentile_95, query_medians, query_runs
from ketamine_kg.dev.bench_table import Row
from ketamine_kg.dev.bench_workers import run_worker
from ketamine_kg.sparql.catalogue import list_queries


def measure_disk(config: BenchConfig, tmp: Path) -> list[Row]:
    """The on-disk rows of one run (``run_bench`` calls it when ``config.disk_triples`` is set)."""
    n = config.disk_triples
    path = tmp / "disk-corpus.nq"
    records, timed_out, tail = run_worker("generate", {"path": str(path), "triples": n, "seed": config.seed},
                                          config.disk_timeout)
    if not records:
        return [Row("disk", f"write {n:,} synthetic triples", None, "s", note="timed out" if timed_out else f"failed: {tail}")]
    made = records[-1]
    rows = [Row("disk", f"write {made['quads']:,} synthetic triples ({made['articles']:,} articles, {made['bytes'] / MB:.0f} MB)",
                made["seconds"], "s")]
    names = [q.name for q in list_queries() if not q.requires]
    records, timed_out, tail = run_worker("oxigraph", {"path": str(path), "disk": True, "queries": names,
                                                       "repeats": config.oxigraph_repeats, "timeout": config.query_timeout},
                                          config.disk_timeout)
    path.unlink(missing_ok=True)
    if not records or "load" not in records[0]:
        why = f"not done within {config.disk_timeout:.0f} s (killed)" if timed_out else f"failed: {tail}"
        return rows + [Row("disk", "load into an on-disk store (RocksDB)", None, "s", note=why)]
    load = records[0]
    rows += [
        Row("disk", f"load into an on-disk store (RocksDB; {load['quads']:,} quads with the default-graph union)",
            load["load"], "s"),
        Row("disk", "load rate", load["quads"] / load["load"], "triples/s"),
        Row("disk", "store size on disk", load["bytes"] / MB, "MB"),
    ]
    medians, answered, _ = query_medians(records[1:])  # the worker sends only the runs that count
    runs = query_runs(records[1:])
    for name in names:
        if name not in medians:
            rows.append(Row("disk query", name, None, "ms",
                            note="not reached: the run was killed at its time limit" if timed_out else f"not run: {tail}"))
            continue
        rows.append(Row("disk query", f"{name} ({answered[name]} rows)", medians[name] * 1000, "ms",
                        p95=percentile_95(runs[name]) * 1000))
    if medians:
        rows.append(Row("disk query", "median over the named queries", statistics.median(medians.values()) * 1000, "ms",
                        note="a lower bound: not every query was reached" if len(medians) < len(names) else ""))
    rows.append(Row("disk memory", "peak memory, on-disk load and queries",
                    max(r.get("maxrss_mb", 0.0) for r in records), "MB"))
    return rows
