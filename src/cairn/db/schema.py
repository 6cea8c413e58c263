"""The core tables (SQLAlchemy Core): users, folders, roles, integrations, items, datasets, journal.

Other concepts (registration jobs, inspections, API tokens) define their tables in sibling modules on the same
``metadata``. Everything the migrations in ``cairn/db/migrations`` create is declared here, search indexes and
triggers included (as DDL run after ``items`` is created); ``tests/db/test_migrations.py`` fails if the two drift
apart on either dialect.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from cairn.db import search_text
from cairn.domain.kinds import ItemKind

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

# Integer primary keys: the SQLite rowid alias (needed by the FTS5 index) and BIGINT identity on PostgreSQL.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# Materialized folder paths ("/1/5/9/") are compared bytewise so that prefix ranges select a subtree.
PathText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
Timestamp = sa.DateTime(timezone=True)
# The duplicate key (domain/duplicate_keys.py): up to 1,089 bytes, compared bytewise (URL order, cheap comparisons).
# SQLite enforces no declared length and compares text bytewise already: its declared VARCHAR(64) bounds nothing.
UrlKey = sa.String(64).with_variant(sa.Text(collation="C"), "postgresql")


def _id() -> sa.Column[int]:
    return sa.Column("id", Id, primary_key=True, autoincrement=True)


PENDING_LIST_KB = 256  # PostgreSQL: each search trigram index's pending list; a search with no kind reads them all


def search_trigram_index(kind: ItemKind) -> str:
    """PostgreSQL: the name of the GIN index of the trigrams of ``search_text`` of the items of ``kind``."""
    return f"ix_items_search_trgm_{kind.value}"


def _search_indexes() -> list[sa.Index]:
    """The indexes search reads: name order covering what a search checks, and the trigram index (PostgreSQL).

    SQLite's covering indexes hold the object URL, so a walk in name order checks title and URL in the index. On
    PostgreSQL a B-tree entry holds at most 2,704 bytes and a URL may be 16 kB long: there the name indexes include
    ``search_text`` (NULL when too long; those few items are found through ``ix_items_long_text``), and one GIN
    index of its trigrams per kind (partial: ``search_trigram_index``) finds a text's matches of the kinds asked
    for without reading rows, at a cost that follows the matches of those kinds only; each index's pending list is
    bounded at ``PENDING_LIST_KB`` (every search of that kind reads it whole).
    """
    return [
        # SQLite's name order is ix_items_search_title's alone: an index of (title, id) only would be its prefix,
        # which no plan chooses (the planner prefers the covering one) and every insert pays for.
        sa.Index(
            "ix_items_title", "title", "id", postgresql_include=["folder_id", "kind", "status", "search_text"]
        ).ddl_if(dialect="postgresql"),
        sa.Index("ix_items_search_title", "title", "id", "object_url").ddl_if(dialect="sqlite"),
        sa.Index("ix_items_kind_title", "kind", "title", "id", "object_url").ddl_if(dialect="sqlite"),
        sa.Index(
            "ix_items_kind_title", "kind", "title", "id", postgresql_include=["folder_id", "status", "search_text"]
        ).ddl_if(dialect="postgresql"),
        *(
            sa.Index(
                search_trigram_index(kind),
                "search_text",
                postgresql_using="gin",
                postgresql_ops={"search_text": "gin_trgm_ops"},
                postgresql_where=sa.text(f"kind = '{kind.value}'"),
                postgresql_with={"gin_pending_list_limit": PENDING_LIST_KB},
            ).ddl_if(dialect="postgresql")
            for kind in ItemKind
        ),
        sa.Index("ix_items_long_text", "id", postgresql_where=sa.text("search_text IS NULL")).ddl_if(
            dialect="postgresql"
        ),
    ]


users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("is_org_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", Timestamp, nullable=False),
    # an Argon2id hash (domain/passwords.py); null until the user follows an invitation or reset link
    sa.Column("password_hash", sa.String(200), nullable=True),
    sqlite_autoincrement=True,  # ids are never given out twice
)

folders = sa.Table(
    "folders",
    metadata,
    _id(),
    sa.Column("parent_id", Id, sa.ForeignKey("folders.id", ondelete="CASCADE"), nullable=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("client_metadata", Json, nullable=False),
    sa.Column("path", PathText, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False, server_default="folder"),
    sa.Column("created_by", Id, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("edited_at", Timestamp, nullable=False),
    # Sibling names are unique under a parent; at the top level only among the folders the actor sees, which the
    # service checks (services/folders.py): an org-wide index would tell anyone the names of folders hidden from them.
    sa.Index(
        "ix_folders_parent_name",
        "parent_id",
        "name",
        unique=True,
        sqlite_where=sa.text("parent_id IS NOT NULL"),
        postgresql_where=sa.text("parent_id IS NOT NULL"),
    ),
    sa.Index("ix_folders_path", "path"),
    sqlite_autoincrement=True,  # ids are never given out twice
)

folder_roles = sa.Table(
    "folder_roles",
    metadata,
    sa.Column("folder_id", Id, sa.ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("granted_by", Id, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("granted_at", Timestamp, nullable=False),
    sa.Index("ix_folder_roles_user", "user_id"),
)

integrations = sa.Table(
    "integrations",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("provider", sa.String(20), nullable=False),
    sa.Column("config", Json, nullable=False),
    sa.Column("secret", sa.LargeBinary, nullable=True),
    sa.Column("owner_id", Id, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("edited_at", Timestamp, nullable=False),
    sqlite_autoincrement=True,  # ids are never given out twice
)

items = sa.Table(
    "items",
    metadata,
    _id(),
    sa.Column("folder_id", Id, sa.ForeignKey("folders.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("status_reason", sa.Text, nullable=True),
    sa.Column("integration_id", Id, sa.ForeignKey("integrations.id"), nullable=True),
    sa.Column("object_url", sa.Text, nullable=True),
    sa.Column("url_key", UrlKey, nullable=True),
    sa.Column("copy_no", sa.Integer, nullable=False, server_default="0"),
    sa.Column("managed_key", sa.Text, nullable=True),
    sa.Column("pending_action", sa.String(50), nullable=True),
    sa.Column("file_size", sa.BigInteger, nullable=True),
    sa.Column("mime_type", sa.String(255), nullable=True),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("fps", sa.Float, nullable=True),
    sa.Column("duration", sa.Float, nullable=True),
    sa.Column("frame_count", sa.Integer, nullable=True),
    sa.Column("page_count", sa.Integer, nullable=True),
    sa.Column("audio_sample_rate", sa.Integer, nullable=True),
    sa.Column("audio_channels", sa.Integer, nullable=True),
    sa.Column("audio_bit_depth", sa.Integer, nullable=True),
    sa.Column("audio_codec", sa.String(50), nullable=True),
    sa.Column("dicom_study_uid", sa.String(64), nullable=True),
    sa.Column("dicom_series_uid", sa.String(64), nullable=True),
    sa.Column("dicom_instance_uid", sa.String(64), nullable=True),
    sa.Column("client_metadata", Json, nullable=False),
    sa.Column("owner_id", Id, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("edited_at", Timestamp, nullable=False),
    # Title and URL as a search checks them on PostgreSQL; NULL on SQLite, which searches through items_fts.
    sa.Column("search_text", sa.Text, sa.Computed(search_text.Generated(), persisted=True), nullable=True),
    sa.Index("ix_items_folder_title", "folder_id", "title", "id"),
    sa.Index("ix_items_folder_created", "folder_id", "created_at", "id"),
    # PostgreSQL: holds what a search checks, as the name indexes do (_search_indexes): a walk in creation order
    # (search's default order, newest first) reads no rows.
    sa.Index("ix_items_created", "created_at", "id", postgresql_include=["folder_id", "kind", "status", "search_text"]),
    sa.Index("ix_items_folder_url", "folder_id", "url_key", "copy_no", unique=True),
    sa.Index("ix_items_integration", "integration_id"),
    *_search_indexes(),
    sqlite_autoincrement=True,  # ids are never given out twice
)

item_members = sa.Table(
    "item_members",
    metadata,
    sa.Column("composite_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    # NO ACTION (checked at the end of the statement): a member cannot be deleted while a composite uses it.
    sa.Column("member_id", Id, sa.ForeignKey("items.id"), nullable=False),
    sa.Index("ix_item_members_member", "member_id"),
)

datasets = sa.Table(
    "datasets",
    metadata,
    _id(),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("synced_folder_id", Id, sa.ForeignKey("folders.id", ondelete="SET NULL"), nullable=True, unique=True),
    sa.Column("mirrored", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("owner_id", Id, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("edited_at", Timestamp, nullable=False),
    sqlite_autoincrement=True,  # ids are never given out twice
)

dataset_items = sa.Table(
    "dataset_items",
    metadata,
    sa.Column("dataset_id", Id, sa.ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("added_by", Id, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("added_at", Timestamp, nullable=False),
    sa.Index("ix_dataset_items_item", "item_id"),
)

journal = sa.Table(
    "journal",
    metadata,
    _id(),
    sa.Column("at", Timestamp, nullable=False),
    sa.Column("actor_id", Id, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("actor_email", sa.String(320), nullable=True),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("target_type", sa.String(30), nullable=False),
    sa.Column("target_id", sa.BigInteger, nullable=True),
    sa.Column("target_label", sa.Text, nullable=False, server_default=""),
    sa.Column("folder_id", sa.BigInteger, nullable=True),  # where it happened (not a foreign key: history stays)
    sa.Column("details", Json, nullable=False),
    sa.Index("ix_journal_target", "target_type", "target_id"),
    sa.Index("ix_journal_folder", "folder_id"),
    sa.Index("ix_journal_at", "at"),
    sqlite_autoincrement=True,  # ids are never given out twice
)


# Search objects SQLAlchemy does not model, made with the tables (create_all) as the migrations make them.
# SQLite: substring search through an external-content FTS5 index with the trigram tokenizer, kept by triggers. It
# holds the kind too, so that a kind filter is checked inside the index (``item_pages._fts_match``).
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE items_fts USING fts5("
    "title, object_url, kind, content='items', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts(rowid, title, object_url, kind) VALUES (new.id, new.title, new.object_url, new.kind); END",
    "CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, object_url, kind) "
    "VALUES ('delete', old.id, old.title, old.object_url, old.kind); END",
    "CREATE TRIGGER items_fts_au AFTER UPDATE OF title, object_url, kind ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, object_url, kind) "
    "VALUES ('delete', old.id, old.title, old.object_url, old.kind); "
    "INSERT INTO items_fts(rowid, title, object_url, kind) VALUES (new.id, new.title, new.object_url, new.kind); END",
)


@sa.event.listens_for(items, "before_create")
def _create_search_extension(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    """PostgreSQL: the operator class of the search trigram indexes."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")


@sa.event.listens_for(items, "after_create")
def _create_sqlite_search(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_DDL:
            connection.exec_driver_sql(statement)
