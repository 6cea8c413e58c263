"""Items: get, update, move, delete, children of composites, the composites using an item, "linked to"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.schemas.common import CountPublic, IdPath
from cairn.api.schemas.datasets import DatasetPublic, DatasetsPublic
from cairn.api.schemas.items import ItemPublic, ItemsDelete, ItemsMove, ItemsPublic, ItemUpdate, item_public

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/{item_id}")
def get_item(*, item_id: IdPath, user: CurrentUser, registry: RegistryDep) -> ItemPublic:
    """One item: what it is, where its bytes are, and what inspection found."""
    return item_public(registry.items.get(actor=user, item_id=item_id))


@router.patch("/{item_id}")
def update_item(*, item_id: IdPath, body: ItemUpdate, user: CurrentUser, registry: RegistryDep) -> ItemPublic:
    """Change an item's title or client metadata (omitted fields stay)."""
    item = registry.items.update(actor=user, item_id=item_id, title=body.title, client_metadata=body.client_metadata)
    return item_public(item)


@router.delete("/{item_id}")
def delete_item(
    *,
    item_id: IdPath,
    user: CurrentUser,
    registry: RegistryDep,
    remove_unused_members: Annotated[bool, Query(description="Also delete a composite's unused members.")] = True,
) -> CountPublic:
    """Delete one item: it leaves every dataset. A member of a composite cannot be deleted while that exists."""
    deleted = registry.items.delete(actor=user, item_ids=[item_id], remove_unused_members=remove_unused_members)
    return CountPublic(count=deleted)


@router.post("/move")
def move_items(*, body: ItemsMove, user: CurrentUser, registry: RegistryDep) -> ItemsPublic:
    """Move items into a folder. Leaving a synced folder removes them from its synced dataset."""
    moved = registry.items.move(actor=user, item_ids=body.item_ids, target_folder_id=body.folder_id)
    return ItemsPublic(items=[item_public(i) for i in moved])


@router.post("/delete")
def delete_items(*, body: ItemsDelete, user: CurrentUser, registry: RegistryDep) -> CountPublic:
    """Delete items (all or nothing). They leave every dataset."""
    deleted = registry.items.delete(
        actor=user, item_ids=body.item_ids, remove_unused_members=body.remove_unused_members
    )
    return CountPublic(count=deleted)


@router.get("/{item_id}/children")
def item_children(*, item_id: IdPath, user: CurrentUser, registry: RegistryDep) -> ItemsPublic:
    """The ordered members of an image group, image sequence or DICOM series."""
    return ItemsPublic(items=[item_public(i) for i in registry.items.members(actor=user, item_id=item_id)])


@router.get("/{item_id}/used-by")
def item_used_by(*, item_id: IdPath, user: CurrentUser, registry: RegistryDep) -> ItemsPublic:
    """The composites that use this item as a member."""
    return ItemsPublic(items=[item_public(i) for i in registry.items.used_by(actor=user, item_id=item_id)])


@router.get("/{item_id}/datasets")
def item_datasets(*, item_id: IdPath, user: CurrentUser, registry: RegistryDep) -> DatasetsPublic:
    """The datasets this item is linked to (explicitly, or through a dataset synced to its folder)."""
    datasets = registry.items.linked_to(actor=user, item_id=item_id)
    return DatasetsPublic(datasets=[DatasetPublic.model_validate(d) for d in datasets])
