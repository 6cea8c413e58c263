"""Users of the organization, and the local admin made on the first run."""

from __future__ import annotations

import re

from cairn.db.repositories import Repos
from cairn.domain.access import Role
from cairn.domain.names import user_name
from cairn.domain.records import User
from cairn.errors import AuthenticationRequired, Conflict, InvalidInput, NotFound, PermissionDenied
from cairn.services._base import Service, require_org_admin

LOCAL_ADMIN_EMAIL = "admin@localhost"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_DETAIL_NAMES = {"name": "name", "is_org_admin": "org_admin", "is_active": "active"}  # as the journal says them


def clean_email(email: str) -> str:
    """An email address as kept (trimmed), or InvalidInput."""
    cleaned = email.strip()
    if not _EMAIL.match(cleaned) or len(cleaned) > 320:
        raise InvalidInput(f"{email!r} is not an email address")
    return cleaned


class UserService(Service):
    def ensure_local_admin(self) -> tuple[User, bool]:
        """The first organization admin; created as admin@localhost on the first run. Returns (user, created).

        Looked up in a read transaction first: every CLI command asks, and a write transaction would take SQLite's
        write lock (waiting behind a long registration commit) for what is, after the first run, only a read."""
        with self._read() as repos:
            existing = repos.users.first_admin()
        if existing is not None:
            return existing, False
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
            user = repos.users.create(email=clean_email(email), name=user_name(name), is_org_admin=org_admin)
            repos.journal.record(
                actor=actor,
                action="user.create",
                target_type="user",
                target_id=user.id,
                target_label=user.email,
                details={"org_admin": org_admin},
            )
            return user

    def update(
        self,
        *,
        actor: User,
        user_id: int,
        name: str | None = None,
        org_admin: bool | None = None,
        active: bool | None = None,
    ) -> User:
        """Change a user's name, whether they are an organization admin, or whether their account is active.

        Organization admins only. Deactivating an account revokes its API tokens and ends its web sessions for good
        (reactivating it brings none back: it needs a new token), and ``cairn --as`` with its email is refused; the
        account keeps its history and roles. The organization always keeps one active organization admin.
        """
        require_org_admin(actor, "change users")
        changes: dict[str, object] = {"name": user_name(name) if name is not None else None}
        changes |= {"is_org_admin": org_admin, "is_active": active}
        changes = {key: value for key, value in changes.items() if value is not None}
        with self._write() as repos:
            user = repos.users.get(user_id)
            if user is None:
                raise NotFound(f"user {user_id} not found", details={"user_id": user_id})
            if not changes:
                return user
            if org_admin is False or active is False:
                _keep_an_admin(repos, user)
            repos.users.update(user.id, **changes)
            details: dict[str, object] = {_DETAIL_NAMES[key]: value for key, value in changes.items()}
            if active is False:
                details |= _end_credentials(repos, user)
            repos.journal.record(
                actor=actor,
                action="user.update",
                target_type="user",
                target_id=user.id,
                target_label=user.email,
                details=details,
            )
            updated = repos.users.get(user.id)
            assert updated is not None
            return updated

    def acting_as(self, *, email: str) -> User:
        """The user a local command acts as (``cairn --as EMAIL``): an active account, or an error saying why."""
        user = self.by_email(email=email)
        if not user.is_active:
            raise AuthenticationRequired(f"the account of {user.email} is deactivated", details={"email": user.email})
        return user

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
        """Every user of the organization: for organization admins, and for folder admins, who invite people by
        email. Anyone else is refused: the directory of everyone's email is not theirs to read."""
        with self._read() as repos:
            if not (actor.is_org_admin or repos.access.holds_role_anywhere(user_id=actor.id, role=Role.ADMIN)):
                raise PermissionDenied(
                    "listing the organization's users needs the organization admin role or a folder's admin role"
                )
            return repos.users.all()


def _end_credentials(repos: Repos, user: User) -> dict[str, object]:
    """Revoke every API token of a deactivated user and end every web session: what they were, for the journal."""
    return {
        "tokens_revoked": repos.auth.revoke_tokens_of(user.id),
        "sessions_ended": repos.auth.revoke_sessions_of(user.id),
    }


def _keep_an_admin(repos: Repos, user: User) -> None:
    """Refuse to demote or deactivate the organization's last active organization admin."""
    admins = repos.users.lock_active_admins()
    if admins == [user.id]:
        raise Conflict(
            f"{user.email} is the organization's last active organization admin: make another user an "
            "organization admin first",
            details={"user_id": user.id},
        )
