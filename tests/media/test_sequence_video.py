"""Image sequence -> video: image i is frame i, fitted into the first image's dimensions by the documented rule."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageStat

from cairn.domain.image_sequences import place_in_frame
from cairn.errors import InvalidInput, MediaError
from cairn.media import inspect_video, open_counting
from cairn.media.processing import sequence_video
from tests.fixtures.sequence_pictures import assert_frames_are_images, decoded, picture


def test_equal_sizes(tmp_path: Path) -> None:
    images = [picture(tmp_path / f"{i}.png", (160, 120), i) for i in range(12)]
    (tmp_path / "out").mkdir()
    video = sequence_video(images, tmp_path / "out" / "seq.mp4", frame_rate=Fraction(25))
    assert_frames_are_images(video, images)
    with open_counting(video) as reader:
        report = inspect_video(reader, headers_known=False)
    assert (report.codec, report.width, report.height, report.moov_position) == ("h264", 160, 120, "start")
    assert report.frame_rate_mode == "cfr"
    assert report.frame_count == 12
    assert report.nominal_frame_rate == 25
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["seq.mp4"]


def test_mixed_sizes_are_fitted_into_the_first_images_dimensions(tmp_path: Path) -> None:
    sizes = [(160, 120), (320, 240), (80, 120), (200, 50), (161, 121), (40, 30)]
    images = [picture(tmp_path / f"{i}.png", size, i + 3) for i, size in enumerate(sizes)]
    images.append(picture(tmp_path / "jpeg.jpg", (100, 100), 40, "JPEG"))
    video = sequence_video(images, tmp_path / "seq.mp4")
    assert_frames_are_images(video, images)
    # The rule itself: a 2:1 image in a 4:3 frame is letterboxed, centred, aspect kept.
    assert place_in_frame((200, 50), (160, 120)).__dict__ == {"width": 160, "height": 40, "x": 0, "y": 40}
    frame = decoded(video)[3]
    top_bar = ImageStat.Stat(frame.crop((0, 0, 160, 36)).convert("L")).mean[0]
    assert top_bar < 20  # black padding above the letterboxed image


def test_odd_first_image_gets_an_even_frame(tmp_path: Path) -> None:
    images = [picture(tmp_path / f"{i}.png", (161, 121), i) for i in range(3)]
    video = sequence_video(images, tmp_path / "seq.mp4")
    with open_counting(video) as reader:
        report = inspect_video(reader, headers_known=False)
    assert (report.width, report.height) == (162, 122)
    assert_frames_are_images(video, images)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    """A portrait photo stored landscape with EXIF orientation 6 becomes a portrait frame, as browsers show it."""
    stored = Image.new("RGB", (160, 120), (200, 30, 30))
    ImageDraw.Draw(stored).rectangle((0, 0, 40, 120), fill=(20, 20, 220))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    stored.save(path, "JPEG", exif=exif.tobytes(), quality=95)
    video = sequence_video([path], tmp_path / "seq.mp4")
    (frame,) = decoded(video)
    assert frame.size == (120, 160)


def test_unreadable_image_names_which(tmp_path: Path) -> None:
    good = picture(tmp_path / "good.png", (64, 48), 1)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(MediaError, match=r"image 1 of the sequence \(bad.png\)"):
        sequence_video([good, bad], tmp_path / "seq.mp4")
    assert {p.name for p in tmp_path.iterdir()} == {"good.png", "bad.png"}


def test_cancel_between_images(tmp_path: Path) -> None:
    images = [picture(tmp_path / f"{i}.png", (64, 48), i) for i in range(5)]
    (tmp_path / "out").mkdir()
    with pytest.raises(MediaError, match="cancelled"):
        sequence_video(images, tmp_path / "out" / "seq.mp4", lambda: True)
    assert list((tmp_path / "out").iterdir()) == []


def test_empty_sequence_and_bad_rate_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="at least one image"):
        sequence_video([], tmp_path / "seq.mp4")
    image = picture(tmp_path / "a.png", (64, 48), 1)
    with pytest.raises(InvalidInput, match="frame rate"):
        sequence_video([image], tmp_path / "seq.mp4", frame_rate=Fraction(0))
