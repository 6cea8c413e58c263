"""Who may do what in a folder: invite, change roles, remove.

A folder admin's grant is immutable to other folder admins (seed 002); organization admins may change or remove
any grant, so that access can always be repaired (e.g. admins appointed by someone who should not have been one).
"""

from __future__ import annotations

from cairn.db.repositories import Repos
from cairn.domain.access import Action, Role
from cairn.domain.records import Grant, User
from cairn.errors import Conflict, NotFound
from cairn.services._base import Service, effective_role, get_folder, require


class AccessService(Service):
    def grants(self, *, actor: User, folder_id: int) -> list[Grant]:
        """The roles granted directly on a folder (inherited grants show on the ancestors)."""
        with self._read() as repos:
            require(repos, actor, get_folder(repos, folder_id), Action.READ)
            return repos.access.grants_on(folder_id)

    def grant(self, *, actor: User, folder_id: int, email: str, role: Role) -> Grant:
        """Give a user a role on a folder, or change their role. An admin's role can be changed by org admins only."""
        with self._write() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.MANAGE_ACCESS)
            user = _user(repos, email)
            current = repos.access.grant_on(folder_id=folder.id, user_id=user.id)
            if current is not None and current.role is Role.ADMIN and not actor.is_org_admin:
                raise Conflict(
                    f"{user.email} is an admin of folder {folder.name!r}: an admin's role cannot be changed "
                    "(only organization admins may)"
                )
            repos.access.put(folder_id=folder.id, user_id=user.id, role=role, granted_by=actor.id)
            repos.journal.record(
                actor=actor,
                action="access.grant",
                target_type="folder",
                target_id=folder.id,
                target_label=folder.name,
                folder_id=folder.id,
                details={"user": user.email, "role": role.value, "previous": current.role.value if current else None},
            )
            granted = repos.access.grant_on(folder_id=folder.id, user_id=user.id)
            assert granted is not None
            return granted

    def revoke(self, *, actor: User, folder_id: int, email: str) -> None:
        """Remove a user's role on a folder. Admins can be removed by org admins only."""
        with self._write() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.MANAGE_ACCESS)
            user = _user(repos, email)
            current = repos.access.grant_on(folder_id=folder.id, user_id=user.id)
            if current is None:
                raise NotFound(f"{user.email} has no role on folder {folder.name!r}")
            if current.role is Role.ADMIN and not actor.is_org_admin:
                raise Conflict(
                    f"{user.email} is an admin of folder {folder.name!r}: admins cannot be removed "
                    "(only organization admins may)"
                )
            repos.access.remove(folder_id=folder.id, user_id=user.id)
            repos.journal.record(
                actor=actor,
                action="access.revoke",
                target_type="folder",
                target_id=folder.id,
                target_label=folder.name,
                folder_id=folder.id,
                details={"user": user.email, "role": current.role.value},
            )

    def role_of(self, *, actor: User, folder_id: int, email: str) -> Role | None:
        """The effective role a user has on a folder (inherited roles included)."""
        with self._read() as repos:
            folder = get_folder(repos, folder_id)
            require(repos, actor, folder, Action.READ)
            return effective_role(repos, _user(repos, email), folder)


def _user(repos: Repos, email: str) -> User:
    user = repos.users.by_email(email.strip())
    if user is None:
        raise NotFound(f"no user with email {email!r}: add them first (cairn users add)", details={"email": email})
    return user
