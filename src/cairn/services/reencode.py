"""Re-encode and resize as jobs: one unit per video, the result a new item linked to its original, with a remap.

::

    plan(...)     the recipe for one video (auto, full or resize) with the reason for each step, before it runs
    start(...)    a ``reencode`` job over items, a folder's subtree or a dataset: one task per video
    prepare(...)  (the job engine, outside any transaction) remove what an earlier attempt of the task uploaded, copy
                  the original into a private temporary directory over range reads, inspect that copy, run FFmpeg by
                  the recipe (killed when the job is cancelled; started by the stored inspection's recipe while the
                  copy is inspected, kept only if the copy's recipe is the same), inspect the result, compute the
                  frame remap from both frame maps, then place the result (``ResultObjectService.place``): recorded,
                  then uploaded next to the original in its bucket (``<stem>_normalized.mp4``, a free name) or moved
                  into managed storage
    commit(...)   (the engine, in the task's transaction, under its lease) the new item: the title with
                  ``_normalized`` (resize: ``_<height>p``) appended, the same folder, the client metadata copied,
                  every plain dataset that holds the original, its inspection, the re-encode record (mode, steps,
                  remap) that links the two; the placed object's record is settled in the same transaction
    closed(...)   (after that transaction) remove what the task placed and never committed (a cancel, an error)

Where results go is decided by ``start``, before the job runs (``ResultObjectService.choose``): into the
original's bucket when its integration can write there (the write check), else into managed storage; the user may
ask for either (``destination``), and a bucket that cannot be written is then refused up front with the permission
missing. The job's params say what was chosen (``destination``, ``bucket_integrations``, ``results_in``).

The item appears only in ``commit``. A result placed whose commit never happens (a kill -9, a lost lease, a cancel)
is recorded: the task's next attempt, its closed hook or the housekeeping sweep removes it. A video whose auto
recipe has no step is a unit ``skipped`` ("nothing to fix"); a video FFmpeg cannot process is a unit error with
FFmpeg's reason, and the job goes on (re-encode jobs ignore unit errors). Temporary files are removed whatever
happens (a kill -9 leaves a scratch directory the sweep removes once its process is gone).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from cairn.db.repositories import Repos
from cairn.domain import names
from cairn.domain.access import Action
from cairn.domain.frame_remap import frame_remap, translate
from cairn.domain.jobs import Job, TaskResult, UnitError
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.media import VideoReport
from cairn.domain.records import Folder, Item, User
from cairn.domain.reencode import Recipe, auto_recipe, full_recipe, resize_recipe
from cairn.errors import CairnError, InvalidInput, MediaError, NotFound
from cairn.services._base import can_see, item_folder, require, visible_folder, visible_item, writable_items
from cairn.services._processing import (
    Beat,
    Beside,
    MediaJobService,
    Prepared,
    ScratchSpace,
    cancel_check,
    copy_object,
)
from cairn.services.datasets import visible_dataset
from cairn.services.inspection import (
    Inspected,
    inspect_object,
    locate_object,
    record_inspection,
    stored_video_report,
)
from cairn.services.integrations import find_integration
from cairn.services.items import NewItem, item_row
from cairn.services.jobs.handler import ClaimedTask, NewJob, TaskSpec
from cairn.services.result_objects import Destination, Placed, ResultObjectService, Targets
from cairn.storage import ObjectStore, open_managed_store

__all__ = ["MODES", "ReencodeParams", "ReencodeService", "Remap", "parse_fps"]

log = logging.getLogger("cairn.reencode")

KIND = "reencode"
MODES = ("auto", "full", "resize")
MAX_ITEMS = 10_000
MAX_MADE_LISTED = 100
"""How many (original, result) pairs a job's summary lists under ``made`` (the count is ``items_created``)."""


