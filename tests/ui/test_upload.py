"""Seed 002's Upload files dialog: files dropped or picked with per-file progress (a refused one listed with the
API's message while the others go on), images batched as an image group, and a private-cloud import whose manifest
problem is shown, fixed and imported (the registration job polled to its end)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Api, png, serious_violations, sign_in


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def open_upload(page: Any, server: Api, folder_id: int) -> Any:
    page.goto(f"{server.base_url}/files/{folder_id}")
    page.get_by_role("button", name="Upload files").click()
    return page.get_by_role("dialog", name="Upload files")


def drop_files(page: Any, zone: Any, files: list[tuple[str, bytes, str]]) -> None:
    """Drop real files onto ``zone`` as a drag from the desktop would (a DataTransfer holding File objects)."""
    data = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, bytes, type] of files)
                transfer.items.add(new File([new Uint8Array(bytes)], name, {type}));
            return transfer;
        }""",
        [[name, list(content), kind] for name, content, kind in files],
    )
    zone.dispatch_event("drop", {"dataTransfer": data})


def test_upload_files_dropped_and_picked_each_with_its_progress(page: Any, server: Api, tmp_path: Path) -> None:
    folder = server.folder(unique("Uploads"))
    sign_in(page, server)
    dialog = open_upload(page, server, folder["id"])
    expect(dialog).to_contain_text(folder["name"])  # into the open folder
    assert serious_violations(page) == []

    drop_files(page, dialog.get_by_test_id("dropzone").first, [("dropped.png", png((32, 24), 1), "image/png")])
    (tmp_path / "notes.txt").write_text("hello from the upload test\n")
    (tmp_path / "picked.png").write_bytes(png((40, 30), 2))
    (tmp_path / "garbage.bin").write_bytes(bytes(range(256)) * 8)
    with page.expect_file_chooser() as chooser:
        dialog.get_by_text("Choose files").click()
    chooser.value.set_files([tmp_path / "notes.txt", tmp_path / "picked.png", tmp_path / "garbage.bin"])
    files = dialog.get_by_role("list", name="Files to upload")
    expect(files.get_by_role("listitem")).to_have_count(4)

    dialog.get_by_role("button", name="Upload", exact=True).click()
    expect(dialog.get_by_text("3 of 4 uploaded")).to_be_visible()
    failure = dialog.get_by_role("alert")
    expect(failure).to_contain_text("garbage.bin")
    expect(failure).to_contain_text("not a supported media file")  # the API's message
    for name in ("dropped.png", "notes.txt", "picked.png"):
        expect(dialog.get_by_role("progressbar", name=f"Upload of {name}")).to_have_attribute("value", "1")
    dialog.get_by_role("button", name="Done").click()

    grid = page.get_by_role("grid", name="Files")
    for name in ("dropped.png", "notes.txt", "picked.png"):
        expect(grid.get_by_role("row").filter(has_text=name)).to_be_visible()
    expect(grid.get_by_role("row").filter(has_text="garbage.bin")).to_have_count(0)


