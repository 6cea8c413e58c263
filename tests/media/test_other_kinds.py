"""Audio, text and PDF inspection, the dispatcher's kind detection, and the counting reader."""

from __future__ import annotations

import io
import json

import pytest

from cairn.domain.kinds import ItemKind
from cairn.domain.media import AudioReport
from cairn.errors import MediaError
from cairn.media import (
    CountingReader,
    detect_kind,
    inspect_audio,
    inspect_file,
    inspect_pdf,
    inspect_text,
    open_counting,
)
from tests.fixtures.media_corpus import MediaCorpus


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tone.wav", ("pcm_s24le", 22050, 2, 24)),
        ("tone.mp3", ("mp3", 44100, 1, None)),
        ("tone.flac", ("flac", 44100, 1, 16)),
    ],
)
def test_audio(media_corpus: MediaCorpus, name: str, expected: tuple[str, int, int, int | None]) -> None:
    with open_counting(media_corpus[name]) as reader:
        report = inspect_audio(reader)
    assert (report.codec, report.sample_rate, report.channels, report.bit_depth) == expected
    assert report.duration_seconds == pytest.approx(1.0, abs=0.06)


@pytest.mark.parametrize(
    ("name", "encoding", "mime", "verdict"),
    [
        ("utf8.txt", "utf-8", "text/plain", "ok"),
        ("cp1252.txt", "cp1252", "text/plain", "warning"),
        ("utf16.csv", "utf-16-le", "text/csv", "warning"),
    ],
)
def test_text(media_corpus: MediaCorpus, name: str, encoding: str, mime: str, verdict: str) -> None:
    with open_counting(media_corpus[name]) as reader:
        report = inspect_text(reader, filename=name)
    assert (report.encoding, report.mime_type, report.verdict) == (encoding, mime, verdict)
    assert report.size == media_corpus[name].stat().st_size and report.whole_file_read


def test_text_refuses_binary() -> None:
    with pytest.raises(MediaError, match="NUL bytes"):
        inspect_text(io.BytesIO(b"abc\x00def"))


def test_pdf(media_corpus: MediaCorpus) -> None:
    with open_counting(media_corpus["three_pages.pdf"]) as reader:
        assert inspect_pdf(reader).page_count == 3
    with open_counting(media_corpus["corrupt.pdf"]) as reader, pytest.raises(MediaError, match="cannot read the PDF"):
        inspect_pdf(reader)


@pytest.mark.parametrize(
    ("name", "kind", "fmt"),
    [
        ("cfr_h264.mp4", "video", "mp4"),
        ("hevc.mov", "video", "mov"),
        ("vp9.webm", "video", "webm"),
        ("h264.mkv", "video", "mkv"),
        ("photo.avif", "image", "avif"),
        ("photo.webp", "image", "webp"),
        ("photo.tiff", "image", "tiff"),
        ("ct_small.dcm", "dicom_file", "dicom"),
        ("tone.wav", "audio", "wav"),
        ("tone.flac", "audio", "flac"),
        ("three_pages.pdf", "pdf", "pdf"),
        ("utf8.txt", "text", "text"),
    ],
)
def test_dispatcher_detects_and_inspects(media_corpus: MediaCorpus, name: str, kind: str, fmt: str) -> None:
    with open_counting(media_corpus[name]) as reader:
        report = inspect_file(reader, kind_hint=ItemKind(kind), filename=name, headers_known=False)
    assert (report.kind, report.detected_format) == (kind, fmt)
    data = report.to_dict()
    json.dumps(data)
    assert data["kind"] == kind and data["bytes_read"] > 0 and data["verdict"] in {"ok", "warning", "problem"}


def test_dispatcher_refuses_the_wrong_kind(media_corpus: MediaCorpus) -> None:
    with open_counting(media_corpus["photo.png"]) as reader, pytest.raises(MediaError) as caught:
        inspect_file(reader, kind_hint=ItemKind.VIDEO, filename="clip.mp4")
    assert caught.value.message == "clip.mp4: Expected a video, got a file of type PNG image"
    expected = {"reason": "wrong_kind", "expected": "video", "detected": "png", "detected_kind": "image"}
    assert caught.value.details == expected


def test_composite_hint_means_its_member_kind(media_corpus: MediaCorpus) -> None:
    with open_counting(media_corpus["series/slice_0.dcm"]) as reader:
        assert inspect_file(reader, kind_hint=ItemKind.DICOM_SERIES).kind == ItemKind.DICOM_FILE
    with open_counting(media_corpus["ct_small.dcm"]) as reader, pytest.raises(MediaError, match="Expected an image"):
        inspect_file(reader, kind_hint=ItemKind.IMAGE_SEQUENCE)


def test_dicom_with_tiff_preamble_is_dicom(media_corpus: MediaCorpus) -> None:
    data = media_corpus["ct_small.dcm"].read_bytes()
    assert data[:4] == b"II*\x00"  # CT_small is a dual-personality TIFF/DICOM file
    assert detect_kind(io.BytesIO(data)).kind == ItemKind.DICOM_FILE


def test_unrecognised_binary() -> None:
    with pytest.raises(MediaError, match=r"unrecognised file type \(unrecognised binary file\)"):
        inspect_file(io.BytesIO(bytes(range(256)) * 4))


class _BufferReader(io.BytesIO):
    """A storage-like reader that returns memoryviews instead of bytes."""

    def read(self, n: int | None = -1) -> memoryview:  # type: ignore[override]
        return memoryview(super().read(n))


def test_counting_reader_counts_and_returns_bytes() -> None:
    reader = CountingReader(_BufferReader(b"0123456789"), size=None)
    assert reader.size == 10
    assert reader.read_at(2, 3) == b"234" and isinstance(reader.read(2), bytes)
    assert reader.seek(-1, io.SEEK_END) == 9 and reader.read() == b"9"
    assert (reader.bytes_read, reader.reads) == (6, 3)
    with pytest.raises(OSError, match="negative offset"):
        reader.seek(-20, io.SEEK_END)


def test_audio_in_a_video_container_follows_the_registered_kind(media_corpus: MediaCorpus) -> None:
    with open_counting(media_corpus["with_audio.mp4"]) as reader:
        report = inspect_file(reader, kind_hint=ItemKind.AUDIO)
    assert isinstance(report.report, AudioReport)
    assert (report.kind, report.detected_format, report.report.codec) == ("audio", "mp4", "aac")
    with open_counting(media_corpus["tone.mp3"]) as reader, pytest.raises(MediaError, match="Expected a video"):
        inspect_file(reader, kind_hint=ItemKind.VIDEO)
