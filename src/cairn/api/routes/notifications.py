"""Notifications (a job of yours ended): a keyset-paged list with the unread count, and marking them read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.schemas.common import MAX_ID, CountPublic, IdPath
from cairn.api.schemas.jobs import NotificationPublic, NotificationsPublic
from cairn.domain.jobs import Notification

router = APIRouter(prefix="/notifications", tags=["notifications"])


def notification_public(found: Notification) -> NotificationPublic:
    return NotificationPublic(
        id=found.id,
        job_id=found.job_id,
        folder_id=found.folder_id,
        dataset_id=found.dataset_id,
        outcome=found.outcome,
        message=found.message,
        is_read=found.is_read,
        created_at=found.created_at,
        read_at=found.read_at,
    )


@router.get("")
def list_notifications(
    *,
    user: CurrentUser,
    registry: RegistryDep,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="next_before_id of the last page.")] = None,
    unread_only: Annotated[bool, Query(description="Only unread ones.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> NotificationsPublic:
    """Your notifications, newest first, with how many are unread."""
    page = registry.notifications.page(actor=user, before_id=before_id, unread_only=unread_only, limit=limit)
    return NotificationsPublic(
        notifications=[notification_public(n) for n in page.notifications],
        unread=page.unread,
        next_before_id=page.next_before_id,
    )


@router.post("/read")
def mark_all_read(*, user: CurrentUser, registry: RegistryDep) -> CountPublic:
    """Mark all your notifications read; `count` says how many were unread."""
    return CountPublic(count=registry.notifications.mark_all_read(actor=user))


@router.post("/{notification_id}/read")
def mark_read(*, notification_id: IdPath, user: CurrentUser, registry: RegistryDep) -> NotificationPublic:
    """Mark one of your notifications read."""
    return notification_public(registry.notifications.mark_read(actor=user, notification_id=notification_id))
