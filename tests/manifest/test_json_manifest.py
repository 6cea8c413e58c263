"""JSON manifests: every type, mixed types, spellings, options, warnings."""

from __future__ import annotations

import io

import pytest

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest import (
    AudioMetadata,
    ImageMetadata,
    ManifestOptions,
    PdfMetadata,
    TextMetadata,
    Unit,
    VideoMetadata,
    iter_units,
    validate_manifest,
)
from cairn.errors import ManifestError

from .helpers import as_bytes, problems_of, summarize, units_of

BUCKET = "https://my-bucket.s3.eu-west-2.amazonaws.com"


def test_videos_with_default_title_metadata_and_options() -> None:
    doc = {
        "videos": [
            {"objectUrl": f"{BUCKET}/path/to/my/bucket/video23.mp4"},
            {
                "objectUrl": f"{BUCKET}/videos/video_title.mp4",
                "title": "video_title.mp4",
                "clientMetadata": {"site": "A", "weather_conditions": "sunny"},
                "videoMetadata": {
                    "fps": 23.98,
                    "duration": 29.09,
                    "width": 1280,
                    "height": 720,
                    "file_size": 5468354,
                    "mime_type": "video/mp4",
                },
            },
        ],
        "skip_duplicate_urls": True,
    }
    summary = summarize(doc)
    assert summary.counts == {ItemKind.VIDEO: 2}
    assert (summary.units, summary.urls, summary.fmt) == (2, 2, "json")
    assert summary.options == ManifestOptions(skip_duplicate_urls=True)
    first, second = units_of(doc)
    assert first == Unit(ItemKind.VIDEO, "video23.mp4", (f"{BUCKET}/path/to/my/bucket/video23.mp4",))
    assert first.location == "/videos/0"
    assert second.client_metadata == {"site": "A", "weather_conditions": "sunny"}
    assert second.media == VideoMetadata(23.98, 29.09, 1280, 720, 5468354, "video/mp4")


def test_every_single_file_type_with_its_metadata() -> None:
    doc = {
        "images": [
            {
                "objectUrl": f"{BUCKET}/i/img.png",
                "imageMetadata": {"mimeType": "image/png", "fileSize": 102400, "width": 1920, "height": 1080},
            }
        ],
        "audio": [
            {
                "objectUrl": f"{BUCKET}/a/call.mp3",
                "title": "call",
                "audioMetadata": {
                    "duration": 23.5,
                    "file_size": 1048576,
                    "mime_type": "audio/mpeg",
                    "sample_rate": 44100,
                    "bit_depth": 16,
                    "codec": "mp3",
                    "num_channels": 2,
                },
            }
        ],
        "text": [
            {"objectUrl": f"{BUCKET}/d/report.txt", "textMetadata": {"fileSize": 2048, "mime_type": "text/plain"}}
        ],
        "pdf": [{"objectUrl": f"{BUCKET}/d/contract.pdf", "pdfMetadata": {"file_size": 480000, "numPages": 12}}],
        "nifti": [{"objectUrl": f"{BUCKET}/mri/brain_scan.nii.gz"}],
    }
    got = {u.title: u for u in units_of(doc)}
    assert got["img.png"].kind is ItemKind.IMAGE
    assert got["img.png"].media == ImageMetadata("image/png", 102400, 1920, 1080)
    assert got["call"].media == AudioMetadata(23.5, 1048576, "audio/mpeg", 44100, 16, "mp3", 2)
    assert got["report.txt"].media == TextMetadata(2048, "text/plain")
    assert got["contract.pdf"].media == PdfMetadata(480000, 12)
    (other,) = units_of({"pdfs": [{"objectUrl": f"{BUCKET}/d/other.pdf"}]})
    assert other.kind is ItemKind.PDF
    assert got["brain_scan.nii.gz"].kind is ItemKind.NIFTI
    assert isinstance(got["call"].media.duration, float)  # type: ignore[union-attr]


