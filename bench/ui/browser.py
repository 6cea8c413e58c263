"""The measurements in Chromium (Playwright driving Debian's /usr/bin/chromium) and, interleaved with them, the same
requests made by httpx against the same server.

Time to the first rows: a script installed before the app's own (``WATCH``) notes, on every DOM change, whether the
awaited rows are there yet; the run starts it with the app's own navigation (``history.pushState`` and a
``popstate`` event, what a click on a folder or the search form does) or with a page load, and reads the time the
first row was in the DOM and the time of the next animation frame (about when it is painted). Every API request the
page made meanwhile is replayed with httpx once the page is done (no request of it in flight for ``QUIET_MS``: what
it asks for after its rows, such as thumbnails, would else share the server with the API's requests): the one the
rows wait for alone, then all of them at once (Chromium makes up to six at a time to one server).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.stats import Samples
from bench.ui.server import Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
FOLDER_ROW = "[role=grid] .tbody [role=row][aria-selected]"  # a file's row (folder rows have no aria-selected)
SEARCH_ROW = "table.results tbody tr"
BROWSER_CONNECTIONS = 6  # Chromium's connections per host over HTTP/1.1
RUN_TIMEOUT_MS = 600_000
KEEPALIVE_SECONDS = 2.0  # below uvicorn's timeout_keep_alive (5 s)
QUIET_MS = 300  # no request of the page in flight this long: it is done for now
EVENTS = "/api/v1/events"  # the page's event stream: open as long as the page is

WATCH = """
(() => {
  performance.setResourceTimingBufferSize(100000); // every request of a scroll through 500 pages
  // Armed at load: a page load is timed from the navigation's start (the time origin) to its first row.
  window.__bench = { selector: SELECTORS, start: 0, found: null, painted: null };
  const check = () => {
    const b = window.__bench;
    if (!b || b.found !== null || !document.querySelector(b.selector)) return;
    b.found = performance.now();
    requestAnimationFrame(() => { b.painted = performance.now(); });
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  window.__benchStart = (selector, start) => {
    window.__bench = { selector, start, found: null, painted: null };
    check();
  };
})();
""".replace("SELECTORS", json.dumps(f"{FOLDER_ROW}, {SEARCH_ROW}"))

# Once the awaited rows are painted: the time from the start (ms) to the first row in the DOM and to the next frame;
# the API requests the page began meanwhile (Resource Timing), and when the one the rows wait for was sent and its
# answer received (the rest is the app's own time).
AWAIT = """
async ([timeout, gate]) => {
  const b = window.__bench, began = performance.now();
  while (b.painted === null) {
    if (performance.now() - began > timeout) throw new Error("no row after " + timeout + " ms: " + b.selector);
    await new Promise((r) => setTimeout(r, 5));
  }
  const made = performance.getEntriesByType("resource").filter(
    (e) => e.startTime >= b.start && e.startTime <= b.found && new URL(e.name).pathname.startsWith("/api/"));
  const gating = made.find((e) => new URL(e.name).pathname.startsWith(gate));
  const app = (e) => (e.serverTiming.find((t) => t.name === "app") || { duration: null }).duration;
  return {
    dom: b.found - b.start,
    painted: b.painted - b.start,
    requests: made.map((e) => { const u = new URL(e.name); return u.pathname + u.search; }),
    sent: gating ? gating.startTime - b.start : null,
    answered: gating ? gating.responseEnd - b.start : null,
    // Where the rows' request spent its time in the page: before it was on the wire (queued in the browser, a new
    // connection), in cairn (Server-Timing), the rest of the wait for its first byte, and reading its body.
    queued: gating ? gating.requestStart - gating.startTime : null,
    connected: gating ? gating.connectEnd - gating.connectStart : null,
    server: gating ? app(gating) : null,
    waited: gating ? gating.responseStart - gating.requestStart - (app(gating) || 0) : null,
    download: gating ? gating.responseEnd - gating.responseStart : null,
    bytes: gating ? gating.encodedBodySize : null,
    // Every API request of the run: when it left and was answered (ms from the start) and cairn's time on it.
    timeline: made.map((e) => [new URL(e.name).pathname, e.startTime - b.start, e.responseEnd - b.start, app(e)]),
  };
}
"""

NAVIGATE = """
([to, selector]) => {
  window.__benchStart(selector, performance.now());
  history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}
"""

# Scroll the table to its end, a frame at a time, until its last row is in the DOM; the most rows in the DOM on the
# way, and from Resource Timing the time the pages' requests were in flight and the time between one's answer and
# the next one's start (the app's own time: rendering the rows, waiting for a frame, asking for the next page).
SCROLL = """
async ([timeout, path]) => {
  const body = document.querySelector(".tbody"), grid = document.querySelector("[role=grid]");
  const began = performance.now();
  let most = 0;
  for (;;) {
    body.scrollTop = body.scrollHeight;
    await new Promise((r) => requestAnimationFrame(r));
    most = Math.max(most, body.querySelectorAll("[role=row]").length);
    const count = Number(grid.getAttribute("aria-rowcount"));
    if (count > 0 && body.querySelector(`[aria-rowindex="${count}"]`)) break;
    if (performance.now() - began > timeout) throw new Error("not at the end after " + timeout + " ms");
  }
  const ms = performance.now() - began;
  const pages = performance.getEntriesByType("resource").filter(
    (e) => e.startTime >= began && new URL(e.name).pathname === path);
  let flight = 0, between = 0;
  pages.forEach((e, i) => {
    flight += e.responseEnd - e.startTime;
    if (i > 0) between += Math.max(0, e.startTime - pages[i - 1].responseEnd);
  });
  const rows = Number(grid.getAttribute("aria-rowcount")) - 1;
  return { ms, rows, most, pages: pages.length + 1, flight, between };
}
"""


@dataclass
class Comparison:
    """One scenario: the browser's samples and the API's for the same requests, measured turn about."""

    name: str
    ui: Samples
    ui_dom: Samples
    api_alone: Samples  # the request the rows wait for
    api_all: Samples  # every request the page made before its first row, at once
    sent: Samples  # when the page sent the rows' request (ms from the start)
    answered: Samples  # when the page had its answer
    trace: Trace
    requests: list[str] = field(default_factory=list)  # the API requests of the last run (paths)
    timeline: list[tuple[str, float, float, float | None]] = field(default_factory=list)  # of the last run


@dataclass
class Trace:
    """Where the rows' request spent its time in the page, against the same request sent alone (ms; bytes)."""

    queued: Samples  # from its start until it was on the wire (the browser's queue, a new connection)
    connected: Samples  # of which opening a connection
    server: Samples  # in cairn (its Server-Timing)
    waited: Samples  # the rest of the wait for the first byte (uvicorn, the event loop, the wire)
    download: Samples  # reading the body
    server_alone: Samples  # in cairn, the same request sent alone by httpx
    bytes: int = 0  # the body's size in the page
    bytes_alone: int = 0  # and sent alone


@dataclass
class Scroll:
    name: str
    ui: Samples
    api: Samples
    flight: Samples  # ms the pages' requests were in flight, in all
    between: Samples  # ms from one page's answer to the next one's request, in all
    pages: int = 0
    rows: int = 0
    most_in_dom: int = 0


class Bench:
    """One signed-in Chromium page on the server, and an httpx client with the same session."""

    def __init__(self, server: Server, page: Any, cookies: dict[str, str]) -> None:
        self.server = server
        self.page = page
        # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them under a request.
        limits = httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS)
        self.client = httpx.Client(base_url=server.base_url, cookies=cookies, timeout=120, limits=limits)
        self.in_flight: set[Any] = set()  # the page's requests not yet answered (but its event stream)
        page.on("request", self._sent)
        page.on("requestfinished", self._done)
        page.on("requestfailed", self._done)

    def _sent(self, request: Any) -> None:
        if not request.url.startswith(self.server.base_url + EVENTS):
            self.in_flight.add(request)

    def _done(self, request: Any) -> None:
        self.in_flight.discard(request)

    def _until_quiet(self) -> None:
        """Wait until the page has had no request in flight for QUIET_MS (the thumbnails, the details pane and the
        tree it asks for after its rows), so that the API's own time is measured on a server busy with it alone."""
        deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
        quiet_since = time.monotonic()
        while (time.monotonic() - quiet_since) * 1000 < QUIET_MS:
            if time.monotonic() > deadline:
                raise SystemExit(f"the page still has requests in flight: {[r.url for r in self.in_flight]}")
            self.page.wait_for_timeout(20)  # lets Playwright deliver the page's request events
            if self.in_flight:
                quiet_since = time.monotonic()

    # --- first rows ---------------------------------------------------------------------------------------------
    def first_rows(
        self, name: str, *, start: str | None, to: str, selector: str, gate: str, runs: int, rows: str | None = None
    ) -> Comparison:
        """Open ``start`` (a fresh page load), then go to ``to`` in the app; with no ``start``, load ``to`` (timed
        from the navigation's start). ``gate``: the path prefix of the request the rows wait for; ``rows``: that
        request in full, measured alone when the page made none (its rows came in the HTML). One run first, not
        counted (it warms the server's and the browser's caches)."""
        ui, dom, api, api_all, sent, answered = _samples(name, "UI", "DOM", "API", "API all", "sent", "answered")
        trace = Trace(*_samples(name, "queued", "connected", "server", "waited", "download", "server alone"))
        found = Comparison(name, ui, dom, api, api_all, sent, answered, trace)
        for run in range(runs + 1):
            if start is None:
                self.page.goto("about:blank")
                self.page.goto(self.server.base_url + to)
            else:
                self.page.goto(self.server.base_url + start)
                self.page.wait_for_load_state("networkidle")
                self.page.evaluate(NAVIGATE, [to, selector])
            times = self.page.evaluate(AWAIT, [RUN_TIMEOUT_MS, gate])
            self._until_quiet()
            alone, together, answer = self._replay(times["requests"], gate, rows)
            if run == 0:
                continue
            _note_trace(trace, times, answer)
            found.timeline = [tuple(step) for step in times["timeline"]]
            found.ui.values.append(times["painted"])
            found.ui_dom.values.append(times["dom"])
            found.api_alone.values.append(alone)
            found.api_all.values.append(together)
            if times["sent"] is not None:  # else the page asked for no rows: they came in its HTML
                found.sent.values.append(times["sent"])
                found.answered.values.append(times["answered"])
            found.requests = times["requests"]
        _print(found.ui, found.api_alone)
        return found

    def _replay(self, paths: list[str], gate: str, rows: str | None) -> tuple[float, float, httpx.Response]:
        """Milliseconds of the gating request alone, then of all of ``paths`` at once (up to six at a time); and the
        gating request's answer. A page that asked for no rows (they came in its HTML) is measured against ``rows``
        (and all at once, against its other requests and ``rows``)."""
        gating = [p for p in paths if p.startswith(gate)]
        if not gating and rows is not None:
            gating, paths = [rows], [rows, *paths]
        if not gating:
            raise SystemExit(f"the page made no request to {gate} before its first row: {paths}")
        began = time.perf_counter()
        answer = self._get(gating[0])
        alone = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        with ThreadPoolExecutor(BROWSER_CONNECTIONS) as pool:
            list(pool.map(self._get, paths))
        return alone, (time.perf_counter() - began) * 1000, answer

    def _get(self, path: str) -> httpx.Response:
        return self.client.get(path).raise_for_status()

    # --- scrolling ----------------------------------------------------------------------------------------------
    def scroll_to_end(self, name: str, *, folder: str, first_page: str, runs: int) -> Scroll:
        """Open the folder, then scroll its table to the last row; the API walks the same keyset pages."""
        ui, api, flight, between = _samples(name, "UI", "API", "in flight", "between")
        found = Scroll(name, ui, api, flight, between)
        for _ in range(runs):
            self.page.goto(self.server.base_url + folder)
            self.page.wait_for_selector(FOLDER_ROW)
            done = self.page.evaluate(SCROLL, [RUN_TIMEOUT_MS, first_page.split("?", maxsplit=1)[0]])
            found.ui.values.append(done["ms"])
            found.flight.values.append(done["flight"])
            found.between.values.append(done["between"])
            found.rows, found.pages, found.most_in_dom = (
                done["rows"],
                done["pages"],
                max(found.most_in_dom, done["most"]),
            )
            found.api.values.append(self._walk(first_page))
        _print(found.ui, found.api)
        return found

    def _walk(self, first_page: str) -> float:
        """Milliseconds to get every keyset page in turn, from ``first_page`` (as the table asks for them)."""
        began = time.perf_counter()
        answer = self.client.get(first_page).raise_for_status().json()
        while answer.get("next_cursor"):
            answer = self.client.get(first_page + "&cursor=" + quote(answer["next_cursor"])).raise_for_status().json()
        return (time.perf_counter() - began) * 1000

    def close(self) -> None:
        self.client.close()


