"""Duplicate keys in URL order: ``items.url_key`` becomes the URL itself (or its first 256 characters and a hash)
instead of the SHA-256 of the URL, so that a batch of new keys lands on neighbouring pages of the unique index
(``cairn/domain/duplicate_keys.py`` says why). PostgreSQL: the column becomes ``text`` compared bytewise ("C").

Keys are rewritten only where they are the old rule's (the SHA-256 of the URL, or of a composite's member URLs
joined by line breaks); any other key (an uploaded batch's random one) is kept. The rule is copied here, not
imported: a migration computes what it computed when it was written.

Revision ID: urlkeys1
Revises: resultobj1
Create Date: 2026-12-05
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "urlkeys1"
down_revision = "resultobj1"
branch_labels = None
depends_on = None

PREFIX_CHARS = 256
BATCH = 5000


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _ordered_key(text: str) -> str:
    if len(text) <= PREFIX_CHARS:
        return text
    return f"{text[:PREFIX_CHARS]}#{_sha256(text)}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE items ALTER COLUMN url_key TYPE text COLLATE "C"')
    _rewrite_keys(old=_sha256, new=_ordered_key)


def downgrade() -> None:
    _rewrite_keys(old=_ordered_key, new=_sha256)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE items ALTER COLUMN url_key TYPE varchar(64) COLLATE pg_catalog.default")


def _rewrite_keys(*, old: Callable[[str], str], new: Callable[[str], str]) -> None:
    """Every key ``old`` made from its item's URL (or its members' URLs) becomes the key ``new`` makes."""
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, url_key, object_url FROM items WHERE url_key IS NOT NULL AND id > :after "
                "ORDER BY id LIMIT :limit"
            ),
            {"after": after, "limit": BATCH},
        ).all()
        if not rows:
            return
        after = rows[-1][0]
        members = _member_urls(conn, [item_id for item_id, _, url in rows if url is None])
        changes = []
        for item_id, key, url in rows:
            source = url if url is not None else members.get(item_id)
            if source is not None and old(source) == key:
                changes.append({"id": item_id, "key": new(source)})
        if changes:
            conn.execute(sa.text("UPDATE items SET url_key = :key WHERE id = :id"), changes)


def _member_urls(conn: sa.Connection, composite_ids: list[int]) -> dict[int, str]:
    """Each composite's member URLs (or managed keys) in order, joined by line breaks, as its key was made."""
    if not composite_ids:
        return {}
    query = sa.text(
        "SELECT m.composite_id, coalesce(i.object_url, i.managed_key, '') FROM item_members m "
        "JOIN items i ON i.id = m.member_id WHERE m.composite_id IN :ids ORDER BY m.composite_id, m.position"
    ).bindparams(sa.bindparam("ids", expanding=True))
    found: dict[int, list[str]] = {}
    for composite_id, url in conn.execute(query, {"ids": composite_ids}):
        found.setdefault(composite_id, []).append(url)
    return {composite_id: "\n".join(urls) for composite_id, urls in found.items()}
