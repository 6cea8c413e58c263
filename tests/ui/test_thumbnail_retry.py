"""Row thumbnails when the API answers 202 first (the default: a request never waits for the thumbnail job): a
server without a job consumer (``CAIRN_WORKERS=0``) queues them; the page shows the kind's icons and keeps asking
(``Retry-After``, then longer); once a ``cairn worker`` has made them, the page shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from cairn.settings import Settings
from tests.registration.test_durability import cairn_worker
from tests.ui.conftest import serving, sign_in


def test_thumbnails_answered_202_are_asked_for_again_and_shown(page: Any, tmp_path: Path) -> None:
    with serving(tmp_path, CAIRN_WORKERS="0", CAIRN_THUMBNAIL_WAIT_SECONDS="0") as api:
        folder = api.folder("Later")
        made = api.upload_images(folder["id"], ["a.png", "b.png"], size=(320, 240))
        probe = httpx.get(
            f"{api.base_url}/api/v1/items/{made[0]['id']}/thumbnail",
            headers={"Authorization": f"Bearer {api.token}"},
            timeout=30,
        )
        assert probe.status_code == 202 and probe.headers["retry-after"] == "1"
        sign_in(page, api)
        page.goto(f"{api.base_url}/files/{folder['id']}")
        rows = page.get_by_role("grid", name="Files").get_by_role("row")
        expect(rows.filter(has_text="a.png").locator(".thumb .kind-icon")).to_be_visible()
        page.wait_for_timeout(1500)  # the page has been answered 202 and keeps asking
        assert rows.filter(has_text="a.png").locator(".thumb img.shown").count() == 0
        with cairn_worker(Settings(data_dir=tmp_path), tmp_path / "worker.log"):
            for name in ("a.png", "b.png"):
                picture = rows.filter(has_text=name).locator(".thumb img")
                expect(picture).to_have_class("shown", timeout=30_000)
                assert picture.evaluate("(img) => img.naturalWidth") == 256