def _note_trace(trace: Trace, times: dict[str, Any], answer: httpx.Response) -> None:
    for samples, key in ((trace.queued, "queued"), (trace.connected, "connected"), (trace.server, "server")):
        samples.values.append(times[key] or 0.0)
    trace.waited.values.append(times["waited"] or 0.0)
    trace.download.values.append(times["download"] or 0.0)
    trace.server_alone.values.append(server_time(answer.headers.get("server-timing", "")))
    trace.bytes, trace.bytes_alone = times["bytes"] or 0, len(answer.content)


def server_time(header: str) -> float:
    """cairn's own milliseconds from a ``Server-Timing: app;dur=...`` header (0 when absent)."""
    for metric in header.split(","):
        name, _, rest = metric.strip().partition(";")
        if name == "app" and rest.startswith("dur="):
            return float(rest.removeprefix("dur="))
    return 0.0


def _samples(name: str, *what: str) -> tuple[Samples, ...]:
    return tuple(Samples(f"{name}: {w}") for w in what)


def _print(ui: Samples, api: Samples) -> None:
    print(f"  {ui.name}: UI median {ui.median:.0f} ms, API median {api.median:.0f} ms", flush=True)


def launched(work: Callable[[Any], Any]) -> Any:
    """Run ``work(browser)`` with Chromium launched headless (Debian's; Playwright's download does not work here)."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: `make chromium` installs Debian's")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            return work(browser)
        finally:
            browser.close()


def signed_in_page(browser: Any, server: Server) -> Any:
    """A page at a laptop's window size, signed in through the sign-in page's API-token path, the watcher
    installed before the app's scripts on every load."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(server.base_url + "/")
    page.get_by_role("button", name="Sign in with an API token").click()
    page.get_by_label("API token").fill(server.token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("search").wait_for()
    return page
