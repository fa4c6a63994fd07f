"""The benchmark's workers: each heavy step of :mod:`ketamine_kg.dev.bench` in a process of its own.

``run_worker(task, args, timeout)`` starts ``python -m ketamine_kg.dev.bench_workers TASK
JSON`` (``python -m ketamine_kg.dev.bench TASK JSON`` does the same) and collects the JSON
lines it prints: the worker's figures and its peak memory (``ru_maxrss``), which is its
own because nothing else ran in that process. A worker that runs past ``timeout`` is
killed; the lines it printed before are kept.

The workers import the rooms they measure inside their own bodies, not at module level:
a worker's peak memory must hold only what it measures (the build, Oxigraph, rdflib's
SPARQL engine or the page renderer), not all of them.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

def maxrss_mb() -> float:
    """Peak resident memory of this process, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_maxrss_mb() -> float:
    """Peak resident memory of the largest child this process waited for, in MB (0 without one).

    A forked child's figure counts the pages it still shares with its parent, so the two
    figures overlap: their sum overstates what the pair used.
    """
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def emit(record: dict) -> None:
    """Print ``record`` as one JSON line for :func:`run_worker` to collect."""
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def run_worker(task: str, args: dict, timeout: float) -> tuple[list[dict], bool, str]:
    """Run ``python -m ketamine_kg.dev.bench_workers TASK ARGS`` and collect the JSON lines it prints.

    Returns ``(records, timed_out, stderr_tail)``. Lines printed before a timeout are kept.
    """
    cmd = [sys.executable, "-m", "ketamine_kg.dev.bench_workers", task, json.dumps(args)]
    records: list[dict] = []
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            timed_out = True
        out.seek(0)
        err.seek(0)
        for line in out.read().decode("utf-8", "replace").splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    if proc.returncode not in (0, None) and not timed_out and not records:
        raise RuntimeError(f"benchmark worker {task!r} failed: {' / '.join(tail)}")
    return records, timed_out, " / ".join(tail)


def worker_build(args: dict) -> None:
    """The article build, total and per stage."""
    from ketamine_kg.app.build import run_build

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_build(args.get("data"), Path(tmp) / "out", reason=args["reason"], render=args["render"])
    emit({"timings": result.timings, "total": time.perf_counter() - start, "triples": result.triples,
           "maxrss_mb": maxrss_mb()})


def worker_folders(args: dict) -> None:
    """Write the synthetic article folders of a corpus."""
    from ketamine_kg.dev.synthetic_folders import write_synthetic_folders

    stats = write_synthetic_folders(Path(args["path"]), args["articles"], seed=args["seed"])
    emit({"articles": stats.articles, "claims": stats.claims, "bytes": stats.bytes, "seconds": stats.seconds,
          "maxrss_mb": maxrss_mb()})


def worker_corpus_build(args: dict) -> None:
    """``build --corpus DIR`` as the command runs it: find the article folders, then ``run_build``."""
    from ketamine_kg.app.build import run_build
    from ketamine_kg.load.corpus import find_article_folders

    start = time.perf_counter()
    folders = find_article_folders(Path(args["corpus"]))
    result = run_build(folders, Path(args["out"]), reason=args["reason"], render=args["render"])
    quads = sum(len(g) for g in result.rdf_dataset.graphs())
    emit({"timings": result.timings, "total": time.perf_counter() - start, "triples": result.triples,
          "inferred": result.inferred, "quads": quads, "maxrss_mb": maxrss_mb(), "child_maxrss_mb": children_maxrss_mb()})


def worker_generate(args: dict) -> None:
    """Write the synthetic corpus as N-Quads."""
    from ketamine_kg.dev.synthetic import write_synthetic_nquads

    stats = write_synthetic_nquads(Path(args["path"]), args["triples"], seed=args["seed"])
    emit({"articles": stats.articles, "quads": stats.quads, "bytes": stats.bytes, "seconds": stats.seconds,
           "maxrss_mb": maxrss_mb()})


def time_queries(engine, repeats: int, names: list[str], send, slow: float) -> None:
    """Run each named query ``repeats`` times on ``engine``, sending one record per run."""
    from ketamine_kg.sparql.catalogue import get_query
    from ketamine_kg.sparql.engines import run_query

    for name in names:
        query = get_query(name)
        for n in range(repeats):
            start = time.perf_counter()
            result = run_query(engine, query)
            seconds = time.perf_counter() - start
            send({"query": name, "run": n, "seconds": seconds, "rows": len(result)})
            if seconds > slow:  # one run of a slow query is enough for its figure
                break


def counted(runs: list[dict]) -> list[dict]:
    """The runs of one query that count: the first warms caches, so it counts only when it is the only one."""
    return runs[1:] if len(runs) > 1 else runs


