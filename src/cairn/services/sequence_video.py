"""Image-sequence videos as jobs: each image one frame, in order, in an H.264 mp4 the sequence item then refers to.

::

    start(...)     on demand: a ``sequence_video`` job over image sequences the actor may edit, one task each
    queue_in(...)  automatically, inside the transaction that created sequences (a registration's last task, an
                   upload): one job for all of them, sent once that transaction has committed (``send``)
    prepare(...)   (the engine, outside any transaction) remove what an earlier attempt of the task uploaded, copy
                   every member image into a private temporary directory over range reads, build the video
                   (``cairn.media.processing.sequence_video``: the first image's dimensions, others fitted by the
                   documented rule, killed when the job is cancelled), inspect it, then place it
                   (``ResultObjectService.place``): recorded, then uploaded next to the first image in its bucket
                   (``<title>.mp4``, a free name) or moved into managed storage
    commit(...)    (the engine, in the task's transaction, under its lease) the sequence refers to its video
                   (``object_url`` in the bucket, or ``managed_key``), its frame map and video fields are stored,
                   ``pending_action`` is cleared; the placed object's record is settled in the same transaction
    closed(...)    (after that transaction) remove what the task placed and never committed (a cancel, an error)

Where videos go is re-encode's rule (``ResultObjectService.choose``): into the bucket of the sequence's first image
when its integration can write there, else managed storage; an uploaded sequence always goes to managed storage. On
demand (``start``) the user may ask for either (``destination``) and a bucket that cannot be written is refused up
front with the permission missing. A job queued by registration or upload (``queue_in``, inside the caller's
transaction: no network there) decides per sequence when its task runs, with the same write check.

Nothing is half-written: the item changes only in ``commit``. A video placed whose commit never happens (a kill -9,
a lost lease, a cancel) is recorded: the task's next attempt, its closed hook or the housekeeping sweep removes it.
The previous managed video of a sequence built again is a file no item references, which the managed-files sweep
removes; a previous video in a bucket is left there (cairn never deletes what an item no longer references in a
bucket). A member that cannot be read (missing, not an image, corrupt) makes the unit an error naming the image's URL
and why, and the job goes on (``ignore_errors``).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from cairn.db.repositories import Repos
from cairn.domain.integrations import StoreConfig
from cairn.domain.jobs import Job, TaskResult, UnitError
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.records import Folder, Item, User
from cairn.domain.urls import resolve_object_key
from cairn.errors import CairnError, InvalidInput, MediaError, NotFound
from cairn.private_files import private_dir
from cairn.services._base import writable_items
from cairn.services._processing import Beat, MediaJobService, Prepared, cancel_check, copy_object, scratch_dir
from cairn.services.inspection import inspect_object, managed_store, save_sequence_video
from cairn.services.integrations import find_integration, store_config_of
from cairn.services.jobs.handler import ClaimedTask, NewJob, TaskSpec
from cairn.services.reencode import parse_fps
from cairn.services.result_objects import DESTINATIONS, Destination, ResultObjectService, Targets, parse_destination
from cairn.settings import Settings
from cairn.storage import ObjectStore, open_managed_store

__all__ = ["BUILD_VIDEO", "DESTINATIONS", "KIND", "VIDEO_JOB", "SequenceVideoParams", "SequenceVideoService"]

log = logging.getLogger("cairn.sequence_video")

KIND = "sequence_video"
BUILD_VIDEO = "build_video"
VIDEO_JOB = "sequence_video_job"
"""The summary key, on a job that created image sequences, of the job it queued to build their videos."""
"""The ``pending_action`` of an image sequence whose video is not built yet (cleared when it is)."""
DEFAULT_FPS = Fraction(30)
MAX_FPS = Fraction(240)
MAX_SEQUENCES = 10_000


@dataclass(frozen=True)
class SequenceVideoParams:
    """How to build: the constant frame rate (each image shows ``1/fps`` s) and where the video goes (``bucket``,
    ``managed``, or None: the bucket when its integration can write there, else managed storage)."""

    fps: Fraction = DEFAULT_FPS
    destination: Destination | None = None

    def __post_init__(self) -> None:
        if not 0 < self.fps <= MAX_FPS:
            raise InvalidInput(f"fps: must be above 0 and at most {MAX_FPS}, got {self.fps}")
        if self.destination is not None and self.destination not in DESTINATIONS:
            parse_destination(self.destination)  # refuses with the field named

    @classmethod
    def given(cls, *, fps: str | None = None, destination: str | None = None) -> SequenceVideoParams:
        """The parameters as a user gives them (``fps`` text: 30, 29.97 or 30000/1001; None: the default)."""
        rate = parse_fps(fps)
        return cls(fps=DEFAULT_FPS if rate is None else rate, destination=parse_destination(destination))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SequenceVideoParams:
        return cls(
            fps=Fraction(str(data.get("fps", DEFAULT_FPS))), destination=parse_destination(data.get("destination"))
        )


@dataclass
class _Built(Prepared):
    """What preparing one sequence gave: its video (placed, and its inspection), or the error and the image's URL."""

    url: str | None = None


