"""The web UI in Chromium at 1,000,000 items (one folder of 100,000): first rows and scrolling against the API.

    python -m bench ui --keep                 # populate once (minutes of CPU), measure, keep the data directory
    python -m bench ui --reuse /tmp/cairn-bench-ui-...   # measure it again
    make bench BENCH_ARGS="ui --reuse DIR"

On the items benchmark's population (SQLite), a real ``cairn serve`` and Debian's Chromium, signed in as the local
admin, measure the time to the first rows of the biggest folder (opened from its parent, and by loading its page)
and of a global search (a medium and a selective term), and the time to scroll that folder's table to its last
row; each against the API's own time for the same requests, made by httpx against the same server in the same run
(see ``bench.ui.browser``). Also the built JavaScript's size, gzipped.
"""

from __future__ import annotations

import argparse
import os
import random
import re
from pathlib import Path

from bench.items.data import Population
from bench.ui import floor, report
from bench.ui.browser import FOLDER_ROW, SEARCH_ROW, Bench, launched, signed_in_page
from bench.ui.data import data_dir
from bench.ui.server import serving, session_cookies
from cairn.api.webui import UI_DIST

PAGE_SIZE = 200  # the table's keyset page (ui/src/files/FilesPage.tsx)
SEARCH_LIMIT = 100  # the search results' page (ui/src/files/SearchResults.tsx)
MEDIUM_TERM = "_clip_"  # ~7 % of items (the videos): a full first page from the newest folders
_DISTINCT = re.compile(r"\d{6}_[a-z]+_\d{4,6}")  # a title's capture time and number: a handful of items match


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=1_000_000, help="items to populate (default 1,000,000)")
    parser.add_argument(
        "--runs", type=int, default=10, help="timed runs of each first-rows scenario (default 10; 0: skip)"
    )
    parser.add_argument("--scroll-runs", type=int, default=3, help="timed scrolls to the end (default 3; 0: skip)")
    parser.add_argument("--seed", type=int, default=2, help="random seed of the data and the selective term")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (to --reuse it)")
    parser.add_argument(
        "--floor", action="store_true", help="also measure the simplest pages showing the same rows (bench.ui.floor)"
    )
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="measure a data directory kept by an earlier run")


def run(args: argparse.Namespace) -> str:
    load_before = os.getloadavg()
    made = data_dir(items=args.items, seed=args.seed, keep=args.keep, reuse=args.reuse)
    with made as (directory, population), serving(directory) as server:
        cookies = session_cookies(server)

        def measure(browser: object) -> report.Results:
            bench = Bench(server, signed_in_page(browser, server), cookies)
            try:
                return _scenarios(bench, population, args)
            finally:
                bench.close()

        results: report.Results = launched(measure)
    return report.markdown(args, population, results, load_before=load_before, load_after=os.getloadavg())


def _scenarios(bench: Bench, population: Population, args: argparse.Namespace) -> report.Results:
    big = population.big_folder
    items = f"/api/v1/folders/{big.id}/items"
    results = report.Results()
    print(f"ui benchmark: folder {big.name!r} (id {big.id}), {args.runs} runs", flush=True)
    if args.runs:
        _first_rows(bench, population, args, results)
    if args.floor:
        results.floor = _floor(bench, population, args)
    if args.scroll_runs:
        first_page = f"{items}?sort=name&desc=false&limit={PAGE_SIZE}"
        results.scroll = bench.scroll_to_end(
            "scroll the biggest folder to its last row",
            folder=f"/files/{big.id}",
            first_page=first_page,
            runs=args.scroll_runs,
        )
    return results


def _first_rows(bench: Bench, population: Population, args: argparse.Namespace, results: report.Results) -> None:
    big = population.big_folder
    parent = big.parent_id
    items = f"/api/v1/folders/{big.id}/items"
    results.first_rows.append(
        bench.first_rows(
            "folder of the biggest folder, opened from its parent",
            start=f"/files/{parent}",
            to=f"/files/{big.id}",
            selector=FOLDER_ROW,
            gate=items,
            runs=args.runs,
        )
    )
    results.first_rows.append(
        bench.first_rows(
            "folder of the biggest folder, its page loaded",
            start=None,
            to=f"/files/{big.id}",
            selector=FOLDER_ROW,
            gate=items,
            runs=args.runs,
            rows=f"{items}?sort=name&desc=false&limit={PAGE_SIZE}",  # the page holds them (cairn.api.webui)
        )
    )
    selective = _selective_term(population, args.seed)
    for label, term in (("medium", MEDIUM_TERM), ("selective", selective)):
        results.first_rows.append(
            bench.first_rows(
                f"search, {label} term `{term}`",
                start="/files",
                to=f"/search?q={term}",
                selector=SEARCH_ROW,
                gate="/api/v1/search",
                runs=args.runs,
            )
        )


def _floor(bench: Bench, population: Population, args: argparse.Namespace) -> str:
    big = population.big_folder
    selective = _selective_term(population, args.seed)
    asked = (
        ("the biggest folder's first files", f"/api/v1/folders/{big.id}/items?sort=name&desc=false&limit={PAGE_SIZE}"),
        (f"search `{MEDIUM_TERM}`", f"/api/v1/search?text={MEDIUM_TERM}&limit={SEARCH_LIMIT}"),
        (f"search `{selective}`", f"/api/v1/search?text={selective}&limit={SEARCH_LIMIT}"),
    )
    floors: list[floor.Floor] = []
    with floor.floor_files(UI_DIST) as tag:
        for name, url in asked:
            floors += floor.measure(bench, UI_DIST, tag, name=name, rows_url=url, runs=args.runs or 10)
    return floor.markdown(floors)


def _selective_term(population: Population, seed: int) -> str:
    """A part of a real title distinctive enough that few items match (the capture time and frame number)."""
    titles = [t for t in population.titles if _DISTINCT.search(t)]
    match = _DISTINCT.search(random.Random(seed).choice(titles))
    assert match is not None
    return match.group(0)
