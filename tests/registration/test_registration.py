"""Registration jobs against a real S3-compatible server (moto): every type, CSV tables, duplicates, errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cairn.domain.jobs import JobStatus
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import ItemQuery
from cairn.domain.manifest import ManifestLimits
from cairn.domain.records import Folder, Item, User
from cairn.errors import ManifestError, NotFound
from cairn.services.integrations import IntegrationPublic
from cairn.services.registry import Registry
from tests.fixtures.storage_servers import StorageServer
from tests.registration.conftest import register_and_run, run_job

JPEG = b"\xff\xd8\xff\xe0" + b"j" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"m" * 300


def folder_items(registry: Registry, actor: User, folder_id: int) -> list[Item]:
    page = registry.items.browse(actor=actor, query=ItemQuery(folder_id=folder_id, recursive=False, limit=1000))
    return sorted(page.items, key=lambda i: i.id)


def put_media(bucket: StorageServer) -> dict[str, str]:
    """One object of each type; returns name -> URL."""
    objects = {
        "a.mp4": (MP4, "video/mp4"),
        "b.jpg": (JPEG, "image/jpeg"),
        "c.jpg": (JPEG + b"c", "image/jpeg"),
        "d.jpg": (JPEG + b"dd", "image/jpeg"),
        "e.dcm": (b"DICM" * 50, "application/dicom"),
        "f.dcm": (b"DICM" * 51, "application/dicom"),
        "g.mp3": (b"ID3" + b"a" * 99, "audio/mpeg"),
        "h.txt": (b"hello", "text/plain"),
        "i.pdf": (b"%PDF-1.4 x", "application/pdf"),
        "j.nii.gz": (b"\x1f\x8b nifti", "application/gzip"),
    }
    return {name: bucket.put(f"media/{name}", data, content_type=ct) for name, (data, ct) in objects.items()}


def test_mixed_json_registers_every_type(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    urls = put_media(bucket)
    video_meta = {"fps": 25, "duration": 4, "width": 640, "height": 480, "file_size": 999, "mime_type": "video/mp4"}
    manifest = write_manifest(
        {
            "videos": [
                {"objectUrl": urls["a.mp4"], "title": "clip", "clientMetadata": {"site": "A"}},
                {"objectUrl": urls["a.mp4"], "title": "trusted", "videoMetadata": video_meta},
            ],
            "images": [{"objectUrl": urls["b.jpg"]}],
            "image_groups": [
                {"title": "group", "createVideo": False, "objectUrl_0": urls["c.jpg"], "objectUrl_1": urls["b.jpg"]},
                {"title": "sequence", "createVideo": True, "objectUrl_1": urls["d.jpg"], "objectUrl_0": urls["c.jpg"]},
            ],
            "dicom_series": [{"title": "series", "objectUrl_0": urls["e.dcm"], "objectUrl_1": urls["f.dcm"]}],
            "audio": [{"objectUrl": urls["g.mp3"]}],
            "text": [{"objectUrl": urls["h.txt"]}],
            "pdf": [{"objectUrl": urls["i.pdf"]}],
            "nifti": [{"objectUrl": urls["j.nii.gz"]}],
        }
    )
    job = register_and_run(registry, admin, folder, "s3", manifest)
    assert (job.status, job.units_total, job.units_done, job.units_error, job.units_pending) == (
        JobStatus.DONE,
        10,
        10,
        0,
        0,
    )
    items = {i.title: i for i in folder_items(registry, admin, folder.id)}
    assert {t: i.kind for t, i in items.items()} == {
        "clip": ItemKind.VIDEO,
        "trusted": ItemKind.VIDEO,
        "b.jpg": ItemKind.IMAGE,
        "group": ItemKind.IMAGE_GROUP,
        "sequence": ItemKind.IMAGE_SEQUENCE,
        "series": ItemKind.DICOM_SERIES,
        "g.mp3": ItemKind.AUDIO,
        "h.txt": ItemKind.TEXT,
        "i.pdf": ItemKind.PDF,
        "j.nii.gz": ItemKind.NIFTI,
    }
    clip = items["clip"]
    assert (clip.media.file_size, clip.media.mime_type) == (len(MP4), "video/mp4")
    # These bytes are no real mp4: registration inspects the object and marks the item failed, with the reason.
    assert clip.status is ItemStatus.FAILED and clip.status_reason
    assert clip.client_metadata == {"site": "A"} and clip.integration_id == s3_integration.id
    trusted = items["trusted"]
    assert (trusted.media.fps, trusted.media.width, trusted.media.file_size, trusted.media.frame_count) == (
        25,
        640,
        999,
        100,
    )
    assert trusted.status is ItemStatus.READY
    assert items["sequence"].pending_action == "build_video" and items["group"].pending_action is None
    sequence_members = registry.items.members(actor=admin, item_id=items["sequence"].id)
    assert [m.object_url for m in sequence_members] == [urls["c.jpg"], urls["d.jpg"]]
    series_members = registry.items.members(actor=admin, item_id=items["series"].id)
    assert [(m.kind, m.media.file_size) for m in series_members] == [
        (ItemKind.DICOM_FILE, 200),
        (ItemKind.DICOM_FILE, 204),
    ]
    assert series_members[0].folder_id != folder.id  # members live in a sub-folder made for them


SEED_CSV_TABLES: list[tuple[str, str, list[tuple[ItemKind, str, int]]]] = [
    (
        "videos",
        "ObjectUrl,Video title\n{a.mp4},Video 1\n{a.mp4},\n",
        [(ItemKind.VIDEO, "Video 1", 1), (ItemKind.VIDEO, "a.mp4", 1)],
    ),
    (
        "images",
        "ObjectUrl,Image title\n{b.jpg},Image 1\n{c.jpg},\n",
        [(ItemKind.IMAGE, "Image 1", 1), (ItemKind.IMAGE, "c.jpg", 1)],
    ),
    (
        "image groups",
        "ObjectUrl,Image group title,Create video\n{b.jpg},Group 1,false\n{c.jpg},Group 1,false\n"
        "{d.jpg},Group 2,false\n",
        [(ItemKind.IMAGE_GROUP, "Group 1", 2), (ItemKind.IMAGE_GROUP, "Group 2", 1)],
    ),
    (
        "image sequences",
        "ObjectUrl,Image group title,Create video\n{b.jpg},Sequence 1,true\n{c.jpg},Sequence 1,\n"
        "{d.jpg},Sequence 2,true\n",
        [(ItemKind.IMAGE_SEQUENCE, "Sequence 1", 2), (ItemKind.IMAGE_SEQUENCE, "Sequence 2", 1)],
    ),
    (
        "dicom",
        "ObjectUrl,Series title\n{e.dcm},dicom series 1\n{f.dcm},dicom series 1\n{e.dcm},\n",
        [(ItemKind.DICOM_SERIES, "e.dcm", 1), (ItemKind.DICOM_SERIES, "dicom series 1", 2)],
    ),
    (
        "multiple types with header switching",
        "ObjectUrl,Image group title,Create video\n{b.jpg},Sequence 1,true\n{c.jpg},Sequence 1,true\n"
        "{d.jpg},Group 1,false\n{b.jpg},Group 1,false\nObjectUrl,Image title,Create video\n{c.jpg},Image 1,false\n"
        "ObjectUrl,Image title,Create video\n{a.mp4},Video 1,false\n",
        [
            (ItemKind.IMAGE, "Image 1", 1),
            (ItemKind.VIDEO, "Video 1", 1),
            (ItemKind.IMAGE_SEQUENCE, "Sequence 1", 2),
            (ItemKind.IMAGE_GROUP, "Group 1", 2),
        ],
    ),
]


@pytest.mark.parametrize(
    ("table", "expected"), [(t, e) for _, t, e in SEED_CSV_TABLES], ids=[name for name, _, _ in SEED_CSV_TABLES]
)
def test_seed_csv_tables(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
    table: str,
    expected: list[tuple[ItemKind, str, int]],
) -> None:
    urls = put_media(bucket)
    for name, url in urls.items():
        table = table.replace("{" + name + "}", url)
    manifest = write_manifest(table, suffix=".csv")
    job = register_and_run(registry, admin, folder, "s3", manifest)
    assert job.status is JobStatus.DONE, registry.jobs.errors(actor=admin, job_id=job.id)
    got = []
    for item in folder_items(registry, admin, folder.id):
        members = len(registry.items.members(actor=admin, item_id=item.id)) if item.kind.is_composite else 1
        got.append((item.kind, item.title, members))
    assert sorted(got) == sorted(expected)


def test_a_file_served_as_another_kind_is_told_in_one_wording(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    """Refused by its Content-Type (before a byte is read) or by its bytes, the wording is the same rule's."""
    urls = put_media(bucket)
    manifest = write_manifest({"audio": [{"objectUrl": urls["b.jpg"]}], "images": [{"objectUrl": urls["g.mp3"]}]})
    job = register_and_run(registry, admin, folder, "s3", manifest, ignore_errors=True)
    errors = sorted(error.error for error in registry.jobs.errors(actor=admin, job_id=job.id))
    assert [error.split(" (", 1)[0].split(": ", 1)[-1] for error in errors] == [
        "Expected an audio file, got a file of type image/jpeg",
        "Expected an image, got a file of type audio/mpeg",
    ], errors


