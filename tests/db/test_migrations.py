"""The migration baseline makes exactly the schema the code declares, on both dialects."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cairn.db import migrate, search_text
from cairn.db.database import Database
from cairn.db.tables import metadata
from cairn.errors import ConfigurationError
from tests.conftest import throwaway_postgres

DIALECTS = ["sqlite", "postgresql"]
FTS5_TABLES = {"items_fts", "items_fts_config", "items_fts_data", "items_fts_docsize", "items_fts_idx"}


@contextlib.contextmanager
def _empty_database(tmp_path: Path, dialect: str, name: str) -> Iterator[str]:
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    with throwaway_postgres(f"cairn_test_{name}") as url:
        yield url


def _migrated(url: str) -> str:
    database = Database(url)
    migrate.upgrade(database)
    database.dispose()
    return url


def _declared(url: str) -> str:
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.mark.parametrize("dialect", DIALECTS)
def test_migrating_an_empty_database_gives_exactly_the_declared_schema(tmp_path: Path, dialect: str) -> None:
    """What the migrations make is what ``metadata.create_all`` makes from the declarations, and nothing else:
    tables, columns (types, nullability, defaults, generated expressions), keys, foreign keys with their ON DELETE,
    unique constraints, indexes (partial ones' conditions, included columns, operator classes, storage options),
    AUTOINCREMENT, the FTS5 index and its triggers, extensions, functions and sequences."""
    with (
        _empty_database(tmp_path, dialect, "migrated") as migrated,
        _empty_database(tmp_path, dialect, "declared") as declared,
    ):
        schema = _schema(_migrated(migrated))
        assert schema == _schema(_declared(declared))
    tables = {key.split(" ", 1)[1] for key in schema if key.startswith(("table ", "columns "))}
    assert tables == set(metadata.tables) | (FTS5_TABLES if dialect == "sqlite" else set())


def _schema(url: str) -> dict[str, Any]:
    """Everything a database defines (besides Alembic's version table), as the database itself writes it."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return _sqlite_schema(conn) if conn.dialect.name == "sqlite" else _postgresql_schema(conn)
    finally:
        engine.dispose()


def _sqlite_schema(conn: sa.Connection) -> dict[str, Any]:
    """SQLite keeps each object's definition as its SQL: tables (columns, keys, references, AUTOINCREMENT,
    generated columns), indexes (with a partial index's WHERE), virtual tables and triggers."""
    rows = conn.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' "
        "AND tbl_name != 'alembic_version'"
    )
    return {f"{kind} {name}": (table, sql and " ".join(sql.split())) for kind, name, table, sql in rows}


def _postgresql_schema(conn: sa.Connection) -> dict[str, Any]:
    """PostgreSQL's own account of columns, constraints, indexes, triggers, extensions, functions and sequences."""
    schema: dict[str, Any] = {}
    for table, *column in conn.exec_driver_sql(
        "SELECT table_name, column_name, data_type, character_maximum_length, collation_name, is_nullable, "
        "column_default, is_generated, generation_expression FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name != 'alembic_version' ORDER BY table_name, ordinal_position"
    ):
        schema.setdefault(f"columns {table}", []).append(tuple(column))
    queries = {
        "constraint": "SELECT conrelid::regclass || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text != 'alembic_version'",
        "index": "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = 'public' AND tablename != 'alembic_version'",
        "trigger": "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
        "extension": "SELECT extname, extversion FROM pg_extension",
        "function": "SELECT proname, pg_get_function_identity_arguments(oid) FROM pg_proc "
        "WHERE pronamespace = 'public'::regnamespace AND NOT EXISTS "
        "(SELECT 1 FROM pg_depend d WHERE d.objid = pg_proc.oid AND d.deptype = 'e')",
        "sequence": "SELECT sequence_name, data_type FROM information_schema.sequences "
        "WHERE sequence_schema = 'public'",
    }
    for kind, query in queries.items():
        schema.update({f"{kind} {name}": definition for name, definition in conn.exec_driver_sql(query)})
    return schema


def test_alembic_finds_nothing_to_change(database_url: str) -> None:
    """Alembic's own comparison agrees: on a migrated database it would change nothing (it does not model FTS5
    tables, nor indexes made on one dialect only, ``Index.ddl_if``, which the test above covers)."""
    database = Database(database_url)
    with database.engine.connect() as conn:
        dialect = conn.dialect.name

        def modelled(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
            if kind == "table" and name in FTS5_TABLES:
                return False
            only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
            return only_on in (None, dialect)

        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": modelled})
        diffs = compare_metadata(context, metadata)
    database.dispose()
    assert diffs == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_downgrade_leaves_nothing_and_an_upgrade_makes_it_all_again(tmp_path: Path, dialect: str) -> None:
    with _empty_database(tmp_path, dialect, "round_trip") as url:
        before = _schema(_migrated(url))
        database = Database(url)
        try:
            migrate.downgrade(database, revision="base")
            with database.read() as conn:
                assert sa.inspect(conn).get_table_names() == ["alembic_version"]
            assert {key for key in _schema(url) if not key.startswith("extension ")} == set()
            migrate.upgrade(database)
            assert _schema(url) == before
        finally:
            database.dispose()


def test_sqlite_never_gives_an_id_out_twice(tmp_path: Path) -> None:
    """Every table keyed by an ``id`` uses AUTOINCREMENT, as PostgreSQL's sequences never reuse a value: an id kept
    outside cairn (a label, a script, the journal) never names another row after its own was deleted."""
    url = _migrated(f"sqlite:///{tmp_path / 'cairn.db'}")
    database = Database(url)
    with database.read() as conn:
        inspector = sa.inspect(conn)
        tables = set(inspector.get_table_names()) - FTS5_TABLES  # FTS5 keeps its own
        keyed = {t for t in tables if inspector.get_pk_constraint(t)["constrained_columns"] == ["id"]}
        definitions: dict[str, str] = dict(
            conn.exec_driver_sql("SELECT name, sql FROM sqlite_schema WHERE type = 'table'").all()
        )
    with database.write() as conn:
        conn.exec_driver_sql("INSERT INTO users (email, created_at) VALUES ('a@b.c', '2026-12-04')")
        conn.exec_driver_sql("DELETE FROM users")
        conn.exec_driver_sql("INSERT INTO users (email, created_at) VALUES ('d@e.f', '2026-12-04')")
        second = conn.exec_driver_sql("SELECT id FROM users").scalar_one()
    database.dispose()
    assert keyed == {"users", "folders", "integrations", "items", "datasets", "journal"} | {
        "jobs",
        "result_objects",
        "notifications",
        "api_tokens",
        "login_sessions",
        "password_links",
    }
    assert {t for t in keyed if "AUTOINCREMENT" in definitions[t]} == keyed
    assert second == 2


def test_sqlite_search_index_follows_every_write(tmp_path: Path) -> None:
    """The FTS5 trigram index over title and object URL is kept by its triggers: an insert, a rename, a new URL
    and a delete are found (or no longer found) at once. ``search_text`` is NULL on SQLite."""
    database = Database(_migrated(f"sqlite:///{tmp_path / 'cairn.db'}"))

    def found(text: str) -> list[int]:
        with database.read() as conn:
            query = "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid"
            return list(conn.exec_driver_sql(query, (f'"{text}"',)).scalars())

    with database.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO folders (name, client_metadata, path, created_at, edited_at) "
            "VALUES ('f', '{}', '/1/', '2026', '2026')"
        )
        for title, url in (("Front_Cam.jpg", "s3://b/x/front.jpg"), ("rear.jpg", None)):
            conn.exec_driver_sql(
                "INSERT INTO items (folder_id, kind, title, status, object_url, client_metadata, created_at, "
                "edited_at) VALUES (1, 'image', ?, 'ok', ?, '{}', '2026', '2026')",
                (title, url),
            )
        assert conn.exec_driver_sql("SELECT count(search_text) FROM items").scalar_one() == 0
    assert (found("cam"), found("X/FRONT"), found("rear")) == ([1], [1], [2])
    with database.write() as conn:
        conn.exec_driver_sql("UPDATE items SET title = 'side.jpg', object_url = 's3://b/side.jpg' WHERE id = 1")
        conn.exec_driver_sql("DELETE FROM items WHERE id = 2")
    assert (found("cam"), found("x/front"), found("side"), found("rear")) == ([], [], [1], [])
    database.dispose()


def test_sqlite_search_index_holds_the_kind_and_its_triggers_keep_it(tmp_path: Path) -> None:
    """The FTS5 index holds each item's kind (a kind filter is checked inside the index); a change of kind is
    followed by the triggers like a change of title or URL."""
    database = Database(_migrated(f"sqlite:///{tmp_path / 'cairn.db'}"))

    def found(query: str) -> list[int]:
        with database.read() as conn:
            sql = "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid"
            return list(conn.exec_driver_sql(sql, (query,)).scalars())

    with database.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO folders (name, client_metadata, path, created_at, edited_at) "
            "VALUES ('f', '{}', '/1/', '2026', '2026')"
        )
        for kind in ("video", "image"):
            conn.exec_driver_sql(
                "INSERT INTO items (folder_id, kind, title, status, client_metadata, created_at, edited_at) "
                "VALUES (1, ?, 'take.bin', 'ok', '{}', '2026', '2026')",
                (kind,),
            )
    assert (found('"take" AND kind : "vid"'), found('"take"')) == ([1], [1, 2])
    with database.write() as conn:
        conn.exec_driver_sql("UPDATE items SET kind = 'audio' WHERE id = 1")
    assert (found('kind : "vid"'), found('kind : "aud"'), found('"take"')) == ([], [1], [1, 2])
    database.dispose()


