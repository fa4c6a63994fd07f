#!/usr/bin/env python3
"""Benchmark reasoning over the built-in article: HermiT (JVM start included) and OWL 2 RL.

    .venv/bin/python scripts/bench_reason.py [--runs N] [--data DIR]

Prints the median, minimum and maximum wall time of ``reason_over`` for each reasoner,
the time of the HermiT process alone, and the ratio to the 5 s target. Data loading and
the TBox build are done once, outside the timed part.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

TARGET_SECONDS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", default=None)
    args = parser.parse_args()

    from ketamine_kg.load.dataset import load_dataset
    from ketamine_kg.ontology.reason import get_owl_view, java_available, reason_over, run_hermit
    from ketamine_kg.ontology.tbox import get_tbox_graph
    from ketamine_kg.rdf.abox import get_data_graph

    dataset = load_dataset(args.data)
    data = get_data_graph(dataset)
    tbox = get_tbox_graph()
    view_graph = get_owl_view(tbox, data).graph()
    print(f"article: {len(dataset.claims)} claims, {len(dataset.entities)} entities; reasoner input: {len(view_graph)} triples")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    reasoners = ["hermit", "owlrl"] if java_available() else ["owlrl"]
    for name in reasoners:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            report = reason_over(dataset, tbox, data, reasoner=name)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{report.reasoner:18} median {median:5.2f} s  min {min(times):5.2f}  max {max(times):5.2f}  "
              f"({len(report.facts)} facts, {len(report.classifications())} classifications; "
              f"{median / TARGET_SECONDS:.0%} of the {TARGET_SECONDS:.0f} s target)")
        if name == "hermit":
            alone = []
            for _ in range(args.runs):
                start = time.perf_counter()
                run_hermit(view_graph)
                alone.append(time.perf_counter() - start)
            print(f"{'  HermiT process':18} median {statistics.median(alone):5.2f} s  (owlready2 load + JVM + HermiT)")


if __name__ == "__main__":
    main()
