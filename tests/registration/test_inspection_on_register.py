"""Registration inspects every object whose metadata was not supplied (issue 4 §6): real media from the generated
corpus on the S3-compatible server become ready items with their fields, stored reports and frame maps; a corrupt
file becomes a failed item with the reason; a file of the wrong kind is a unit error."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from cairn.domain.jobs import JobStatus
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Folder, Item, User
from cairn.services.integrations import IntegrationPublic
from cairn.services.registry import Registry
from tests.fixtures.storage_servers import StorageServer
from tests.registration.conftest import register_and_run


def _by_title(registry: Registry, actor: User, folder: Folder) -> dict[str, Item]:
    page = registry.items.browse(actor=actor, query=ItemQuery(folder_id=folder.id, recursive=False, limit=100))
    return {item.title: item for item in page.items}


def test_registration_inspects_objects(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
    media_corpus,  # type: ignore[no-untyped-def]
) -> None:
    names = ["ghost_cut.mp4", "photo.png", "corrupt_no_moov.mp4", *media_corpus.series]
    urls = {n: bucket.put(n, media_corpus[n].read_bytes(), cache_control="max-age=60") for n in names}
    slices = list(media_corpus.series)
    random.Random(7).shuffle(slices)
    manifest = write_manifest(
        {
            "videos": [
                {"objectUrl": urls["ghost_cut.mp4"], "title": "cut"},
                {"objectUrl": urls["corrupt_no_moov.mp4"], "title": "broken"},
                {"objectUrl": urls["photo.png"], "title": "not a video"},
            ],
            "dicom_series": [{"title": "CT", **{f"objectUrl_{i}": urls[s] for i, s in enumerate(slices)}}],
        }
    )
    job = register_and_run(registry, admin, folder, "s3", manifest, ignore_errors=True)
    assert (job.status, job.units_done, job.units_error) == (JobStatus.DONE, 3, 1)
    errors = registry.jobs.errors(actor=admin, job_id=job.id)
    assert [e.error for e in errors] == [
        f"{urls['photo.png'].rsplit('/', 1)[-1]}: Expected a video, got a file of type PNG image"
    ]

    items = _by_title(registry, admin, folder)
    cut = items["cut"]
    assert cut.status is ItemStatus.READY and cut.media.frame_count and cut.media.fps
    report = registry.inspection.report(actor=admin, item_id=cut.id)
    assert {c["name"]: c["verdict"] for c in report.report["checks"]}["ghost_frames"] == "problem"
    assert report.requests > 0 and report.bytes_read > 0
    frame_map = registry.inspection.frame_map(actor=admin, item_id=cut.id)
    assert len(frame_map) == cut.media.frame_count

    broken = items["broken"]
    assert broken.status is ItemStatus.FAILED and broken.status_reason

    series = items["CT"]
    assert series.kind is ItemKind.DICOM_SERIES and series.status is ItemStatus.READY
    assert series.media.dicom_series_uid
    ordered = [m.title for m in registry.items.members(actor=admin, item_id=series.id)]
    assert ordered == [f"slice_{i}.dcm" for i in (1, 3, 4, 0, 2)]  # by slice position (see media_corpus)


def test_a_dicom_series_that_cannot_be_assembled_is_a_unit_error(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
    media_corpus,  # type: ignore[no-untyped-def]
) -> None:
    """Files of two series, or one file twice, under one title: the unit fails (strict: the job fails, nothing of
    the series is written; ignore_errors: the error is listed), never a DONE job with a ``failed`` series."""
    names = [*media_corpus.series, *media_corpus.other_series]
    urls = {n: bucket.put(n, media_corpus[n].read_bytes()) for n in names}
    slices = [urls[s] for s in media_corpus.series]
    mixed = {"title": "mixed", **{f"objectUrl_{i}": u for i, u in enumerate([*slices, urls["other_series.dcm"]])}}
    twice = {"title": "twice", **{f"objectUrl_{i}": u for i, u in enumerate([*slices, slices[0]])}}

    strict = register_and_run(registry, admin, folder, "s3", write_manifest({"dicom_series": [mixed]}))
    assert (strict.status, strict.units_done, strict.units_error) == (JobStatus.ERROR, 0, 1)
    assert registry.items.browse(actor=admin, query=ItemQuery(folder_id=folder.id, limit=10)).items == []

    lenient = write_manifest({"dicom_series": [mixed, twice]})
    job = register_and_run(registry, admin, folder, "s3", lenient, ignore_errors=True)
    assert (job.status, job.units_done, job.units_error) == (JobStatus.DONE, 0, 2)
    errors = registry.jobs.errors(actor=admin, job_id=job.id)
    assert [(e.location, e.code) for e in errors] == [
        ("/dicom_series/0", "invalid_input"),
        ("/dicom_series/1", "invalid_input"),
    ]
    assert "2 different series" in errors[0].error and "more than once" in errors[1].error
    assert registry.items.browse(actor=admin, query=ItemQuery(folder_id=folder.id, limit=10)).items == []


def test_an_empty_object_registers_as_a_failed_item_of_any_kind(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    local_root: Path,
    local_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    """Zero bytes are no valid file of any kind, not even text (or NIfTI, which is otherwise registered unread)."""
    for name in ("empty.txt", "empty.nii", "empty.jpg", "empty.mp4"):
        (local_root / name).write_bytes(b"")
    manifest = write_manifest(
        {
            "text": [{"objectUrl": "empty.txt"}],
            "nifti": [{"objectUrl": "empty.nii"}],
            "images": [{"objectUrl": "empty.jpg"}],
            "videos": [{"objectUrl": "empty.mp4"}],
        }
    )
    job = register_and_run(registry, admin, folder, "disk", manifest)
    assert (job.status, job.units_done) == (JobStatus.DONE, 4)
    items = _by_title(registry, admin, folder)
    assert {title: item.status for title, item in items.items()} == dict.fromkeys(items, ItemStatus.FAILED)
    assert sorted(items) == ["empty.jpg", "empty.mp4", "empty.nii", "empty.txt"]
    assert all("the file is empty (0 bytes)" in (item.status_reason or "") for item in items.values())
