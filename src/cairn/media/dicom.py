"""DICOM header inspection with pydicom: never the pixel data, and stopping early where that is safe.

First pass: read up to the last wanted classic tag, (0028,0030) PixelSpacing, and stop. When a tag needed for
3-D rendering is still missing (enhanced multi-frame objects keep geometry in their functional-group sequences,
(5200,9229/9230), just before the pixel data), a second pass reads the header up to the pixel data.
"""

from __future__ import annotations

from typing import Any

import pydicom
import pydicom.errors
from pydicom.dataset import Dataset
from pydicom.filereader import read_partial
from pydicom.tag import BaseTag, Tag

from cairn.domain.media import Check, DicomReport, Verdict
from cairn.errors import MediaError
from cairn.media.reading import FOREIGN_ERRORS, CountingReader, SeekableBinary, as_counting, media_error

__all__ = ["GEOMETRY_TAGS", "REQUIRED_TAGS", "inspect_dicom"]

REQUIRED_TAGS = ("Rows", "Columns", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "PatientID")
"""Tags an import needs; a file without one of them fails, naming it."""

UID_TAGS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")
MAX_UID = 64
"""A DICOM UID is at most 64 characters (PS3.5 §9.1); cairn's columns hold that much."""

GEOMETRY_TAGS = ("ImagePositionPatient", "ImageOrientationPatient", "SliceThickness", "PixelSpacing")
"""Tags 3-D rendering needs; without them the file is a 2-D image (warning)."""

_OTHER_TAGS = ("Modality", "NumberOfFrames", "SOPClassUID", "InstanceNumber")
_FUNCTIONAL_GROUPS = ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence")
_LAST_CLASSIC_TAG = Tag(0x0028, 0x0030)
_WANTED: list[BaseTag | int] = [Tag(k) for k in (*REQUIRED_TAGS, *GEOMETRY_TAGS, *_OTHER_TAGS, *_FUNCTIONAL_GROUPS)]
_DICOM_ERRORS: tuple[type[BaseException], ...] = (*FOREIGN_ERRORS, pydicom.errors.InvalidDicomError)


def inspect_dicom(f: SeekableBinary, *, size: int | None = None) -> DicomReport:
    """Inspect one DICOM file's header; a missing required tag or a corrupt file raises MediaError."""
    reader = as_counting(f, size=size)
    try:
        dataset = _read_header(reader)
        return _report(reader, dataset)
    except MediaError:
        raise
    except _DICOM_ERRORS as exc:
        raise media_error("cannot read the DICOM header", exc) from exc


def _read_header(reader: CountingReader) -> Dataset:
    reader.seek(0)
    dataset = read_partial(reader.binary, stop_when=_after_classic_tags, specific_tags=_WANTED)
    if all(_geometry(dataset, name) is not None for name in GEOMETRY_TAGS):
        return dataset
    reader.seek(0)
    return pydicom.dcmread(reader.binary, stop_before_pixels=True, specific_tags=_WANTED)


def _check_uids(dataset: Dataset) -> None:
    """A UID longer than the standard allows is a problem of the file (never a database error later on)."""
    for name in UID_TAGS:
        length = len(str(dataset[name].value))
        if length > MAX_UID:
            raise MediaError(
                f"DICOM {name} {_tag_text(name)} is {length} characters; the standard allows at most {MAX_UID}",
                details={"tag": name, "length": length, "limit": MAX_UID},
            )


def _after_classic_tags(tag: BaseTag, _vr: str | None, _length: int) -> bool:
    return bool(tag > _LAST_CLASSIC_TAG)


def _report(reader: CountingReader, dataset: Dataset) -> DicomReport:
    missing = [name for name in REQUIRED_TAGS if _is_missing(dataset, name)]
    if missing:
        names = ", ".join(f"{n} {_tag_text(n)}" for n in missing)
        raise MediaError(f"DICOM file lacks required tag(s): {names}", details={"missing_tags": missing})
    _check_uids(dataset)
    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    geometry = {name: _geometry(dataset, name) for name in GEOMETRY_TAGS}
    return DicomReport(
        sop_instance_uid=str(dataset.SOPInstanceUID),
        study_instance_uid=str(dataset.StudyInstanceUID),
        series_instance_uid=str(dataset.SeriesInstanceUID),
        patient_id=str(dataset.PatientID),
        rows=int(dataset.Rows),
        columns=int(dataset.Columns),
        modality=_text(dataset.get("Modality")),
        number_of_frames=_int(dataset.get("NumberOfFrames")) or 1,
        transfer_syntax_uid=str(syntax) if syntax else None,
        transfer_syntax=syntax.name if syntax else None,
        sop_class_uid=_text(dataset.get("SOPClassUID")),
        instance_number=_int(dataset.get("InstanceNumber")),
        image_position_patient=_floats(geometry["ImagePositionPatient"]),
        image_orientation_patient=_floats(geometry["ImageOrientationPatient"]),
        slice_thickness=_float(geometry["SliceThickness"]),
        pixel_spacing=_floats(geometry["PixelSpacing"]),
        enhanced="SharedFunctionalGroupsSequence" in dataset or "PerFrameFunctionalGroupsSequence" in dataset,
        size=reader.size,
        read=reader.stats(),
        checks=[_rendering_check([n for n, v in geometry.items() if v is None])],
    )


def _is_missing(dataset: Dataset, name: str) -> bool:
    if name not in dataset:
        return True
    value = dataset.get(name)
    return name != "PatientID" and (value is None or str(value).strip() == "")


def _tag_text(name: str) -> str:
    tag = Tag(name)
    return f"({tag.group:04X},{tag.element:04X})"


_GROUP_OF = {
    "ImagePositionPatient": "PlanePositionSequence",
    "ImageOrientationPatient": "PlaneOrientationSequence",
    "SliceThickness": "PixelMeasuresSequence",
    "PixelSpacing": "PixelMeasuresSequence",
}


def _geometry(dataset: Dataset, name: str) -> Any:
    """A 3-D tag from the top level, else from the shared or first per-frame functional group."""
    value = dataset.get(name)
    if value not in (None, ""):
        return value
    for group_name in _FUNCTIONAL_GROUPS:
        value = _from_group(dataset.get(group_name), _GROUP_OF[name], name)
        if value is not None:
            return value
    return None


def _from_group(groups: Any, macro: str, name: str) -> Any:
    if not groups:
        return None
    items = groups[0].get(macro)
    if not items:
        return None
    value = items[0].get(name)
    return None if value in (None, "") else value


def _rendering_check(missing: list[str]) -> Check:
    if not missing:
        return Check("3d_rendering", Verdict.OK, "position, orientation, thickness and spacing are present")
    names = ", ".join(f"{n} {_tag_text(n)}" for n in missing)
    return Check(
        "3d_rendering",
        Verdict.WARNING,
        f"cannot render in 3-D: missing {names}; the file displays as 2-D slices only",
        "export the series again from the modality or PACS with the Image Plane module "
        "(ImagePositionPatient, ImageOrientationPatient, SliceThickness, PixelSpacing)",
    )


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _float(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def _floats(value: Any) -> tuple[float, ...] | None:
    if value is None:
        return None
    values = value if isinstance(value, list | tuple | pydicom.multival.MultiValue) else [value]
    return tuple(float(v) for v in values)
