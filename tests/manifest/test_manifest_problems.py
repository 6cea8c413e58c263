"""Every limit and every malformed case gives a located problem; all problems are listed at once."""

from __future__ import annotations

import io

import pytest

from cairn.domain.manifest import ManifestLimits, validate_manifest
from cairn.errors import ManifestError

from .helpers import located, problems_of, summarize

SMALL = ManifestLimits(max_urls=4, max_units=3, max_url_bytes=40, max_title_chars=10, max_problems=50, max_duplicates=2)


def videos(*urls: str) -> dict[str, object]:
    return {"videos": [{"objectUrl": url} for url in urls]}


def test_too_many_units() -> None:
    assert located(
        problems_of(videos("s3://b/1.mp4", "s3://b/2.mp4", "s3://b/3.mp4", "s3://b/4.mp4"), limits=SMALL)
    ) == {
        "/videos/3": "the manifest has more than 3 units (images, videos, groups, series...); split it into several "
        "files"
    }


def test_too_many_urls() -> None:
    doc = {
        "image_groups": [
            {"title": "g", "objectUrl_0": "s3://b/1.jpg", "objectUrl_1": "s3://b/2.jpg", "objectUrl_2": "s3://b/3.jpg"},
            {"title": "h", "objectUrl_0": "s3://b/4.jpg", "objectUrl_1": "s3://b/5.jpg"},
        ]
    }
    assert located(problems_of(doc, limits=SMALL)) == {
        "/image_groups/1": "the manifest has more than 4 URLs; split it into several files"
    }


def test_url_too_long_title_too_long_and_file_name_too_long() -> None:
    doc = {
        "videos": [
            {"objectUrl": "s3://b/" + "x" * 40 + ".mp4"},
            {"objectUrl": "s3://b/a.mp4", "title": "eleven char"},
            {"objectUrl": "s3://b/elevenchars.mp4"},
        ]
    }
    assert located(problems_of(doc, limits=SMALL)) == {
        "/videos/0/objectUrl": "the URL is 51 bytes long; the limit is 40 bytes",
        "/videos/1/title": "title is 11 characters long; the limit is 10",
        "/videos/2/objectUrl": "the file name is 15 characters long, more than the 10 allowed for a title; give a "
        "title",
    }


def test_csv_limits_are_located_by_line_and_column() -> None:
    text = "ObjectUrl,Image title\ns3://b/a.jpg,eleven char\ns3://b/" + "y" * 40 + ".jpg,\n"
    assert located(problems_of(text, limits=SMALL)) == {
        'line 2, column "Image title"': "the title is 11 characters long; the limit is 10",
        'line 3, column "ObjectUrl"': "the URL is 51 bytes long; the limit is 40 bytes",
    }


def test_bad_urls() -> None:
    doc = {
        "videos": [
            {"objectUrl": "s3://b/a\tb.mp4"},
            {"objectUrl": ""},
            {"objectUrl": "s3://b/folder/"},
            {"objectUrl": ["s3://b/a.mp4"]},
            {"title": "no url"},
        ]
    }
    assert located(problems_of(doc)) == {
        "/videos/0/objectUrl": "the URL 's3://b/a\\tb.mp4' contains whitespace (URLs must not; percent-encode spaces "
        "as %20)",
        "/videos/1/objectUrl": "the URL is empty",
        "/videos/2/objectUrl": "the URL 's3://b/folder/' ends with '/': it names a folder, not a file",
        "/videos/3/objectUrl": "objectUrl must be a string, got an array",
        "/videos/4": "objectUrl is required",
    }


