"""Registration jobs, their chunks and unit errors; and the bulk, index-guarded inserts of registered items.

Duplicates are prevented by the unique index ``ix_items_folder_url (folder_id, url_key, copy_no)``: rows are
inserted with ``ON CONFLICT DO NOTHING`` (both dialects) and what the index refused is reported back, never
checked beforehand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.jobs_schema import registration_chunks, registration_errors, registration_jobs
from cairn.db.repositories._bulk import insert_items
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.repositories.folders import subtree_condition
from cairn.db.repositories.items import to_item
from cairn.db.schema import folders, item_members, items
from cairn.domain.jobs import ChunkStatus, Job, JobStatus, UnitError
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Item

_OPEN_CHUNKS = (ChunkStatus.PENDING.value, ChunkStatus.RUNNING.value)
COUNT_COLUMNS = (
    "units_pending",
    "units_done",
    "units_error",
    "units_cancelled",
    "units_skipped",
    "units_updated",
    "items_created",
)


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        folder_id=row.folder_id,
        integration_id=row.integration_id,
        actor_id=row.actor_id,
        source=row.source,
        format=row.format,
        status=JobStatus(row.status),
        ignore_errors=row.ignore_errors,
        skip_duplicate_urls=row.skip_duplicate_urls,
        upsert_metadata=row.upsert_metadata,
        units_total=row.units_total,
        units_pending=row.units_pending,
        units_done=row.units_done,
        units_error=row.units_error,
        units_cancelled=row.units_cancelled,
        units_skipped=row.units_skipped,
        units_updated=row.units_updated,
        items_created=row.items_created,
        chunks_total=row.chunks_total,
        error=row.error,
        created_at=utc(row.created_at),
        started_at=utc(row.started_at) if row.started_at else None,
        finished_at=utc(row.finished_at) if row.finished_at else None,
        counts_by_kind=dict(row.counts_by_kind or {}),
    )


def _unit_error(row: Any) -> UnitError:
    return UnitError(
        unit=row.unit,
        location=row.location,
        kind=ItemKind(row.kind),
        title=row.title,
        object_urls=tuple(row.object_urls),
        error=row.error,
        code=row.code,
        action_description=row.action_description,
    )


@dataclass(frozen=True)
class ChunkRef:
    """A chunk that needs a worker: its job and number, and the lease it holds (if any)."""

    job_id: int
    seq: int
    status: str
    lease_owner: str | None
    lease_expired: bool
    job_status: str


class RegistrationRepository(Repository):
    # --- jobs ---------------------------------------------------------------------------------------------
    def create_job(self, **values: Any) -> int:
        statement = registration_jobs.insert().values(created_at=now(), **values).returning(registration_jobs.c.id)
        return int(self.conn.execute(statement).scalar_one())

    def get_job(self, job_id: int, *, for_update: bool = False) -> Job | None:
        query = sa.select(registration_jobs).where(registration_jobs.c.id == job_id)
        if for_update and not self.is_sqlite:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return _job(row) if row else None

    def jobs(
        self,
        *,
        seen_by: tuple[int, list[str]] | None = None,
        statuses: Sequence[str] = (),
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[Job]:
        """Newest first. ``seen_by=(user_id, paths)`` keeps the user's own jobs and those of folders in the subtrees
        at ``paths`` (None: every job)."""
        query = sa.select(registration_jobs).order_by(registration_jobs.c.id.desc()).limit(limit)
        if seen_by is not None:
            user_id, paths = seen_by
            in_sight = sa.or_(sa.false(), *(subtree_condition(folders.c.path, p) for p in paths))
            query = query.where(
                sa.or_(
                    registration_jobs.c.actor_id == user_id,
                    registration_jobs.c.folder_id.in_(sa.select(folders.c.id).where(in_sight)),
                )
            )
        if statuses:
            query = query.where(registration_jobs.c.status.in_(list(statuses)))
        if before_id is not None:
            query = query.where(registration_jobs.c.id < before_id)
        return [_job(r) for r in self.conn.execute(query)]

    def update_job(self, job_id: int, **values: Any) -> None:
        self.conn.execute(registration_jobs.update().where(registration_jobs.c.id == job_id).values(**values))

    def add_counts(self, job_id: int, deltas: dict[str, int]) -> None:
        """Add to the job's counters; ``units_finished`` leaves ``units_pending``. Locks the job row until commit."""
        finished = deltas.get("units_finished", 0)
        values: dict[str, Any] = {
            name: registration_jobs.c[name] + delta
            for name, delta in deltas.items()
            if delta and name != "units_finished"
        }
        values["units_pending"] = registration_jobs.c.units_pending - finished
        self.conn.execute(registration_jobs.update().where(registration_jobs.c.id == job_id).values(**values))

    def mark_started(self, job_id: int) -> None:
        self.conn.execute(
            registration_jobs.update()
            .where(registration_jobs.c.id == job_id, registration_jobs.c.status == JobStatus.PENDING.value)
            .values(status=JobStatus.RUNNING.value, started_at=now())
        )

    # --- chunks -------------------------------------------------------------------------------------------
    def add_chunk(self, *, job_id: int, seq: int, unit_start: int, unit_count: int, payload: bytes) -> None:
        self.conn.execute(
            registration_chunks.insert().values(
                job_id=job_id,
                seq=seq,
                status=ChunkStatus.PENDING.value,
                unit_start=unit_start,
                unit_count=unit_count,
                payload=payload,
            )
        )

    def claim_chunk(self, *, job_id: int, seq: int, owner: str, lease_until: datetime) -> bytes | None:
        """Lease a pending chunk (or one whose lease expired) to ``owner``; its payload, or None if not claimable."""
        stamp = now()
        claimable = sa.or_(
            registration_chunks.c.status == ChunkStatus.PENDING.value,
            sa.and_(
                registration_chunks.c.status == ChunkStatus.RUNNING.value,
                registration_chunks.c.lease_expires_at < stamp,
            ),
        )
        result = self.conn.execute(
            registration_chunks.update()
            .where(registration_chunks.c.job_id == job_id, registration_chunks.c.seq == seq, claimable)
            .values(
                status=ChunkStatus.RUNNING.value,
                lease_owner=owner,
                lease_expires_at=lease_until,
                attempts=registration_chunks.c.attempts + 1,
            )
        )
        if result.rowcount != 1:
            return None
        payload = self.conn.execute(
            sa.select(registration_chunks.c.payload).where(
                registration_chunks.c.job_id == job_id, registration_chunks.c.seq == seq
            )
        ).scalar_one()
        return bytes(payload)

    def chunk_unit_start(self, job_id: int, seq: int) -> int:
        query = sa.select(registration_chunks.c.unit_start).where(
            registration_chunks.c.job_id == job_id, registration_chunks.c.seq == seq
        )
        return int(self.conn.execute(query).scalar_one())

    def chunk_unit_count(self, job_id: int, seq: int) -> int:
        query = sa.select(registration_chunks.c.unit_count).where(
            registration_chunks.c.job_id == job_id, registration_chunks.c.seq == seq
        )
        return int(self.conn.execute(query).scalar_one())

    def renew_lease(self, *, job_id: int, seq: int, owner: str, lease_until: datetime) -> bool:
        result = self.conn.execute(
            registration_chunks.update().where(*self._leased(job_id, seq, owner)).values(lease_expires_at=lease_until)
        )
        return result.rowcount == 1

    def finish_chunk(self, *, job_id: int, seq: int, owner: str, status: ChunkStatus) -> bool:
        """Close a chunk this owner still holds (its units are no longer needed: the payload is dropped); False
        when the lease was lost (another worker took it over)."""
        result = self.conn.execute(
            registration_chunks.update()
            .where(*self._leased(job_id, seq, owner))
            .values(status=status.value, lease_owner=None, lease_expires_at=None, finished_at=now(), payload=b"")
        )
        return result.rowcount == 1

    def _leased(self, job_id: int, seq: int, owner: str) -> tuple[sa.ColumnElement[bool], ...]:
        return (
            registration_chunks.c.job_id == job_id,
            registration_chunks.c.seq == seq,
            registration_chunks.c.status == ChunkStatus.RUNNING.value,
            registration_chunks.c.lease_owner == owner,
        )

    def cancel_pending_chunks(self, job_id: int) -> int:
        """Cancel the chunks nobody has started; returns how many units they held."""
        pending = sa.and_(
            registration_chunks.c.job_id == job_id, registration_chunks.c.status == ChunkStatus.PENDING.value
        )
        units = self.conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(registration_chunks.c.unit_count), 0)).where(pending)
        ).scalar_one()
        self.conn.execute(
            registration_chunks.update()
            .where(pending)
            .values(status=ChunkStatus.CANCELLED.value, finished_at=now(), payload=b"")
        )
        return int(units)

    def cancel_chunk(self, job_id: int, seq: int) -> int:
        """Cancel one open chunk (its worker is gone); returns its unit count, 0 if it was not open."""
        where = (
            registration_chunks.c.job_id == job_id,
            registration_chunks.c.seq == seq,
            registration_chunks.c.status.in_(_OPEN_CHUNKS),
        )
        count = self.conn.execute(sa.select(registration_chunks.c.unit_count).where(*where)).scalar_one_or_none()
        if count is None:
            return 0
        self.conn.execute(
            registration_chunks.update()
            .where(*where)
            .values(status=ChunkStatus.CANCELLED.value, lease_owner=None, finished_at=now(), payload=b"")
        )
        return int(count)

    def open_chunks(self, job_id: int) -> int:
        query = sa.select(sa.func.count()).where(
            registration_chunks.c.job_id == job_id, registration_chunks.c.status.in_(_OPEN_CHUNKS)
        )
        return int(self.conn.execute(query).scalar_one())

    def chunks_needing_work(self, *, expired_before: datetime, limit: int = 10_000) -> list[ChunkRef]:
        """Open chunks that may need a worker: pending ones never enqueued, and every leased one (with whether its
        lease expired; the caller decides which owners are dead)."""
        query = (
            sa.select(
                registration_chunks.c.job_id,
                registration_chunks.c.seq,
                registration_chunks.c.status,
                registration_chunks.c.lease_owner,
                registration_jobs.c.status.label("job_status"),
                registration_chunks.c.enqueued_at,
                registration_chunks.c.lease_expires_at,
            )
            .join(registration_jobs, registration_jobs.c.id == registration_chunks.c.job_id)
            .where(registration_chunks.c.status.in_(_OPEN_CHUNKS))
            .order_by(registration_chunks.c.job_id, registration_chunks.c.seq)
            .limit(limit)
        )
        refs = []
        for row in self.conn.execute(query):
            never_enqueued = row.status == ChunkStatus.PENDING.value and row.enqueued_at is None
            expired = row.lease_expires_at is not None and utc(row.lease_expires_at) < expired_before
            if never_enqueued or row.status == ChunkStatus.RUNNING.value:
                refs.append(ChunkRef(row.job_id, row.seq, row.status, row.lease_owner, expired, row.job_status))
        return refs

    def release_chunk(self, *, job_id: int, seq: int, owner: str | None) -> bool:
        """Put a running chunk back to pending (its worker died); guarded by the owner it had."""
        result = self.conn.execute(
            registration_chunks.update()
            .where(
                registration_chunks.c.job_id == job_id,
                registration_chunks.c.seq == seq,
                registration_chunks.c.status == ChunkStatus.RUNNING.value,
                registration_chunks.c.lease_owner == owner,
            )
            .values(status=ChunkStatus.PENDING.value, lease_owner=None, lease_expires_at=None)
        )
        return result.rowcount == 1

    def mark_enqueued(self, job_id: int, seqs: Sequence[int]) -> None:
        for start in range(0, len(seqs), 500):
            self.conn.execute(
                registration_chunks.update()
                .where(registration_chunks.c.job_id == job_id, registration_chunks.c.seq.in_(seqs[start : start + 500]))
                .values(enqueued_at=now())
            )

    def chunk_seqs(self, job_id: int, *, status: ChunkStatus) -> list[int]:
        query = (
            sa.select(registration_chunks.c.seq)
            .where(registration_chunks.c.job_id == job_id, registration_chunks.c.status == status.value)
            .order_by(registration_chunks.c.seq)
        )
        return [int(s) for s in self.conn.execute(query).scalars()]

    # --- unit errors --------------------------------------------------------------------------------------
    def add_errors(self, job_id: int, errors: Sequence[UnitError]) -> None:
        if not errors:
            return
        rows = [{"job_id": job_id, **e.to_dict()} for e in errors]
        self.conn.execute(registration_errors.insert(), rows)

    def errors(self, job_id: int, *, after_unit: int = -1, limit: int = 100) -> list[UnitError]:
        query = (
            sa.select(registration_errors)
            .where(registration_errors.c.job_id == job_id, registration_errors.c.unit > after_unit)
            .order_by(registration_errors.c.unit)
            .limit(limit)
        )
        return [_unit_error(r) for r in self.conn.execute(query)]

    # --- items --------------------------------------------------------------------------------------------
    def insert_items_new(self, rows: Sequence[dict[str, Any]]) -> list[tuple[str, int]]:
        """Insert item rows; the unique index silently refuses the (folder, URL key, copy) pairs that exist.

        Returns (url_key, id) of the rows inserted, in input order. Every row has the same keys and a URL key.
        """
        return [(key or "", item_id) for key, item_id in insert_items(self.conn, rows, skip_conflicts=True)]

    def highest_copies(self, folder_id: int, keys: Sequence[str]) -> dict[str, int]:
        """The highest copy number taken for each URL key in the folder."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            query = (
                sa.select(items.c.url_key, sa.func.max(items.c.copy_no))
                .where(items.c.folder_id == folder_id, items.c.url_key.in_(keys[start : start + 500]))
                .group_by(items.c.url_key)
            )
            found.update({key: int(top) for key, top in self.conn.execute(query)})
        return found

    def update_client_metadata(self, folder_id: int, updates: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """Set the client metadata of the first copy of each URL key; returns how many items changed."""
        if not updates:
            return 0
        statement = (
            items.update()
            .where(
                items.c.folder_id == folder_id,
                items.c.url_key == sa.bindparam("key"),
                items.c.copy_no == 0,
            )
            .values(client_metadata=sa.bindparam("metadata"), edited_at=sa.bindparam("stamp"))
        )
        stamp = now()
        params = [{"key": key, "metadata": metadata, "stamp": stamp} for key, metadata in updates]
        return int(self.conn.execute(statement, params).rowcount)

    # --- export -------------------------------------------------------------------------------------------
    def folder_items(self, folder_id: int, *, kinds: Sequence[str], after_id: int, limit: int) -> list[Item]:
        """A page of a folder's items of some kinds, by id (for streaming exports)."""
        query = (
            sa.select(items)
            .where(items.c.folder_id == folder_id, items.c.kind.in_(list(kinds)), items.c.id > after_id)
            .order_by(items.c.id)
            .limit(limit)
        )
        return [to_item(r) for r in self.conn.execute(query)]

    def member_urls(self, composite_ids: Sequence[int]) -> dict[int, list[str]]:
        """The ordered member object URLs of each composite."""
        found: dict[int, list[str]] = {i: [] for i in composite_ids}
        if not composite_ids:
            return found
        query = (
            sa.select(item_members.c.composite_id, items.c.object_url)
            .join(items, items.c.id == item_members.c.member_id)
            .where(item_members.c.composite_id.in_(list(composite_ids)))
            .order_by(item_members.c.composite_id, item_members.c.position)
        )
        for composite_id, url in self.conn.execute(query):
            found[composite_id].append(url or "")
        return found


__all__ = ["COUNT_COLUMNS", "ChunkRef", "RegistrationRepository"]
