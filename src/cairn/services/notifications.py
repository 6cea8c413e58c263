"""Notifications (a job of yours ended) and what the event stream sends: job progress and new notifications.

The stream works across processes: workers commit progress to the database, and each stream polls it cheaply
(``EventWatch.poll``: the open jobs the user sees, by their ``revision``, and notifications newer than the last
sent). A user sees events only of jobs they may see (``visible_job``'s rule) and only their own notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cairn.db.database import Database
from cairn.domain.jobs import Job, Notification
from cairn.domain.records import User
from cairn.errors import NotFound
from cairn.services._base import Service
from cairn.services.jobs.engine import seen_by

__all__ = ["Event", "EventWatch", "NotificationPage", "NotificationService"]


@dataclass(frozen=True)
class NotificationPage:
    notifications: list[Notification]
    unread: int
    next_before_id: int | None


@dataclass(frozen=True)
class Event:
    """One thing to tell a stream: a job's new state, or a new notification."""

    kind: Literal["job", "notification"]
    job: Job | None = None
    notification: Notification | None = None


class NotificationService(Service):
    def page(
        self, *, actor: User, before_id: int | None = None, unread_only: bool = False, limit: int = 50
    ) -> NotificationPage:
        """The actor's notifications, newest first (keyset pages: ``before_id`` = the last id seen), and how many
        are unread."""
        limit = min(max(limit, 1), 500)
        with self._read() as repos:
            found = repos.notifications.page(actor.id, before_id=before_id, unread_only=unread_only, limit=limit)
            unread = repos.notifications.unread(actor.id)
        return NotificationPage(found, unread, found[-1].id if len(found) == limit else None)

    def mark_read(self, *, actor: User, notification_id: int) -> Notification:
        """Mark one of the actor's notifications read (someone else's answers as missing)."""
        with self._write() as repos:
            found = repos.notifications.get(notification_id)
            if found is None or found.user_id != actor.id:
                raise NotFound(
                    f"notification {notification_id} not found", details={"notification_id": notification_id}
                )
            repos.notifications.mark_read(actor.id, notification_id=notification_id)
            marked = repos.notifications.get(notification_id)
        assert marked is not None
        return marked

    def mark_all_read(self, *, actor: User) -> int:
        """Mark every unread notification of the actor read; returns how many."""
        with self._write() as repos:
            return repos.notifications.mark_read(actor.id)

    def watch(self, *, actor: User) -> EventWatch:
        """What one event stream of ``actor`` has sent so far; its first poll gives the open jobs as they are."""
        with self._read() as repos:
            return EventWatch(
                self._db, actor, jobs_after=repos.jobs.last_id(), notes_after=repos.notifications.last_id(actor.id)
            )


class EventWatch(Service):
    """One stream's view: the revision of each job it follows and the last notification it sent."""

    def __init__(self, db: Database, actor: User, *, jobs_after: int, notes_after: int) -> None:
        super().__init__(db)
        self._actor = actor
        self._jobs_after = jobs_after
        self._notes_after = notes_after
        self._revisions: dict[int, int] = {}

    def poll(self) -> list[Event] | None:
        """The events since the last poll, in order (a job's after its earlier ones); None when the actor may no
        longer act (deactivated), which ends the stream."""
        with self._read() as repos:
            user = repos.users.get(self._actor.id)
            if user is None or not user.is_active:
                return None
            jobs = repos.jobs.watched(
                seen_by=seen_by(repos, user), after_id=self._jobs_after, ids=list(self._revisions)
            )
            notes = repos.notifications.newer(user.id, after_id=self._notes_after)
        return self._job_events(jobs) + self._note_events(notes)

    def _job_events(self, jobs: list[Job]) -> list[Event]:
        events = []
        for job in jobs:
            self._jobs_after = max(self._jobs_after, job.id)
            if self._revisions.get(job.id) == job.revision:
                continue
            events.append(Event("job", job=job))
            if job.status.is_final:
                self._revisions.pop(job.id, None)  # its last event: no longer followed
            else:
                self._revisions[job.id] = job.revision
        return events

    def _note_events(self, notes: list[Notification]) -> list[Event]:
        if notes:
            self._notes_after = notes[-1].id
        return [Event("notification", notification=n) for n in notes]
