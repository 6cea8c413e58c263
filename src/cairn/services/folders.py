"""Folders: create, rename, describe, move, delete, browse, summarize."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from cairn.db.repositories import Repos
from cairn.domain import names
from cairn.domain.access import Action, Role
from cairn.domain.records import Folder, FolderSummary, PathElement, User
from cairn.errors import Conflict, InvalidInput, NotFound
from cairn.services._base import (
    Service,
    effective_role,
    get_folder,
    refuse_taken_name,
    require,
    sees_path,
    top_level,
    visible_folder,
    visible_paths,
)
from cairn.services._members import refuse_members_folder
from cairn.services._moves import require_move
from cairn.services.managed_files import thumbnail_key

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
        description = names.description(description)
        metadata = names.client_metadata(client_metadata, max_bytes=self._max_client_metadata_bytes)
        with self._write() as repos:
            parent = get_folder(repos, parent_id) if parent_id is not None else None
            if parent is not None:
                require(repos, actor, parent, Action.WRITE)
                refuse_members_folder(repos, parent, doing=f"create folder {clean_name!r} in it", why=_MEMBERS_ONLY)
            refuse_taken_name(repos, actor, clean_name, parent=parent, folder=None)
            folder = repos.folders.create(
                parent=parent, name=clean_name, description=description, client_metadata=metadata, created_by=actor.id
            )
            repos.access.put(folder_id=folder.id, user_id=actor.id, role=Role.ADMIN, granted_by=actor.id)
            repos.journal.record_folder(
                actor=actor, action="folder.create", folder=folder, details={"parent_id": parent_id}
            )
            return as_seen(visible_paths(repos, actor), folder)

    def get(self, *, actor: User, folder_id: int) -> Folder:
        """The folder as ``actor`` sees it (``NotFound`` if they may not: the same answer as a missing id)."""
        with self._read() as repos:
            return as_seen(visible_paths(repos, actor), visible_folder(repos, actor, folder_id))

    def role(self, *, actor: User, folder_id: int) -> Role:
        """The actor's effective role on a folder (``NotFound`` if none: they may not know it exists)."""
        with self._read() as repos:
            return require(repos, actor, get_folder(repos, folder_id), Action.READ)

    def path_to_root(self, *, actor: User, folder_id: int) -> list[PathElement]:
        """The folders from the actor's top level down to ``folder_id``, inclusive.

        It starts at the highest folder the actor may see: folders above a shared sub-folder are not named.
        """
        with self._read() as repos:
            folder = visible_folder(repos, actor, folder_id)
            paths = visible_paths(repos, actor)
            found = repos.folders.get_many(folder.ancestor_ids)
            shown = [found[i] for i in folder.ancestor_ids if i in found and sees_path(paths, found[i].path)]
            return [PathElement(id=f.id, name=f.name) for f in shown]

    def resolve(self, *, actor: User, path: str) -> Folder:
        """The folder at a slash-separated path of names, such as ``"Cars/2024/front"``, from the actor's top level
        (the folders ``children`` lists at the top: shared sub-folders start a path of their own)."""
        parts = names.split_path(path)
        if not parts:
            raise InvalidInput("folder path must name at least one folder (the top level holds folders only)")
        with self._read() as repos:
            folder = _top_named(top_level(repos, actor), parts[0])
            for depth, part in enumerate(parts):
                if depth > 0 and folder is not None:
                    folder = repos.folders.child_named(folder.id, part)
                if folder is None:
                    raise NotFound(f"folder {'/'.join(parts[: depth + 1])!r} not found", details={"path": path})
            assert folder is not None
            return as_seen(visible_paths(repos, actor), folder)

    def children(self, *, actor: User, parent_id: int | None = None) -> list[Folder]:
        """Sub-folders of ``parent_id``; at the top level, the folders the actor may see (shared ones included)."""
        with self._read() as repos:
            if parent_id is not None:
                require(repos, actor, get_folder(repos, parent_id), Action.READ)
                children = repos.folders.children(parent_id)
            else:
                children = top_level(repos, actor)
            paths = visible_paths(repos, actor)
            return [as_seen(paths, folder) for folder in children]

    def tree(self, *, actor: User, root_id: int | None = None) -> list[FolderNode]:
        """The folder tree under ``root_id`` (or every visible top-level folder), nested."""
        with self._read() as repos:
            tops = [visible_folder(repos, actor, root_id)] if root_id is not None else top_level(repos, actor)
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
            values["description"] = names.description(description)
        if client_metadata is not None:
            values["client_metadata"] = names.client_metadata(
                client_metadata, max_bytes=self._max_client_metadata_bytes
            )
        with self._write() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.WRITE)
            if values.get("name", folder.name) != folder.name:
                refuse_members_folder(repos, folder, doing="rename it", why="it keeps the name it was made with")
            if not values:
                return as_seen(visible_paths(repos, actor), folder)
            if values.get("name", folder.name) != folder.name:
                parent = get_folder(repos, folder.parent_id) if folder.parent_id is not None else None
                refuse_taken_name(repos, actor, values["name"], parent=parent, folder=folder)
            updated = repos.folders.update(folder, **values)
            repos.journal.record_folder(
                actor=actor, action="folder.update", folder=updated, details={"changed": sorted(values)}
            )
            return as_seen(visible_paths(repos, actor), updated)

    def move(self, *, actor: User, folder_id: int, new_parent_id: int | None) -> Folder:
        """Move a folder (with everything in it) under ``new_parent_id``, or to the top level when None.

        The move rule (``services/_moves.py``): a move that changes anyone's role on the folder needs the admin role
        over the highest folder it leaves. A folder moved to the top level keeps its mover as admin.
        """
        with self._write() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.WRITE)
            refuse_members_folder(repos, folder, doing=f"move folder {folder.name!r}", why="it moves with it")
            new_parent = get_folder(repos, new_parent_id) if new_parent_id is not None else None
            if new_parent is not None:
                _check_new_parent(repos, actor, folder, new_parent)
            after = [*(new_parent.ancestor_ids if new_parent else []), folder.id]
            require_move(repos, actor, what=f"folder {folder.name!r}", before=folder.ancestor_ids, after=after)
            refuse_taken_name(repos, actor, folder.name, parent=new_parent, folder=folder)
            was_admin = effective_role(repos, actor, folder) is Role.ADMIN
            moved = repos.folders.move(folder, new_parent)
            details: dict[str, Any] = {"from": folder.parent_id, "to": new_parent_id}
            if new_parent is None and was_admin and effective_role(repos, actor, moved) is not Role.ADMIN:
                # Out of every folder that made the mover its admin: they stay its admin, as its creator would be.
                repos.access.put(folder_id=moved.id, user_id=actor.id, role=Role.ADMIN, granted_by=actor.id)
                details["admin_kept"] = actor.email
            repos.journal.record_folder(actor=actor, action="folder.move", folder=moved, details=details)
            return as_seen(visible_paths(repos, actor), moved)

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
            repos.released_files += [thumbnail_key(i) for i in repos.items.ids_under(folder.path)]
            repos.folders.delete(folder)
            details = {"files": summary.files, "folders": summary.folders, "parent_id": folder.parent_id}
            repos.journal.record_folder(actor=actor, action="folder.delete", folder=folder, details=details)
            return summary

    def summary(self, *, actor: User, folder_id: int) -> FolderSummary:
        """Counts per kind and total size of everything in the folder, recursively."""
        with self._read() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.READ)
            return repos.folders.summary(folder)


