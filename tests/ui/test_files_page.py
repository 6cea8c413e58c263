"""Seed 002's Files page, driven as a user would: folders, the table, selection, datasets, delete, search, roles."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Api, serious_violations, sign_in


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def open_folder(page: Any, server: Api, folder_id: int) -> None:
    page.goto(f"{server.base_url}/files/{folder_id}")
    expect(page.get_by_role("grid", name="Files")).to_be_visible()


def file_row(page: Any, title: str) -> Any:
    return page.get_by_role("row").filter(has_text=title)


def test_create_a_folder_and_a_sub_folder(page: Any, server: Api) -> None:
    sign_in(page, server)
    name = unique("Cars")
    page.get_by_role("button", name="New folder").click()
    dialog = page.get_by_role("dialog", name="New folder")
    assert serious_violations(page) == []
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Description").fill("front cameras")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("grid").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("complementary", name="Folder details")).to_contain_text("front cameras")

    page.get_by_role("button", name="New folder").click()
    page.get_by_role("dialog").get_by_label("Name").fill("front/left")  # the API refuses '/' in a name
    page.get_by_role("dialog").get_by_role("button", name="Create").click()
    expect(page.get_by_role("dialog").get_by_role("alert")).to_contain_text("/")
    expect(page.get_by_role("dialog").get_by_label("Name")).to_have_value("front/left")  # nothing typed is lost
    page.get_by_role("dialog").get_by_label("Name").fill("front")
    page.get_by_role("dialog").get_by_role("button", name="Create").click()
    page.get_by_role("grid").get_by_role("link", name="front").click()

    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs).to_have_text(f"Files{name}front")
    tree = page.get_by_role("navigation", name="Folders")
    expect(tree.get_by_role("link", name="front")).to_have_attribute("aria-current", "page")
    assert serious_violations(page) == []


def test_files_registered_through_the_api_show_in_the_table(page: Any, server: Api) -> None:
    folder = server.folder(unique("Street"))
    server.folder("night", parent_id=folder["id"])
    server.upload_images(folder["id"], ["b.png", "a.png", "c.png"], size=(640, 480))
    sign_in(page, server)
    open_folder(page, server, folder["id"])

    rows = page.get_by_role("grid").get_by_role("row")
    expect(rows).to_have_count(5)  # the header, the sub-folder first, then the files by name
    expect(rows.nth(1)).to_contain_text("night")
    expect(rows.nth(2)).to_contain_text("a.png")
    expect(rows.nth(2)).to_contain_text("640 \u00d7 480")
    expect(rows.nth(2)).to_contain_text("Image")

    page.get_by_role("button", name="Created").click()  # newest first
    expect(page.get_by_role("columnheader", name="Created")).to_have_attribute("aria-sort", "descending")
    expect(rows.nth(2)).to_contain_text("c.png")
    assert serious_violations(page) == []


def test_shift_select_three_files_and_add_them_to_a_new_synced_dataset(page: Any, server: Api) -> None:
    folder = server.folder(unique("Birds"))
    server.upload_images(folder["id"], [f"bird-{n}.png" for n in range(1, 6)])
    sign_in(page, server)
    open_folder(page, server, folder["id"])

    file_row(page, "bird-1.png").click()
    file_row(page, "bird-3.png").click(modifiers=["Shift"])
    expect(page.get_by_text("3 files selected").first).to_be_visible()
    file_row(page, "bird-5.png").click(modifiers=["ControlOrMeta"])
    expect(page.get_by_text("4 files selected").first).to_be_visible()
    file_row(page, "bird-5.png").click(modifiers=["ControlOrMeta"])

    file_row(page, "bird-2.png").click(button="right")
    menu = page.get_by_role("menu")
    menu.get_by_role("menuitem", name="Add to dataset").click()
    dialog = page.get_by_role("dialog", name="Add to dataset")
    expect(dialog).to_contain_text("Add 3 files")
    dialog.get_by_role("tab", name="+ New dataset").click()
    title = unique("Bird set")
    dialog.get_by_label("Name").fill(title)
    dialog.get_by_label("Description").fill("for the bird detector")
    dialog.get_by_role("switch", name="Sync with this folder").check()
    assert serious_violations(page) == []
    dialog.get_by_role("button", name="Add to new dataset").click()
    expect(dialog).to_be_hidden()

    made = next(d for d in server.call("GET", "/datasets")["datasets"] if d["title"] == title)
    assert made["synced_folder_id"] == folder["id"]
    members = server.call("GET", f"/datasets/{made['id']}/items")["items"]
    assert {m["title"] for m in members} >= {"bird-1.png", "bird-2.png", "bird-3.png"}

    file_row(page, "bird-2.png").click()
    details = page.get_by_role("complementary", name="File details")
    details.get_by_role("tab", name="Linked to").click()
    expect(details.get_by_role("list", name="Datasets")).to_contain_text(title)

    # moved out of the folder, a file leaves the dataset synced to it
    elsewhere = server.folder(unique("Elsewhere"))
    page.get_by_role("button", name="Move to another folder").click()
    moving = page.get_by_role("dialog", name="Move to another folder")
    moving.get_by_role("searchbox", name="Folder").fill(elsewhere["name"][-12:])
    moving.get_by_role("button", name=elsewhere["name"]).click()
    moving.get_by_role("button", name="Move", exact=True).click()
    expect(file_row(page, "bird-2.png")).to_have_count(0)
    page.goto(f"{server.base_url}/datasets/{made['id']}")
    expect(page.get_by_role("row").filter(has_text="bird-1.png")).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text="bird-2.png")).to_have_count(0)
    members = server.call("GET", f"/datasets/{made['id']}/items")["items"]
    assert "bird-2.png" not in {m["title"] for m in members}


def test_linked_to_follows_adding_removing_and_deleting(page: Any, server: Api) -> None:
    folder = server.folder(unique("Boats"))
    _kept, doomed = server.upload_images(folder["id"], ["kept.png", "doomed.png"])
    plain = server.call("POST", "/datasets", json={"title": unique("Harbour"), "description": ""})
    server.call("POST", f"/datasets/{plain['id']}/items", json={"item_ids": [doomed["id"]]})
    sign_in(page, server)
    open_folder(page, server, folder["id"])

    file_row(page, "kept.png").click()
    page.get_by_role("button", name="Add to dataset").click()
    dialog = page.get_by_role("dialog", name="Add to dataset")
    dialog.get_by_role("listitem").filter(has_text=plain["title"]).get_by_role("button", name="Add").click()
    expect(dialog.get_by_text("Added")).to_be_visible()
    dialog.get_by_role("button", name="Close").first.click()

    details = page.get_by_role("complementary", name="File details")
    details.get_by_role("tab", name="Linked to").click()
    linked = details.get_by_role("list", name="Datasets")
    expect(linked).to_contain_text(plain["title"])
    linked.get_by_role("button", name="Remove from dataset").click()
    expect(details).to_contain_text("Not in any dataset")

    file_row(page, "doomed.png").click()
    details.get_by_role("tab", name="Linked to").click()
    expect(details.get_by_role("list", name="Datasets")).to_contain_text(plain["title"])
    file_row(page, "doomed.png").get_by_role("button", name="More actions for doomed.png").click()
    page.get_by_role("menu").get_by_role("menuitem", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete")
    expect(confirm).to_contain_text("removes it from all datasets")
    confirm.get_by_role("button", name="Delete").click()
    expect(file_row(page, "doomed.png")).to_have_count(0)
    assert server.call("GET", f"/datasets/{plain['id']}/items")["items"] == []

    file_row(page, "kept.png").click()
    details.get_by_role("tab", name="Linked to").click()
    expect(details).to_contain_text("Not in any dataset")


def test_move_files_to_a_folder_found_by_typing(page: Any, server: Api) -> None:
    source = server.folder(unique("Inbox"))
    target = server.folder(unique("Sorted zebras"))
    server.upload_images(source["id"], ["zebra.png", "stays.png"])
    sign_in(page, server)
    open_folder(page, server, source["id"])

    file_row(page, "zebra.png").click()
    page.get_by_role("button", name="Move to another folder").click()
    dialog = page.get_by_role("dialog", name="Move to another folder")
    dialog.get_by_role("searchbox", name="Folder").fill(target["name"][-12:])
    dialog.get_by_role("button", name=target["name"]).click()
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(file_row(page, "zebra.png")).to_have_count(0)
    moved = server.call("GET", f"/folders/{target['id']}/items")["items"]
    assert [m["title"] for m in moved] == ["zebra.png"]


def test_global_search_from_a_deep_folder_opens_the_file_in_its_folder(page: Any, server: Api) -> None:
    top = server.folder(unique("Deep"))
    middle = server.folder("b", parent_id=top["id"])
    deepest = server.folder("d", parent_id=server.folder("c", parent_id=middle["id"])["id"])
    needle = f"needle-{uuid.uuid4().hex[:6]}.png"
    server.upload_images(middle["id"], [needle, "hay.png"])
    sign_in(page, server)
    open_folder(page, server, deepest["id"])

    search = page.get_by_role("searchbox", name="Search all files")
    search.fill(needle[:12])
    search.press("Enter")
    results = page.get_by_role("table")
    expect(results).to_contain_text(needle)
    expect(results).not_to_contain_text("hay.png")
    assert serious_violations(page) == []
    results.get_by_role("link", name=f"Open folder {top['name']} / b at {needle}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("b")
    expect(file_row(page, needle)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("complementary", name="File details")).to_contain_text(needle)
    page.reload()  # the address says it all: the same folder, the same file selected
    expect(file_row(page, needle)).to_have_attribute("aria-selected", "true")


def test_a_viewer_sees_no_write_controls(page: Any, server: Api) -> None:
    folder = server.folder(unique("Shared"))
    server.folder("inner", parent_id=folder["id"])
    server.upload_images(folder["id"], ["look.png", "only.png"])
    email = f"viewer-{uuid.uuid4().hex[:6]}@example.com"
    token = server.user_token(email)
    server.call("POST", f"/folders/{folder['id']}/access", json={"email": email, "role": "viewer"})
    sign_in(page, server, token)
    open_folder(page, server, folder["id"])

    expect(file_row(page, "look.png")).to_be_visible()
    file_row(page, "look.png").click()
    file_row(page, "only.png").click(modifiers=["Shift"])
    expect(page.get_by_text("2 files selected").first).to_be_visible()
    for name in ("New folder", "Add to dataset", "Move to another folder", "Delete", "Upload files", "Manage access"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="More actions for look.png")).to_have_count(0)
    file_row(page, "look.png").click(button="right")
    expect(page.get_by_role("menuitem", name="Delete")).to_have_count(0)
    page.keyboard.press("Escape")
    file_row(page, "inner").click(button="right")
    expect(page.get_by_role("menuitem", name="Open")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Delete")).to_have_count(0)
    assert serious_violations(page) == []


def test_the_table_works_from_the_keyboard(page: Any, server: Api) -> None:
    folder = server.folder(unique("Keys"))
    server.folder("sub", parent_id=folder["id"])
    server.upload_images(folder["id"], ["k-1.png", "k-2.png", "k-3.png"])
    sign_in(page, server)
    open_folder(page, server, folder["id"])

    file_row(page, "k-1.png").click()
    page.keyboard.press("ArrowDown")
    expect(file_row(page, "k-2.png")).to_be_focused()
    page.keyboard.press("Space")
    expect(file_row(page, "k-2.png")).to_have_attribute("aria-selected", "true")
    expect(file_row(page, "k-1.png")).to_have_attribute("aria-selected", "false")
    page.keyboard.press("Shift+ArrowDown")
    expect(page.get_by_text("2 files selected").first).to_be_visible()

    file_row(page, "k-3.png").get_by_role("button", name="More actions for k-3.png").press("Enter")
    expect(page.get_by_role("menu").get_by_role("menuitem", name="Add to dataset")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)

    file_row(page, "k-1.png").focus()  # Home: to the first row, the sub-folder, and Enter opens it
    page.keyboard.press("Home")
    expect(file_row(page, "sub")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("sub")


def test_a_folder_moves_and_is_deleted_from_its_menu(page: Any, server: Api) -> None:
    parent = server.folder(unique("Projects"))
    archive = server.folder(unique("Archive"))
    old = server.folder("old run", parent_id=parent["id"])
    server.upload_images(old["id"], ["inside.png"])
    sign_in(page, server)
    open_folder(page, server, parent["id"])

    file_row(page, "old run").click(button="right")
    page.get_by_role("menu").get_by_role("menuitem", name="Move to another folder").click()
    dialog = page.get_by_role("dialog", name="Move to another folder")
    dialog.get_by_role("searchbox", name="Folder").fill("old run")
    dialog.get_by_role("button", name=f"{parent['name']} / old run").click()  # into itself: the API says no
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(dialog.get_by_role("alert")).to_be_visible()
    assert serious_violations(page) == []
    dialog.get_by_role("searchbox", name="Folder").fill(archive["name"])
    dialog.get_by_role("button", name=archive["name"], exact=True).click()
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(file_row(page, "old run")).to_have_count(0)

    open_folder(page, server, archive["id"])
    file_row(page, "old run").get_by_role("button", name="More actions for old run").click()
    page.get_by_role("menu").get_by_role("menuitem", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete")
    expect(confirm).to_contain_text("removed from every dataset")
    assert serious_violations(page) == []
    confirm.get_by_role("button", name="Delete").click()
    expect(file_row(page, "old run")).to_have_count(0)
    assert server.call("GET", f"/search?text=inside.png&folder_id={archive['id']}")["items"] == []


def test_the_folder_pane_lists_its_collaborators_and_recent_activity(page: Any, server: Api) -> None:
    folder = server.folder(unique("Team"))
    server.upload_images(folder["id"], ["first.png"])
    email = f"vera-{uuid.uuid4().hex[:6]}@example.com"
    token = server.user_token(email)
    server.call("POST", f"/folders/{folder['id']}/access", json={"email": email, "role": "viewer"})
    sign_in(page, server, token)  # a viewer sees who else has a role here, and what happened
    open_folder(page, server, folder["id"])

    details = page.get_by_role("complementary", name="Folder details")
    collaborators = details.get_by_role("region", name="Collaborators")
    expect(collaborators.get_by_role("listitem").filter(has_text=email)).to_contain_text("viewer")
    activity = details.get_by_role("region", name="Recent activity")
    expect(activity.get_by_role("listitem").filter(has_text="access.grant")).to_contain_text("admin@localhost")
    expect(activity.get_by_role("listitem").filter(has_text="first.png")).to_have_count(1)
    assert serious_violations(page) == []
