"""The Integrations page (organization admins): add an S3-compatible integration on an s3rver and a local one,
each form's problems next to their fields, Check (each permission with its verdict), Edit with the secrets never
shown, Remove; a member sees no link and is refused by URL. Also the folder menu's Rename and New sub-folder, and
a dataset's Edit, Re-sync and Delete."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.fixtures.storage_servers import StorageServer
from tests.ui.conftest import Api, png, serious_violations, serving, sign_in


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def private_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A server of its own (no integration yet) that may reach the s3rver on loopback."""
    with serving(tmp_path_factory.mktemp("cairn-ui-integrations"), CAIRN_ALLOW_PRIVATE_ENDPOINTS="true") as api:
        yield api


def sections(page: Any) -> Any:
    return page.get_by_role("navigation", name="Sections")


def row_of(page: Any, text: str) -> Any:
    return page.get_by_role("table", name="Integrations").get_by_role("row").filter(has_text=text)


def test_integrations_add_check_edit_remove(
    page: Any, private_server: Api, s3rver_server: StorageServer, tmp_path: Path
) -> None:
    server = private_server
    assert server.call("GET", "/integrations")["integrations"] == []
    folder = server.folder("Landing")
    sign_in(page, server)

    # No integration yet: the Import-from-private-cloud tab sends an admin to the Integrations page.
    page.goto(f"{server.base_url}/files/{folder['id']}")
    page.get_by_role("button", name="Upload files").click()
    upload = page.get_by_role("dialog", name="Upload files")
    upload.get_by_role("tab", name="Import from private cloud").click()
    upload.get_by_role("link", name="add one on the Integrations page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrations")
    expect(sections(page).get_by_role("link", name="Integrations")).to_have_attribute("aria-current", "page")
    assert serious_violations(page) == []

    # Add an S3-compatible one: the endpoint forgotten, the API's problem shows next to it; nothing typed is lost.
    page.get_by_role("button", name="Add integration").click()
    form = page.get_by_role("dialog", name="Add integration")
    form.get_by_label("Kind", exact=True).select_option(label="S3-compatible")
    expect(form.get_by_label("Storage account", exact=True)).to_have_count(0)
    expect(form.get_by_label("Directory on the server", exact=True)).to_have_count(0)
    form.get_by_label("Name", exact=True).fill("Lab bucket")
    form.get_by_label("Bucket", exact=True).fill("media")
    form.get_by_label("Region", exact=True).fill("us-east-1")
    form.get_by_label("Prefix", exact=True).fill("ui/")
    form.get_by_label("Access key ID", exact=True).fill("S3RVER")
    form.get_by_label("Secret access key", exact=True).fill("S3RVER")
    form.get_by_role("button", name="Add", exact=True).click()
    endpoint = form.get_by_label("Endpoint", exact=True)
    expect(endpoint).to_have_attribute("aria-invalid", "true")
    expect(endpoint).to_have_accessible_description(re.compile("^required for provider s3_compatible"))
    expect(form.get_by_label("Bucket", exact=True)).to_have_value("media")
    assert serious_violations(page) == []
    endpoint.fill(s3rver_server.endpoint)
    form.get_by_role("button", name="Add", exact=True).click()
    expect(form).to_be_hidden()
    lab = row_of(page, "Lab bucket")
    expect(lab).to_contain_text("S3-compatible")
    expect(lab).to_contain_text("Set: access_key_id, secret_access_key")

    # Check: listing under the prefix, then reading one object that is there and one that is not.
    s3rver_server.put("ui/frame-1.png", png((8, 8)), content_type="image/png")
    lab.get_by_role("button", name="Check Lab bucket").click()
    check = page.get_by_role("dialog", name="Check Lab bucket")
    checks = check.get_by_role("table", name="Checks").get_by_role("row")
    expect(checks.filter(has_text="List objects (LIST ui/)")).to_contain_text("Allowed")
    check.get_by_label("Object key to read", exact=True).fill("ui/frame-1.png")
    check.get_by_role("button", name="Check reading it").click()
    expect(checks.filter(has_text="HEAD ui/frame-1.png")).to_contain_text("Allowed")
    check.get_by_label("Object key to read", exact=True).fill("ui/never-made.png")
    check.get_by_role("button", name="Check reading it").click()
    expect(checks.filter(has_text="HEAD ui/never-made.png")).to_contain_text("Failed")
    assert serious_violations(page) == []
    check.get_by_role("button", name="Done").click()

    # Edit: the secrets are never shown back; left blank they are kept (the check still passes).
    lab.get_by_role("button", name="Edit Lab bucket").click()
    edit = page.get_by_role("dialog", name="Edit integration Lab bucket")
    for label in ("Access key ID", "Secret access key", "Session token"):
        expect(edit.get_by_label(label)).to_have_value("")
    expect(edit.get_by_label("Secret access key", exact=True)).to_have_attribute("placeholder", "leave blank to keep")
    expect(edit).to_contain_text("leave blank to keep them")
    expect(edit.get_by_label("Endpoint", exact=True)).to_have_value(s3rver_server.endpoint)
    assert "S3RVER" not in page.content()
    assert serious_violations(page) == []
    edit.get_by_label("Name", exact=True).fill("Lab bucket 2")
    edit.get_by_label("Shared: everyone may register files from it", exact=True).check()
    edit.get_by_role("button", name="Save").click()
    expect(edit).to_be_hidden()
    lab = row_of(page, "Lab bucket 2")
    expect(lab).to_contain_text("Everyone")
    (stored,) = server.call("GET", "/integrations")["integrations"]
    assert stored["config"]["credentials"] == ["access_key_id", "secret_access_key"]
    assert server.call("POST", f"/integrations/{stored['id']}/check", json={})["ok"] is True

    # A local one: its directory on the server.
    disk = tmp_path / "disk"
    disk.mkdir()
    page.get_by_role("button", name="Add integration").click()
    form = page.get_by_role("dialog", name="Add integration")
    form.get_by_label("Kind", exact=True).select_option(label="Local directory")
    expect(form.get_by_label("Bucket", exact=True)).to_have_count(0)
    expect(form.get_by_label("Secret access key", exact=True)).to_have_count(0)
    form.get_by_label("Name", exact=True).fill("Scratch disk")
    form.get_by_label("Directory on the server", exact=True).fill(str(disk / "missing"))
    form.get_by_role("button", name="Add", exact=True).click()
    expect(form.get_by_label("Directory on the server", exact=True)).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Directory on the server", exact=True).fill(str(disk))
    form.get_by_role("button", name="Add", exact=True).click()
    expect(form).to_be_hidden()
    row_of(page, "Scratch disk").get_by_role("button", name="Check Scratch disk").click()
    check = page.get_by_role("dialog", name="Check Scratch disk")
    expect(check.get_by_role("table", name="Checks")).to_contain_text("Allowed")
    check.get_by_role("button", name="Done").click()

    # A file registered through the local one keeps it: Remove says so before, and the API refuses.
    (disk / "kept.png").write_bytes(png((8, 8)))
    manifest = {"images": [{"objectUrl": (disk / "kept.png").as_uri()}]}
    job = server.call(
        "POST", "/jobs", json={"folder_id": folder["id"], "integration": "Scratch disk", "manifest": manifest}
    )
    assert finished(server, job["id"])["units_done"] == 1
    row_of(page, "Scratch disk").get_by_role("button", name="Remove Scratch disk").click()
    confirm = page.get_by_role("dialog", name="Remove Scratch disk")
    confirm.get_by_role("button", name="Remove", exact=True).click()
    expect(confirm.get_by_role("alert")).to_contain_text("is used by 1 registered file(s)")
    confirm.get_by_role("button", name="Cancel").click()

    # Remove: what happens to files registered through it is said before; then it is gone.
    row_of(page, "Lab bucket 2").get_by_role("button", name="Remove Lab bucket 2").click()
    confirm = page.get_by_role("dialog", name="Remove Lab bucket 2")
    expect(confirm).to_contain_text("cannot be removed while any of them remains")
    assert serious_violations(page) == []
    confirm.get_by_role("button", name="Remove", exact=True).click()
    expect(confirm).to_be_hidden()
    expect(row_of(page, "Lab bucket 2")).to_have_count(0)
    assert [i["name"] for i in server.call("GET", "/integrations")["integrations"]] == ["Scratch disk"]


