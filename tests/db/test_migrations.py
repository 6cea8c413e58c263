"""The Alembic history creates exactly the tables the code declares, on both dialects."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cairn.db import migrate
from cairn.db.database import Database
from cairn.db.tables import metadata
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.errors import AlreadyExists, ConfigurationError
from cairn.services.items import NewItem
from cairn.services.registry import Registry
from cairn.settings import Settings
from tests.conftest import throwaway_postgres

_0013 = importlib.import_module("cairn.db.migrations.versions.0013_ids_never_reused")

# Search indexes (FTS5 / pg_trgm) and PostgreSQL's generated search_text are created with raw SQL per dialect and are
# not part of the metadata.
_RAW_SQL_OBJECTS = {
    "items_fts",
    "ix_items_title_trgm",
    "ix_items_object_url_trgm",
    "ix_items_search_title",  # 0005, SQLite only
    "ix_items_kind_title",  # 0006: its columns differ per dialect (the object URL on SQLite only)
    "ix_items_search_trgm",  # 0007, PostgreSQL only, like the two below
    "ix_items_long_text",
    "search_text",
    "name_order_state",  # 0008, SQLite only: the name-ordered copy of the search index (cairn.db.name_order)
    "search_changes",
    "ix_search_changes_seq",
    "trigram_first",  # 0009, PostgreSQL only; replaced by trigram_spans (0010, cairn.db.trigram_spans)
    "trigram_spans",
    "search_order_state",
}


_AUTOINCREMENTED_AT_HEAD = set(_0013.TABLES) - {"registration_jobs"} | {"jobs", "notifications"}  # j017


_RAW_SQL_PREFIXES = (
    "items_fts",
    "name_fts_",
    "name_ranks_",
    "ix_name_ranks_",
    "name_kinds_",
)  # FTS5 shadows; 0008, 0011


def _is_raw_sql_object(diff: Any) -> bool:
    if isinstance(diff, tuple) and diff[0] == "remove_column":  # ("remove_column", schema, table, column)
        obj = diff[3]
    else:
        obj = diff[1] if isinstance(diff, tuple) and len(diff) > 1 else None
    name = getattr(obj, "name", None)
    return bool(name and (name in _RAW_SQL_OBJECTS or str(name).startswith(_RAW_SQL_PREFIXES)))


def test_migrations_match_the_declared_tables(database_url: str) -> None:
    database = Database(database_url)
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, metadata) if not _is_raw_sql_object(d)]
    database.dispose()
    assert diffs == []


def test_database_is_at_head_and_upgrade_is_idempotent(database_url: str) -> None:
    database = Database(database_url)
    assert not migrate.needs_upgrade(database)
    migrate.upgrade(database)  # nothing to do, no error
    assert migrate.pending_revisions(database) == []
    # 0013 depends on 0002 and 0004; 0015 follows 0004 and depends on 0013; 0016 follows 0013
    assert migrate.current_revisions(database) == {"0003", "0005", "j017"}
    database.dispose()


def test_a_database_migrated_by_a_newer_cairn_is_refused_clearly(database_url: str) -> None:
    database = Database(database_url)
    with database.write() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099' WHERE version_num = 'j017'")
    try:
        with pytest.raises(ConfigurationError, match=r"schema revision\(s\) 0099, which this version of cairn"):
            migrate.needs_upgrade(database)
    finally:
        with database.write() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'j017' WHERE version_num = '0099'")
        database.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    database.dispose()


def test_sqlite_writes_take_the_write_lock_up_front(tmp_path) -> None:
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


def test_0007_gives_existing_items_their_search_text_and_search_finds_them(tmp_path) -> None:
    """PostgreSQL: items made before 0007 get their search text (NULL when too long for an index entry), the table
    is vacuumed after the upgrade, and search finds the items either way."""
    with throwaway_postgres("cairn_test_0007") as url:
        database = Database(url)
        try:
            for head in ("0002", "0003", "0004", "0005", "0006"):
                migrate.upgrade(database, revision=head)
            assert migrate.current_revisions(database) == {"0002", "0003", "0004", "0005", "0006"}
            registry = Registry(Settings(data_dir=tmp_path / "data", database_url=url))
            actor = registry.users.ensure_local_admin()[0]
            folder = registry.folders.create(actor=actor, name="Cars")
            long_url = "s3://bucket/" + "segment/" * 320 + "deep_TAKE.jpg"
            items = [NewItem(kind=ItemKind.IMAGE, title="Front_Cam.JPG", object_url="s3://b/x/front.jpg")]
            items.append(NewItem(kind=ItemKind.IMAGE, title="long.jpg", object_url=long_url))
            registry.items.add(actor=actor, folder_id=folder.id, items=items)

            migrate.upgrade(database)

            with database.read() as conn:
                texts = dict(conn.exec_driver_sql("SELECT title, search_text FROM items").all())
                analyzed = conn.exec_driver_sql(
                    "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM pg_stat_user_tables "
                    "WHERE relname = 'items'"
                ).scalar_one()
            # lower-cased, punctuation mapped to upper-case letters (0012, cairn.db.search_text)
            assert texts == {"Front_Cam.JPG": "frontZcamJjpgFs3KXXbXxXfrontJjpg", "long.jpg": None}
            assert analyzed
            for text, found in (("cam.jp", "Front_Cam.JPG"), ("X/FRONT", "Front_Cam.JPG"), ("deep_take", "long.jpg")):
                page = registry.items.search(actor=actor, query=ItemQuery(text=text))
                assert [i.title for i in page.items] == [found], text
            registry.close()
        finally:
            database.dispose()


def test_0008_downgrades_and_upgrades_again(tmp_path) -> None:
    """SQLite: 0008's tables and triggers go away on downgrade (items can be written as before) and come back."""
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    migrate.upgrade(database)
    migrate.downgrade(database, revision="0007")
    with database.read() as conn:
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
    assert not {"search_changes", "name_order_state", "name_fts_a", "search_changes_ai"} & names
    migrate.upgrade(database)
    with database.read() as conn:
        assert conn.exec_driver_sql("SELECT seq, live FROM name_order_state").one() == (0, None)
    database.dispose()


