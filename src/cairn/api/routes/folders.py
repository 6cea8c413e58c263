"""Folders: create, get (with path to root), update, move, delete, tree, summary, items."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query, status

from cairn.api.deps import CurrentUser, RegistryDep
from cairn.api.listing import ItemQueryDep
from cairn.api.schemas.common import MAX_ID, IdPath
from cairn.api.schemas.folders import (
    FolderCreate,
    FolderMove,
    FolderNodePublic,
    FolderPublic,
    FoldersPublic,
    FolderSummaryPublic,
    FolderTreePublic,
    FolderUpdate,
    PathElementPublic,
)
from cairn.api.schemas.items import ItemsPublic, items_page_public
from cairn.domain.records import Folder, User
from cairn.services.folders import FolderNode
from cairn.services.registry import Registry

router = APIRouter(prefix="/folders", tags=["folders"])


def _public(registry: Registry, user: User, folder: Folder) -> FolderPublic:
    path = registry.folders.path_to_root(actor=user, folder_id=folder.id)
    role = registry.folders.role(actor=user, folder_id=folder.id)
    return FolderPublic.model_validate(folder).model_copy(
        update={"path_to_root": [PathElementPublic.model_validate(p) for p in path], "user_role": role}
    )


def _node(node: FolderNode) -> FolderNodePublic:
    folder = node.folder
    return FolderNodePublic(
        id=folder.id, name=folder.name, kind=folder.kind, children=[_node(c) for c in node.children]
    )


@router.get("")
def list_folders(
    *,
    user: CurrentUser,
    registry: RegistryDep,
    parent_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="None: the top-level folders you may see.")
    ] = None,
) -> FoldersPublic:
    """Sub-folders of a folder, or the top-level folders the caller may see (shared ones included)."""
    folders = registry.folders.children(actor=user, parent_id=parent_id)
    return FoldersPublic(folders=[FolderPublic.model_validate(f) for f in folders])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_folder(*, body: FolderCreate, user: CurrentUser, registry: RegistryDep) -> FolderPublic:
    """Create a folder; its creator becomes its admin."""
    folder = registry.folders.create(
        actor=user,
        name=body.name,
        parent_id=body.parent_id,
        description=body.description,
        client_metadata=body.client_metadata,
    )
    return _public(registry, user, folder)


@router.get("/tree")
def folder_tree(
    *,
    user: CurrentUser,
    registry: RegistryDep,
    root_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="None: every visible top-level folder.")] = None,
) -> FolderTreePublic:
    """The folder tree (folders only, nested)."""
    return FolderTreePublic(roots=[_node(n) for n in registry.folders.tree(actor=user, root_id=root_id)])


@router.get("/by-path")
def folder_by_path(
    *,
    user: CurrentUser,
    registry: RegistryDep,
    path: Annotated[str, Query(min_length=1, max_length=5000, description="Names joined by '/', e.g. 'Cars/2024'.")],
) -> FolderPublic:
    """The folder at a path of names."""
    return _public(registry, user, registry.folders.resolve(actor=user, path=path))


@router.get("/{folder_id}")
def get_folder(*, folder_id: IdPath, user: CurrentUser, registry: RegistryDep) -> FolderPublic:
    """One folder, with its path to the top level and the caller's role on it."""
    return _public(registry, user, registry.folders.get(actor=user, folder_id=folder_id))


@router.patch("/{folder_id}")
def update_folder(*, folder_id: IdPath, body: FolderUpdate, user: CurrentUser, registry: RegistryDep) -> FolderPublic:
    """Rename a folder, or change its description or client metadata (omitted fields stay)."""
    folder = registry.folders.update(
        actor=user,
        folder_id=folder_id,
        name=body.name,
        description=body.description,
        client_metadata=body.client_metadata,
    )
    return _public(registry, user, folder)


@router.post("/{folder_id}/move")
def move_folder(*, folder_id: IdPath, body: FolderMove, user: CurrentUser, registry: RegistryDep) -> FolderPublic:
    """Move a folder with everything in it under another folder, or to the top level."""
    folder = registry.folders.move(actor=user, folder_id=folder_id, new_parent_id=body.parent_id)
    return _public(registry, user, folder)


@router.delete("/{folder_id}")
def delete_folder(*, folder_id: IdPath, user: CurrentUser, registry: RegistryDep) -> FolderSummaryPublic:
    """Delete a folder, its sub-folders and files (the files leave every dataset). Returns what was deleted."""
    return FolderSummaryPublic.model_validate(registry.folders.delete(actor=user, folder_id=folder_id))


@router.get("/{folder_id}/summary")
def folder_summary(*, folder_id: IdPath, user: CurrentUser, registry: RegistryDep) -> FolderSummaryPublic:
    """Counts per kind and total size of everything in the folder, recursively."""
    return FolderSummaryPublic.model_validate(registry.folders.summary(actor=user, folder_id=folder_id))


@router.get("/{folder_id}/items")
def folder_items(
    *,
    folder_id: IdPath,
    query: ItemQueryDep,
    user: CurrentUser,
    registry: RegistryDep,
    recursive: Annotated[bool, Query(description="Include the files of sub-folders.")] = False,
) -> ItemsPublic:
    """A page of the folder's files, filtered and sorted; follow `next_cursor` for the next page."""
    scoped = dataclasses.replace(query, folder_id=folder_id, recursive=recursive)
    page = registry.items.browse(actor=user, query=scoped)
    return items_page_public(page)
