"""Row thumbnails and the details pane's rendered picture when the API answers 202 first (a server that never waits
for the thumbnail job: ``CAIRN_THUMBNAIL_WAIT_SECONDS=0``): the page asks again after ``Retry-After`` and shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.ui.conftest import serving, sign_in


def test_thumbnails_answered_202_are_asked_for_again_and_shown(page: Any, tmp_path: Path) -> None:
    with serving(tmp_path, CAIRN_THUMBNAIL_WAIT_SECONDS="0") as api:
        folder = api.folder("Later")
        made = api.upload_images(folder["id"], ["a.png", "b.png", "probe.png"], size=(320, 240))
        probe = httpx.get(
            f"{api.base_url}/api/v1/items/{made[2]['id']}/thumbnail",
            headers={"Authorization": f"Bearer {api.token}"},
            timeout=30,
        )
        assert probe.status_code == 202 and probe.headers["retry-after"] == "1"  # the page gets 202s first too
        sign_in(page, api)
        page.goto(f"{api.base_url}/files/{folder['id']}")
        rows = page.get_by_role("grid", name="Files").get_by_role("row")
        for name in ("a.png", "b.png"):
            picture = rows.filter(has_text=name).locator(".thumb img")
            expect(picture).to_have_class("shown", timeout=30_000)
            assert picture.evaluate("(img) => img.naturalWidth") == 256
