"""The details pane's previews and the table's thumbnails, in Chromium: a video stepped frame by frame by its frame map
(the frame number read on the page and the colour of the frame on screen are frame N's of the map, in a video whose
first frames are hidden by an edit list, with B-frames and a variable frame rate), text, audio, thumbnails in rows."""

from __future__ import annotations

import io
import re
import subprocess
import uuid
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import imageio_ffmpeg
import numpy as np
import pypdf
import pytest
from PIL import Image
from playwright.sync_api import expect
from pydicom.data import get_testdata_file

from tests.ui.conftest import Api, serious_violations, sign_in

LEVELS = (16, 96, 176, 240)
TIME_BASE = Fraction(1, 90000)
CUT_AT = "0.55"  # inside the second group of pictures: the frames before are decoded but hidden (ghost frames)


def colour(index: int) -> tuple[int, int, int]:
    """Frame ``index``'s solid colour: 64 colours far apart, neighbouring frames never alike."""
    code = (index * 37) % 64
    return LEVELS[code // 16], LEVELS[code // 4 % 4], LEVELS[code % 4]


def write_colour_video(path: Path, frames: int = 40) -> None:
    """H.264 with B-frames, a key frame every 10 frames, frames 1/30 s and 1/15 s apart in turn (variable rate)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.time_base = stream.codec_context.time_base = TIME_BASE
        stream.options = {"crf": "10", "g": "10", "bf": "3", "preset": "veryfast"}
        ticks = 0
        for index in range(frames):
            frame = av.VideoFrame.from_image(Image.new("RGB", (160, 120), colour(index)))
            frame.pts, frame.time_base = ticks, TIME_BASE
            ticks += 3000 if index % 2 == 0 else 6000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ghost.mp4``: a stream-copy cut inside a group of pictures, whose edit list hides the frames before the cut;
    ``late.mp4``: the whole video behind an empty edit, its first frame shown at 0.5 s; ``old.mp4``: MPEG-4 Part 2,
    which browsers do not play."""
    root = tmp_path_factory.mktemp("previews")
    write_colour_video(root / "colours.mp4")
    ffmpeg = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y"]
    copy = ["-c", "copy", "-movflags", "+faststart"]
    subprocess.run([*ffmpeg, "-ss", CUT_AT, "-i", "colours.mp4", *copy, "ghost.mp4"], check=True, cwd=root, timeout=120)
    late = [*ffmpeg, "-i", "colours.mp4", *copy, "-output_ts_offset", "0.5", "late.mp4"]
    subprocess.run(late, check=True, cwd=root, timeout=120)
    subprocess.run([*ffmpeg, "-i", "colours.mp4", "-c:v", "mpeg4", "old.mp4"], check=True, cwd=root, timeout=120)
    return root


@pytest.fixture
def ghost_video(videos: Path) -> Path:
    return videos / "ghost.mp4"


def shown_colours(path: Path) -> list[tuple[int, int, int]]:
    """The centre colour of every frame FFmpeg presents, in presentation order (the frame map's frames)."""
    with av.open(str(path)) as container:
        frames = sorted(container.decode(video=0), key=lambda f: f.pts if f.pts is not None else 0)
        return [tuple(int(c) for c in np.asarray(f.to_image())[60, 80]) for f in frames]  # type: ignore[misc]


def nearest(found: list[int], palette: list[tuple[int, int, int]]) -> int:
    distances = [sum((a - b) ** 2 for a, b in zip(found, c, strict=True)) for c in palette]
    return distances.index(min(distances))


READ_PIXEL = """(video) => {
  if (video.seeking || video.readyState < 2) return null;
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const context = canvas.getContext("2d");
  context.drawImage(video, 0, 0);
  return Array.from(context.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data.slice(0, 3));
}"""


def frame_on_screen(page: Any, palette: list[tuple[int, int, int]], expected: int) -> int:
    """Which frame of the map the video shows, by its colour (read again until the seek is done and painted)."""
    video = page.get_by_role("group", name="Video frames").locator("video")
    seen = -1
    for _ in range(50):
        pixel = video.evaluate(READ_PIXEL)
        if pixel is not None:
            seen = nearest(pixel, palette)
            if seen == expected:
                return seen
        page.wait_for_timeout(100)
    return seen


def one_page_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=400, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(server: Api, folder_id: int, name: str, data: bytes, media_type: str) -> dict[str, Any]:
    made: dict[str, Any] = server.call(
        "POST", f"/folders/{folder_id}/upload", files=[("files", (name, data, media_type))]
    )["items"][0]
    return made


@pytest.mark.parametrize("name", ["ghost.mp4", "late.mp4"])
def test_step_a_video_frame_by_frame_and_read_the_frame_number(page: Any, server: Api, videos: Path, name: str) -> None:
    video = videos / name
    palette = shown_colours(video)
    folder = server.folder(f"Clips {uuid.uuid4().hex[:6]}")
    item = upload(server, folder["id"], name, video.read_bytes(), "video/mp4")
    frame_map = server.call("GET", f"/items/{item['id']}/frame-map")
    assert frame_map["frames"] == len(palette)  # the map's frames are the frames FFmpeg presents
    report = server.call("GET", f"/items/{item['id']}/inspection")["report"]
    if name == "ghost.mp4":
        assert report["hidden_frame_count"] > 0, "the cut should hide its first frames behind an edit list"
    else:
        assert frame_map["seconds"][0] == pytest.approx(0.5), "the first frame should be shown at 0.5 s"

    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    page.get_by_role("row").filter(has_text=name).click()
    frames = page.get_by_role("group", name="Video frames")
    counter = frames.locator("output")
    total = len(palette)
    expect(counter).to_have_text(f"Frame 0 / {total}")
    assert frame_on_screen(page, palette, 0) == 0

    for n in range(1, 8):  # forward with the button: the counter and the colour on screen are frame n's
        frames.get_by_role("button", name="Next frame").click()
        expect(counter).to_have_text(f"Frame {n} / {total}")
        expect(frames).to_contain_text(f"{frame_map['seconds'][n]:.3f} s")
        assert frame_on_screen(page, palette, n) == n, f"frame {n} asked for"
    frames.get_by_role("button", name="Previous frame").click()
    expect(counter).to_have_text(f"Frame 6 / {total}")
    assert frame_on_screen(page, palette, 6) == 6

    frames.get_by_role("button", name="Next frame").focus()
    for n in (7, 8, 9):  # and with the arrow keys
        page.keyboard.press("ArrowRight")
        expect(counter).to_have_text(f"Frame {n} / {total}")
        assert frame_on_screen(page, palette, n) == n
    page.keyboard.press("ArrowLeft")
    expect(counter).to_have_text(f"Frame 8 / {total}")
    assert frame_on_screen(page, palette, 8) == 8
    frames.locator("video").focus()  # on the player itself: one frame, not the native controls' five seconds
    page.keyboard.press("ArrowRight")
    expect(counter).to_have_text(f"Frame 9 / {total}")
    assert frame_on_screen(page, palette, 9) == 9

    for _ in range(total):  # to the last frame, where "Next frame" stops
        if frames.get_by_role("button", name="Next frame").is_disabled():
            break
        frames.get_by_role("button", name="Next frame").click()
    expect(counter).to_have_text(f"Frame {total - 1} / {total}")
    assert frame_on_screen(page, palette, total - 1) == total - 1
    assert serious_violations(page) == []


def test_a_video_the_browser_cannot_play_says_so(page: Any, server: Api, videos: Path) -> None:
    folder = server.folder(f"Old {uuid.uuid4().hex[:6]}")
    upload(server, folder["id"], "old.mp4", (videos / "old.mp4").read_bytes(), "video/mp4")
    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    page.get_by_role("row").filter(has_text="old.mp4").click()
    frames = page.get_by_role("group", name="Video frames")
    expect(frames.get_by_role("alert")).to_contain_text("This browser cannot play the video")


def test_thumbnails_in_rows_and_text_and_audio_previews(
    page: Any, server: Api, ghost_video: Path, tmp_path: Path
) -> None:
    folder = server.folder(f"Mixed {uuid.uuid4().hex[:6]}")
    server.upload_images(folder["id"], ["photo.png"], size=(320, 240))
    upload(server, folder["id"], "clip.mp4", ghost_video.read_bytes(), "video/mp4")
    notes = "first line\n" + "é" * 2000  # more than the kilobyte shown, with a character cut at its end
    upload(server, folder["id"], "notes.txt", notes.encode(), "text/plain")
    tone = tmp_path / "tone.wav"
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(tone)], check=True, timeout=60)
    upload(server, folder["id"], "tone.wav", tone.read_bytes(), "audio/wav")
    upload(server, folder["id"], "page.pdf", one_page_pdf(), "application/pdf")
    tiff = io.BytesIO()
    Image.new("RGB", (512, 256), (200, 40, 40)).save(tiff, format="TIFF")
    upload(server, folder["id"], "scan.tif", tiff.getvalue(), "image/tiff")
    upload(
        server, folder["id"], "ct.dcm", Path(str(get_testdata_file("CT_small.dcm"))).read_bytes(), "application/dicom"
    )

    sign_in(page, server)
    page.goto(f"{server.base_url}/files/{folder['id']}")
    rows = page.get_by_role("grid", name="Files").get_by_role("row")
    for name in (
        "photo.png",
        "clip.mp4",
        "page.pdf",
        "ct.dcm",
    ):  # pictured: the thumbnail replaces the kind's icon, in the same box
        picture = rows.filter(has_text=name).locator(".thumb img")
        expect(picture).to_have_class("shown")
        assert picture.evaluate("(img) => img.naturalWidth") > 0
        box = rows.filter(has_text=name).locator(".thumb").bounding_box()
        assert (round(box["width"]), round(box["height"])) == (32, 32)
    for name in ("notes.txt", "tone.wav"):  # none: the kind's icon, and no request for a thumbnail
        row = rows.filter(has_text=name)
        expect(row.locator(".thumb .kind-icon")).to_be_visible()
        assert row.locator(".thumb img").count() == 0

    details = page.get_by_role("complementary", name="File details")
    rows.filter(has_text="notes.txt").click()
    text = details.get_by_label("First 1024 bytes of notes.txt")
    expect(text).to_contain_text("first line")
    shown = text.inner_text()
    assert shown.startswith("first line\n") and set(shown[11:]) == {"é"} and len(shown.encode()) <= 1024
    expect(details).to_contain_text(f"The first 1,024 bytes of {len(notes.encode()):,}.")

    rows.filter(has_text="tone.wav").click()
    audio = details.locator("audio")
    expect(audio).to_have_attribute("src", re.compile(r"^/api/v1/items/\d+/content$"))
    page.wait_for_function("() => document.querySelector('aside audio').duration > 0.9")

    for name, label in (("page.pdf", "PDF: page.pdf"), ("ct.dcm", "DICOM file: ct.dcm")):  # rendered by the server
        rows.filter(has_text=name).click()
        rendered = details.get_by_role("img", name=label)
        expect(rendered).to_have_attribute("src", re.compile(r"^/api/v1/items/\d+/thumbnail$"))
        page.wait_for_function("() => document.querySelector('aside img.preview-picture')?.naturalWidth > 0")

    rows.filter(has_text="scan.tif").click()  # Chromium shows no TIFF: the server's rendering stands in
    tiff = details.get_by_role("img", name="scan.tif")
    expect(tiff).to_have_attribute("src", re.compile(r"^/api/v1/items/\d+/thumbnail$"))
    page.wait_for_function("() => document.querySelector('aside img.preview-picture')?.naturalWidth === 256")

    rows.filter(has_text="photo.png").click()
    image = details.get_by_role("img", name="photo.png")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('aside img.preview-picture').naturalWidth === 320")
    assert serious_violations(page) == []
