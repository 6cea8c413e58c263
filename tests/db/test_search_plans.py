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

from cairn.db.repositories import Repos, item_pages
from cairn.db.repositories.item_pages import PageFinder
from cairn.db.schema import search_trigram_index
from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery, SortBy
from cairn.domain.records import Folder, User
from cairn.services.items import NewItem
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


def plan_of(
    registry: Registry,
    query: ItemQuery,
    *,
    visible_paths: list[str] | None = None,
    without: tuple[str, ...] = (),
    **pg: str,
) -> str:
    """The plan of the statement that fetches the page (the last query ``page`` runs), as one text; PostgreSQL:
    with the settings ``pg``, and the indexes ``without`` dropped for the plan (and put back)."""
    with _captured(registry.db.engine) as seen, registry.db.read() as conn:
        Repos(conn).items.page(query, visible_paths=visible_paths)
    statement, parameters = [s for s in seen if s[0].lstrip().startswith("SELECT")][-1]  # not SAVEPOINT, SET...
    with registry.db.read() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        if registry.db.is_sqlite:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[3] for row in cursor.fetchall())
        for name, value in pg.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        cursor.execute("SAVEPOINT plan")
        for index in without:
            cursor.execute(f"DROP INDEX {index}")
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("ROLLBACK TO SAVEPOINT plan")
        return plan


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
    # The few matches' ids, read from items_fts by the statement before, are looked up by id, then sorted: no
    # walk of an index, and FTS5 is not read again.
    assert "SEARCH items USING INTEGER PRIMARY KEY" in plan and "items_fts" not in plan and "ix_" not in plan
    assert "USE TEMP B-TREE FOR ORDER BY" in plan


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
    monkeypatch.setattr(item_pages, "FEW_MATCHES", 10)  # "frame" matches 40 items here, 1M in the bench
    monkeypatch.setattr(item_pages, "MEDIUM_MATCHES", 10)  # too many to ask their kinds first
    monkeypatch.setattr(item_pages, "FEW_IN_FOLDERS", 10)
    for visible_paths in (None, [_parent_path(folder)]):
        plan = plan_of(registry, ItemQuery(text="frame", limit=5), visible_paths=visible_paths)
        # The covering index of 0005: title and URL are filtered in the index, without a table lookup per row.
        assert "USING INDEX ix_items_search_title" in plan
        assert "TEMP B-TREE" not in plan  # no sort of every match
    by_created = plan_of(registry, ItemQuery(text="frame", limit=5, sort=SortBy.CREATED))
    assert "USING INDEX ix_items_created" in by_created
    assert "TEMP B-TREE" not in by_created


def test_postgresql_search_can_use_the_trigram_index(registry: Registry, folder: Folder) -> None:
    postgres_only(registry)
    off = {"enable_seqscan": "off", "enable_indexscan": "off", "enable_indexonlyscan": "off"}
    # A few rows: a bitmap of a kind's B-tree entries is cheaper here; at 1M the trigrams make its GIN cheaper.
    plan = plan_of(registry, ItemQuery(text="000017_frame"), without=("ix_items_kind_title",), **off)
    for kind in ItemKind:  # each kind's matches in its own trigram index
        assert f"Bitmap Index Scan on {search_trigram_index(kind)}" in plan, plan
    assert "ix_items_long_text" in plan  # the few items too long for search_text, OR-ed in


@pytest.mark.parametrize("metadata", [{}, {"split": "val"}])
def test_postgresql_a_walk_checks_the_text_in_the_name_index(
    registry: Registry, folder: Folder, metadata: dict[str, str]
) -> None:
    """A walk in name order checks ``search_text`` in the index, without reading each item's row."""
    postgres_only(registry)
    for visible_paths in (None, [_parent_path(folder)]):
        query = ItemQuery(text="frame", limit=5, metadata=metadata)
        assert "Index Only Scan using ix_items_title on items" in _walk_plan(registry, query, visible_paths)
    kind = ItemQuery(text="frame", kinds=frozenset({ItemKind.VIDEO}), limit=5)
    assert "Index Only Scan using ix_items_kind_title on items" in _walk_plan(registry, kind, None)
    # Newest first, search's default order, walks ix_items_created alike.
    newest = ItemQuery(text="frame", kinds=frozenset({ItemKind.VIDEO}), sort=SortBy.CREATED, descending=True, limit=5)
    assert "Index Only Scan Backward using ix_items_created on items" in _walk_plan(registry, newest, None)


