"""The media actions of seed 004 beyond one file's Re-encode, driven in Chromium: Re-encode a whole folder from its
menu and a dataset from the Datasets page (one job each), where the results go (the API's refusal shown under that
choice: a read-only Azurite container, an uploaded file with no bucket), Export frames, Build video for an image
sequence; focus back on what opened a menu's dialog; older notifications in the bell; the private-cloud import
followed on the event stream (not polled)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.storage_servers import StorageServer
from tests.services.test_reencode_destinations import read_only_sas
from tests.ui.conftest import Api, png, serious_violations, serving, sign_in, unique, upload_video

JOB_SECONDS = 120.0


def new_user(server: Api) -> Api:
    return Api(server.base_url, server.user_token(f"{unique('media')}@example.com"))


def wait_job(user: Api, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_SECONDS
    while True:
        job: dict[str, Any] = user.call("GET", f"/jobs/{job_id}")
        if job["status"] in ("done", "error", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.3)


def video_folder_opened(page: Any, server: Api, video: bytes, name: str) -> tuple[Api, dict[str, Any]]:
    """A user of their own with a folder holding ``talk.mp4``, signed in, the folder open."""
    user = new_user(server)
    folder = user.folder(unique(name))
    upload_video(user, folder["id"], "talk.mp4", video)
    sign_in(page, server, user.token)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    return user, folder


def only_job(user: Api) -> dict[str, Any]:
    (job,) = user.call("GET", "/jobs")["jobs"]
    return job  # type: ignore[no-any-return]


def test_reencode_a_whole_folder_from_its_menu_and_focus_returns_to_what_opened_it(
    page: Any, server: Api, talking_video: bytes
) -> None:
    user = new_user(server)
    parent = user.folder(unique("Project"))
    clips = user.folder("clips", parent_id=parent["id"])
    deep = user.folder("day 1", parent_id=clips["id"])
    upload_video(user, deep["id"], "talk.mp4", talking_video)
    sign_in(page, server, user.token)
    page.goto(f"{server.base_url}/files/{parent['id']}")

    row = page.get_by_role("row").filter(has_text="clips")
    row.click(button="right")  # right-click: the dialog closed, focus is back on the row
    page.get_by_role("menuitem", name="Re-encode").click()
    dialog = page.get_by_role("dialog", name="Re-encode")
    expect(dialog.get_by_label("What is re-encoded")).to_contain_text("folder “clips” and its sub-folders")
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_be_focused()

    more = page.get_by_role("button", name="More actions for clips")
    more.click()
    page.get_by_role("menuitem", name="Re-encode").click()
    expect(dialog.get_by_role("radio", name="Next to the original in its bucket")).to_be_visible()
    assert serious_violations(page) == []
    dialog.get_by_role("radio", name=re.compile("^Full")).check()
    dialog.get_by_role("radio", name="cairn's managed storage").check()
    dialog.get_by_role("button", name="Start re-encode").click()
    expect(dialog.get_by_role("status")).to_contain_text("Re-encode started")
    dialog.get_by_role("button", name="Close").last.click()  # the footer's, not the title bar's
    expect(more).to_be_focused()  # not the page's body: the "⋯" that opened the menu

    job = only_job(user)
    assert job["kind"] == "reencode" and job["folder_id"] == clips["id"]
    assert job["params"]["mode"] == "full" and job["params"]["destination"] == "managed"
    done = wait_job(user, job["id"])
    assert (done["status"], done["items_created"]) == ("done", 1)  # the video two levels down
    titles = [i["title"] for i in user.call("GET", f"/folders/{deep['id']}/items")["items"]]
    assert sorted(titles) == ["talk.mp4", "talk_normalized.mp4"]


def test_reencode_a_dataset_from_the_datasets_page(page: Any, server: Api, talking_video: bytes) -> None:
    user = new_user(server)
    folder = user.folder(unique("Takes"))
    video = upload_video(user, folder["id"], "talk.mp4", talking_video)
    title = unique("Speech")
    dataset = user.call("POST", "/datasets", json={"title": title, "description": ""})
    user.call("POST", f"/datasets/{dataset['id']}/items", json={"item_ids": [video["id"]]})
    sign_in(page, server, user.token)
    page.goto(f"{server.base_url}/datasets")
    opener = page.get_by_role("button", name=f"Re-encode {title}")
    opener.click()
    dialog = page.get_by_role("dialog", name="Re-encode")
    expect(dialog.get_by_label("What is re-encoded")).to_contain_text(f"dataset “{title}”")
    dialog.get_by_role("button", name="Start re-encode").click()
    expect(dialog.get_by_role("status")).to_contain_text("Re-encode started")
    dialog.get_by_role("button", name="Follow it in Jobs").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))

    viewer_email = f"{unique('viewer')}@example.com"  # sees the dataset (it holds a file they may see), owns nothing
    viewer_token = server.user_token(viewer_email)
    user.call("POST", f"/folders/{folder['id']}/access", json={"email": viewer_email, "role": "viewer"})
    page.context.clear_cookies()
    sign_in(page, server, viewer_token)
    page.goto(f"{server.base_url}/datasets")
    expect(page.get_by_role("link", name=title)).to_be_visible()
    expect(page.get_by_role("button", name=f"Re-encode {title}")).to_have_count(0)
    job = only_job(user)
    assert job["kind"] == "reencode" and job["dataset_id"] == dataset["id"]
    assert wait_job(user, job["id"])["items_created"] == 1


def test_a_bucket_destination_refused_shows_the_api_message_under_the_choice(
    page: Any, server: Api, talking_video: bytes
) -> None:
    user, _ = video_folder_opened(page, server, talking_video, "Uploaded")
    page.get_by_role("row").filter(has_text="talk.mp4").click(button="right")
    page.get_by_role("menuitem", name="Re-encode").click()
    dialog = page.get_by_role("dialog", name="Re-encode")
    dialog.get_by_role("radio", name=re.compile("^Full")).check()
    dialog.get_by_role("radio", name="Next to the original in its bucket").check()
    dialog.get_by_role("button", name="Start re-encode").click()
    where = dialog.get_by_role("group", name="Where the results go")
    expect(where.get_by_role("alert")).to_contain_text("was uploaded into cairn and has no bucket")
    expect(dialog.get_by_role("radio", name=re.compile("^Full"))).to_be_checked()  # nothing chosen is lost
    expect(dialog.get_by_role("radio", name="Next to the original in its bucket")).to_be_checked()
    assert user.call("GET", "/jobs")["jobs"] == []


def test_export_frames_into_the_bucket_of_an_uploaded_video_is_refused_under_the_choice(
    page: Any, server: Api, talking_video: bytes
) -> None:
    user, _ = video_folder_opened(page, server, talking_video, "Uploaded frames")
    page.get_by_role("row").filter(has_text="talk.mp4").click(button="right")
    page.get_by_role("menuitem", name="Export frames").click()
    dialog = page.get_by_role("dialog", name="Export frames")
    where = dialog.get_by_role("group", name="Where the results go")
    expect(where.get_by_role("radio", name="cairn's managed storage")).to_be_checked()  # the default
    expect(where.get_by_role("radio")).to_have_count(2)  # frame export has no automatic choice
    dialog.get_by_role("radio", name="JPEG").check()
    where.get_by_role("radio", name="Next to the original in its bucket").check()
    dialog.get_by_role("button", name="Export frames").click()
    expect(where.get_by_role("alert")).to_contain_text("has no bucket")
    expect(dialog.get_by_role("radio", name="JPEG")).to_be_checked()  # nothing chosen is lost
    assert user.call("GET", "/jobs")["jobs"] == []


@pytest.fixture(scope="module")
def private_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A server that may reach storage on this machine (Azurite), as single-machine setups do."""
    with serving(tmp_path_factory.mktemp("cairn-private"), CAIRN_ALLOW_PRIVATE_ENDPOINTS="true") as api:
        yield api


