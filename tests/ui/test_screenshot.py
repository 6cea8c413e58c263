"""The Files page as a user first sees it: the README's docs/files-page.png (committed) is taken here.

Every run takes it; only with ``CAIRN_UPDATE_SCREENSHOTS=1`` is it written to ``docs/`` (the timestamps in the page
change at every run, so writing it always would leave the work tree changed after ``make test``)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import imageio_ffmpeg
from playwright.sync_api import expect

from tests.ui.conftest import REPO, Api, serving, sign_in

SCREENSHOT = REPO / "docs" / "files-page.png"
UPDATE = os.environ.get("CAIRN_UPDATE_SCREENSHOTS") == "1"


def make_video(path: Path, seconds: int = 4) -> bytes:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    source = f"testsrc2=size=1280x720:rate=30:duration={seconds}"
    argv = [
        ffmpeg,
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        source,
        "-pix_fmt",
        "yuv420p",
        "-c:v",
        "libx264",
        str(path),
    ]
    subprocess.run(argv, check=True)
    return path.read_bytes()


def test_files_page_screenshot(page: Any, tmp_path: Path) -> None:
    """On a server of its own, so that only this scene's folders show."""
    with serving(tmp_path) as server:
        take_screenshot(page, server, tmp_path)


def take_screenshot(page: Any, server: Api, tmp_path: Path) -> None:
    street = server.folder("Street scenes", description="Dash-cam footage from the Lyon fleet, 2024: day, night, rain.")
    for name in ("Night", "Rain", "Tunnels"):
        server.folder(name, parent_id=street["id"])
    server.upload_images(street["id"], [f"intersection-{n:03d}.png" for n in (12, 47, 88)], size=(1920, 1080))
    server.upload_images(street["id"], ["crosswalk-007.png", "crosswalk-019.png"], size=(1280, 720))
    video = make_video(tmp_path / "drive-0412.mp4")
    server.call("POST", f"/folders/{street['id']}/upload", files=[("files", ("drive-0412.mp4", video, "video/mp4"))])
    server.upload_images(street["id"], ["parking-lot-3.png", "roundabout-2.png"], size=(2048, 1536))

    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{street['id']}")
    rows = page.get_by_role("grid").get_by_role("row")
    expect(rows.filter(has_text="roundabout-2.png")).to_be_visible()
    video_row = rows.filter(has_text="drive-0412.mp4")
    warning = video_row.get_by_role("img", name="Problems found")  # seed 004: hover text lists the findings
    expect(warning).to_have_attribute("title", re.compile(r"keyframe interval: .*\(fix: .*ffmpeg"))
    video_row.click()
    expect(page.get_by_role("complementary", name="File details")).to_contain_text("1280")
    page.get_by_role("heading", name="Checks").wait_for()
    expect(page.get_by_text("Frame 0 / 120")).to_be_visible()  # the video preview, stepped by its frame map
    expect(page.locator(".thumb img.shown")).to_have_count(8)  # every file's thumbnail in its row
    taken = SCREENSHOT if UPDATE else tmp_path / SCREENSHOT.name
    page.screenshot(path=str(taken))
    assert taken.stat().st_size > 10_000