def _walk_plan(registry: Registry, query: ItemQuery, visible_paths: list[str] | None) -> str:
    """PostgreSQL: the plan of the bounded walk's statement (``PageFinder.window``)."""
    with registry.db.read() as conn:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # a few rows: force what 1M choose
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        finder = item_pages.PageFinder(conn)
        scope = finder._scope(query, visible_paths)
        statement = sa.select(finder.page_ids(query, scope, finder.window(query, scope, item_pages.WALK_ENTRIES)))
        # the text is bound when the statement runs
        compiled = statement.compile(dialect=conn.dialect).construct_expanded_state(item_pages._text_values(query.text))
        return "\n".join(conn.exec_driver_sql("EXPLAIN " + compiled.statement, compiled.parameters).scalars())


def test_postgresql_trigram_indexes_keep_a_short_pending_list(registry: Registry) -> None:
    """A search reads the pending list of each kind's GIN index it asks whole: bounded at 256 kB (default 4 MB)."""
    postgres_only(registry)
    with registry.db.read() as conn:
        options = dict(
            conn.exec_driver_sql(
                "SELECT relname, reloptions FROM pg_class WHERE relkind = 'i' AND relname LIKE '%%trgm%%'"
            ).all()
        )
    assert options == {search_trigram_index(kind): ["gin_pending_list_limit=256"] for kind in ItemKind}


def test_postgresql_plans_each_search_for_its_own_text(registry: Registry) -> None:
    """psycopg would prepare a statement run five times, and PostgreSQL could then reuse one plan for every text."""
    postgres_only(registry)
    for _ in range(3):  # pooled connections alike
        with registry.db.read() as conn:
            for _ in range(8):  # past psycopg's default threshold of 5
                conn.execute(sa.select(sa.literal(1)).where(sa.literal("x").like("%x%"))).scalar_one()
            prepared = conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar_one()
            assert prepared == 0


# --- kinds and datasets ---------------------------------------------------------------------------------------
@pytest.fixture
def mixed(registry: Registry, admin: User, folder: Folder) -> Folder:
    """The leaf also holds clips and takes, so a kind filter leaves some of its items out."""
    clips = [
        NewItem(kind=ItemKind.VIDEO, title=f"cam1_clip_{n:03d}.mp4", object_url=f"s3://b/{n}.mp4") for n in range(9)
    ]
    takes = [
        NewItem(kind=ItemKind.AUDIO, title=f"mic1_take_{n:03d}.wav", object_url=f"s3://b/{n}.wav") for n in range(9)
    ]
    registry.items.add(actor=admin, folder_id=folder.id, items=clips + takes)
    return folder