def test_postgresql_search_text_maps_punctuation_as_the_code_does(tmp_path: Path) -> None:
    """PostgreSQL: the generated ``search_text`` is title and URL lower-cased with every punctuation character of
    ``cairn.db.search_text`` mapped to its letter, NULL when too long for the name indexes; pg_trgm is there for
    the GIN index over it."""
    title = "A" + search_text.PUNCTUATION.replace("\n", "") + "Z*|<>"
    long_url = "s3://bucket/" + "segment/" * 320 + "deep_TAKE.jpg"
    with throwaway_postgres("cairn_test_search_text") as url:
        database = Database(_migrated(url))
        try:
            with database.write() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO folders (name, client_metadata, path, created_at, edited_at) "
                    "VALUES ('f', '{}', '/1/', now(), now())"
                )
                for item_title, object_url in ((title, None), ("Cam.JPG", "s3://b/X.jpg"), ("long", long_url)):
                    conn.execute(
                        sa.text(
                            "INSERT INTO items (folder_id, kind, title, status, object_url, client_metadata, "
                            "created_at, edited_at) VALUES (1, 'image', :title, 'ok', :url, '{}', now(), now())"
                        ),
                        {"title": item_title, "url": object_url},
                    )
            with database.read() as conn:
                stored = conn.exec_driver_sql("SELECT search_text FROM items ORDER BY id").scalars().all()
                extensions = set(conn.exec_driver_sql("SELECT extname FROM pg_extension").scalars())
        finally:
            database.dispose()
    mapping = str.maketrans(search_text.PUNCTUATION, search_text.LETTERS)
    assert stored == [(title.lower() + "\n").translate(mapping), "camJjpgFs3KXXbXxJjpg", None]
    assert "pg_trgm" in extensions


