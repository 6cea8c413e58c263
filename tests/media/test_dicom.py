"""DICOM header inspection (pydicom test files) and series assembly."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from cairn.domain.dicom_series import assemble_dicom_series, split_by_series
from cairn.domain.media import DicomReport
from cairn.errors import InvalidInput, MediaError
from cairn.media import inspect_dicom, open_counting
from tests.fixtures.media_corpus import MediaCorpus


def inspect(corpus: MediaCorpus, name: str) -> DicomReport:
    with open_counting(corpus[name]) as reader:
        return inspect_dicom(reader)


def test_single_frame_ct(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "ct_small.dcm")
    assert (report.modality, report.rows, report.columns, report.number_of_frames) == ("CT", 128, 128, 1)
    assert report.transfer_syntax == "Explicit VR Little Endian"
    assert report.image_position_patient == pytest.approx((-158.135803, -179.035797, -75.699997))
    assert report.pixel_spacing == pytest.approx((0.661468, 0.661468)) and report.slice_thickness == 5.0
    assert report.study_instance_uid and report.series_instance_uid and report.sop_instance_uid
    assert report.verdict == "ok" and not report.enhanced
    assert report.bytes_read < report.size // 3  # stopped after (0028,0030), long before the pixels


def test_multi_frame_without_geometry_warns(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "emri_multiframe.dcm")
    assert (report.modality, report.number_of_frames) == ("MR", 10)
    (check,) = report.checks
    assert check.verdict == "warning" and check.reason.startswith("cannot render in 3-D: missing")
    assert "ImagePositionPatient (0020,0032)" in check.reason


def test_enhanced_multi_frame_geometry_from_functional_groups(media_corpus: MediaCorpus) -> None:
    report = inspect(media_corpus, "enhanced_ct.dcm")
    assert report.enhanced and report.number_of_frames == 2
    assert report.image_position_patient == pytest.approx((99.5, -301.5, -159.0))
    assert report.pixel_spacing == pytest.approx((0.388672, 0.388672)) and report.slice_thickness == 10.0
    assert report.image_orientation_patient is not None and report.verdict == "ok"
    assert report.bytes_read < report.size // 20


def test_missing_required_tags_are_named(media_corpus: MediaCorpus) -> None:
    with pytest.raises(MediaError, match=r"SeriesInstanceUID \(0020,000E\), PatientID \(0010,0020\)") as caught:
        inspect(media_corpus, "missing_tags.dcm")
    assert caught.value.details["missing_tags"] == ["SeriesInstanceUID", "PatientID"]


def test_not_dicom(media_corpus: MediaCorpus) -> None:
    with pytest.raises(MediaError, match="cannot read the DICOM header"):
        inspect(media_corpus, "photo.png")


def series_reports(corpus: MediaCorpus) -> list[DicomReport]:
    return [inspect(corpus, name) for name in MediaCorpus.series]


def test_series_is_ordered_by_slice_position(media_corpus: MediaCorpus) -> None:
    reports = series_reports(media_corpus)
    random.Random(4).shuffle(reports)
    series = assemble_dicom_series(reports, title="chest")
    z = [r.image_position_patient[2] for r in series.files if r.image_position_patient]
    assert z == sorted(z) and len(z) == 5
    assert [r.instance_number for r in series.files] == [5, 4, 3, 2, 1]  # position wins over instance number
    assert series.ordered_by == "slice_position" and series.slice_spacing == pytest.approx(5.0)
    assert series.slice_count == 5 and series.verdict == "ok"
    assert series.to_dict()["files"][0]["sop_instance_uid"] == series.files[0].sop_instance_uid


def test_series_without_positions_falls_back_to_instance_number(media_corpus: MediaCorpus) -> None:
    reports = [replace(r, image_position_patient=None) for r in series_reports(media_corpus)]
    series = assemble_dicom_series(reports)
    assert series.ordered_by == "instance_number"
    assert [r.instance_number for r in series.files] == [1, 2, 3, 4, 5]
    assert {c.name: c.verdict.value for c in series.checks}["slice_order"] == "warning"


def test_uneven_spacing_and_duplicate_positions_warn(media_corpus: MediaCorpus) -> None:
    reports = series_reports(media_corpus)
    gap = [r for r in reports if r.instance_number != 3]
    checks = {c.name: c for c in assemble_dicom_series(gap).checks}
    assert checks["slice_spacing"].verdict == "warning" and "uneven" in checks["slice_spacing"].reason
    twin = replace(reports[0], sop_instance_uid="1.2.3.4")
    checks = {c.name: c for c in assemble_dicom_series([*reports, twin]).checks}
    assert "share a position" in checks["slice_spacing"].reason


def test_files_from_different_series_are_refused(media_corpus: MediaCorpus) -> None:
    reports = [*series_reports(media_corpus), inspect(media_corpus, "other_series.dcm")]
    with pytest.raises(InvalidInput, match=r"chest: files from 2 different series under one title: .*\(5 file\(s\)\)"):
        assemble_dicom_series(reports, title="chest")
    groups = split_by_series(reports)
    assert sorted(len(g) for g in groups.values()) == [1, 5]


def test_duplicate_instances_and_empty_series_are_refused(media_corpus: MediaCorpus) -> None:
    reports = series_reports(media_corpus)
    with pytest.raises(InvalidInput, match="appears more than once"):
        assemble_dicom_series([*reports, reports[0]])
    with pytest.raises(InvalidInput, match="at least one file"):
        assemble_dicom_series([])