class SequenceVideoService(MediaJobService):
    kind = KIND

    # --- starting -------------------------------------------------------------------------------------------
    def start(self, *, actor: User, item_ids: Sequence[int], params: SequenceVideoParams | None = None) -> Job:
        """Build (or build again) the videos of image sequences; the actor must be an editor of their folders. Where
        the videos go (``params.destination``) is checked now: a bucket that cannot be written is refused."""
        params = params or SequenceVideoParams()
        if not item_ids:
            raise InvalidInput("item_ids: give at least one image sequence")
        if len(item_ids) > MAX_SEQUENCES:
            raise InvalidInput(f"item_ids: at most {MAX_SEQUENCES:,} sequences per job, got {len(item_ids):,}")
        with self._read() as repos:
            found = writable_items(repos, actor, item_ids)
            for item, _ in found:
                _require_sequence(item)
            firsts = {item.id: _first_image(repos, item) for item, _ in found}
        if params.destination == "bucket":
            for item, _ in found:
                _require_bucket(item, firsts[item.id])
        anchors = [first for first in firsts.values() if first is not None]
        targets = self._results.choose(actor=actor, originals=anchors, requested=params.destination)
        where = {**targets.to_dict(), "results_in": targets.summary(anchors) or "managed"}
        new, tasks = _new_job([item for item, _ in found], found[0][1], params, where)
        return self._jobs.start(actor=actor, new=new, tasks=tasks, details={"items": len(found), **where})

    def queue_in(self, repos: Repos, *, actor: User, folder: Folder, sequence_ids: Sequence[int]) -> int | None:
        """In the caller's transaction: one job building the videos of the sequences it just created (None: none).
        Send its tasks with :meth:`send` after that transaction committed."""
        sequences = [i for i in repos.items.get_many(list(sequence_ids)) if i.pending_action == BUILD_VIDEO]
        if not sequences:
            return None
        # decided as each task runs (the write check is network: not inside the caller's transaction)
        where: dict[str, object] = {"destination": None, "results_in": "decided as each video is built"}
        new, tasks = _new_job(sequences, folder, SequenceVideoParams(), where)
        return self._jobs.create_in(repos, actor=actor, new=new, tasks=tasks, details={"items": len(sequences)})

    def send(self, job_id: int) -> None:
        """Send the tasks of a job made by :meth:`queue_in` (after a crash in between, recovery sends them)."""
        self._jobs.enqueue_unsent(job_id)

    # --- the job handler ------------------------------------------------------------------------------------
    def describe(self, job: Job) -> str:
        return job.title

    def closed(self, job: Job, task: ClaimedTask) -> None:
        """Remove a video the task placed and did not commit (the job was cancelled, or the unit failed)."""
        self._results.release(job_id=job.id, seq=task.seq)

    def prepare(self, job: Job, task: ClaimedTask, *, heartbeat: Callable[[], None]) -> _Built:
        self._results.release(job_id=job.id, seq=task.seq)  # what an attempt killed before its commit uploaded
        item_id = int(json.loads(task.payload)["item_id"])
        with self._read() as repos:
            item = repos.items.get(item_id)
            members = repos.items.members(item_id) if item is not None else []
        if item is None:
            return _Built(item_id, error=NotFound(f"item {item_id} no longer exists"))
        built = _Built(item_id, title=item.title)
        try:
            _require_sequence(item)
            with scratch_dir(self._settings, KIND) as scratch:
                self._build(job, task, item, built, members=members, scratch=scratch, beat=Beat(heartbeat))
        except CairnError as err:
            built.error = err
        return built

    def _build(
        self, job: Job, task: ClaimedTask, item: Item, built: _Built, *, members: list[Item], scratch: Path, beat: Beat
    ) -> None:
        from cairn.media.processing import sequence_video  # noqa: PLC0415 (FFmpeg and Pillow: loaded when used)

        if not members:
            raise InvalidInput(f"{item.title}: an image sequence without images has no video")
        paths = self._copy_members(members, private_dir(scratch / "in"), built, beat)
        built.url = None  # every image was read: an error now names its image itself (or none)
        params = SequenceVideoParams.from_dict(job.params)
        out = private_dir(scratch / "out") / "video.mp4"
        try:
            sequence_video(
                paths, out, cancel_check(lambda: self._jobs.is_cancelled(job.id), beat), frame_rate=params.fps
            )
        except MediaError as err:
            raise _named(err, members) from err
        beat()
        outcome = inspect_object(open_managed_store(out.parent), out.name, kind=ItemKind.VIDEO, settings=self._settings)
        if outcome.status is ItemStatus.FAILED or outcome.frame_map is None:
            raise MediaError(f"{item.title}: the built video cannot be read back ({outcome.reason})")
        built.outcome = outcome
        destination = self._destination(job, members[0])
        name = _video_name(item) if destination == "bucket" else f"{item.id}_sequence.mp4"  # managed: no user text
        built.placed = self._results.place(
            job_id=job.id, seq=task.seq, original=members[0], destination=destination, name=name, file=out,
            heartbeat=beat,
        )  # fmt: skip

    def _destination(self, job: Job, first: Item) -> Destination:
        """Where this sequence's video goes: as ``start`` chose, or (a job queued by registration or upload) the
        bucket of its first image when the job's actor may write there, else managed storage."""
        if "bucket_integrations" in job.params:
            return Targets.from_dict(job.params).destination(first)
        with self._read() as repos:
            actor = repos.users.get(job.actor_id) if job.actor_id is not None else None
        if actor is None:
            return "managed"
        return self._results.choose(actor=actor, originals=[first], requested=None).destination(first)

    def _copy_members(self, members: list[Item], into: Path, built: _Built, beat: Beat) -> list[Path]:
        """Each member's bytes into ``into`` (named by position), at most ``max_video_bytes`` in all."""
        paths: list[Path] = []
        total = 0
        stores = _Stores(self._settings, self._store_of)
        for index, member in enumerate(members):
            built.url = _url(member)
            try:
                store, key = stores.locate(member)
                size = store.head(key).size
                total += size
                if total > self._settings.max_video_bytes:
                    raise InvalidInput(
                        f"the images so far are {total:,} bytes, over the {self._settings.max_video_bytes:,}-byte "
                        "video limit (CAIRN_MAX_VIDEO_BYTES)"
                    )
                paths.append(into / f"{index:06d}{Path(member.title).suffix[:10]}")
                copy_object(store, key, size, paths[-1], beat)
            except CairnError as err:
                raise _in_image(err, index, built.url) from err
        return paths

    def _store_of(self, integration_id: int) -> tuple[ObjectStore, StoreConfig]:
        """An integration's store (opened: its endpoint resolved and checked) and configuration."""
        with self._read() as repos:
            stored = find_integration(repos, integration_id)
        config = store_config_of(stored, self._integrations.secrets)
        return self._integrations.open(config), config

    def commit(self, repos: Repos, job: Job, task: ClaimedTask, prepared: _Built, result: TaskResult) -> None:
        item = repos.items.get(prepared.item_id)
        if prepared.error is None and item is None:
            prepared.error = NotFound(f"item {prepared.item_id} was deleted while its video was built")
        if prepared.error is not None:  # a video placed before the error is removed by ``closed``
            repos.jobs.add_errors(job.id, [_unit_error(task, prepared, item)])
            result.errors += 1
            return
        assert item is not None and prepared.placed is not None and prepared.outcome is not None
        placed = prepared.placed
        previous = {"previous_key": item.managed_key} if item.managed_key else {}
        if item.object_url:
            previous = {"previous_object_url": item.object_url}
        save_sequence_video(repos, item, outcome=prepared.outcome, **placed.location())
        ResultObjectService.settle(repos, placed)
        repos.journal.record(
            actor=None,
            action="item.sequence_video",
            target_type="item",
            target_id=item.id,
            target_label=item.title,
            folder_id=item.folder_id,
            details={"job_id": job.id, **placed.where(), **previous},
        )
        log.info("job %s: the video of image sequence %s is built", job.id, item.id)
        result.updated += 1


