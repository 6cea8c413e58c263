"""Image inspection over the generated corpus: geometry, orientation, formats, bombs and truncation."""

from __future__ import annotations

import io

import pytest

from cairn.domain.media import ImageReport
from cairn.errors import MediaError
from cairn.media import inspect_image, open_counting
from tests.fixtures.media_corpus import MediaCorpus

# name: (format, stored w, h, displayed w, h, orientation, mode, bit depth, format verdict, overall verdict)
EXPECTED = {
    "photo.jpeg": ("jpeg", 160, 120, 160, 120, 1, "RGB", 8, "ok", "ok"),
    "photo.png": ("png", 160, 120, 160, 120, 1, "RGB", 8, "ok", "ok"),
    "photo.webp": ("webp", 160, 120, 160, 120, 1, "RGB", 8, "ok", "ok"),
    "photo.avif": ("avif", 160, 120, 160, 120, 1, "RGB", 8, "ok", "ok"),
    "photo.bmp": ("bmp", 160, 120, 160, 120, 1, "RGB", 8, "ok", "ok"),
    "photo.tiff": ("tiff", 160, 120, 160, 120, 1, "RGB", 8, "warning", "warning"),
    "exif6.jpeg": ("jpeg", 160, 120, 120, 160, 6, "RGB", 8, "ok", "warning"),
    "exif6.webp": ("webp", 160, 120, 120, 160, 6, "RGB", 8, "ok", "warning"),
    "exif8.png": ("png", 160, 120, 120, 160, 8, "RGB", 8, "ok", "warning"),
    "exif6.tiff": ("tiff", 160, 120, 120, 160, 6, "RGB", 8, "warning", "warning"),
    "exif6.avif": ("avif", 160, 120, 120, 160, 6, "RGB", 8, "ok", "warning"),
    "deep16.png": ("png", 64, 48, 64, 48, 1, "I;16", 16, "ok", "ok"),
    "alpha.webp": ("webp", 64, 48, 64, 48, 1, "RGBA", 8, "ok", "ok"),
    "lossless.webp": ("webp", 160, 120, 160, 120, 1, "RGB", 8, "ok", "ok"),
    "anim.gif": ("gif", 160, 120, 160, 120, 1, "P", 8, "problem", "problem"),
}


def inspect(corpus: MediaCorpus, name: str, **kwargs: object) -> ImageReport:
    with open_counting(corpus[name]) as reader:
        return inspect_image(reader, **kwargs)  # type: ignore[arg-type]


def test_expectations_cover_the_corpus() -> None:
    assert set(EXPECTED) == set(MediaCorpus.images)


@pytest.mark.parametrize("name", MediaCorpus.images)
def test_image_facts_and_verdicts(media_corpus: MediaCorpus, name: str) -> None:
    report = inspect(media_corpus, name)
    fmt, width, height, dwidth, dheight, orientation, mode, depth, format_verdict, verdict = EXPECTED[name]
    assert (report.format, report.width, report.height) == (fmt, width, height)
    assert (report.display_width, report.display_height, report.orientation) == (dwidth, dheight, orientation)
    assert (report.mode, report.bit_depth) == (mode, depth)
    checks = {c.name: c for c in report.checks}
    assert checks["format"].verdict == format_verdict
    assert checks["orientation"].verdict == ("ok" if orientation == 1 else "warning")
    assert report.verdict == verdict


@pytest.mark.parametrize("name", ["photo.jpeg", "photo.png", "photo.webp", "photo.bmp", "photo.tiff", "exif6.webp"])
def test_header_formats_read_a_fraction_of_the_file(media_corpus: MediaCorpus, name: str) -> None:
    report = inspect(media_corpus, name)
    assert not report.whole_file_read
    if report.size > 10_000:
        assert report.bytes_read < report.size // 2
    assert report.reads > 0


def test_avif_says_it_read_the_whole_file(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "photo.avif")
    assert report.whole_file_read and report.bytes_read >= report.size


def test_tiff_warning_names_safari(media_corpus: MediaCorpus) -> None:
    check = inspect(media_corpus, "photo.tiff").checks[0]
    assert "Safari" in check.reason and "PNG" in check.fix


def test_pixel_bomb_is_refused_before_decoding(media_corpus: MediaCorpus) -> None:
    with pytest.raises(MediaError, match=r"decompression bomb guard: 30000x30000") as caught:
        inspect(media_corpus, "bomb.png")
    assert caught.value.details["max_pixels"] == 178_956_970


def test_max_pixels_is_configurable(media_corpus: MediaCorpus) -> None:
    with pytest.raises(MediaError, match="over the 10,000-pixel limit"):
        inspect(media_corpus, "photo.png", max_pixels=10_000)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("truncated.png", "truncated PNG"),
        ("truncated.jpeg", "truncated"),
        ("truncated.webp", "truncated WebP"),
        ("truncated.bmp", "truncated BMP"),
    ],
)
def test_truncated_images_fail_with_the_reason(media_corpus: MediaCorpus, name: str, reason: str) -> None:
    with pytest.raises(MediaError, match=reason):
        inspect(media_corpus, name)


def test_truncated_tiff_strips(media_corpus: MediaCorpus) -> None:
    data = media_corpus["photo.tiff"].read_bytes()
    with pytest.raises(MediaError, match="truncated TIFF"):
        inspect_image(io.BytesIO(data[: len(data) - 5000]))


def test_jpeg_with_trailing_data_is_fine(media_corpus: MediaCorpus) -> None:
    data = media_corpus["photo.jpeg"].read_bytes() + b"motion-photo trailer" * 50
    report = inspect_image(io.BytesIO(data))
    assert (report.format, report.width) == ("jpeg", 160)


def test_verify_pixels_decodes_and_says_so(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "photo.png", verify_pixels=True)
    assert report.whole_file_read


def test_not_an_image(media_corpus: MediaCorpus) -> None:
    with pytest.raises(MediaError, match="not a supported image: the file looks like a MP4 video"):
        inspect(media_corpus, "cfr_h264.mp4")


def test_large_image_under_the_limit_passes_without_pillow_warning() -> None:
    """95 megapixels: above Pillow's warning threshold (89 MP), below the guard; filterwarnings=error proves it."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (10_000, 9_500)).save(buffer, "PNG")
    report = inspect_image(io.BytesIO(buffer.getvalue()))
    assert (report.width, report.height, report.bit_depth) == (10_000, 9_500, 1)
