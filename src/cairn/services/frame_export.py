"""Frame export as a job: a video's frames written as images into managed storage or a prefix of the video's bucket,
each registered as an item.

::

    start(...)    check the actor is an editor of the video's folder, choose the frames (numbered by the stored
                  frame map), make the sub-folder ``<title>_frames`` (a free name) next to the video, and start a
                  ``frame_export`` job: one unit per frame, tasks of at most ``FRAMES_PER_TASK`` consecutive frames
    prepare(...)  (the engine, outside any transaction) decode the task's frames over range reads, from the key
                  frame before its first one, and write each as an image (FFmpeg's PNG encoder, as ``cairn frames
                  --out``) under ``uploads/frames/<job>/<task>/``, or, recorded in ``result_objects`` first, under the
                  bucket prefix chosen at the start; each image's inspection is what is known of it, not read back
    commit(...)   (the engine, in the task's transaction) one image item per frame written, in the sub-folder; a
                  frame not written is a unit error with its reason; the commit that closes the job's last task
                  registers the images as an image group or sequence when asked, ordered by frame
    closed(...)   removes the files of the task that no item references (a cancel, a failed task, a lost lease)

Images whose commit never happens (a kill -9) are files no item references: the managed-files sweep removes them;
in a bucket, they are recorded objects the task's next attempt or the result-objects sweep removes.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain import names
from cairn.domain.access import Action
from cairn.domain.duplicate_keys import composite_key
from cairn.domain.frame_export import (
    FrameExportParams,
    ImageFormat,
    chosen_frames,
    export_bytes_at_most,
    frame_name,
    split_frames,
)
from cairn.domain.frame_map import FrameIndex
from cairn.domain.jobs import Job, JobStatus, TaskResult, UnitError
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.media import InspectionReport
from cairn.domain.records import Folder, Item, User
from cairn.errors import CairnError, InvalidInput, MediaError, NotFound
from cairn.private_files import private_dir, tighten
from cairn.services._base import Service, item_folder
from cairn.services._members import free_folder_name
from cairn.services._processing import Beat, cancel_check
from cairn.services.inspection import (
    Inspected,
    InspectionService,
    inspection_row,
    produced_outcome,
    stored_frame_index,
)
from cairn.services.items import NewItem, item_row
from cairn.services.jobs.engine import JobService
from cairn.services.jobs.handler import ClaimedTask, NewJob, TaskSpec
from cairn.services.managed_files import UPLOADS, remove_managed_files
from cairn.services.result_objects import BucketPrefix, ResultObjectService
from cairn.services.sequence_video import VIDEO_JOB, SequenceVideoService
from cairn.settings import Settings
from cairn.storage import ObjectStore, RangeFile

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cairn.domain.frames import Frame

__all__ = ["FRAMES_PER_TASK", "FrameExportService"]

log = logging.getLogger("cairn.frame_export")

KIND = "frame_export"
FRAMES_PER_TASK = 100
"""Frames per task: each task decodes its run from the key frame before it, so tasks run on any worker."""
MAX_FRAMES = 100_000
JPEG_QUALITY = 95
GROUPED = "group_item_id"
"""The job summary's key for the image group or sequence made at its end."""
_COMPOSITE = {"group": ItemKind.IMAGE_GROUP, "sequence": ItemKind.IMAGE_SEQUENCE}


@dataclass
class _Exported:
    """What preparing one task wrote: ``written[frame] = (key, inspection)``; ``error`` stopped it early. In a
    bucket, ``records[frame]`` is the ``result_objects`` record of its object, settled by the commit."""

    frames: list[int]
    written: dict[int, tuple[str, Inspected]] = field(default_factory=dict)
    error: CairnError | None = None
    records: dict[int, int] = field(default_factory=dict)


