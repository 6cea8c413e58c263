"""Inspection through the service: items become ready or failed, reports and frame maps are stored, DICOM series are
assembled, and an object on the S3-compatible server inspects exactly like the same file on disk."""

from __future__ import annotations

import random
import subprocess
from dataclasses import replace
from typing import Any

import pytest

from cairn.domain.integrations import Provider, StoreConfig
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.urls import object_url_for
from cairn.services.inspection import VIDEO_FIRST_READ_BYTES, inspect_object
from cairn.services.items import NewItem
from cairn.services.registry import Registry
from cairn.settings import Settings
from cairn.storage import open_store

SAMPLE = (
    "cfr_h264.mp4",
    "ghost_cut.mp4",
    "vfr.mp4",
    "moov_end.mp4",
    "vp9.webm",
    "photo.jpeg",
    "exif6.jpeg",
    "photo.avif",
    "truncated.png",
    "ct_small.dcm",
    "tone.wav",
    "three_pages.pdf",
    "utf8.txt",
    "corrupt_no_moov.mp4",
)


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what legitimately differs between stores: read statistics, the object's ETag and the
    Cache-Control check (a local file has no HTTP headers)."""
    kept = {k: v for k, v in report.items() if k not in {"read", "bytes_read", "reads", "verdict", "object_etag"}}
    if "checks" in kept:
        kept["checks"] = [c for c in kept["checks"] if c["name"] != "cache_control"]
    return kept


@pytest.fixture
def corpus_integration(registry: Registry, admin, media_corpus):  # type: ignore[no-untyped-def]
    integration = registry.integrations.add(actor=admin, name="corpus", provider="local", root=str(media_corpus.root))
    config = StoreConfig(provider=Provider.LOCAL, bucket=None, region=None, endpoint=None, root=str(media_corpus.root))
    return integration, config


def _add(registry: Registry, admin, folder_id: int, integration, config, *, name: str, kind: ItemKind):  # type: ignore[no-untyped-def]
    new = NewItem(kind=kind, title=name, object_url=object_url_for(config, name), integration_id=integration.id)
    return registry.items.add(actor=admin, folder_id=folder_id, items=[new])[0]


def test_inspecting_a_video_item_stores_fields_report_and_frame_map(
    registry: Registry, admin, corpus_integration
) -> None:
    integration, config = corpus_integration
    folder = registry.folders.create(actor=admin, name="V")
    item = _add(registry, admin, folder.id, integration, config, name="ghost_cut.mp4", kind=ItemKind.VIDEO)

    stored = registry.inspection.inspect_item(actor=admin, item_id=item.id)

    inspected = registry.items.get(actor=admin, item_id=item.id)
    assert inspected.status is ItemStatus.READY
    assert inspected.media.frame_count and inspected.media.fps and inspected.media.width
    assert stored.bytes_read > 0 and stored.requests > 0
    checks = {c["name"]: c["verdict"] for c in stored.report["checks"]}
    assert checks["ghost_frames"] != "ok"
    frame_map = registry.inspection.frame_map(actor=admin, item_id=item.id)
    assert len(frame_map) == inspected.media.frame_count
    assert registry.inspection.report(actor=admin, item_id=item.id).verdict == stored.verdict


def test_a_corrupt_file_makes_the_item_failed_with_the_reason(registry: Registry, admin, corpus_integration) -> None:
    integration, config = corpus_integration
    folder = registry.folders.create(actor=admin, name="V")
    item = _add(registry, admin, folder.id, integration, config, name="corrupt_no_moov.mp4", kind=ItemKind.VIDEO)
    stored = registry.inspection.inspect_item(actor=admin, item_id=item.id)
    failed = registry.items.get(actor=admin, item_id=item.id)
    assert failed.status is ItemStatus.FAILED and failed.status_reason
    assert stored.verdict == "failed" and stored.report["error"]["code"] == "media_error"


def test_a_dicom_series_is_ordered_by_slice_position(
    registry: Registry, admin, corpus_integration, media_corpus
) -> None:
    integration, config = corpus_integration
    folder = registry.folders.create(actor=admin, name="CT")
    slices = list(media_corpus.series)
    random.Random(3).shuffle(slices)
    members = [
        NewItem(kind=ItemKind.DICOM_FILE, title=s, object_url=object_url_for(config, s), integration_id=integration.id)
        for s in slices
    ]
    series = registry.items.add_composite(
        actor=admin, folder_id=folder.id, kind=ItemKind.DICOM_SERIES, title="CT-1", members=members
    )
    registry.inspection.inspect_item(actor=admin, item_id=series.id)
    assembled = registry.items.get(actor=admin, item_id=series.id)
    assert assembled.status is ItemStatus.READY, assembled.status_reason
    assert assembled.media.dicom_series_uid and assembled.media.dicom_study_uid
    ordered = [m.title for m in registry.items.members(actor=admin, item_id=series.id)]
    # The corpus writes slice positions 0..4 into files slice_1, slice_3, slice_4, slice_0, slice_2 (its
    # `shuffled = [3, 0, 4, 1, 2]`), and instance numbers run against the positions.
    assert ordered == [f"series/slice_{i}.dcm" for i in (1, 3, 4, 0, 2)]


def test_files_of_two_series_under_one_title_fail_with_the_reason(
    registry: Registry, admin, corpus_integration, media_corpus
) -> None:
    integration, config = corpus_integration
    folder = registry.folders.create(actor=admin, name="CT")
    names = [*media_corpus.series[:2], *media_corpus.other_series]
    members = [
        NewItem(kind=ItemKind.DICOM_FILE, title=n, object_url=object_url_for(config, n), integration_id=integration.id)
        for n in names
    ]
    series = registry.items.add_composite(
        actor=admin, folder_id=folder.id, kind=ItemKind.DICOM_SERIES, title="mixed", members=members
    )
    registry.inspection.inspect_item(actor=admin, item_id=series.id)
    mixed = registry.items.get(actor=admin, item_id=series.id)
    assert mixed.status is ItemStatus.FAILED
    assert mixed.status_reason and "series" in mixed.status_reason.lower()


@pytest.mark.parametrize("name", SAMPLE)
def test_inspection_over_s3_equals_inspection_of_the_local_file(name: str, media_corpus, moto_server, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    local = open_store(
        StoreConfig(provider=Provider.LOCAL, bucket=None, region=None, endpoint=None, root=str(media_corpus.root)),
        allow_private_endpoints=False,
    )
    remote = moto_server.store()
    remote.put(name, media_corpus[name].read_bytes(), cache_control="max-age=60")
    on_disk = inspect_object(local, name, kind=None, settings=settings)
    over_s3 = inspect_object(remote, name, kind=None, settings=settings)
    assert (over_s3.status, over_s3.reason) == (on_disk.status, on_disk.reason)
    assert replace(over_s3.media, mime_type=None) == replace(on_disk.media, mime_type=None)
    assert over_s3.frame_map == on_disk.frame_map
    assert _comparable(over_s3.report) == _comparable(on_disk.report)


def test_a_faststart_video_is_read_in_one_request(ffmpeg_exe: str, moto_server, tmp_path) -> None:
    """A video's first GET holds a faststart moov of ~100 KB (that of a 2-minute 1080p mp4) and the first packets;
    a file of unknown kind gets the 64 KiB an image header needs, then a second GET."""
    path = tmp_path / "long_index.mp4"
    source = "-f lavfi -i testsrc2=size=320x240:rate=30:duration=4 -vf noise=alls=40:allf=t -c:v libx264 -qp 10"
    argv = [ffmpeg_exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *source.split()]
    padding = ["-metadata", "comment=" + "x" * 100_000]  # kept in moov/udta: a moov of ~100 KB
    subprocess.run([*argv, *padding, "-movflags", "+faststart", str(path)], check=True, timeout=120)
    data = path.read_bytes()
    moov_at = data.find(b"moov") - 4
    moov_end = moov_at + int.from_bytes(data[moov_at : moov_at + 4], "big")
    assert 64 * 1024 < moov_end < VIDEO_FIRST_READ_BYTES < 1024 * 1024 < len(data)
    store = moto_server.store()
    store.put("long_index.mp4", data)
    settings = Settings(data_dir=tmp_path)
    as_video = inspect_object(store, "long_index.mp4", kind=ItemKind.VIDEO, settings=settings)
    as_unknown = inspect_object(store, "long_index.mp4", kind=None, settings=settings)
    assert as_video.status is as_unknown.status is ItemStatus.READY
    assert (as_video.requests, as_unknown.requests) == (1, 2)
    assert as_video.report["frame_count"] == as_unknown.report["frame_count"] == 120
