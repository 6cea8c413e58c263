"""Who is calling: per-user API tokens (shown once, stored hashed) and web login sessions (cookie + CSRF token).

Nothing in cairn is anonymous except the health check. Every request presents either an API token
(``Authorization: Bearer cairn_...``) or a login session cookie; :meth:`AuthService.authenticate` and
:meth:`AuthService.session_user` turn it into the :class:`User` every other service takes as ``actor``.
A session is started by presenting an API token once and lives no longer than that token (revoking the token ends
it at once), or by signing in with email and password (``services/passwords.py``), when it lives its own lifetime.
Requests that change something with a session must also carry the session's CSRF token (double submit), which a
cross-site page cannot read. A user lists and ends their own sessions ("log out everywhere"); deactivating a user
revokes their tokens and ends their sessions (``services/users.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cairn.db.database import Database
from cairn.db.repositories import Repos
from cairn.domain.auth import (
    MAX_TOKEN_DAYS,
    MAX_TOKEN_NAME,
    MAX_USER_AGENT,
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
class SessionListing:
    """A live login session as its user sees it: the API token it was started with, and whether it is the session
    of the request asking (``current``)."""

    session: LoginSession
    token_id: int | None  # None: started with a password
    token_name: str | None
    current: bool


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
        """Revoke a token at once (its owner or an organization admin), and end the web sessions started with it.
        Revoking twice is harmless."""
        with self._write() as repos:
            token = _visible_token(repos, actor, token_id)
            if token.revoked_at is None:
                repos.auth.revoke_token(token.id)
                ended = repos.auth.revoke_sessions_of_token(token.id)
                owner = repos.users.get(token.user_id)
                _journal(repos, actor, "token.revoke", token, owner, sessions_ended=ended)
            revoked = repos.auth.token(token.id)
            assert revoked is not None
            return revoked

    def authenticate(self, *, token: str) -> User:
        """The user an API token belongs to; AuthenticationRequired if it is unknown, revoked, expired or inactive."""
        return self._usable_token(token)[1]

    def _usable_token(self, token: str) -> tuple[ApiToken, User]:
        """The token a secret names and its user, or AuthenticationRequired; notes when the token was last used."""
        at = _now()
        with self._read() as repos:
            found = repos.auth.token_by_hash(secret_hash(token.strip())) if token.strip() else None
            if found is None or not found.is_usable(at):
                raise AuthenticationRequired(_token_refusal(found, at))
            user = _active_user(repos, found.user_id)
        if found.last_used_at is None or at - found.last_used_at > _TOUCH_EVERY:
            with self._write() as repos:
                repos.auth.touch_token(found.id, at)
        return found, user

    # --- login sessions ---------------------------------------------------------------------------------------
    def start_session(self, *, token: str, user_agent: str | None = None) -> NewSession:
        """Log in to the web UI by presenting an API token once; returns the session cookie and CSRF secrets.

        The session is tied to that token: it ends when the token is revoked or expires, and it never lasts longer
        than the token does. ``user_agent`` (the browser's, kept short and printable) helps its user recognise it.
        """
        api_token, user = self._usable_token(token)
        with self._write() as repos:
            return self._open_session(repos, user=user, token=api_token, user_agent=user_agent)

    def start_password_session(self, repos: Repos, *, user: User, user_agent: str | None) -> NewSession:
        """A session for a user whose password :class:`~cairn.services.passwords.PasswordService` has just
        checked or set, in its transaction. It lives the configured session lifetime, tied to no token."""
        return self._open_session(repos, user=user, token=None, user_agent=user_agent)

    def _open_session(self, repos: Repos, *, user: User, token: ApiToken | None, user_agent: str | None) -> NewSession:
        secret, csrf = new_secret(), new_secret()
        wanted = _now() + self._session_ttl
        session = repos.auth.create_session(
            user_id=user.id,
            token_id=token.id if token else None,
            session_hash=secret_hash(secret),
            csrf_hash=secret_hash(csrf),
            expires_at=_session_expiry(token, wanted) if token else wanted,
            user_agent=_clean_user_agent(user_agent),
        )
        how = {"token_id": token.id} if token else {"password": True}
        _journal_sessions(repos, user, "session.start", {"session_id": session.id, **how})
        return NewSession(session=session, secret=secret, csrf_token=csrf)

    def session_user(self, *, session: str, csrf_token: str | None = None, changes_state: bool = True) -> User:
        """The user of a session cookie. A request that changes state must present the session's CSRF token."""
        at = _now()
        with self._read() as repos:
            login, csrf_hash = _live_session(repos, session, at)
            if changes_state and not (csrf_token and same_secret(csrf_token, csrf_hash)):
                raise PermissionDenied(
                    "missing or wrong CSRF token: send the X-CSRF-Token header given at login with every request "
                    "that changes something"
                )
            user = _active_user(repos, login.user_id)
        if login.last_used_at is None or at - login.last_used_at > _TOUCH_EVERY:
            with self._write() as repos:
                repos.auth.touch_session(login.id, at)
        return user

    def sessions(self, *, actor: User, current: str | None = None) -> list[SessionListing]:
        """The actor's live login sessions, newest first; ``current`` (a session cookie) marks the caller's own."""
        at = _now()
        with self._read() as repos:
            current_id = _own_session_id(repos, actor, current)
            tokens = {token.id: token for token in repos.auth.tokens_of(actor.id)}
            live = repos.auth.live_sessions_of(actor.id, at)
        listings = []
        for login in live:
            mine = login.id == current_id
            if login.token_id is None:  # started with a password
                listings.append(SessionListing(login, None, None, current=mine))
                continue
            token = tokens.get(login.token_id)
            if token is not None and token.is_usable(at):
                listings.append(SessionListing(login, token.id, token.name, current=mine))
        return listings

    def revoke_session(self, *, actor: User, session_id: int) -> None:
        """End one of the actor's sessions at once. Another user's session is NotFound, as one that never existed:
        nobody (not even an organization admin) learns which sessions others have. Ending it twice is harmless."""
        with self._write() as repos:
            login = repos.auth.session(session_id)
            if login is None or login.user_id != actor.id:
                raise NotFound(f"login session {session_id} not found", details={"session_id": session_id})
            if login.revoked_at is None:
                repos.auth.revoke_session(login.id)
                _journal_sessions(repos, actor, "session.revoke", {"session_id": login.id})

    def revoke_sessions(self, *, actor: User, keep: str | None = None) -> int:
        """Log out everywhere: end every session of the actor but ``keep`` (their current session cookie, if they
        want to stay logged in here). Returns how many sessions were ended; API tokens are left alone."""
        with self._write() as repos:
            keep_id = _own_session_id(repos, actor, keep)
            ended = repos.auth.revoke_sessions_of(actor.id, keep=keep_id)
            _journal_sessions(repos, actor, "session.revoke_all", {"ended": ended, "kept": keep_id})
            return ended

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


def _journal(repos: Repos, actor: User, action: str, token: ApiToken, owner: User | None, **details: object) -> None:
    repos.journal.record(
        actor=actor,
        action=action,
        target_type="token",
        target_id=token.id,
        target_label=f"{token.name} ({token.prefix}...)",
        details={"user": owner.email if owner else None, **details},
    )


def _journal_sessions(repos: Repos, actor: User, action: str, details: dict[str, object]) -> None:
    repos.journal.record(
        actor=actor, action=action, target_type="user", target_id=actor.id, target_label=actor.email, details=details
    )


def _live_session(repos: Repos, session: str, at: datetime) -> tuple[LoginSession, str]:
    """The session a cookie names and its CSRF hash, if it and the token it was started with (if any: a session
    started with a password has none) are still usable."""
    found = repos.auth.session_by_hash(secret_hash(session)) if session else None
    if found is None or not found[0].is_usable(at):
        raise AuthenticationRequired("the login session is unknown, expired or ended: log in again")
    token_id = found[0].token_id
    if token_id is None:
        return found
    token = repos.auth.token(token_id)
    if token is None or not token.is_usable(at):
        refusal = _token_refusal(token, at)
        raise AuthenticationRequired(f"{refusal}, so the login session made with it has ended: log in again")
    return found


def _own_session_id(repos: Repos, actor: User, session: str | None) -> int | None:
    """The id of the session a cookie names, if it is one of the actor's (else None: nothing to mark or keep)."""
    found = repos.auth.session_by_hash(secret_hash(session)) if session else None
    return found[0].id if found is not None and found[0].user_id == actor.id else None


def _session_expiry(token: ApiToken, wanted: datetime) -> datetime:
    """A session ends when its lifetime is over, or when its token expires if that comes first."""
    return wanted if token.expires_at is None else min(wanted, token.expires_at)


def _clean_user_agent(user_agent: str | None) -> str | None:
    """The browser's User-Agent as kept: printable characters only (it is shown in terminals), cut short."""
    if user_agent is None:
        return None
    printable = "".join(char for char in user_agent if char.isprintable()).strip()
    return printable[:MAX_USER_AGENT] or None
