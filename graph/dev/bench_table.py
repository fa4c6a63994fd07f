"""The benchmark's figures and how they are printed: :class:`Row`, the machine, the table and JSON.

:mod:`ketamine_kg.dev.bench` measures and returns rows; ``to_table(rows, machine)`` prints them
under the machine, library versions and date, with a p95 column when some row has one.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ketamine_kg.dev.chromium import chromium_version


@dataclass
class Row:
    """One figure: ``value`` in ``unit`` (None: not measured, ``note`` says why).

    ``compare`` is the value of the alternative (rdflib), ``ratio`` compare / value,
    ``target`` the goal in words and ``ok`` whether it holds (None: no target).
    """

    section: str
    name: str
    value: float | None
    unit: str = ""
    p95: float | None = None  # a query's 95th-percentile run, beside its median (value)
    compare: float | None = None
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None
    note: str = ""
    over: bool = False  # the compared run hit its time limit: compare is a lower bound


# --- the machine -----------------------------------------------------------------------

def get_machine() -> dict:
    """CPU model, cores, RAM, OS, Python, library versions, Chromium and the date."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions = {}
    for dist in ("ketamine-kg", "pyoxigraph", "rdflib", "networkx", "pyvis", "owlready2"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "missing"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(ram / 1024**3, 1) if ram else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions,
        "chromium": chromium_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --- the table -------------------------------------------------------------------------

def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.0f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit in ("triples/s", "triples", "nodes", "bytes"):
        return f"{value:,.0f} {unit}"
    return f"{value:g} {unit}".strip()


def _ratio(row: Row) -> str:
    if row.ratio is None:
        return ""
    return f"{'>' if row.over else ''}{row.ratio:.1f}x"


def to_table(rows: list[Row], machine: dict) -> str:
    """The rows as a plain-text table under a header naming the machine, versions and date.

    >>> print(to_table([Row("load", "Oxigraph", 1.5, "s", compare=30.0, ratio=20.0, target="< 5 s", ok=True)],
    ...                {"cpu": "X", "cores": 2, "ram_gb": 4, "os": "L", "python": "3", "versions": {"rdflib": "7"},
    ...                 "chromium": "C", "date": "D"}))  # doctest: +NORMALIZE_WHITESPACE
    machine: X, 2 cores, 4 GB RAM, L, Python 3
    libraries: rdflib 7; C
    date: D
    <BLANKLINE>
    section  figure    ketamine-kg  rdflib  ratio  target  ok
    -------  --------  -----------  ------  -----  ------  ---
    load     Oxigraph  1.500 s      30.0 s  20.0x  < 5 s   yes
    """
    head = [
        f"machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('ram_gb')} GB RAM, "
        f"{machine.get('os')}, Python {machine.get('python')}",
        "libraries: " + ", ".join(f"{k} {v}" for k, v in machine.get("versions", {}).items()) + f"; {machine.get('chromium')}",
        f"date: {machine.get('date')}",
        "",
    ]
    with_p95 = any(row.p95 is not None for row in rows)
    header = ["section", "figure", "ketamine-kg"] + (["p95"] if with_p95 else []) + ["rdflib", "ratio", "target", "ok"]
    cells = []
    for row in rows:
        compare = _fmt(row.compare, row.unit) if row.compare is not None else ""
        if row.over and compare:
            compare = "> " + compare
        ok = "" if row.ok is None else ("yes" if row.ok else "NO")
        value = _fmt(row.value, row.unit) if row.value is not None else ("not measured" if row.note else "-")
        p95 = [_fmt(row.p95, row.unit) if row.p95 is not None else ""] if with_p95 else []
        cells.append([row.section, row.name, value, *p95, compare, _ratio(row), row.target, ok])
    notes = [(i, r.note) for i, r in enumerate(rows, 1) if r.note]
    widths = [max(len(str(c[i])) for c in [header] + cells) for i in range(len(header))]
    # Drop empty trailing columns' padding but keep alignment.
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in [header, ["-" * w for w in widths]] + cells]
    if notes:
        lines += ["", "notes:"] + [f"  [{rows[i - 1].section} / {rows[i - 1].name}] {note}" for i, note in notes]
    return "\n".join(head + lines)


def to_json(rows: list[Row], machine: dict, config: Any) -> str:
    """The run as JSON: machine, config (a :class:`~ketamine_kg.dev.bench.BenchConfig`) and rows."""
    return json.dumps({"machine": machine, "config": asdict(config), "rows": [asdict(r) for r in rows]}, indent=2)
