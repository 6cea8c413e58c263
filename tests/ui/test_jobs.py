"""Seed 004's Re-encode, the jobs panel and the notification bell, driven in Chromium as a user would: a real video
made with FFmpeg re-encoded by the server's own job consumer, progress and notifications read from the live event
stream; a queued job cancelled; a registration's unit errors downloaded as CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.api.helpers import jpeg_bytes, png_bytes
from tests.ui.conftest import Api, serious_violations, sign_in, unique, upload_video

JOB_DONE_SECONDS = 120_000  # ms: a re-encode on a busy machine


def new_user(server: Api) -> Api:
    """A user of their own (their bell starts at zero), who makes their own folders."""
    return Api(server.base_url, server.user_token(f"{unique('jobs')}@example.com"))


def test_reencode_a_video_with_audio_follow_it_live_and_land_on_the_new_item(
    page: Any, server: Api, talking_video: bytes
) -> None:
    user = new_user(server)
    folder = user.folder(unique("Interviews"))
    original = upload_video(user, folder["id"], "talk.mp4", talking_video)
    sign_in(page, server, user.token)
    streams: list[str] = []
    page.on("request", lambda r: "/api/v1/events" in r.url and streams.append(r.url))
    page.goto(f"{server.base_url}/files/{folder['id']}")
    bell = page.get_by_role("button", name=re.compile(r"^Notifications"))
    expect(bell).to_have_accessible_name("Notifications, none unread")

    page.get_by_role("row").filter(has_text="talk.mp4").click(button="right")
    page.get_by_role("menuitem", name="Re-encode").click()
    dialog = page.get_by_role("dialog", name="Re-encode")
    plan = dialog.get_by_role("listitem", name="Plan for talk.mp4")
    expect(plan).to_contain_text("drop audio")
    expect(plan).to_contain_text("Video packets copied")  # an audio-only fix is a remux
    assert serious_violations(page) == []
    dialog.get_by_role("radio", name=re.compile("^Full")).check()
    expect(plan).to_contain_text("Every frame re-encoded")
    dialog.get_by_role("radio", name=re.compile("^Auto")).check()
    expect(plan).to_contain_text("Video packets copied")
    dialog.get_by_role("button", name="Start re-encode").click()
    expect(dialog.get_by_role("status")).to_contain_text("Re-encode started")
    dialog.get_by_role("button", name="Follow it in Jobs").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    progress = page.get_by_role("table").get_by_role("progressbar", name=re.compile("Re-encode"))
    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=JOB_DONE_SECONDS)
    expect(page.get_by_role("table").get_by_role("row").nth(1)).to_contain_text("done")
    expect(bell).to_have_accessible_name("Notifications, 1 unread")  # from the event stream: no reload
    details = page.get_by_role("complementary", name="Job details")
    expect(details).to_contain_text("Files made1")
    assert serious_violations(page) == []

    bell.click()
    notes = page.get_by_role("region", name="Notifications")
    expect(notes).to_contain_text("Re-encode (auto)")
    assert serious_violations(page) == []
    notes.get_by_role("link", name="Open talk_normalized.mp4").click()

    expect(page).to_have_url(re.compile(rf"/files/{folder['id']}\?item=\d+$"))
    new_id = int(page.url.rsplit("=", 1)[1])
    assert new_id != original["id"]
    expect(bell).to_have_accessible_name("Notifications, none unread")  # opening it marked it read
    expect(page.get_by_role("row", selected=True)).to_contain_text("talk_normalized.mp4")
    pane = page.get_by_role("complementary", name="File details")
    expect(pane.get_by_role("heading", level=2)).to_have_text("talk_normalized.mp4")
    reencodes = pane.get_by_role("region", name="Re-encodes")
    expect(reencodes).to_contain_text("Re-encoded (auto) from talk.mp4")
    expect(reencodes.get_by_role("note")).to_contain_text("may be misplaced")
    remap = reencodes.get_by_role("link", name="Frame remap")
    expect(remap).to_have_attribute("href", f"/api/v1/items/{new_id}/frame-remap")
    reencodes.get_by_role("link", name="talk.mp4").click()  # and back: the original lists its re-encode
    expect(pane.get_by_role("heading", level=2)).to_have_text("talk.mp4")
    expect(
        pane.get_by_role("region", name="Re-encodes").get_by_role("link", name="talk_normalized.mp4")
    ).to_be_visible()
    assert user.call("GET", f"/items/{new_id}/reencodes")["original_item_id"] == original["id"]
    assert len(streams) == 1  # one event stream for the tab, shared by the bell and the jobs page


def test_re_encode_is_a_bulk_action_for_editors_and_hidden_from_viewers(
    page: Any, server: Api, talking_video: bytes
) -> None:
    owner = new_user(server)
    folder = owner.folder(unique("Shared"))
    upload_video(owner, folder["id"], "talk.mp4", talking_video)
    upload_video(owner, folder["id"], "again.mp4", talking_video)
    owner.upload_images(folder["id"], ["still.png"])
    sign_in(page, server, owner.token)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    page.get_by_role("row").filter(has_text="again.mp4").click()
    page.get_by_role("row").filter(has_text="talk.mp4").click(modifiers=["Shift"])  # by name: the image between
    expect(page.get_by_role("heading", name="3 files selected")).to_be_visible()
    page.get_by_role("button", name="Re-encode (2 videos)").click()  # the image is left out
    dialog = page.get_by_role("dialog", name="Re-encode")
    expect(dialog.get_by_role("listitem", name=re.compile("^Plan for"))).to_have_count(2)
    expect(dialog.get_by_role("listitem", name="Plan for again.mp4")).to_contain_text("drop audio")
    dialog.get_by_role("button", name="Cancel").click()

    viewer_email = f"{unique('viewer')}@example.com"
    viewer_token = server.user_token(viewer_email)
    owner.call("POST", f"/folders/{folder['id']}/access", json={"email": viewer_email, "role": "viewer"})
    page.context.clear_cookies()
    sign_in(page, server, viewer_token)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    page.get_by_role("row").filter(has_text="talk.mp4").click()
    expect(page.get_by_text("1 file selected")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Re-encode"))).to_have_count(0)
    page.get_by_role("row").filter(has_text="talk.mp4").click(button="right")
    expect(page.get_by_role("menuitem", name="Re-encode")).to_have_count(0)


def test_cancel_a_queued_job(page: Any, idle_server: Api, talking_video: bytes) -> None:
    user = new_user(idle_server)
    folder = user.folder(unique("Queue"))
    video = upload_video(user, folder["id"], "talk.mp4", talking_video)
    job = user.call("POST", "/reencode", json={"item_ids": [video["id"]], "mode": "full"})
    sign_in(page, idle_server, user.token)
    page.goto(f"{idle_server.base_url}/jobs")
    row = page.get_by_role("row").filter(has_text=job["title"])
    expect(row).to_contain_text("queued")
    expect(row.get_by_role("link", name=folder["name"])).to_have_attribute("href", f"/files/{folder['id']}")
    assert serious_violations(page) == []
    row.get_by_role("button", name=f"Cancel {job['title']}").click()
    expect(row).to_contain_text("cancelled")
    expect(row.get_by_role("button", name=re.compile("^Cancel"))).to_have_count(0)
    assert user.call("GET", f"/jobs/{job['id']}")["status"] == "cancelled"


def test_download_a_registrations_errors_as_csv(page: Any, server: Api, tmp_path: Path) -> None:
    root = tmp_path / "disk"
    root.mkdir()
    (root / "a.png").write_bytes(png_bytes())
    (root / "b.jpg").write_bytes(jpeg_bytes())
    name = unique("disk")
    server.call("POST", "/integrations", json={"name": name, "provider": "local", "root": str(root)})
    folder = server.folder(unique("Registered"))
    titles = ['=HYPERLINK("http://evil.example")', "not, a video", "@SUM(A1)"]
    videos = [{"objectUrl": (root / "b.jpg").as_uri(), "title": t} for t in titles]
    images = [{"objectUrl": (root / "a.png").as_uri()}, {"title": "no URL"}]  # the second: a manifest problem
    manifest = {"images": images, "videos": videos}
    body = {"folder_id": folder["id"], "integration": name, "manifest": manifest, "ignore_errors": True}
    job = server.call("POST", "/jobs", json=body)
    sign_in(page, server)
    page.goto(f"{server.base_url}/jobs/{job['id']}")
    details = page.get_by_role("complementary", name="Job details")
    expect(details.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100", timeout=JOB_DONE_SECONDS)
    errors = details.get_by_role("region", name="Errors")
    expect(errors.get_by_role("row")).to_have_count(4)  # a header and one row per failed unit
    problems = details.get_by_role("region", name="Manifest problems")  # skipped entries are not silently dropped
    expect(problems.get_by_role("row")).to_have_count(2)
    expect(problems).to_contain_text("/images/1")
    assert serious_violations(page) == []
    with page.expect_download() as download:
        errors.get_by_role("link", name="Download errors as CSV").click()
    assert download.value.suggested_filename == f"job-{job['id']}-errors.csv"
    header, *rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert header == ["unit", "location", "kind", "title", "object_urls", "code", "error", "action_description"]
    left_out, *rows = rows  # the manifest's entry left out comes first, then the unit errors
    assert (left_out[1], left_out[5]) == ("/images/1", "manifest_problem")
    assert [r[3] for r in rows] == ["'" + titles[0], titles[1], "'" + titles[2]]
    assert [r[1] for r in rows] == ["/videos/0", "/videos/1", "/videos/2"]
    assert all(r[4] == (root / "b.jpg").as_uri() and r[6] for r in rows)


def test_older_jobs_a_page_at_a_time(page: Any, idle_server: Api, talking_video: bytes) -> None:
    user = new_user(idle_server)
    folder = user.folder(unique("Many"))
    video = upload_video(user, folder["id"], "talk.mp4", talking_video)
    jobs = [user.call("POST", "/reencode", json={"item_ids": [video["id"]]}) for _ in range(52)]
    sign_in(page, idle_server, user.token)
    page.goto(f"{idle_server.base_url}/jobs")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(51)  # a header and the newest 50
    page.get_by_role("button", name="Show older jobs").click()
    expect(rows).to_have_count(53)
    expect(rows.nth(52).get_by_role("link", name=jobs[0]["title"])).to_have_attribute("href", f"/jobs/{jobs[0]['id']}")
    expect(page.get_by_role("button", name="Show older jobs")).to_have_count(0)