class FrameExportService(Service):
    kind = KIND

    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        inspection: InspectionService,
        jobs: JobService,
        results: ResultObjectService,
        videos: Callable[[], SequenceVideoService] | None = None,
    ) -> None:
        super().__init__(db)
        self._settings = settings
        self._inspection = inspection
        self._jobs = jobs
        self._results = results
        self._videos = videos

    # --- starting ---------------------------------------------------------------------------------------------
    def start(self, *, actor: User, item_id: int, params: FrameExportParams) -> Job:
        """A frame export job of a video (the actor must be an editor of its folder); returns the job, queued.
        ``destination`` bucket: the images go under a free prefix ``<stem>_frames/`` next to the video in its
        integration's bucket, proven writable now (an error naming the permission missing, and no job)."""
        with self._read() as repos:
            video, _ = item_folder(repos, actor, item_id, Action.WRITE)
            frames = chosen_frames(params, stored_frame_index(repos, video), video.client_metadata)
        if not frames:
            raise InvalidInput("no frame chosen: the range is past the video's end, or it has no key frame there")
        if len(frames) > MAX_FRAMES:
            raise InvalidInput(f"at most {MAX_FRAMES:,} frames per export, got {len(frames):,}")
        where: dict[str, object] = {}
        if params.destination == "bucket":  # network requests: outside any transaction
            where = self._results.choose_prefix(actor=actor, original=video, suffix="_frames").to_dict()
        else:
            self._check_room(video, len(frames), params.image_format)
        with self._write() as repos:
            video, home = item_folder(repos, actor, item_id, Action.WRITE)
            target = _frames_folder(repos, actor, home, video, grouped=params.grouping is not None)
        new = NewJob(
            kind=KIND,
            title=f"Frame export of {video.title!r}",
            units_total=len(frames),
            folder_id=home.id,
            params={**params.to_dict(), "item_id": video.id, "target_folder_id": target.id, **where},
            ignore_errors=True,
        )
        runs = split_frames(frames, FRAMES_PER_TASK)
        starts = [sum(len(r) for r in runs[:n]) for n in range(len(runs))]
        tasks = [
            TaskSpec(at, len(run), json.dumps({"frames": run}).encode()) for at, run in zip(starts, runs, strict=True)
        ]
        details = {**params.to_dict(), "item_id": video.id, "frames": len(frames), "folder": target.name, **where}
        try:
            return self._jobs.start(actor=actor, new=new, tasks=tasks, details=details)
        except BaseException:  # no job: the empty folder made for it goes too
            with self._write() as repos:
                repos.folders.delete(target)
            raise

    def _check_room(self, video: Item, frames: int, image_format: ImageFormat) -> None:
        """Refuse an export whose images could not fit in managed storage's free space (estimated from above, before
        anything is written), rather than filling the disk halfway through."""
        width, height = video.media.width or 0, video.media.height or 0
        needed = export_bytes_at_most(frames, width, height, image_format)
        root = self._settings.managed_storage_dir
        private_dir(root)
        free = shutil.disk_usage(root).free
        if needed > free:
            raise InvalidInput(
                f"exporting {frames:,} frames of {width}x{height} as {image_format.value.upper()} may take up to "
                f"{needed / 1e9:,.1f} GB, and managed storage has {free / 1e9:,.1f} GB free: export fewer frames "
                "(a range, every Nth, key frames) or JPEG",
                details={"item_id": video.id, "frames": frames, "bytes_at_most": needed, "bytes_free": free},
            )

    # --- the job handler --------------------------------------------------------------------------------------
    def describe(self, job: Job) -> str:
        return job.title

    def prepare(self, job: Job, task: ClaimedTask, *, heartbeat: Callable[[], None]) -> _Exported:
        made = _Exported(frames=[int(f) for f in json.loads(task.payload)["frames"]])
        bucket = _bucket(job)
        if bucket is not None:
            self._results.release(job_id=job.id, seq=task.seq)  # what an attempt killed before its commit uploaded
        with self._read() as repos:
            video = repos.items.get(int(job.params["item_id"]))
            try:
                index = stored_frame_index(repos, video) if video is not None else None
            except CairnError as err:
                made.error = err
                return made
        if video is None or index is None:
            made.error = NotFound(f"item {job.params['item_id']} no longer exists")
            return made
        image_format = ImageFormat(job.params["format"])
        names = {frame: frame_name(frame, image_format) for frame in made.frames}
        cancelled = cancel_check(lambda: self._jobs.is_cancelled(job.id), Beat(heartbeat))
        try:
            if bucket is None:
                sink: _Sink = _ManagedSink(self._settings, f"{_job_dir(job.id, task.seq)}/{task.attempts}")
            else:
                keys = {frame: f"{bucket.prefix}{name}" for frame, name in names.items()}
                claimed = self._results.claim_keys(
                    job_id=job.id, seq=task.seq, integration_id=bucket.integration_id, keys=list(keys.values())
                )
                made.records = {frame: claimed[key] for frame, key in keys.items()}
                sink = _BucketSink(self._results.bucket_store(bucket.integration_id), bucket)
            store, key = self._inspection.locate(video)
            reader = RangeFile(store, key, size=store.head(key).size)
            self._write_images(
                reader, index, made=made, names=names, image_format=image_format, sink=sink, cancelled=cancelled
            )
        except CairnError as err:
            made.error = err
        return made

    @staticmethod
    def _write_images(
        reader: RangeFile,
        index: FrameIndex,
        *,
        made: _Exported,
        names: dict[int, str],
        image_format: ImageFormat,
        sink: _Sink,
        cancelled: Callable[[], bool],
    ) -> None:
        """Decode the task's frames and write each as an image (FFmpeg's PNG encoder, as ``cairn frames --out``),
        recording its inspection from what is known of it (the decoded size, the format) instead of reading it
        back."""
        from cairn.domain.frames import image_files, iter_chosen  # noqa: PLC0415 (PyAV: loaded when first used)
        from cairn.media.image import produced_image_report  # noqa: PLC0415

        sizes: dict[int, tuple[int, int]] = {}

        def decoded() -> Iterator[Frame]:
            for frame in iter_chosen(reader, index, made.frames):
                if cancelled():
                    return
                sizes[frame.index] = (frame.picture.width, frame.picture.height)
                yield frame

        for number, data in image_files(decoded(), image_format.value, jpeg_quality=JPEG_QUALITY):
            width, height = sizes.pop(number)
            report = produced_image_report(fmt=image_format.value, width=width, height=height, size=len(data))
            key = sink.write(names[number], data, image_format)
            outcome = produced_outcome(InspectionReport(ItemKind.IMAGE, image_format.value, report), size=len(data))
            made.written[number] = (key, outcome)

    def commit(self, repos: Repos, job: Job, task: ClaimedTask, prepared: _Exported, result: TaskResult) -> None:
        target = repos.folders.get(int(job.params["target_folder_id"]))
        if target is None and prepared.error is None:
            prepared.error = NotFound("the folder the frames were exported into was deleted")
        written = prepared.written if target is not None else {}
        if target is not None and written:
            _add_images(repos, job, target, written)
            ResultObjectService.settle_ids(repos, [prepared.records[f] for f in written if f in prepared.records])
        missing = [f for f in prepared.frames if f not in written]
        errors = [_unit_error(job, task, prepared, frame) for frame in missing]
        repos.jobs.add_errors(job.id, errors)
        result.created += len(written)
        result.errors += len(errors)
        if target is not None and job.params["as"] and _closes_the_job(repos, job):
            self._group(repos, job, target)

    def closed(self, job: Job, task: ClaimedTask) -> None:
        """Remove the files this task wrote that no item references (cancelled, failed, or never committed); group
        the images when the job is done and its last commit could not (that task failed as a whole); send the
        tasks of the video job an exported image sequence queued."""
        if job.params["as"]:
            self._group_if_missed(job)
            self._send_video_job(job)
        if _bucket(job) is not None:
            self._results.release(job_id=job.id, seq=task.seq)
            return
        root = self._settings.managed_storage_dir.resolve()
        under = root / _job_dir(job.id, task.seq)
        if not under.is_dir():
            return
        keys = [p.relative_to(root).as_posix() for p in under.rglob("*") if p.is_file()]
        with self._read() as repos:
            kept = repos.items.referenced_managed_keys(keys)
        remove_managed_files(root, [k for k in keys if k not in kept])

    def _group_if_missed(self, job: Job) -> None:
        with self._write() as repos:
            current = repos.jobs.get_job(job.id, for_update=True)
            if current is None or current.status is not JobStatus.DONE or GROUPED in current.summary:
                return
            target = repos.folders.get(int(job.params["target_folder_id"]))
            if target is not None:
                self._group(repos, current, target)

    def _group(self, repos: Repos, job: Job, target: Folder) -> None:
        """Group the images (the job's last commit); an image sequence's video is then built by a job of its own,
        queued in this transaction."""
        made = _group(repos, job, target)
        if made is None:
            return
        summary: dict[str, Any] = {**job.summary, GROUPED: made}
        parent = repos.folders.get(target.parent_id) if target.parent_id is not None else None
        actor = repos.users.get(job.actor_id) if job.actor_id is not None else None
        if job.params["as"] == "sequence" and self._videos is not None and parent is not None and actor is not None:
            summary[VIDEO_JOB] = self._videos().queue_in(repos, actor=actor, folder=parent, sequence_ids=[made])
        repos.jobs.update_job(job.id, summary=summary)

    def _send_video_job(self, job: Job) -> None:
        with self._read() as repos:
            current = repos.jobs.get_job(job.id)
        video_job = current.summary.get(VIDEO_JOB) if current is not None else None
        if self._videos is not None and isinstance(video_job, int):
            self._videos().send(video_job)


