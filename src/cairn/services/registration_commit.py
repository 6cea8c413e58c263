"""Committing a prepared registration task: its items and unit errors, in the engine's one transaction per task.

Duplicates are the unique index's business (``folder_id, url_key, copy_no``):

* ``skip_duplicate_urls``: rows go in as copy 0 with ``ON CONFLICT DO NOTHING``; what the index refused is skipped
  (and with ``upsert_metadata`` the existing item's client metadata is replaced);
* otherwise a refused row is retried as the next free copy (still index-guarded: a concurrent writer that takes
  the same number makes the row come back refused, and it is retried again).

Composites (image groups, sequences, DICOM series) go through ``add_composite_in`` (members in a sub-folder) in a
savepoint each (``Repos.savepoint``), so a refused composite leaves nothing behind; whether its key was taken is
asked of the folder, not read from the database's error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from cairn.db.repositories import Repos
from cairn.db.repositories._common import now
from cairn.domain.duplicate_keys import composite_key, url_key
from cairn.domain.jobs import Job, JobStatus, TaskResult
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, Item, User
from cairn.errors import AlreadyExists, Conflict
from cairn.services.inspection import record_inspection, save_composite_inspection
from cairn.services.items import add_composite_in
from cairn.services.jobs.handler import ClaimedTask, Deferred
from cairn.services.registration_rows import COLUMNS, COPY, KEY, METADATA, item_values, with_task
from cairn.services.registration_units import Prepared, PreparedUnit

MAX_COPY_ROUNDS = 20


def commit_units(repos: Repos, job: Job, task: ClaimedTask, prepared: Prepared, result: TaskResult) -> list[int]:
    """Write a registration task's items and unit errors (the engine adds the counts and closes the task); returns
    the ids of the image sequences it created (their videos are built once the registration is over)."""
    folder = repos.folders.get(job.folder_id) if job.folder_id is not None else None
    if folder is None:  # the folder went (its jobs go with it): nothing to write into
        result.cancelled = task.unit_count
        return []
    sequences = _write_items(repos, job, folder, prepared, result, worker=task.owner)
    repos.jobs.add_errors(job.id, prepared.errors)
    result.errors = len(prepared.errors)
    return sequences


def _write_items(
    repos: Repos, job: Job, folder: Folder, prepared: Prepared, result: TaskResult, *, worker: str
) -> list[int]:
    actor = repos.users.get(job.actor_id) if job.actor_id is not None else None
    owner_id = actor.id if actor else None
    singles = [p for p in prepared.ready if not p.unit.kind.is_composite]
    composites = [p for p in prepared.ready if p.unit.kind.is_composite]
    _write_singles(repos, job, folder_id=folder.id, owner_id=owner_id, prepared=prepared, units=singles, result=result)
    sequences: list[int] = []
    for unit in composites:
        made = _write_composite(repos, job, folder=folder, actor=actor, unit=unit, result=result)
        if made is not None and unit.unit.kind is ItemKind.IMAGE_SEQUENCE:
            sequences.append(made)
    repos.journal.record(
        actor=actor,
        action="registration.chunk",
        target_type="job",
        target_id=job.id,
        target_label=job.title,
        folder_id=folder.id,
        details={
            "task": result.seq,
            "created": result.created,
            "skipped": result.skipped,
            "updated": result.updated,
            "errors": len(prepared.errors),
            "worker": worker,
        },
    )
    return sequences


def _write_singles(
    repos: Repos,
    job: Job,
    *,
    folder_id: int,
    owner_id: int | None,
    prepared: Prepared,
    units: Sequence[PreparedUnit],
    result: TaskResult,
) -> None:
    """The task's single files, in manifest order: the rows the scan made, and the items prepared from a HEAD or
    an inspection, as values in ``registration_rows.COLUMNS`` order."""
    numbered = [*prepared.rows, *((p.number, item_values(p.item, owner_id=owner_id)) for p in units)]
    numbered.sort(key=lambda pair: pair[0])
    stamp = now()
    rows = [with_task(values, folder_id=folder_id, owner_id=owner_id, stamp=stamp) for _, values in numbered]
    added = repos.registration.insert_item_values(COLUMNS, rows)
    refused = _refused(rows, Counter(key for key, _ in added))
    if refused:
        _options_needed(job)
    result.created += len(rows) - len(refused)
    if job.params.get("skip_duplicate_urls", False):
        _skip_or_upsert(repos, job, folder_id, refused, result)
    else:
        result.created += _insert_as_copies(repos, folder_id, refused, added=added)
    _record_inspections(repos, units, added)


def _options_needed(job: Job) -> None:
    """A duplicate was met: what happens to it depends on the manifest's options, known only once the scan ended
    (a JSON manifest may give them after its arrays). A task handed out during the scan waits for it."""
    if job.status is JobStatus.VALIDATING:
        raise Deferred(f"job {job.id}: a duplicate waits for the manifest's options")


def _record_inspections(repos: Repos, units: Sequence[PreparedUnit], added: Sequence[tuple[str, int]]) -> None:
    """Store the inspection report (and frame map) of every item this chunk created from an inspected object."""
    by_key = {url_key(p.item.object_url or ""): p.inspections[0] for p in units if p.inspections}
    if not by_key:
        return
    for key, item_id in added:
        outcome = by_key.get(key)
        if outcome is not None:
            record_inspection(repos, item_id, outcome)


def _refused(rows: Sequence[list[Any]], inserted: Counter[str]) -> list[list[Any]]:
    """The rows the index refused (for a key given n times and inserted m times, the last n - m of them)."""
    wanted = Counter(r[KEY] for r in rows)
    left = {key: wanted[key] - inserted.get(key, 0) for key in wanted}
    refused: list[list[Any]] = []
    for row in reversed(rows):
        if left[row[KEY]] > 0:
            left[row[KEY]] -= 1
            refused.append(row)
    refused.reverse()
    return refused


def _skip_or_upsert(repos: Repos, job: Job, folder_id: int, refused: Sequence[list[Any]], result: TaskResult) -> None:
    if not job.params.get("upsert_metadata", False):
        result.skipped += len(refused)
        return
    latest = {row[KEY]: row[METADATA] for row in refused}
    repos.registration.update_client_metadata(folder_id, list(latest.items()))
    result.updated += len(refused)


def _insert_as_copies(repos: Repos, folder_id: int, rows: Sequence[list[Any]], *, added: list[tuple[str, int]]) -> int:
    """Insert refused rows as further copies of their URL; returns how many went in (their keys and ids are
    appended to ``added``)."""
    pending = list(rows)
    created = 0
    for _ in range(MAX_COPY_ROUNDS):
        if not pending:
            return created
        highest = repos.registration.highest_copies(folder_id, sorted({r[KEY] for r in pending}))
        offset: Counter[str] = Counter()
        numbered = []
        for row in pending:
            offset[row[KEY]] += 1
            copy = list(row)
            copy[COPY] = highest.get(row[KEY], 0) + offset[row[KEY]]
            numbered.append(copy)
        copies = repos.registration.insert_item_values(COLUMNS, numbered)
        added.extend(copies)
        pending = _refused(numbered, Counter(key for key, _ in copies))
        created += len(numbered) - len(pending)
    raise Conflict(f"could not find a free copy number for {len(pending)} item(s) after {MAX_COPY_ROUNDS} rounds")


def _write_composite(
    repos: Repos, job: Job, *, folder: Folder, actor: User | None, unit: PreparedUnit, result: TaskResult
) -> int | None:
    """The composite's id when it was created (None: skipped or updated as a duplicate)."""
    assert actor is not None, "a registration job without an actor cannot create composites"
    key = composite_key(list(unit.unit.urls))
    copy_no = 0
    for _ in range(MAX_COPY_ROUNDS):
        outcome = _try_composite(repos, actor, folder, unit, key=key, copy_no=copy_no)
        if isinstance(outcome, int):
            result.created += 1
            return outcome
        if outcome == "taken":
            _options_needed(job)
        if outcome == "taken" and job.params.get("skip_duplicate_urls", False):
            _composite_taken(repos, job, folder_id=folder.id, key=key, unit=unit, result=result)
            return None
        if outcome == "taken":
            copy_no = repos.registration.highest_copies(folder.id, [key]).get(key, 0) + 1
    raise Conflict(f"could not register {unit.unit.title!r} after {MAX_COPY_ROUNDS} attempts")