def test_batch_images_as_an_image_group(page: Any, server: Api, tmp_path: Path) -> None:
    folder = server.folder(unique("Batches"))
    sub = server.folder("frames", parent_id=folder["id"])
    sign_in(page, server)
    dialog = open_upload(page, server, folder["id"])
    dialog.get_by_role("button", name="Change folder").click()  # another folder than the open one
    dialog.get_by_role("searchbox", name="Folder").fill(folder["name"])
    dialog.get_by_role("button", name=f"{folder['name']} / frames").click()
    expect(dialog.get_by_text("Into")).to_contain_text(f"{folder['name']} / frames")
    dialog.get_by_role("tab", name="Batch images as").click()
    panel = dialog.get_by_role("tabpanel", name="Batch images as")
    panel.get_by_label("Image group").check()
    panel.get_by_label("Title").fill("street group")
    paths = []
    for n in range(3):
        paths.append(tmp_path / f"frame-{n}.png")
        paths[-1].write_bytes(png((64, 48), n))
    panel.get_by_label("Choose images").set_input_files(paths)
    expect(panel).to_contain_text("3 files chosen")
    panel.get_by_role("button", name="Upload and batch images").click()
    expect(panel.get_by_text("Made")).to_contain_text("street group")
    assert serious_violations(page) == []
    dialog.get_by_role("button", name="Done").click()
    page.get_by_role("grid", name="Files").get_by_role("link", name="frames").click()
    rows = page.get_by_role("grid", name="Files").get_by_role("row").filter(has_text="street group")
    expect(rows.filter(has_text="Image group")).to_have_count(1)  # the group, and (seed 002) the folder of its images
    expect(rows.filter(has_text="Folder")).to_have_count(1)
    assert [i["title"] for i in server.call("GET", f"/folders/{sub['id']}/items")["items"]] == ["street group"]

    # seed 002: a member of an image group cannot be deleted while the group exists
    rows.filter(has_text="Folder").get_by_role("link", name="street group").click()
    member = page.get_by_role("grid", name="Files").get_by_role("row").filter(has_text="frame-1.png")
    member.click(button="right")
    page.get_by_role("menu").get_by_role("menuitem", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete")
    confirm.get_by_role("button", name="Delete", exact=True).click()
    expect(confirm.get_by_role("alert")).to_contain_text("it is part of 'street group'")
    confirm.get_by_role("button", name="Cancel").click()
    expect(member).to_have_count(1)


def test_import_from_private_cloud_shows_the_manifest_problem_then_imports(
    page: Any, server: Api, tmp_path: Path
) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    for name in ("cloud-a.png", "cloud-b.png"):
        (bucket / name).write_bytes(png((50, 40)))
    integration = unique("disk")
    server.call("POST", "/integrations", json={"name": integration, "provider": "local", "root": str(bucket)})
    urls = [{"objectUrl": (bucket / name).as_uri()} for name in ("cloud-a.png", "cloud-b.png")]
    (tmp_path / "broken.json").write_text(json.dumps({"images": [urls[0], {"title": "no url"}]}))
    missing = {"objectUrl": (bucket / "never-made.png").as_uri()}
    (tmp_path / "fixed.json").write_text(json.dumps({"images": [*urls, missing]}))
    folder = server.folder(unique("Cloud"))
    sign_in(page, server)
    dialog = open_upload(page, server, folder["id"])
    dialog.get_by_role("tab", name="Import from private cloud").click()
    panel = dialog.get_by_role("tabpanel", name="Import from private cloud")
    panel.get_by_label("Integration").select_option(label=f"{integration} (local)")

    panel.get_by_label("Choose a manifest").set_input_files(tmp_path / "broken.json")
    problems = panel.get_by_role("table", name="Manifest problems")
    expect(problems).to_contain_text("/images/1")  # where the problem is
    expect(panel.get_by_role("button", name="Import")).to_be_disabled()
    assert serious_violations(page) == []

    panel.get_by_label("Choose a manifest").set_input_files(tmp_path / "fixed.json")
    expect(panel.get_by_role("region", name="Dry run")).to_contain_text("3 files")
    expect(problems).to_be_hidden()
    panel.get_by_label("Ignore individual file errors").check()
    panel.get_by_role("button", name="Import").click()
    job = panel.get_by_role("region", name="Registration job")
    expect(job).to_contain_text("done", timeout=30_000)
    expect(job).to_contain_text("2 registered, 1 failed")
    not_registered = job.get_by_role("table", name="Files not registered")
    expect(not_registered).to_contain_text("/images/2")  # where the unit is in the manifest
    expect(not_registered).to_contain_text("never-made.png")
    dialog.get_by_role("button", name="Done").click()
    grid = page.get_by_role("grid", name="Files")
    expect(grid.get_by_role("row").filter(has_text="cloud-a.png")).to_be_visible()
    expect(grid.get_by_role("row").filter(has_text="cloud-b.png")).to_be_visible()


def test_dicom_files_uploaded_as_one_series(page: Any, server: Api, media_corpus: Any) -> None:
    parent = server.folder(unique("Hospital"))
    folder = server.folder(unique("Scans"), parent_id=parent["id"])
    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{parent['id']}")
    page.get_by_role("grid").get_by_role("row").filter(has_text=folder["name"]).click(button="right")
    page.get_by_role("menu").get_by_role("menuitem", name="Upload files").click()  # seed 002: right-click a folder
    dialog = page.get_by_role("dialog", name="Upload files")
    expect(dialog.get_by_text("Into")).to_contain_text(folder["name"])
    dialog.get_by_role("tab", name="DICOM").click()
    panel = dialog.get_by_role("tabpanel", name="DICOM")
    panel.get_by_label("Series title").fill("knee study")
    panel.get_by_label("Choose DICOM files").set_input_files([media_corpus[n] for n in media_corpus.series])
    expect(panel).to_contain_text("5 files chosen")
    panel.get_by_role("button", name="Upload", exact=True).click()
    expect(panel.get_by_text("Made")).to_contain_text("knee study")
    dialog.get_by_role("button", name="Done").click()
    page.get_by_role("grid", name="Files").get_by_role("link", name=folder["name"]).click()
    rows = page.get_by_role("grid", name="Files").get_by_role("row").filter(has_text="knee study")
    expect(rows.filter(has_text="DICOM series")).to_have_count(1)


def test_an_upload_after_the_session_ended_brings_back_the_sign_in_page(page: Any, server: Api, tmp_path: Path) -> None:
    email = f"ends-upload-{uuid.uuid4().hex[:6]}@example.com"
    token = server.user_token(email)
    folder = server.folder(unique("Ends"))
    server.call("POST", f"/folders/{folder['id']}/access", json={"email": email, "role": "editor"})
    sign_in(page, server, token)
    dialog = open_upload(page, server, folder["id"])
    (tmp_path / "late.png").write_bytes(png((20, 20)))
    dialog.get_by_label("Choose files").set_input_files(tmp_path / "late.png")
    Api(server.base_url, token).call("DELETE", "/auth/sessions")  # "log out everywhere", from a script
    dialog.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