def test_sqlite_one_kind_by_name_reads_the_kind_index_in_order(
    registry: Registry, mixed: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kind=pdf`` at 1M items: the 20,000 PDFs in name order, not every item until 100 PDFs have passed."""
    sqlite_only(registry)
    monkeypatch.setattr(item_pages, "FEW_MATCHES", 3)  # "cam1" matches 22 items here
    monkeypatch.setattr(item_pages, "FEW_IN_FOLDERS", 10)  # the visible folders hold 58
    for text in (None, "cam1"):
        for descending in (False, True):
            query = ItemQuery(text=text, kinds=frozenset({ItemKind.VIDEO}), limit=5, descending=descending)
            plan = plan_of(registry, query, visible_paths=[_parent_path(mixed)])
            assert "USING INDEX ix_items_kind_title (kind=?)" in plan
            assert "TEMP B-TREE" not in plan


def test_sqlite_a_kind_filter_does_not_drive_other_plans(registry: Registry, mixed: Folder) -> None:
    """Without statistics SQLite would take ``kind = ?`` as selective and read every image, then sort them."""
    sqlite_only(registry)
    selective = plan_of(registry, ItemQuery(text="000017_frame", kinds=frozenset({ItemKind.IMAGE})))
    assert "SEARCH items USING INTEGER PRIMARY KEY" in selective  # the text's few matches, by id
    assert "SCAN items " not in selective
    two_kinds = plan_of(registry, ItemQuery(kinds=frozenset({ItemKind.IMAGE, ItemKind.VIDEO}), limit=5))
    by_created = plan_of(registry, ItemQuery(kinds=frozenset({ItemKind.IMAGE}), sort=SortBy.CREATED, limit=5))
    for plan in (selective, two_kinds, by_created):
        assert "ix_items_kind_title" not in plan
    assert "TEMP B-TREE" not in two_kinds and "TEMP B-TREE" not in by_created


def test_sqlite_few_dataset_members_drive_a_search_in_datasets(
    registry: Registry, admin: User, mixed: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite_only(registry)
    monkeypatch.setattr(item_pages, "FEW_MATCHES", 3)
    monkeypatch.setattr(item_pages, "WALK_STEPS_PER_MATCH", 10**6)  # the walk as long as in a big database
    dataset = registry.datasets.create(actor=admin, title="few")
    page = registry.items.browse(actor=admin, query=ItemQuery(folder_id=mixed.id, limit=4))
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[i.id for i in page.items])
    for query in (ItemQuery(text="cam1", in_dataset=True), ItemQuery(text="cam1", dataset_id=dataset.id)):
        plan = plan_of(registry, query)
        assert "SEARCH items USING INTEGER PRIMARY KEY" in plan  # the members' ids find the rows...
        assert "ix_items_search_title" not in plan  # ...not a walk of every title
        monkeypatch.setattr(item_pages, "FEW_MEMBERS", 2)
        assert "ix_items_search_title" in plan_of(registry, query)  # too many members: the walk
        monkeypatch.setattr(item_pages, "FEW_MEMBERS", 20_000)


def test_postgresql_few_dataset_members_are_looked_up_by_id(
    registry: Registry, admin: User, mixed: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few members: their ids, as one array, find the rows; many: the name order is walked and filtered."""
    postgres_only(registry)
    dataset = registry.datasets.create(actor=admin, title="few")
    page = registry.items.browse(actor=admin, query=ItemQuery(folder_id=mixed.id, limit=4))
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[i.id for i in page.items])
    for query in (ItemQuery(text="cam1", in_dataset=True), ItemQuery(text="cam1", dataset_id=dataset.id)):
        plan = plan_of(registry, query, enable_seqscan="off", enable_bitmapscan="off")
        assert "Index Cond: (id = ANY (" in plan
        assert plan.count("search_text ~~") == 1  # the rows found by id: one LIKE, not one per kind
        monkeypatch.setattr(item_pages, "FEW_MEMBERS", 2)
        assert "= ANY (" not in plan_of(registry, query, enable_seqscan="off", enable_bitmapscan="off")
        monkeypatch.setattr(item_pages, "FEW_MEMBERS", 20_000)


def test_postgresql_one_kind_by_name_can_use_the_kind_index(registry: Registry, mixed: Folder) -> None:
    postgres_only(registry)
    query = ItemQuery(kinds=frozenset({ItemKind.VIDEO}), limit=5)
    plan = plan_of(registry, query, enable_seqscan="off", enable_bitmapscan="off", enable_sort="off")
    assert "ix_items_kind_title" in plan