@dataclass(frozen=True)
class ReencodeParams:
    """How to re-encode: ``mode`` auto, full or resize (``height``, optionally ``fps``)."""

    mode: str = "auto"
    height: int | None = None
    fps: Fraction | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InvalidInput(f"mode: must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.mode == "resize" and self.height is None:
            raise InvalidInput("height: a resize needs a target height")
        if self.mode != "resize" and (self.height is not None or self.fps is not None):
            raise InvalidInput(f"height and fps are options of a resize, not of mode {self.mode!r}")

    def recipe(self, report: VideoReport) -> Recipe:
        if self.mode == "auto":
            return auto_recipe(report)
        if self.mode == "full":
            return full_recipe(report)
        assert self.height is not None
        return resize_recipe(report, height=self.height, frame_rate=self.fps)

    def suffix(self) -> str:
        return f"_{self.height}p" if self.mode == "resize" else "_normalized"

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "height": self.height, "fps": str(self.fps) if self.fps is not None else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReencodeParams:
        return cls(mode=data["mode"], height=data.get("height"), fps=parse_fps(data.get("fps")))


def parse_fps(text: str | None) -> Fraction | None:
    """A frame rate as given (``30``, ``29.97``, ``30000/1001``); None stays None."""
    if text is None:
        return None
    try:
        return Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise InvalidInput(f"fps: {text!r} is not a frame rate (write e.g. 30, 29.97 or 30000/1001)") from exc


@dataclass(frozen=True)
class Remap:
    """A re-encoded item's frame remap: ``new_of[i]`` is the frame showing original frame i (None: dropped)."""

    item_id: int
    original_item_id: int | None  # None: deleted, or not visible to the reader
    mode: str
    steps: list[dict[str, str]]
    new_of: list[int | None]


@dataclass
class _Made(Prepared):
    """What preparing one unit gave: a result to commit, a skip, or an error (with its reason)."""

    skipped: str | None = None
    steps: list[dict[str, str]] = field(default_factory=list)
    remap: list[int | None] = field(default_factory=list)


class ReencodeService(MediaJobService):
    kind = KIND

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scratch = ScratchSpace(self._settings, KIND)
        self._beside = Beside("cairn-reencode")

    def close(self) -> None:
        """Remove this process's scratch directory and let its threads end (the registry closes)."""
        self._scratch.close()
        self._beside.close()

    # --- before a job ---------------------------------------------------------------------------------------
    def plan(self, *, actor: User, item_id: int, params: ReencodeParams) -> Recipe:
        """The recipe ``params`` give for a video, read from its inspection over range reads (nothing runs)."""
        with self._read() as repos:
            item, _ = item_folder(repos, actor, item_id, Action.READ)
        _require_video(item)
        store, key = self._locate(item)
        outcome = inspect_object(store, key, kind=ItemKind.VIDEO, settings=self._settings)
        return params.recipe(_video_report(item, outcome))

    def start(
        self,
        *,
        actor: User,
        params: ReencodeParams,
        item_ids: Sequence[int] = (),
        folder_id: int | None = None,
        dataset_id: int | None = None,
        destination: Destination | None = None,
    ) -> Job:
        """A re-encode job over the videos of a selection, a folder (and its sub-folders) or a dataset; the actor
        must be an editor of every folder they are in. What the actor cannot see is missing. ``destination``: where
        the results go (None: the bucket when it can be written, else managed storage), checked now."""
        if sum(bool(x) for x in (list(item_ids), folder_id is not None, dataset_id is not None)) != 1:
            raise InvalidInput("give exactly one of item_ids, folder_id and dataset_id")
        with self._read() as repos:
            videos, scope = _scope_videos(repos, actor, list(item_ids), folder_id, dataset_id)
        if not videos:
            raise InvalidInput("there is no video to re-encode in the selection")
        if len(videos) > MAX_ITEMS:
            raise InvalidInput(f"at most {MAX_ITEMS:,} videos per re-encode job, got {len(videos):,}")
        targets = self._results.choose(actor=actor, originals=videos, requested=destination)
        title = f"Re-encode ({params.mode}) of {_what(videos, scope)}"
        where = {**targets.to_dict(), "results_in": targets.summary(videos)}
        new = NewJob(
            kind=KIND,
            title=title,
            units_total=len(videos),
            folder_id=scope.id if isinstance(scope, Folder) else None,
            dataset_id=dataset_id,
            params={**params.to_dict(), **where},
            ignore_errors=True,
        )
        tasks = [TaskSpec(i, 1, json.dumps({"item_id": v.id}).encode()) for i, v in enumerate(videos)]
        details = {**params.to_dict(), **where, "items": len(videos)}
        return self._jobs.start(actor=actor, new=new, tasks=tasks, details=details)

    # --- reading results ------------------------------------------------------------------------------------
    def remap(self, *, actor: User, item_id: int, frames: Sequence[int] | None = None) -> Remap:
        """The frame remap of a re-encoded item (``frames``: only these original frames, in their order)."""
        with self._read() as repos:
            visible_item(repos, actor, item_id)
            stored = repos.inspections.reencode_of(item_id)
            if stored is None:
                raise NotFound(f"item {item_id} was not made by a re-encode: it has no frame remap")
            original = _seen_id(repos, actor, stored.original_item_id)
        new_of = stored.remap if frames is None else translate(stored.remap, frames)
        return Remap(item_id, original, stored.mode, stored.steps, new_of)

    def links(self, *, actor: User, item_id: int) -> tuple[int | None, list[int]]:
        """The item a re-encoded item was made from, and the items re-encoded from this one (those visible)."""
        with self._read() as repos:
            visible_item(repos, actor, item_id)
            made = repos.inspections.reencode_of(item_id)
            original = _seen_id(repos, actor, made.original_item_id if made else None)
            results = [_seen_id(repos, actor, r.result_item_id) for r in repos.inspections.reencodes_from(item_id)]
        return original, [r for r in results if r is not None]

    # --- the job handler ------------------------------------------------------------------------------------
    def describe(self, job: Job) -> str:
        return job.title

    def closed(self, job: Job, task: ClaimedTask) -> None:
        """Remove a result the task placed and did not commit (the job was cancelled, or the unit failed)."""
        self._results.release(job_id=job.id, seq=task.seq)

    def prepare(self, job: Job, task: ClaimedTask, *, heartbeat: Callable[[], None]) -> _Made:
        if task.attempts > 1:  # what an attempt killed before its commit placed (the first has no predecessor)
            self._results.release(job_id=job.id, seq=task.seq)
        item_id = int(json.loads(task.payload)["item_id"])
        with self._read() as repos:  # the item and its stored report in one read
            item = repos.items.get(item_id)
            stored = stored_video_report(repos, item) if item is not None and item.kind is ItemKind.VIDEO else None
        if item is None:
            return _Made(item_id, error=NotFound(f"item {item_id} no longer exists"))
        made = _Made(item_id, title=item.title)
        with self._scratch.task() as (scratch, prefix):
            try:
                self._run(
                    job, task, item, stored or (None, None), made=made, scratch=scratch, prefix=prefix,
                    beat=Beat(heartbeat),
                )  # fmt: skip
            except CairnError as err:
                made.error = err
        return made

    def _run(
        self,
        job: Job,
        task: ClaimedTask,
        item: Item,
        stored: tuple[VideoReport | None, str | None],
        *,
        made: _Made,
        scratch: Path,
        prefix: str,
        beat: Beat,
    ) -> None:
        """Copy the original, re-encode it, inspect and place the result (``stored``: the item's stored report and
        the ETag it was made from, read with the item; ``prefix``: of this task's files in ``scratch``).

        A result for managed storage has its key (fresh, no other writer) recorded while FFmpeg runs, by a thread
        beside it, named by the stored report's recipe; a recipe of another container (the file was replaced since)
        records it again. A record whose result never comes (FFmpeg failed, nothing to fix) is removed with the
        task's leftovers (``closed``). A bucket name is chosen after FFmpeg, right before the upload: the window in
        which a writer outside cairn could take the name found free stays as short as it was."""
        _require_video(item)
        params = ReencodeParams.from_dict(job.params)
        source = scratch / f"{prefix}original{Path(item.title).suffix or '.mp4'}"
        etag = self._copy_original(item, source, beat)
        cancelled = cancel_check(lambda: self._jobs.is_cancelled(job.id), beat)
        destination = Targets.from_dict(job.params).destination(item)
        guess = _needed(params, stored[0]) if destination == "managed" else None

        def reserve(recipe: Recipe) -> Placed:
            return self._reserve(job, task, item=item, params=params, destination=destination, recipe=recipe)

        reserving: list[Future[Placed]] = []

        def started() -> None:  # FFmpeg runs: the record is written beside it (once, by the first run)
            if guess is not None and not reserving:
                reserving.append(self._beside.submit(reserve, guess))

        try:
            original, recipe, result = self._apply(
                item, params, source, scratch, cancelled, stored=stored, etag=etag, started=started
            )
        finally:  # the record is written (or failed) before the task goes on: its release must find it
            futures.wait(reserving)
        placed = reserving[0].result() if reserving else None
        if result is None:
            made.skipped = "nothing to fix"
            return
        beat()
        if placed is None or not placed.key.endswith(f".{recipe.container}"):
            placed = reserve(recipe)
        made.placed = placed
        outcome, report = self._store_inspected(item, placed, result, scratch, beat)
        made.steps = recipe.describe()
        made.remap = list(frame_remap(original.frame_map, report.frame_map).new_of)
        made.outcome = outcome
        bucket_name = placed.name if destination == "bucket" else None
        made.title = bucket_name or _result_title(item.title, params.suffix(), recipe.container)

    def _store_inspected(
        self, item: Item, placed: Placed, result: Path, scratch: Path, beat: Beat
    ) -> tuple[Inspected, VideoReport]:
        """Store the result where ``placed`` says, and inspect it: an upload reads it while it is inspected beside
        it; a move into managed storage comes after the inspection, which reads it where it is."""
        if placed.destination == "managed":
            inspected = self._inspect_local(item, result, scratch)
            self._results.store(placed, result)
            return inspected
        inspecting = self._beside.submit(self._inspect_local, item, result, scratch)
        try:
            self._results.store(placed, result, heartbeat=beat)
        finally:
            futures.wait([inspecting])
        return inspecting.result()

    def _reserve(
        self,
        job: Job,
        task: ClaimedTask,
        *,
        item: Item,
        params: ReencodeParams,
        destination: Destination,
        recipe: Recipe,
    ) -> Placed:
        """Record where the result of ``recipe`` goes: next to the original as ``<stem>_normalized.<container>``
        (a free name), or in managed storage under a key without user text."""
        if destination == "managed":
            name = f"{item.id}{params.suffix()}.{recipe.container}"
        else:
            name = _result_title(item.title, params.suffix(), recipe.container)
        return self._results.reserve(job_id=job.id, seq=task.seq, original=item, destination=destination, name=name)

    def _apply(
        self,
        item: Item,
        params: ReencodeParams,
        source: Path,
        scratch: Path,
        cancelled: Callable[[], bool],
        *,
        stored: tuple[VideoReport | None, str | None],
        etag: str | None,
        started: Callable[[], None],
    ) -> tuple[VideoReport, Recipe, Path | None]:
        """The original's report, the recipe it gives, and FFmpeg's result by that recipe (None: nothing to fix).

        The report is the item's *stored* inspection when the object copied has the ETag that inspection recorded
        (the same before and after the copy: the bytes FFmpeg reads are the bytes inspected). Otherwise the copy is
        inspected, and FFmpeg starts at once by the stored inspection's recipe beside it (a thread next to FFmpeg's
        process); that result is kept only when the copy's recipe is the same, else FFmpeg runs again by the copy's.
        Either way the recipe and the remap come from the bytes FFmpeg read (a file replaced since its inspection
        costs a second run, never a wrong remap). ``started`` is called as each FFmpeg run begins.
        """
        from cairn.media.processing import reencode  # noqa: PLC0415 (FFmpeg and PyAV: loaded when first used)

        report, stored_etag = stored
        if report is not None and etag is not None and stored_etag == etag:
            log.debug("item %s: the stored report is used (the object's ETag %s is the one inspected)", item.id, etag)
            recipe = params.recipe(report)
            result = reencode(source, recipe, scratch, cancelled, on_start=started) if recipe.needed else None
            return report, recipe, result
        guess = _needed(params, report)
        if guess is None:
            original = self._inspect_copy(item, source, scratch)
            recipe = params.recipe(original)
            result = reencode(source, recipe, scratch, cancelled, on_start=started) if recipe.needed else None
            return original, recipe, result
        failure: MediaError | None = None
        early: Path | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="cairn-inspect") as pool:
            inspecting = pool.submit(self._inspect_copy, item, source, scratch)
            try:
                early = reencode(source, guess, scratch, cancelled, on_start=started)
            except MediaError as err:
                failure = err
            original = inspecting.result()
        recipe = params.recipe(original)
        if not recipe.needed:
            return original, recipe, None
        if recipe != guess:
            log.info("item %s was replaced since its inspection: re-encoding by the recipe of its bytes now", item.id)
            if early is not None:
                early.unlink()  # the next run's result takes its name
            return original, recipe, reencode(source, recipe, scratch, cancelled, on_start=started)
        if failure is not None:
            raise failure
        return original, recipe, early

    def _inspect_copy(self, item: Item, source: Path, scratch: Path) -> VideoReport:
        return self._inspect_local(item, source, scratch)[1]

    def _inspect_local(self, item: Item, path: Path, scratch: Path) -> tuple[Inspected, VideoReport]:
        """Inspect a file of the scratch directory (the original's copy, a result): the outcome and its report."""
        key = path.relative_to(scratch).as_posix()
        outcome = inspect_object(open_managed_store(scratch), key, kind=ItemKind.VIDEO, settings=self._settings)
        return outcome, _video_report(item, outcome)

    def _copy_original(self, item: Item, target: Path, beat: Beat) -> str | None:
        """The original's bytes into ``target`` by range reads, bounded by ``max_video_bytes``; the object's ETag
        when it was the same before and after the copy (None: unknown, or it changed meanwhile)."""
        store, key = self._locate(item)
        before = store.head(key)
        size = before.size
        if size > self._settings.max_video_bytes:
            raise InvalidInput(
                f"{item.title}: {size:,} bytes is over the {self._settings.max_video_bytes:,}-byte video limit "
                "(CAIRN_MAX_VIDEO_BYTES)"
            )
        copy_object(store, key, size, target, beat)
        if not before.etag:
            return None
        after = store.head(key)
        return before.etag if (after.etag, after.size) == (before.etag, size) else None

    def commit(self, repos: Repos, job: Job, task: ClaimedTask, prepared: _Made, result: TaskResult) -> None:
        original = repos.items.get(prepared.item_id)
        if prepared.error is None and prepared.skipped is None and original is None:
            prepared.error = NotFound(f"item {prepared.item_id} was deleted while it was re-encoded")
        if prepared.error is not None:  # a result placed before the error is removed by ``closed``
            repos.jobs.add_errors(job.id, [_unit_error(task, prepared, original)])
            result.errors += 1
            return
        if prepared.skipped is not None:
            _journal_skip(repos, job, original, prepared.skipped)
            result.skipped += 1
            return
        assert original is not None and prepared.outcome is not None and prepared.placed is not None
        new_id = _add_result(repos, job, original, prepared)
        _list_made(repos, job, original.id, new_id)
        ResultObjectService.settle(repos, prepared.placed)
        log.info("job %s: item %s re-encoded as item %s", job.id, original.id, new_id)
        result.created += 1

    def _locate(self, item: Item) -> tuple[ObjectStore, str]:
        stored = None
        if item.integration_id is not None:  # an upload's bytes are in managed storage: nothing to read
            with self._read() as repos:
                stored = find_integration(repos, item.integration_id)
        return locate_object(item, stored, settings=self._settings, integrations=self._integrations)