def _try_composite(
    repos: Repos, actor: User, folder: Folder, unit: PreparedUnit, *, key: str, copy_no: int
) -> int | str:
    """The new composite's id, 'taken' (the unique index refused the composite: that copy of its key is in the
    folder), or 'retry' (something else was taken at the same moment, e.g. its members folder's name)."""
    try:
        with repos.savepoint():
            composite = add_composite_in(
                repos, actor=actor, folder=folder, new=unit.item, members=unit.members, key=key, copy_no=copy_no
            )
            _record_composite_inspections(repos, composite, unit)
    except AlreadyExists:
        highest = repos.registration.highest_copies(folder.id, [key]).get(key)
        return "taken" if highest is not None and highest >= copy_no else "retry"
    return composite.id


def _record_composite_inspections(repos: Repos, composite: Item, unit: PreparedUnit) -> None:
    """Each member's report; then the composite's own status (and, for a DICOM series, its slice order)."""
    if not any(outcome.inspected for outcome in unit.inspections):
        return
    members = repos.items.members(composite.id)
    pairs = [(member.id, outcome) for member, outcome in zip(members, unit.inspections, strict=True)]
    for member_id, outcome in pairs:
        record_inspection(repos, member_id, outcome)
    save_composite_inspection(repos, composite, pairs)


def _composite_taken(
    repos: Repos, job: Job, *, folder_id: int, key: str, unit: PreparedUnit, result: TaskResult
) -> None:
    if job.params.get("upsert_metadata", False) and repos.registration.update_client_metadata(
        folder_id, [(key, dict(unit.item.client_metadata))]
    ):
        result.updated += 1
    else:
        result.skipped += 1
