"""Tables of the auth concept, on the shared metadata (see cairn.db.schema).

Secrets are never stored: an API token or a login session is kept as the SHA-256 of its secret (the secrets are
32 random bytes, so a fast hash is enough). A token's ``prefix`` (its first characters) is kept to recognise it in
listings. A login session keeps the token it was started with (``token_id``): it ends with that token, when the
token is revoked or expires.
"""

from __future__ import annotations

import sqlalchemy as sa

from cairn.db.schema import Id, Timestamp, metadata

__all__ = ["api_tokens", "login_sessions", "metadata", "password_links"]

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=True),
    sa.Column("last_used_at", Timestamp, nullable=True),
    sa.Column("revoked_at", Timestamp, nullable=True),
    sa.Index("ix_api_tokens_user", "user_id"),
    sqlite_autoincrement=True,  # ids are never given out twice
)

login_sessions = sa.Table(
    "login_sessions",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("csrf_hash", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("revoked_at", Timestamp, nullable=True),
    # the token the session was started with (null: started with a password), when it
    # was last used (touched at most once a minute) and the browser's User-Agent at login (cut to 300 characters)
    sa.Column("token_id", Id, sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), nullable=True),
    sa.Column("last_used_at", Timestamp, nullable=True),
    sa.Column("user_agent", sa.String(300), nullable=True),
    sa.Index("ix_login_sessions_user", "user_id"),
    sa.Index("ix_login_sessions_token", "token_id"),
    sqlite_autoincrement=True,  # ids are never given out twice
)

password_links = sa.Table(
    "password_links",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("purpose", sa.String(20), nullable=False),  # invite | reset (domain.passwords.LinkPurpose)
    sa.Column("link_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_by", Id, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("used_at", Timestamp, nullable=True),
    sa.Index("ix_password_links_user", "user_id"),
    sqlite_autoincrement=True,  # ids are never given out twice
)
