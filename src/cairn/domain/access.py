"""Roles on folders and what each one allows.

Roles are granted on a folder and inherited by every sub-folder; the strongest grant on the way to the root wins.
Organization admins may do everything everywhere. A folder's creator becomes its admin; an admin's grant can be
neither changed nor removed (seed 002: "Users with Admin permissions cannot be deleted, and their role cannot be
changed").
"""

from __future__ import annotations

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
