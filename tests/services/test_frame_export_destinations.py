"""Frame export into the video's bucket, on real servers: images under a free prefix ``<stem>_frames/`` next to the
video (s3rver, a local integration), image i equal to decoded frame i; refused up front naming the permission on a
read-only integration (Azurite with a read-and-list SAS) and for a video uploaded into cairn; images uploaded and
never committed removed (closed hook, the task's next attempt, the sweep after a kill). And the inspection an
exported image is recorded with, from what the job knows of it, equals an inspection of the file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from cairn.domain.frame_export import FrameExportParams, ImageFormat
from cairn.domain.frame_map import FrameSelection
from cairn.domain.jobs import Job, JobStatus
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, Item, User
from cairn.errors import InvalidInput, StorageAccessDenied
from cairn.services import frame_export
from cairn.services.inspection import inspect_object, managed_store
from cairn.services.jobs.handler import ClaimedTask
from cairn.services.registry import Registry
from tests.fixtures.indexed_video import write_ghost_video
from tests.fixtures.storage_servers import StorageServer
from tests.services.test_frame_export import exported, in_folder, reference_frames
from tests.services.test_reencode import add_video, run
from tests.services.test_reencode_destinations import (
    add_bucket_video,
    add_integration,
    add_read_only_integration,
    keys,
    pending_records,
)


@pytest.fixture(scope="module")
def ghost_video(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    return write_ghost_video(tmp_path_factory.mktemp("frame-export-bucket"), ffmpeg_exe)


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="videos")


@pytest.fixture(autouse=True)
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frame_export, "FRAMES_PER_TASK", 7)


def export(registry: Registry, actor: User, item: Item, **params: object) -> Job:
    started = registry.frame_export.start(actor=actor, item_id=item.id, params=FrameExportParams(**params))  # type: ignore[arg-type]
    return run(registry, actor, started)


def test_frames_go_under_a_free_prefix_next_to_the_video_in_the_bucket(
    registry: Registry, admin: User, folder: Folder, s3rver_server: StorageServer, ghost_video: Path
) -> None:
    bucket = s3rver_server.fresh()
    url = bucket.put("cams/left/ghost.mp4", ghost_video.read_bytes())
    bucket.put("cams/left/ghost_frames/notes.txt", b"the user's own file")  # the prefix is taken: a free one is used
    integration_id = add_integration(registry, admin, bucket)
    video = add_bucket_video(registry, admin, folder, integration_id, url)
    expected = reference_frames(ghost_video, registry, admin, video)

    job = export(registry, admin, video, selection=FrameSelection(stop=20), grouping="group",
                 destination="bucket")  # fmt: skip

    assert job.status is JobStatus.DONE and job.items_created == 20 and job.units_error == 0, job.error
    assert job.params["prefix"] == "cams/left/ghost_frames_1/" and job.params["integration_id"] == integration_id
    names = [f"frame_{n:06d}.png" for n in range(20)]
    assert keys(bucket.store()) == [
        "cams/left/ghost.mp4",
        "cams/left/ghost_frames/notes.txt",
        *(f"cams/left/ghost_frames_1/{name}" for name in names),
    ]  # no probe left, the user's object untouched
    images = exported(registry, admin, folder)
    assert sorted(images) == names
    for n, name in enumerate(names):
        image = images[name]
        assert image.object_url == bucket.url(f"cams/left/ghost_frames_1/{name}") and image.managed_key is None
        assert image.integration_id == integration_id and image.status.value == "ready"
        data = bucket.store().read_range(f"cams/left/ghost_frames_1/{name}", 0, 1 << 30)
        assert (image.media.width, image.media.height, image.media.file_size) == (160, 120, len(data))
        assert Image.open(io.BytesIO(data)).convert("RGB").tobytes() == expected[n].tobytes(), name
    group = registry.items.get(actor=admin, item_id=job.summary["group_item_id"])
    assert group.kind is ItemKind.IMAGE_GROUP
    members = registry.items.members(actor=admin, item_id=group.id)
    assert [m.title for m in members] == names
    assert pending_records(registry) == 0


def test_images_uploaded_and_never_committed_are_removed(
    registry: Registry, admin: User, folder: Folder, s3rver_server: StorageServer, ghost_video: Path
) -> None:
    bucket = s3rver_server.fresh()
    url = bucket.put("ghost.mp4", ghost_video.read_bytes())
    video = add_bucket_video(registry, admin, folder, add_integration(registry, admin, bucket), url)
    params = FrameExportParams(selection=FrameSelection(stop=14), destination="bucket")
    started = registry.frame_export.start(actor=admin, item_id=video.id, params=params)
    job = registry.jobs.get(actor=admin, job_id=started.id)

    def prepare(seq: int, attempt: int) -> int:
        payload = json.dumps({"frames": list(range(seq * 7, seq * 7 + 7))}).encode()
        task = ClaimedTask(job.id, seq, seq * 7, 7, payload, attempt, owner="a worker")
        return len(registry.frame_export.prepare(job, task, heartbeat=lambda: None).written)

    def uploaded() -> list[str]:
        return [k for k in keys(bucket.store()) if k.startswith("ghost_frames/")]

    # cancelled, failed or its lease lost: the engine calls closed(), and the images go at once
    assert prepare(0, 1) == 7 and len(uploaded()) == 7 and pending_records(registry) == 7
    registry.frame_export.closed(job, ClaimedTask(job.id, 0, 0, 7, b"", 1, owner=""))
    assert uploaded() == [] and pending_records(registry) == 0
    # a kill -9 after the upload: the task's next attempt removes what the first one wrote before writing again
    assert prepare(1, 1) == 7 and prepare(1, 2) == 7 and pending_records(registry) == 7 and len(uploaded()) == 7
    # the job ends without that commit (cancelled while no worker ran): the sweep removes them
    registry.jobs.cancel(actor=admin, job_id=job.id)
    assert registry.result_objects.sweep() == 7
    assert uploaded() == [] and pending_records(registry) == 0
    assert in_folder(registry, admin, next(iter(registry.folders.children(actor=admin, parent_id=folder.id))).id) == []


def test_a_local_integration_is_a_bucket_too(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path, tmp_path: Path
) -> None:
    root = tmp_path / "disk"
    (root / "v").mkdir(parents=True)
    (root / "v" / "ghost.mp4").write_bytes(ghost_video.read_bytes())
    disk = registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    video = add_bucket_video(registry, admin, folder, disk.id, f"file://{root}/v/ghost.mp4")

    job = export(registry, admin, video, selection=FrameSelection(stop=3), image_format=ImageFormat.JPEG,
                 destination="bucket")  # fmt: skip

    assert job.items_created == 3, job.error
    made = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.jpg"))
    assert made == [f"v/ghost_frames/frame_{n:06d}.jpg" for n in range(3)]
    images = exported(registry, admin, folder)
    assert images["frame_000002.jpg"].object_url == f"file://{root}/v/ghost_frames/frame_000002.jpg"


def test_a_bucket_that_cannot_be_written_or_an_upload_is_refused_before_anything_is_made(
    registry: Registry, admin: User, folder: Folder, azurite_server: StorageServer, ghost_video: Path
) -> None:
    container = azurite_server.fresh()
    url = container.put("clips/ghost.mp4", ghost_video.read_bytes())
    reader = add_read_only_integration(registry, admin, container)
    video = add_bucket_video(registry, admin, folder, reader.id, url)
    params = FrameExportParams(destination="bucket")
    with pytest.raises(StorageAccessDenied, match=r"lack Write \(Microsoft.Storage/.*clips/ghost_frames/"):
        registry.frame_export.start(actor=admin, item_id=video.id, params=params)
    uploaded = add_video(registry, admin, folder, ghost_video)
    with pytest.raises(InvalidInput, match="uploaded into cairn and has no bucket"):
        registry.frame_export.start(actor=admin, item_id=uploaded.id, params=params)
    assert registry.folders.children(actor=admin, parent_id=folder.id) == []  # no job, no frames folder
    assert keys(container.store()) == ["clips/ghost.mp4"]


@pytest.mark.parametrize("image_format", [ImageFormat.PNG, ImageFormat.JPEG])
def test_the_recorded_inspection_of_an_exported_image_is_what_inspecting_it_finds(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path, image_format: ImageFormat
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    assert export(registry, admin, video, selection=FrameSelection(stop=2), image_format=image_format).units_done == 2
    for image in exported(registry, admin, folder).values():
        assert image.managed_key is not None
        stored = registry.inspection.report(actor=admin, item_id=image.id)
        found = inspect_object(managed_store(registry.settings), image.managed_key, kind=ItemKind.IMAGE,
                               settings=registry.settings)  # fmt: skip
        assert stored.bytes_read == 0  # recorded from what the job knew, not read back
        reading = {"bytes_read", "reads", "whole_file_read"}  # how much was read: nothing, by design
        assert {k: v for k, v in stored.report.items() if k not in reading} == {
            k: v for k, v in found.report.items() if k not in reading
        }
        assert stored.report["whole_file_read"] is False
        assert stored.verdict == found.verdict
        reread = registry.items.get(actor=admin, item_id=image.id).media
        assert reread == found.media
