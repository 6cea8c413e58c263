"""The rule of a file's kind against what its content says (``domain/content_kinds.py``)."""

from __future__ import annotations

import pytest

from cairn.domain.content_kinds import content_type_mismatch, is_generic, is_wrong_kind, wrong_kind_error
from cairn.domain.kinds import ItemKind
from cairn.errors import MediaError


@pytest.mark.parametrize(
    ("kind", "content_type", "refusal"),
    [
        (ItemKind.VIDEO, "video/mp4", None),
        (ItemKind.VIDEO, "Application/MP4; codecs=avc1", None),  # a video's application types, any case
        (ItemKind.VIDEO, "image/png", "Expected a video, got a file of type image/png"),
        (ItemKind.IMAGE, "IMAGE/JPEG", None),
        (ItemKind.IMAGE, "text/plain; charset=utf-8", "Expected an image, got a file of type text/plain"),
        (ItemKind.AUDIO, "video/mp4", "Expected an audio file, got a file of type video/mp4"),
        (ItemKind.AUDIO, "application/octet-stream; charset=binary", None),  # generic: says nothing
        (ItemKind.IMAGE, None, None),
        (ItemKind.PDF, "image/png", None),  # no major type to check: the bytes decide
    ],
)
def test_a_content_type_refuses_only_another_major_kind(
    kind: ItemKind, content_type: str | None, refusal: str | None
) -> None:
    assert content_type_mismatch(kind, content_type) == refusal


def test_generic_types_are_recognised_whatever_their_case_and_parameters() -> None:
    assert is_generic(None) and is_generic("") and is_generic("Binary/Octet-Stream; x=1")
    assert not is_generic("video/mp4")


def test_a_wrong_kind_refusal_is_told_from_other_media_errors() -> None:
    assert is_wrong_kind(wrong_kind_error("Expected a video, got a file of type PNG image", expected="video"))
    assert not is_wrong_kind(MediaError("unrecognised file type (binary data)", details={"expected": "video"}))
