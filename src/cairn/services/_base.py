"""What every service shares: the database, transactions bound to repositories, and permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain.access import ACTION_LABELS, Action, Role, minimum_role_for, role_allows
from cairn.domain.records import Folder, Item, User
from cairn.errors import InvalidInput, NotFound, PermissionDenied

ReleaseFiles = Callable[[Sequence[str]], None]
"""Removes managed files whose items a committed transaction deleted (``ManagedFileService.remove``)."""


class Service:
    def __init__(self, db: Database, *, release_files: ReleaseFiles | None = None) -> None:
        self._db = db
        self._release_files = release_files

    @contextmanager
    def _write(self) -> Iterator[Repos]:
        """One write transaction: everything done through the yielded repositories commits or rolls back together.

        The files of items it deleted (``repos.released_files``) are removed once it has committed, never before:
        a rollback keeps them. A crash in between leaves orphans, which ``ManagedFileService.sweep`` removes.
        """
        with self._db.write() as conn:
            repos = Repos(conn)
            yield repos
        if repos.released_files and self._release_files is not None:
            self._release_files(repos.released_files)

    @contextmanager
    def _read(self) -> Iterator[Repos]:
        with self._db.read() as conn:
            yield Repos(conn)


def effective_role(repos: Repos, actor: User, folder: Folder) -> Role | None:
    """The strongest role ``actor`` holds on ``folder`` or any of its ancestors (org admins: admin everywhere)."""
    if actor.is_org_admin:
        return Role.ADMIN
    return Role.strongest(repos.access.roles_on(user_id=actor.id, folder_ids=folder.ancestor_ids))


def require(repos: Repos, actor: User, folder: Folder, action: Action) -> Role:
    """Raise PermissionDenied unless ``actor`` may do ``action`` in ``folder``; returns the actor's role."""
    role = effective_role(repos, actor, folder)
    if not role_allows(role, action):
        needed = minimum_role_for(action).value
        has = f"has {role.value}" if role else "has no role there"
        raise PermissionDenied(
            f"{actor.email} may not {ACTION_LABELS[action]} folder {folder.name!r}: needs the {needed} role ({has})",
            details={"folder_id": folder.id, "needed_role": needed, "role": role.value if role else None},
        )
    assert role is not None
    return role


def require_org_admin(actor: User, what: str) -> None:
    if not actor.is_org_admin:
        raise PermissionDenied(f"{actor.email} may not {what}: only organization admins may")


def get_folder(repos: Repos, folder_id: int) -> Folder:
    folder = repos.folders.get(folder_id)
    if folder is None:
        raise NotFound(f"folder {folder_id} not found", details={"folder_id": folder_id})
    return folder


def get_item(repos: Repos, item_id: int) -> Item:
    item = repos.items.get(item_id)
    if item is None:
        raise NotFound(f"item {item_id} not found", details={"item_id": item_id})
    return item


def item_folder(repos: Repos, actor: User, item_id: int, action: Action) -> tuple[Item, Folder]:
    """The item and its folder, after checking that ``actor`` may do ``action`` there."""
    item = get_item(repos, item_id)
    folder = get_folder(repos, item.folder_id)
    require(repos, actor, folder, action)
    return item, folder


def visible_paths(repos: Repos, actor: User) -> list[str] | None:
    """The subtrees ``actor`` may see (None: everything, for organization admins)."""
    return None if actor.is_org_admin else repos.access.granted_paths(actor.id)


def target_folder(repos: Repos, actor: User, folder_id: int | None) -> Folder:
    """The folder files are being placed in, after checking the actor may write there."""
    if folder_id is None:
        raise InvalidInput("files must be placed in a folder: the top level holds folders only")
    folder = get_folder(repos, folder_id)
    require(repos, actor, folder, Action.WRITE)
    return folder


def writable_items(repos: Repos, actor: User, item_ids: Sequence[int]) -> list[tuple[Item, Folder]]:
    unique_ids = list(dict.fromkeys(item_ids))
    found = repos.items.get_many(unique_ids)
    missing = sorted(set(unique_ids) - {item.id for item in found})
    if missing:
        raise NotFound(f"item(s) not found: {', '.join(map(str, missing[:10]))}", details={"item_ids": missing})
    folders = repos.folders.get_many(sorted({item.folder_id for item in found}))
    for folder in folders.values():
        require(repos, actor, folder, Action.WRITE)
    return [(item, folders[item.folder_id]) for item in found]