def test_sqlite_a_walk_that_gives_up_leaves_the_connection_as_it_was(
    registry: Registry, mixed: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk's budget is an interrupt of that one statement: the transaction and later statements go on."""
    sqlite_only(registry)
    monkeypatch.setattr(item_pages, "FEW_MATCHES", 3)
    monkeypatch.setattr(item_pages, "WALK_STEPS", 1)
    monkeypatch.setattr(item_pages, "PROGRESS_EVERY", 1)
    with _captured(registry.db.engine) as seen, registry.db.read() as conn:
        rows = item_pages.PageFinder(conn).rows(ItemQuery(text="take", limit=5), visible_paths=None)
        assert [r.title for r in rows] == [f"mic1_take_{n:03d}.wav" for n in range(6)]
        assert "items_fts" in seen[-1][0]  # the fallback: the matches, fetched and sorted
        monkeypatch.setattr(item_pages, "WALK_STEPS", 10**9)
        assert conn.exec_driver_sql("SELECT count(*) FROM items WHERE title LIKE '%a%'").scalar_one() == 58
    with registry.db.read() as conn:  # the handler is gone from the pooled connection
        assert conn.connection.driver_connection.execute("SELECT count(*) FROM items").fetchone() == (58,)  # type: ignore[union-attr]


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
    monkeypatch.setattr(item_pages, "FEW_IN_FOLDERS", 10)
    viewer = make_user("viewer")
    registry.access.grant(
        actor=registry.users.ensure_local_admin()[0], folder_id=folder.id, email=viewer.email, role=Role.VIEWER
    )
    plan = plan_of(registry, ItemQuery(limit=5), visible_paths=[_parent_path(folder), "/999/"])
    assert "USING INDEX ix_items_search_title" in plan
    assert "TEMP B-TREE" not in plan


def test_postgresql_each_kind_s_trigram_index_gives_the_same_answers(
    registry: Registry, admin: User, mixed: Folder
) -> None:
    """``_take_`` among images: the images' own trigram index holds no ``_take_``, so a text none of whose many
    matches has the kind reads no rows. Its answers are any plan's, the items too long for ``search_text``
    included."""
    postgres_only(registry)
    long_url = "s3://b/" + "x" * 3000 + ".wav"  # too long for search_text: found through ix_items_long_text
    registry.items.add(
        actor=admin,
        folder_id=mixed.id,
        items=[NewItem(kind=ItemKind.AUDIO, title="mic1_take_long.wav", object_url=long_url)],
    )
    # A few rows cannot show the plan of 1M (there the kind alone is not selective): with bitmaps only, the answers.
    off = {"enable_seqscan": "off", "enable_indexscan": "off", "enable_indexonlyscan": "off"}
    cases = {
        ("_take_", ItemKind.IMAGE): [],
        ("_take_", ItemKind.AUDIO): [f"mic1_take_{n:03d}.wav" for n in range(9)] + ["mic1_take_long.wav"],
        ("clip_00", ItemKind.VIDEO): [f"cam1_clip_{n:03d}.mp4" for n in range(9)],
        ("000017_frame", ItemKind.IMAGE): [TITLES[17]],
    }
    for (text, kind), expected in cases.items():
        query = ItemQuery(text=text, kinds=frozenset({kind}), limit=50)
        for settings in ({}, off):
            with registry.db.read() as conn:
                for name, value in settings.items():
                    conn.exec_driver_sql(f"SET LOCAL {name} = {value}")
                found = Repos(conn).items.page(query, visible_paths=None)
            assert [item.title for item in found.items] == expected, (text, kind, settings)


def test_postgresql_each_kind_s_candidates_come_from_the_trigram_index(registry: Registry, mixed: Folder) -> None:
    """One statement asks each kind's trigram index for its few candidates (bitmap scans only): a kind none of
    whose items match is known without walking its name index."""
    postgres_only(registry)
    kinds = frozenset({ItemKind.IMAGE, ItemKind.AUDIO, ItemKind.VIDEO})
    with _captured(registry.db.engine) as seen, registry.db.read() as conn:
        found = item_pages.PageFinder(conn)._candidates_by_kind("_take_", kinds)
        statement, parameters = [s for s in seen if "array(" in s[0]][-1]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        # A few rows: a bitmap of the kind's B-tree entries is cheaper here; at 1M the trigrams make the GIN's
        # cheaper. Without that B-tree (dropped inside a savepoint, put back after), the GIN must serve the kind.
        cursor.execute("SAVEPOINT plan")
        cursor.execute("DROP INDEX ix_items_kind_title")
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("ROLLBACK TO SAVEPOINT plan")
    assert found[ItemKind.IMAGE] == [] and found[ItemKind.VIDEO] == []
    assert len(found[ItemKind.AUDIO] or []) == 9
    for kind in kinds:
        assert f"Bitmap Index Scan on {search_trigram_index(kind)}" in plan, plan
    for before in ("on", "off"):  # the settings are put back as they were
        with registry.db.read() as conn:
            conn.exec_driver_sql(f"SET LOCAL enable_indexscan = {before}")
            item_pages.PageFinder(conn)._candidates_by_kind("_take_", kinds)
            assert conn.exec_driver_sql("SHOW enable_indexscan").scalar_one() == before
            assert conn.exec_driver_sql("SHOW enable_seqscan").scalar_one() == "on"


def test_postgresql_a_walk_that_knows_its_end_still_reads_the_index_in_order(registry: Registry, mixed: Folder) -> None:
    """The window numbers its entries (to tell a walk that ran out from one that read the index to its end): still
    one ordered read of the kind's name index, no sort."""
    postgres_only(registry)
    query = ItemQuery(text="take", kinds=frozenset({ItemKind.AUDIO}), limit=5)
    with registry.db.read() as conn:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # a few rows: force what 1M choose
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        finder = item_pages.PageFinder(conn)
        scope = finder._scope(query, None)
        walk = finder.page_ids(query, scope, finder.window(query, scope, 100, numbered=True), walk=True)
        compiled = sa.select(walk).compile(dialect=conn.dialect)  # the text is bound when the statement runs
        expanded = compiled.construct_expanded_state(item_pages._text_values(query.text))
        plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + expanded.statement, expanded.parameters).scalars())
    assert "WindowAgg" in plan and "Index Only Scan using ix_items_kind_title on items" in plan
    assert "Sort" not in plan.replace("Sort Key", "")


