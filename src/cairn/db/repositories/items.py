"""Items (files) and the members of composite items."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import operators

from cairn.db.repositories._bulk import insert_items
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.repositories.folders import subtree_condition
from cairn.db.schema import dataset_items, datasets, folders, item_members, items
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import Cursor, ItemQuery, SortBy
from cairn.domain.records import MEDIA_COLUMNS, Item, MediaFields, Page


def to_item(row: Any) -> Item:
    # One dict first: attribute access on a SQLAlchemy 2 Row is slow (~1.5 us); this converts a page 3-5x faster.
    value = dict(zip(row._fields, row, strict=True))
    return Item(
        id=value["id"],
        folder_id=value["folder_id"],
        kind=ItemKind(value["kind"]),
        title=value["title"],
        status=ItemStatus(value["status"]),
        status_reason=value["status_reason"],
        integration_id=value["integration_id"],
        object_url=value["object_url"],
        managed_key=value["managed_key"],
        pending_action=value["pending_action"],
        media=MediaFields(**{name: value[name] for name in MEDIA_COLUMNS}),
        client_metadata=value["client_metadata"] or {},
        owner_id=value["owner_id"],
        created_at=utc(value["created_at"]),
        edited_at=utc(value["edited_at"]),
        copy_no=value["copy_no"],
    )


class ItemRepository(Repository):
    # --- reads ------------------------------------------------------------------------------------------------
    def get(self, item_id: int) -> Item | None:
        row = self.conn.execute(sa.select(items).where(items.c.id == item_id)).first()
        return to_item(row) if row else None

    def get_many(self, item_ids: Sequence[int]) -> list[Item]:
        found: dict[int, Item] = {}
        for start in range(0, len(item_ids), 900):
            chunk = list(item_ids[start : start + 900])
            for row in self.conn.execute(sa.select(items).where(items.c.id.in_(chunk))):
                found[row.id] = to_item(row)
        return [found[i] for i in item_ids if i in found]

    def count_in_folder(self, folder_id: int) -> int:
        query = sa.select(sa.func.count()).select_from(items).where(items.c.folder_id == folder_id)
        return int(self.conn.execute(query).scalar_one())

    def members(self, composite_id: int) -> list[Item]:
        rows = self.conn.execute(
            sa.select(items)
            .join(item_members, item_members.c.member_id == items.c.id)
            .where(item_members.c.composite_id == composite_id)
            .order_by(item_members.c.position)
        )
        return [to_item(r) for r in rows]

    def composites_using(self, member_ids: Sequence[int]) -> list[tuple[int, str, int]]:
        """(member id, composite title, composite id) for every member of ``member_ids`` a composite uses."""
        composite = items.alias("composite")
        rows = self.conn.execute(
            sa.select(item_members.c.member_id, composite.c.title, composite.c.id)
            .join(composite, composite.c.id == item_members.c.composite_id)
            .where(item_members.c.member_id.in_(list(member_ids)))
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def members_used_outside(self, folder_path: str) -> list[tuple[str, str]]:
        """(member title, composite title) for members inside the subtree used by composites outside it."""
        member, composite = items.alias("member"), items.alias("composite")
        member_folder, composite_folder = folders.alias("mf"), folders.alias("cf")
        rows = self.conn.execute(
            sa.select(member.c.title, composite.c.title)
            .select_from(item_members)
            .join(member, member.c.id == item_members.c.member_id)
            .join(member_folder, member_folder.c.id == member.c.folder_id)
            .join(composite, composite.c.id == item_members.c.composite_id)
            .join(composite_folder, composite_folder.c.id == composite.c.folder_id)
            .where(subtree_condition(member_folder.c.path, folder_path))
            .where(sa.not_(subtree_condition(composite_folder.c.path, folder_path)))
            .limit(10)
        )
        return [(r[0], r[1]) for r in rows]

    # --- writes -----------------------------------------------------------------------------------------------
    def insert_many(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert items in batches; returns their ids in input order. Each row needs the non-null columns.

        Ids are reserved first and inserted explicitly, so one plain executemany per batch does the work (asking
        the database to return ids in input order makes SQLAlchemy fall back to one statement per row on SQLite).
        """
        stamp = now()
        full = [_with_defaults(r, stamp) for r in rows]
        ids = self._reserve_ids(len(full))
        for row, new_id in zip(full, ids, strict=True):
            row["id"] = new_id
        insert_items(self.conn, full, skip_conflicts=False)
        return ids

    def _reserve_ids(self, count: int) -> list[int]:
        if count == 0:
            return []
        if self.is_sqlite:
            # Safe: this runs inside a write transaction (BEGIN IMMEDIATE), so no other writer can take these ids.
            top = self.conn.execute(sa.select(sa.func.coalesce(sa.func.max(items.c.id), 0))).scalar_one()
            return list(range(int(top) + 1, int(top) + 1 + count))
        reserve = sa.text("SELECT nextval(pg_get_serial_sequence('items', 'id')) FROM generate_series(1, :n)")
        return [int(v) for v in self.conn.execute(reserve, {"n": count}).scalars()]

    def set_members(self, composite_id: int, member_ids: Sequence[int]) -> None:
        self.conn.execute(item_members.delete().where(item_members.c.composite_id == composite_id))
        if member_ids:
            self.conn.execute(
                item_members.insert(),
                [{"composite_id": composite_id, "position": i, "member_id": m} for i, m in enumerate(member_ids)],
            )

    def update(self, item_id: int, **values: Any) -> None:
        self.conn.execute(items.update().where(items.c.id == item_id).values(edited_at=now(), **values))

    def move(self, item_ids: Sequence[int], folder_id: int) -> None:
        self.conn.execute(
            items.update().where(items.c.id.in_(list(item_ids))).values(folder_id=folder_id, edited_at=now())
        )

    def delete(self, item_ids: Iterable[int]) -> int:
        """Delete items; composites among them release their members first (the member link is checked)."""
        ids = list(item_ids)
        self.conn.execute(item_members.delete().where(item_members.c.composite_id.in_(ids)))
        result = self.conn.execute(items.delete().where(items.c.id.in_(ids)))
        return int(result.rowcount)

    # --- listing and search -----------------------------------------------------------------------------------
    def page(self, query: ItemQuery, *, visible_paths: list[str] | None) -> Page[Item]:
        """One keyset page of items matching ``query``; ``visible_paths`` limits to those subtrees (None: all).

        A page is found in one of three ways (``_Driver``), chosen with cheap counts that stop at ``_SMALL``: the
        search index when the text is selective, the folder index when the folders hold few items (or there is
        one folder, whose index is already in sort order), else the sort index read in order and filtered until
        the page is full. SQLite has no statistics to choose well by itself, so there the other conditions are
        written so that they cannot drive the plan; PostgreSQL's planner chooses with its statistics.
        """
        scope = self._scope(query, visible_paths)
        driver = self._driver(query, scope)
        statement = _row_filters(sa.select(items), query)
        if query.text:
            statement = statement.where(self._text_condition(query.text, driver))
        if scope.condition is not None:
            statement = statement.where(self._scope_condition(scope, driver))
        rows = self.conn.execute(_keyset(statement, query, self._sort_key(query.sort, driver))).all()
        more = len(rows) > query.limit
        page_items = [to_item(r) for r in rows[: query.limit]]
        next_cursor = _cursor_after(page_items[-1], query) if more and page_items else None
        return Page(items=page_items, next_cursor=next_cursor)

    def _scope(self, query: ItemQuery, visible_paths: list[str] | None) -> _Scope:
        """The folders the listing is limited to: the query's folder (or subtree) within what the actor sees."""
        conditions = []
        if visible_paths is not None:
            conditions.append(_paths_under(visible_paths))
        if query.folder_id is not None:
            conditions.append(self._folder_condition(query.folder_id, recursive=query.recursive))
        if not conditions:
            return _Scope(None, None)
        found = sa.select(folders.c.id).where(*conditions)
        ids = list(self.conn.execute(found.limit(_LISTED_FOLDERS + 1)).scalars())
        if len(ids) > _LISTED_FOLDERS:
            return _Scope(items.c.folder_id.in_(found), None)
        return _Scope(_one_of(items.c.folder_id, ids), ids)

    def _folder_condition(self, folder_id: int, *, recursive: bool) -> sa.ColumnElement[bool]:
        if not recursive:
            return folders.c.id == folder_id
        path = self.conn.execute(sa.select(folders.c.path).where(folders.c.id == folder_id)).scalar_one_or_none()
        return subtree_condition(folders.c.path, path) if path else sa.false()

    def _driver(self, query: ItemQuery, scope: _Scope) -> _Driver:
        if not self.is_sqlite:
            return _Driver.ORDER  # PostgreSQL's planner chooses by itself (the driver only shapes SQLite's SQL)
        if query.text and len(query.text) >= 3 and self._few_text_matches(query.text):
            return _Driver.TEXT
        if scope.folder_ids is not None and (len(scope.folder_ids) <= 1 or self._few_in_folders(scope.folder_ids)):
            return _Driver.FOLDERS
        return _Driver.ORDER

    def _few_text_matches(self, text: str) -> bool:
        return self._at_most(_fts_rowids(text), _FEW_TEXT_MATCHES)

    def _few_in_folders(self, folder_ids: list[int]) -> bool:
        return self._at_most(sa.select(items.c.id).where(_one_of(items.c.folder_id, folder_ids)), _SMALL)

    def _at_most(self, rows: sa.Select[Any], limit: int) -> bool:
        counted = sa.select(sa.func.count()).select_from(rows.limit(limit + 1).subquery())
        return int(self.conn.execute(counted).scalar_one()) <= limit

    def _text_condition(self, text: str, driver: _Driver) -> sa.ColumnElement[bool]:
        if driver is _Driver.TEXT:
            return items.c.id.in_(_fts_rowids(text))
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return sa.or_(
            items.c.title.ilike(pattern, escape="\\"),
            items.c.object_url.ilike(pattern, escape="\\"),
        )

    def _scope_condition(self, scope: _Scope, driver: _Driver) -> sa.ColumnElement[bool]:
        if driver is _Driver.FOLDERS or not self.is_sqlite or scope.folder_ids is None:
            assert scope.condition is not None
            return scope.condition
        # SQLite: "folder_id + 0" cannot use an index, so the folders filter rows instead of driving the plan.
        return _one_of(items.c.folder_id + 0, scope.folder_ids)

    def _sort_key(self, sort: SortBy, driver: _Driver) -> sa.ColumnElement[Any]:
        column = _sort_column(sort)
        if driver is _Driver.TEXT:
            # SQLite: "+title" is the same value but no index provides it, so the sort index cannot drive the plan
            # (with statistics of a small table SQLite may otherwise walk it and probe every row's id).
            return sa.UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)
        return column


