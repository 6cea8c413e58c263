"""Assembling a DICOM series item from its files' header reports (pure: no I/O).

Decision (docs/inspection.md): one title holds one series. Files of several series (or studies) under one title
are refused with an error that lists each series and its file count, rather than silently split into items the
user did not name; :func:`split_by_series` is there for a caller that wants to offer the split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from cairn.domain.media import Check, DicomReport, SeriesReport, Verdict
from cairn.errors import InvalidInput

__all__ = ["assemble_dicom_series", "split_by_series"]

_SPACING_TOLERANCE = 0.01
"""Relative spread of slice gaps above which spacing is called uneven (1 %)."""


def split_by_series(reports: Sequence[DicomReport]) -> dict[str, list[DicomReport]]:
    """Reports grouped by SeriesInstanceUID, in first-seen order."""
    groups: dict[str, list[DicomReport]] = {}
    for report in reports:
        groups.setdefault(report.series_instance_uid, []).append(report)
    return groups


def assemble_dicom_series(reports: Sequence[DicomReport], *, title: str | None = None) -> SeriesReport:
    """One series from its files, ordered by slice position along the normal (then instance number).

    Raises InvalidInput when there are no files, files of different series or studies, or one file twice.
    """
    where = f"{title}: " if title else ""
    if not reports:
        raise InvalidInput(f"{where}a DICOM series needs at least one file")
    _refuse_mixed(reports, where)
    _refuse_duplicates(reports, where)
    ordered, ordered_by = _order(list(reports))
    spacing, checks = _geometry_checks(ordered, ordered_by)
    first = ordered[0]
    return SeriesReport(
        study_instance_uid=first.study_instance_uid,
        series_instance_uid=first.series_instance_uid,
        modality=first.modality,
        files=ordered,
        slice_spacing=spacing,
        ordered_by=ordered_by,
        checks=checks,
    )


def _refuse_mixed(reports: Sequence[DicomReport], where: str) -> None:
    series = Counter(r.series_instance_uid for r in reports)
    if len(series) > 1:
        listing = "; ".join(f"{uid} ({n} file(s))" for uid, n in series.most_common())
        raise InvalidInput(
            f"{where}files from {len(series)} different series under one title: {listing}. "
            "Register each series under its own title.",
            details={"series": dict(series)},
        )
    studies = {r.study_instance_uid for r in reports}
    if len(studies) > 1:
        raise InvalidInput(f"{where}one series spans {len(studies)} studies: {', '.join(sorted(studies))}")


def _refuse_duplicates(reports: Sequence[DicomReport], where: str) -> None:
    counts = Counter(r.sop_instance_uid for r in reports)
    duplicated = [uid for uid, n in counts.items() if n > 1]
    if duplicated:
        raise InvalidInput(f"{where}the same DICOM instance appears more than once: {', '.join(duplicated)}")


def _normal(report: DicomReport) -> tuple[float, float, float] | None:
    iop = report.image_orientation_patient
    if iop is None or len(iop) != 6:
        return None
    rx, ry, rz, cx, cy, cz = iop
    return (ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx)


def _position(report: DicomReport, normal: tuple[float, float, float]) -> float | None:
    ipp = report.image_position_patient
    if ipp is None or len(ipp) != 3:
        return None
    return sum(p * n for p, n in zip(ipp, normal, strict=True))


def _order(reports: list[DicomReport]) -> tuple[list[DicomReport], str]:
    normal = _normal(reports[0])
    positions = [_position(r, normal) for r in reports] if normal else []
    if positions and all(p is not None for p in positions):
        keyed = sorted(zip(positions, reports, strict=True), key=lambda pr: (pr[0], _instance(pr[1])))
        return [r for _, r in keyed], "slice_position"
    if all(r.instance_number is not None for r in reports):
        return sorted(reports, key=_instance), "instance_number"
    return sorted(reports, key=lambda r: r.sop_instance_uid), "sop_instance_uid"


def _instance(report: DicomReport) -> tuple[int, str]:
    return (report.instance_number if report.instance_number is not None else 0, report.sop_instance_uid)


def _geometry_checks(ordered: list[DicomReport], ordered_by: str) -> tuple[float | None, list[Check]]:
    checks = [_order_check(ordered_by), _consistency_check(ordered)]
    if ordered_by != "slice_position" or len(ordered) < 2:
        return None, checks
    normal = _normal(ordered[0])
    assert normal is not None
    positions = [_position(r, normal) or 0.0 for r in ordered]
    gaps = [b - a for a, b in pairwise(positions)]
    checks.append(_spacing_check(gaps))
    return (sum(gaps) / len(gaps) if gaps else None), checks


def _order_check(ordered_by: str) -> Check:
    if ordered_by == "slice_position":
        return Check("slice_order", Verdict.OK, "slices ordered by position along the slice normal")
    return Check(
        "slice_order",
        Verdict.WARNING,
        f"slices ordered by {ordered_by.replace('_', ' ')}: some files lack ImagePositionPatient or "
        "ImageOrientationPatient, so the series cannot render in 3-D",
        "export the series with the Image Plane module",
    )


def _consistency_check(ordered: list[DicomReport]) -> Check:
    shapes = {(r.rows, r.columns) for r in ordered}
    orientations = {tuple(round(v, 4) for v in r.image_orientation_patient or ()) for r in ordered}
    if len(shapes) == 1 and len(orientations) == 1:
        return Check("consistency", Verdict.OK, "all slices share size and orientation")
    return Check(
        "consistency",
        Verdict.WARNING,
        f"slices differ: {len(shapes)} image sizes, {len(orientations)} orientations; 3-D views may be wrong",
        "split the series by acquisition, or resample it",
    )


def _spacing_check(gaps: list[float]) -> Check:
    if not gaps:
        return Check("slice_spacing", Verdict.OK, "a single slice")
    if any(abs(g) < 1e-6 for g in gaps):
        duplicates = sum(1 for g in gaps if abs(g) < 1e-6)
        return Check(
            "slice_spacing",
            Verdict.WARNING,
            f"{duplicates} slice(s) share a position with another slice",
            "remove duplicate slices or split the series by acquisition",
        )
    mean = sum(gaps) / len(gaps)
    spread = (max(gaps) - min(gaps)) / abs(mean)
    if spread <= _SPACING_TOLERANCE:
        return Check("slice_spacing", Verdict.OK, f"slices every {mean:.3f} mm")
    return Check(
        "slice_spacing",
        Verdict.WARNING,
        f"uneven slice spacing: gaps from {min(gaps):.3f} to {max(gaps):.3f} mm (missing slices?)",
        "check that no slice is missing from the series",
    )
