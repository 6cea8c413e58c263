"""Notifications: what a user is told when a job of theirs ends; read/unread, paged newest first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cairn.db.jobs_schema import notifications
from cairn.db.repositories._common import Repository, now, utc
from cairn.domain.jobs import Notification, Outcome

__all__ = ["NotificationRepository"]


def _notification(row: Any) -> Notification:
    return Notification(
        id=row.id,
        user_id=row.user_id,
        job_id=row.job_id,
        folder_id=row.folder_id,
        dataset_id=row.dataset_id,
        outcome=Outcome(row.outcome),
        message=row.message,
        created_at=utc(row.created_at),
        read_at=utc(row.read_at) if row.read_at else None,
    )


_ADD = notifications.insert().returning(notifications.c.id)  # built once: its values are parameters


class NotificationRepository(Repository):
    def add(self, **values: Any) -> int:
        return int(self.conn.execute(_ADD, {"created_at": now(), **values}).scalar_one())

    def page(self, user_id: int, *, before_id: int | None, unread_only: bool, limit: int) -> list[Notification]:
        """A user's notifications, newest first, older than ``before_id``."""
        query = sa.select(notifications).where(notifications.c.user_id == user_id)
        if before_id is not None:
            query = query.where(notifications.c.id < before_id)
        if unread_only:
            query = query.where(notifications.c.read_at.is_(None))
        query = query.order_by(notifications.c.id.desc()).limit(limit)
        return [_notification(r) for r in self.conn.execute(query)]

    def newer(self, user_id: int, *, after_id: int) -> list[Notification]:
        """A user's notifications made after ``after_id``, oldest first (what an event stream has not sent yet)."""
        query = (
            sa.select(notifications)
            .where(notifications.c.user_id == user_id, notifications.c.id > after_id)
            .order_by(notifications.c.id)
        )
        return [_notification(r) for r in self.conn.execute(query)]

    def last_id(self, user_id: int) -> int:
        query = sa.select(sa.func.coalesce(sa.func.max(notifications.c.id), 0)).where(
            notifications.c.user_id == user_id
        )
        return int(self.conn.execute(query).scalar_one())

    def unread(self, user_id: int) -> int:
        query = sa.select(sa.func.count()).where(notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
        return int(self.conn.execute(query).scalar_one())

    def get(self, notification_id: int) -> Notification | None:
        row = self.conn.execute(sa.select(notifications).where(notifications.c.id == notification_id)).first()
        return _notification(row) if row else None

    def mark_read(self, user_id: int, *, notification_id: int | None = None) -> int:
        """Mark one (or every) unread notification of a user read; returns how many changed."""
        where = [notifications.c.user_id == user_id, notifications.c.read_at.is_(None)]
        if notification_id is not None:
            where.append(notifications.c.id == notification_id)
        return int(self.conn.execute(notifications.update().where(*where).values(read_at=now())).rowcount)
