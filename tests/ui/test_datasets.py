"""The Datasets pages: the list, "+ New dataset" (plain, synced to a folder, mirrored), one dataset's files with
removal, and "View dataset" from a file's Linked to tab."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Api, serious_violations, sign_in


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def new_dataset(page: Any, title: str, kind: str, folder: str | None = None) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Datasets").click()
    page.get_by_role("button", name="New dataset").click()
    dialog = page.get_by_role("dialog", name="New dataset")
    dialog.get_by_label("Title").fill(title)
    dialog.get_by_label(kind).check()
    if folder:
        dialog.get_by_role("searchbox", name="Folder").fill(folder)
        dialog.get_by_role("button", name=folder).click()
    dialog.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_a_plain_dataset_its_files_and_removing_some(page: Any, server: Api) -> None:
    folder = server.folder(unique("Gulls"))
    items = server.upload_images(folder["id"], [f"gull-{n}.png" for n in range(1, 5)])
    sign_in(page, server)
    title = unique("Gull set")
    new_dataset(page, title, "Added from Files")
    expect(page.get_by_text("No files in this dataset yet")).to_be_visible()
    dataset_id = int(page.url.rsplit("/", 1)[1])
    server.call("POST", f"/datasets/{dataset_id}/items", json={"item_ids": [i["id"] for i in items]})
    page.reload()
    rows = page.get_by_role("grid").get_by_role("row")
    expect(rows).to_have_count(5)  # the header and the four files
    assert serious_violations(page) == []

    rows.filter(has_text="gull-1.png").click()
    rows.filter(has_text="gull-2.png").click(modifiers=["Shift"])
    page.get_by_role("button", name="Remove from dataset").click()
    expect(rows).to_have_count(3)
    left = {i["title"] for i in server.call("GET", f"/datasets/{dataset_id}/items")["items"]}
    assert left == {"gull-3.png", "gull-4.png"}

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Datasets").click()
    listed = page.get_by_role("table", name="Datasets").get_by_role("row").filter(has_text=title)
    expect(listed).to_contain_text("Plain")
    assert serious_violations(page) == []


def test_a_synced_dataset_shows_its_folder_files_and_view_dataset_lands_there(page: Any, server: Api) -> None:
    folder = server.folder(unique("Terns"))
    server.upload_images(folder["id"], ["tern-1.png", "tern-2.png"])
    sign_in(page, server)
    title = unique("Tern set")
    new_dataset(page, title, "Synced to a folder", folder=folder["name"])
    expect(page.get_by_text("Synced to a folder")).to_be_visible()
    expect(page.get_by_role("grid").get_by_role("row")).to_have_count(3)

    page.goto(f"{server.base_url}/files/{folder['id']}")
    page.get_by_role("grid").get_by_role("row").filter(has_text="tern-1.png").click()
    details = page.get_by_role("complementary", name="File details")
    details.get_by_role("tab", name="Linked to").click()
    details.get_by_role("link", name=f"View dataset {title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("grid").get_by_role("row").filter(has_text="tern-2.png")).to_be_visible()


def test_a_mirrored_dataset_makes_its_folder(page: Any, server: Api) -> None:
    sign_in(page, server)
    title = unique("Mirror")
    new_dataset(page, title, "Mirrored (a new folder)")
    expect(page.get_by_text("Mirrored")).to_be_visible()
    page.get_by_role("link", name="Open its folder").click()
    expect(page.get_by_role("grid", name="Files")).to_be_visible()
