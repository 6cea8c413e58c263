"""The Markdown report of the items benchmark: the figures, their targets and the same-run comparisons."""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from bench.databases import machine
from bench.items.data import Population
from bench.items.inserts import InsertComparison
from bench.stats import Samples, ratio

# (what is measured, its comparison in the same run)
COMPARISONS = (
    ("search selective, by name, page 1 (org admin)", "LIKE scan selective, by name, page 1 (org admin)"),
    ("search selective, by name, page 1 (non-admin)", "LIKE scan selective, by name, page 1 (non-admin)"),
    ("search broad, by name, page 1 (org admin)", "LIKE scan broad, by name, page 1 (org admin)"),
    ("search broad, by name, page 1 (non-admin)", "LIKE scan broad, by name, page 1 (non-admin)"),
    ("search broad, by name, page 1 (org admin)", "index-sorted broad, by name, page 1 (org admin)"),
)


def header(args: argparse.Namespace) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in machine().items())
    command = "python -m bench " + shlex.join(sys.argv[1:])
    return f"## Items benchmark\n\nCommand: `{command}`\n\nMachine:\n{facts}\n"


def section(
    dialect: str,
    population: Population,
    results: list[Samples],
    targets: dict[str, float],
    *,
    load: tuple[float, float] | None = None,
    comparison: InsertComparison | None = None,
    writes: dict[str, float] | None = None,
) -> str:
    """The figures of one database; ``load`` (seconds to populate, to ANALYZE) when this run built it."""
    lines = [f"### {dialect}: {population.item_count:,} items in {population.folder_count:,} folders\n"]
    lines.append(f"- load average before / after measuring: {population.load_average} / {_load_average()}")
    if writes:
        rate = writes["changes"] / writes["seconds"]
        lines.append(
            f"- measured while another process changed items: {writes['changes']:,.0f} changes (renames, moves, "
            f"new items) in {writes['seconds']:.0f} s, {rate:.1f} per second"
        )
    if comparison is not None:
        lines.append(
            f"- insert comparison ({comparison.items:,} items into a fresh database, transactions of 20,000): "
            f"`insert_many` {comparison.insert_many_rate:,.0f} items/s, plain executemany without RETURNING "
            f"{comparison.plain_rate:,.0f} items/s (plain / insert_many "
            f"{comparison.plain_rate / comparison.insert_many_rate:.1f}x)"
        )
    if load is not None:
        lines.extend(_inserts(population, *load))
    else:
        lines.append("- database populated by an earlier run (`--reuse`): see that run for the insert rate\n")
    lines.append("| scenario | n | median ms | p95 ms | CPU ms (median) | rows | target p95 |")
    lines.append("|---|---:|---:|---:|---:|---:|---|")
    for samples in results:
        lines.append(
            f"| {samples.name} | {len(samples.values)} | {samples.median:.1f} | {samples.p95:.1f} | "
            f"{samples.cpu_median:.1f} | {samples.notes.get('rows', '')} | {_target(samples, targets)} |"
        )
    lines.append("")
    lines.extend(_comparisons(results))
    return "\n".join(lines) + "\n"


def _load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _inserts(population: Population, load_seconds: float, analyze_seconds: float) -> list[str]:
    chunks = population.insert_seconds
    total_items = sum(n for n, _ in chunks)
    total_seconds = sum(s for _, s in chunks)
    tenth = max(1, len(chunks) // 10)
    first = sum(n for n, _ in chunks[:tenth]) / sum(s for _, s in chunks[:tenth])
    last = sum(n for n, _ in chunks[-tenth:]) / sum(s for _, s in chunks[-tenth:])
    return [
        f"- insert rate: **{total_items / total_seconds:,.0f} items/s** ({total_items:,} items in "
        f"{total_seconds:.0f} s of insert transactions, {len(chunks)} transactions of up to 20,000 items)",
        f"- first tenth {first:,.0f} items/s, last tenth {last:,.0f} items/s (last/first {last / first:.2f})",
        f"- whole population (folders, grants, datasets, items) {load_seconds:.0f} s; "
        f"then VACUUM ANALYZE (PostgreSQL) or the name-ordered search index built (SQLite) {analyze_seconds:.1f} s",
        "",
    ]


def _target(samples: Samples, targets: dict[str, float]) -> str:
    for prefix, limit in targets.items():
        if samples.name.startswith(prefix) and "OFFSET" not in samples.name:
            verdict = "met" if samples.p95 <= limit else "**missed**"
            return f"≤ {limit:.0f} ms: {verdict}"
    return ""


def _comparisons(results: list[Samples]) -> list[str]:
    by_name = {s.name: s for s in results}
    pairs = list(COMPARISONS) + [
        (s.name, s.name.replace("keyset", "OFFSET")) for s in results if s.name.endswith("keyset")
    ]
    lines = ["| measured | against | median ratio | p95 ratio |", "|---|---|---:|---:|"]
    for ours, theirs in pairs:
        if ours in by_name and theirs in by_name:
            a, b = by_name[ours], by_name[theirs]
            lines.append(f"| {ours} | {theirs} | {ratio(b.median, a.median)} | {ratio(b.p95, a.p95)} |")
    return [*lines, ""]