@pytest.mark.parametrize(
    "metadata, location, message",
    [
        ({"width": "10"}, "/videos/0/videoMetadata/width", "width must be a positive integer, got a string"),
        ({"width": -1}, "/videos/0/videoMetadata/width", "width must be a positive integer, got -1"),
        ({"width": 1.5}, "/videos/0/videoMetadata/width", "width must be a positive integer, got 1.5"),
        ({"fps": 0}, "/videos/0/videoMetadata/fps", "fps must be a positive number, got 0.0"),
        ({"duration": -0.5}, "/videos/0/videoMetadata/duration", "duration must be a non-negative number, got -0.5"),
        (
            {"fileSize": True},
            "/videos/0/videoMetadata/fileSize",
            "fileSize must be a non-negative integer, got a boolean",
        ),
        ({"mime_type": ""}, "/videos/0/videoMetadata/mime_type", "mime_type must be a non-empty string, got a string"),
    ],
)
def test_media_metadata_types_and_signs(metadata: dict[str, object], location: str, message: str) -> None:
    good = {"fps": 25, "duration": 1.0, "width": 10, "height": 10, "file_size": 1, "mime_type": "video/mp4"}
    for key in metadata:
        good.pop(key, None)
        good.pop({"fileSize": "file_size"}.get(key, key), None)
    doc = {"videos": [{"objectUrl": "s3://b/v.mp4", "videoMetadata": {**good, **metadata}}]}
    assert located(problems_of(doc)) == {location: message}


def test_media_metadata_text_longer_than_its_column_is_located() -> None:
    """A trusted mime_type or codec lands in VARCHAR(255) / VARCHAR(50): longer is a located problem, not a database
    error on PostgreSQL (nor stored on SQLite)."""
    audio = {"duration": 1.0, "file_size": 1, "mime_type": "audio/mpeg", "sample_rate": 8000, "bit_depth": 16}
    doc = {
        "audio": [{"objectUrl": "s3://b/a.mp3", "audioMetadata": {**audio, "codec": "c" * 51, "num_channels": 1}}],
        "text": [{"objectUrl": "s3://b/t.txt", "textMetadata": {"file_size": 1, "mime_type": "text/" + "x" * 251}}],
    }
    assert located(problems_of(doc)) == {
        "/audio/0/audioMetadata/codec": "codec must be at most 50 characters, got 51",
        "/text/0/textMetadata/mime_type": "mime_type must be at most 255 characters, got 256",
    }
    audio_ok = {**audio, "codec": "c" * 50, "num_channels": 1}
    summarize({"audio": [{"objectUrl": "s3://b/a.mp3", "audioMetadata": audio_ok}]})  # at the limit: accepted


def test_media_metadata_missing_and_repeated_fields() -> None:
    doc = {
        "images": [
            {
                "objectUrl": "s3://b/i.jpg",
                "imageMetadata": {"mimeType": "image/png", "file_size": 1, "fileSize": 1, "width": 1},
            }
        ]
    }
    problems = problems_of(doc)
    assert [(p.location, p.message) for p in problems] == [
        ("/images/0/imageMetadata", "the key 'fileSize' is given twice (also as 'file_size')"),
        ("/images/0/imageMetadata", "imageMetadata needs 'height' (every field is required when the object is given)"),
    ]


def test_group_problems() -> None:
    doc = {
        "image_groups": [
            {"title": "g", "createVideo": "true", "objectUrl_0": "s3://b/a.jpg"},
            {"objectUrl_0": "s3://b/a.jpg"},
            {"title": "g", "objectUrl": "s3://b/a.jpg"},
            {"title": "g", "objectUrl_1": "s3://b/a.jpg", "objectUrl_01": "s3://b/b.jpg"},
            {"title": "g", "objectUrl_-1": "s3://b/a.jpg"},
            {"title": "g", "objectUrl_0": "s3://b/a.jpg", "images": [{"url": "s3://b/b.jpg"}]},
        ]
    }
    assert located(problems_of(doc)) == {
        "/image_groups/0/createVideo": "createVideo must be true or false, got a string",
        "/image_groups/1": "title is required for image groups, image sequences and DICOM series",
        "/image_groups/2/objectUrl": "objectUrl without a number: members are objectUrl_0, objectUrl_1, ...",
        "/image_groups/3/objectUrl_01": "'objectUrl_01' repeats position 1",
        "/image_groups/4/objectUrl_-1": "'objectUrl_-1': the part after 'objectUrl_' must be a whole number (its "
        "position)",
        "/image_groups/5": "give the members either as objectUrl_N keys or as a 'images' list, not both",
    }