def test_image_groups_sequences_and_dicom_series_order_members_numerically() -> None:
    doc = {
        "image_groups": [
            {
                "title": "vehicle-inspection-001",
                "createVideo": False,
                "objectUrl_0": "s3://b/front.jpg",
                "objectUrl_10": "s3://b/rear.jpg",
                "objectUrl_2": "s3://b/side.jpg",
                "clientMetadata": {"v": "V-77"},
            },
            {
                "title": "front camera",
                "createVideo": True,
                "objectUrl_1": "s3://b/f1.jpg",
                "objectUrl_0": "s3://b/f0.jpg",
            },
            {"title": "default is a group", "objectUrl_0": "s3://b/g.jpg"},
        ],
        "dicom_series": [{"title": "Series-1", "objectUrl_0": "s3://b/IM1.dcm", "objectUrl_1": "s3://b/IM2.dcm"}],
    }
    group, sequence, default, series = units_of(doc)
    assert group == Unit(
        ItemKind.IMAGE_GROUP,
        "vehicle-inspection-001",
        ("s3://b/front.jpg", "s3://b/side.jpg", "s3://b/rear.jpg"),
        {"v": "V-77"},
    )
    assert sequence.kind is ItemKind.IMAGE_SEQUENCE and sequence.urls == ("s3://b/f0.jpg", "s3://b/f1.jpg")
    assert default.kind is ItemKind.IMAGE_GROUP
    assert series == Unit(ItemKind.DICOM_SERIES, "Series-1", ("s3://b/IM1.dcm", "s3://b/IM2.dcm"))
    assert summarize(doc).urls == 8


def test_mixed_types_in_one_file_keep_file_order() -> None:
    doc = {
        "images": [{"objectUrl": "s3://b/1.jpg"}],
        "videos": [{"objectUrl": "s3://b/a.mp4"}, {"objectUrl": "s3://b/b.mp4"}],
        "image_groups": [
            {"title": "s1", "createVideo": True, "objectUrl_0": "s3://b/s1.jpg"},
            {"title": "s2", "createVideo": True, "objectUrl_0": "s3://b/s2.jpg"},
            {"title": "g1", "createVideo": False, "objectUrl_0": "s3://b/g1.jpg"},
        ],
    }
    summary = summarize(doc)
    assert summary.counts == {ItemKind.IMAGE: 1, ItemKind.VIDEO: 2, ItemKind.IMAGE_SEQUENCE: 2, ItemKind.IMAGE_GROUP: 1}
    assert [u.location for u in units_of(doc)] == [
        "/images/0",
        "/videos/0",
        "/videos/1",
        "/image_groups/0",
        "/image_groups/1",
        "/image_groups/2",
    ]


def test_data_items_spellings_and_list_forms() -> None:
    doc = {
        "imageGroups": [
            {
                "title": "grp",
                "createVideo": False,
                "images": [{"url": "s3://b/f0.jpg", "title": "f0.jpg"}, {"url": "s3://b/f1.jpg"}],
            }
        ],
        "dicomSeries": [{"title": "series", "dicomFiles": [{"url": "s3://b/a.dcm"}]}],
        "skipDuplicateUrls": True,
        "upsertMetadata": True,
    }
    summary = summarize(doc)
    assert summary.options == ManifestOptions(skip_duplicate_urls=True, upsert_metadata=True)
    assert [w.location for w in summary.warnings] == ["/imageGroups/0/images/0"]  # the member title is not kept
    group, series = units_of(doc)
    assert group.urls == ("s3://b/f0.jpg", "s3://b/f1.jpg") and series.urls == ("s3://b/a.dcm",)


def test_snake_and_camel_keys_everywhere() -> None:
    doc = {
        "videos": [
            {
                "object_url": "s3://b/v.mp4",
                "client_metadata": {"keepMe": 1},
                "video_metadata": {
                    "FPS": 25,
                    "duration": 1,
                    "width": 2,
                    "height": 3,
                    "fileSize": 4,
                    "mimeType": "video/mp4",
                },
            }
        ],
        "image_groups": [{"title": "g", "create_video": True, "object_url_0": "s3://b/x.jpg"}],
    }
    video, group = units_of(doc)
    assert video.media == VideoMetadata(25.0, 1.0, 2, 3, 4, "video/mp4")
    assert video.client_metadata == {"keepMe": 1}  # client metadata is free-form: its keys are kept as written
    assert group.kind is ItemKind.IMAGE_SEQUENCE


def test_aliases_of_one_key_may_not_both_appear() -> None:
    problems = problems_of({"pdf": [{"objectUrl": "s3://b/a.pdf"}], "pdfs": [{"objectUrl": "s3://b/b.pdf"}]})
    assert [(p.location, p.message) for p in problems] == [
        ("/pdfs", "the top-level key 'pdfs' is given twice (also as 'pdf')")
    ]


def test_options_after_the_arrays_are_in_the_summary() -> None:
    doc = b'{"videos": [{"objectUrl": "s3://b/v.mp4"}], "upsert_metadata": true, "skip_duplicate_urls": true}'
    assert summarize(doc).options == ManifestOptions(skip_duplicate_urls=True, upsert_metadata=True)


