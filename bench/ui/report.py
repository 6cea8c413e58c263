"""The Markdown report of the UI benchmark: each scenario's browser time against the API's, and the bundle's size."""

from __future__ import annotations

import argparse
import gzip
import shlex
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.databases import machine
from bench.items.data import Population
from bench.stats import ratio as ratio_text
from bench.ui.browser import QUIET_MS, Comparison, Scroll

UI_DIST = Path(__file__).resolve().parents[2] / "src" / "cairn" / "api" / "ui_dist"
FIRST_ROWS_MS = 300.0  # issue 17's targets
API_RATIO = 1.5
BUNDLE_KB = 500.0


@dataclass
class Results:
    first_rows: list[Comparison] = field(default_factory=list)
    scroll: Scroll | None = None
    floor: str = ""  # the floor pages' table (bench.ui.floor), when asked for


def gzipped_javascript_kb() -> float:
    """The built app's JavaScript, each file gzipped (as a server or CDN would send it), in KB."""
    files = sorted(UI_DIST.glob("**/*.js"))
    if not files:
        raise SystemExit(f"no JavaScript in {UI_DIST}: build the UI first (make ui)")
    return sum(len(gzip.compress(f.read_bytes(), compresslevel=9)) for f in files) / 1000


def markdown(
    args: argparse.Namespace,
    population: Population,
    results: Results,
    *,
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
) -> str:
    about = machine()
    lines = [
        "## Web UI in Chromium",
        "",
        f"Command: `python -m bench {shlex.join(sys.argv[1:])}`; {population.item_count:,} items in "
        f"{population.folder_count:,} folders (SQLite), the biggest folder `{population.big_folder.name}` "
        f"holding a tenth; signed in as the local admin; medians of {args.runs} runs after one warm-up run. The API's "
        f"requests are made once the page has had none in flight for {QUIET_MS} ms (what it asks for after its rows "
        "would else share the server with them).",
        "",
        "| scenario | UI first row painted, median (p95) ms | in the DOM, median ms | the rows' request sent / "
        "answered in the page, median ms | API, the rows' request, median (p95) ms | API, all the page's requests "
        "at once, median ms | UI / API (the rows' request) | each run's UI / API, median | UI / API (all at once) | "
        "≤ 300 ms | ≤ 1.5x |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for found in results.first_rows:
        lines.append(_first_rows_line(found))
    lines += ["", *_trace_lines(results.first_rows), ""]
    for found in results.first_rows:
        lines.append(f"- {found.name}: requests the page made before its first row: {', '.join(found.requests)}")
        lines.append(f"  - last run, each sent / answered in ms from the start (cairn's own ms): {_timeline(found)}")
    if results.floor:
        lines += ["", "The floor, the simplest pages showing the same rows (bench.ui.floor), same run:", ""]
        lines.append(results.floor)
    if results.scroll is not None:
        lines += ["", *_scroll_lines(results.scroll, args.scroll_runs)]
    size = gzipped_javascript_kb()
    lines += [
        "",
        f"Built JavaScript, gzipped: {size:.1f} KB (target ≤ {BUNDLE_KB:.0f} KB: {_met(size <= BUNDLE_KB)}).",
        "",
        f"Machine: {about['cpu']}, {about['cores']}, {about['memory']}; {about['os']}; Python {about['python']}, "
        f"SQLite {about['sqlite']}. Load average (1, 5, 15 min) before: {_load(load_before)}, after: "
        f"{_load(load_after)}.",
        "",
    ]
    return "\n".join(lines)


def _sent(found: Comparison) -> str:
    """When the page sent the rows' request and had its answer, or that it asked for none (they were in its HTML)."""
    if not found.sent.values:
        return "in the page's HTML"
    return f"{found.sent.median:.0f} / {found.answered.median:.0f}"


def _first_rows_line(found: Comparison) -> str:
    ui, api = found.ui, found.api_alone
    ratio = ui.median / api.median if api.median else float("inf")
    # Each browser run is followed by its own API run: their ratio, run by run, follows the machine's load.
    paired = statistics.median(u / a for u, a in zip(ui.values, api.values, strict=True) if a > 0)
    return (
        f"| {found.name} | {ui.median:.0f} ({ui.p95:.0f}) | {found.ui_dom.median:.0f} | {_sent(found)} | "
        f"{api.median:.0f} ({api.p95:.0f}) | {found.api_all.median:.0f} | "
        f"{ratio:.1f}x | {paired:.1f}x | {ratio_text(ui.median, found.api_all.median)} | "
        f"{_met(ui.median <= FIRST_ROWS_MS)} | {_met(ratio <= API_RATIO)} |"
    )


def _trace_lines(found: list[Comparison]) -> list[str]:
    """Where the rows' request spent its time in the page (medians), against the same request sent alone."""
    lines = [
        "The rows' request in the page, medians (ms): queued in the browser (of which opening a connection), in "
        "cairn (its Server-Timing), the rest of the wait for the first byte, reading the body; cairn's own time for "
        "the same request sent alone; the body's size in the page and alone.",
        "",
        "| scenario | queued (connecting) | in cairn | rest of the wait | body | in cairn, sent alone | bytes, page / "
        "alone |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for one in found:
        t = one.trace
        lines.append(
            f"| {one.name} | {t.queued.median:.1f} ({t.connected.median:.1f}) | {t.server.median:.1f} | "
            f"{t.waited.median:.1f} | {t.download.median:.1f} | {t.server_alone.median:.1f} | "
            f"{t.bytes:,} / {t.bytes_alone:,} |"
        )
    return lines


def _timeline(found: Comparison) -> str:
    steps = (
        f"{path} {sent:.0f} / {answered:.0f}" + (f" ({server:.0f})" if server is not None else "")
        for path, sent, answered, server in found.timeline
    )
    return "; ".join(steps)


def _scroll_lines(scroll: Scroll, runs: int) -> list[str]:
    ui, api = scroll.ui, scroll.api
    return [
        f"{scroll.name} ({scroll.rows:,} rows, {scroll.pages} keyset pages; at most {scroll.most_in_dom} rows in "
        f"the DOM on the way), median of {runs} runs: UI {ui.median / 1000:.1f} s (p95 {ui.p95 / 1000:.1f} s), "
        f"the API walking the same pages with httpx {api.median / 1000:.1f} s (p95 {api.p95 / 1000:.1f} s): "
        f"{ui.median / api.median:.1f}x. In the page, the pages' requests were in flight "
        f"{scroll.flight.median / 1000:.1f} s in all; from one page's answer to the next page's request: "
        f"{scroll.between.median / 1000:.1f} s in all.",
    ]


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _load(load: tuple[float, ...]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)
