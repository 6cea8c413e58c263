"""Folder role grants."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cairn.db.repositories._common import Repository, now, utc
from cairn.db.schema import folder_roles, folders, users
from cairn.domain.access import Role
from cairn.domain.records import Grant


def _grant(row: Any) -> Grant:
    return Grant(
        folder_id=row.folder_id,
        user_id=row.user_id,
        user_email=row.email,
        user_name=row.name,
        role=Role(row.role),
        granted_at=utc(row.granted_at),
    )


_GRANT_COLUMNS = (
    folder_roles.c.folder_id,
    folder_roles.c.user_id,
    folder_roles.c.role,
    folder_roles.c.granted_at,
    users.c.email,
    users.c.name,
)


class AccessRepository(Repository):
    def roles_on(self, *, user_id: int, folder_ids: list[int]) -> list[Role]:
        """The roles ``user_id`` holds on any of ``folder_ids`` (a folder and its ancestors)."""
        rows = self.conn.execute(
            sa.select(folder_roles.c.role).where(
                folder_roles.c.user_id == user_id, folder_roles.c.folder_id.in_(folder_ids)
            )
        )
        return [Role(r.role) for r in rows]

    def holds_role_anywhere(self, *, user_id: int, role: Role) -> bool:
        """Whether ``user_id`` holds ``role`` on at least one folder."""
        query = sa.select(folder_roles.c.folder_id).where(
            folder_roles.c.user_id == user_id, folder_roles.c.role == role.value
        )
        return self.conn.execute(query.limit(1)).first() is not None

    def roles_on_folders(self, folder_ids: list[int]) -> list[tuple[int, int, Role]]:
        """``(folder id, user id, role)`` for every grant on any of ``folder_ids``."""
        rows = self.conn.execute(
            sa.select(folder_roles.c.folder_id, folder_roles.c.user_id, folder_roles.c.role).where(
                folder_roles.c.folder_id.in_(folder_ids)
            )
        )
        return [(r.folder_id, r.user_id, Role(r.role)) for r in rows]

    def grant_on(self, *, folder_id: int, user_id: int) -> Grant | None:
        row = self.conn.execute(
            sa.select(*_GRANT_COLUMNS)
            .join(users, users.c.id == folder_roles.c.user_id)
            .where(folder_roles.c.folder_id == folder_id, folder_roles.c.user_id == user_id)
        ).first()
        return _grant(row) if row else None

    def grants_on(self, folder_id: int) -> list[Grant]:
        rows = self.conn.execute(
            sa.select(*_GRANT_COLUMNS)
            .join(users, users.c.id == folder_roles.c.user_id)
            .where(folder_roles.c.folder_id == folder_id)
            .order_by(users.c.email)
        )
        return [_grant(r) for r in rows]

    def put(self, *, folder_id: int, user_id: int, role: Role, granted_by: int | None) -> None:
        self.conn.execute(
            folder_roles.delete().where(folder_roles.c.folder_id == folder_id, folder_roles.c.user_id == user_id)
        )
        self.conn.execute(
            folder_roles.insert().values(
                folder_id=folder_id, user_id=user_id, role=role.value, granted_by=granted_by, granted_at=now()
            )
        )

    def remove(self, *, folder_id: int, user_id: int) -> None:
        self.conn.execute(
            folder_roles.delete().where(folder_roles.c.folder_id == folder_id, folder_roles.c.user_id == user_id)
        )

    def granted_paths(self, user_id: int) -> list[str]:
        """Paths of the folders on which ``user_id`` holds any role (the roots of what they may see)."""
        rows = self.conn.execute(
            sa.select(folders.c.path)
            .join(folder_roles, folder_roles.c.folder_id == folders.c.id)
            .where(folder_roles.c.user_id == user_id)
            .order_by(folders.c.path)
        )
        return _outermost([r.path for r in rows])


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths nested in another path of the list (sorted input): their subtrees are already covered."""
    kept: list[str] = []
    for path in paths:
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept
