"""The image formats frames are written in (``cairn frames --format``, frame exports)."""

from __future__ import annotations

from enum import StrEnum


class ImageFormat(StrEnum):
    PNG = "png"
    JPEG = "jpeg"

    @property
    def suffix(self) -> str:
        return "jpg" if self is ImageFormat.JPEG else "png"
