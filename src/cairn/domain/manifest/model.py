"""Values of a registration manifest: units, typed media metadata, options, limits, and the validation summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cairn.domain.kinds import ItemKind
from cairn.domain.names import MAX_NAME
from cairn.domain.sizes import DEFAULT_MAX_CLIENT_METADATA_BYTES
from cairn.errors import Problem

ManifestFormat = Literal["json", "csv"]


@dataclass(frozen=True)
class VideoMetadata:
    """Customer-provided ``videoMetadata``: when present, cairn trusts it instead of probing the file."""

    fps: float
    duration: float
    width: int
    height: int
    file_size: int
    mime_type: str


@dataclass(frozen=True)
class ImageMetadata:
    """Customer-provided ``imageMetadata``."""

    mime_type: str
    file_size: int
    width: int
    height: int


@dataclass(frozen=True)
class AudioMetadata:
    """Customer-provided ``audioMetadata``."""

    duration: float
    file_size: int
    mime_type: str
    sample_rate: int
    bit_depth: int
    codec: str
    num_channels: int


@dataclass(frozen=True)
class TextMetadata:
    """Customer-provided ``textMetadata``."""

    file_size: int
    mime_type: str


@dataclass(frozen=True)
class PdfMetadata:
    """Customer-provided ``pdfMetadata``."""

    file_size: int
    num_pages: int


MediaMetadata = VideoMetadata | ImageMetadata | AudioMetadata | TextMetadata | PdfMetadata


@dataclass(frozen=True)
class Unit:
    """One thing to register: a single file, or an image group / image sequence / DICOM series of ordered members.

    ``location`` says where the unit is in its manifest (``/videos/3`` or ``line 12``); it is provenance, not
    identity, so two units that differ only in location compare equal.
    """

    kind: ItemKind
    title: str
    urls: tuple[str, ...]
    client_metadata: dict[str, Any] = field(default_factory=dict)
    media: MediaMetadata | None = None
    location: str = field(default="", compare=False)

    @property
    def url(self) -> str:
        """The URL of a single-file unit (the first member of a composite)."""
        return self.urls[0]


@dataclass(frozen=True)
class ManifestOptions:
    """Options a JSON manifest may carry (CSV has none; the caller may set them).

    ``upsert_metadata`` has an effect only together with ``skip_duplicate_urls`` (as in Encord).
    """

    skip_duplicate_urls: bool = False
    upsert_metadata: bool = False


@dataclass(frozen=True)
class ManifestLimits:
    """Per-file limits (Encord's, by default). Tests pass small ones.

    ``max_bytes`` bounds the file itself (None: no bound; registration passes ``Settings.max_manifest_bytes``);
    ``max_client_metadata_bytes`` bounds each entry's ``clientMetadata`` (``Settings.max_client_metadata_bytes``).
    """

    max_urls: int = 1_000_000
    max_units: int = 500_000
    max_url_bytes: int = 16 * 1024
    max_title_chars: int = MAX_NAME
    max_problems: int = 1_000
    max_duplicates: int = 1_000
    max_bytes: int | None = None
    max_client_metadata_bytes: int = DEFAULT_MAX_CLIENT_METADATA_BYTES


DEFAULT_LIMITS = ManifestLimits()


@dataclass(frozen=True)
class DuplicateUrl:
    """A URL that occurs more than once in one manifest: where it repeats, and where it first occurred."""

    url: str
    location: str
    first_location: str


@dataclass(frozen=True)
class ManifestSummary:
    """What a valid manifest holds, returned by the validating pass before anything is written."""

    source: str
    fmt: ManifestFormat
    counts: Mapping[ItemKind, int]
    units: int
    urls: int
    options: ManifestOptions
    duplicates: tuple[DuplicateUrl, ...] = ()
    duplicates_truncated: bool = False
    warnings: tuple[Problem, ...] = ()
    warnings_truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for the API and ``--json`` CLI output)."""
        return {
            "source": self.source,
            "format": self.fmt,
            "counts": {str(kind): n for kind, n in self.counts.items()},
            "units": self.units,
            "urls": self.urls,
            "options": {
                "skip_duplicate_urls": self.options.skip_duplicate_urls,
                "upsert_metadata": self.options.upsert_metadata,
            },
            "duplicates": [vars(d) for d in self.duplicates],
            "duplicates_truncated": self.duplicates_truncated,
            "warnings": [w.to_dict() for w in self.warnings],
            "warnings_truncated": self.warnings_truncated,
        }