def test_a_read_only_bucket_is_refused_naming_the_permission(
    page: Any, private_server: Api, azurite_server: StorageServer, talking_video: bytes
) -> None:
    container = azurite_server.fresh()
    url = container.put("clips/talk.mp4", talking_video)
    config = container.config
    name = unique("reader")
    body = {"name": name, "provider": config.provider, "bucket": config.bucket, "endpoint": config.endpoint,
            "credentials": {"sas_token": read_only_sas()}, "options": dict(config.options)}  # fmt: skip
    private_server.call("POST", "/integrations", json=body)
    folder = private_server.folder(unique("Bucket"))
    manifest = {"videos": [{"objectUrl": url, "title": "talk.mp4"}]}
    job = private_server.call(
        "POST", "/jobs", json={"folder_id": folder["id"], "integration": name, "manifest": manifest}
    )
    assert wait_job(private_server, job["id"])["units_done"] == 1
    sign_in(page, private_server)
    page.goto(f"{private_server.base_url}/files/{folder['id']}")
    page.get_by_role("row").filter(has_text="talk.mp4").click(button="right")
    page.get_by_role("menuitem", name="Re-encode").click()
    dialog = page.get_by_role("dialog", name="Re-encode")
    dialog.get_by_role("radio", name="Next to the original in its bucket").check()
    dialog.get_by_role("button", name="Start re-encode").click()
    where = dialog.get_by_role("group", name="Where the results go")
    expect(where.get_by_role("alert")).to_contain_text(re.compile(r"lack Write \(Microsoft.Storage/.*clips/"))
    assert serious_violations(page) == []
    dialog.get_by_role("radio", name="cairn's managed storage").check()  # the way out, in the same dialog
    dialog.get_by_role("button", name="Start re-encode").click()
    expect(dialog.get_by_role("status")).to_contain_text("Re-encode started")