_SMALL = 2000  # this many candidates or fewer are fetched whole and sorted; more are read in sort order
# Search matches are cheap to fetch from FTS5 and sort in bulk: up to 20,000 that beats walking the sort index
# (measured on 1M items: a term with 18,821 matches went from 157 ms to 26 ms; see BENCHMARKS.md).
_FEW_TEXT_MATCHES = 20_000
_LISTED_FOLDERS = 2000  # a scope of up to this many folders is bound as a list of ids, a subquery beyond


class _Driver(Enum):
    """What finds the rows of a page."""

    TEXT = "text"  # the FTS5 index (SQLite) finds the few matches of the search text; they are sorted
    FOLDERS = "folders"  # the folder indexes: one folder is already in sort order, a few are sorted
    ORDER = "order"  # the sort index (title or created_at) is read in order, each row filtered, until a page


@dataclass(frozen=True)
class _Scope:
    """The folders a listing is limited to (condition None: all), listed when there are few enough."""

    condition: sa.ColumnElement[bool] | None
    folder_ids: list[int] | None


def _fts_rowids(text: str) -> sa.Select[Any]:
    """Rowids (item ids) whose title or object URL contain ``text``, from the FTS5 trigram index (SQLite)."""
    phrase = '"' + text.replace('"', '""') + '"'
    match = sa.literal_column("items_fts").op("MATCH")(sa.literal(phrase))
    return sa.select(sa.literal_column("rowid")).select_from(sa.text("items_fts")).where(match)


