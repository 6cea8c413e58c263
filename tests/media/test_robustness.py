"""Only MediaError escapes an inspector: random bytes, and truncations of every corpus file, for every inspector."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.errors import MediaError
from cairn.media import (
    inspect_audio,
    inspect_dicom,
    inspect_file,
    inspect_image,
    inspect_pdf,
    inspect_text,
    inspect_video,
)
from tests.fixtures.media_corpus import MediaCorpus

INSPECTORS: dict[str, Callable[..., Any]] = {
    "image": inspect_image,
    "video": inspect_video,
    "dicom": inspect_dicom,
    "audio": inspect_audio,
    "text": inspect_text,
    "pdf": inspect_pdf,
    "file": inspect_file,
}
MAGIC = [b"", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x01\x00\x00WEBP", b"II*\x00", b"BM",
         b"\x00\x00\x00\x18ftypisom", b"\x00\x00\x00\x18ftypavif", b"\x1a\x45\xdf\xa3", b"%PDF-1.4",
         bytes(128) + b"DICM", b"ID3", b"RIFF\x00\x01\x00\x00WAVE"]  # fmt: skip


def only_media_errors(inspector: Callable[..., Any], data: bytes) -> None:
    try:
        inspector(io.BytesIO(data))
    except MediaError as exc:
        assert exc.message  # a reason is given
    # Anything else propagates and fails the test.


@pytest.mark.parametrize("kind", INSPECTORS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(magic=st.sampled_from(MAGIC), tail=st.binary(max_size=2048))
def test_random_bytes(kind: str, magic: bytes, tail: bytes) -> None:
    only_media_errors(INSPECTORS[kind], magic + tail)


def _cuts(size: int) -> list[int]:
    return sorted({0, 1, 7, 64, 133, size // 10, size // 3, size // 2, size * 9 // 10, size - 1})


@pytest.mark.parametrize(
    "name",
    [
        "cfr_h264.mp4",
        "ghost_cut.mp4",
        "moov_end.mp4",
        "vp9.webm",
        "h264.mkv",
        "mpeg4.avi",
        "hevc.mov",
        *MediaCorpus.images,
        "ct_small.dcm",
        "enhanced_ct.dcm",
        "tone.wav",
        "tone.mp3",
        "three_pages.pdf",
    ],
)
def test_truncations_of_corpus_files(media_corpus: MediaCorpus, name: str) -> None:
    data = media_corpus[name].read_bytes()
    for cut in _cuts(len(data)):
        for inspector in INSPECTORS.values():
            only_media_errors(inspector, data[:cut])


def test_corrupted_middles(media_corpus: MediaCorpus) -> None:
    for name in ("cfr_h264.mp4", "photo.jpeg", "ct_small.dcm", "photo.webp"):
        data = bytearray(media_corpus[name].read_bytes())
        for offset in range(0, len(data), max(len(data) // 7, 1)):
            damaged = bytes(data[:offset]) + bytes((b ^ 0x5A) for b in data[offset : offset + 200])
            damaged += bytes(data[offset + 200 :])
            for inspector in INSPECTORS.values():
                only_media_errors(inspector, damaged)
