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
# Built once (asked by every task that places a result), the values given as parameters.
_CLAIMED = ("job_id", "seq", "integration_id", "key", "created_at")


def _claim(*, managed: bool) -> sa.Insert:
    """``INSERT ... SELECT`` the record where no record of that place exists (its values as parameters)."""
    row = sa.select(*(sa.bindparam(name, type_=result_objects.c[name].type) for name in _CLAIMED))
    where = result_objects.c.integration_id
    same_store = where.is_(None) if managed else where == sa.bindparam("integration_id")
    taken = sa.select(result_objects.c.id).where(same_store, result_objects.c.key == sa.bindparam("key"))
    return result_objects.insert().from_select(_CLAIMED, row.where(~sa.exists(taken))).returning(result_objects.c.id)


_CLAIM_MANAGED = _claim(managed=True)
_CLAIM_IN_BUCKET = _claim(managed=False)
_SETTLE = sa.delete(result_objects).where(result_objects.c.id == sa.bindparam("object_id"))
_OF_TASK = (
    sa.select(*_COLUMNS)
    .where(result_objects.c.job_id == sa.bindparam("job_id"), result_objects.c.seq == sa.bindparam("seq"))
    .order_by(result_objects.c.id)
)


class ResultObjectRepository(Repository):
    def claim(self, *, job_id: int, seq: int, integration_id: int | None, key: str) -> PendingObject | None:
        """Record the object a task is about to write; None when another task has recorded the same place. One
        statement: the row is inserted only where no record of that place exists."""
        values = {"job_id": job_id, "seq": seq, "integration_id": integration_id, "key": key, "created_at": now()}
        statement = _CLAIM_MANAGED if integration_id is None else _CLAIM_IN_BUCKET
        new_id = self.conn.execute(statement, values).scalar_one_or_none()
        return None if new_id is None else PendingObject(int(new_id), job_id, seq, integration_id, key)

    def settle(self, object_id: int) -> bool:
        """Forget a recorded object (its item is committed in this transaction); False if it was not recorded."""
        return bool(self.conn.execute(_SETTLE, {"object_id": object_id}).rowcount)

    def of_task(self, job_id: int, seq: int) -> list[PendingObject]:
        return [PendingObject(*row) for row in self.conn.execute(_OF_TASK, {"job_id": job_id, "seq": seq})]

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
