"""Login sessions keep the API token they were started with, when they were last used, and the browser's name.

A session used to keep only its user, so it went on working for its whole lifetime (7 days by default) after the
token it came from was revoked. Now ``login_sessions.token_id`` names that token (a session ends with it; deleting
the token deletes its sessions), ``last_used_at`` says when the session was last used and ``user_agent`` which
browser started it, so that a user can tell their sessions apart before ending one.

Sessions started before this migration cannot be tied to a token: they are deleted, and their users log in to the
web UI again. Runs after 0013, which makes ``login_sessions`` again on SQLite.

Revision ID: 0015
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import SchemaItem

revision = "0015"
down_revision = "0004"
branch_labels = None
depends_on = "0013"

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
_FOREIGN_KEY = "fk_login_sessions_token_id_api_tokens"


def upgrade() -> None:
    op.execute("DELETE FROM login_sessions")
    if op.get_bind().dialect.name == "sqlite":
        _make_sqlite_table_again(tied_to_tokens=True)
    else:
        op.add_column("login_sessions", sa.Column("token_id", ID, nullable=True))
        op.create_foreign_key(_FOREIGN_KEY, "login_sessions", "api_tokens", ["token_id"], ["id"], ondelete="CASCADE")
        op.add_column("login_sessions", sa.Column("last_used_at", TIMESTAMP, nullable=True))
        op.add_column("login_sessions", sa.Column("user_agent", sa.String(300), nullable=True))
    op.create_index("ix_login_sessions_token", "login_sessions", ["token_id"])


def downgrade() -> None:
    op.drop_index("ix_login_sessions_token", "login_sessions")
    if op.get_bind().dialect.name == "sqlite":
        _make_sqlite_table_again(tied_to_tokens=False)
        return
    for column in ("user_agent", "last_used_at", "token_id"):
        op.drop_column("login_sessions", column)  # the reference goes with its column


def _make_sqlite_table_again(*, tied_to_tokens: bool) -> None:
    """SQLite can neither add a named reference nor drop a column that has one: the table is made again with or
    without the new columns, its rows and id counter kept so that no session id is given out twice (0013)."""
    conn = op.get_bind()
    counter = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'login_sessions'").scalar()
    op.drop_index("ix_login_sessions_user", "login_sessions")
    op.rename_table("login_sessions", "login_sessions_old")
    op.create_table("login_sessions", *_sqlite_columns(tied_to_tokens=tied_to_tokens), sqlite_autoincrement=True)
    kept = "id, user_id, session_hash, csrf_hash, created_at, expires_at, revoked_at"
    op.execute(f"INSERT INTO login_sessions ({kept}) SELECT {kept} FROM login_sessions_old")  # noqa: S608
    op.drop_table("login_sessions_old")
    op.create_index("ix_login_sessions_user", "login_sessions", ["user_id"])
    conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name IN ('login_sessions', 'login_sessions_old')")
    if counter is not None:
        conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('login_sessions', :n)"), {"n": counter})


def _sqlite_columns(*, tied_to_tokens: bool) -> list[SchemaItem]:
    """The columns and constraints of ``login_sessions`` as 0004 and 0013 made it, plus those of 0015 if asked."""
    items: list[SchemaItem] = [
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column("csrf_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_login_sessions_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_login_sessions"),
        sa.UniqueConstraint("session_hash", name="uq_login_sessions_session_hash"),
    ]
    if tied_to_tokens:
        items[7:7] = [
            sa.Column("token_id", ID, nullable=True),
            sa.Column("last_used_at", TIMESTAMP, nullable=True),
            sa.Column("user_agent", sa.String(300), nullable=True),
        ]
        items.append(sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], name=_FOREIGN_KEY, ondelete="CASCADE"))
    return items
