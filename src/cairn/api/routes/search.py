"""Global search and the journal."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.listing import SearchQueryDep
from cairn.api.schemas.common import MAX_ID, IdQuery
from cairn.api.schemas.items import ItemsPublic, items_page_public
from cairn.api.schemas.journal import JournalEntryPublic, JournalPublic

router = APIRouter(tags=["search"])


@router.get("/search")
def search(
    *,
    query: SearchQueryDep,
    user: CurrentUser,
    registry: RegistryDep,
    folder_id: Annotated[IdQuery, Query(description="Only this folder's subtree.")] = None,
) -> ItemsPublic:
    """Search every file the caller may see, whatever folder it is in; newest first unless ``sort`` says."""
    page = registry.items.search(actor=user, query=dataclasses.replace(query, folder_id=folder_id))
    return items_page_public(page)


@router.get("/journal", tags=["journal"])
def journal(
    *,
    user: CurrentUser,
    registry: RegistryDep,
    folder_id: Annotated[IdQuery, Query(description="Only what happened in this folder's subtree.")] = None,
    target_type: Annotated[
        str | None, Query(max_length=30, description="folder, item, dataset, user, token...")
    ] = None,
    target_id: Annotated[IdQuery, Query()] = None,
    action: Annotated[str | None, Query(max_length=50, description="e.g. item.delete, access.grant")] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="next_before_id of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JournalPublic:
    """Who did what, newest first (organization admins see everything; others, the folders they may read)."""
    entries = registry.journal.entries(
        actor=user,
        folder_id=folder_id,
        target_type=target_type,
        target_id=target_id,
        action=action,
        before_id=before_id,
        limit=limit,
    )
    next_before = entries[-1].id if len(entries) == limit else None
    return JournalPublic(entries=[JournalEntryPublic.model_validate(e) for e in entries], next_before_id=next_before)