def test_sqlite_a_text_whose_matches_are_of_one_kind_walks_that_kind_s_name_index(
    registry: Registry, mixed: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mic…_take_`` titles all sort after the ``cam…`` ones: FTS5 tells that every match of ``_take_`` is audio
    (the kind of the first, and none of another kind), so the page walks the audio's name index, where they come
    first; a text in two kinds walks the name order."""
    sqlite_only(registry)
    monkeypatch.setattr(item_pages, "FEW_MATCHES", 0)  # as if the matches were many, and not too many
    monkeypatch.setattr(item_pages, "WALK_STEPS_PER_MATCH", 10**6)
    one_kind = plan_of(registry, ItemQuery(text="_take_", limit=5))
    assert "USING INDEX ix_items_kind_title (kind=?)" in one_kind, one_kind
    assert "TEMP B-TREE" not in one_kind
    two_kinds = plan_of(registry, ItemQuery(text="1_", limit=5))  # cam1_clip_… and mic1_take_…
    assert "ix_items_search_title" in two_kinds and "ix_items_kind_title" not in two_kinds, two_kinds
    with registry.db.read() as conn:
        page = Repos(conn).items.page(ItemQuery(text="_take_", limit=5), visible_paths=None)
    assert [item.title for item in page.items] == [f"mic1_take_{n:03d}.wav" for n in range(5)]


def test_postgresql_a_kind_whose_short_walk_fills_its_page_is_not_asked_of_its_trigram_index(
    registry: Registry, mixed: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By name, once the walk of the name order ran out, each kind's name index is walked a little (one
    statement for all): the clips and takes fill their pages at once, so only the images are asked of their trigram
    index (a kind with many matches would cost its whole posting list there)."""
    postgres_only(registry)
    monkeypatch.setattr(item_pages, "FEW_MATCHES", 0)
    monkeypatch.setattr(item_pages, "MODERATE_MATCHES", 0)  # as if the matches were many
    monkeypatch.setattr(item_pages, "SHORT_WALK", 5)  # the cam0… images first in name order, none matching
    with _captured(registry.db.engine) as seen, registry.db.read() as conn:
        page = Repos(conn).items.page(ItemQuery(text="//b/", limit=3), visible_paths=None)  # clips and takes
    asked = [parameters for statement, parameters in seen if "array(" in statement]
    assert len(asked) == 1, asked
    assert ItemKind.IMAGE.value in asked[0].values(), asked
    assert ItemKind.AUDIO.value not in asked[0].values() and ItemKind.VIDEO.value not in asked[0].values(), asked
    assert [item.title for item in page.items] == [f"cam1_clip_{n:03d}.mp4" for n in range(3)]


def test_postgresql_the_kinds_short_walks_are_one_walk_over_the_list_of_kinds(
    registry: Registry, mixed: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each kind's short walk is the same walk joined ``LATERAL`` to the list of kinds, built and planned once:
    one subquery per kind made building and planning the statement cost more than running it."""
    postgres_only(registry)
    monkeypatch.setattr(item_pages, "FEW_MATCHES", 0)
    monkeypatch.setattr(item_pages, "MODERATE_MATCHES", 0)  # as if the matches were many
    monkeypatch.setattr(item_pages, "SHORT_WALK", 5)
    with _captured(registry.db.engine) as seen, registry.db.read() as conn:
        page = Repos(conn).items.page(ItemQuery(text="//b/", limit=3), visible_paths=None)
    walks = [(statement, parameters) for statement, parameters in seen if "LATERAL" in statement]
    assert len(walks) == 1, seen
    statement, parameters = walks[0]
    assert statement.count("LATERAL") == 1 and "UNION" not in statement, statement
    assert statement.count("row_number()") == 1, statement  # one walk, whatever the number of kinds
    assert sorted(_listed_kinds(parameters)) == sorted(kind.value for kind in ItemKind)  # every kind, one list
    assert [item.title for item in page.items] == [f"cam1_clip_{n:03d}.mp4" for n in range(3)]


def _listed_kinds(parameters: dict[str, Any]) -> list[str]:
    (listed,) = [value for value in parameters.values() if isinstance(value, list) and "image" in value]
    return list(listed)


def test_postgresql_binds_the_folders_a_non_admin_sees_as_one_array(registry: Registry, folder: Folder) -> None:
    """A page may repeat the visible folders in every kind's walk: one array parameter each time, not one parameter
    per folder (hundreds of them made parsing and planning the statement cost more than running it)."""
    postgres_only(registry)
    with _captured(registry.db.engine) as seen, registry.db.read() as conn:
        Repos(conn).items.page(ItemQuery(text="frame", limit=5), visible_paths=[_parent_path(folder)])
    scoped = [statement for statement, _ in seen if "items.folder_id" in statement and "SELECT items.id" in statement]
    assert scoped and all("items.folder_id = ANY (" in s and "items.folder_id IN (" not in s for s in scoped), scoped


def test_a_walk_reads_no_more_than_the_text_is_expected_to_match_then_the_matches_are_fetched(
    registry: Registry, mixed: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text expected to match more than ``FEW_MATCHES`` items but not many: the walk of the name order is bounded
    by that number (SQLite: ``WALK_STEPS_PER_MATCH`` instructions each, PostgreSQL: ``WALK_PER_MATCH`` entries), so
    a text whose matches sort late (``_take_`` after every ``cam…`` title) costs about as much as its matches, which
    are then fetched and sorted."""
    monkeypatch.setattr(item_pages, "FEW_MATCHES", 0)
    monkeypatch.setattr(item_pages, "MODERATE_MATCHES", 10**9)
    monkeypatch.setattr(item_pages, "MEDIUM_MATCHES", 0)  # SQLite: the name order walked, not the kind's
    budgets: list[int] = []
    if registry.db.is_sqlite:
        monkeypatch.setattr(PageFinder, "_few_matches", lambda _self, _query: (None, 3.0))
        within_budget = PageFinder.within_budget

        def spied(self: PageFinder, statement: Any, steps: int) -> Any:
            budgets.append(steps)
            return within_budget(self, statement, steps)

        monkeypatch.setattr(PageFinder, "within_budget", spied)
    else:
        monkeypatch.setattr(PageFinder, "_estimated_matches", lambda _self, _text: 3)
        window = PageFinder.window

        def spied_window(self: PageFinder, query: ItemQuery, scope: Any, entries: int, **kw: Any) -> Any:
            budgets.append(entries)
            return window(self, query, scope, entries, **kw)

        monkeypatch.setattr(PageFinder, "window", spied_window)
    with registry.db.read() as conn:
        page = Repos(conn).items.page(ItemQuery(text="_take_", limit=3), visible_paths=None)
    assert [item.title for item in page.items] == [f"mic1_take_{n:03d}.wav" for n in range(3)]
    assert budgets == ([30] if registry.db.is_sqlite else [3])
