"""What inspecting a file found: report values for images, videos, DICOM, audio, text and PDF.

Reports are plain frozen values. The inspectors in ``cairn.media`` fill them; services store them; ``to_dict()``
gives the JSON form the API serves. Every report says how much of the file was read (``bytes_read``, ``reads``)
and whether the format forced a read of the whole file (``whole_file_read``).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from cairn.domain.frame_map import FrameMap
from cairn.domain.kinds import ItemKind

__all__ = [
    "AudioReport",
    "AudioStreamInfo",
    "Check",
    "DicomReport",
    "ImageReport",
    "InspectionReport",
    "PdfReport",
    "ReadStats",
    "SeriesReport",
    "TextReport",
    "Verdict",
    "VideoReport",
    "video_report_from_dict",
    "worst_verdict",
]


class Verdict(StrEnum):
    """How serious a check's finding is: fine, worth knowing, or in the way of correct labels/playback."""

    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Verdict.OK: 0, Verdict.WARNING: 1, Verdict.PROBLEM: 2}


def worst_verdict(checks: list[Check]) -> Verdict:
    """The most serious verdict among ``checks`` (``ok`` when there are none)."""
    return max((c.verdict for c in checks), key=lambda v: v.rank, default=Verdict.OK)


@dataclass(frozen=True)
class Check:
    """One named check's verdict, why it was reached, and how to fix it (empty when there is nothing to fix)."""

    name: str
    verdict: Verdict
    reason: str
    fix: str = ""


@dataclass(frozen=True)
class ReadStats:
    """How much of the file an inspector read."""

    bytes_read: int
    reads: int
    whole_file_read: bool


def jsonable(value: Any) -> Any:
    """Convert report values (dataclasses, enums, fractions, tuples) to JSON-ready Python values."""
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, FrameMap):
        return {"time_base": str(value.time_base), "frame_count": len(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: jsonable(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


_PLAIN = frozenset({str, int, float, bool})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, read once per class (``dataclasses.fields`` is slow: a report has ~100 values)."""
    return tuple(f.name for f in dataclasses.fields(cls))


class _Report:
    """Shared behaviour: the overall verdict and the JSON form."""

    checks: list[Check]
    read: ReadStats

    @property
    def verdict(self) -> Verdict:
        return worst_verdict(self.checks)

    @property
    def bytes_read(self) -> int:
        return self.read.bytes_read

    @property
    def reads(self) -> int:
        return self.read.reads

    @property
    def whole_file_read(self) -> bool:
        return self.read.whole_file_read

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = jsonable(self)
        read = data.pop("read")
        data.update(read)
        data["verdict"] = self.verdict.value
        return data


@dataclass(frozen=True)
class ImageReport(_Report):
    """An image's format and geometry: stored size, and displayed size after EXIF orientation."""

    format: str
    width: int
    height: int
    display_width: int
    display_height: int
    orientation: int
    mode: str | None
    bit_depth: int | None
    size: int
    read: ReadStats
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio stream of a video or audio file."""

    codec: str
    sample_rate: int
    channels: int
    duration_seconds: float | None
    bit_depth: int | None = None


@dataclass(frozen=True)
class VideoReport(_Report):
    """A video's facts from its container and sample tables, its frame map and the checks computed from them."""

    container: str
    codec: str
    codec_tag: str | None
    profile: str | None
    width: int
    height: int
    sample_aspect_ratio: Fraction | None
    display_aspect_ratio: Fraction | None
    rotation: int
    average_frame_rate: Fraction | None
    nominal_frame_rate: Fraction | None
    frame_rate_mode: str
    duration_seconds: float | None
    frame_count: int
    hidden_frame_count: int
    start_time_seconds: float
    bit_rate: int | None
    keyframe_indices: list[int]
    audio_streams: list[AudioStreamInfo]
    moov_position: str | None
    size: int
    frame_map: FrameMap
    read: ReadStats
    checks: list[Check] = field(default_factory=list)
    video_duration_seconds: float | None = None
    """The video stream's own duration (``duration_seconds`` is the container's: its longest stream's). An item's
    duration is this one: with ``frame_count`` it describes the stream labels are placed on."""


_FRACTIONS = frozenset({"sample_aspect_ratio", "display_aspect_ratio", "average_frame_rate", "nominal_frame_rate"})


def video_report_from_dict(data: dict[str, Any], frame_map: FrameMap) -> VideoReport:
    """A video report from its stored JSON form (:meth:`VideoReport.to_dict`; the frame map is stored apart).
    KeyError or ValueError when ``data`` is not such a form (a report stored by an older cairn may lack a field)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(VideoReport):
        if f.name == "frame_map":
            values[f.name] = frame_map
        elif f.name == "read":
            values[f.name] = ReadStats(data["bytes_read"], data["reads"], data["whole_file_read"])
        elif f.name == "checks":
            values[f.name] = [Check(c["name"], Verdict(c["verdict"]), c["reason"], c["fix"]) for c in data["checks"]]
        elif f.name == "audio_streams":
            values[f.name] = [AudioStreamInfo(**stream) for stream in data["audio_streams"]]
        elif f.name in _FRACTIONS:
            values[f.name] = None if data[f.name] is None else Fraction(data[f.name])
        elif f.name in data or f.default is dataclasses.MISSING:
            values[f.name] = data[f.name]
    return VideoReport(**values)


@dataclass(frozen=True)
class DicomReport(_Report):
    """The header of one DICOM file (read without pixel data)."""

    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    patient_id: str
    rows: int
    columns: int
    modality: str | None
    number_of_frames: int
    transfer_syntax_uid: str | None
    transfer_syntax: str | None
    sop_class_uid: str | None
    instance_number: int | None
    image_position_patient: tuple[float, ...] | None
    image_orientation_patient: tuple[float, ...] | None
    slice_thickness: float | None
    pixel_spacing: tuple[float, ...] | None
    enhanced: bool
    size: int
    read: ReadStats
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesReport:
    """A DICOM series assembled from its files, which are listed in slice order."""

    study_instance_uid: str
    series_instance_uid: str
    modality: str | None
    files: list[DicomReport]
    slice_spacing: float | None
    ordered_by: str
    checks: list[Check] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        return worst_verdict(self.checks + [c for f in self.files for c in f.checks])

    @property
    def slice_count(self) -> int:
        return sum(f.number_of_frames for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = jsonable(self)
        data["files"] = [f.to_dict() for f in self.files]
        data["slice_count"] = self.slice_count
        data["verdict"] = self.verdict.value
        return data


@dataclass(frozen=True)
class AudioReport(_Report):
    """An audio file's first audio stream."""

    container: str
    codec: str
    sample_rate: int
    channels: int
    bit_depth: int | None
    duration_seconds: float | None
    size: int
    read: ReadStats
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class TextReport(_Report):
    """A text file: its size, MIME type and character encoding."""

    size: int
    mime_type: str
    encoding: str
    read: ReadStats
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class PdfReport(_Report):
    """A PDF document."""

    page_count: int
    size: int
    read: ReadStats
    checks: list[Check] = field(default_factory=list)


AnyReport = ImageReport | VideoReport | DicomReport | AudioReport | TextReport | PdfReport


@dataclass(frozen=True)
class InspectionReport:
    """What the dispatcher found: the detected kind and format, and that kind's report."""

    kind: ItemKind
    detected_format: str
    report: AnyReport

    @property
    def verdict(self) -> Verdict:
        return self.report.verdict

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "detected_format": self.detected_format, **self.report.to_dict()}