class _Sink(Protocol):
    def write(self, name: str, data: bytes, image_format: ImageFormat) -> str:
        """Store one image named ``name``; returns where it is (a managed key, or an object URL in the bucket)."""
        ...


class _ManagedSink:
    """Images into managed storage, under the task's attempt's own directory (a file is never replaced)."""

    def __init__(self, settings: Settings, directory: str) -> None:
        self._root = settings.managed_storage_dir.resolve()
        self._directory = directory

    def write(self, name: str, data: bytes, image_format: ImageFormat) -> str:
        key = f"{self._directory}/{name}"
        path = self._root / key
        private_dir(path.parent)
        with path.open("xb") as out:
            out.write(data)
        tighten(path)
        return key


class _BucketSink:
    """Images into the bucket prefix chosen when the job started; each object recorded (``claim_keys``) first."""

    def __init__(self, store: ObjectStore, bucket: BucketPrefix) -> None:
        self._store = store
        self._bucket = bucket

    def write(self, name: str, data: bytes, image_format: ImageFormat) -> str:
        self._store.put(f"{self._bucket.prefix}{name}", data, content_type=_CONTENT_TYPES[image_format])
        return f"{self._bucket.url}{name}"


_CONTENT_TYPES = {ImageFormat.PNG: "image/png", ImageFormat.JPEG: "image/jpeg"}


