"""Guards on the query plans of listing and search, so that a later change cannot silently make them slow.

SQLite keeps no statistics in a cairn database (nothing runs ANALYZE), so its plans do not depend on the amount of
data and a few rows show the plan 1,000,000 rows get. PostgreSQL chooses with statistics: there the tests switch off
the alternatives (``enable_seqscan``...) and check that the index the benchmark relies on *can* serve the query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

import cairn.db.repositories.items as items_repository
from cairn.db.repositories import Repos
from cairn.domain.access import Role
from cairn.domain.listing import ItemQuery, SortBy
from cairn.domain.records import Folder, User
from cairn.services.registry import Registry
from tests.services.helpers import add_images

TITLES = [f"cam{n % 3}_2024-05-17_{n:06d}_frame_{n:06d}.jpg" for n in range(40)]


@pytest.fixture
def folder(registry: Registry, admin: User) -> Folder:
    project = registry.folders.create(actor=admin, name="project")
    leaf = registry.folders.create(actor=admin, name="2024-05-17", parent_id=project.id)
    add_images(registry, admin, leaf.id, *TITLES)
    return leaf


def _parent_path(folder: Folder) -> str:
    """The project above the leaf: two folders, so the folder index alone does not give the order."""
    return folder.path.rsplit("/", 2)[0] + "/"


@contextmanager
def _captured(engine: sa.Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def plan_of(registry: Registry, query: ItemQuery, *, visible_paths: list[str] | None = None, **pg: str) -> str:
    """The plan of the statement that fetches the page (the last one ``page`` runs), as one text."""
    with _captured(registry.db.engine) as seen, registry.db.read() as conn:
        Repos(conn).items.page(query, visible_paths=visible_paths)
    statement, parameters = seen[-1]
    with registry.db.read() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        if registry.db.is_sqlite:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[3] for row in cursor.fetchall())
        for name, value in pg.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        cursor.execute("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())


def sqlite_only(registry: Registry) -> None:
    if not registry.db.is_sqlite:
        pytest.skip("SQLite plan (PostgreSQL has its own test)")


def postgres_only(registry: Registry) -> None:
    if registry.db.is_sqlite:
        pytest.skip("PostgreSQL plan (SQLite has its own test)")


# --- search ---------------------------------------------------------------------------------------------------
def test_sqlite_selective_search_is_driven_by_the_fts_index(registry: Registry, folder: Folder) -> None:
    sqlite_only(registry)
    plan = plan_of(registry, ItemQuery(text="000017_frame"))
    assert "SCAN items_fts VIRTUAL TABLE" in plan
    assert "SEARCH items USING INTEGER PRIMARY KEY" in plan
    assert "ix_items_title" not in plan  # not a walk of the whole title index


def test_sqlite_selective_search_of_a_non_admin_is_still_driven_by_the_fts_index(
    registry: Registry, folder: Folder
) -> None:
    sqlite_only(registry)
    plan = plan_of(registry, ItemQuery(text="000017_frame"), visible_paths=[folder.path])
    assert "SEARCH items USING INTEGER PRIMARY KEY" in plan
    assert "ix_items_folder" not in plan


def test_sqlite_broad_search_reads_the_title_index_in_order(
    registry: Registry, folder: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More matches than the repository fetches whole: walk the sort index, filter, stop when the page is full."""
    sqlite_only(registry)
    monkeypatch.setattr(items_repository, "_FEW_TEXT_MATCHES", 10)  # "frame" matches 40 items here, 1M in the bench
    monkeypatch.setattr(items_repository, "_SMALL", 10)
    for visible_paths in (None, [_parent_path(folder)]):
        plan = plan_of(registry, ItemQuery(text="frame", limit=5), visible_paths=visible_paths)
        # The covering index of 0005: title and URL are filtered in the index, without a table lookup per row.
        assert "USING INDEX ix_items_search_title" in plan
        assert "TEMP B-TREE" not in plan  # no sort of every match
    by_created = plan_of(registry, ItemQuery(text="frame", limit=5, sort=SortBy.CREATED))
    assert "USING INDEX ix_items_created" in by_created
    assert "TEMP B-TREE" not in by_created


def test_postgresql_search_can_use_the_trigram_indexes(registry: Registry, folder: Folder) -> None:
    postgres_only(registry)
    plan = plan_of(registry, ItemQuery(text="000017_frame"), enable_seqscan="off", enable_indexscan="off")
    assert "ix_items_title_trgm" in plan
    assert "ix_items_object_url_trgm" in plan


# --- folder pages -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sort", "index"), [(SortBy.NAME, "ix_items_folder_title"), (SortBy.CREATED, "ix_items_folder_created")]
)
@pytest.mark.parametrize("recursive", [False, True])
def test_a_folder_page_reads_the_folder_index_in_order(
    registry: Registry, folder: Folder, sort: SortBy, index: str, recursive: bool
) -> None:
    first = registry.items.browse(
        actor=registry.users.ensure_local_admin()[0], query=ItemQuery(folder_id=folder.id, sort=sort, limit=5)
    )
    query = ItemQuery(folder_id=folder.id, recursive=recursive, sort=sort, limit=5, cursor=first.next_cursor)
    plan = plan_of(registry, query, enable_seqscan="off")
    assert index in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan  # keyset: the page starts at the cursor, no sort


def test_sqlite_non_admin_listing_without_text_reads_the_title_index_in_order(
    registry: Registry, folder: Folder, make_user: Callable[[str], User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A non-admin who sees many items: the visible folders filter rows, they do not drive (and force a sort)."""
    sqlite_only(registry)
    monkeypatch.setattr(items_repository, "_SMALL", 10)
    viewer = make_user("viewer")
    registry.access.grant(
        actor=registry.users.ensure_local_admin()[0], folder_id=folder.id, email=viewer.email, role=Role.VIEWER
    )
    plan = plan_of(registry, ItemQuery(limit=5), visible_paths=[_parent_path(folder), "/999/"])
    assert "USING INDEX ix_items_title" in plan or "USING INDEX ix_items_search_title" in plan
    assert "TEMP B-TREE" not in plan
