"""Re-encode jobs through the service, on both dialects, on generated media in managed storage: the new item (title,
folder, metadata, datasets, link), the packets an audio-only fix copies, full and resize, the stored remap, skips,
corrupt input, cancel, permissions and the notification at the end."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections import Counter
from datetime import timedelta
from pathlib import Path

import av
import pytest
from sqlalchemy import event

from cairn.db.inspection_schema import inspections
from cairn.db.repositories import Repos
from cairn.domain.access import Role
from cairn.domain.frame_remap import frame_remap
from cairn.domain.jobs import Job, JobStatus
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, Item, User
from cairn.errors import InvalidInput, NotFound, PermissionDenied
from cairn.services.inspection import inspect_object, managed_store, stored_video_report
from cairn.services.items import NewItem
from cairn.services.reencode import ReencodeParams
from cairn.services.registry import Registry
from tests.fixtures.media_corpus import MediaCorpus
from tests.services.helpers import cancel_while_ffmpeg_writes, scratch_files


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    return registry.folders.create(actor=admin, name="videos")


def add_video(registry: Registry, actor: User, folder: Folder, source: Path, **metadata: object) -> Item:
    """A video item in managed storage (as an upload makes it), inspected."""
    key = f"uploads/test/{source.name}"
    target = registry.settings.managed_storage_dir / key
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    (item,) = registry.items.add(
        actor=actor,
        folder_id=folder.id,
        items=[NewItem(kind=ItemKind.VIDEO, title=source.name, managed_key=key, client_metadata=dict(metadata))],
    )
    registry.inspection.inspect_item(actor=actor, item_id=item.id)
    return registry.items.get(actor=actor, item_id=item.id)


def run(registry: Registry, actor: User, job: Job) -> Job:
    for seq in range(job.tasks_total):
        registry.jobs.run_task(job_id=job.id, seq=seq)
    return registry.jobs.get(actor=actor, job_id=job.id)


def reencode(registry: Registry, actor: User, items: list[Item], **params: object) -> Job:
    job = registry.reencode.start(actor=actor, params=ReencodeParams(**params), item_ids=[i.id for i in items])  # type: ignore[arg-type]
    return run(registry, actor, job)


def result_of(registry: Registry, actor: User, original: Item) -> Item:
    _, results = registry.reencode.links(actor=actor, item_id=original.id)
    assert len(results) == 1
    return registry.items.get(actor=actor, item_id=results[0])


def managed_path(registry: Registry, item: Item) -> Path:
    assert item.managed_key is not None
    return registry.settings.managed_storage_dir / item.managed_key


def video_packets(path: Path) -> list[str]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [hashlib.sha256(bytes(p)).hexdigest() for p in container.demux(stream) if p.size]


def test_auto_drops_audio_copies_video_packets_and_links_the_new_item(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus
) -> None:
    original = add_video(registry, admin, folder, media_corpus["with_audio.mp4"], camera="left")
    dataset = registry.datasets.create(actor=admin, title="plain")
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[original.id])

    job = reencode(registry, admin, [original], mode="auto")

    assert job.status is JobStatus.DONE and job.items_created == 1
    made = result_of(registry, admin, original)
    assert made.title == "with_audio_normalized.mp4"
    assert made.folder_id == folder.id and made.client_metadata == {"camera": "left"}
    assert made.status.value == "ready" and made.media.frame_count == original.media.frame_count
    with av.open(str(managed_path(registry, made))) as container:
        assert not container.streams.audio
    assert video_packets(managed_path(registry, made)) == video_packets(media_corpus["with_audio.mp4"])
    in_dataset = registry.datasets.items(actor=admin, dataset_id=dataset.id).items
    assert {i.id for i in in_dataset} == {original.id, made.id}
    assert registry.reencode.links(actor=admin, item_id=made.id) == (original.id, [])
    assert scratch_files(registry) == []  # temporary files removed


CASES = {
    "auto": ("vfr.mp4", {"mode": "auto"}, "_normalized"),
    "full": ("ghost_cut.mp4", {"mode": "full"}, "_normalized"),
    "resize": ("cfr_h264.mp4", {"mode": "resize", "height": 120}, "_120p"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_stored_remap_is_the_remap_of_the_stored_frame_maps(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus, case: str
) -> None:
    name, params, suffix = CASES[case]
    original = add_video(registry, admin, folder, media_corpus[name])
    job = reencode(registry, admin, [original], **params)
    assert job.status is JobStatus.DONE and job.items_created == 1, job.error
    made = result_of(registry, admin, original)
    assert made.title == name.replace(".mp4", f"{suffix}.mp4")
    old_map = registry.inspection.frame_map(actor=admin, item_id=original.id)
    new_map = registry.inspection.frame_map(actor=admin, item_id=made.id)
    remap = registry.reencode.remap(actor=admin, item_id=made.id)
    assert remap.new_of == list(frame_remap(old_map, new_map).new_of)
    assert remap.original_item_id == original.id and remap.mode == params["mode"]
    assert registry.reencode.remap(actor=admin, item_id=made.id, frames=[0, 2]).new_of == [
        remap.new_of[0],
        remap.new_of[2],
    ]
    if params["mode"] == "resize":
        assert made.media.height == 120
    if params["mode"] == "full":
        with av.open(str(managed_path(registry, made))) as container:
            assert container.streams.video[0].codec_context.name == "h264" and not container.streams.audio
    with pytest.raises(InvalidInput, match="out of range"):
        registry.reencode.remap(actor=admin, item_id=made.id, frames=[len(old_map)])


def test_nothing_to_fix_is_skipped_and_a_corrupt_video_is_a_unit_error_while_the_job_goes_on(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus
) -> None:
    clean = add_video(registry, admin, folder, media_corpus["cfr_h264.mp4"])
    corrupt = add_video(registry, admin, folder, media_corpus["corrupt_truncated_mdat.mp4"])
    fixable = add_video(registry, admin, folder, media_corpus["with_audio.mp4"])

    job = reencode(registry, admin, [clean, corrupt, fixable], mode="auto")

    assert (job.units_skipped, job.units_error, job.items_created) == (1, 1, 1)
    assert job.status is JobStatus.DONE
    (error,) = registry.jobs.errors(actor=admin, job_id=job.id)
    assert error.unit == 1 and error.title == corrupt.title and error.error
    assert registry.reencode.links(actor=admin, item_id=clean.id) == (None, [])
    (skip,) = registry.journal.entries(actor=admin, action="item.reencode_skip")
    assert skip.target_id == clean.id and skip.details == {"job_id": job.id, "reason": "nothing to fix"}
    (note,) = registry.notifications.page(actor=admin).notifications
    assert note.job_id == job.id and "1 item(s) created" in note.message and "1 error(s)" in note.message


def test_a_viewer_is_refused_and_a_hidden_item_is_missing(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus, make_user
) -> None:  # type: ignore[no-untyped-def]
    original = add_video(registry, admin, folder, media_corpus["with_audio.mp4"])
    viewer, stranger = make_user("viewer"), make_user("stranger")
    registry.access.grant(actor=admin, folder_id=folder.id, email=viewer.email, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        registry.reencode.start(actor=viewer, params=ReencodeParams(), item_ids=[original.id])
    with pytest.raises(NotFound):
        registry.reencode.start(actor=stranger, params=ReencodeParams(), item_ids=[original.id])
    with pytest.raises(NotFound):
        registry.reencode.start(actor=stranger, params=ReencodeParams(), folder_id=folder.id)
    with pytest.raises(NotFound):
        registry.reencode.plan(actor=stranger, item_id=original.id, params=ReencodeParams())
    plan = registry.reencode.plan(actor=viewer, item_id=original.id, params=ReencodeParams())
    assert [s.name for s in plan.steps] == ["drop_audio"]
    job = reencode(registry, admin, [original])
    made = result_of(registry, admin, original)
    with pytest.raises(NotFound):
        registry.reencode.remap(actor=stranger, item_id=made.id)
    assert job.status is JobStatus.DONE


def test_a_folder_job_covers_its_videos(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus
) -> None:
    fixed = add_video(registry, admin, folder, media_corpus["with_audio.mp4"])
    add_video(registry, admin, folder, media_corpus["cfr_h264.mp4"])
    job = run(registry, admin, registry.reencode.start(actor=admin, params=ReencodeParams(), folder_id=folder.id))
    assert (job.units_total, job.items_created, job.units_skipped, job.folder_id) == (2, 1, 1, folder.id)
    made = result_of(registry, admin, fixed)
    assert job.summary["made"] == [{"original_item_id": fixed.id, "item_id": made.id}]  # what it made, listed


def test_cancel_kills_ffmpeg_and_leaves_no_item_nor_file(
    registry: Registry, admin: User, folder: Folder, tmp_path: Path, ffmpeg_exe: str
) -> None:
    long_video = tmp_path / "long.mp4"
    subprocess.run(
        [ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=60",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "600", str(long_video)],
        check=True,
    )  # fmt: skip
    original = add_video(registry, admin, folder, long_video)
    job = registry.reencode.start(actor=admin, params=ReencodeParams(mode="full"), item_ids=[original.id])
    cancel_while_ffmpeg_writes(registry, admin, job, "job-*-reencode-*/.cairn-partial-*")
    ended = registry.jobs.get(actor=admin, job_id=job.id)
    assert ended.status is JobStatus.CANCELLED and ended.items_created == 0
    assert registry.reencode.links(actor=admin, item_id=original.id) == (None, [])
    assert scratch_files(registry) == []
    uploads = registry.settings.managed_storage_dir / "uploads"
    assert sorted(p.name for p in uploads.rglob("*") if p.is_file()) == ["long.mp4"]


def test_a_result_never_committed_leaves_no_item_and_the_sweep_removes_its_file(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus
) -> None:
    """What a kill -9 between prepare and commit leaves: a managed file no item references (the item only appears
    in the commit); the managed-files sweep removes it."""
    original = add_video(registry, admin, folder, media_corpus["with_audio.mp4"])
    job = registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id])
    claimed = registry.jobs._claim(job.id, 0)  # the worker leases the task ...
    assert claimed is not None
    made = registry.reencode.prepare(claimed[0], claimed[1], heartbeat=lambda: None)  # ... prepares, then dies
    assert made.placed is not None and (registry.settings.managed_storage_dir / made.placed.key).is_file()
    assert registry.reencode.links(actor=admin, item_id=original.id) == (None, [])
    assert scratch_files(registry) == []
    assert registry.managed_files.sweep(grace=timedelta(0)) == 1
    assert not (registry.settings.managed_storage_dir / made.placed.key).exists()
    assert managed_path(registry, original).is_file()


def test_a_dataset_job_covers_the_videos_it_holds(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus
) -> None:
    held = add_video(registry, admin, folder, media_corpus["with_audio.mp4"])
    add_video(registry, admin, folder, media_corpus["audio_longer.mp4"])  # in the folder, not in the dataset
    dataset = registry.datasets.create(actor=admin, title="plain")
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[held.id])
    job = run(registry, admin, registry.reencode.start(actor=admin, params=ReencodeParams(), dataset_id=dataset.id))
    assert (job.units_total, job.items_created, job.dataset_id) == (1, 1, dataset.id)
    made = result_of(registry, admin, held)
    assert {i.id for i in registry.datasets.items(actor=admin, dataset_id=dataset.id).items} == {held.id, made.id}


def test_the_stored_report_of_every_corpus_video_reads_back_as_the_report_inspection_made(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus
) -> None:
    """The re-encode starts FFmpeg by the recipe of the stored inspection: it must read back whole."""
    for name in media_corpus.videos:
        item = add_video(registry, admin, folder, media_corpus[name])
        found = inspect_object(managed_store(registry.settings), item.managed_key or "", kind=ItemKind.VIDEO,
                               settings=registry.settings)  # fmt: skip
        assert found.raw is not None
        with registry.db.read() as conn:
            stored, etag = stored_video_report(Repos(conn), item)
        assert stored == found.raw.report, name
        assert etag and etag == found.report["object_etag"], name


def test_a_video_replaced_since_its_inspection_is_re_encoded_by_the_recipe_of_its_bytes(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus, caplog: pytest.LogCaptureFixture
) -> None:
    original = add_video(registry, admin, folder, media_corpus["with_audio.mp4"])
    plan = registry.reencode.plan(actor=admin, item_id=original.id, params=ReencodeParams())
    assert [s.name for s in plan.steps] == ["drop_audio"]
    with caplog.at_level("DEBUG", logger="cairn.reencode"):
        assert reencode(registry, admin, [original]).items_created == 1
    assert "the stored report is used" in caplog.text  # same ETag as inspected: the copy is not inspected again
    assert "replaced since its inspection" not in caplog.text
    first = result_of(registry, admin, original)
    assert registry.reencode.remap(actor=admin, item_id=first.id).new_of == list(range(original.media.frame_count or 0))
    registry.items.delete(actor=admin, item_ids=[first.id])
    # the file is replaced, not inspected again: the stored inspection says "drop the audio", the bytes also say
    # "move the index to the front"; the ETag differs, and the result and its remap follow the bytes
    shutil.copyfile(media_corpus["moov_end.mp4"], managed_path(registry, original))
    caplog.clear()
    with caplog.at_level("DEBUG", logger="cairn.reencode"):
        job = reencode(registry, admin, [original])
    assert job.items_created == 1 and "replaced since its inspection" in caplog.text
    assert "the stored report is used" not in caplog.text
    made = result_of(registry, admin, original)
    remap = registry.reencode.remap(actor=admin, item_id=made.id)
    assert [s["step"] for s in remap.steps] == ["drop_audio", "faststart"]
    moved = registry.inspection.frame_map(actor=admin, item_id=made.id)
    assert remap.new_of == list(range(len(moved.pts)))
    with av.open(str(managed_path(registry, made))) as container:
        assert not container.streams.audio


def test_a_video_inspected_before_its_etag_was_recorded_is_inspected_again(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus, caplog: pytest.LogCaptureFixture
) -> None:
    original = add_video(registry, admin, folder, media_corpus["with_audio.mp4"])
    with registry.db.write() as conn:  # a report stored by an earlier cairn: no ETag in it
        stored = Repos(conn).inspections.get(original.id)
        assert stored is not None and "object_etag" in stored.report
        report = {k: v for k, v in stored.report.items() if k != "object_etag"}
        conn.execute(inspections.update().where(inspections.c.item_id == original.id).values(report=report))
    with caplog.at_level("DEBUG", logger="cairn.reencode"):
        assert reencode(registry, admin, [original]).items_created == 1
    assert "the stored report is used" not in caplog.text and "replaced" not in caplog.text


def test_a_remux_task_writes_its_result_in_few_statements(
    registry: Registry, admin: User, folder: Folder, media_corpus: MediaCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task's SQL is most of cairn's own time on a short remux: the claim, the stored report, the result's record
    and one commit (the item, its inspection and frame map, the link, datasets, journal, the job's end). None
    replaces a row that cannot exist yet (a new item's inspection), none is repeated. The cancel check's question
    (once a second while FFmpeg runs: none, one or more, by the machine's speed) is not asked here."""
    monkeypatch.setattr("cairn.services._processing.CANCEL_POLL_SECONDS", float("inf"))
    original = add_video(registry, admin, folder, media_corpus["with_audio.mp4"])
    dataset = registry.datasets.create(actor=admin, title="plain")
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[original.id])
    synced = registry.datasets.create(actor=admin, title="synced", synced_folder_id=folder.id)
    statements: Counter[str] = Counter()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements[" ".join(statement.split()[:3])] += 1

    event.listen(registry.db.engine, "before_cursor_execute", count)
    try:
        job = registry.reencode.start(actor=admin, params=ReencodeParams(), item_ids=[original.id])
        started = sum(statements.values())
        statements.clear()
        registry.jobs.run_task(job_id=job.id, seq=0)
    finally:
        event.remove(registry.db.engine, "before_cursor_execute", count)
    assert started <= 12, started  # SQLite, BEGINs counted (PostgreSQL 8); 14 before
    made = result_of(registry, admin, original)
    for held in (dataset, synced):  # linked to the plain dataset; the synced one holds its folder's files
        assert {i.id for i in registry.datasets.items(actor=admin, dataset_id=held.id).items} == {original.id, made.id}
    assert statements["INSERT INTO dataset_items"] == 1
    assert statements["DELETE FROM inspections"] == statements["DELETE FROM frame_maps"] == 0
    assert statements["SELECT jobs.id, jobs.kind,"] == 2, statements  # the claim's and the commit's, no other
    assert statements["SELECT job_tasks.payload, job_tasks.unit_start,"] == 0  # the claim's UPDATE returns them
    assert sum(statements.values()) <= 29, statements  # SQLite, BEGINs counted (PostgreSQL 24); 41 before
