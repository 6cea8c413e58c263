"""The floor under issue 17's 1.5x target: the simplest pages that show the same first rows, in the same Chromium,
served by the same ``cairn serve``, against the same request sent alone by httpx.

* a static page: an HTML file holding the first 50 rows (no script, no style), loaded afresh: what a navigation
  costs here with no request of the API at all;
* a page load that asks for the rows once (one small script, no framework) and puts 50 of them in a table;
* the same script's in-page navigation (``history.pushState`` and a ``popstate`` event, as the app's): one request,
  50 plain rows.

The two files are written into the served build's ``assets/`` for the run (the server reads that folder at each
request) and removed after it. Each load has its own query string, so that it is not answered from the browser's
cache (the app's ``index.html`` is never cached either).
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench.stats import Samples
from bench.ui.browser import AWAIT, NAVIGATE, RUN_TIMEOUT_MS, SEARCH_ROW, Bench

ROWS = 50

SCRIPT = """
"use strict";
(() => {
  const show = async () => {
    const api = new URLSearchParams(location.search).get("api");
    const body = document.querySelector("table.results tbody");
    if (!api) return;
    const answer = await (await fetch(api, { credentials: "same-origin" })).json();
    const rows = answer.items.slice(0, ROWS).map((it) => {
      const tr = document.createElement("tr");
      for (const text of [it.title, it.kind, it.status]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    });
    body.replaceChildren(...rows);
  };
  addEventListener("popstate", show);
  show();
})();
""".replace("ROWS", str(ROWS))

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>floor</title></head>
<body><table class="results"><tbody>BODY</tbody></table>SCRIPT</body></html>
"""


@dataclass
class Floor:
    name: str
    ui: Samples  # first row painted
    api: Samples  # the rows' request alone (httpx)


@contextmanager
def floor_files(dist: Path) -> Iterator[str]:
    """The floor's script in the served build for the run; yields the tag that names the run's files."""
    tag = f"floor-{os.getpid()}"
    script = dist / "assets" / f"{tag}.js"
    script.write_text(SCRIPT)
    try:
        yield tag
    finally:
        for made in (dist / "assets").glob(f"{tag}*"):
            made.unlink()


def measure(bench: Bench, dist: Path, tag: str, *, name: str, rows_url: str, runs: int) -> list[Floor]:
    """The three floor pages for the request ``rows_url``, turn about with it sent alone."""
    script_tag = f'<script src="/assets/{tag}.js"></script>'
    page = dist / "assets" / f"{tag}.html"
    page.write_text(PAGE.replace("BODY", "").replace("SCRIPT", script_tag))
    items = bench.client.get(rows_url).raise_for_status().json()["items"][:ROWS]
    static = dist / "assets" / f"{tag}-static.html"
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (i["title"], i["kind"], i["status"])) + "</tr>"
        for i in items
    )
    static.write_text(PAGE.replace("BODY", cells).replace("SCRIPT", ""))
    fetched = f"/assets/{tag}.html?api={quote(rows_url, safe='')}"
    found = {k: Floor(f"{name}: {k}", Samples(f"{name} {k}"), Samples(f"{name} {k} api")) for k in _KINDS}
    for run in range(runs + 1):
        for kind in _KINDS:
            if kind == "static page load":
                painted = _load(bench, f"/assets/{tag}-static.html?run={run}")
            elif kind == "page load, one fetch":
                painted = _load(bench, f"{fetched}&run={run}")
            else:
                bench.page.goto(f"{bench.server.base_url}/assets/{tag}.html?run={run}")
                bench.page.wait_for_load_state("networkidle")
                bench.page.evaluate(NAVIGATE, [f"{fetched}&run={run}", SEARCH_ROW])
                painted = bench.page.evaluate(AWAIT, [RUN_TIMEOUT_MS, "/api/"])["painted"]
            bench.page.wait_for_timeout(300)
            began = time.perf_counter()
            bench.client.get(rows_url).raise_for_status()
            alone = (time.perf_counter() - began) * 1000
            if run:
                found[kind].ui.values.append(painted)
                found[kind].api.values.append(alone)
    for floor in found.values():
        print(f"  {floor.name}: first row {floor.ui.median:.0f} ms, API alone {floor.api.median:.0f} ms", flush=True)
    return list(found.values())


_KINDS = ("static page load", "page load, one fetch", "in-page navigation, one fetch")


def _load(bench: Bench, path: str) -> float:
    bench.page.goto("about:blank")
    bench.page.goto(bench.server.base_url + path)
    return float(bench.page.evaluate(AWAIT, [RUN_TIMEOUT_MS, "/api/"])["painted"])


def markdown(floors: list[Floor]) -> str:
    lines = [
        "| floor page | first row painted, median (p95) ms | API alone, the rows' request, median ms | ratio |",
        "|---|---:|---:|---:|",
    ]
    for f in floors:
        ratio = f.ui.median / f.api.median
        lines.append(f"| {f.name} | {f.ui.median:.0f} ({f.ui.p95:.0f}) | {f.api.median:.0f} | {ratio:.1f}x |")
    return "\n".join(lines) + "\n"
