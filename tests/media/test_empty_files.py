"""An empty (zero-byte) object is never a valid media file of any kind: every inspector, the dispatcher whatever
kind is expected, and registration all refuse it with the reason, instead of calling it an empty text file."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest

import cairn.media
from cairn.domain.kinds import ItemKind
from cairn.errors import MediaError
from cairn.media import detect_kind, inspect_file

EMPTY = re.escape("the file is empty (0 bytes)")
INSPECTORS: dict[str, Callable[..., Any]] = {
    name: getattr(cairn.media, name) for name in cairn.media.__all__ if name.startswith("inspect_")
}


@pytest.mark.parametrize("name", sorted(INSPECTORS))
def test_every_inspector_refuses_an_empty_object(name: str) -> None:
    with pytest.raises(MediaError, match=EMPTY):
        INSPECTORS[name](io.BytesIO(b""))


@pytest.mark.parametrize("kind", [None, *ItemKind], ids=str)
def test_the_dispatcher_refuses_an_empty_object_whatever_kind_is_expected(kind: ItemKind | None) -> None:
    with pytest.raises(MediaError, match=EMPTY) as caught:
        inspect_file(io.BytesIO(b""), kind_hint=kind, filename="a.txt", size=0)
    assert caught.value.details.get("detected_kind") is None  # a failed file, not a kind mismatch
    assert detect_kind(io.BytesIO(b"")).kind is None


def test_one_byte_is_still_a_text_file() -> None:
    assert inspect_file(io.BytesIO(b"x"), filename="a.txt").kind is ItemKind.TEXT
