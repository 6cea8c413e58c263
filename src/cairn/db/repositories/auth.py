"""API tokens, login sessions and one-time password links (only hashes of their secrets are stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cairn.db.auth_schema import api_tokens, login_sessions, password_links
from cairn.db.repositories._common import Repository, now, utc
from cairn.domain.auth import ApiToken, LoginSession
from cairn.domain.passwords import LinkPurpose, PasswordLink


def _maybe_utc(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        prefix=row.prefix,
        created_at=utc(row.created_at),
        expires_at=_maybe_utc(row.expires_at),
        last_used_at=_maybe_utc(row.last_used_at),
        revoked_at=_maybe_utc(row.revoked_at),
    )


def _session(row: Any) -> LoginSession:
    return LoginSession(
        id=row.id,
        user_id=row.user_id,
        created_at=utc(row.created_at),
        expires_at=utc(row.expires_at),
        revoked_at=_maybe_utc(row.revoked_at),
        token_id=row.token_id,
        last_used_at=_maybe_utc(row.last_used_at),
        user_agent=row.user_agent,
    )


def _link(row: Any) -> PasswordLink:
    return PasswordLink(
        id=row.id,
        user_id=row.user_id,
        purpose=LinkPurpose(row.purpose),
        created_by=row.created_by,
        created_at=utc(row.created_at),
        expires_at=utc(row.expires_at),
        used_at=_maybe_utc(row.used_at),
    )


class AuthRepository(Repository):
    # --- API tokens -------------------------------------------------------------------------------------------
    def create_token(
        self, *, user_id: int, name: str, prefix: str, token_hash: str, expires_at: datetime | None
    ) -> ApiToken:
        row = self.conn.execute(
            api_tokens.insert()
            .values(
                user_id=user_id,
                name=name,
                prefix=prefix,
                token_hash=token_hash,
                created_at=now(),
                expires_at=expires_at,
            )
            .returning(*api_tokens.c)
        ).one()
        return _token(row)

    def token(self, token_id: int) -> ApiToken | None:
        row = self.conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return _token(row) if row else None

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = self.conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return _token(row) if row else None

    def tokens_of(self, user_id: int | None) -> list[ApiToken]:
        """Every token of one user (or of everyone when None), newest first."""
        query = sa.select(api_tokens).order_by(api_tokens.c.id.desc())
        if user_id is not None:
            query = query.where(api_tokens.c.user_id == user_id)
        return [_token(r) for r in self.conn.execute(query)]

    def revoke_token(self, token_id: int) -> None:
        self.conn.execute(
            api_tokens.update()
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now())
        )

    def touch_token(self, token_id: int, at: datetime) -> None:
        self.conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(last_used_at=at))

    def revoke_tokens_of(self, user_id: int) -> int:
        """Revoke every live token of a user; how many were."""
        result = self.conn.execute(
            api_tokens.update()
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now())
        )
        return result.rowcount

    # --- login sessions ---------------------------------------------------------------------------------------
    def create_session(
        self,
        *,
        user_id: int,
        token_id: int | None,
        session_hash: str,
        csrf_hash: str,
        expires_at: datetime,
        user_agent: str | None,
    ) -> LoginSession:
        """A session of a user, started with the token ``token_id`` (it ends with it) or with a password (None)."""
        at = now()
        row = self.conn.execute(
            login_sessions.insert()
            .values(
                user_id=user_id,
                token_id=token_id,
                session_hash=session_hash,
                csrf_hash=csrf_hash,
                created_at=at,
                last_used_at=at,
                expires_at=expires_at,
                user_agent=user_agent,
            )
            .returning(*login_sessions.c)
        ).one()
        return _session(row)

    def live_sessions_of(self, user_id: int, at: datetime) -> list[LoginSession]:
        """The user's sessions that are neither ended nor expired at ``at``, newest first."""
        query = (
            sa.select(login_sessions)
            .where(
                login_sessions.c.user_id == user_id,
                login_sessions.c.revoked_at.is_(None),
                login_sessions.c.expires_at > at,
            )
            .order_by(login_sessions.c.id.desc())
        )
        return [_session(row) for row in self.conn.execute(query)]

    def session(self, session_id: int) -> LoginSession | None:
        row = self.conn.execute(sa.select(login_sessions).where(login_sessions.c.id == session_id)).first()
        return _session(row) if row else None

    def touch_session(self, session_id: int, at: datetime) -> None:
        self.conn.execute(login_sessions.update().where(login_sessions.c.id == session_id).values(last_used_at=at))

    def session_by_hash(self, session_hash: str) -> tuple[LoginSession, str] | None:
        """The session with this secret hash, and the hash of its CSRF token."""
        query = sa.select(login_sessions).where(login_sessions.c.session_hash == session_hash)
        row = self.conn.execute(query).first()
        return (_session(row), row.csrf_hash) if row else None

    def revoke_session(self, session_id: int) -> None:
        self.conn.execute(
            login_sessions.update()
            .where(login_sessions.c.id == session_id, login_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now())
        )

    def revoke_sessions_of(self, user_id: int, *, keep: int | None = None) -> int:
        """End every live session of a user but ``keep`` (a session id); how many were ended."""
        query = _live_sessions_update(login_sessions.c.user_id == user_id)
        if keep is not None:
            query = query.where(login_sessions.c.id != keep)
        return self.conn.execute(query).rowcount

    def revoke_sessions_of_token(self, token_id: int) -> int:
        """End every live session started with a token; how many were ended."""
        return self.conn.execute(_live_sessions_update(login_sessions.c.token_id == token_id)).rowcount

    # --- one-time password links ------------------------------------------------------------------------------
    def create_link(
        self, *, user_id: int, purpose: LinkPurpose, link_hash: str, created_by: int, expires_at: datetime
    ) -> PasswordLink:
        row = self.conn.execute(
            password_links.insert()
            .values(
                user_id=user_id,
                purpose=purpose.value,
                link_hash=link_hash,
                created_by=created_by,
                created_at=now(),
                expires_at=expires_at,
            )
            .returning(*password_links.c)
        ).one()
        return _link(row)

    def link_by_hash(self, link_hash: str) -> PasswordLink | None:
        row = self.conn.execute(sa.select(password_links).where(password_links.c.link_hash == link_hash)).first()
        return _link(row) if row else None

    def use_link(self, link_id: int, at: datetime) -> bool:
        """Mark a link used, if it was not yet and has not expired: whether this call is the one that used it."""
        result = self.conn.execute(
            password_links.update()
            .where(
                password_links.c.id == link_id,
                password_links.c.used_at.is_(None),
                password_links.c.expires_at > at,
            )
            .values(used_at=at)
        )
        return result.rowcount == 1

    def void_links_of(self, user_id: int) -> int:
        """Make every unused link of a user unusable (as if used now): how many were."""
        result = self.conn.execute(
            password_links.update()
            .where(password_links.c.user_id == user_id, password_links.c.used_at.is_(None))
            .values(used_at=now())
        )
        return result.rowcount


def _live_sessions_update(condition: sa.ColumnElement[bool]) -> sa.Update:
    """Mark ended (now) the sessions that match ``condition`` and are neither ended nor expired yet."""
    at = now()
    return (
        login_sessions.update()
        .where(condition, login_sessions.c.revoked_at.is_(None), login_sessions.c.expires_at > at)
        .values(revoked_at=at)
    )