def _bucket(job: Job) -> BucketPrefix | None:
    """Where a bucket export writes (None: managed storage)."""
    return BucketPrefix.from_dict(job.params) if job.params.get("destination") == "bucket" else None


def _stem(video: Item) -> str:
    """The video's title without its extension (no ``/``): the name its frames' folder and prefix start with."""
    stem = video.title.rsplit(".", 1)[0] if "." in video.title else video.title
    return stem.replace("/", "_")


def _closes_the_job(repos: Repos, job: Job) -> bool:
    """Whether this commit closes the job's last open task. The job row is locked first: of two last tasks
    committing at once on PostgreSQL, the second waits for the first and then sees it closed."""
    repos.jobs.get_job(job.id, for_update=True)
    return repos.jobs.open_tasks(job.id) == 0


def _job_dir(job_id: int, seq: int) -> str:
    """Where a task's images go in managed storage (no user text in the path)."""
    return f"{UPLOADS}/frames/{job_id}/{seq}"


def _frames_folder(repos: Repos, actor: User, home: Folder, video: Item, *, grouped: bool) -> Folder:
    """``<title>_frames`` next to the video (``(2)``, ``(3)``... when taken); a members folder when grouped."""
    name = free_folder_name(repos, home.id, f"{_stem(video)}_frames")
    return repos.folders.create(
        parent=home,
        name=name,
        description=f"Frames of {video.title}",
        client_metadata={},
        created_by=actor.id,
        kind="members" if grouped else "folder",
    )