def test_s3_with_a_multi_region_access_point_and_a_gcs_key_problem(page: Any, server: Api) -> None:
    sign_in(page, server)
    page.goto(f"{server.base_url}/integrations")
    page.get_by_role("button", name="Add integration").click()
    form = page.get_by_role("dialog", name="Add integration")
    name = unique("Global media")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Bucket", exact=True).fill("media-eu")
    mrap = form.get_by_label("Multi-Region Access Point", exact=True)
    mrap.fill("arn:aws:s3:eu-west-1:123456789012:accesspoint/not-multi-region")
    form.get_by_role("button", name="Add", exact=True).click()
    expect(mrap).to_have_attribute("aria-invalid", "true")
    expect(mrap).to_have_accessible_description(re.compile("is neither an alias like"))
    mrap.fill("arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap")
    form.get_by_role("button", name="Add", exact=True).click()
    expect(form).to_be_hidden()
    expect(row_of(page, name)).to_contain_text("The server's own identity")
    (made,) = [i for i in server.call("GET", "/integrations")["integrations"] if i["name"] == name]
    assert made["config"]["options"] == {
        "multi_region_access_point": "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap"
    }

    # A GCS key that is not one: the problem is next to the key's field, and the key is not echoed back.
    page.get_by_role("button", name="Add integration").click()
    form = page.get_by_role("dialog", name="Add integration")
    form.get_by_label("Kind", exact=True).select_option(label="Google Cloud Storage")
    form.get_by_label("Name", exact=True).fill(unique("Archive"))
    form.get_by_label("Bucket", exact=True).fill("archive-bucket")
    key = form.get_by_label("Service account key (JSON)", exact=True)
    secret = '{"type": "service_account", "private_key": "-----BEGIN KEEPMESECRET", "gcs_base_url": "http://10.0.0.1"}'
    key.fill(secret)
    form.get_by_role("button", name="Add", exact=True).click()
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_role("alert")).to_contain_text("credentials.service_account_key")
    assert serious_violations(page) == []
    assert "KEEPMESECRET" not in form.get_by_role("alert").inner_text()
    form.get_by_role("button", name="Cancel").click()

    row_of(page, name).get_by_role("button", name=f"Remove {name}").click()
    page.get_by_role("dialog", name=f"Remove {name}").get_by_role("button", name="Remove", exact=True).click()
    expect(row_of(page, name)).to_have_count(0)


