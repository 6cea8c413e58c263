"""Registration manifests: Encord-format JSON and CSV files that list the files to register.

One pass that checks everything while it yields units (write nothing durable before ``summary()``)::

    scan = scan_manifest(stream, source="batch.json")
    for unit in scan.units():                                      # one unit at a time, memory stays flat
        ...                                                        # e.g. spool it to a temporary file
    summary = scan.summary()                                       # every problem at once (ManifestError)

``validate_manifest`` is that pass without the units; ``iter_units`` the units of a file already validated.

``write_json_manifest`` / ``write_csv_manifest`` write units back out. The formats are described in
docs/manifests.md.
"""

from __future__ import annotations

from cairn.domain.manifest._csv_header import marked_cell
from cairn.domain.manifest._csv_reader import expected_video_error
from cairn.domain.manifest._files import default_title
from cairn.domain.manifest._streams import LimitedStream
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
from cairn.domain.manifest.validation import ManifestScan, iter_units, scan_manifest, sniff_format, validate_manifest

__all__ = [
    "DEFAULT_LIMITS",
    "AudioMetadata",
    "DuplicateUrl",
    "ImageMetadata",
    "LimitedStream",
    "ManifestFormat",
    "ManifestLimits",
    "ManifestOptions",
    "ManifestScan",
    "ManifestSummary",
    "MediaMetadata",
    "PdfMetadata",
    "TextMetadata",
    "Unit",
    "VideoMetadata",
    "default_title",
    "expected_video_error",
    "iter_units",
    "marked_cell",
    "scan_manifest",
    "sniff_format",
    "unit_to_json",
    "validate_manifest",
    "write_csv_manifest",
    "write_json_manifest",
]