def _add_images(repos: Repos, job: Job, target: Folder, written: dict[int, tuple[str, Inspected]]) -> None:
    image_format = ImageFormat(job.params["format"])
    frames = sorted(written)
    bucket = _bucket(job)
    rows = [
        item_row(
            NewItem(
                kind=ItemKind.IMAGE,
                title=frame_name(frame, image_format),
                **_columns(bucket, written[frame][0]),
                media=written[frame][1].media,
                status=written[frame][1].status,
                status_reason=written[frame][1].reason,
            ),
            folder_id=target.id,
            owner_id=job.actor_id,
        )
        for frame in frames
    ]
    ids = repos.items.insert_many(rows)  # the rows carry each image's media fields and status already
    repos.inspections.add_many(
        [inspection_row(item_id, written[frame][1]) for item_id, frame in zip(ids, frames, strict=True)]
    )
    repos.journal.record(
        actor=None,
        action="item.frame_export",
        target_type="item",
        target_id=int(job.params["item_id"]),
        target_label=job.title,
        folder_id=target.id,
        details={"job_id": job.id, "frames": len(ids), "first": frames[0], "last": frames[-1]},
    )


def _columns(bucket: BucketPrefix | None, where: str) -> dict[str, Any]:
    """The item columns naming an exported image: its managed key, or its object URL and integration."""
    return {"managed_key": where} if bucket is None else {"object_url": where, "integration_id": bucket.integration_id}


def _group(repos: Repos, job: Job, target: Folder) -> int | None:
    """The job's images, ordered by frame, as one image group or sequence next to the video (its last commit);
    the new item's id (None: no image to group)."""
    members = [i for i in repos.items.get_many(repos.items.ids_under(target.path)) if _made_by(i, job)]
    if not members or target.parent_id is None:
        return None
    members.sort(key=_frame_of)
    kind = _COMPOSITE[str(job.params["as"])]
    title = target.name
    new = NewItem(
        kind=kind,
        title=title,
        status=ItemStatus.READY,
        pending_action="build_video" if kind is ItemKind.IMAGE_SEQUENCE else None,
    )
    keys = [_location(m) for m in members]
    row = item_row(new, folder_id=target.parent_id, owner_id=job.actor_id, key=composite_key(keys))
    first = members[0].media
    row |= {"width": first.width, "height": first.height, "frame_count": len(members)}
    row["file_size"] = sum(m.media.file_size or 0 for m in members)
    (composite_id,) = repos.items.insert_many([row])
    repos.items.set_members(composite_id, [m.id for m in members])
    repos.journal.record(
        actor=None,
        action="item.create",
        target_type="item",
        target_id=composite_id,
        target_label=names.item_title(title),
        folder_id=target.parent_id,
        details={"job_id": job.id, "members": len(members)},
    )
    return composite_id


def _made_by(item: Item, job: Job) -> bool:
    """Whether an image of the frames folder is one this job wrote (by where it is, not by its title)."""
    bucket = _bucket(job)
    if bucket is None:
        return item.kind is ItemKind.IMAGE and (item.managed_key or "").startswith(f"{UPLOADS}/frames/{job.id}/")
    in_prefix = item.integration_id == bucket.integration_id and (item.object_url or "").startswith(bucket.url)
    return item.kind is ItemKind.IMAGE and in_prefix


def _location(item: Item) -> str:
    return item.managed_key or item.object_url or ""


def _frame_of(item: Item) -> int:
    """The frame an exported image shows, from its key (``.../frame_000042.png``): titles may have been renamed."""
    name = Path(_location(item)).stem
    return int(name.rsplit("_", 1)[-1])


def _unit_error(job: Job, task: ClaimedTask, made: _Exported, frame: int) -> UnitError:
    reason = made.error or MediaError(f"frame {frame} was not decoded: the picture is corrupt or missing")
    return UnitError(
        unit=task.unit_start + made.frames.index(frame),
        location=f"item {job.params['item_id']} frame {frame}",
        kind=ItemKind.IMAGE,
        title=f"frame {frame}",
        object_urls=(),
        error=reason.message,
        code=reason.code,
        action_description="frame export",
    )