def finished(server: Api, job_id: int) -> dict[str, Any]:
    """The job once it has ended (a registration runs on the server's own worker)."""
    deadline = time.monotonic() + 120
    while (job := server.call("GET", f"/jobs/{job_id}"))["status"] not in {"done", "error", "cancelled"}:
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']} after 120 s"
        time.sleep(0.2)
    return job


def test_a_member_sees_no_link_and_is_refused_by_url(page: Any, server: Api) -> None:
    token = server.user_token(f"{uuid.uuid4().hex[:8]}@example.com")
    sign_in(page, server, token)
    expect(sections(page).get_by_role("link", name="Datasets")).to_be_visible()
    expect(sections(page).get_by_role("link", name="Integrations")).to_have_count(0)
    page.goto(f"{server.base_url}/integrations")
    expect(page.get_by_role("alert")).to_contain_text("You may not manage integrations")
    expect(page.get_by_role("button", name="Add integration")).to_have_count(0)
    assert serious_violations(page) == []
    refused = httpx.post(
        f"{server.base_url}/api/v1/integrations",
        json={"name": unique("mine"), "provider": "local", "root": "/tmp"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403


def file_row(page: Any, title: str) -> Any:
    return page.get_by_role("row").filter(has_text=title)


def test_a_folder_is_renamed_and_gets_a_sub_folder_from_its_menu(page: Any, server: Api) -> None:
    parent = server.folder(unique("Surveys"))
    server.folder("draft", parent_id=parent["id"])
    server.folder("taken", parent_id=parent["id"])
    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{parent['id']}")
    file_row(page, "draft").click(button="right")
    page.get_by_role("menu").get_by_role("menuitem", name="Rename").click()
    dialog = page.get_by_role("dialog", name="Rename draft")
    dialog.get_by_label("Name", exact=True).fill("2024/final")
    dialog.get_by_role("button", name="Rename").click()
    expect(dialog.get_by_role("alert")).to_contain_text("must not contain '/'")
    expect(dialog.get_by_label("Name", exact=True)).to_have_value("2024/final")
    expect(dialog.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    assert serious_violations(page) == []
    dialog.get_by_label("Name", exact=True).fill("taken")
    dialog.get_by_role("button", name="Rename").click()
    expect(dialog.get_by_role("alert")).to_contain_text("taken")
    dialog.get_by_label("Name", exact=True).fill("final")
    dialog.get_by_role("button", name="Rename").click()
    expect(dialog).to_be_hidden()
    expect(file_row(page, "final")).to_be_visible()
    expect(file_row(page, "draft")).to_have_count(0)

    file_row(page, "final").get_by_role("button", name="More actions for final").click()
    page.get_by_role("menu").get_by_role("menuitem", name="New sub-folder").click()
    made = page.get_by_role("dialog", name="New folder")
    made.get_by_label("Name", exact=True).fill("inner")
    made.get_by_role("button", name="Create").click()
    expect(made).to_be_hidden()
    (final,) = [f for f in server.call("GET", f"/folders?parent_id={parent['id']}")["folders"] if f["name"] == "final"]
    assert [f["name"] for f in server.call("GET", f"/folders?parent_id={final['id']}")["folders"]] == ["inner"]


def test_a_dataset_is_renamed_re_synced_and_deleted(page: Any, server: Api) -> None:
    first, second = server.folder(unique("Owls")), server.folder(unique("Hawks"))
    server.upload_images(first["id"], ["owl-1.png", "owl-2.png"])
    server.upload_images(second["id"], ["hawk-1.png"])
    title = unique("Raptors")
    dataset = server.call("POST", "/datasets", json={"title": title, "synced_folder_id": first["id"]})
    sign_in(page, server)
    page.goto(f"{server.base_url}/datasets/{dataset['id']}")
    rows = page.get_by_role("grid").get_by_role("row")
    expect(rows).to_have_count(3)

    page.get_by_role("button", name="Edit", exact=True).click()
    edit = page.get_by_role("dialog", name="Edit dataset")
    edit.get_by_label("Title", exact=True).fill("   ")
    edit.get_by_role("button", name="Save").click()
    expect(edit.get_by_role("alert")).to_contain_text("title")
    assert serious_violations(page) == []
    renamed = unique("Birds of prey")
    edit.get_by_label("Title", exact=True).fill(renamed)
    edit.get_by_label("Description", exact=True).fill("owls, then hawks")
    edit.get_by_role("button", name="Save").click()
    expect(edit).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text(renamed)
    expect(page.get_by_text("owls, then hawks")).to_be_visible()

    page.get_by_role("button", name="Re-sync").click()
    sync = page.get_by_role("dialog", name="Re-sync")
    expect(sync).to_contain_text(f"Synced to {first['name']}")
    assert serious_violations(page) == []
    sync.get_by_role("searchbox", name="Folder").fill(second["name"])
    sync.get_by_role("button", name=second["name"], exact=True).click()
    sync.get_by_role("button", name="Re-sync", exact=True).click()
    expect(sync).to_be_hidden()
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="hawk-1.png")).to_be_visible()
    assert server.call("GET", f"/datasets/{dataset['id']}")["synced_folder_id"] == second["id"]

    page.get_by_role("button", name="Delete", exact=True).click()
    confirm = page.get_by_role("dialog", name="Delete dataset")
    expect(confirm).to_contain_text("Its files stay in their folders")
    assert serious_violations(page) == []
    confirm.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Datasets")
    expect(page.get_by_role("link", name=renamed)).to_have_count(0)
    assert len(server.call("GET", f"/folders/{second['id']}/items")["items"]) == 1
    assert len(server.call("GET", f"/folders/{first['id']}/items")["items"]) == 2
