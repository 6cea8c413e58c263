"""Many thumbnail requests at once (a table scrolled past a hundred new rows, several people browsing): the requests
waiting for their job (``thumbnail_wait_seconds``; made ``thumbnail_concurrency`` at once) must not hold the threads
every other route runs in. A request answered 202 (not made within the wait) asks again after ``Retry-After``, as the
web UI does; every thumbnail is there in the end.

Measured by order, not by time: a request to another route, sent while dozens of thumbnails wait to be made one at a
time, is answered before more than a few of them are."""

from __future__ import annotations

import concurrent.futures
import io
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.ui.conftest import serving

REQUESTS = 80  # twice the threads (40) that run every synchronous route of the API


def slow_png() -> bytes:
    """A picture that is small to send but slow to scale (2400x1800 pixels to inflate and resize). Each item has a
    thumbnail of its own, so the same bytes uploaded again still make a new one."""
    picture = Image.linear_gradient("L").resize((2400, 1800)).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def test_waiting_thumbnails_leave_the_api_its_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_THUMBNAIL_CONCURRENCY", "1")
    monkeypatch.setenv("CAIRN_THUMBNAIL_WAIT_SECONDS", "5")  # requests wait for their job (the default answers 202)
    with serving(tmp_path) as api:
        folder = api.folder("Many")
        picture = slow_png()
        ids: list[int] = []
        for start in range(0, REQUESTS, 20):
            files = [("files", (f"p{n}.png", picture, "image/png")) for n in range(start, start + 20)]
            ids += [item["id"] for item in api.call("POST", f"/folders/{folder['id']}/upload", files=files)["items"]]
        headers = {"Authorization": f"Bearer {api.token}"}
        answered = 0
        lock = threading.Lock()

        def thumbnail(item_id: int) -> int:
            nonlocal answered
            url = f"{api.base_url}/api/v1/items/{item_id}/thumbnail"
            answer = httpx.get(url, headers=headers, timeout=600)
            with lock:
                answered += 1
            deadline = time.monotonic() + 300
            while answer.status_code == 202 and time.monotonic() < deadline:
                time.sleep(float(answer.headers["Retry-After"]))
                answer = httpx.get(url, headers=headers, timeout=600)
            return answer.status_code

        with concurrent.futures.ThreadPoolExecutor(REQUESTS) as pool:
            thumbnails = [pool.submit(thumbnail, item_id) for item_id in ids]
            time.sleep(1)  # let them all reach the server
            before = answered
            folder_answer = httpx.get(f"{api.base_url}/api/v1/folders/{folder['id']}", headers=headers, timeout=600)
            meanwhile = answered - before
            statuses = {t.result() for t in thumbnails}
    assert folder_answer.status_code == 200
    assert statuses == {200}
    assert REQUESTS - before >= REQUESTS // 2, (
        f"only {REQUESTS - before} thumbnails were waiting: the test shows nothing"
    )
    assert meanwhile <= 10, f"the folder was answered only after {meanwhile} more thumbnails were made"