def test_unknown_keys_are_warnings_not_errors() -> None:
    doc = {
        "videos": [{"objectUrl": "s3://b/v.mp4", "colour": "red", "externalFileType": "VIDEO"}],
        "comment": {"nested": [1, 2]},
        "scenes": [{"title": "pcd"}],
        "upsert_metadata": True,
    }
    summary = summarize(doc)
    assert summary.units == 1
    assert {w.location for w in summary.warnings} == {"/videos/0/colour", "/comment", "/scenes", "/upsert_metadata"}
    assert "has no effect unless skip_duplicate_urls" in next(
        w.message for w in summary.warnings if w.location == "/upsert_metadata"
    )


def test_duplicate_urls_inside_the_file_are_reported_with_both_locations() -> None:
    doc = {
        "videos": [{"objectUrl": "s3://b/v.mp4"}, {"objectUrl": "s3://b/w.mp4"}],
        "image_groups": [{"title": "g", "objectUrl_0": "s3://b/x.jpg", "objectUrl_7": "s3://b/v.mp4"}],
        "dicomSeries": [{"title": "s", "dicomFiles": [{"url": "s3://b/x.jpg"}]}],
    }
    summary = summarize(doc)
    found = [(d.url, d.location, d.first_location) for d in summary.duplicates]
    assert found == [
        ("s3://b/v.mp4", "/image_groups/0/objectUrl_7", "/videos/0/objectUrl"),
        ("s3://b/x.jpg", "/dicomSeries/0/dicomFiles/0/url", "/image_groups/0/objectUrl_0"),
    ]


def test_json_with_bom_and_explicit_format() -> None:
    data = b"\xef\xbb\xbf" + as_bytes({"images": [{"objectUrl": "s3://b/i.jpg"}]})
    assert summarize(data, fmt="json").units == 1
    assert summarize(data).fmt == "json"


def test_titles_are_stripped_and_blank_means_file_name() -> None:
    (unit,) = units_of({"videos": [{"objectUrl": "s3://b/dir/my%20clip.mp4", "title": "   "}]})
    assert unit.title == "my clip.mp4"
    (unit,) = units_of({"videos": [{"objectUrl": "arn:aws:s3::123:accesspoint/mrap/object/k/v.mp4", "title": " T "}]})
    assert unit.title == "T"


def test_iter_units_raises_only_manifest_error_on_an_invalid_file() -> None:
    stream = io.BytesIO(b'{"videos": [{"objectUrl": "s3://b/ok.mp4"}, {"objectUrl": 5}]}')
    got = iter_units(stream, source="late.json")
    assert next(got).url == "s3://b/ok.mp4"
    with pytest.raises(ManifestError) as caught:
        next(got)
    assert [p.location for p in caught.value.problems] == ["/videos/1/objectUrl"]


def test_null_values_mean_absent() -> None:
    (unit,) = units_of(
        {
            "videos": [{"objectUrl": "s3://b/v.mp4", "title": None, "clientMetadata": None, "videoMetadata": None}],
            "skip_duplicate_urls": None,
        }
    )
    assert unit == Unit(ItemKind.VIDEO, "v.mp4", ("s3://b/v.mp4",))


def test_problem_list_is_complete_and_located() -> None:
    problems = problems_of(
        {
            "videos": [{"objectUrl": "s3://b/v.mp4", "imageMetadata": {}}],
            "images": [{"objectUrl": "s3://b/i.jpg", "clientMetadata": [1]}],
        }
    )
    assert [(p.location, p.field) for p in problems] == [
        ("/videos/0/imageMetadata", "imageMetadata"),
        ("/images/0/clientMetadata", "clientMetadata"),
    ]
    assert "does not apply to video files (they take videoMetadata)" in problems[0].message
    assert problems[1].message == "clientMetadata must be a JSON object, got an array"


class ReadOnlyStream:
    """A stream that can only be read, in small pieces (like a network body): no seek, no peek."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 7) if size and size > 0 else 7)


@pytest.mark.parametrize(
    "data",
    [
        as_bytes({"images": [{"objectUrl": "s3://b/a.jpg"}, {"objectUrl": "s3://b/b.jpg"}]}),
        b"ObjectUrl,Image title\r\ns3://b/a.jpg,A\r\ns3://b/b.jpg,B\r\n",
    ],
)
def test_reads_streams_that_cannot_seek(data: bytes) -> None:
    summary = validate_manifest(ReadOnlyStream(data), source="pipe")  # type: ignore[arg-type]
    units = list(iter_units(ReadOnlyStream(data), source="pipe"))  # type: ignore[arg-type]
    assert summary.units == 2 and [u.url for u in units] == ["s3://b/a.jpg", "s3://b/b.jpg"]
    assert summary.to_dict()["counts"] == {"image": 2}