def _add_result(repos: Repos, job: Job, original: Item, made: _Made) -> int:
    """The new item, its inspection, its datasets and its link to the original (the caller's transaction)."""
    assert made.outcome is not None and made.placed is not None
    placed = made.placed
    new = NewItem(
        kind=ItemKind.VIDEO,
        title=made.title,
        **placed.location(),
        media=made.outcome.media,
        client_metadata=original.client_metadata,
        status=made.outcome.status,
        status_reason=made.outcome.reason,
    )
    (new_id,) = repos.items.insert_many([item_row(new, folder_id=original.folder_id, owner_id=job.actor_id)])
    record_inspection(repos, new_id, made.outcome, new_item=True)  # the row carries its media fields and status
    params = ReencodeParams.from_dict(job.params)
    repos.inspections.save_reencode(
        result_item_id=new_id, original_item_id=original.id, mode=params.mode, steps=made.steps, remap=made.remap
    )
    repos.datasets.link_as_plain(original.id, new_id, added_by=job.actor_id)  # a synced one holds it already
    repos.journal.record(
        actor=None,
        action="item.reencode",
        target_type="item",
        target_id=new_id,
        target_label=made.title,
        folder_id=original.folder_id,
        details={"job_id": job.id, "original_item_id": original.id, "mode": params.mode, **placed.where()},
    )
    return new_id