def test_csv_object_url_only_expects_videos(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    urls = put_media(bucket)
    manifest = write_manifest(f"ObjectUrl\n{urls['a.mp4']}\n{urls['b.jpg']}\n", suffix=".csv")
    job = register_and_run(registry, admin, folder, "s3", manifest, ignore_errors=True)
    assert (job.status, job.units_done, job.units_error) == (JobStatus.DONE, 1, 1)
    [error] = registry.jobs.errors(actor=admin, job_id=job.id)
    assert error.error.startswith("Expected a video, got a file of type image/jpeg")
    assert (error.location, error.object_urls, error.action_description) == (
        "line 3",
        (urls["b.jpg"],),
        "Registering video",
    )
    assert [i.kind for i in folder_items(registry, admin, folder.id)] == [ItemKind.VIDEO]


def _three_images(bucket: StorageServer, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    urls = put_media(bucket)
    entry: dict[str, Any] = {"clientMetadata": metadata} if metadata else {}
    return {
        "images": [{"objectUrl": urls[n], **entry} for n in ("b.jpg", "c.jpg", "d.jpg")],
        "image_groups": [{"title": "g", "objectUrl_0": urls["b.jpg"], "objectUrl_1": urls["c.jpg"], **entry}],
    }


def test_skip_duplicate_urls_skips_what_the_folder_has(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    manifest = write_manifest({**_three_images(bucket), "skip_duplicate_urls": True})
    first = register_and_run(registry, admin, folder, "s3", manifest)
    second = register_and_run(registry, admin, folder, "s3", manifest)
    assert (first.items_created, first.units_skipped) == (4, 0)
    assert (second.status, second.units_done, second.items_created, second.units_skipped) == (JobStatus.DONE, 4, 0, 4)
    assert len(folder_items(registry, admin, folder.id)) == 4


def test_without_skip_duplicates_become_further_copies(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    doc = _three_images(bucket)
    doc["images"].append(dict(doc["images"][0]))  # the same URL twice in one manifest
    manifest = write_manifest(doc)
    register_and_run(registry, admin, folder, "s3", manifest)
    job = register_and_run(registry, admin, folder, "s3", manifest)
    assert (job.status, job.items_created) == (JobStatus.DONE, 5)
    items = folder_items(registry, admin, folder.id)
    copies = sorted((i.title, i.copy_no) for i in items if i.title == "b.jpg")
    assert copies == [("b.jpg", 0), ("b.jpg", 1), ("b.jpg", 2), ("b.jpg", 3)]
    assert sorted(i.copy_no for i in items if i.kind is ItemKind.IMAGE_GROUP) == [0, 1]


def test_upsert_metadata_updates_existing_items(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    register_and_run(registry, admin, folder, "s3", write_manifest(_three_images(bucket, {"v": 1})))
    again = {**_three_images(bucket, {"v": 2}), "skip_duplicate_urls": True, "upsert_metadata": True}
    job = register_and_run(registry, admin, folder, "s3", write_manifest(again))
    assert (job.status, job.units_updated, job.items_created) == (JobStatus.DONE, 4, 0)
    assert {i.client_metadata["v"] for i in folder_items(registry, admin, folder.id)} == {2}


@pytest.fixture
def chunked(settings: Any) -> Any:
    """A registry whose jobs have 2 units per chunk."""
    registry = Registry(settings.model_copy(update={"job_chunk_size": 2}))
    yield registry
    registry.close()


def _with_missing(bucket: StorageServer) -> dict[str, Any]:
    urls = put_media(bucket)
    missing = bucket.url("media/missing.jpg")
    names = ["b.jpg", "c.jpg", None, "d.jpg", "b.jpg", "c.jpg"]
    return {"images": [{"objectUrl": urls[n] if n else missing} for n in names]}


def test_ignore_errors_finishes_done_with_errors_listed(
    *,
    chunked: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    job = register_and_run(chunked, admin, folder, "s3", write_manifest(_with_missing(bucket)), ignore_errors=True)
    assert (job.status, job.units_done, job.units_error, job.units_cancelled) == (JobStatus.DONE, 5, 1, 0)
    [error] = chunked.jobs.errors(actor=admin, job_id=job.id)
    assert (error.unit, error.location, error.code) == (2, "/images/2", "object_not_found")
    assert error.object_urls == (bucket.url("media/missing.jpg"),) and "missing.jpg" in error.error
    assert len(folder_items(chunked, admin, folder.id)) == 5


def test_strict_job_errors_and_the_failing_unit_writes_nothing(
    *,
    chunked: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    job = register_and_run(chunked, admin, folder, "s3", write_manifest(_with_missing(bucket)))
    assert job.status is JobStatus.ERROR
    # chunk 0 committed (2 items), chunk 1 committed its good unit, the chunk after it was cancelled
    assert (job.units_done, job.units_error, job.units_cancelled, job.units_pending) == (3, 1, 2, 0)
    titles = [i.object_url for i in folder_items(chunked, admin, folder.id)]
    assert bucket.url("media/missing.jpg") not in titles and len(titles) == 3
    assert job.error and "ignore_errors" in job.error


def _nothing_written(registry: Registry, admin: User, folder: Folder) -> bool:
    return not registry.jobs.jobs(actor=admin) and not folder_items(registry, admin, folder.id)


def _failed_scan(registry: Registry, admin: User, folder: Folder, manifest: Path) -> list[dict[str, Any]]:
    """Register ``manifest`` strictly and run its scan: the job ends ``error``, no item and no further task
    written, its manifest file removed; returns the located problems recorded on the job."""
    job = registry.registration.register(actor=admin, folder_id=folder.id, integration="s3", manifest=manifest)
    assert job.status is JobStatus.VALIDATING and job.tasks_total == 1
    ended = run_job(registry, admin, job)
    assert (ended.status, ended.tasks_total, ended.units_total) == (JobStatus.ERROR, 1, 0)
    assert ended.error and "problem(s) in manifest" in ended.error
    assert not folder_items(registry, admin, folder.id)
    assert not list((registry.settings.managed_storage_dir / "manifests").glob("*"))
    problems: list[dict[str, Any]] = ended.summary["problems"]
    assert all(p["file"] == manifest.name for p in problems)
    return problems


BAD_MANIFESTS: list[tuple[str, Any, str, str]] = [
    ("json syntax", '{"images": [{"objectUrl": "s3://x/a.jpg"},]}', ".json", "/images"),
    ("missing objectUrl", {"images": [{"title": "no url"}]}, ".json", "/images/0"),
    ("whitespace in url", {"images": [{"objectUrl": "s3://media/a b.jpg"}]}, ".json", "/images/0"),
    ("title too long", {"videos": [{"objectUrl": "s3://media/a.mp4", "title": "t" * 301}]}, ".json", "/videos/0"),
    ("empty", {}, ".json", "/"),
    ("csv without header", "s3://media/a.jpg,title\n", ".csv", "line 1"),
    (
        "csv group without title",
        "ObjectUrl,Image group title,Create video\ns3://media/a.jpg,,false\n",
        ".csv",
        "line 2",
    ),
    (
        "csv row longer than its header",
        "ObjectUrl,Image title\ns3://media/a.jpg,Ann, Bob\n",
        ".csv",
        "line 2, column 3",
    ),
]


@pytest.mark.parametrize(
    ("content", "suffix", "where"),
    [(c, s, w) for _, c, s, w in BAD_MANIFESTS],
    ids=[name for name, *_ in BAD_MANIFESTS],
)
def test_malformed_manifest_gives_located_error_and_writes_nothing(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
    content: Any,
    suffix: str,
    where: str,
) -> None:
    problems = _failed_scan(registry, admin, folder, write_manifest(content, suffix=suffix))
    assert problems and problems[0]["location"].startswith(where)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ManifestLimits(max_units=2), "more than 2 units"),
        (ManifestLimits(max_urls=3), "more than 3 URLs"),
        (ManifestLimits(max_url_bytes=30), "limit is 30 bytes"),
        (ManifestLimits(max_title_chars=5), "limit is 5"),
    ],
)
def test_over_limit_manifest_is_refused_with_location(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
    limits: ManifestLimits,
    message: str,
) -> None:
    doc = {"images": [{"objectUrl": f"s3://media/long/path/image-{n}.jpg", "title": "title6"} for n in range(4)]}
    with pytest.raises(ManifestError) as caught:  # the dry run is the same scan
        registry.registration.plan(
            actor=admin, folder_id=folder.id, integration="s3", manifest=write_manifest(doc), limits=limits
        )
    assert any(message in p.message and p.location.startswith("/images/") for p in caught.value.problems)
    assert _nothing_written(registry, admin, folder)
    job = registry.registration.register(  # the limits a job starts with go with its scan task
        actor=admin, folder_id=folder.id, integration="s3", manifest=write_manifest(doc), limits=limits
    )
    ended = run_job(registry, admin, job)
    assert ended.status is JobStatus.ERROR and not folder_items(registry, admin, folder.id)
    assert any(message in p["message"] for p in ended.summary["problems"])


def test_url_outside_the_integration_is_refused(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    urls = put_media(bucket)
    doc = {
        "images": [{"objectUrl": urls["b.jpg"]}, {"objectUrl": "s3://another-bucket/b.jpg"}],
        "dicom_series": [{"title": "s", "objectUrl_0": urls["e.dcm"], "objectUrl_1": "file:///etc/passwd"}],
    }
    problems = _failed_scan(registry, admin, folder, write_manifest(doc))
    located = {(p["location"], p["field"]) for p in problems}
    assert located == {("/images/1", "objectUrl"), ("/dicom_series/0", "objectUrl_1")}
    assert "another-bucket" in problems[0]["message"]


def test_ignore_errors_registers_the_valid_units_and_records_the_problems(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    urls = put_media(bucket)
    doc = {"images": [{"objectUrl": urls["b.jpg"]}, {"objectUrl": "s3://another-bucket/b.jpg"}, {"title": "no url"}]}
    job = register_and_run(registry, admin, folder, "s3", write_manifest(doc), ignore_errors=True)
    assert (job.status, job.units_total, job.items_created) == (JobStatus.DONE, 1, 1)
    located = {(p["location"], p["field"]) for p in job.summary["problems"]}
    assert located == {("/images/1", "objectUrl"), ("/images/2", "objectUrl")}
    assert [i.object_url for i in folder_items(registry, admin, folder.id)] == [urls["b.jpg"]]


def test_dry_run_summarizes_and_writes_nothing(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    plan = registry.registration.plan(
        actor=admin, folder_id=folder.id, integration="s3", manifest=write_manifest(_three_images(bucket))
    )
    assert (plan.summary.units, plan.summary.urls, plan.chunks) == (4, 5, 1)
    assert _nothing_written(registry, admin, folder)


def test_cancel_marks_remaining_units_cancelled(
    *,
    chunked: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    job = chunked.registration.register(
        actor=admin, folder_id=folder.id, integration="s3", manifest=write_manifest(_three_images(bucket))
    )
    chunked.jobs.run_task(job_id=job.id, seq=0)  # the scan
    chunked.jobs.run_task(job_id=job.id, seq=1)
    cancelled = chunked.jobs.cancel(actor=admin, job_id=job.id)
    assert (cancelled.status, cancelled.units_done, cancelled.units_cancelled, cancelled.units_pending) == (
        JobStatus.CANCELLED,
        2,
        2,
        0,
    )
    assert chunked.jobs.run_task(job_id=job.id, seq=2) is None
    assert len(folder_items(chunked, admin, folder.id)) == 2


def test_a_job_cancelled_while_validating_releases_its_stored_manifest(
    *,
    chunked: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    manifests = chunked.settings.managed_storage_dir / "manifests"
    job = chunked.registration.register(
        actor=admin, folder_id=folder.id, integration="s3", manifest=write_manifest(_three_images(bucket))
    )
    assert job.status is JobStatus.VALIDATING and len(list(manifests.glob("*"))) == 1
    cancelled = chunked.jobs.cancel(actor=admin, job_id=job.id)
    assert cancelled.status is JobStatus.CANCELLED
    assert not list(manifests.glob("*"))  # the scan never ran: nothing else would remove it
    assert chunked.jobs.run_task(job_id=job.id, seq=0) is None
    assert not folder_items(chunked, admin, folder.id)


def test_two_concurrent_registrations_with_skip_make_no_duplicates(
    *,
    chunked: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
) -> None:
    urls = [bucket.put(f"many/{n}.jpg", JPEG, content_type="image/jpeg") for n in range(12)]
    doc = {"images": [{"objectUrl": u} for u in urls], "skip_duplicate_urls": True}
    jobs = [
        chunked.registration.register(actor=admin, folder_id=folder.id, integration="s3", manifest=write_manifest(doc))
        for _ in range(2)
    ]
    threads = [threading.Thread(target=run_job, args=(chunked, admin, j)) for j in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished = [chunked.jobs.get(actor=admin, job_id=j.id) for j in jobs]
    assert all(j.status is JobStatus.DONE for j in finished)
    assert sum(j.items_created for j in finished) == 12 and sum(j.units_skipped for j in finished) == 12
    assert sorted(i.object_url or "" for i in folder_items(chunked, admin, folder.id)) == sorted(urls)


def test_export_then_register_into_an_empty_folder_gives_the_same_items(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    bucket: StorageServer,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
    tmp_path: Path,
) -> None:
    urls = put_media(bucket)
    video_meta = {"fps": 30, "duration": 2, "width": 8, "height": 6, "file_size": 5, "mime_type": "video/mp4"}
    doc = {
        **_three_images(bucket, {"k": "v"}),
        "videos": [{"objectUrl": urls["a.mp4"], "title": "v", "videoMetadata": video_meta}],
        "dicom_series": [{"title": "s", "objectUrl_0": urls["e.dcm"], "objectUrl_1": urls["f.dcm"]}],
    }
    register_and_run(registry, admin, folder, "s3", write_manifest(doc))
    for fmt in ("json", "csv"):
        exported = tmp_path / f"export.{fmt}"
        with exported.open("wb") as out:
            registry.exports.export_folder(actor=admin, folder_id=folder.id, out=out, fmt=fmt, drop_metadata=True)
        copy = registry.folders.create(actor=admin, name=f"copy-{fmt}")
        job = register_and_run(registry, admin, copy, "s3", exported)
        assert job.status is JobStatus.DONE
        original, again = _described(registry, admin, folder), _described(registry, admin, copy)
        if fmt == "csv":  # CSV carries no metadata
            original = [(k, t, u, m, {}, None) for k, t, u, m, _, _ in original]
        assert again == original


def _described(registry: Registry, admin: User, folder: Folder) -> list[tuple[Any, ...]]:
    rows = []
    for item in folder_items(registry, admin, folder.id):
        members = (
            tuple(m.object_url for m in registry.items.members(actor=admin, item_id=item.id))
            if item.kind.is_composite
            else ()
        )
        media = item.media if item.status is ItemStatus.READY else None
        rows.append((item.kind, item.title, item.object_url, members, item.client_metadata, media))
    return sorted(rows, key=repr)


def test_registering_needs_write_access_and_a_usable_integration(
    *,
    registry: Registry,
    admin: User,
    folder: Folder,
    s3_integration: IntegrationPublic,
    write_manifest: Callable[..., Path],
    make_user: Callable[[str], User],
) -> None:
    bob = make_user("bob")
    own = registry.folders.create(actor=bob, name="bob's")
    manifest = write_manifest({"images": [{"objectUrl": "s3://x/a.jpg"}]})
    with pytest.raises(NotFound, match=f"folder {folder.id} not found"):  # no role there: as if it did not exist
        registry.registration.register(actor=bob, folder_id=folder.id, integration="s3", manifest=manifest)
    with pytest.raises(NotFound, match="integration 's3' not found"):  # not shared: as if it did not exist
        registry.registration.register(actor=bob, folder_id=own.id, integration="s3", manifest=manifest)
