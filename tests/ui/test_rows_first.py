"""Issue 17's first rows: a folder's rows are asked for first, once, and the rest of the page (the folder tree, the
details pane's counts, the bell's notifications, the event stream) waits until they are painted."""

from __future__ import annotations

import time
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Api, sign_in

ROWS_DELAY_S = 0.6  # the rows' answer is held this long in the browser's network layer: a slow server
SECONDARY = ("/summary", "/api/v1/notifications", "/api/v1/jobs", "/api/v1/events", "/api/v1/folders?parent_id=")


class Log:
    """When each of the page's API requests was sent, and when the rows' answer came."""

    def __init__(self, page: Any, folder_id: int) -> None:
        self.rows_path = f"/api/v1/folders/{folder_id}/items"
        self.folder_id = folder_id
        self.sent: list[tuple[float, str]] = []
        self.rows_answered: float | None = None
        page.on("request", lambda r: "/api/" in r.url and self.sent.append((time.monotonic(), r.url)))
        page.route(f"**{self.rows_path}*", self._slow_rows)

    def _slow_rows(self, route: Any) -> None:
        time.sleep(ROWS_DELAY_S)
        route.continue_()

    def note_answer(self, response: Any) -> None:
        if self.rows_path in response.url and self.rows_answered is None:
            self.rows_answered = time.monotonic()

    def rows_requests(self) -> list[str]:
        return [url for _, url in self.sent if self.rows_path in url]

    def secondary_before_rows(self) -> list[str]:
        """The requests for the rest of the page sent before the rows' answer came (the open folder's own
        sub-folders are among its rows, so they may go first)."""
        assert self.rows_answered is not None
        own = f"parent_id={self.folder_id}"
        return [
            url
            for at, url in self.sent
            if at < self.rows_answered and any(s in url for s in SECONDARY) and not url.endswith(own)
        ]


def folder_with_files(server: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    parent = server.folder(f"Rows first {uuid.uuid4().hex[:6]}")
    child = server.folder("Shots", parent_id=parent["id"], description="A folder with files")
    server.upload_images(child["id"], ["a.png", "b.png", "c.png"], size=(8, 8))
    return parent, child


def test_a_folder_opened_in_the_app_asks_for_its_rows_before_the_rest(page: Any, server: Api) -> None:
    parent, child = folder_with_files(server)
    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{parent['id']}")
    expect(page.get_by_role("grid", name="Files").get_by_role("row").filter(has_text="Shots")).to_be_visible()
    page.wait_for_load_state("networkidle")

    log = Log(page, child["id"])
    page.on("response", log.note_answer)
    page.get_by_role("grid", name="Files").get_by_role("row").filter(has_text="Shots").click()
    expect(page.get_by_role("row").filter(has_text="a.png")).to_be_visible()
    details = page.get_by_role("complementary", name="Folder details")
    expect(details).to_contain_text("Total size")  # the counts came, after the rows

    assert len(log.rows_requests()) == 1
    assert log.secondary_before_rows() == []
    assert any("/summary" in url for _, url in log.sent)


def test_a_folder_page_loaded_shows_the_rows_it_came_with(page: Any, server: Api) -> None:
    """A folder's page load holds its first rows and who is signed in (cairn.api.webui.first_screen): the page asks
    for none of them, and the rest of the page (the tree, the details pane) still comes."""
    _, child = folder_with_files(server)
    sign_in(page, server)
    log = Log(page, child["id"])

    page.goto(f"{server.base_url}/files/{child['id']}")
    expect(page.get_by_role("row").filter(has_text="a.png")).to_be_visible()
    expect(page.get_by_role("navigation", name="Folders")).to_contain_text("Rows first")
    expect(page.get_by_role("complementary", name="Folder details")).to_contain_text("Total size")

    assert log.rows_requests() == []
    own = (f"/api/v1/folders?parent_id={child['id']}", "/api/v1/users/me")
    assert [url for _, url in log.sent if url.endswith(own)] == []


def test_the_open_folder_is_asked_for_once_the_rows_answer_is_in(page: Any, server: Api) -> None:
    """The open folder itself (its name, path and the caller's role) is asked for after the rows' answer, its
    sub-folders (among its rows) with them: the rows' request shares the one server process with as little as may be
    (beside others it takes about as long as all of them)."""
    parent, child = folder_with_files(server)
    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{parent['id']}")
    expect(page.get_by_role("grid", name="Files").get_by_role("row").filter(has_text="Shots")).to_be_visible()
    page.wait_for_load_state("networkidle")

    log = Log(page, child["id"])
    page.on("response", log.note_answer)
    page.get_by_role("grid", name="Files").get_by_role("row").filter(has_text="Shots").click()
    expect(page.get_by_role("row").filter(has_text="a.png")).to_be_visible()
    expect(page.get_by_role("heading", name="Shots", level=1)).to_be_visible()

    assert log.rows_answered is not None
    sent = {url.removeprefix(server.base_url): at for at, url in log.sent}
    folder, sub_folders = f"/api/v1/folders/{child['id']}", f"/api/v1/folders?parent_id={child['id']}"
    assert folder in sent and sub_folders in sent, sent
    assert sent[folder] > log.rows_answered, (sent, log.rows_answered)
    assert sent[sub_folders] < log.rows_answered, (sent, log.rows_answered)


def test_files_are_shown_with_the_sub_folders_above_them_not_before(page: Any, server: Api) -> None:
    """A folder's table shows its rows once both its sub-folders and its first files are in: sub-folders come first,
    and never push the files down once they are on screen."""
    parent, child = folder_with_files(server)
    server.folder("Later", parent_id=child["id"])
    sign_in(page, server)

    def slow_sub_folders(route: Any) -> None:
        time.sleep(ROWS_DELAY_S)
        route.continue_()

    page.route(f"**/api/v1/folders?parent_id={child['id']}", slow_sub_folders)
    page.goto(f"{server.base_url}/files/{parent['id']}")
    page.get_by_role("grid", name="Files").get_by_role("row").filter(has_text="Shots").click()
    expect(page.get_by_role("row").filter(has_text="a.png")).to_be_visible()
    grid = page.get_by_role("grid", name="Files")
    assert grid.get_by_role("row").filter(has_text="Later").count() == 1  # already there with the first file
    assert "This folder is empty." not in page.content()