def _list_made(repos: Repos, job: Job, original_id: int, new_id: int) -> None:
    """The job's summary lists what it made (``made``: the first ``MAX_MADE_LISTED`` originals and their results),
    so that its notification can link to the new item. ``job`` is the row the engine read under its lock for this
    commit (tasks commit concurrently)."""
    made = list(job.summary.get("made", []))
    if len(made) < MAX_MADE_LISTED:
        made.append({"original_item_id": original_id, "item_id": new_id})
        repos.jobs.update_job(job.id, summary={**job.summary, "made": made})


def _journal_skip(repos: Repos, job: Job, item: Item | None, reason: str) -> None:
    """Why a unit was skipped ("nothing to fix"), where the item's history is read (``cairn journal``)."""
    if item is None:
        return
    repos.journal.record(
        actor=None,
        action="item.reencode_skip",
        target_type="item",
        target_id=item.id,
        target_label=item.title,
        folder_id=item.folder_id,
        details={"job_id": job.id, "reason": reason},
    )


def _unit_error(task: ClaimedTask, made: _Made, item: Item | None) -> UnitError:
    assert made.error is not None
    return UnitError(
        unit=task.unit_start,
        location=f"item {made.item_id}",
        kind=ItemKind.VIDEO,
        title=item.title if item is not None else made.title,
        object_urls=(item.object_url,) if item is not None and item.object_url else (),
        error=made.error.message,
        code=made.error.code,
        action_description="re-encode",
    )


