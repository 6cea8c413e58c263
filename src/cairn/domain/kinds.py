"""Kinds of item, their statuses, and which kinds are composites of other items."""

from __future__ import annotations

from enum import StrEnum


class ItemKind(StrEnum):
    """What an item is. Composite kinds hold an ordered list of child items."""

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    TEXT = "text"
    PDF = "pdf"
    NIFTI = "nifti"
    DICOM_FILE = "dicom_file"
    DICOM_SERIES = "dicom_series"
    IMAGE_GROUP = "image_group"
    IMAGE_SEQUENCE = "image_sequence"

    @property
    def is_composite(self) -> bool:
        return self in COMPOSITE_KINDS

    @property
    def member_kind(self) -> ItemKind | None:
        """The kind of the children of a composite (None for single files)."""
        return _MEMBER_KIND.get(self)


COMPOSITE_KINDS = frozenset({ItemKind.DICOM_SERIES, ItemKind.IMAGE_GROUP, ItemKind.IMAGE_SEQUENCE})

_MEMBER_KIND = {
    ItemKind.DICOM_SERIES: ItemKind.DICOM_FILE,
    ItemKind.IMAGE_GROUP: ItemKind.IMAGE,
    ItemKind.IMAGE_SEQUENCE: ItemKind.IMAGE,
}


class ItemStatus(StrEnum):
    """Where an item is in its life: registered by reference, being inspected, ready to use, or failed."""

    REGISTERED = "registered"
    INSPECTING = "inspecting"
    READY = "ready"
    FAILED = "failed"
