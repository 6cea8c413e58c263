"""Registration manifests: Encord-format JSON and CSV files that list the files to register.

Two passes, so nothing is written for an invalid file::

    summary = validate_manifest(stream, source="batch.json")       # every problem at once, or a summary
    for unit in iter_units(stream_again, source="batch.json"):      # one unit at a time, memory stays flat
        ...

``write_json_manifest`` / ``write_csv_manifest`` write units back out. The formats are described in
docs/manifests.md.
"""

from __future__ import annotations

from cairn.domain.manifest._csv_reader import expected_video_error
from cairn.domain.manifest._files import default_title
from cairn.domain.manifest.export import unit_to_json, write_csv_manifest, write_json_manifest
from cairn.domain.manifest.model import (
    DEFAULT_LIMITS,
    AudioMetadata,
    DuplicateUrl,
    ImageMetadata,
    ManifestFormat,
    ManifestLimits,
    ManifestOptions,
    ManifestSummary,
    MediaMetadata,
    PdfMetadata,
    TextMetadata,
    Unit,
    VideoMetadata,
)
from cairn.domain.manifest.validation import iter_units, sniff_format, validate_manifest

__all__ = [
    "DEFAULT_LIMITS",
    "AudioMetadata",
    "DuplicateUrl",
    "ImageMetadata",
    "ManifestFormat",
    "ManifestLimits",
    "ManifestOptions",
    "ManifestSummary",
    "MediaMetadata",
    "PdfMetadata",
    "TextMetadata",
    "Unit",
    "VideoMetadata",
    "default_title",
    "expected_video_error",
    "iter_units",
    "sniff_format",
    "unit_to_json",
    "validate_manifest",
    "write_csv_manifest",
    "write_json_manifest",
]
