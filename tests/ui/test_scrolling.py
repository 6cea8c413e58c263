"""A big folder scrolls in keyset pages, loaded as the user scrolls, with only the rows on screen in the page."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Api, sign_in

FILES = 450  # three pages of 200 (the UI's page size): 200, 200, 50
PAGE_SIZE = 200


def open_big_folder(page: Any, server: Api, prefix: str) -> list[str]:
    """A new folder of ``FILES`` images named ``<prefix>-0000.png``..., opened; the URLs of its pages asked for (the
    first page comes in the folder page's HTML)."""
    folder = server.folder(f"Big {uuid.uuid4().hex[:6]}")
    for start in range(0, FILES, 150):
        server.upload_images(folder["id"], [f"{prefix}-{n:04d}.png" for n in range(start, start + 150)], size=(8, 8))
    pages: list[str] = []
    page.on("request", lambda r: f"/folders/{folder['id']}/items" in r.url and pages.append(r.url))
    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    return pages


def test_a_big_folder_loads_pages_as_it_scrolls_and_keeps_few_rows(page: Any, server: Api) -> None:
    pages = open_big_folder(page, server, "f")

    grid = page.get_by_role("grid", name="Files")
    expect(grid.get_by_role("row").filter(has_text="f-0000.png")).to_be_visible()
    assert pages == []  # the first page came with the page; nothing more until the user scrolls
    assert grid.get_by_role("row").count() < 60  # 200 files loaded, a screenful in the DOM

    body = page.locator(".tbody")
    last = grid.get_by_role("row").filter(has_text=f"f-{FILES - 1:04d}.png")
    for _ in range(20):
        body.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
        if last.count():
            break
        page.wait_for_timeout(150)
    expect(last).to_be_visible()
    assert len(pages) == -(-FILES // PAGE_SIZE) - 1  # every further page asked for once, by scrolling
    assert all("cursor=" in url for url in pages)  # keyset pages: each follows the previous one's cursor
    assert grid.get_by_role("row").count() < 60


def test_once_scrolled_the_next_page_is_asked_for_before_its_loading_row_shows(page: Any, server: Api) -> None:
    """A user reading down the first page gets the second before reaching its end (no "Loading more files…")."""
    pages = open_big_folder(page, server, "a")
    grid = page.get_by_role("grid", name="Files")
    expect(grid.get_by_role("row").filter(has_text="a-0000.png")).to_be_visible()
    assert pages == []

    page.locator(".tbody").evaluate("(el) => { el.scrollTop = 44 * 40; }")  # rows 40-60 of 200 on screen
    expect(grid.get_by_role("row").filter(has_text="a-0050.png")).to_be_visible()
    for _ in range(50):
        if len(pages) == 1:
            break
        page.wait_for_timeout(100)
    assert len(pages) == 1, "the second page was not asked for while the user read the first"
    assert "cursor=" in pages[0]
    assert grid.get_by_text("Loading more files…").count() == 0
