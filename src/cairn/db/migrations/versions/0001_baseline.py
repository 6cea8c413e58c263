"""The baseline schema, on SQLite and PostgreSQL: core, jobs, inspection, auth, then search.

One part per concept, as ``cairn.db`` declares them (``schema.py``, ``jobs_schema.py``, ``inspection_schema.py``,
``auth_schema.py``); search last and apart (``_search_text`` and ``_search``). SQLite tables with an ``id`` key use
``AUTOINCREMENT``, so an id is never given out twice, as PostgreSQL's sequences never do.

Revision ID: base2
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "base2"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PATH_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
# The duplicate key (cairn.domain.duplicate_keys): up to 1,089 bytes, compared bytewise. SQLite compares bytewise
# already and enforces no declared length.
URL_KEY = sa.String(64).with_variant(sa.Text(collation="C"), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
NEVER_REUSED = {"sqlite_autoincrement": True}

TABLES = (  # in the order they are made; dropped in reverse
    "users",
    "folders",
    "folder_roles",
    "integrations",
    "items",
    "item_members",
    "datasets",
    "dataset_items",
    "journal",
    "jobs",
    "job_tasks",
    "job_errors",
    "notifications",
    "result_objects",
    "inspections",
    "frame_maps",
    "reencodes",
    "thumbnails",
    "api_tokens",
    "login_sessions",
    "password_links",
)


def upgrade() -> None:
    _core()
    _jobs()
    _inspection()
    _auth()
    _search()


def downgrade() -> None:
    if _dialect() == "sqlite":
        op.execute("DROP TABLE items_fts")  # its triggers go with items
    for table in reversed(TABLES):
        op.drop_table(table)


def _dialect() -> str:
    return str(op.get_bind().dialect.name)


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True, autoincrement=True)


def _user(name: str, *, ondelete: str | None = None, nullable: bool = True) -> sa.Column[int]:
    return sa.Column(name, ID, sa.ForeignKey("users.id", ondelete=ondelete), nullable=nullable)


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def _stamps() -> list[sa.Column[object]]:
    return [sa.Column("created_at", TIMESTAMP, nullable=False), sa.Column("edited_at", TIMESTAMP, nullable=False)]


def _core() -> None:
    _users_and_folders()
    _items()
    _datasets_and_journal()


def _users_and_folders() -> None:
    op.create_table(
        "users",
        _id(),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.String(200), server_default="", nullable=False),
        sa.Column("is_org_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),  # Argon2id; null until a one-time link is followed
        **NEVER_REUSED,
    )
    op.create_table(
        "folders",
        _id(),
        sa.Column("parent_id", ID, sa.ForeignKey("folders.id", ondelete="CASCADE"), nullable=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("client_metadata", JSON, nullable=False),
        sa.Column("path", PATH_TEXT, nullable=False),
        sa.Column("kind", sa.String(20), server_default="folder", nullable=False),
        _user("created_by"),
        *_stamps(),
        **NEVER_REUSED,
    )
    # Unique under a parent; top-level names are checked by the service among the folders the actor sees.
    siblings = sa.text("parent_id IS NOT NULL")
    op.create_index(
        "ix_folders_parent_name",
        "folders",
        ["parent_id", "name"],
        unique=True,
        sqlite_where=siblings,
        postgresql_where=siblings,
    )
    op.create_index("ix_folders_path", "folders", ["path"])
    op.create_table(
        "folder_roles",
        sa.Column("folder_id", ID, sa.ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(10), nullable=False),
        _user("granted_by"),
        sa.Column("granted_at", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_folder_roles_user", "folder_roles", ["user_id"])
    op.create_table(
        "integrations",
        _id(),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=True),
        _user("owner_id"),
        *_stamps(),
        **NEVER_REUSED,
    )


def _items() -> None:
    op.create_table(
        "items",
        _id(),
        sa.Column("folder_id", ID, sa.ForeignKey("folders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("integration_id", ID, sa.ForeignKey("integrations.id"), nullable=True),
        sa.Column("object_url", sa.Text(), nullable=True),
        sa.Column("url_key", URL_KEY, nullable=True),
        sa.Column("copy_no", sa.Integer(), server_default="0", nullable=False),
        sa.Column("managed_key", sa.Text(), nullable=True),
        sa.Column("pending_action", sa.String(50), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("mime_type", sa.String(255), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("frame_count", sa.Integer(), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("audio_sample_rate", sa.Integer(), nullable=True),
        sa.Column("audio_channels", sa.Integer(), nullable=True),
        sa.Column("audio_bit_depth", sa.Integer(), nullable=True),
        sa.Column("audio_codec", sa.String(50), nullable=True),
        sa.Column("dicom_study_uid", sa.String(64), nullable=True),
        sa.Column("dicom_series_uid", sa.String(64), nullable=True),
        sa.Column("dicom_instance_uid", sa.String(64), nullable=True),
        sa.Column("client_metadata", JSON, nullable=False),
        _user("owner_id"),
        *_stamps(),
        _search_text(),
        **NEVER_REUSED,
    )
    op.create_index("ix_items_folder_title", "items", ["folder_id", "title", "id"])
    op.create_index("ix_items_folder_created", "items", ["folder_id", "created_at", "id"])
    # PostgreSQL: what a search checks, as in the name indexes (_search), so a walk newest first reads no rows.
    op.create_index(
        "ix_items_created",
        "items",
        ["created_at", "id"],
        postgresql_include=["folder_id", "kind", "status", "search_text"],
    )
    op.create_index("ix_items_folder_url", "items", ["folder_id", "url_key", "copy_no"], unique=True)
    op.create_index("ix_items_integration", "items", ["integration_id"])
    op.create_table(
        "item_members",
        sa.Column("composite_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        # NO ACTION: a member cannot be deleted while a composite uses it.
        sa.Column("member_id", ID, sa.ForeignKey("items.id"), nullable=False),
    )
    op.create_index("ix_item_members_member", "item_members", ["member_id"])


def _datasets_and_journal() -> None:
    op.create_table(
        "datasets",
        _id(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("synced_folder_id", ID, sa.ForeignKey("folders.id", ondelete="SET NULL"), nullable=True, unique=True),
        sa.Column("mirrored", sa.Boolean(), server_default=sa.false(), nullable=False),
        _user("owner_id"),
        *_stamps(),
        **NEVER_REUSED,
    )
    op.create_table(
        "dataset_items",
        sa.Column("dataset_id", ID, sa.ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        _user("added_by"),
        sa.Column("added_at", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_dataset_items_item", "dataset_items", ["item_id"])
    op.create_table(
        "journal",
        _id(),
        sa.Column("at", TIMESTAMP, nullable=False),
        _user("actor_id", ondelete="SET NULL"),
        sa.Column("actor_email", sa.String(320), nullable=True),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target_type", sa.String(30), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("target_label", sa.Text(), server_default="", nullable=False),
        sa.Column("folder_id", sa.BigInteger(), nullable=True),  # not a foreign key: history stays
        sa.Column("details", JSON, nullable=False),
        **NEVER_REUSED,
    )
    op.create_index("ix_journal_target", "journal", ["target_type", "target_id"])
    op.create_index("ix_journal_folder", "journal", ["folder_id"])
    op.create_index("ix_journal_at", "journal", ["at"])


def _jobs() -> None:
    """One job engine: jobs of any kind, their leased tasks, per-unit errors, and the notifications of their end."""
    op.create_table(
        "jobs",
        _id(),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        _user("actor_id", ondelete="SET NULL"),
        sa.Column("folder_id", ID, sa.ForeignKey("folders.id", ondelete="CASCADE"), nullable=True),
        sa.Column("dataset_id", ID, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=True),
        sa.Column("integration_id", ID, sa.ForeignKey("integrations.id", ondelete="SET NULL"), nullable=True),
        sa.Column("params", JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("ignore_errors", sa.Boolean(), nullable=False),
        *(
            _count(name)
            for name in (
                "units_total",
                "units_pending",
                "units_done",
                "units_error",
                "units_cancelled",
                "units_skipped",
                "units_updated",
                "items_created",
                "tasks_total",
                "revision",
            )
        ),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        **NEVER_REUSED,
    )
    for column in ("status", "folder", "dataset", "actor"):
        op.create_index(f"ix_jobs_{column}", "jobs", ["status" if column == "status" else f"{column}_id"])
    job = sa.ForeignKey("jobs.id", ondelete="CASCADE")
    op.create_table(
        "job_tasks",
        sa.Column("job_id", ID, job, primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("unit_start", sa.Integer(), nullable=False),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        _count("attempts"),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_expires_at", TIMESTAMP, nullable=True),
        sa.Column("enqueued_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
    )
    op.create_index("ix_job_tasks_status", "job_tasks", ["status"])
    op.create_table(
        "job_errors",
        sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("object_urls", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("action_description", sa.String(100), nullable=False),
    )
    op.create_table(
        "notifications",
        _id(),
        _user("user_id", ondelete="CASCADE", nullable=False),
        sa.Column("job_id", ID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=True),
        sa.Column("folder_id", ID, sa.ForeignKey("folders.id", ondelete="SET NULL"), nullable=True),
        sa.Column("dataset_id", ID, sa.ForeignKey("datasets.id", ondelete="SET NULL"), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("read_at", TIMESTAMP, nullable=True),
        **NEVER_REUSED,
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "id"])
    # What a task is about to upload, so that an upload whose item never came is removed. No foreign key to the
    # job: the row outlives a job deleted with its folder, or the object would be forgotten.
    op.create_table(
        "result_objects",
        _id(),
        sa.Column("job_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("integration_id", ID, sa.ForeignKey("integrations.id", ondelete="CASCADE"), nullable=True),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        **NEVER_REUSED,
    )
    op.create_index("ix_result_objects_task", "result_objects", ["job_id", "seq"])
    op.create_index("ix_result_objects_place", "result_objects", ["integration_id", "key"], unique=True)


def _inspection() -> None:
    """What was learnt of an item's file: its last inspection, its frame map, the re-encode it came from, its
    thumbnail."""
    op.create_table(
        "inspections",
        sa.Column("item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("inspected_at", TIMESTAMP, nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.Column("bytes_read", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requests", sa.Integer(), server_default="0", nullable=False),
        sa.Column("whole_file_read", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("seconds", sa.Float(), server_default="0", nullable=False),
    )
    op.create_table(
        "frame_maps",
        sa.Column("item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("encoded", sa.LargeBinary(), nullable=False),
    )
    # The item a re-encode made, the one it was made from (NULL once that one is deleted), the recipe and the frame
    # remap.
    op.create_table(
        "reencodes",
        sa.Column("result_item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("original_item_id", ID, sa.ForeignKey("items.id", ondelete="SET NULL"), nullable=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("remap", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_reencodes_original", "reencodes", ["original_item_id"])
    # A thumbnail made by a job: the version asked for, its state (queued, made, failed and why) and what making it
    # read from the user's bucket.
    op.create_table(
        "thumbnails",
        sa.Column("item_id", ID, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.Column("made_at", TIMESTAMP, nullable=True),
        sa.Column("bytes_read", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requests", sa.Integer(), server_default="0", nullable=False),
        sa.Column("seconds", sa.Float(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
    )


def _auth() -> None:
    op.create_table(
        "api_tokens",
        _id(),
        _user("user_id", ondelete="CASCADE", nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=True),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        **NEVER_REUSED,
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"])
    op.create_table(
        "login_sessions",
        _id(),
        _user("user_id", ondelete="CASCADE", nullable=False),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("csrf_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        # a session ends with the token it was started with (null: started with a password)
        sa.Column("token_id", ID, sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), nullable=True),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
        **NEVER_REUSED,
    )
    op.create_index("ix_login_sessions_user", "login_sessions", ["user_id"])
    op.create_index("ix_login_sessions_token", "login_sessions", ["token_id"])
    op.create_table(
        "password_links",
        _id(),
        _user("user_id", ondelete="CASCADE", nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("link_hash", sa.String(64), nullable=False, unique=True),
        _user("created_by", ondelete="SET NULL"),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        **NEVER_REUSED,
    )
    op.create_index("ix_password_links_user", "password_links", ["user_id"])


# --- Search (cairn.db.search_text, db/repositories/item_pages.py) --------------------------------------------------

PUNCTUATION = " _-.:/%\\,;()[]+=@#&!?~'\"$\n"  # mapped to LETTERS, as cairn.db.search_text maps them
LETTERS = "WZQJKXVYGHUOILMNPRSTABCDEF"
MAX_INDEXED_BYTES = 2400  # 2 x title + object URL, in bytes: what fits a B-tree entry with the other columns
# The kinds of this revision (ItemKind), one trigram index each: a kind added later comes with its own migration.
KINDS = (
    *("image", "video", "audio", "text", "pdf", "nifti"),
    *("dicom_file", "dicom_series", "image_group", "image_sequence"),
)
PENDING_LIST_KB = 256  # each trigram index's GIN pending list, read whole by every search of its kind


def _postgresql_literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"E'{escaped}'"


def _search_text() -> sa.Column[str]:
    """``items.search_text``: on PostgreSQL title and URL lower-cased with punctuation mapped to upper-case letters
    (NULL when too long for the name indexes that include it); on SQLite, which searches through FTS5, NULL."""
    expression = "NULL"
    if _dialect() == "postgresql":
        expression = (
            f"CASE WHEN 2 * octet_length(title) + octet_length(coalesce(object_url, '')) <= {MAX_INDEXED_BYTES} "
            f"THEN translate(lower(title || chr(10) || coalesce(object_url, '')), {_postgresql_literal(PUNCTUATION)}, "
            f"'{LETTERS}') END"
        )
    return sa.Column("search_text", sa.Text(), sa.Computed(sa.text(expression), persisted=True), nullable=True)


def _search() -> None:
    """Name indexes that cover what a search checks, and the trigram index(es) of each dialect."""
    if _dialect() == "sqlite":
        # Title and URL in the name indexes: a walk in name order checks them without reading the row. No index of
        # (title, id) alone: it would be a prefix of ix_items_search_title, which no plan chooses and every insert
        # pays for.
        op.create_index("ix_items_search_title", "items", ["title", "id", "object_url"])
        op.create_index("ix_items_kind_title", "items", ["kind", "title", "id", "object_url"])
        _sqlite_trigram_index()
        return
    # A B-tree entry holds at most 2,704 bytes and a URL may hold 16 kB: the name indexes include search_text,
    # and the few items too long for it are found through ix_items_long_text.
    op.create_index(
        "ix_items_title", "items", ["title", "id"], postgresql_include=["folder_id", "kind", "status", "search_text"]
    )
    op.create_index(
        "ix_items_kind_title",
        "items",
        ["kind", "title", "id"],
        postgresql_include=["folder_id", "status", "search_text"],
    )
    op.create_index("ix_items_long_text", "items", ["id"], postgresql_where=sa.text("search_text IS NULL"))
    # One partial GIN index of the trigrams per kind: whether the items of the kinds asked for contain a text is
    # answered from those kinds' trigram lists only, at a cost that follows their matches, not every kind's.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for kind in KINDS:
        op.create_index(
            f"ix_items_search_trgm_{kind}",
            "items",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            postgresql_where=sa.text(f"kind = '{kind}'"),
            postgresql_with={"gin_pending_list_limit": PENDING_LIST_KB},
        )


def _sqlite_trigram_index() -> None:
    """Substring search: an external-content FTS5 index with the trigram tokenizer, kept in step by triggers. It
    holds the kind too, so that a kind filter is checked inside the index, without reading the row of every match."""
    op.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5("
        "title, object_url, kind, content='items', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
        "INSERT INTO items_fts(rowid, title, object_url, kind) VALUES (new.id, new.title, new.object_url, new.kind); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN "
        "INSERT INTO items_fts(items_fts, rowid, title, object_url, kind) "
        "VALUES ('delete', old.id, old.title, old.object_url, old.kind); END"
    )
    op.execute(
        "CREATE TRIGGER items_fts_au AFTER UPDATE OF title, object_url, kind ON items BEGIN "
        "INSERT INTO items_fts(items_fts, rowid, title, object_url, kind) "
        "VALUES ('delete', old.id, old.title, old.object_url, old.kind); "
        "INSERT INTO items_fts(rowid, title, object_url, kind) VALUES (new.id, new.title, new.object_url, new.kind); "
        "END"
    )