def test_the_commonest_punctuation_never_looks_like_a_hexadecimal_digit() -> None:
    """pg_trgm lower-cases the mapped letters: space, ``_ - . : /`` must not become ``a``-``f``, which random hashes
    in object keys are full of."""
    mapped = {search_text._MAPPED[char] for char in " _-.:/"}
    assert len(mapped) == 6
    assert not mapped & set("abcdef0123456789")


HEAD = "base2"
"""The newest migration (the baseline)."""


def test_database_is_at_head_and_upgrade_is_idempotent(database_url: str) -> None:
    database = Database(database_url)
    assert not migrate.needs_upgrade(database)
    migrate.upgrade(database)  # nothing to do, no error
    assert migrate.pending_revisions(database) == []
    assert migrate.current_revisions(database) == {HEAD}
    database.dispose()


def test_a_database_migrated_by_a_newer_cairn_is_refused_clearly(database_url: str) -> None:
    database = Database(database_url)
    with database.write() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '0099' WHERE version_num = '{HEAD}'")
    try:
        with pytest.raises(ConfigurationError, match=r"schema revision\(s\) 0099, which this version of cairn"):
            migrate.needs_upgrade(database)
    finally:
        with database.write() as conn:
            conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{HEAD}' WHERE version_num = '0099'")
        database.dispose()


