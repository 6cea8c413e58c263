"""Passwords: ``users.password_hash`` and the one-time links that set it (``password_links``).

A user may now sign in with email and password. ``users.password_hash`` (nullable: a user has none until they follow
an invitation or reset link) keeps an Argon2id hash; ``password_links`` keeps the SHA-256 of each one-time link's
secret, its purpose (invite, reset), who made it, when it expires and when it was used. Sessions started with a
password have no ``login_sessions.token_id`` (the column is already nullable).

Adding a nullable column and a table needs no table made again, on either dialect. Stacked on 0015 (the head of
the auth tables).

Revision ID: p017
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "p017"
down_revision = "0015"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("password_hash", sa.String(200), nullable=True))
    op.create_table(
        "password_links",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("link_hash", sa.String(64), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_links_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_password_links_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_links")),
        sa.UniqueConstraint("link_hash", name=op.f("uq_password_links_link_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_password_links_user", "password_links", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_password_links_user", "password_links")
    op.drop_table("password_links")
    op.execute("DELETE FROM login_sessions WHERE token_id IS NULL")  # sessions started with a password
    op.drop_column("users", "password_hash")  # SQLite 3.35+ drops an unindexed column in place
