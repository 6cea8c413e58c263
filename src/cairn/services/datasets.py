"""Datasets: collections of items that reference files, never copy them.

A **plain** dataset holds the items added to it. A dataset **synced to a folder** holds exactly the items placed
directly in that folder (not its sub-folders: the members of image groups and DICOM series live in sub-folders and
must not join as loose files); its membership is derived from the folder, so adding, moving and deleting files keep
it true with no extra bookkeeping. A **mirrored** dataset is a synced dataset created together with its own backing
folder; it can be managed from either side. Adding items to a synced dataset moves them into its folder; removing
items from it is refused (move them out of the folder, or delete them).

Who sees a dataset: its owner, organization admins, and whoever may see what it holds: the folder it is synced to,
or (a plain dataset) at least one of its items. Anyone else gets the answer a missing id gets, and its title,
description and folder appear in no list. The items (and the count) a user sees in one are those of folders they
may read. A dataset's owner and organization admins may change or delete it; deleting a dataset never deletes files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cairn.db.repositories import Repos
from cairn.domain import names
from cairn.domain.access import Action, Role
from cairn.domain.listing import ItemQuery
from cairn.domain.records import Dataset, Item, Page, User
from cairn.errors import Conflict, NotFound, PermissionDenied
from cairn.services._base import (
    Service,
    can_see,
    get_folder,
    item_folder,
    refuse_taken_name,
    require,
    target_folder,
    visible_paths,
)
from cairn.services._members import refuse_members_folder
from cairn.services.items import move_items_in


class DatasetService(Service):
    def create(
        self,
        *,
        actor: User,
        title: str,
        description: str = "",
        synced_folder_id: int | None = None,
        mirrored: bool = False,
        mirror_parent_id: int | None = None,
    ) -> Dataset:
        """Create a plain dataset, one synced to an existing folder, or a mirrored one with a new backing folder."""
        clean_title = names.dataset_title(title)
        with self._write() as repos:
            if mirrored:
                synced_folder_id = _backing_folder(repos, actor, clean_title, mirror_parent_id)
            elif synced_folder_id is not None:
                _require_syncable(repos, actor, synced_folder_id)
            dataset = repos.datasets.create(
                title=clean_title,
                description=names.description(description),
                synced_folder_id=synced_folder_id,
                mirrored=mirrored,
                owner_id=actor.id,
            )
            _journal(repos, actor, "dataset.create", dataset, {"synced_folder_id": synced_folder_id})
            return dataset

    def get(self, *, actor: User, dataset_id: int) -> Dataset:
        with self._read() as repos:
            return visible_dataset(repos, actor, dataset_id)

    def all(self, *, actor: User) -> list[Dataset]:
        """The datasets ``actor`` may see, by title."""
        with self._read() as repos:
            if actor.is_org_admin:
                return repos.datasets.all()
            return repos.datasets.visible(user_id=actor.id, paths=repos.access.granted_paths(actor.id))

    def owners(self, *, actor: User) -> dict[int, str]:
        """The email of the owner of each dataset ``actor`` may see, by owner id (whoever may see a dataset may
        see who owns it; no one else's email is given)."""
        ids = sorted({d.owner_id for d in self.all(actor=actor) if d.owner_id is not None})
        with self._read() as repos:
            return repos.users.emails(ids)

    def count_items(self, *, actor: User, dataset_id: int) -> int:
        """How many of the dataset's items ``actor`` may see."""
        with self._read() as repos:
            dataset = visible_dataset(repos, actor, dataset_id)
            return repos.datasets.count_items(dataset, visible_paths=visible_paths(repos, actor))

    def items(self, *, actor: User, dataset_id: int, query: ItemQuery | None = None) -> Page[Item]:
        """A page of the dataset's items that the actor may see."""
        base = query or ItemQuery()
        with self._read() as repos:
            visible_dataset(repos, actor, dataset_id)
            scoped = ItemQuery(**{**base.__dict__, "dataset_id": dataset_id})
            return repos.items.page(scoped, visible_paths=visible_paths(repos, actor))

    def update(
        self, *, actor: User, dataset_id: int, title: str | None = None, description: str | None = None
    ) -> Dataset:
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = names.dataset_title(title)
        if description is not None:
            values["description"] = names.description(description)
        with self._write() as repos:
            dataset = _owned(repos, actor, dataset_id)
            if not values:
                return dataset
            updated = repos.datasets.update(dataset.id, **values)
            _journal(repos, actor, "dataset.update", updated, {"changed": sorted(values)})
            return updated

    def delete(self, *, actor: User, dataset_id: int) -> None:
        """Delete a dataset; its files (and a mirrored dataset's backing folder) stay where they are."""
        with self._write() as repos:
            dataset = _owned(repos, actor, dataset_id)
            repos.datasets.delete(dataset.id)
            _journal(repos, actor, "dataset.delete", dataset, {})

    def add_items(self, *, actor: User, dataset_id: int, item_ids: Sequence[int]) -> int:
        """Add items; an item can be in many datasets. For a synced dataset the items move into its folder."""
        with self._write() as repos:
            dataset = _owned(repos, actor, dataset_id)
            if dataset.synced_folder_id is not None:
                target = target_folder(repos, actor, dataset.synced_folder_id)
                added = len(move_items_in(repos, actor=actor, item_ids=item_ids, target=target))
            else:
                for item_id in dict.fromkeys(item_ids):
                    item_folder(repos, actor, item_id, Action.READ)
                added = repos.datasets.add_items(dataset.id, item_ids, added_by=actor.id)
            _journal(repos, actor, "dataset.add_items", dataset, {"item_ids": list(item_ids)[:1000], "added": added})
            return added

    def remove_items(self, *, actor: User, dataset_id: int, item_ids: Sequence[int]) -> int:
        """Remove items from a plain dataset (the files stay in their folders)."""
        with self._write() as repos:
            dataset = _owned(repos, actor, dataset_id)
            if dataset.synced_folder_id is not None:
                folder = get_folder(repos, dataset.synced_folder_id)
                named = f"folder {folder.name!r}" if can_see(repos, actor, folder) else "a folder"
                raise Conflict(
                    f"dataset {dataset.title!r} is synced to {named}: it holds exactly that folder's "
                    "files; move the files out of the folder or delete them instead"
                )
            removed = repos.datasets.remove_items(dataset.id, item_ids)
            _journal(repos, actor, "dataset.remove_items", dataset, {"item_ids": list(item_ids)[:1000]})
            return removed

    def sync(self, *, actor: User, dataset_id: int, folder_id: int | None) -> Dataset:
        """Sync a dataset to a folder (it then holds exactly that folder's files), or unsync it with None.

        Unsyncing keeps the files the dataset held at that moment as explicit members.
        """
        with self._write() as repos:
            dataset = _owned(repos, actor, dataset_id)
            if folder_id is not None:
                _require_syncable(repos, actor, folder_id)
                repos.datasets.clear_items(dataset.id)
            elif dataset.synced_folder_id is not None:
                held = _all_ids_in_folder(repos, dataset.synced_folder_id)
                repos.datasets.add_items(dataset.id, held, added_by=actor.id)
            updated = repos.datasets.update(dataset.id, synced_folder_id=folder_id, mirrored=False)
            _journal(repos, actor, "dataset.sync", updated, {"folder_id": folder_id})
            return updated


def visible_dataset(repos: Repos, actor: User, dataset_id: int) -> Dataset:
    """The dataset if ``actor`` may see it (module docstring); else the same ``NotFound`` as a missing id."""
    dataset = repos.datasets.get(dataset_id)
    if dataset is None or not _may_see(repos, actor, dataset):
        raise NotFound(f"dataset {dataset_id} not found", details={"dataset_id": dataset_id})
    return dataset


def _may_see(repos: Repos, actor: User, dataset: Dataset) -> bool:
    if actor.is_org_admin or dataset.owner_id == actor.id:
        return True
    paths = repos.access.granted_paths(actor.id)
    return bool(repos.datasets.visible(user_id=actor.id, paths=paths, dataset_id=dataset.id))


def _owned(repos: Repos, actor: User, dataset_id: int) -> Dataset:
    """The dataset, for a change: one must see it, then own it (or be an organization admin)."""
    dataset = visible_dataset(repos, actor, dataset_id)
    if not actor.is_org_admin and dataset.owner_id != actor.id:
        raise PermissionDenied(
            f"{actor.email} may not change dataset {dataset.title!r}: only its owner and organization admins may"
        )
    return dataset


_MEMBERS_ONLY = "it holds that composite's member files only"


def _require_syncable(repos: Repos, actor: User, folder_id: int) -> None:
    """A dataset may be synced to a folder the actor may read, but not to a members folder (its files are a
    composite's members, not files of their own)."""
    folder = get_folder(repos, folder_id)
    require(repos, actor, folder, Action.READ)
    refuse_members_folder(repos, folder, doing="sync a dataset to it", why="its files are parts of that composite")


def _backing_folder(repos: Repos, actor: User, title: str, parent_id: int | None) -> int:
    parent = get_folder(repos, parent_id) if parent_id is not None else None
    if parent is not None:
        require(repos, actor, parent, Action.WRITE)
        refuse_members_folder(repos, parent, doing=f"create the folder of {title!r} in it", why=_MEMBERS_ONLY)
    name = names.folder_name(title.replace("/", "_"))
    refuse_taken_name(repos, actor, name, parent=parent, folder=None)
    folder = repos.folders.create(
        parent=parent,
        name=name,
        description=f"Backing folder of the mirrored dataset {title!r}",
        client_metadata={},
        created_by=actor.id,
    )
    repos.access.put(folder_id=folder.id, user_id=actor.id, role=Role.ADMIN, granted_by=actor.id)
    return folder.id


def _all_ids_in_folder(repos: Repos, folder_id: int) -> list[int]:
    ids: list[int] = []
    query = ItemQuery(folder_id=folder_id, recursive=False, limit=1000)
    while True:
        page = repos.items.page(query, visible_paths=None)
        ids.extend(item.id for item in page.items)
        if page.next_cursor is None:
            return ids
        query = ItemQuery(folder_id=folder_id, recursive=False, limit=1000, cursor=page.next_cursor)


def _journal(repos: Repos, actor: User, action: str, dataset: Dataset, details: dict[str, Any]) -> None:
    repos.journal.record(
        actor=actor,
        action=action,
        target_type="dataset",
        target_id=dataset.id,
        target_label=dataset.title,
        folder_id=dataset.synced_folder_id,
        details=details,
    )