def _scope_videos(
    repos: Repos, actor: User, item_ids: list[int], folder_id: int | None, dataset_id: int | None
) -> tuple[list[Item], Folder | str]:
    """The videos to re-encode, after checking the actor may write where each is; and what the job is about."""
    if item_ids:
        found = writable_items(repos, actor, item_ids)
        for item, _ in found:
            _require_video(item)
        folders = {folder.id: folder for _, folder in found}
        scope: Folder | str = next(iter(folders.values())) if len(folders) == 1 else f"{len(found)} items"
        return [item for item, _ in found], scope
    if folder_id is not None:
        folder = visible_folder(repos, actor, folder_id)
        require(repos, actor, folder, Action.WRITE)
        videos = [i for i in repos.items.get_many(repos.items.ids_under(folder.path)) if i.kind is ItemKind.VIDEO]
        return _writable(repos, actor, videos), folder
    assert dataset_id is not None
    dataset = visible_dataset(repos, actor, dataset_id)
    held = [i for i in repos.items.get_many(repos.datasets.item_ids(dataset.id)) if i.kind is ItemKind.VIDEO]
    return _writable(repos, actor, held), f"dataset {dataset.title!r}"


def _writable(repos: Repos, actor: User, videos: list[Item]) -> list[Item]:
    """The videos the actor may see, once they may write in each of their folders."""
    folders = repos.folders.get_many(sorted({v.folder_id for v in videos}))
    seen = {fid for fid, folder in folders.items() if can_see(repos, actor, folder)}
    for fid in sorted(seen):
        require(repos, actor, folders[fid], Action.WRITE)
    return [v for v in videos if v.folder_id in seen]