def _one_of(column: sa.ColumnElement[int], ids: list[int]) -> sa.ColumnElement[bool]:
    if len(ids) == 1:
        return column == ids[0]
    return column.in_(ids) if ids else sa.false()


def _row_filters(statement: Any, query: ItemQuery) -> Any:
    if query.kinds:
        statement = statement.where(items.c.kind.in_(sorted(k.value for k in query.kinds)))
    if query.statuses:
        statement = statement.where(items.c.status.in_(sorted(s.value for s in query.statuses)))
    for key, value in sorted(query.metadata.items()):
        statement = statement.where(items.c.client_metadata[key].as_string() == value)
    if query.in_dataset is not None:
        statement = statement.where(_in_dataset() if query.in_dataset else sa.not_(_in_dataset()))
    if query.dataset_id is not None:
        statement = statement.where(_dataset_condition(query.dataset_id))
    return statement


def _with_defaults(row: dict[str, Any], stamp: Any) -> dict[str, Any]:
    full: dict[str, Any] = dict.fromkeys(MEDIA_COLUMNS)
    full.update(
        status=ItemStatus.REGISTERED.value,
        status_reason=None,
        integration_id=None,
        object_url=None,
        url_key=None,
        copy_no=0,
        managed_key=None,
        pending_action=None,
        client_metadata={},
        owner_id=None,
        created_at=stamp,
        edited_at=stamp,
    )
    full.update(row)
    return full