def as_seen(paths: list[str] | None, folder: Folder) -> Folder:
    """The folder as seen by whoever sees the subtrees at ``paths`` (``visible_paths``; None: everything): the
    ancestors they may not see are cut from its path, and a folder whose parent they may not see shows at their top
    level (``parent_id`` None), so that neither the ids nor the existence of those ancestors leak."""
    if paths is None or folder.parent_id is None:
        return folder
    ids = folder.ancestor_ids
    seen = [i for depth, i in enumerate(ids) if sees_path(paths, _path_of(ids[: depth + 1]))]
    if seen == ids:
        return folder
    parent_id = folder.parent_id if folder.parent_id in seen else None
    return dataclasses.replace(folder, parent_id=parent_id, path=_path_of(seen))


def _path_of(ids: list[int]) -> str:
    return "/" + "".join(f"{i}/" for i in ids)


def _top_named(top: list[Folder], name: str) -> Folder | None:
    """The folder of the actor's top level with that name; several (shared with them from different places) are
    ambiguous: they must be named by id."""
    named = [folder for folder in top if folder.name == name]
    if len(named) > 1:
        ids = ", ".join(f"id:{f.id}" for f in named)
        raise InvalidInput(f"{len(named)} folders named {name!r} are at your top level ({ids}): name one by its id")
    return named[0] if named else None


_MEMBERS_ONLY = "it holds that composite's member files only"


def _check_new_parent(repos: Repos, actor: User, folder: Folder, new_parent: Folder) -> None:
    """The editor role where the folder goes; never into itself, its own subtree or a members folder."""
    require(repos, actor, new_parent, Action.WRITE)
    refuse_members_folder(repos, new_parent, doing=f"move folder {folder.name!r} into it", why=_MEMBERS_ONLY)
    if new_parent.path.startswith(folder.path):
        raise Conflict(
            f"cannot move folder {folder.name!r} into {new_parent.name!r}: "
            "a folder cannot be moved into itself or one of its own sub-folders"
        )


def _nest(root: Folder, subtree: list[Folder]) -> FolderNode:
    nodes = {f.id: FolderNode(f) for f in subtree}
    for folder in subtree:
        if folder.id != root.id and folder.parent_id in nodes:
            nodes[folder.parent_id].children.append(nodes[folder.id])
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.folder.name, n.folder.id))
    return nodes[root.id]