def _seen_id(repos: Repos, actor: User, item_id: int | None) -> int | None:
    """``item_id`` if the actor may see that item, else None (a hidden item is not named)."""
    if item_id is None:
        return None
    try:
        visible_item(repos, actor, item_id)
    except NotFound:
        return None
    return item_id


def _require_video(item: Item) -> None:
    if item.kind is not ItemKind.VIDEO:
        raise InvalidInput(f"item {item.id} ({item.title}) is a {item.kind.value}: only videos are re-encoded")


def _video_report(item: Item, outcome: Inspected) -> VideoReport:
    """The video report of an inspection, or the reason it failed (a MediaError-like refusal)."""
    report = outcome.raw.report if outcome.raw is not None else None
    if outcome.status is ItemStatus.FAILED or not isinstance(report, VideoReport):
        raise MediaError(f"{item.title}: {outcome.reason or 'not a readable video'}")
    return report


def _needed(params: ReencodeParams, stored: VideoReport | None) -> Recipe | None:
    """The recipe a stored report gives, when it has a step (None: no report, nothing to do, or refused)."""
    try:
        recipe = params.recipe(stored) if stored is not None else None
    except CairnError:
        return None
    return recipe if recipe is not None and recipe.needed else None


def _result_title(title: str, suffix: str, container: str) -> str:
    stem = title.rsplit(".", 1)[0] if "." in title else title
    return names.item_title(f"{stem}{suffix}.{container}")


def _what(videos: list[Item], scope: Folder | str) -> str:
    if len(videos) == 1:
        return repr(videos[0].title)
    return f"folder {scope.name!r}" if isinstance(scope, Folder) else str(scope)
