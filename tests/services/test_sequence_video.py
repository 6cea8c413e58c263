"""Image-sequence videos as jobs, on both dialects, with pictures made by the tests: uploads grouped by size, one
job per upload or registration, frame i of the built video is image i (after the documented scaling), the pending
state clears, the sequence's frames can be stepped, and a broken image is a unit error naming its URL."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from cairn.domain.access import Role
from cairn.domain.jobs import Job, JobStatus
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, Item, User
from cairn.errors import InvalidInput, PermissionDenied
from cairn.services.registry import Registry
from cairn.services.sequence_video import SequenceVideoParams
from cairn.services.uploads import UploadedFile
from tests.fixtures.sequence_pictures import assert_frames_are_images, picture
from tests.services.helpers import cancel_while_ffmpeg_writes


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="frames")


def pictures(directory: Path, sizes: list[tuple[int, int]]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [picture(directory / f"frame{i:02d}.png", size, i + 1) for i, size in enumerate(sizes)]


def upload(registry: Registry, actor: User, folder: Folder, paths: list[Path], title: str = "Drive") -> list[Item]:
    files = [UploadedFile(p.name, io.BytesIO(p.read_bytes()), "image/png") for p in paths]
    return registry.uploads.upload(
        actor=actor, folder_id=folder.id, files=files, batch=ItemKind.IMAGE_SEQUENCE, title=title
    )


def video_jobs(registry: Registry, actor: User) -> list[Job]:
    return registry.jobs.jobs(actor=actor, kinds=("sequence_video",))


def run(registry: Registry, actor: User, job: Job) -> Job:
    for seq in range(job.tasks_total):
        registry.jobs.run_task(job_id=job.id, seq=seq)
    return registry.jobs.get(actor=actor, job_id=job.id)


def video_path(registry: Registry, item: Item) -> Path:
    """Where a built video is: in managed storage, or (a sequence registered from a local integration, which can be
    written) next to its first image."""
    if item.object_url is not None:
        assert item.managed_key is None and item.object_url.startswith("file://")
        return Path(item.object_url.removeprefix("file://"))
    assert item.managed_key is not None
    return registry.settings.managed_storage_dir / item.managed_key


def test_an_uploaded_sequence_of_equal_sizes_gets_its_video(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    images = pictures(tmp_path / "in", [(160, 120)] * 8)
    (sequence,) = upload(registry, admin, folder, images)
    assert (sequence.kind, sequence.title, sequence.pending_action) == (ItemKind.IMAGE_SEQUENCE, "Drive", "build_video")
    (job,) = video_jobs(registry, admin)
    assert (job.status, job.units_total, job.title) == (JobStatus.QUEUED, 1, "Video of 'Drive'")

    job = run(registry, admin, job)
    assert (job.status, job.units_done, job.units_error) == (JobStatus.DONE, 1, 0)
    built = registry.items.get(actor=admin, item_id=sequence.id)
    assert built.pending_action is None and built.managed_key is not None
    assert (built.media.width, built.media.height, built.media.frame_count, built.media.fps) == (160, 120, 8, 30)
    assert built.media.mime_type == "video/mp4"
    assert_frames_are_images(video_path(registry, built), images)
    frames = registry.inspection.frame_map(actor=admin, item_id=sequence.id)
    assert len(frames.pts) == len(images)  # the frames can be stepped: the stored frame map is the video's
    report = registry.inspection.report(actor=admin, item_id=sequence.id).report
    assert (report["codec"], report["members"], report["moov_position"]) == ("h264", 8, "start")


def test_upload_groups_images_by_size_into_sequences_built_by_one_job(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    sizes = [(160, 120), (192, 128), (160, 120), (128, 192), (192, 128), (160, 120)]
    images = pictures(tmp_path / "in", sizes)
    made = upload(registry, admin, folder, images)
    assert [s.title for s in made] == ["Drive (160x120)", "Drive (192x128)", "Drive (128x192)"]
    members = [[m.title for m in registry.items.members(actor=admin, item_id=s.id)] for s in made]
    assert members == [
        ["frame00.png", "frame02.png", "frame05.png"],
        ["frame01.png", "frame04.png"],
        ["frame03.png"],
    ]
    (job,) = video_jobs(registry, admin)
    assert (job.units_total, job.title) == (3, "Video of 3 image sequences")
    assert run(registry, admin, job).units_done == 3
    by_size = {(160, 120): [0, 2, 5], (192, 128): [1, 4], (128, 192): [3]}
    for sequence, indices in zip(made, by_size.values(), strict=True):
        built = registry.items.get(actor=admin, item_id=sequence.id)
        assert built.pending_action is None
        assert_frames_are_images(video_path(registry, built), [images[i] for i in indices])


def test_grouped_titles_stay_within_the_title_length(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    images = pictures(tmp_path / "in", [(64, 48), (48, 64)])
    made = upload(registry, admin, folder, images, title="t" * 300)
    assert [s.title for s in made] == ["t" * 292 + " (64x48)", "t" * 292 + " (48x64)"]


def test_a_registered_sequence_of_mixed_sizes_is_fitted_into_the_first_images_dimensions(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    """Registration keeps a sequence as listed (no grouping): images of other sizes are scaled to fit, centred."""
    root = tmp_path / "bucket"
    images = pictures(root, [(160, 120), (320, 240), (80, 120), (200, 50), (161, 121)])
    other = pictures(root / "b", [(161, 121)] * 3)
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    entry = {"title": "mixed", "createVideo": True} | {f"objectUrl_{i}": f"file://{p}" for i, p in enumerate(images)}
    second = {"title": "odd", "createVideo": True} | {f"objectUrl_{i}": f"file://{p}" for i, p in enumerate(other)}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"image_groups": [entry, second]}))
    registration = registry.registration.register(
        actor=admin, folder_id=folder.id, integration="disk", manifest=manifest
    )
    registration = run_registration(registry, admin, registration)
    assert registration.status is JobStatus.DONE
    (job,) = video_jobs(registry, admin)  # one job per registration, one unit per sequence
    assert job.units_total == 2 and registration.summary["sequence_video_job"] == job.id
    assert run(registry, admin, job).units_done == 2
    ids = registration.summary["image_sequences"]
    built = {i.title: i for i in (registry.items.get(actor=admin, item_id=i) for i in ids)}
    assert (built["mixed"].media.width, built["mixed"].media.height) == (160, 120)  # the first image's
    assert (built["odd"].media.width, built["odd"].media.height) == (162, 122)  # odd: one black row/column more
    assert video_path(registry, built["mixed"]) == root / "mixed.mp4"  # next to its first image, in the bucket
    assert video_path(registry, built["odd"]) == root / "b" / "odd.mp4"
    assert_frames_are_images(video_path(registry, built["mixed"]), images)
    assert_frames_are_images(video_path(registry, built["odd"]), other)


def test_a_csv_registration_queues_one_job_for_its_sequences(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    root = tmp_path / "bucket"
    images = pictures(root, [(160, 120)] * 4)
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    rows = [f"file://{p},{'One' if i < 2 else 'Two'},true" for i, p in enumerate(images)]
    manifest = tmp_path / "sequences.csv"
    manifest.write_text("ObjectUrl,Image group title,Create video\n" + "\n".join(rows) + "\n")
    registration = run_registration(registry, admin, registry.registration.register(
        actor=admin, folder_id=folder.id, integration="disk", manifest=manifest
    ))  # fmt: skip
    (job,) = video_jobs(registry, admin)
    assert run(registry, admin, job).units_done == 2
    built = [registry.items.get(actor=admin, item_id=i) for i in registration.summary["image_sequences"]]
    assert [(b.title, b.pending_action) for b in built] == [("One", None), ("Two", None)]
    assert_frames_are_images(video_path(registry, built[1]), images[2:])


def run_registration(registry: Registry, actor: User, job: Job) -> Job:
    registry.jobs.run_task(job_id=job.id, seq=0)  # the scan adds the chunks
    return run(registry, actor, registry.jobs.get(actor=actor, job_id=job.id))


def test_a_broken_image_is_a_unit_error_naming_it_and_nothing_is_written(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    good = pictures(tmp_path / "in", [(64, 48)] * 3)
    (sequence,) = upload(registry, admin, folder, good)
    (job,) = video_jobs(registry, admin)
    member = registry.items.members(actor=admin, item_id=sequence.id)[1]
    assert member.managed_key is not None
    (registry.settings.managed_storage_dir / member.managed_key).write_bytes(b"\x89PNG\r\n\x1a\n" + b"junk" * 20)
    before = set((registry.settings.managed_storage_dir / "uploads").rglob("*"))

    job = run(registry, admin, job)
    assert (job.status, job.units_error, job.units_done) == (JobStatus.DONE, 1, 0)  # the job goes on past errors
    (error,) = registry.jobs.errors(actor=admin, job_id=job.id)
    assert error.error.startswith("image 1 of the sequence (uploaded file 'frame01.png') cannot be read: ")
    assert error.object_urls == ("uploaded file 'frame01.png'",) and error.kind is ItemKind.IMAGE_SEQUENCE
    after = registry.items.get(actor=admin, item_id=sequence.id)
    assert (after.pending_action, after.managed_key) == ("build_video", None)
    assert set((registry.settings.managed_storage_dir / "uploads").rglob("*")) == before  # no video kept


def test_a_missing_registered_image_names_its_url(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    root = tmp_path / "bucket"
    images = pictures(root, [(64, 48)] * 2)
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root))
    entry = {"title": "gone", "createVideo": True} | {f"objectUrl_{i}": f"file://{p}" for i, p in enumerate(images)}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"image_groups": [entry]}))
    run_registration(registry, admin, registry.registration.register(
        actor=admin, folder_id=folder.id, integration="disk", manifest=manifest
    ))  # fmt: skip
    images[1].unlink()
    (job,) = video_jobs(registry, admin)
    assert run(registry, admin, job).units_error == 1
    (error,) = registry.jobs.errors(actor=admin, job_id=job.id)
    assert error.error.startswith(f"image 1 of the sequence (file://{images[1]}) cannot be read: HEAD ")
    assert error.object_urls == (f"file://{images[1]}",) and error.code == "object_not_found"


def test_on_demand_builds_again_and_refuses_what_is_not_a_sequence_or_not_editable(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path, make_user: object
) -> None:
    images = pictures(tmp_path / "in", [(160, 120)] * 3)
    (sequence,) = upload(registry, admin, folder, images)
    run(registry, admin, video_jobs(registry, admin)[0])
    first = registry.items.get(actor=admin, item_id=sequence.id).managed_key

    again = registry.sequence_video.start(actor=admin, item_ids=[sequence.id])
    assert run(registry, admin, again).units_done == 1
    rebuilt = registry.items.get(actor=admin, item_id=sequence.id)
    assert rebuilt.managed_key not in (None, first) and rebuilt.pending_action is None
    assert_frames_are_images(video_path(registry, rebuilt), images)

    with pytest.raises(InvalidInput, match=r"\(Drive\) was uploaded into cairn and has no bucket"):
        registry.sequence_video.start(
            actor=admin, item_ids=[sequence.id], params=SequenceVideoParams(destination="bucket")
        )

    member = registry.items.members(actor=admin, item_id=sequence.id)[0]
    with pytest.raises(InvalidInput, match="is a image: only image sequences have a video built"):
        registry.sequence_video.start(actor=admin, item_ids=[member.id])
    viewer = make_user("viewer")  # type: ignore[operator]
    registry.access.grant(actor=admin, folder_id=folder.id, email=viewer.email, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        registry.sequence_video.start(actor=viewer, item_ids=[sequence.id])


def test_a_first_image_over_the_largest_frame_fails_its_unit(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    """A sequence whose first image is wider than libx264 takes is refused with the reason (no FFmpeg run)."""
    wide = tmp_path / "in" / "wide.png"
    wide.parent.mkdir()
    Image.new("L", (16_400, 8)).save(wide)
    (sequence,) = upload(registry, admin, folder, [wide])
    job = run(registry, admin, video_jobs(registry, admin)[0])
    (error,) = registry.jobs.errors(actor=admin, job_id=job.id)
    assert "16400x8: its video would be over H.264's largest frame" in error.error
    assert registry.items.get(actor=admin, item_id=sequence.id).pending_action == "build_video"


def test_a_video_never_committed_is_swept_and_a_deleted_sequence_takes_its_video(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    """What a kill -9 between prepare and commit leaves: a managed file no item references (the sequence changes
    only in the commit); the managed-files sweep removes it. Deleting a built sequence removes its video."""
    (sequence,) = upload(registry, admin, folder, pictures(tmp_path / "in", [(64, 48)] * 2))
    (job,) = video_jobs(registry, admin)
    claimed = registry.jobs._claim(job.id, 0)  # the worker leases the task ...
    assert claimed is not None
    built = registry.sequence_video.prepare(claimed[0], claimed[1], heartbeat=lambda: None)  # ... then dies
    assert built.placed is not None and (registry.settings.managed_storage_dir / built.placed.key).is_file()
    after = registry.items.get(actor=admin, item_id=sequence.id)
    assert (after.managed_key, after.pending_action) == (None, "build_video")
    assert list((registry.settings.data_dir / "tmp").iterdir()) == []
    assert registry.managed_files.sweep(grace=timedelta(0)) == 1
    assert not (registry.settings.managed_storage_dir / built.placed.key).exists()

    again = run(registry, admin, registry.sequence_video.start(actor=admin, item_ids=[sequence.id]))
    assert again.units_done == 1
    video = video_path(registry, registry.items.get(actor=admin, item_id=sequence.id))
    registry.items.delete(actor=admin, item_ids=[sequence.id])
    assert not video.exists()


def test_inspecting_a_built_sequence_again_keeps_its_video_and_frame_map(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    (sequence,) = upload(registry, admin, folder, pictures(tmp_path / "in", [(64, 48)] * 4))
    run(registry, admin, video_jobs(registry, admin)[0])
    built = registry.items.get(actor=admin, item_id=sequence.id)
    registry.inspection.inspect_item(actor=admin, item_id=sequence.id)
    again = registry.items.get(actor=admin, item_id=sequence.id)
    assert (again.managed_key, again.media.frame_count, again.media.mime_type) == (built.managed_key, 4, "video/mp4")
    assert len(registry.inspection.frame_map(actor=admin, item_id=sequence.id).pts) == 4


def test_cancel_kills_ffmpeg_and_changes_nothing(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path
) -> None:
    images = pictures(tmp_path / "in", [(640, 480)] * 2)
    (sequence,) = upload(registry, admin, folder, images * 300)  # 600 frames: long enough to be cancelled
    (job,) = video_jobs(registry, admin)
    cancel_while_ffmpeg_writes(registry, admin, job, "job-*-sequence_video-*/out/.cairn-partial-*")
    scratch = registry.settings.data_dir / "tmp"
    assert registry.jobs.get(actor=admin, job_id=job.id).status is JobStatus.CANCELLED
    after = registry.items.get(actor=admin, item_id=sequence.id)
    assert (after.managed_key, after.pending_action) == (None, "build_video")
    assert list(scratch.iterdir()) == []
    assert not [p for p in (registry.settings.managed_storage_dir / "uploads").rglob("*.mp4")]