@pytest.mark.parametrize("folded", [["titleprefix1"], ["thumbs1"], ["0001"], ["0014", "0016"]])
def test_a_database_at_a_folded_pre_release_revision_is_told_to_start_again(tmp_path: Path, folded: list[str]) -> None:
    """A revision of a pre-release history folded into the baseline names another schema than the baseline's:
    such a database is refused as pre-release (made anew), not as migrated by a newer cairn."""
    database = Database(f"sqlite:///{tmp_path / 'cairn.db'}")
    try:
        with database.write() as conn:
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            for revision in folded:
                conn.exec_driver_sql("INSERT INTO alembic_version VALUES (?)", (revision,))
        expected = rf"made by a pre-release cairn \(schema revision\(s\) {', '.join(folded)}\).*make a new database"
        with pytest.raises(ConfigurationError, match=expected):
            migrate.needs_upgrade(database)
    finally:
        database.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    database.dispose()


def test_sqlite_writes_take_the_write_lock_up_front(tmp_path: Path) -> None:
    """A write transaction starts with BEGIN IMMEDIATE: a second writer waits instead of failing mid-way."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first, second = Database(url), Database(url)
    with first.write() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    raw = sa.create_engine(url, connect_args={"timeout": 0.2})
    with first.write(), raw.connect() as other:
        # While `first` holds the write lock, another writer cannot start.
        try:
            other.exec_driver_sql("BEGIN IMMEDIATE")
            locked = False
        except sa.exc.OperationalError as err:
            locked = "locked" in str(err)
    assert locked
    raw.dispose()
    first.dispose()
    second.dispose()


def test_an_unreachable_database_is_a_configuration_error_naming_it() -> None:
    database = Database("postgresql+psycopg://nobody:secret@127.0.0.1:1/nowhere")
    expected = r"cannot reach the database at .*127\.0\.0\.1:1/nowhere"
    with pytest.raises(ConfigurationError, match=expected) as info, database.read():
        pass
    assert "secret" not in info.value.message
    database.dispose()


def test_a_migration_that_breaks_a_reference_commits_nothing(tmp_path: Path) -> None:
    """SQLite: foreign keys are off while migrations run, and checked before the commit."""
    database = Database(_migrated(f"sqlite:///{tmp_path / 'x.db'}"))
    expected = r"left 2 broken reference\(s\), nothing was changed: e\.g\. row \d+ of dataset_items refers to"
    with pytest.raises(ConfigurationError, match=expected), migrate._migrating(database) as conn:
        conn.exec_driver_sql("INSERT INTO dataset_items (dataset_id, item_id, added_at) VALUES (7, 8, '2026')")
    with database.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM dataset_items").scalar_one() == 0
    connections = [database.engine.connect() for _ in range(3)]  # every pooled connection has foreign keys on again
    try:
        assert all(c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1 for c in connections)
    finally:
        for c in connections:
            c.close()
        database.dispose()
