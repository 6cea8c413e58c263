"""Who is calling: per-user API tokens (shown once, stored hashed) and web login sessions (cookie + CSRF token).

Nothing in cairn is anonymous except the health check. Every request presents either an API token
(``Authorization: Bearer cairn_...``) or a login session cookie; :meth:`AuthService.authenticate` and
:meth:`AuthService.session_user` turn it into the :class:`User` every other service takes as ``actor``.
A session is started by presenting an API token once (the web UI's login form); requests that change something
with a session must also carry the session's CSRF token (double submit), which a cross-site page cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain.auth import (
    MAX_TOKEN_NAME,
    PREFIX_LENGTH,
    TOKEN_PREFIX,
    ApiToken,
    LoginSession,
    new_secret,
    same_secret,
    secret_hash,
)
from cairn.domain.records import User
from cairn.errors import AuthenticationRequired, InvalidInput, NotFound, PermissionDenied
from cairn.services._base import Service

MAX_TOKEN_DAYS = 3650
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` is what the user presents; it is shown this once and never stored."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class NewSession:
    """A session just started: ``secret`` goes in the cookie, ``csrf_token`` in the X-CSRF-Token header."""

    session: LoginSession
    secret: str
    csrf_token: str


@dataclass(frozen=True)
class FirstRunLogin:
    """What the first run prints so that a newcomer can log in as the local admin."""

    token: NewToken
    lines: list[str]


def _now() -> datetime:
    return datetime.now(UTC)


class AuthService(Service):
    def __init__(self, db: Database, *, session_ttl_hours: int) -> None:
        super().__init__(db)
        self._session_ttl = timedelta(hours=session_ttl_hours)

    # --- API tokens -------------------------------------------------------------------------------------------
    def create_token(
        self, *, actor: User, name: str, user_id: int | None = None, expires_in_days: int | None = None
    ) -> NewToken:
        """Make an API token for the actor (organization admins: for any user). The secret is returned once."""
        clean = _token_name(name)
        expires_at = _expiry(expires_in_days)
        with self._write() as repos:
            owner = _token_owner(repos, actor, user_id)
            secret = new_secret(prefix=TOKEN_PREFIX)
            token = repos.auth.create_token(
                user_id=owner.id,
                name=clean,
                prefix=secret[:PREFIX_LENGTH],
                token_hash=secret_hash(secret),
                expires_at=expires_at,
            )
            _journal(repos, actor, "token.create", token, owner)
            return NewToken(token=token, secret=secret)

    def tokens(self, *, actor: User, user_id: int | None = None, all_users: bool = False) -> list[ApiToken]:
        """The actor's tokens; organization admins may list another user's, or everyone's with ``all_users``."""
        with self._read() as repos:
            if all_users:
                _require_admin_for_others(actor)
                return repos.auth.tokens_of(None)
            return repos.auth.tokens_of(_token_owner(repos, actor, user_id).id)

    def revoke_token(self, *, actor: User, token_id: int) -> ApiToken:
        """Revoke a token at once (its owner or an organization admin). Revoking twice is harmless."""
        with self._write() as repos:
            token = _visible_token(repos, actor, token_id)
            if token.revoked_at is None:
                repos.auth.revoke_token(token.id)
                owner = repos.users.get(token.user_id)
                _journal(repos, actor, "token.revoke", token, owner)
            revoked = repos.auth.token(token.id)
            assert revoked is not None
            return revoked

    def authenticate(self, *, token: str) -> User:
        """The user an API token belongs to; AuthenticationRequired if it is unknown, revoked, expired or inactive."""
        at = _now()
        with self._read() as repos:
            found = repos.auth.token_by_hash(secret_hash(token.strip())) if token.strip() else None
            if found is None or not found.is_usable(at):
                raise AuthenticationRequired(_token_refusal(found, at))
            user = _active_user(repos, found.user_id)
        if found.last_used_at is None or at - found.last_used_at > _TOUCH_EVERY:
            with self._write() as repos:
                repos.auth.touch_token(found.id, at)
        return user

    # --- login sessions ---------------------------------------------------------------------------------------
    def start_session(self, *, token: str) -> NewSession:
        """Log in to the web UI by presenting an API token once; returns the session cookie and CSRF secrets."""
        user = self.authenticate(token=token)
        secret, csrf = new_secret(), new_secret()
        with self._write() as repos:
            session = repos.auth.create_session(
                user_id=user.id,
                session_hash=secret_hash(secret),
                csrf_hash=secret_hash(csrf),
                expires_at=_now() + self._session_ttl,
            )
            repos.journal.record(
                actor=user, action="session.start", target_type="user", target_id=user.id, target_label=user.email
            )
        return NewSession(session=session, secret=secret, csrf_token=csrf)

    def session_user(self, *, session: str, csrf_token: str | None = None, changes_state: bool = True) -> User:
        """The user of a session cookie. A request that changes state must present the session's CSRF token."""
        with self._read() as repos:
            found = repos.auth.session_by_hash(secret_hash(session)) if session else None
            if found is None or not found[0].is_usable(_now()):
                raise AuthenticationRequired("the login session is unknown, expired or ended: log in again")
            login, csrf_hash = found
            if changes_state and not (csrf_token and same_secret(csrf_token, csrf_hash)):
                raise PermissionDenied(
                    "missing or wrong CSRF token: send the X-CSRF-Token header given at login with every request "
                    "that changes something"
                )
            return _active_user(repos, login.user_id)

    def end_session(self, *, session: str) -> None:
        """Log out: the session cookie stops working at once (unknown sessions are ignored)."""
        with self._write() as repos:
            found = repos.auth.session_by_hash(secret_hash(session)) if session else None
            if found is not None:
                repos.auth.revoke_session(found[0].id)

    # --- first run --------------------------------------------------------------------------------------------
    def first_run_login(self, *, admin: User, base_url: str) -> FirstRunLogin:
        """Make an API token for the local admin and say how to log in with it (printed once by ``cairn serve``)."""
        made = self.create_token(actor=admin, name="first run")
        url = base_url.rstrip("/")
        lines = [
            f"Local admin: {admin.email}",
            f"API token (shown once, keep it safe): {made.secret}",
            f"API: curl -H 'Authorization: Bearer {made.secret}' {url}/api/v1/users/me   (docs: {url}/docs)",
            f"Python: cairn.client.Client({url!r}, token='{made.secret}')",
        ]
        return FirstRunLogin(token=made, lines=lines)