def test_structure_problems() -> None:
    raw = (
        b'{"videos": {"objectUrl": "s3://b/a.mp4"}, "images": ["s3://b/a.jpg"], '
        b'"audio": [{"objectUrl": "s3://b/a.mp3", "objectUrl": "s3://b/b.mp3"}]}'
    )
    assert located(problems_of(raw)) == {
        "/videos": "videos must be an array of objects, got an object",
        "/images/0": "each entry of 'images' must be a JSON object, got a string",
        "/audio/0/objectUrl": "the key 'objectUrl' is given twice",
    }


@pytest.mark.parametrize(
    "raw, location, message",
    [
        (b'[{"objectUrl": "a"}]', "/", 'a JSON manifest must be an object such as {"videos": [...]}, got an array'),
        (b'"videos"', "/", 'a JSON manifest must be an object such as {"videos": [...]}, got a string'),
        (b"", "/", "the manifest file is empty"),
        (b"{}", "/", "the manifest lists no files to register"),
        (
            b'{"videos": [{"objectUrl": "s3://b/a.mp4"},\n  {"objectUrl": }]}',
            "/videos/1",
            "malformed JSON near line 2, column 17 (byte 59): parse error: unallowed token at this point in JSON text",
        ),
        (
            b'{"videos": [{"objectUrl": "s3://b/a.mp4"}',
            "/videos/1",
            "malformed JSON near line 1, column 42 (byte 41): parse error: premature EOF",
        ),
        (b'{"videos": []} {}', "/", "malformed JSON near line 1, column 16 (byte 15): parse error: trailing garbage"),
        (
            b'{"videos": [{"objectUrl": "s3://b/\xff.mp4"}]}',
            "/videos/0",
            "malformed JSON near line 1, column 35 (byte 34): lexical error: invalid bytes in UTF8 string.",
        ),
    ],
)
def test_malformed_json_is_located(raw: bytes, location: str, message: str) -> None:
    assert [(p.location, p.message) for p in problems_of(raw, fmt="json" if raw else None)] == [(location, message)]


def test_problem_list_is_capped_and_marked_truncated() -> None:
    doc = videos(*[f"s3://b/{n} .mp4" for n in range(20)])
    with pytest.raises(ManifestError) as caught:
        validate_manifest(
            io.BytesIO(str(doc).replace("'", '"').encode()), source="m.json", limits=ManifestLimits(max_problems=5)
        )
    assert caught.value.truncated and len(caught.value.problems) == 5
    assert caught.value.to_dict()["details"]["truncated"] is True


def test_duplicate_list_is_capped() -> None:
    summary = summarize(videos(*["s3://b/same.mp4"] * 5), limits=SMALL.__class__(max_duplicates=2))
    assert len(summary.duplicates) == 2 and summary.duplicates_truncated


def test_problems_from_a_whole_file_are_reported_together() -> None:
    text = "ObjectUrl,Image title\n" + "".join(f"s3://b/{n} x.jpg,\n" for n in range(7))
    assert len(problems_of(text)) == 7


def test_unknown_format_is_invalid_input() -> None:
    from cairn.errors import InvalidInput

    with pytest.raises(InvalidInput):
        validate_manifest(io.BytesIO(b"{}"), fmt="xml", source="m")  # type: ignore[arg-type]


def test_malformed_json_far_into_the_file_matches_the_python_parser_position() -> None:
    import json

    entries = ",\n".join(f'  {{"objectUrl": "s3://b/{n}.mp4", "title": "video {n}"}}' for n in range(5000))
    raw = ('{"videos": [\n' + entries + ',\n  {"objectUrl": "s3://b/x.mp4", "title": ]\n]}').encode()
    assert len(raw) > 3 * 64 * 1024  # the error is in a later chunk than the first
    with pytest.raises(json.JSONDecodeError) as reference:
        json.loads(raw)
    expected = f"near line {reference.value.lineno}, column {reference.value.colno} (byte {reference.value.pos})"
    (problem,) = problems_of(raw)
    assert problem.location == "/videos/5000"
    assert problem.message.startswith(f"malformed JSON {expected}: parse error")
