"""Users of the organization, and the local admin made on the first run."""

from __future__ import annotations

import re

from cairn.domain.records import User
from cairn.errors import InvalidInput, NotFound
from cairn.services._base import Service, require_org_admin

LOCAL_ADMIN_EMAIL = "admin@localhost"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _clean_email(email: str) -> str:
    cleaned = email.strip()
    if not _EMAIL.match(cleaned) or len(cleaned) > 320:
        raise InvalidInput(f"{email!r} is not an email address")
    return cleaned


class UserService(Service):
    def ensure_local_admin(self) -> tuple[User, bool]:
        """The first organization admin; created as admin@localhost on the first run. Returns (user, created)."""
        with self._write() as repos:
            existing = repos.users.first_admin()
            if existing is not None:
                return existing, False
            admin = repos.users.create(email=LOCAL_ADMIN_EMAIL, name="Local admin", is_org_admin=True)
            repos.journal.record(
                actor=admin,
                action="user.create",
                target_type="user",
                target_id=admin.id,
                target_label=admin.email,
                details={"first_run": True},
            )
            return admin, True

    def create(self, *, actor: User, email: str, name: str = "", org_admin: bool = False) -> User:
        require_org_admin(actor, "add users")
        with self._write() as repos:
            user = repos.users.create(email=_clean_email(email), name=name.strip(), is_org_admin=org_admin)
            repos.journal.record(
                actor=actor,
                action="user.create",
                target_type="user",
                target_id=user.id,
                target_label=user.email,
                details={"org_admin": org_admin},
            )
            return user

    def set_org_admin(self, *, actor: User, email: str, org_admin: bool) -> User:
        require_org_admin(actor, "change organization admins")
        with self._write() as repos:
            user = repos.users.by_email(email)
            if user is None:
                raise NotFound(f"no user with email {email!r}")
            repos.users.update(user.id, is_org_admin=org_admin)
            repos.journal.record(
                actor=actor,
                action="user.update",
                target_type="user",
                target_id=user.id,
                target_label=user.email,
                details={"org_admin": org_admin},
            )
            updated = repos.users.get(user.id)
            assert updated is not None
            return updated

    def get(self, *, user_id: int) -> User:
        with self._read() as repos:
            user = repos.users.get(user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        return user

    def by_email(self, *, email: str) -> User:
        with self._read() as repos:
            user = repos.users.by_email(email)
        if user is None:
            raise NotFound(f"no user with email {email!r}", details={"email": email})
        return user

    def all(self, *, actor: User) -> list[User]:
        with self._read() as repos:
            return repos.users.all()
