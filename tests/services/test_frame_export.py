"""Frame export jobs through the service, on both dialects, on videos made by the tests (B-frames, a stream-copy cut
whose edit list hides frames): image i equals decoded frame i of the frame map (PNG exactly), tasks seek to their key
frame, selections, grouping as an image group or sequence in frame order, permissions, and an undecodable range
ending as unit errors with no file left behind."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import av
import pytest
import sqlalchemy as sa
from PIL import Image

from cairn.domain.access import Role
from cairn.domain.frame_export import FrameExportParams, ImageFormat
from cairn.domain.frame_map import FrameSelection
from cairn.domain.jobs import Job, JobStatus
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Folder, Item, User
from cairn.errors import InvalidInput, PermissionDenied
from cairn.services import frame_export
from cairn.services.jobs.handler import ClaimedTask
from cairn.services.registry import Registry
from tests.fixtures.indexed_video import index_of, write_ghost_video
from tests.services.test_reencode import add_video, managed_path, run


@pytest.fixture(scope="module")
def ghost_video(tmp_path_factory: pytest.TempPathFactory, ffmpeg_exe: str) -> Path:
    """An indexed video (frame i shows i) whose edit list hides its first 33 frames (see ``write_ghost_video``)."""
    return write_ghost_video(tmp_path_factory.mktemp("frame-export"), ffmpeg_exe)


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="videos")


@pytest.fixture(autouse=True)
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks of 7 frames: most start between key frames, so each must seek to the key frame before it."""
    monkeypatch.setattr(frame_export, "FRAMES_PER_TASK", 7)


def reference_frames(path: Path, registry: Registry, admin: User, item: Item) -> list[Image.Image]:
    """Frame i of the stored frame map, decoded by PyAV from the start of the file (no seek)."""
    pts = registry.inspection.frame_map(actor=admin, item_id=item.id).pts
    with av.open(str(path)) as container:
        by_pts = {f.pts: f.to_image() for f in container.decode(video=0)}
    return [by_pts[p] for p in pts]


def export(registry: Registry, actor: User, item: Item, **params: object) -> Job:
    job = registry.frame_export.start(actor=actor, item_id=item.id, params=FrameExportParams(**params))  # type: ignore[arg-type]
    return run(registry, actor, job)


def exported(registry: Registry, actor: User, folder: Folder) -> dict[str, Item]:
    """The images in the sub-folder ``<title>_frames`` of ``folder``, by title."""
    (sub,) = [f for f in registry.folders.children(actor=actor, parent_id=folder.id) if f.name.endswith("_frames")]
    items = in_folder(registry, actor, sub.id)
    return {i.title: i for i in items}


def in_folder(registry: Registry, actor: User, folder_id: int) -> list[Item]:
    return registry.items.browse(actor=actor, query=ItemQuery(folder_id=folder_id, recursive=False, limit=500)).items


def image_of(registry: Registry, item: Item) -> Image.Image:
    return Image.open(io.BytesIO(managed_path(registry, item).read_bytes()))


