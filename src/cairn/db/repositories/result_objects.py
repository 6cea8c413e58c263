"""Result objects a task is about to upload: recorded before the upload, deleted when the item that references the
object is committed; what remains of a finished task is an orphan to remove (see ``cairn.services.result_objects``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from cairn.db.jobs_schema import job_tasks, jobs, result_objects
from cairn.db.repositories._common import Repository, now
from cairn.domain.jobs import TaskStatus

__all__ = ["PendingObject", "ResultObjectRepository"]


@dataclass(frozen=True)
class PendingObject:
    """An object recorded by task ``seq`` of job ``job_id``: in integration ``integration_id``'s store, or in managed
    storage when that is None."""

    id: int
    job_id: int
    seq: int
    integration_id: int | None
    key: str


_COLUMNS = (result_objects.c.id, result_objects.c.job_id, result_objects.c.seq, result_objects.c.integration_id,
            result_objects.c.key)  # fmt: skip


class ResultObjectRepository(Repository):
    def claim(self, *, job_id: int, seq: int, integration_id: int | None, key: str) -> PendingObject | None:
        """Record the object a task is about to write; None when another task has recorded the same place. One
        statement: the row is inserted only where no record of that place exists."""
        taken = sa.select(result_objects.c.id).where(
            result_objects.c.integration_id.is_(None)
            if integration_id is None
            else result_objects.c.integration_id == integration_id,
            result_objects.c.key == key,
        )
        values = {"job_id": job_id, "seq": seq, "integration_id": integration_id, "key": key, "created_at": now()}
        row = sa.select(*(sa.literal(value, result_objects.c[name].type) for name, value in values.items()))
        statement = (
            sa.insert(result_objects)
            .from_select(list(values), row.where(~sa.exists(taken)))
            .returning(result_objects.c.id)
        )
        new_id = self.conn.execute(statement).scalar_one_or_none()
        return None if new_id is None else PendingObject(int(new_id), job_id, seq, integration_id, key)

    def settle(self, object_id: int) -> bool:
        """Forget a recorded object (its item is committed in this transaction); False if it was not recorded."""
        return bool(self.conn.execute(sa.delete(result_objects).where(result_objects.c.id == object_id)).rowcount)

    def of_task(self, job_id: int, seq: int) -> list[PendingObject]:
        query = sa.select(*_COLUMNS).where(result_objects.c.job_id == job_id, result_objects.c.seq == seq)
        return [PendingObject(*row) for row in self.conn.execute(query.order_by(result_objects.c.id))]

    def abandoned(self, *, limit: int = 500) -> list[PendingObject]:
        """Objects whose task will never commit them: the task is finished (done, cancelled) or gone with its job."""
        task = sa.and_(job_tasks.c.job_id == result_objects.c.job_id, job_tasks.c.seq == result_objects.c.seq)
        finished = (TaskStatus.DONE.value, TaskStatus.CANCELLED.value)
        query = (
            sa.select(*_COLUMNS)
            .select_from(
                result_objects.outerjoin(job_tasks, task).outerjoin(jobs, jobs.c.id == result_objects.c.job_id)
            )
            .where(sa.or_(job_tasks.c.status.is_(None), jobs.c.id.is_(None), job_tasks.c.status.in_(finished)))
            .order_by(result_objects.c.id)
            .limit(limit)
        )
        return [PendingObject(*row) for row in self.conn.execute(query)]

    def forget(self, ids: Sequence[int]) -> list[int]:
        """Delete these records; returns the ids that were still there (whoever deletes a record removes its object)."""
        if not ids:
            return []
        query = sa.delete(result_objects).where(result_objects.c.id.in_(list(ids))).returning(result_objects.c.id)
        return [row[0] for row in self.conn.execute(query)]
