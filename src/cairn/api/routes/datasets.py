"""Datasets: create (plain, synced, mirrored), get, update, delete, sync, items (list, add, remove)."""

from __future__ import annotations

from fastapi import APIRouter, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.listing import ItemQueryDep
from cairn.api.schemas.common import CountPublic, IdPath, ItemIdsBody
from cairn.api.schemas.datasets import DatasetCreate, DatasetPublic, DatasetsPublic, DatasetSync, DatasetUpdate
from cairn.api.schemas.items import ItemsPublic, items_page_public

router = APIRouter(prefix="/datasets", tags=["datasets"])


@router.get("")
def list_datasets(*, user: CurrentUser, registry: RegistryDep) -> DatasetsPublic:
    """Every dataset (the files a user sees in one are those of folders they may read)."""
    return DatasetsPublic(datasets=[DatasetPublic.model_validate(d) for d in registry.datasets.all(actor=user)])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_dataset(*, body: DatasetCreate, user: CurrentUser, registry: RegistryDep) -> DatasetPublic:
    """Create a plain dataset, one synced to a folder, or a mirrored one (with a new backing folder)."""
    dataset = registry.datasets.create(
        actor=user,
        title=body.title,
        description=body.description,
        synced_folder_id=body.synced_folder_id,
        mirrored=body.mirrored,
        mirror_parent_id=body.mirror_parent_id,
    )
    return DatasetPublic.model_validate(dataset)


@router.get("/{dataset_id}")
def get_dataset(*, dataset_id: IdPath, user: CurrentUser, registry: RegistryDep) -> DatasetPublic:
    return DatasetPublic.model_validate(registry.datasets.get(actor=user, dataset_id=dataset_id))


@router.patch("/{dataset_id}")
def update_dataset(
    *, dataset_id: IdPath, body: DatasetUpdate, user: CurrentUser, registry: RegistryDep
) -> DatasetPublic:
    """Change a dataset's title or description (its owner or an organization admin)."""
    dataset = registry.datasets.update(
        actor=user, dataset_id=dataset_id, title=body.title, description=body.description
    )
    return DatasetPublic.model_validate(dataset)


@router.delete("/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_dataset(*, dataset_id: IdPath, user: CurrentUser, registry: RegistryDep) -> None:
    """Delete a dataset; its files stay where they are."""
    registry.datasets.delete(actor=user, dataset_id=dataset_id)


@router.post("/{dataset_id}/sync")
def sync_dataset(*, dataset_id: IdPath, body: DatasetSync, user: CurrentUser, registry: RegistryDep) -> DatasetPublic:
    """Sync a dataset to a folder, or unsync it (its files then stay explicit members)."""
    return DatasetPublic.model_validate(
        registry.datasets.sync(actor=user, dataset_id=dataset_id, folder_id=body.folder_id)
    )


@router.get("/{dataset_id}/items")
def dataset_items(*, dataset_id: IdPath, query: ItemQueryDep, user: CurrentUser, registry: RegistryDep) -> ItemsPublic:
    """A page of the dataset's files that the caller may see."""
    page = registry.datasets.items(actor=user, dataset_id=dataset_id, query=query)
    return items_page_public(page)


@router.post("/{dataset_id}/items")
def add_items(*, dataset_id: IdPath, body: ItemIdsBody, user: CurrentUser, registry: RegistryDep) -> CountPublic:
    """Add files (for a synced dataset they move into its folder). Returns how many were added."""
    return CountPublic(count=registry.datasets.add_items(actor=user, dataset_id=dataset_id, item_ids=body.item_ids))


@router.post("/{dataset_id}/items/remove")
def remove_items(*, dataset_id: IdPath, body: ItemIdsBody, user: CurrentUser, registry: RegistryDep) -> CountPublic:
    """Remove files from a plain dataset (the files stay in their folders)."""
    removed = registry.datasets.remove_items(actor=user, dataset_id=dataset_id, item_ids=body.item_ids)
    return CountPublic(count=removed)