def test_every_frame_as_png_equals_decoded_frame_i_of_the_map(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    expected = reference_frames(ghost_video, registry, admin, video)
    assert len(expected) == 67  # the cut hid 33 of 100 frames: they are not frames of the item

    job = export(registry, admin, video)

    assert job.status is JobStatus.DONE and job.units_error == 0, job.error
    assert job.tasks_total == 10 and job.items_created == 67
    images = exported(registry, admin, folder)
    assert sorted(images) == [f"frame_{n:06d}.png" for n in range(67)]
    for n, reference in enumerate(expected):
        image = images[f"frame_{n:06d}.png"]
        assert image.kind is ItemKind.IMAGE and image.status.value == "ready"
        assert (image.media.width, image.media.height) == reference.size
        assert image_of(registry, image).convert("RGB").tobytes() == reference.tobytes(), f"frame {n}"
    assert index_of(image_of(registry, images["frame_000000.png"])) == 33


def test_selections_range_every_nth_key_frames_and_jpeg(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    expected = reference_frames(ghost_video, registry, admin, video)

    job = export(registry, admin, video, selection=FrameSelection(start=5, stop=40, step=10))
    assert job.status is JobStatus.DONE and job.items_created == 4
    images = exported(registry, admin, folder)
    assert sorted(images) == [f"frame_{n:06d}.png" for n in (5, 15, 25, 35)]

    keys = registry.inspection.frame_index(actor=admin, item_id=video.id).key_frames
    job = export(registry, admin, video, selection=FrameSelection(key_frames_only=True), image_format=ImageFormat.JPEG)
    assert job.status is JobStatus.DONE and job.items_created == len(keys)
    (jpegs,) = [f for f in registry.folders.children(actor=admin, parent_id=folder.id) if f.name.endswith("(2)")]
    assert jpegs.name == "ghost_frames (2)"  # the first name was taken
    found = {i.title: i for i in in_folder(registry, admin, jpegs.id)}
    assert sorted(found) == [f"frame_{k:06d}.jpg" for k in keys]
    for k in keys:
        got = image_of(registry, found[f"frame_{k:06d}.jpg"]).convert("RGB")
        want = expected[k]
        diff = max(abs(a - b) for a, b in zip(got.tobytes(), want.tobytes(), strict=True))
        assert diff < 64 and index_of(got) == index_of(want)


def test_the_frames_listed_in_client_metadata(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video, keyframes={"3": {"note": "door"}, "50": {}, "12": {}})
    job = export(registry, admin, video, from_metadata=True)
    assert job.status is JobStatus.DONE
    assert sorted(exported(registry, admin, folder)) == [f"frame_{n:06d}.png" for n in (3, 12, 50)]

    timed = add_video(registry, admin, folder, ghost_video, keyframes=[0.5, 1.0], config={"keyframe_mode": "seconds"})
    frame_map = registry.inspection.frame_map(actor=admin, item_id=timed.id)
    wanted = FrameExportParams(from_metadata=True)
    job = registry.frame_export.start(actor=admin, item_id=timed.id, params=wanted)
    assert job.units_total == 2 and [frame_map.frame_at(0.5), frame_map.frame_at(1.0)] == [15, 30]

    bad = add_video(registry, admin, folder, ghost_video, keyframes=[1, "x", 500])
    with pytest.raises(InvalidInput, match=r"clientMetadata\.keyframes\[1\]: 'x' is not a frame number"):
        registry.frame_export.start(actor=admin, item_id=bad.id, params=wanted)


@pytest.mark.parametrize("grouping", ["group", "sequence"])
def test_grouped_as_an_image_group_or_sequence_in_frame_order(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path, grouping: str
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    job = export(registry, admin, video, selection=FrameSelection(stop=30, step=2), grouping=grouping)
    assert job.status is JobStatus.DONE and job.items_created == 15

    composites = [i for i in in_folder(registry, admin, folder.id) if i.kind.is_composite]
    (composite,) = composites
    assert composite.kind is (ItemKind.IMAGE_GROUP if grouping == "group" else ItemKind.IMAGE_SEQUENCE)
    assert composite.title == "ghost_frames" and composite.media.frame_count == 15
    members = registry.items.members(actor=admin, item_id=composite.id)
    assert [m.title for m in members] == [f"frame_{n:06d}.png" for n in range(0, 30, 2)]
    (sub,) = [f for f in registry.folders.children(actor=admin, parent_id=folder.id) if f.name == "ghost_frames"]
    assert sub.is_members_folder


def test_an_exported_image_sequence_gets_its_video_built_by_a_job_of_its_own(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    job = export(registry, admin, video, selection=FrameSelection(stop=12), grouping="sequence")
    (sequence,) = [i for i in in_folder(registry, admin, folder.id) if i.kind is ItemKind.IMAGE_SEQUENCE]
    assert sequence.pending_action == "build_video"
    video_job = registry.jobs.get(actor=admin, job_id=int(job.summary["sequence_video_job"]))
    assert (video_job.kind, video_job.units_total) == ("sequence_video", 1)
    assert run(registry, admin, video_job).status is JobStatus.DONE
    built = registry.items.get(actor=admin, item_id=sequence.id)
    assert built.pending_action is None
    assert len(registry.inspection.frame_index(actor=admin, item_id=sequence.id).frame_map) == 12


def test_an_export_that_could_not_fit_in_managed_storage_is_refused_before_anything_is_written(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    with registry.db.write() as conn:  # as a huge video would be stored: 100,000 x 100,000 pixels a frame
        conn.execute(sa.text("UPDATE items SET width = 100000, height = 100000 WHERE id = :id"), {"id": video.id})
    with pytest.raises(InvalidInput, match=r"may take up to [\d,.]+ GB, and managed storage has [\d,.]+ GB free"):
        registry.frame_export.start(actor=admin, item_id=video.id, params=FrameExportParams())
    assert registry.folders.children(actor=admin, parent_id=folder.id) == []
    assert registry.jobs.jobs(actor=admin) == []


def test_a_viewer_is_refused_and_nothing_is_made(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path, make_user
) -> None:  # type: ignore[no-untyped-def]
    video = add_video(registry, admin, folder, ghost_video)
    viewer = make_user("vera")
    registry.access.grant(actor=admin, folder_id=folder.id, email=viewer.email, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        registry.frame_export.start(actor=viewer, item_id=video.id, params=FrameExportParams())
    assert registry.folders.children(actor=admin, parent_id=folder.id) == []


def test_an_undecodable_range_ends_as_unit_errors_and_leaves_no_file(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    stored = managed_path(registry, video)
    data = bytearray(stored.read_bytes())
    moov = data.rindex(b"moov")
    assert moov > len(data) // 2  # the cut left the index at the end: zeroing the middle breaks samples only
    data[moov // 2 : moov * 2 // 3] = bytes(moov * 2 // 3 - moov // 2)
    stored.write_bytes(bytes(data))

    job = export(registry, admin, video)

    assert job.status is JobStatus.DONE and 0 < job.units_error < 67 and job.items_created + job.units_error == 67
    errors = registry.jobs.errors(actor=admin, job_id=job.id)
    assert errors[0].location.startswith(f"item {video.id} frame ") and errors[0].action_description == "frame export"
    assert all(e.error.startswith("cannot decode the video: ") for e in errors)
    images = exported(registry, admin, folder)
    assert len(images) == job.items_created
    written = sorted((registry.settings.managed_storage_dir / "uploads" / "frames").rglob("*.png"))
    assert len(written) == len(images)  # the images of frames that failed are not left behind


def test_images_never_committed_are_removed_by_closed_and_by_the_sweep(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    started = registry.frame_export.start(
        actor=admin, item_id=video.id, params=FrameExportParams(selection=FrameSelection(stop=14))
    )
    job = registry.jobs.get(actor=admin, job_id=started.id)
    frames_dir = registry.settings.managed_storage_dir / "uploads" / "frames"

    def prepared(seq: int, attempt: int) -> int:
        payload = json.dumps({"frames": list(range(seq * 7, seq * 7 + 7))}).encode()
        task = ClaimedTask(job.id, seq, seq * 7, 7, payload, attempt, owner="a worker that died")
        return len(registry.frame_export.prepare(job, task, heartbeat=lambda: None).written)

    # the task was cancelled, failed, or its lease lost: the engine calls closed() and the images go at once
    assert prepared(0, 1) == 7 and len(list(frames_dir.rglob("*.png"))) == 7
    registry.frame_export.closed(job, ClaimedTask(job.id, 0, 0, 7, b"", 1, owner=""))
    assert list(frames_dir.rglob("*.png")) == []
    # a kill -9 between prepare and commit: nothing calls closed(), the sweep of managed files removes them
    assert prepared(1, 1) == 7
    assert registry.managed_files.sweep(grace=timedelta(0)) == 7
    assert list(frames_dir.rglob("*.png")) == []
    assert in_folder(registry, admin, exported_folder(registry, admin, folder).id) == []


def exported_folder(registry: Registry, actor: User, folder: Folder) -> Folder:
    (sub,) = registry.folders.children(actor=actor, parent_id=folder.id)
    return sub


def test_a_cancelled_job_stops_decoding(registry: Registry, admin: User, folder: Folder, ghost_video: Path) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    started = registry.frame_export.start(actor=admin, item_id=video.id, params=FrameExportParams())
    job = registry.jobs.get(actor=admin, job_id=started.id)
    registry.jobs.cancel(actor=admin, job_id=job.id)
    payload = json.dumps({"frames": list(range(7))}).encode()
    made = registry.frame_export.prepare(job, ClaimedTask(job.id, 0, 0, 7, payload, 1, "w"), heartbeat=lambda: None)
    assert made.written == {}
    assert not (registry.settings.managed_storage_dir / "uploads" / "frames").exists()
    assert registry.jobs.get(actor=admin, job_id=job.id).status is JobStatus.CANCELLED


def test_two_workers_committing_at_once_make_one_group(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    params = FrameExportParams(selection=FrameSelection(stop=28), grouping="group")
    job = registry.frame_export.start(actor=admin, item_id=video.id, params=params)
    with ThreadPoolExecutor(2) as pool:  # as two worker threads do: the last two tasks may commit together
        list(pool.map(lambda seq: registry.jobs.run_task(job_id=job.id, seq=seq), range(job.tasks_total)))
    assert registry.jobs.get(actor=admin, job_id=job.id).status is JobStatus.DONE
    (group,) = [i for i in in_folder(registry, admin, folder.id) if i.kind is ItemKind.IMAGE_GROUP]
    members = registry.items.members(actor=admin, item_id=group.id)
    assert [m.title for m in members] == [f"frame_{n:06d}.png" for n in range(28)]


def test_a_last_task_that_fails_as_a_whole_still_ends_in_a_group(
    registry: Registry, admin: User, folder: Folder, ghost_video: Path
) -> None:
    video = add_video(registry, admin, folder, ghost_video)
    params = FrameExportParams(selection=FrameSelection(stop=28), grouping="sequence")
    job = registry.frame_export.start(actor=admin, item_id=video.id, params=params)
    assert job.tasks_total == 4
    blocked = registry.settings.managed_storage_dir / "uploads" / "frames" / str(job.id) / "3"
    blocked.parent.mkdir(parents=True)
    blocked.write_bytes(b"a file where task 3 writes its directory")  # every attempt of task 3 fails (OSError)
    for seq in range(3):
        registry.jobs.run_task(job_id=job.id, seq=seq)
    for _ in range(5):  # retried until its attempts are spent: its 7 units are then errors
        registry.jobs.run_task(job_id=job.id, seq=3)
    done = registry.jobs.get(actor=admin, job_id=job.id)
    assert done.status is JobStatus.DONE and (done.items_created, done.units_error) == (21, 7), done.error
    (sequence,) = [i for i in in_folder(registry, admin, folder.id) if i.kind is ItemKind.IMAGE_SEQUENCE]
    assert done.summary["group_item_id"] == sequence.id
    members = registry.items.members(actor=admin, item_id=sequence.id)
    assert [m.title for m in members] == [f"frame_{n:06d}.png" for n in range(21)]
