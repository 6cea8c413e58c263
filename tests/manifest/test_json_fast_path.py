"""The fast JSON path (entries decoded whole) reads every manifest exactly as the event reader does: the same units,
the same located problems and warnings, worded alike, whatever is wrong and wherever the file is cut.

The event reader is what a stream that cannot seek gets, so each case reads the same bytes twice: once from a
seekable stream (fast path, handing over to the event reader where it must) and once from a read-only one.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from cairn.domain.manifest import ManifestLimits, scan_manifest
from cairn.domain.manifest._json_fast import FastJsonManifestReader
from cairn.errors import ManifestError

_GOOD: dict[str, Any] = {
    "images": [
        {
            "objectUrl": "s3://b/a.jpg",
            "title": "a",
            "clientMetadata": {"k": [1, 2.5, None, True], "s": "é\n"},
            "imageMetadata": {"mimeType": "image/jpeg", "fileSize": 10, "width": 4, "height": 3},
        },
        {"objectUrl": "s3://b/b.jpg"},
    ],
    "videos": [{"objectUrl": "s3://b/v.mp4", "title": "v"}],
    "skip_duplicate_urls": True,
}


class _ReadOnly:
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


def _outcome(stream: Any, limits: ManifestLimits | None = None) -> tuple[Any, ...]:
    units: list[Any] = []
    try:
        scan = scan_manifest(stream, source="m.json", **({"limits": limits} if limits else {}))
        units.extend(scan.units())
        summary = scan.summary(allow_problems=True)
    except ManifestError as exc:
        return ("error", units, [(p.location, p.message, p.field) for p in exc.problems], exc.truncated)
    return (
        "read",
        units,
        [(p.location, p.message, p.field) for p in scan.problems],
        [(p.location, p.message, p.field) for p in summary.warnings],
        summary.options,
        summary.duplicates,
    )


def _same(data: bytes, limits: ManifestLimits | None = None) -> tuple[Any, ...]:
    fast = _outcome(io.BytesIO(data), limits)
    events = _outcome(_ReadOnly(data), limits)
    assert fast == events, data
    return fast


def test_a_regular_manifest_is_read_by_the_fast_path() -> None:
    data = json.dumps(_GOOD, ensure_ascii=False).encode()
    stream = io.BytesIO(data)
    scan = scan_manifest(stream, source="m.json")
    assert isinstance(scan._reader, FastJsonManifestReader)
    units = list(scan.units())
    assert [u.url for u in units] == ["s3://b/a.jpg", "s3://b/b.jpg", "s3://b/v.mp4"]
    assert scan._reader._state._resume is None  # never handed over
    _same(data)


def test_every_cut_of_a_manifest_reads_alike() -> None:
    data = json.dumps(_GOOD, ensure_ascii=False, indent=1).encode()
    for end in range(len(data) + 1):
        _same(data[:end])


@pytest.mark.parametrize(
    "text",
    [
        '{"images": [{"objectUrl": "s3://b/a.jpg"}, {"objectUrl": "s3://b/a.jpg"}], "images": []}',
        '{"images": {"objectUrl": "s3://b/a.jpg"}}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "objectUrl": "s3://b/b.jpg"}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "imageMetadata": {"fileSize": NaN}}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "clientMetadata": {"n": 123456789012345678901234567890}}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "clientMetadata": {"n": 1e400}}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "clientMetadata": {"n": 1e-400}}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "title": "\\ud800"}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "title": "\\ud83d\\ude00"}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg"},]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg"}] "videos": []}',
        '{"images": [{"objectUrl": "s3://b/a.jpg"}]} {}',
        '{"images": [{"objectUrl": "s3://b/a.jpg"}]}  \n',
        '{"scenes": [1, 2], "images": [{"objectUrl": "s3://b/a.jpg"}], "extra": {"a": 1}}',
        '{"images": [{"objectUrl": "s3://b/a.jpg"}], "skip_duplicate_urls": "yes", "upsert_metadata": true}',
        '{"images": [{"objectUrl": "s3://b/a.jpg"}], "skipDuplicateUrls": null, "skip_duplicate_urls": truex}',
        '{"images": [1, "a", [], {"objectUrl": 3}, {"objectUrl": "s3://b/a.jpg", "title": "x\\u0000"}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "clientMetadata": {"a": "\x01"}}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "clientMetadata": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}]}',
        '{"image_groups": [{"title": "g", "images": [{"url": "s3://b/1.jpg"}, {"url": "s3://b/1.jpg"}]}]}',
        '[{"objectUrl": "s3://b/a.jpg"}]',
        '{"images": [{"objectUrl": "s3://b/a.jpg"}], "images": [{"objectUrl": "s3://b/a.jpg"}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg", "clientMetadata": {"a": 01}}]}',
        '{"images": [{"objectUrl": "s3://b/a.jpg"}], "pdfs": [{"objectUrl": "s3://b/a.pdf"}], "pdf": []}',
        '{"images": []}',
        "{}",
    ],
)
def test_irregular_manifests_read_alike(text: str) -> None:
    _same(text.encode())


@pytest.mark.parametrize(
    "data",
    [
        b'{"images": [{"objectUrl": "s3://b/a.jpg", "title": "\xff"}]}',
        b'{"images": [{"objectUrl": "s3://b/a.jpg"}, {"objectUrl": 3}], "x": "\xc3"',
        b'{"images": [{"objectUrl": "s3://b/a.jpg"}]}\xe2\x82',
        b'{"images": [{"objectUrl": "s3://b/\xe2\x82\xac.jpg"}]}',
    ],
)
def test_bytes_that_are_not_utf8_read_alike(data: bytes) -> None:
    _same(data)


def test_a_large_manifest_with_problems_reads_alike_across_blocks() -> None:
    """Entries spread over many 64 KiB blocks, problems everywhere, one malformed entry far into the file."""
    entries = []
    for n in range(3000):
        entry: dict[str, Any] = {"objectUrl": f"s3://b/{n % 2900}.jpg", "title": f"é {n}" * (n % 5)}
        if n % 7 == 0:
            entry["imageMetadata"] = {"fileSize": -n, "width": 1, "height": 1, "mimeType": "image/png"}
        if n % 11 == 0:
            entry["clientMetadata"] = {"x": 1.5e300, "deep": {"a": [n, str(n)]}}
        if n % 13 == 0:
            entry["bogus"] = n
        entries.append(entry)
    text = json.dumps({"images": entries, "upsert_metadata": True}, ensure_ascii=False)
    outcome = _same(text.encode(), ManifestLimits(max_problems=10_000))
    assert outcome[0] == "read" and len(outcome[1]) > 2000
    broken = text.replace('"s3://b/2500.jpg"', '"s3://b/2500.jpg" "x"', 1)
    assert _same(broken.encode(), ManifestLimits(max_problems=10_000))[0] == "error"
    _same(text.encode(), ManifestLimits(max_problems=5))


def _entries() -> list[Any]:
    """Single-file entries, regular and not, for both kinds: each field absent, valid or wrong in some way."""
    urls = ["s3://b/a.jpg", "s3://b/", "", 3, None, "s3://b/" + "x" * 300 + ".jpg"]
    titles = [None, "", "  ", " t ", 5, "x" * 1100]
    metadata = [None, {}, {"a": [1, {"b": 2}]}, [], "x"]
    media = [
        None,
        {"mimeType": "image/jpeg", "fileSize": 1, "width": 2, "height": 3},
        {"fps": 25, "duration": 0, "width": 2, "height": 3, "file_size": 0, "mime_type": "video/mp4"},
        {"fps": 25.5, "duration": 1.5, "width": 2.0, "height": 3, "fileSize": 9, "mimeType": "video/mp4"},
        {"mimeType": "image/jpeg", "fileSize": 1, "width": 0, "height": 3},
        {"mimeType": "image/jpeg", "fileSize": 1, "width": 2},
        {"mimeType": "image/jpeg", "fileSize": 1, "width": 2, "height": 3, "extra": 1},
        {"mimeType": "x" * 300, "fileSize": 1, "width": 2, "height": 3},
        {"mimeType": " ", "fileSize": True, "width": 2, "height": float("nan")},
        [],
    ]
    extras: list[dict[str, Any]] = [{}, {"bogus": 1}, {"placeholderItemUuid": "u"}, {"object_url": "s3://b/c.jpg"}]
    found: list[Any] = []
    for n, url in enumerate(urls):
        for title in titles:
            for meta in metadata:
                for m, value in enumerate(media):
                    entry: dict[str, Any] = {"objectUrl": url}
                    if title is not None or n % 2:
                        entry["title"] = title
                    if meta is not None or m % 2:
                        entry["clientMetadata"] = meta
                    key = "videoMetadata" if m in (2, 3) else "imageMetadata"
                    if value is not None or n % 3 == 0:
                        entry[key] = value
                    entry.update(extras[len(found) % 7] if len(found) % 7 < len(extras) else {})
                    found.append(entry)
    return found


@pytest.mark.parametrize("section_name", ["images", "videos"])
def test_the_quick_path_of_an_entry_makes_what_the_general_path_makes(
    section_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cairn.domain.manifest import _json_items
    from cairn.domain.manifest._problems import ProblemLog

    section = _json_items.SECTIONS[section_name]
    limits = ManifestLimits(max_url_bytes=200, max_title_chars=1000)
    quick_log = ProblemLog(source="m", max_problems=10**9)
    quick = [
        _json_items.parse_item(
            entry, section=section, pointer="/x/0", base_code=7, log=quick_log, limits=limits, written_chars=99
        )
        for entry in _entries()
    ]
    made_quickly = [
        _json_items._quick_single(
            entry, kind=section.kind, pointer="/x/0", base_code=7, limits=limits, written_chars=99
        )
        for entry in _entries()
    ]
    assert sum(unit is not None for unit in made_quickly) >= 10  # the quick path made some, the general path the rest
    monkeypatch.setattr(_json_items, "_quick_single", lambda *_a, **_k: None)
    general_log = ProblemLog(source="m", max_problems=10**9)
    general = [
        _json_items.parse_item(
            entry, section=section, pointer="/x/0", base_code=7, log=general_log, limits=limits, written_chars=99
        )
        for entry in _entries()
    ]
    assert quick == general
    assert (quick_log.errors, quick_log.warnings) == (general_log.errors, general_log.warnings)


def test_a_hand_over_under_a_size_limit_reads_alike() -> None:
    """The limit counts bytes read: reading again after a hand-over is not read twice over the limit."""
    text = '{"images": [' + ", ".join(f'{{"objectUrl": "s3://b/{n}.jpg"}}' for n in range(5000)) + "], x}"
    data = text.encode()
    outcome = _same(data, ManifestLimits(max_bytes=len(data)))
    assert outcome[0] == "error" and outcome[2][-1][1].startswith("malformed JSON")
    with pytest.raises(Exception, match="CAIRN_MAX_MANIFEST_BYTES"):
        _outcome(io.BytesIO(data), ManifestLimits(max_bytes=len(data) - 1))


def test_an_entry_longer_than_many_blocks_is_read_whole() -> None:
    long_metadata = {"notes": ["é" * 1000 for _ in range(600)]}
    doc = {"images": [{"objectUrl": "s3://b/a.jpg", "clientMetadata": long_metadata}, {"objectUrl": "s3://b/b.jpg"}]}
    outcome = _same(json.dumps(doc, ensure_ascii=False).encode())
    assert outcome[0] == "read" and outcome[1][0].client_metadata == long_metadata
