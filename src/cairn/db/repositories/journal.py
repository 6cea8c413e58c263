"""The journal: who did what, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.repositories._common import Repository, now, utc
from cairn.db.schema import journal
from cairn.domain.records import Folder, JournalEntry, User

# Built once, the values given as parameters: SQLAlchemy builds and caches a statement's compiled form by its shape,
# and building ``insert().values(...)`` again on every call cost about 0.3 ms (a re-encode task journals twice).
_RECORD = journal.insert()


def _entry(row: Any) -> JournalEntry:
    return JournalEntry(
        id=row.id,
        at=utc(row.at),
        actor_id=row.actor_id,
        actor_email=row.actor_email,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        target_label=row.target_label,
        folder_id=row.folder_id,
        details=row.details or {},
    )


class JournalRepository(Repository):
    def record(
        self,
        *,
        actor: User | None,
        action: str,
        target_type: str,
        target_id: int | None,
        target_label: str = "",
        folder_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        values = {
            "at": now(),
            "actor_id": actor.id if actor else None,
            "actor_email": actor.email if actor else None,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "target_label": target_label,
            "folder_id": folder_id,
            "details": details or {},
        }
        self.conn.execute(_RECORD, values)

    def record_folder(self, *, actor: User, action: str, folder: Folder, details: dict[str, Any]) -> None:
        """A change to ``folder`` itself, journaled in that folder."""
        self.record(
            actor=actor,
            action=action,
            target_type="folder",
            target_id=folder.id,
            target_label=folder.name,
            folder_id=folder.id,
            details=details,
        )

    def entries(
        self,
        *,
        target_type: str | None = None,
        target_id: int | None = None,
        actor_id: int | None = None,
        action: str | None = None,
        folder_ids: list[int] | None = None,
        since: datetime | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[JournalEntry]:
        query = sa.select(journal).order_by(journal.c.id.desc()).limit(limit)
        conditions = {
            journal.c.target_type: target_type,
            journal.c.target_id: target_id,
            journal.c.actor_id: actor_id,
            journal.c.action: action,
        }
        for column, value in conditions.items():
            if value is not None:
                query = query.where(column == value)
        if folder_ids is not None:
            query = query.where(journal.c.folder_id.in_(folder_ids))
        if since is not None:
            query = query.where(journal.c.at >= since)
        if before_id is not None:
            query = query.where(journal.c.id < before_id)
        return [_entry(r) for r in self.conn.execute(query)]