def _paths_under(paths: list[str]) -> sa.ColumnElement[bool]:
    return sa.or_(sa.false(), *(subtree_condition(folders.c.path, p) for p in paths))


def _dataset_condition(dataset_id: int) -> sa.ColumnElement[bool]:
    explicit = sa.exists().where(dataset_items.c.item_id == items.c.id, dataset_items.c.dataset_id == dataset_id)
    synced = items.c.folder_id == (
        sa.select(datasets.c.synced_folder_id).where(datasets.c.id == dataset_id).scalar_subquery()
    )
    return sa.or_(explicit, synced)


def _in_dataset() -> sa.ColumnElement[bool]:
    explicit = sa.exists().where(dataset_items.c.item_id == items.c.id)
    synced = items.c.folder_id.in_(
        sa.select(datasets.c.synced_folder_id).where(datasets.c.synced_folder_id.is_not(None))
    )
    return sa.or_(explicit, synced)


def _sort_column(sort: SortBy) -> sa.Column[Any]:
    return items.c.title if sort is SortBy.NAME else items.c.created_at


def _keyset(statement: Any, query: ItemQuery, column: sa.ColumnElement[Any]) -> Any:
    if query.cursor:
        cursor = Cursor.decode(query.cursor, sort=query.sort, descending=query.descending)
        mark = sa.tuple_(sa.literal(cursor.value, type_=column.type), sa.literal(cursor.id, type_=items.c.id.type))
        after = sa.tuple_(column, items.c.id) < mark
        before = sa.tuple_(column, items.c.id) > mark
        statement = statement.where(after if query.descending else before)
    order = (column.desc(), items.c.id.desc()) if query.descending else (column.asc(), items.c.id.asc())
    return statement.order_by(*order).limit(query.limit + 1)


def _cursor_after(last: Item, query: ItemQuery) -> str:
    value: Any = last.title if query.sort is SortBy.NAME else last.created_at
    return Cursor(query.sort, query.descending, value, last.id).encode()
