"""CSV manifests: each table of seed 000 verbatim, header switching, encodings and separators, errors."""

from __future__ import annotations

import codecs

import pytest

from cairn.domain.kinds import ItemKind
from cairn.domain.manifest import Unit, expected_video_error

from .helpers import located, problems_of, summarize, units_of

P = "path/to/storage-location"
QUOTE_HINT = 'a cell that contains the separator must be in double quotes ("Ann, Bob")'


def table(*rows: str) -> str:
    """A seed table ('a | b |' rows, as printed in seed 000) as CSV text."""
    return "".join(",".join(cell.strip() for cell in row.rstrip(" |").split("|")) + "\n" for row in rows)


def test_seed_videos() -> None:
    text = table(
        "ObjectUrl | Video title |",
        f"{P}/frame1.mp4 | Video 1 |",
        f"{P}/frame2.mp4 | Video 2 |",
        f"{P}/frame3.mp4 | |",
        f"{P}/frame4.mp4 | Video 3 |",
    )
    assert [(u.kind, u.title) for u in units_of(text)] == [
        (ItemKind.VIDEO, "Video 1"),
        (ItemKind.VIDEO, "Video 2"),
        (ItemKind.VIDEO, "frame3.mp4"),
        (ItemKind.VIDEO, "Video 3"),
    ]
    assert summarize(text).fmt == "csv"


def test_seed_single_images() -> None:
    text = table(
        "ObjectUrl | Image title |",
        f"{P}/frame1.jpg | Image 1 |",
        f"{P}/frame2.jpg | Image 2 |",
        f"{P}/frame3.jpg | |",
        f"{P}/frame4.jpg | Image 3 |",
    )
    got = units_of(text)
    assert [(u.kind, u.title) for u in got] == [
        (ItemKind.IMAGE, "Image 1"),
        (ItemKind.IMAGE, "Image 2"),
        (ItemKind.IMAGE, "frame3.jpg"),
        (ItemKind.IMAGE, "Image 3"),
    ]
    assert [u.location for u in got] == ["line 2", "line 3", "line 4", "line 5"]


def test_seed_image_groups() -> None:
    text = table(
        "ObjectUrl | Image group title | Create video |",
        f"{P}/frame1.jpg | Group 1 | false |",
        f"{P}/frame2.jpg | Group 1 | false |",
        f"{P}/frame3.jpg | Group 2 | false |",
        f"{P}/frame4.jpg | Group 2 | false |",
    )
    assert units_of(text) == [
        Unit(ItemKind.IMAGE_GROUP, "Group 1", (f"{P}/frame1.jpg", f"{P}/frame2.jpg")),
        Unit(ItemKind.IMAGE_GROUP, "Group 2", (f"{P}/frame3.jpg", f"{P}/frame4.jpg")),
    ]


def test_seed_image_sequences_and_blank_create_video_means_true() -> None:
    text = table(
        "ObjectUrl | Image group title | Create video |",
        f"{P}/frame1.jpg | Sequence 1 | true |",
        f"{P}/frame2.jpg | Sequence 1 | true |",
        f"{P}/frame3.jpg | Sequence 2 | |",
        f"{P}/frame4.jpg | Sequence 2 | |",
    )
    assert units_of(text) == [
        Unit(ItemKind.IMAGE_SEQUENCE, "Sequence 1", (f"{P}/frame1.jpg", f"{P}/frame2.jpg")),
        Unit(ItemKind.IMAGE_SEQUENCE, "Sequence 2", (f"{P}/frame3.jpg", f"{P}/frame4.jpg")),
    ]


def test_seed_dicom_same_title_same_series() -> None:
    text = table(
        "ObjectUrl | Series title |",
        f"{P}/frame1.dcm | dicom series 1 |",
        f"{P}/frame2.dcm | dicom series 1 |",
        f"{P}/frame3.dcm | dicom series 2 |",
        f"{P}/frame4.dcm | dicom series 2 |",
        f"{P}/frame5.dcm | dicom series 3 |",
    )
    assert units_of(text) == [
        Unit(ItemKind.DICOM_SERIES, "dicom series 1", (f"{P}/frame1.dcm", f"{P}/frame2.dcm")),
        Unit(ItemKind.DICOM_SERIES, "dicom series 2", (f"{P}/frame3.dcm", f"{P}/frame4.dcm")),
        Unit(ItemKind.DICOM_SERIES, "dicom series 3", (f"{P}/frame5.dcm",)),
    ]


