"""Where an image sequence's video goes, on real servers: next to its first image in the bucket (s3rver), as
``<title>.mp4`` or a free name, for the job registration queues and on demand; an upload never committed removed;
for a read-only integration (Azurite with a read-and-list SAS) refused up front naming the permission when the
bucket is asked for, and built into managed storage by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cairn.domain.jobs import JobStatus
from cairn.domain.records import Folder, Item, User
from cairn.errors import StorageAccessDenied
from cairn.services.registry import Registry
from cairn.services.sequence_video import SequenceVideoParams
from tests.fixtures.sequence_pictures import assert_frames_are_images, picture
from tests.fixtures.storage_servers import StorageServer
from tests.registration.conftest import add_server_integration
from tests.services.test_reencode_destinations import add_read_only_integration, keys, pending_records
from tests.services.test_sequence_video import run, run_registration, video_jobs


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="frames")


def put_pictures(server: StorageServer, directory: str, count: int, tmp_path: Path) -> tuple[list[str], list[Path]]:
    paths = [picture(tmp_path / f"frame{i:02d}.png", (160, 120), i + 1) for i in range(count)]
    urls = [server.put(f"{directory}/frame{i:02d}.png", p.read_bytes(), content_type="image/png") for i, p in
            enumerate(paths)]  # fmt: skip
    return urls, paths


def register_sequence(
    registry: Registry, admin: User, folder: Folder, *, integration: str, urls: list[str], tmp_path: Path
) -> Item:
    entry = {"title": "Drive", "createVideo": True} | {f"objectUrl_{i}": url for i, url in enumerate(urls)}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"image_groups": [entry]}))
    registration = run_registration(
        registry, admin, registry.registration.register(
            actor=admin, folder_id=folder.id, integration=integration, manifest=manifest
        )
    )  # fmt: skip
    assert registration.status is JobStatus.DONE, registration.error
    (sequence_id,) = registration.summary["image_sequences"]
    return registry.items.get(actor=admin, item_id=sequence_id)


def test_a_sequence_video_is_written_next_to_its_first_image_in_the_bucket(
    registry: Registry, admin: User, folder: Folder, s3rver_server: StorageServer, tmp_path: Path
) -> None:
    bucket = s3rver_server.fresh()
    urls, images = put_pictures(bucket, "drives/day1", 3, tmp_path)
    bucket.put("drives/day1/Drive.mp4", b"the user's own file")  # the name is taken: a free one is used
    integration = add_server_integration(registry, admin, bucket, "bucket")
    sequence = register_sequence(registry, admin, folder, integration="bucket", urls=urls, tmp_path=tmp_path)

    (job,) = video_jobs(registry, admin)  # queued by the registration: the bucket is checked as the task runs
    job = run(registry, admin, job)
    assert (job.status, job.units_done, job.units_error) == (JobStatus.DONE, 1, 0)
    built = registry.items.get(actor=admin, item_id=sequence.id)
    assert built.object_url == bucket.url("drives/day1/Drive_1.mp4") and built.managed_key is None
    assert built.integration_id == integration.id and built.pending_action is None
    assert bucket.store().read_range("drives/day1/Drive.mp4", 0, 100) == b"the user's own file"
    frames = [f"drives/day1/frame{i:02d}.png" for i in range(3)]
    assert keys(bucket.store()) == ["drives/day1/Drive.mp4", "drives/day1/Drive_1.mp4", *frames]  # no probe left
    video = tmp_path / "built.mp4"
    video.write_bytes(bucket.store().read_range("drives/day1/Drive_1.mp4", 0, 1 << 30))
    assert_frames_are_images(video, images)
    assert len(registry.inspection.frame_map(actor=admin, item_id=sequence.id).pts) == 3
    registry.inspection.inspect_item(actor=admin, item_id=sequence.id)  # inspected again: it keeps its video
    again = registry.items.get(actor=admin, item_id=sequence.id)
    assert (again.object_url, again.integration_id, again.media.frame_count) == (built.object_url, integration.id, 3)
    assert len(registry.inspection.frame_map(actor=admin, item_id=sequence.id).pts) == 3
    (entry,) = registry.journal.entries(actor=admin, action="item.sequence_video")
    assert entry.details["destination"] == "bucket" and entry.details["name_taken"] == "Drive.mp4"
    assert pending_records(registry) == 0 and list((registry.settings.data_dir / "tmp").iterdir()) == []

    # on demand, into the bucket: a video uploaded whose commit never happens is removed by the task's closed hook
    again = registry.sequence_video.start(
        actor=admin, item_ids=[sequence.id], params=SequenceVideoParams(destination="bucket")
    )
    assert again.params["results_in"] == "bucket" and again.params["bucket_integrations"] == [integration.id]
    claimed = registry.jobs._claim(again.id, 0)
    assert claimed is not None
    prepared = registry.sequence_video.prepare(claimed[0], claimed[1], heartbeat=lambda: None)
    assert prepared.error is None and prepared.placed is not None
    assert "drives/day1/Drive_2.mp4" in keys(bucket.store()) and pending_records(registry) == 1
    registry.sequence_video.closed(claimed[0], claimed[1])
    assert "drives/day1/Drive_2.mp4" not in keys(bucket.store()) and pending_records(registry) == 0
    assert registry.items.get(actor=admin, item_id=sequence.id).object_url == built.object_url  # unchanged


def test_a_read_only_integration_is_refused_up_front_or_its_video_goes_to_managed_storage(
    registry: Registry, admin: User, folder: Folder, azurite_server: StorageServer, tmp_path: Path
) -> None:
    container = azurite_server.fresh()
    urls, images = put_pictures(container, "clips", 2, tmp_path)
    add_read_only_integration(registry, admin, container)
    sequence = register_sequence(registry, admin, folder, integration="reader", urls=urls, tmp_path=tmp_path)

    (queued,) = video_jobs(registry, admin)
    with pytest.raises(StorageAccessDenied, match=r"lack Write \(Microsoft.Storage/.*clips/"):
        registry.sequence_video.start(
            actor=admin, item_ids=[sequence.id], params=SequenceVideoParams(destination="bucket")
        )
    assert video_jobs(registry, admin) == [queued]  # refused before any job

    assert run(registry, admin, queued).units_done == 1  # by default: managed storage, the bucket untouched
    built = registry.items.get(actor=admin, item_id=sequence.id)
    assert built.managed_key is not None and built.object_url is None and built.integration_id is None
    assert_frames_are_images(registry.settings.managed_storage_dir / built.managed_key, images)
    assert keys(container.store()) == ["clips/frame00.png", "clips/frame01.png"]

    on_demand = registry.sequence_video.start(actor=admin, item_ids=[sequence.id])
    assert on_demand.params["results_in"] == "managed" and on_demand.params["bucket_integrations"] == []
