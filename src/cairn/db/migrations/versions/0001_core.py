"""Core schema: users, folders, folder roles, integrations, items, composites, datasets, journal, search.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PATH_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    _create_tables()
    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_search()
    else:
        _create_postgresql_search()


def downgrade() -> None:
    for table in (
        "journal",
        "dataset_items",
        "datasets",
        "item_members",
        "items",
        "integrations",
        "folder_roles",
        "folders",
        "users",
    ):
        op.drop_table(table)
    op.execute("DROP TABLE IF EXISTS items_fts")


def _create_tables() -> None:
    op.create_table(
        "users",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("is_org_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "folders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("parent_id", ID, nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("client_metadata", JSON, nullable=False),
        sa.Column("path", PATH_TEXT, nullable=False),
        sa.Column("kind", sa.String(length=20), server_default="folder", nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_folders_created_by_users")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["folders.id"], name=op.f("fk_folders_parent_id_folders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_folders")),
    )
    op.create_index(
        "ix_folders_parent_name",
        "folders",
        [sa.literal_column("coalesce(parent_id, 0)"), sa.literal_column("name")],
        unique=True,
    )
    op.create_index("ix_folders_path", "folders", ["path"], unique=False)
    op.create_table(
        "integrations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=True),
        sa.Column("owner_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_integrations_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
        sa.UniqueConstraint("name", name=op.f("uq_integrations_name")),
    )
    op.create_table(
        "journal",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target_type", sa.String(length=30), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("target_label", sa.Text(), server_default="", nullable=False),
        sa.Column("folder_id", sa.BigInteger(), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_journal_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal")),
    )
    op.create_index("ix_journal_at", "journal", ["at"], unique=False)
    op.create_index("ix_journal_folder", "journal", ["folder_id"], unique=False)
    op.create_index("ix_journal_target", "journal", ["target_type", "target_id"], unique=False)
    op.create_table(
        "datasets",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("synced_folder_id", ID, nullable=True),
        sa.Column("mirrored", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("owner_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_datasets_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["synced_folder_id"],
            ["folders.id"],
            name=op.f("fk_datasets_synced_folder_id_folders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
        sa.UniqueConstraint("synced_folder_id", name=op.f("uq_datasets_synced_folder_id")),
    )
    op.create_table(
        "folder_roles",
        sa.Column("folder_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("granted_by", ID, nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name=op.f("fk_folder_roles_folder_id_folders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["granted_by"], ["users.id"], name=op.f("fk_folder_roles_granted_by_users")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_folder_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("folder_id", "user_id", name=op.f("pk_folder_roles")),
    )
    op.create_index("ix_folder_roles_user", "folder_roles", ["user_id"], unique=False)
    op.create_table(
        "items",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("folder_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("integration_id", ID, nullable=True),
        sa.Column("object_url", sa.Text(), nullable=True),
        sa.Column("url_key", sa.String(length=64), nullable=True),
        sa.Column("copy_no", sa.Integer(), server_default="0", nullable=False),
        sa.Column("managed_key", sa.Text(), nullable=True),
        sa.Column("pending_action", sa.String(length=50), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("mime_type", sa.String(length=255), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("frame_count", sa.Integer(), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("audio_sample_rate", sa.Integer(), nullable=True),
        sa.Column("audio_channels", sa.Integer(), nullable=True),
        sa.Column("audio_bit_depth", sa.Integer(), nullable=True),
        sa.Column("audio_codec", sa.String(length=50), nullable=True),
        sa.Column("dicom_study_uid", sa.String(length=64), nullable=True),
        sa.Column("dicom_series_uid", sa.String(length=64), nullable=True),
        sa.Column("dicom_instance_uid", sa.String(length=64), nullable=True),
        sa.Column("client_metadata", JSON, nullable=False),
        sa.Column("owner_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["folder_id"], ["folders.id"], name=op.f("fk_items_folder_id_folders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"], ["integrations.id"], name=op.f("fk_items_integration_id_integrations")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_items_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )
    op.create_index("ix_items_created", "items", ["created_at", "id"], unique=False)
    op.create_index("ix_items_folder_created", "items", ["folder_id", "created_at", "id"], unique=False)
    op.create_index("ix_items_folder_title", "items", ["folder_id", "title", "id"], unique=False)
    op.create_index("ix_items_folder_url", "items", ["folder_id", "url_key", "copy_no"], unique=True)
    op.create_index("ix_items_integration", "items", ["integration_id"], unique=False)
    op.create_index("ix_items_title", "items", ["title", "id"], unique=False)
    op.create_table(
        "dataset_items",
        sa.Column("dataset_id", ID, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("added_by", ID, nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by"], ["users.id"], name=op.f("fk_dataset_items_added_by_users")),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_items_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_dataset_items_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("dataset_id", "item_id", name=op.f("pk_dataset_items")),
    )
    op.create_index("ix_dataset_items_item", "dataset_items", ["item_id"], unique=False)
    op.create_table(
        "item_members",
        sa.Column("composite_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["composite_id"],
            ["items.id"],
            name=op.f("fk_item_members_composite_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["member_id"], ["items.id"], name=op.f("fk_item_members_member_id_items")),
        sa.PrimaryKeyConstraint("composite_id", "position", name=op.f("pk_item_members")),
    )
    op.create_index("ix_item_members_member", "item_members", ["member_id"], unique=False)


def _create_sqlite_search() -> None:
    # Substring search: an external-content FTS5 index with the trigram tokenizer, kept in step by triggers.
    op.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5("
        "title, object_url, content='items', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
        "INSERT INTO items_fts(rowid, title, object_url) VALUES (new.id, new.title, new.object_url); END"
    )
    op.execute(
        "CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN "
        "INSERT INTO items_fts(items_fts, rowid, title, object_url) "
        "VALUES ('delete', old.id, old.title, old.object_url); END"
    )
    op.execute(
        "CREATE TRIGGER items_fts_au AFTER UPDATE OF title, object_url ON items BEGIN "
        "INSERT INTO items_fts(items_fts, rowid, title, object_url) "
        "VALUES ('delete', old.id, old.title, old.object_url); "
        "INSERT INTO items_fts(rowid, title, object_url) VALUES (new.id, new.title, new.object_url); END"
    )


def _create_postgresql_search() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_items_title_trgm ON items USING gin (title gin_trgm_ops)")
    op.execute("CREATE INDEX ix_items_object_url_trgm ON items USING gin (object_url gin_trgm_ops)")