def test_dicom_blank_series_title_is_a_series_of_its_own_named_by_file() -> None:
    text = "ObjectUrl,Dicom title\na/IM1.dcm,\nb/IM1.dcm,\nc/IM2.dcm,S\n"
    assert units_of(text) == [
        Unit(ItemKind.DICOM_SERIES, "IM1.dcm", ("a/IM1.dcm",)),
        Unit(ItemKind.DICOM_SERIES, "IM1.dcm", ("b/IM1.dcm",)),
        Unit(ItemKind.DICOM_SERIES, "S", ("c/IM2.dcm",)),
    ]


def test_seed_multiple_types_with_header_switching() -> None:
    text = table(
        "ObjectUrl | Image group title | Create video |",
        f"{P}/frame1.jpg | Sequence 1 | true |",
        f"{P}/frame2.jpg | Sequence 1 | true |",
        f"{P}/frame3.jpg | Sequence 2 | true |",
        f"{P}/frame4.jpg | Sequence 2 | true |",
        f"{P}/frame5.jpg | Group 1 | false |",
        f"{P}/frame6.jpg | Group 1 | false |",
        "ObjectUrl | Image title | Create video |",
        f"{P}/frame1.jpg | Image 1 | false |",
        "ObjectUrl | Image title | Create video |",
        "full/storage/path/video.mp4 | Video 1 | false |",
    )
    summary = summarize(text)
    assert summary.counts == {ItemKind.IMAGE_SEQUENCE: 2, ItemKind.IMAGE_GROUP: 1, ItemKind.IMAGE: 1, ItemKind.VIDEO: 1}
    assert [(w.location, w.message) for w in summary.warnings] == [
        (
            "line 11",
            "registered as video (from the file extension) although the header at line 10 is for images "
            '("Image title")',
        )
    ]
    image, video, seq1, seq2, group = units_of(text)
    assert image == Unit(ItemKind.IMAGE, "Image 1", (f"{P}/frame1.jpg",))
    assert video == Unit(ItemKind.VIDEO, "Video 1", ("full/storage/path/video.mp4",))
    assert (seq1.title, seq2.title, group.kind) == ("Sequence 1", "Sequence 2", ItemKind.IMAGE_GROUP)
    assert [d.url for d in summary.duplicates] == [f"{P}/frame1.jpg"]
    assert summary.duplicates[0].location == 'line 9, column "ObjectUrl"'
    assert summary.duplicates[0].first_location == 'line 2, column "ObjectUrl"'


def test_object_url_alone_means_videos_whatever_the_extension() -> None:
    (unit,) = units_of("ObjectUrl\nimages/photo.jpg\n")
    assert unit.kind is ItemKind.VIDEO  # registration then fails with expected_video_error
    (warning,) = summarize("ObjectUrl\nimages/photo.jpg\nclips/a.mp4\n").warnings
    assert warning.location == "line 2"
    assert 'registration will fail with "Expected a video, got a file of type image"' in warning.message
    assert expected_video_error("image") == "Expected a video, got a file of type image"


def test_headers_are_case_insensitive_and_trimmed_and_accept_bom_crlf_quotes() -> None:
    text = '\ufeff  objectURL ,  VIDEO TITLE \r\n"s3://b/a.mp4","A, quoted ""title"""\r\n\r\ns3://b/b.mp4, B \r\n'
    assert [(u.title, u.location) for u in units_of(text)] == [('A, quoted "title"', "line 2"), ("B", "line 4")]


def test_semicolon_tab_and_utf16_files() -> None:
    assert units_of("ObjectUrl;Image title\ns3://b/a.jpg;A\n")[0].title == "A"
    assert units_of("ObjectUrl\tImage title\ns3://b/a.jpg\tA\n")[0].title == "A"
    data = codecs.BOM_UTF16_LE + "ObjectUrl\tImage title\r\ns3://b/é.jpg\t\r\n".encode("utf-16-le")
    assert units_of(data, fmt="csv")[0].title == "é.jpg"


def test_quoted_field_spanning_lines_keeps_line_numbers() -> None:
    text = 'ObjectUrl,Image title\ns3://b/a.jpg,"two\nlines"\ns3://b/b.jpg,\n'
    assert [(u.title, u.location) for u in units_of(text)] == [("two\nlines", "line 2"), ("b.jpg", "line 4")]