class _Stores:
    """Where a sequence's images are: each integration's store opened once for all its images."""

    def __init__(self, settings: Settings, open_store: Callable[[int], tuple[ObjectStore, StoreConfig]]) -> None:
        self._settings = settings
        self._open_store = open_store
        self._opened: dict[int, tuple[ObjectStore, StoreConfig]] = {}

    def locate(self, member: Item) -> tuple[ObjectStore, str]:
        if member.managed_key is not None:
            return managed_store(self._settings), member.managed_key
        if member.integration_id is None or member.object_url is None:
            raise InvalidInput(f"item {member.id} ({member.title}) has no file")
        if member.integration_id not in self._opened:
            self._opened[member.integration_id] = self._open_store(member.integration_id)
        store, config = self._opened[member.integration_id]
        return store, resolve_object_key(config, member.object_url)


def _new_job(
    sequences: list[Item], folder: Folder, params: SequenceVideoParams, where: dict[str, object]
) -> tuple[NewJob, list[TaskSpec]]:
    what = repr(sequences[0].title) if len(sequences) == 1 else f"{len(sequences)} image sequences"
    new = NewJob(
        kind=KIND,
        title=f"Video of {what}",
        units_total=len(sequences),
        folder_id=folder.id if len({s.folder_id for s in sequences}) == 1 else None,
        params={"fps": str(params.fps), **where},
        ignore_errors=True,
    )
    tasks = [
        TaskSpec(unit_start=n, unit_count=1, payload=json.dumps({"item_id": s.id}).encode())
        for n, s in enumerate(sequences)
    ]
    return new, tasks