def worker_oxigraph(args: dict) -> None:
    """Load the corpus into Oxigraph (in memory, or on disk with ``disk``) and time the queries."""
    import pyoxigraph as ox

    from ketamine_kg.sparql.engines import OxigraphEngine
    from ketamine_kg.store import load_quads

    if args.get("disk"):
        # On disk, the queries (if any) run here, one after another: a forked child would share
        # RocksDB's open files and background threads. run_worker's time limit bounds them all.
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            store = ox.Store(tmp)
            load_quads(store, path=args["path"], on_disk=True)
            store.flush()
            seconds = time.perf_counter() - start
            size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
            emit({"load": seconds, "quads": len(store), "bytes": size, "maxrss_mb": maxrss_mb()})
            engine = OxigraphEngine(store)
            for name in args.get("queries", []):
                runs: list[dict] = []
                time_queries(engine, args["repeats"] + 1, [name], runs.append, args["timeout"] / 4)
                for record in counted(runs):
                    emit({**record, "maxrss_mb": maxrss_mb()})
            del engine, store
        return
    start = time.perf_counter()
    store = ox.Store()
    load_quads(store, path=args["path"])
    seconds = time.perf_counter() - start
    emit({"load": seconds, "quads": len(store), "maxrss_mb": maxrss_mb()})
    run_forked(OxigraphEngine(store), args)


def run_forked(engine, args: dict) -> None:
    """Time every query of ``args`` on ``engine``, each in a forked child killed at the time limit.

    The child shares the loaded store (copy on write). It runs the query ``repeats + 1``
    times: the first run warms caches and is not counted unless it is the only one (a
    run slower than a quarter of the limit is not repeated). A query whose run passes
    the limit is reported as ``{"query": name, "timeout": limit}``.
    """
    ctx = multiprocessing.get_context("fork")
    limit, repeats = args["timeout"], args["repeats"]
    for name in args["queries"]:
        reader, writer = ctx.Pipe(duplex=False)
        child = ctx.Process(target=time_queries, args=(engine, repeats + 1, [name], writer.send, limit / 4))
        child.start()
        writer.close()
        runs: list[dict] = []
        while len(runs) < repeats + 1:
            if not reader.poll(limit):
                if child.is_alive():
                    child.kill()
                    emit({"query": name, "timeout": limit})
                break
            try:
                runs.append(reader.recv())
            except EOFError:
                break
            if runs[-1]["seconds"] > limit / 4:
                break
        child.join()
        reader.close()
        for record in counted(runs):
            emit(record)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    emit({"done": True, "maxrss_mb": max(maxrss_mb(), children)})


def worker_rdflib(args: dict) -> None:
    """Load the corpus into rdflib's in-memory Dataset and time the queries."""
    from ketamine_kg.sparql.engines import MemoryEngine

    start = time.perf_counter()
    engine = MemoryEngine.from_nquads(Path(args["path"]))
    seconds = time.perf_counter() - start
    emit({"load": seconds, "quads": sum(len(g) for g in engine.dataset.graphs()), "maxrss_mb": maxrss_mb()})
    # Warm up before forking, so no child pays for importing and initialising the SPARQL engine.
    from ketamine_kg.sparql.catalogue import parse_query
    from ketamine_kg.sparql.engines import run_query

    run_query(engine, parse_query("SELECT ?s WHERE { ?s ?p ?o . ?o ?q ?r } LIMIT 1", "warm-up"))
    run_forked(engine, args)


def worker_page(args: dict) -> None:
    """Make a synthetic view graph of ``nodes`` nodes, its page, and (with ``browser``) time it in Chromium."""
    from ketamine_kg.dev.chromium import measure_page, with_bench_script
    from ketamine_kg.views.layout import get_layout
    from ketamine_kg.views.page import LARGE_GRAPH, to_html
    from ketamine_kg.dev.synthetic import get_synthetic_view_graph

    n = args["nodes"]
    start = time.perf_counter()
    graph = get_synthetic_view_graph(n, seed=args["seed"])
    made = time.perf_counter() - start
    physics = n < LARGE_GRAPH
    layout_seconds = 0.0
    if not physics:
        start = time.perf_counter()
        for node, (x, y) in get_layout(graph).items():
            graph.nodes[node].update(x=x, y=y)
        layout_seconds = time.perf_counter() - start
    start = time.perf_counter()
    html = to_html(graph)
    html_seconds = time.perf_counter() - start
    record = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "graph": made,
              "layout": layout_seconds, "to_html": html_seconds, "bytes": len(html.encode("utf-8")),
              "physics": physics}
    if args["browser"]:
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(tmp) / "page.html"
            page.write_text(with_bench_script(html, physics), encoding="utf-8")
            record["page"] = measure_page(page, timeout=args["timeout"])
    record["maxrss_mb"] = maxrss_mb()
    emit(record)


WORKERS: dict[str, Callable[[dict], None]] = {
    "build": worker_build,
    "generate": worker_generate,
    "folders": worker_folders,
    "corpus_build": worker_corpus_build,
    "oxigraph": worker_oxigraph,
    "rdflib": worker_rdflib,
    "page": worker_page,
}


def main(argv: list[str] | None = None) -> None:
    """``python -m ketamine_kg.dev.bench_workers WORKER JSON``: run one worker (used by :func:`run_worker`)."""
    argv = sys.argv[1:] if argv is None else argv
    WORKERS[argv[0]](json.loads(argv[1]))


if __name__ == "__main__":
    main()
