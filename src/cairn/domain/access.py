"""Roles on folders and what each one allows.

Roles are granted on a folder and inherited by every sub-folder; the strongest grant on the way to the root wins.
Organization admins may do everything everywhere. A folder's creator becomes its admin; an admin's grant can be
neither changed nor removed by folder admins (seed 002: "Users with Admin permissions cannot be deleted, and their
role cannot be changed"); organization admins may change or remove any grant, to repair access.

Moving something (a folder, or files) re-parents it, so it inherits the grants of its new ancestors instead of its
old ones. ``roles_changed_by_move`` tells whose role that changes, and ``move_scope`` the highest folder the moved
thing leaves: a move that changes anyone's role needs the admin role there (the services apply it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum, StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def strongest(cls, roles: list[Role]) -> Role | None:
        return max(roles, key=lambda r: r.rank) if roles else None


class Action(IntEnum):
    """What an actor wants to do in a folder, ordered by the role it needs."""

    READ = 1  # see the folder, its items, summaries, journal
    WRITE = 2  # create sub-folders, add, register, move, rename, delete
    MANAGE_ACCESS = 3  # invite, change roles, remove collaborators


_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}

ACTION_LABELS = {
    Action.READ: "view",
    Action.WRITE: "change",
    Action.MANAGE_ACCESS: "manage access to",
}


def role_allows(role: Role | None, action: Action) -> bool:
    """True when ``role`` permits ``action`` (viewers read, editors also write, admins also manage access)."""
    return role is not None and role.rank >= int(action)


def minimum_role_for(action: Action) -> Role:
    return next(r for r in Role if r.rank == int(action))


def roles_changed_by_move(
    grants: Iterable[tuple[int, int, Role]], *, before: Sequence[int], after: Sequence[int]
) -> set[int]:
    """The users whose effective role on something changes when the folders whose grants it inherits change.

    ``before`` and ``after`` are those folders (ids, from the top level down) before and after the move;
    ``grants`` are ``(folder id, user id, role)`` for at least every folder of both.
    """
    held_before: dict[int, list[Role]] = {}
    held_after: dict[int, list[Role]] = {}
    old, new = set(before), set(after)
    for folder_id, user_id, role in grants:
        if folder_id in old:
            held_before.setdefault(user_id, []).append(role)
        if folder_id in new:
            held_after.setdefault(user_id, []).append(role)
    users = held_before.keys() | held_after.keys()
    return {u for u in users if Role.strongest(held_before.get(u, [])) != Role.strongest(held_after.get(u, []))}


def move_scope(*, before: Sequence[int], after: Sequence[int]) -> int:
    """The highest folder of ``before`` that is not in ``after`` (the top of what the moved thing leaves), or,
    when it leaves none (a move deeper down its own branch), the last folder of ``before``: the moved folder itself,
    or the folder the moved files are in."""
    shared = 0
    while shared < min(len(before), len(after)) and before[shared] == after[shared]:
        shared += 1
    return before[min(shared, len(before) - 1)]
