"""Signing in with email and password, and the one-time links that set a password (invitations and resets).

Nobody chooses a password without a link: an organization admin invites a user (made if needed, without a
password) or resets one (the password is cleared and the user's sessions end), and gets a link
``<base_url>/#/accept?token=...`` to hand over. Following it sets the password and starts a session; it works once,
for :data:`~cairn.domain.passwords.LINK_LIFETIME`, and a newer link for the same user voids it. A user changes their
own password by giving the current one; their other sessions end.

Signing in answers one and the same 401 for a wrong email, a wrong password, an account without a password and a
deactivated one, after the same Argon2 work (a dummy hash is checked when there is nothing to check), and failures
are throttled per account and per client address (``services/login_throttle.py``). API tokens are untouched by
all of this: scripts go on using them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain.auth import new_secret, secret_hash
from cairn.domain.names import user_name
from cairn.domain.passwords import (
    LINK_LIFETIME,
    LinkPurpose,
    PasswordLink,
    check_password,
    hash_password,
    needs_rehash,
    password_matches,
)
from cairn.domain.records import User
from cairn.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied
from cairn.services._base import Service, require_org_admin
from cairn.services.auth import AuthService, NewSession
from cairn.services.login_throttle import LoginThrottle
from cairn.services.users import clean_email

ACCEPT_PATH = "/#/accept?token="
_WRONG_CREDENTIALS = "wrong email or password"
_BAD_LINK = (
    "this link does not work: it was already used, replaced by a newer one or has expired; ask an organization "
    "admin for a new one"
)


@dataclass(frozen=True)
class NewLink:
    """A one-time link just made: ``url`` holds its secret, shown this once; cairn keeps only a hash."""

    user: User
    link: PasswordLink
    url: str


class PasswordService(Service):
    def __init__(self, db: Database, *, auth: AuthService, throttle: LoginThrottle | None = None) -> None:
        super().__init__(db)
        self._auth = auth
        self.throttle = throttle or LoginThrottle()

    # --- signing in -------------------------------------------------------------------------------------------
    def log_in(
        self, *, email: str, password: str, address: str | None = None, user_agent: str | None = None
    ) -> NewSession:
        """Start a session for the account with this email and password, or one 401 that says which of neither.

        ``address`` (the client's) is throttled along with the account; a throttled try checks nothing (429).
        """
        self.throttle.check(email=email, address=address)
        with self._read() as repos:
            user = repos.users.by_email(email.strip())
            stored = repos.users.password_hash(user.id) if user is not None else None
        matches = password_matches(stored, password)  # the same work whether or not there is an account
        if user is None or stored is None or not matches or not user.is_active:
            self.throttle.failed(email=email, address=address)
            raise AuthenticationRequired(_WRONG_CREDENTIALS)
        self.throttle.succeeded(email=email)
        with self._write() as repos:
            if needs_rehash(stored):
                repos.users.set_password_hash(user.id, hash_password(password))
            return self._auth.start_password_session(repos, user=user, user_agent=user_agent)

    def change_password(
        self, *, actor: User, current_password: str, new_password: str, keep_session: str | None = None
    ) -> int:
        """Change the actor's own password, given the current one; every other session of theirs ends (but the one
        whose cookie is ``keep_session``). Wrong current passwords count as failed sign-ins. Returns how many
        sessions ended."""
        self.throttle.check(email=actor.email, address=None)
        with self._read() as repos:
            stored = repos.users.password_hash(actor.id)
        if not password_matches(stored, current_password):
            self.throttle.failed(email=actor.email, address=None)
            raise PermissionDenied(_no_current_password(actor) if stored is None else "the current password is wrong")
        check_password(new_password, email=actor.email)
        new_hash = hash_password(new_password)
        with self._write() as repos:
            keep = repos.auth.session_by_hash(secret_hash(keep_session)) if keep_session else None
            keep_id = keep[0].id if keep is not None and keep[0].user_id == actor.id else None
            repos.users.set_password_hash(actor.id, new_hash)
            repos.auth.void_links_of(actor.id)
            ended = repos.auth.revoke_sessions_of(actor.id, keep=keep_id)
            _journal(repos, actor, actor, "user.password_change", sessions_ended=ended)
            return ended

    # --- one-time links ---------------------------------------------------------------------------------------
    def invite(self, *, actor: User, email: str, base_url: str, name: str = "", org_admin: bool = False) -> NewLink:
        """Invite someone (organization admins): the user is made if there is none with this email, and a link to
        set their password is returned. An account that already has a password is reset instead
        (:meth:`reset_password`); a deactivated one must be reactivated first (409)."""
        require_org_admin(actor, "invite users")
        clean = clean_email(email)
        with self._write() as repos:
            user = repos.users.by_email(clean)
            if user is None:
                user = self._make_user(repos, actor=actor, email=clean, name=name, org_admin=org_admin)
            elif repos.users.password_hash(user.id) is not None:
                raise Conflict(f"{user.email} already has a password: reset it instead", details={"user_id": user.id})
            return _new_link(repos, actor=actor, user=user, purpose=LinkPurpose.INVITE, base_url=base_url)

    def reset_password(self, *, actor: User, user_id: int, base_url: str) -> NewLink:
        """Reset a user's password (organization admins): it stops working, the user's sessions end, and a link to
        choose a new one is returned. Their API tokens are left alone (revoke them to stop them)."""
        require_org_admin(actor, "reset passwords")
        with self._write() as repos:
            user = repos.users.get(user_id)
            if user is None:
                raise NotFound(f"user {user_id} not found", details={"user_id": user_id})
            repos.users.set_password_hash(user.id, None)
            ended = repos.auth.revoke_sessions_of(user.id)
            made = _new_link(repos, actor=actor, user=user, purpose=LinkPurpose.RESET, base_url=base_url)
            _journal(repos, actor, user, "user.password_reset", sessions_ended=ended)
            return made

    def accept(self, *, token: str, password: str, user_agent: str | None = None) -> NewSession:
        """Follow a one-time link: set the password it is for and start a session. A password that breaks the rules
        is refused (422) and the link still works; a link used, voided, expired or of a deactivated account is 401.
        """
        at = datetime.now(UTC)
        with self._read() as repos:
            link = repos.auth.link_by_hash(secret_hash(token.strip())) if token.strip() else None
            user = repos.users.get(link.user_id) if link is not None else None
        if link is None or user is None or not link.is_usable(at) or not user.is_active:
            raise AuthenticationRequired(_BAD_LINK)
        check_password(password, email=user.email)
        new_hash = hash_password(password)
        with self._write() as repos:
            if not repos.auth.use_link(link.id, at):  # another request used it meanwhile
                raise AuthenticationRequired(_BAD_LINK)
            repos.users.set_password_hash(user.id, new_hash)
            _journal(repos, user, user, "user.password_set", link=link.purpose.value)
            self.throttle.succeeded(email=user.email)
            return self._auth.start_password_session(repos, user=user, user_agent=user_agent)

    def _make_user(self, repos: Repos, *, actor: User, email: str, name: str, org_admin: bool) -> User:
        user = repos.users.create(email=email, name=user_name(name), is_org_admin=org_admin)
        _journal(repos, actor, user, "user.create", org_admin=org_admin, invited=True)
        return user


def accept_url(base_url: str, secret: str) -> str:
    """The link a person follows to set their password (the web UI's accept page)."""
    return f"{base_url.rstrip('/')}{ACCEPT_PATH}{secret}"


def _new_link(repos: Repos, *, actor: User, user: User, purpose: LinkPurpose, base_url: str) -> NewLink:
    """Void the user's earlier links and make a new one (its secret is in the returned URL only)."""
    if not user.is_active:
        raise Conflict(f"{user.email} is deactivated: reactivate the account first", details={"user_id": user.id})
    repos.auth.void_links_of(user.id)
    secret = new_secret()
    link = repos.auth.create_link(
        user_id=user.id,
        purpose=purpose,
        link_hash=secret_hash(secret),
        created_by=actor.id,
        expires_at=datetime.now(UTC) + LINK_LIFETIME,
    )
    if purpose is LinkPurpose.INVITE:
        _journal(repos, actor, user, "user.invite", expires_at=link.expires_at.isoformat())
    return NewLink(user=user, link=link, url=accept_url(base_url, secret))


def _no_current_password(actor: User) -> str:
    return f"{actor.email} has no password yet: ask an organization admin for an invitation or reset link"


def _journal(repos: Repos, actor: User, user: User, action: str, **details: object) -> None:
    repos.journal.record(
        actor=actor, action=action, target_type="user", target_id=user.id, target_label=user.email, details=details
    )