def _require_sequence(item: Item) -> None:
    if item.kind is not ItemKind.IMAGE_SEQUENCE:
        raise InvalidInput(
            f"item {item.id} ({item.title}) is a {item.kind.value}: only image sequences have a video built",
            details={"item_id": item.id},
        )


def _first_image(repos: Repos, sequence: Item) -> Item | None:
    members = repos.items.members(sequence.id)
    return members[0] if members else None


def _require_bucket(sequence: Item, first: Item | None) -> None:
    """``destination="bucket"`` for an uploaded sequence (or one without images): refused, naming the sequence."""
    if first is None or first.managed_key is not None or first.integration_id is None:
        raise InvalidInput(
            f"item {sequence.id} ({sequence.title}) was uploaded into cairn and has no bucket: choose destination "
            "managed, or leave it unset (then its video goes to managed storage)",
            details={"field": "destination", "item_id": sequence.id},
        )


def _video_name(sequence: Item) -> str:
    """The video's file name in the bucket: the sequence's title (no path separator, no control character) with
    ``.mp4``; a title that leaves nothing usable gives ``sequence_<id>.mp4``."""
    stem = "".join("_" if ch in "/\\" or ord(ch) < 32 or ord(ch) == 127 else ch for ch in sequence.title).strip()
    if stem.lower().endswith(".mp4"):
        stem = stem[:-4]
    if not stem.strip("."):
        stem = f"sequence_{sequence.id}"
    return f"{stem[:200]}.mp4"


def _url(member: Item) -> str:
    """How a member image is named in an error: its object URL, or for an uploaded one its title."""
    return member.object_url or f"uploaded file {member.title!r}"


def _named(err: MediaError, members: list[Item]) -> CairnError:
    """A decoding error of image i, named by that image's URL rather than the temporary file's name."""
    index = err.details.get("index")
    if not isinstance(index, int) or not 0 <= index < len(members):
        return err
    reason = MediaError(err.message.split(": ", 1)[-1], details=err.details)
    return _in_image(reason, index, _url(members[index]))


def _in_image(err: CairnError, index: int, url: str) -> CairnError:
    """``err`` (its class and code kept) as the error of image ``index`` of the sequence, named by its URL."""
    located = copy.copy(err)
    located.message = f"image {index} of the sequence ({url}) cannot be read: {err.message}"
    located.details = {**err.details, "index": index, "url": url}
    located.args = (located.message,)
    return located


def _unit_error(task: ClaimedTask, built: _Built, item: Item | None) -> UnitError:
    assert built.error is not None
    url = built.error.details.get("url") or built.url
    message = built.error.message
    if url and url not in message:
        message = f"{url}: {message}"
    return UnitError(
        unit=task.unit_start,
        location=f"item {built.item_id}",
        kind=ItemKind.IMAGE_SEQUENCE,
        title=item.title if item is not None else built.title,
        object_urls=(str(url),) if url else (),
        error=message,
        code=built.error.code,
        action_description="build image-sequence video",
    )
