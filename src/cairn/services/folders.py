"""Folders: create, rename, describe, move, delete, browse, summarize."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cairn.db.repositories import Repos
from cairn.domain import names
from cairn.domain.access import Action, Role
from cairn.domain.records import Folder, FolderSummary, PathElement, User
from cairn.errors import Conflict, InvalidInput, NotFound
from cairn.services._base import Service, get_folder, require, visible_paths

_UNSET: Any = object()


@dataclass(frozen=True)
class FolderNode:
    """A folder with its sub-folders, for tree views."""

    folder: Folder
    children: list[FolderNode] = field(default_factory=list)


class FolderService(Service):
    def create(
        self,
        *,
        actor: User,
        name: str,
        parent_id: int | None = None,
        description: str = "",
        client_metadata: dict[str, Any] | None = None,
    ) -> Folder:
        """Create a folder (at the top level when ``parent_id`` is None); its creator becomes its admin."""
        clean_name = names.folder_name(name)
        metadata = names.client_metadata(client_metadata)
        with self._write() as repos:
            parent = get_folder(repos, parent_id) if parent_id is not None else None
            if parent is not None:
                require(repos, actor, parent, Action.WRITE)
            folder = repos.folders.create(
                parent=parent, name=clean_name, description=description, client_metadata=metadata, created_by=actor.id
            )
            repos.access.put(folder_id=folder.id, user_id=actor.id, role=Role.ADMIN, granted_by=actor.id)
            _journal(repos, actor, "folder.create", folder, {"parent_id": parent_id})
            return folder

    def get(self, *, actor: User, folder_id: int) -> Folder:
        with self._read() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.READ)
            return folder

    def role(self, *, actor: User, folder_id: int) -> Role:
        """The actor's effective role on a folder (raises PermissionDenied if none)."""
        with self._read() as repos:
            return require(repos, actor, get_folder(repos, folder_id), Action.READ)

    def path_to_root(self, *, actor: User, folder_id: int) -> list[PathElement]:
        """The folders from the top level down to ``folder_id``, inclusive."""
        with self._read() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.READ)
            found = repos.folders.get_many(folder.ancestor_ids)
            return [PathElement(id=i, name=found[i].name) for i in folder.ancestor_ids if i in found]

    def resolve(self, *, actor: User, path: str) -> Folder:
        """The folder at a slash-separated path of names, such as ``"Cars/2024/front"``."""
        parts = names.split_path(path)
        if not parts:
            raise InvalidInput("folder path must name at least one folder (the top level holds folders only)")
        with self._read() as repos:
            folder: Folder | None = None
            for depth, part in enumerate(parts):
                folder = repos.folders.child_named(folder.id if folder else None, part)
                if folder is None:
                    raise NotFound(f"folder {'/'.join(parts[: depth + 1])!r} not found", details={"path": path})
            assert folder is not None
            require(repos, actor, folder, Action.READ)
            return folder

    def children(self, *, actor: User, parent_id: int | None = None) -> list[Folder]:
        """Sub-folders of ``parent_id``; at the top level, the folders the actor may see (shared ones included)."""
        with self._read() as repos:
            if parent_id is not None:
                require(repos, actor, get_folder(repos, parent_id), Action.READ)
                return repos.folders.children(parent_id)
            paths = visible_paths(repos, actor)
            if paths is None:
                return repos.folders.children(None)
            roots = repos.folders.get_many([int(p.strip("/").split("/")[-1]) for p in paths])
            return sorted(roots.values(), key=lambda f: (f.name, f.id))

    def tree(self, *, actor: User, root_id: int | None = None) -> list[FolderNode]:
        """The folder tree under ``root_id`` (or every visible top-level folder), nested."""
        tops = [self.get(actor=actor, folder_id=root_id)] if root_id else self.children(actor=actor)
        with self._read() as repos:
            return [_nest(root, repos.folders.subtree(root)) for root in tops]

    def update(
        self,
        *,
        actor: User,
        folder_id: int,
        name: str | None = None,
        description: str | None = None,
        client_metadata: dict[str, Any] | None = None,
    ) -> Folder:
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = names.folder_name(name)
        if description is not None:
            values["description"] = description
        if client_metadata is not None:
            values["client_metadata"] = names.client_metadata(client_metadata)
        with self._write() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.WRITE)
            if not values:
                return folder
            updated = repos.folders.update(folder, **values)
            _journal(repos, actor, "folder.update", updated, {"changed": sorted(values)})
            return updated

    def move(self, *, actor: User, folder_id: int, new_parent_id: int | None) -> Folder:
        """Move a folder (with everything in it) under ``new_parent_id``, or to the top level when None."""
        with self._write() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.WRITE)
            new_parent = get_folder(repos, new_parent_id) if new_parent_id is not None else None
            if new_parent is not None:
                require(repos, actor, new_parent, Action.WRITE)
                if new_parent.path.startswith(folder.path):
                    raise Conflict(
                        f"cannot move folder {folder.name!r} into {new_parent.name!r}: "
                        "a folder cannot be moved into itself or one of its own sub-folders"
                    )
            elif folder.parent_id is not None:
                require(repos, actor, folder, Action.MANAGE_ACCESS)
            moved = repos.folders.move(folder, new_parent)
            _journal(repos, actor, "folder.move", moved, {"from": folder.parent_id, "to": new_parent_id})
            return moved

    def delete(self, *, actor: User, folder_id: int) -> FolderSummary:
        """Delete a folder with its sub-folders and items (items leave every dataset). Returns what was deleted."""
        with self._write() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.WRITE)
            used = repos.items.members_used_outside(folder.path)
            if used:
                member, composite = used[0]
                raise Conflict(
                    f"cannot delete folder {folder.name!r}: file {member!r} in it belongs to {composite!r}, "
                    "which is outside the folder; delete or move that first"
                )
            summary = repos.folders.summary(folder)
            repos.released_files += repos.items.managed_keys_under(folder.path)  # removed after the commit
            repos.folders.delete(folder)
            details = {"files": summary.files, "folders": summary.folders, "parent_id": folder.parent_id}
            _journal(repos, actor, "folder.delete", folder, details)
            return summary

    def summary(self, *, actor: User, folder_id: int) -> FolderSummary:
        """Counts per kind and total size of everything in the folder, recursively."""
        with self._read() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.READ)
            return repos.folders.summary(folder)


def _nest(root: Folder, subtree: list[Folder]) -> FolderNode:
    nodes = {f.id: FolderNode(f) for f in subtree}
    for folder in subtree:
        if folder.id != root.id and folder.parent_id in nodes:
            nodes[folder.parent_id].children.append(nodes[folder.id])
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.folder.name, n.folder.id))
    return nodes[root.id]


def _journal(repos: Repos, actor: User, action: str, folder: Folder, details: dict[str, Any]) -> None:
    repos.journal.record(
        actor=actor,
        action=action,
        target_type="folder",
        target_id=folder.id,
        target_label=folder.name,
        folder_id=folder.id,
        details=details,
    )