def test_0010_downgrades_and_upgrades_again(tmp_path) -> None:
    """PostgreSQL: 0010 swaps ``trigram_first`` for ``trigram_spans`` either way and leaves the table to be built
    again; only 0010's trigger records a change of kind."""
    with throwaway_postgres("cairn_test_0010") as url:
        downgraded, upgraded = ({"trigram_first"}, None), ({"trigram_spans"}, None)
        _round_trip(url, tmp_path, "0009", _tables_and_state, downgraded=downgraded, upgraded=upgraded)


def test_0011_downgrades_and_upgrades_again(tmp_path) -> None:
    """SQLite: 0011's ranks by kind and its ranges go away on downgrade and come back, each time with the order to
    be built again; only 0011's trigger records a change of kind."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    _round_trip(url, tmp_path, "0010", _name_kinds_and_live, downgraded=(False, None), upgraded=(True, None))


def _round_trip(
    url: str, tmp_path: Any, down_to: str, shape: Callable[[Database], Any], *, downgraded: Any, upgraded: Any
) -> None:
    """Build the search order of one item, downgrade to ``down_to`` and upgrade again: ``shape`` of the database
    is as expected each time, a change of kind is recorded only after the upgrade, and search by kind finds it."""
    database = Database(url)
    try:
        registry, actor = _with_one_item(database, url, tmp_path, "a.jpg")
        assert registry.items.bring_search_order_up_to_date() is not None
        migrate.downgrade(database, revision=down_to)
        assert shape(database) == downgraded
        assert _kind_change_recorded(database) is False
        migrate.upgrade(database)
        assert shape(database) == upgraded
        assert _kind_change_recorded(database) is True
        assert registry.items.bring_search_order_up_to_date() is not None
        for kind, expected in ((ItemKind.IMAGE, ["a.jpg"]), (ItemKind.VIDEO, [])):  # changed twice: an image
            found = registry.items.search(actor=actor, query=ItemQuery(text="a.jpg", kinds=frozenset({kind})))
            assert [i.title for i in found.items] == expected
        registry.close()
    finally:
        database.dispose()


def _tables_and_state(database: Database) -> tuple[set[str], Any]:
    with database.read() as conn:
        tables = set(conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'trigram%'")).scalars())
        built = conn.exec_driver_sql("SELECT built_seq FROM search_order_state").scalar_one()
    return tables, built


def _name_kinds_and_live(database: Database) -> tuple[bool, Any]:
    with database.read() as conn:
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
        live = conn.exec_driver_sql("SELECT live FROM name_order_state").scalar_one()
    return {"name_kinds_a", "name_kinds_b"} <= names, live


def _kind_change_recorded(database: Database) -> bool:
    with database.write() as conn:
        conn.exec_driver_sql("DELETE FROM search_changes")
        conn.exec_driver_sql("UPDATE items SET kind = CASE WHEN kind = 'image' THEN 'video' ELSE 'image' END")
        return bool(conn.exec_driver_sql("SELECT count(*) FROM search_changes").scalar_one())


def test_search_text_maps_every_punctuation_character_as_the_code_does(tmp_path) -> None:
    """PostgreSQL: the generated ``search_text`` (0012) and ``cairn.db.search_text`` map the same characters to the
    same letters, and a search finds a title by any piece of it, punctuation included, in any case, also through
    ``trigram_spans`` (whose trigrams of a text, ``word_runs``, must be among pg_trgm's for the title)."""
    from cairn.db import search_text

    with throwaway_postgres("cairn_test_0012") as url:
        database = Database(url)
        try:
            title = "A" + search_text.PUNCTUATION.replace("\n", "") + "Z*|<>"
            registry, actor = _with_one_item(database, url, tmp_path, title)
            with database.read() as conn:
                stored = conn.execute(sa.text("SELECT search_text FROM items")).scalar_one()
            mapping = str.maketrans(search_text.PUNCTUATION, search_text.LETTERS)
            assert stored == (title.lower() + "\n").translate(mapping)  # the title, the line break, no URL
            assert registry.items.bring_search_order_up_to_date() is not None  # trigram_spans: pg_trgm's words
            for start in range(len(title) - 2):
                piece = title[start : start + 3]
                for text in (piece, piece.swapcase()):
                    found = registry.items.search(actor=actor, query=ItemQuery(text=text))
                    assert [i.title for i in found.items] == [title], text
            registry.close()
        finally:
            database.dispose()


def test_0013_keeps_every_row_and_reference_and_never_gives_a_deleted_id_again(tmp_path) -> None:
    """SQLite: 0013 makes the tables with ids again with AUTOINCREMENT, and its downgrade without. Rows, dataset
    links, journal, search index and triggers survive both ways; the item counter starts past a deleted id that
    only the journal remembers."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    database = Database(url)
    try:
        registry, actor = _with_one_item(database, url, tmp_path, "a")
        folder = registry.folders.create(actor=actor, name="g")
        linked, newest = registry.items.add(
            actor=actor, folder_id=folder.id, items=[NewItem(kind=ItemKind.IMAGE, title=t) for t in "bc"]
        )
        dataset = registry.datasets.create(actor=actor, title="d")
        registry.datasets.add_items(actor=actor, dataset_id=dataset.id, item_ids=[linked.id])
        assert _autoincremented(database) == _AUTOINCREMENTED_AT_HEAD

        migrate.downgrade(database, revision="0012")
        assert _autoincremented(database) == set()
        assert _foreign_keys_on(database)
        registry.items.delete(actor=actor, item_ids=[newest.id])  # the newest: only the journal remembers its id
        before = _every_row(database)

        migrate.upgrade(database)
        assert _autoincremented(database) == _AUTOINCREMENTED_AT_HEAD
        assert _every_row(database) == before
        assert _foreign_keys_on(database)
        again = registry.items.add(actor=actor, folder_id=folder.id, items=[NewItem(kind=ItemKind.IMAGE, title="c")])
        assert again[0].id > newest.id
        found = registry.items.search(actor=actor, query=ItemQuery(text="c"))  # FTS5 and its trigger on the new table
        assert [i.id for i in found.items] == [again[0].id]
        assert [d.id for d in registry.items.linked_to(actor=actor, item_id=linked.id)] == [dataset.id]
        assert registry.items.delete(actor=actor, item_ids=[linked.id]) == 1  # delete triggers and cascades work
        assert registry.datasets.count_items(actor=actor, dataset_id=dataset.id) == 0
        assert [i.title for i in registry.items.search(actor=actor, query=ItemQuery(text="b")).items] == []
        registry.close()
    finally:
        database.dispose()


def test_a_migration_that_breaks_a_reference_commits_nothing(tmp_path) -> None:
    """SQLite: foreign keys are off while migrations run, and checked before the commit."""
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    migrate.upgrade(database)
    expected = r"left 2 broken reference\(s\), nothing was changed: e\.g\. row \d+ of dataset_items refers to"
    with pytest.raises(ConfigurationError, match=expected), migrate._migrating(database) as conn:
        conn.exec_driver_sql("INSERT INTO dataset_items (dataset_id, item_id, added_at) VALUES (7, 8, '2026')")
    with database.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM dataset_items").scalar_one() == 0
    assert _foreign_keys_on(database)
    database.dispose()


def _every_row(database: Database) -> dict[str, list[Any]]:
    with database.read() as conn:
        return {
            table: conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2").all()
            for table in (*(set(_0013.TABLES) - {"registration_jobs"}), "dataset_items", "folder_roles")  # j017
        }


def _autoincremented(database: Database) -> set[str]:
    with database.read() as conn:
        rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_schema WHERE type = 'table'").all()
    return {name for name, sql in rows if "AUTOINCREMENT" in (sql or "")}


def _foreign_keys_on(database: Database) -> bool:
    """Every connection the pool hands out has foreign keys on again."""
    connections = [database.engine.connect() for _ in range(3)]
    try:
        return all(c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1 for c in connections)
    finally:
        for c in connections:
            c.close()


def test_the_commonest_punctuation_never_looks_like_a_hexadecimal_digit() -> None:
    """pg_trgm lower-cases the mapped letters: space, ``_ - . : /`` must not become ``a``-``f``, which random hashes
    in object keys are full of (0014)."""
    from cairn.db import search_text

    mapped = {search_text._MAPPED[char] for char in " _-.:/"}
    assert len(mapped) == 6
    assert not mapped & set("abcdef0123456789")


def test_0014_downgrades_and_upgrades_again(tmp_path) -> None:
    """PostgreSQL: 0014's downgrade gives back 0012's mapping, and the upgrade the new one, with the search order
    to be built again each time."""
    with throwaway_postgres("cairn_test_0014") as url:
        database = Database(url)
        try:
            registry, actor = _with_one_item(database, url, tmp_path, "cam_2024-01.jpg")
            assert registry.items.bring_search_order_up_to_date() is not None
            migrate.downgrade(database, revision="0013")
            assert _search_text_and_built(database) == ("camB2024C01DjpgZ", None)
            migrate.upgrade(database)
            assert _search_text_and_built(database) == ("camZ2024Q01JjpgF", None)
            assert registry.items.bring_search_order_up_to_date() is not None
            for text in ("2024-", "M_2024-01.J"):
                found = registry.items.search(actor=actor, query=ItemQuery(text=text))
                assert [i.title for i in found.items] == ["cam_2024-01.jpg"], text
            registry.close()
        finally:
            database.dispose()


def _search_text_and_built(database: Database) -> tuple[str, Any]:
    with database.read() as conn:
        text = conn.execute(sa.text("SELECT search_text FROM items")).scalar_one()
        built = conn.execute(sa.text("SELECT built_seq FROM search_order_state")).scalar_one()
    return text, built


def _with_one_item(database: Database, url: str, tmp_path: Any, title: str) -> tuple[Registry, Any]:
    """Bring ``database`` to the newest schema and add one image called ``title`` in a folder; the registry and
    its local admin."""
    migrate.upgrade(database)
    registry = Registry(Settings(data_dir=tmp_path / "data", database_url=url))
    actor = registry.users.ensure_local_admin()[0]
    folder = registry.folders.create(actor=actor, name="f")
    registry.items.add(actor=actor, folder_id=folder.id, items=[NewItem(kind=ItemKind.IMAGE, title=title)])
    return registry, actor


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_0015_ties_sessions_to_tokens_drops_untied_ones_and_downgrades(tmp_path, dialect: str) -> None:
    """0015 deletes the sessions it cannot tie to a token (their users log in again), adds the token, last use and
    browser of each session, and its downgrade takes them away again."""
    with _empty_database(tmp_path, dialect) as url:
        database = Database(url)
        try:
            migrate.upgrade(database)
            migrate.downgrade(database, revision="0015-1")
            assert "token_id" not in _columns(database, "login_sessions")
            with database.write() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO users (email, name, is_org_admin, created_at) "
                    "VALUES ('a@b.c', '', true, CURRENT_TIMESTAMP)"
                )
                conn.exec_driver_sql(
                    "INSERT INTO login_sessions (user_id, session_hash, csrf_hash, created_at, expires_at) "
                    "SELECT id, 'h', 'c', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM users"
                )
            migrate.upgrade(database)
            assert {"token_id", "last_used_at", "user_agent"} <= _columns(database, "login_sessions")
            with database.read() as conn:
                assert conn.exec_driver_sql("SELECT count(*) FROM login_sessions").scalar() == 0
            migrate.downgrade(database, revision="0015-1")
            assert not {"token_id", "last_used_at", "user_agent"} & _columns(database, "login_sessions")
            migrate.upgrade(database)
            assert migrate.pending_revisions(database) == []
        finally:
            database.dispose()


@contextlib.contextmanager
def _empty_database(tmp_path: Any, dialect: str) -> Iterator[str]:
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'cairn.db'}"
        return
    with throwaway_postgres("cairn_test_0015") as url:
        yield url


def _columns(database: Database, table: str) -> set[str]:
    with database.engine.connect() as conn:
        return {column["name"] for column in sa.inspect(conn).get_columns(table)}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_0016_top_level_names_round_trip(tmp_path, dialect: str) -> None:
    """0016: two top-level folders may share a name (siblings still may not); its downgrade refuses while two do,
    and restores the organization-wide index once they are renamed."""
    if dialect == "sqlite":
        _0016_round_trip(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    else:
        with throwaway_postgres("cairn_test_0016") as url:
            _0016_round_trip(url, tmp_path)


def _0016_round_trip(url: str, tmp_path: Any) -> None:
    database = Database(url)
    try:
        migrate.upgrade(database)
        _insert_folder(database, 1, None, "Same")
        _insert_folder(database, 2, None, "Same")
        _insert_folder(database, 3, 1, "child")
        with pytest.raises(AlreadyExists):  # a write transaction maps the database's integrity errors
            _insert_folder(database, 4, 1, "child")
        with pytest.raises(RuntimeError, match=r"top-level folders share a name \('Same'\): rename them first"):
            migrate.downgrade(database, revision="0013")
        assert "j017" in migrate.current_revisions(database)  # the refused downgrade changed nothing
        with database.write() as conn:
            conn.execute(sa.text("UPDATE folders SET name = 'Other' WHERE id = 2"))
        migrate.downgrade(database, revision="0013")
        with pytest.raises(AlreadyExists):
            _insert_folder(database, 5, None, "Same")
        migrate.upgrade(database)
        _insert_folder(database, 6, None, "Same")
    finally:
        database.dispose()


_AT = "2026-12-04 12:00:00"


def _insert_folder(database: Database, folder_id: int, parent_id: int | None, name: str) -> None:
    parent_path = f"/{parent_id}/" if parent_id else "/"
    with database.write() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO folders (id, parent_id, name, description, client_metadata, path, kind, created_at, "
                "edited_at) VALUES (:id, :parent_id, :name, '', '{}', :path, 'folder', :at, :at)"
            ),
            {"id": folder_id, "parent_id": parent_id, "name": name, "path": f"{parent_path}{folder_id}/", "at": _AT},
        )