def _token_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > MAX_TOKEN_NAME:
        raise InvalidInput(f"token name must be 1 to {MAX_TOKEN_NAME} characters, got {len(clean)}")
    return clean


def _expiry(days: int | None) -> datetime | None:
    if days is None:
        return None
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"expires_in_days must be between 1 and {MAX_TOKEN_DAYS}, got {days}")
    return _now() + timedelta(days=days)


def _require_admin_for_others(actor: User) -> None:
    if not actor.is_org_admin:
        raise PermissionDenied(f"{actor.email} may only see and manage their own API tokens")


def _token_owner(repos: Repos, actor: User, user_id: int | None) -> User:
    if user_id is None or user_id == actor.id:
        return actor
    _require_admin_for_others(actor)
    owner = repos.users.get(user_id)
    if owner is None:
        raise NotFound(f"user {user_id} not found", details={"user_id": user_id})
    return owner


def _visible_token(repos: Repos, actor: User, token_id: int) -> ApiToken:
    token = repos.auth.token(token_id)
    if token is None or (token.user_id != actor.id and not actor.is_org_admin):
        raise NotFound(f"API token {token_id} not found", details={"token_id": token_id})
    return token


def _token_refusal(token: ApiToken | None, at: datetime) -> str:
    if token is None:
        return "the API token is not valid"
    if token.revoked_at is not None:
        return f"the API token {token.prefix}... was revoked"
    return f"the API token {token.prefix}... expired at {token.expires_at} (now {at})"


def _active_user(repos: Repos, user_id: int) -> User:
    user = repos.users.get(user_id)
    if user is None or not user.is_active:
        raise AuthenticationRequired("the account of this token is disabled")
    return user


def _journal(repos: Repos, actor: User, action: str, token: ApiToken, owner: User | None) -> None:
    repos.journal.record(
        actor=actor,
        action=action,
        target_type="token",
        target_id=token.id,
        target_label=f"{token.name} ({token.prefix}...)",
        details={"user": owner.email if owner else None},
    )
