"""Users of the organization."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cairn.db.database import mapped_integrity_errors
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.schema import users
from cairn.domain.records import User

# Every column but the password hash, which only password_hash() reads: a User never carries it.
_USER = [column for column in users.c if column.name != "password_hash"]


def _user(row: Any) -> User:
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        is_org_admin=row.is_org_admin,
        is_active=row.is_active,
        created_at=utc(row.created_at),
    )


class UserRepository(Repository):
    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(sa.select(*_USER).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(sa.select(*_USER).where(sa.func.lower(users.c.email) == email.lower())).first()
        return _user(row) if row else None

    def create(self, *, email: str, name: str, is_org_admin: bool) -> User:
        with mapped_integrity_errors(unique=f"a user with email {email!r} already exists"):
            row = self.conn.execute(
                users.insert()
                .values(email=email, name=name, is_org_admin=is_org_admin, is_active=True, created_at=now())
                .returning(*_USER)
            ).one()
        return _user(row)

    def update(self, user_id: int, **values: Any) -> None:
        self.conn.execute(users.update().where(users.c.id == user_id).values(**values))

    def password_hash(self, user_id: int) -> str | None:
        """The stored hash of the user's password (None: they have none yet)."""
        query = sa.select(users.c.password_hash).where(users.c.id == user_id)
        return self.conn.execute(query).scalar_one_or_none()

    def set_password_hash(self, user_id: int, password_hash: str | None) -> None:
        self.conn.execute(users.update().where(users.c.id == user_id).values(password_hash=password_hash))

    def all(self) -> list[User]:
        return [_user(r) for r in self.conn.execute(sa.select(*_USER).order_by(users.c.email))]

    def emails(self, user_ids: list[int]) -> dict[int, str]:
        """The email of each of ``user_ids`` that exists."""
        query = sa.select(users.c.id, users.c.email).where(users.c.id.in_(user_ids))
        return {int(r.id): str(r.email) for r in self.conn.execute(query)}

    def count(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())

    def first_admin(self) -> User | None:
        """The oldest active organization admin."""
        query = sa.select(*_USER).where(*_active_admin()).order_by(users.c.id).limit(1)
        row = self.conn.execute(query).first()
        return _user(row) if row else None

    def lock_active_admins(self) -> list[int]:
        """Ids of the active organization admins, locked until the transaction ends (PostgreSQL; SQLite's write
        transactions are already serial), so that two changes cannot each leave the other the last admin."""
        query = sa.select(users.c.id).where(*_active_admin()).order_by(users.c.id).with_for_update()
        return list(self.conn.execute(query).scalars())


def _active_admin() -> tuple[sa.ColumnElement[bool], ...]:
    return users.c.is_org_admin.is_(True), users.c.is_active.is_(True)