def test_export_frames_of_a_video_as_an_image_group(page: Any, server: Api, talking_video: bytes) -> None:
    user, folder = video_folder_opened(page, server, talking_video, "Frames")
    row = page.get_by_role("row").filter(has_text="talk.mp4")
    row.click(button="right")
    page.get_by_role("menuitem", name="Export frames").click()
    dialog = page.get_by_role("dialog", name="Export frames")
    assert serious_violations(page) == []
    dialog.get_by_role("radio", name="A range of frames").check()
    dialog.get_by_label("From frame").fill("10")
    dialog.get_by_label(re.compile("^Up to")).fill("40")
    dialog.get_by_label("Every Nth frame").fill("10")
    dialog.get_by_role("radio", name="JPEG").check()
    dialog.get_by_role("radio", name="An image group").check()
    dialog.get_by_role("button", name="Export frames").click()
    expect(dialog.get_by_role("status")).to_contain_text("“talk_frames”")
    dialog.get_by_role("button", name="Close").last.click()  # the footer's, not the title bar's
    expect(row).to_be_focused()
    job = wait_job(user, only_job(user)["id"])
    assert (job["kind"], job["status"]) == ("frame_export", "done")
    group = page.get_by_role("row", name=re.compile(r"^talk_frames Image group"))
    expect(group).to_be_visible(timeout=15_000)  # the table follows the job's end on the event stream
    (members,) = [f for f in user.call("GET", "/folders", params={"parent_id": folder["id"]})["folders"]]
    frames = user.call("GET", f"/folders/{members['id']}/items")["items"]
    assert len(frames) == 3 and {f["kind"] for f in frames} == {"image"}  # frames 10, 20 and 30, as JPEG
    assert all(f["title"].endswith((".jpg", ".jpeg")) for f in frames), [f["title"] for f in frames]


def test_build_the_video_of_an_image_sequence_again(page: Any, server: Api) -> None:
    user = new_user(server)
    folder = user.folder(unique("Sequence"))
    files = [("files", (f"f{n}.png", png_of(n), "image/png")) for n in range(4)]
    data = {"batch": "image_sequence", "title": "walk"}
    (sequence,) = user.call("POST", f"/folders/{folder['id']}/upload", files=files, data=data)["items"]
    for made in user.call("GET", "/jobs")["jobs"]:  # the video built at upload
        wait_job(user, made["id"])
    sign_in(page, server, user.token)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    page.get_by_role("row", name=re.compile(r"^walk.*Image sequence")).click(button="right")
    expect(page.get_by_role("menuitem", name="Export frames")).to_have_count(0)  # not a video
    page.get_by_role("menuitem", name="Build video").click()
    dialog = page.get_by_role("dialog", name="Build video")
    assert serious_violations(page) == []
    dialog.get_by_label(re.compile("^Frame rate")).fill("not a rate")
    dialog.get_by_role("button", name="Build video").click()
    expect(dialog.get_by_role("alert")).to_contain_text("not a rate")  # the API's message
    expect(dialog.get_by_label(re.compile("^Frame rate"))).to_have_value("not a rate")  # kept
    dialog.get_by_label(re.compile("^Frame rate")).fill("12")
    dialog.get_by_role("radio", name="cairn's managed storage").check()
    dialog.get_by_role("button", name="Build video").click()
    expect(dialog.get_by_role("status")).to_contain_text("Build video started")
    job = user.call("GET", "/jobs")["jobs"][0]
    assert job["kind"] == "sequence_video" and job["params"]["destination"] == "managed"
    assert wait_job(user, job["id"])["status"] == "done"
    assert user.call("GET", f"/items/{sequence['id']}")["status"] == "ready"


def png_of(n: int) -> bytes:
    return png((64, 48), n)


def test_the_bell_lists_older_notifications_a_page_at_a_time(page: Any, idle_server: Api, talking_video: bytes) -> None:
    user = new_user(idle_server)
    folder = user.folder(unique("Many"))
    video = upload_video(user, folder["id"], "talk.mp4", talking_video)
    for _ in range(53):  # each cancelled job notifies its author
        job = user.call("POST", "/reencode", json={"item_ids": [video["id"]]})
        user.call("POST", f"/jobs/{job['id']}/cancel")
    first = min(n["id"] for n in user.call("GET", "/notifications", params={"limit": 100})["notifications"])
    sign_in(page, idle_server, user.token)
    page.goto(f"{idle_server.base_url}/files/{folder['id']}")
    bell = page.get_by_role("button", name=re.compile(r"^Notifications"))
    expect(bell).to_have_accessible_name("Notifications, 53 unread")
    bell.click()
    notes = page.get_by_role("region", name="Notifications")
    expect(notes.get_by_role("listitem")).to_have_count(50)
    notes.get_by_role("button", name="Show older notifications").click()
    expect(notes.get_by_role("listitem")).to_have_count(53)
    expect(notes.get_by_role("button", name="Show older notifications")).to_have_count(0)
    oldest = notes.get_by_role("listitem").nth(52)
    oldest.get_by_role("button", name="Mark read").click()
    expect(bell).to_have_accessible_name("Notifications, 52 unread")
    assert next(
        n for n in user.call("GET", "/notifications", params={"limit": 100})["notifications"] if n["id"] == first
    )["is_read"]


def test_import_from_private_cloud_follows_its_job_on_the_event_stream(
    page: Any, idle_server: Api, tmp_path: Path
) -> None:
    root = tmp_path / "disk"
    root.mkdir()
    (root / "a.png").write_bytes(png_of(1))
    name = unique("disk")
    idle_server.call("POST", "/integrations", json={"name": name, "provider": "local", "root": str(root)})
    folder = idle_server.folder(unique("Imported"))
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"images": [{"objectUrl": (root / "a.png").as_uri()}]}))
    sign_in(page, idle_server)
    job_reads: list[str] = []
    page.on("request", lambda r: re.search(r"/api/v1/jobs/\d+$", r.url) and job_reads.append(r.url))
    page.goto(f"{idle_server.base_url}/files/{folder['id']}")
    page.get_by_role("button", name="Upload files").click()
    dialog = page.get_by_role("dialog", name="Upload files")
    dialog.get_by_role("tab", name="Import from private cloud").click()
    dialog.get_by_label("Integration").select_option(label=f"{name} (local)")
    dialog.get_by_label("Choose a manifest").set_input_files(manifest)
    expect(dialog.get_by_role("region", name="Dry run")).to_contain_text("1 file")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/jobs/upload")) as started:
        dialog.get_by_role("button", name="Import").click()
    job_id = started.value.json()["id"]  # the job this import started (the shared server holds other tests' jobs)
    status = dialog.get_by_role("region", name="Registration job")
    expect(status).to_contain_text(re.compile("queued|validating"))  # no consumer: it stays there
    page.wait_for_timeout(3500)  # a poll every second would have asked three times by now
    assert len(job_reads) <= 1, job_reads
    idle_server.call("POST", f"/jobs/{job_id}/cancel")
    expect(status).to_contain_text("cancelled")  # the stream's event, not a poll
    assert len(job_reads) <= 1, job_reads


def test_a_dialog_opened_from_a_menu_returns_focus_to_the_row_or_button_that_opened_it(page: Any, server: Api) -> None:
    user = new_user(server)
    folder = user.folder(unique("Focus"))
    user.folder("inner", parent_id=folder["id"])
    user.upload_images(folder["id"], ["a.png"])
    sign_in(page, server, user.token)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    more = page.get_by_role("button", name="More actions for a.png")
    more.click()
    page.get_by_role("menuitem", name="Move to another folder").click()
    page.get_by_role("dialog", name=re.compile("^Move")).press("Escape")
    expect(more).to_be_focused()
    row = page.get_by_role("row").filter(has_text="inner")
    row.click(button="right")
    page.get_by_role("menuitem", name="Rename").click()
    page.get_by_role("dialog", name=re.compile("^Rename")).get_by_role("button", name="Cancel").click()
    expect(row).to_be_focused()