@pytest.mark.parametrize(
    "value, kind",
    [
        ("TRUE", ItemKind.IMAGE_SEQUENCE),
        ("yes", ItemKind.IMAGE_SEQUENCE),
        ("1", ItemKind.IMAGE_SEQUENCE),
        ("False", ItemKind.IMAGE_GROUP),
        ("no", ItemKind.IMAGE_GROUP),
        ("0", ItemKind.IMAGE_GROUP),
    ],
)
def test_create_video_spellings(value: str, kind: ItemKind) -> None:
    (unit,) = units_of(f"ObjectUrl,Image group title,Create video\ns3://b/a.jpg,G,{value}\n")
    assert unit.kind is kind


def test_group_without_create_video_column_is_a_sequence_with_a_warning() -> None:
    text = "ObjectUrl,Image group title\ns3://b/a.jpg,G\n"
    assert units_of(text)[0].kind is ItemKind.IMAGE_SEQUENCE
    assert [w.location for w in summarize(text).warnings] == ["line 1"]


def test_csv_problems_are_located_by_line_and_column() -> None:
    text = (
        "ObjectUrl,Image group title,Create video\n"
        "s3://b/a.jpg,,false\n"
        "s3://b/b.jpg,G,maybe\n"
        "s3://b/c.jpg,G,true\n"
        "s3://b/d.jpg,G,false\n"
        ",G,false\n"
        "ObjectUrl,Image title,Create video\n"
        "s3://b/e.jpg,E,true\n"
        "ObjectUrl,Video title,Image title\n"
        "s3://b/skipped.mp4,x,y\n"
    )
    assert located(problems_of(text)) == {
        'line 2, column "Image group title"': (
            "Image group title is required: it names the group or sequence this file belongs to"
        ),
        'line 3, column "Create video"': (
            "Create video must be true or false (also yes/no, 1/0, or blank for true), got 'maybe'"
        ),
        'line 5, column "Create video"': (
            "the group 'G' started at line 4 as an image sequence; all its rows need the same Create video value"
        ),
        'line 6, column "ObjectUrl"': "ObjectUrl is empty",
        'line 8, column "Create video"': 'Create video is true, but this header has no "Image group title" column: '
        "only image groups can become image sequences",
        "line 9": "a header row may have only one title column (Video title, Image title, Image group title or "
        "Series title); this one has 'Video title' and 'Image title'",
    }


def test_first_row_must_be_a_header() -> None:
    assert located(problems_of("s3://b/a.jpg,A\n", fmt="csv")) == {
        "line 1": "the first row must be a header row whose first column is ObjectUrl (for example: ObjectUrl,Image "
        "title)"
    }


def test_unsupported_separator_and_bad_encoding() -> None:
    assert located(problems_of("ObjectUrl | Video title |\n")) == {
        "line 1": "unsupported column separator '|' after ObjectUrl; use a comma, a semicolon or a tab"
    }
    (problem,) = problems_of(b"ObjectUrl,Image title\ns3://b/a.jpg,\xff\xfe\n")
    assert problem.location == "line 2" and "not valid UTF-8" in problem.message


def test_unknown_columns_are_warnings() -> None:
    summary = summarize("ObjectUrl,Image title,Notes\ns3://b/a.jpg,A,hello\n")
    assert [(w.location, w.message) for w in summary.warnings] == [
        ('line 1, column "Notes"', "unknown column 'Notes' is ignored"),
    ]
    assert summary.units == 1


def test_a_row_longer_than_its_header_is_refused_at_the_first_extra_cell() -> None:
    """An unquoted comma in a title splits it: registering 'Ann' for 'Ann, Bob' would change what was asked."""
    text = "ObjectUrl,Image title\ns3://b/a.jpg,Ann, Bob\ns3://b/b.jpg,B\nObjectUrl,Video title\ns3://b/c.mp4,C,,x\n"
    assert located(problems_of(text)) == {
        "line 2, column 3": f"the row has 3 cells but the header at line 1 has 2 columns; {QUOTE_HINT}",
        "line 5, column 4": f"the row has 4 cells but the header at line 4 has 2 columns; {QUOTE_HINT}",
    }


def test_trailing_blank_cells_beyond_the_header_are_fine() -> None:
    """Spreadsheets pad rows with empty cells; nothing is lost by ignoring them."""
    assert [u.title for u in units_of("ObjectUrl,Image title\ns3://b/a.jpg,A,,\n")] == ["A"]
