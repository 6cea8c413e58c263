"""Thumbnails of a page of new rows: how soon a browser has them all, made by the background job (answered after a
bounded wait, or 202 at once and asked again) against the same cairn source tree making them in the request.

Each variant is a fresh ``cairn serve`` (2 job consumer threads, ``thumbnail_concurrency`` 2) given the same upload of
``--items`` PNG photos (different bytes: each needs its own thumbnail); then a browser-like client with 6 connections
(a browser's limit per host over HTTP/1.1) asks for every row's thumbnail at once, following 202s as the web UI does
(``Retry-After``, then half as long again each time, up to 4 s), while asking for the folder's listing once a second
(what the page does meanwhile). Reported: time until the last picture, median time per picture, the listing's median
and worst time. The job variants' uploads queue the thumbnails (as cairn does); the page then asks for them.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image

from bench.processes import stop

TOKEN_LINE = re.compile(r"API token \(shown once, keep it safe\): (cairn_\S+)")
CONNECTIONS = 6


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=60, help="rows of the page (new pictures)")
    parser.add_argument("--waits", default="0,1,2,5", help="thumbnail_wait_seconds values to compare (job path)")
    parser.add_argument(
        "--in-request-src", type=Path, default=None, help="a cairn src/ tree whose requests make thumbnails themselves"
    )


@dataclass
class Outcome:
    name: str
    all_seconds: float
    per_picture: list[float]
    listing: list[float]
    answers: int


def run(args: argparse.Namespace) -> str:
    pictures = [_photo(n) for n in range(args.items)]
    variants: list[tuple[str, dict[str, str]]] = []
    if args.in_request_src is not None:
        variants.append(("made in the request (before)", {"PYTHONPATH": str(args.in_request_src)}))
    for wait in args.waits.split(","):
        env = {"CAIRN_THUMBNAIL_WAIT_SECONDS": wait}
        if "PYTHONPATH" in os.environ:
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        variants.append((f"job, wait {wait} s", env))
    load_before = os.getloadavg()
    outcomes = [_variant(name, env, pictures) for name, env in variants]
    load_after = os.getloadavg()
    lines = [
        f"## Thumbnails of a page of {args.items} new rows ({CONNECTIONS} browser connections)",
        "",
        f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}",
        "",
        "| variant | all pictures (s) | median per picture (s) | listing median / max (ms) | requests |",
        "|---|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.name} | {o.all_seconds:.2f} | {statistics.median(o.per_picture):.2f} | "
            f"{statistics.median(o.listing) * 1000:.0f} / {max(o.listing) * 1000:.0f} | {o.answers} |"
        )
    return "\n".join(lines) + "\n"


def _photo(n: int) -> bytes:
    """A 1600x1200 PNG with noise: slow enough to decode and scale that making it costs something."""
    picture = Image.effect_noise((1600, 1200), 40 + n % 50).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _variant(name: str, extra: dict[str, str], pictures: list[bytes]) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="cairn-thumbs-") as data, _serve(Path(data), extra) as (url, token):
        headers = {"Authorization": f"Bearer {token}"}
        folder = httpx.post(f"{url}/api/v1/folders", json={"name": "Page"}, headers=headers, timeout=60).json()["id"]
        ids: list[int] = []
        for start in range(0, len(pictures), 20):
            files = [("files", (f"p{n}.png", pictures[n], "image/png")) for n in range(start, start + 20)
                     if n < len(pictures)]  # fmt: skip
            answer = httpx.post(f"{url}/api/v1/folders/{folder}/upload", files=files, headers=headers, timeout=600)
            ids += [item["id"] for item in answer.json()["items"]]
        return _page(name, url, headers, folder, ids)


def _page(name: str, url: str, headers: dict[str, str], folder: int, ids: list[int]) -> Outcome:
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    answers = 0
    lock = threading.Lock()
    done = threading.Event()
    listing: list[float] = []
    with httpx.Client(base_url=url, headers=headers, limits=limits, timeout=600) as browser:

        def picture(item_id: int) -> float:
            nonlocal answers
            pause = 1.0
            while True:
                answer = browser.get(f"/api/v1/items/{item_id}/thumbnail")
                with lock:
                    answers += 1
                if answer.status_code != 202:
                    assert answer.status_code == 200, answer.text
                    return time.perf_counter() - started
                time.sleep(max(float(answer.headers.get("Retry-After", "1")), pause))
                pause = min(pause * 1.5, 4.0)

        def list_folder() -> None:
            while not done.wait(1.0):
                asked = time.perf_counter()
                browser.get(f"/api/v1/folders/{folder}/items").raise_for_status()
                listing.append(time.perf_counter() - asked)

        lister = threading.Thread(target=list_folder)
        started = time.perf_counter()
        lister.start()
        with concurrent.futures.ThreadPoolExecutor(len(ids)) as pool:
            times = list(pool.map(picture, ids))
        done.set()
        lister.join()
    return Outcome(name, max(times), times, listing or [0.0], answers)


class _serve:
    """``cairn serve`` over ``data_dir`` with ``extra`` environment; yields (base URL, the first run's API token)."""

    def __init__(self, data_dir: Path, extra: dict[str, str]) -> None:
        self._data_dir, self._extra = data_dir, extra

    def __enter__(self) -> tuple[str, str]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_") and k != "PYTHONPATH"}
        env |= {"CAIRN_DATA_DIR": str(self._data_dir), "CAIRN_HOST": "127.0.0.1", "CAIRN_PORT": str(port)}
        env |= self._extra
        self._log = self._data_dir / "serve.log"
        with self._log.open("wb") as out:
            command = [sys.executable, "-c", "from cairn.cli.main import main; main()", "serve"]
            self._process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        token = TOKEN_LINE.search(self._log.read_text())
        assert token, self._log.read_text()[-2000:]
        return url, token.group(1)

    def __exit__(self, *_exc: object) -> None:
        stop(self._process, timeout=20)
