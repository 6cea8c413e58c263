"""What every service shares: the database, transactions bound to repositories, and permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain.access import ACTION_LABELS, Action, Role, minimum_role_for, role_allows
from cairn.domain.records import Folder, Item, User
from cairn.domain.sizes import DEFAULT_MAX_CLIENT_METADATA_BYTES
from cairn.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from cairn.services._members import refuse_members_folder

ReleaseFiles = Callable[[Sequence[str]], None]
"""Removes managed files whose items a committed transaction deleted (``ManagedFileService.remove``)."""


class Service:
    def __init__(
        self,
        db: Database,
        *,
        max_client_metadata_bytes: int = DEFAULT_MAX_CLIENT_METADATA_BYTES,
        release_files: ReleaseFiles | None = None,
    ) -> None:
        self._db = db
        self._max_client_metadata_bytes = max_client_metadata_bytes
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
    """The actor's role on ``folder`` once it allows ``action``.

    No role at all answers ``NotFound``, word for word as for a missing id: what one cannot see, one cannot learn
    exists. A role too weak is ``PermissionDenied``, and its message may name the folder: the actor can see it.
    """
    role = effective_role(repos, actor, folder)
    if role is None:
        raise folder_not_found(folder.id)
    if not role_allows(role, action):
        needed = minimum_role_for(action).value
        raise PermissionDenied(
            f"{actor.email} may not {ACTION_LABELS[action]} folder {folder.name!r}: "
            f"needs the {needed} role (has {role.value})",
            details={"folder_id": folder.id, "needed_role": needed, "role": role.value},
        )
    return role


def require_org_admin(actor: User, what: str) -> None:
    if not actor.is_org_admin:
        raise PermissionDenied(f"{actor.email} may not {what}: only organization admins may")


def folder_not_found(folder_id: int) -> NotFound:
    """The one answer for a folder that does not exist or that the actor may not see (the two look alike)."""
    return NotFound(f"folder {folder_id} not found", details={"folder_id": folder_id})


def item_not_found(item_id: int) -> NotFound:
    """The one answer for an item that does not exist or whose folder the actor may not see."""
    return NotFound(f"item {item_id} not found", details={"item_id": item_id})


def get_folder(repos: Repos, folder_id: int) -> Folder:
    """The folder, whoever asks (callers that act for a user check it with ``require`` or use ``visible_folder``)."""
    folder = repos.folders.get(folder_id)
    if folder is None:
        raise folder_not_found(folder_id)
    return folder


def can_see(repos: Repos, actor: User, folder: Folder) -> bool:
    """Whether ``actor`` holds any role on ``folder`` (or an ancestor): what may be seen, named and counted."""
    return effective_role(repos, actor, folder) is not None


def visible_folder(repos: Repos, actor: User, folder_id: int) -> Folder:
    """The folder if ``actor`` may see it; else the same ``NotFound`` as a missing id."""
    folder = repos.folders.get(folder_id)
    if folder is None or not can_see(repos, actor, folder):
        raise folder_not_found(folder_id)
    return folder


def seen_item(repos: Repos, actor: User, item_id: int) -> tuple[Item, Folder] | None:
    """The item and its folder if ``actor`` may see them; None when it does not exist or they may not."""
    item = repos.items.get(item_id)
    folder = repos.folders.get(item.folder_id) if item is not None else None
    if item is None or folder is None or not can_see(repos, actor, folder):
        return None
    return item, folder


def visible_item(repos: Repos, actor: User, item_id: int) -> tuple[Item, Folder]:
    """The item and its folder if ``actor`` may see them; else the same ``NotFound`` as a missing id."""
    seen = seen_item(repos, actor, item_id)
    if seen is None:
        raise item_not_found(item_id)
    return seen


def item_folder(repos: Repos, actor: User, item_id: int, action: Action) -> tuple[Item, Folder]:
    """The item and its folder, after checking that ``actor`` may see them, then do ``action`` there."""
    item, folder = visible_item(repos, actor, item_id)
    require(repos, actor, folder, action)
    return item, folder


def sees_path(paths: list[str] | None, folder_path: str) -> bool:
    """Whether the folder at ``folder_path`` lies in one of the subtrees of ``visible_paths`` (None: all of them)."""
    return paths is None or any(folder_path.startswith(path) for path in paths)


def visible_paths(repos: Repos, actor: User) -> list[str] | None:
    """The subtrees ``actor`` may see (None: everything, for organization admins)."""
    return None if actor.is_org_admin else repos.access.granted_paths(actor.id)


def top_level(repos: Repos, actor: User) -> list[Folder]:
    """The actor's top level, by name: every top-level folder for org admins, else the highest folders they may see
    (a sub-folder shared with them shows there, without the folders above it)."""
    paths = visible_paths(repos, actor)
    if paths is None:
        return repos.folders.children(None)
    roots = repos.folders.get_many([int(p.strip("/").split("/")[-1]) for p in paths])
    return sorted(roots.values(), key=lambda f: (f.name, f.id))


def refuse_taken_name(repos: Repos, actor: User, name: str, *, parent: Folder | None, folder: Folder | None) -> None:
    """Refuse ``name`` for ``folder`` (None: a new one) in ``parent`` (None: the top level) if it is taken there.

    Under a parent the actor sees, they see every sibling: the refusal names the parent. A folder whose parent is
    hidden from them (a shared sub-folder) lies at their top level, where names are checked as below; its hidden
    siblings still hold their names (the database keeps them unique), and the refusal names neither them nor the
    parent.
    """
    if parent is not None and can_see(repos, actor, parent):
        sibling = repos.folders.child_named(parent.id, name)
        if sibling is not None and (folder is None or sibling.id != folder.id):
            raise AlreadyExists(f"a folder named {name!r} already exists in folder {parent.name!r}")
        return
    _refuse_name_at_top_level(repos, actor, name, moving=folder)
    if parent is not None and folder is not None:
        sibling = repos.folders.child_named(parent.id, name)
        if sibling is not None and sibling.id != folder.id:
            raise AlreadyExists(
                f"folder {folder.name!r} cannot be named {name!r}: the folder it is in holds one of that name"
            )


def _refuse_name_at_top_level(repos: Repos, actor: User, name: str, *, moving: Folder | None) -> None:
    """Refuse ``name`` at the actor's top level when a folder they see there (other than ``moving``) has it.

    Top-level names are unique among the folders the actor sees, not across the organization: a refusal because of
    a folder they may not see would tell them it exists. An org admin sees every folder, so for them the rule is
    organization-wide. Two requests at once may still make two (the database only keeps names under a parent unique).
    """
    for folder in top_level(repos, actor):
        if folder.name == name and (moving is None or folder.id != moving.id):
            raise AlreadyExists(
                f"a folder named {name!r} already exists at your top level (id:{folder.id})",
                details={"folder_id": folder.id},
            )


def target_folder(repos: Repos, actor: User, folder_id: int | None) -> Folder:
    """The folder files are being placed in, after checking the actor may write there (never a members folder)."""
    if folder_id is None:
        raise InvalidInput("files must be placed in a folder: the top level holds folders only")
    folder = get_folder(repos, folder_id)
    require(repos, actor, folder, Action.WRITE)
    refuse_members_folder(repos, folder, doing="place files in it", why="it holds that composite's member files only")
    return folder


def writable_items(repos: Repos, actor: User, item_ids: Sequence[int]) -> list[tuple[Item, Folder]]:
    """The items with their folders once ``actor`` may write in each; ids missing or out of sight are not found."""
    unique_ids = list(dict.fromkeys(item_ids))
    found = repos.items.get_many(unique_ids)
    folders = repos.folders.get_many(sorted({item.folder_id for item in found}))
    seen = {folder_id for folder_id, folder in folders.items() if can_see(repos, actor, folder)}
    shown = [item for item in found if item.folder_id in seen]
    missing = sorted(set(unique_ids) - {item.id for item in shown})
    if missing:
        raise NotFound(f"item(s) not found: {', '.join(map(str, missing[:10]))}", details={"item_ids": missing})
    for folder_id in sorted(seen):
        require(repos, actor, folders[folder_id], Action.WRITE)
    return [(item, folders[item.folder_id]) for item in shown]
