"""Items (files) and the members of composite items."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from cairn.db.database import mapped_integrity_errors
from cairn.db.repositories._bulk import insert_items
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.repositories.folders import subtree_condition
from cairn.db.repositories.item_pages import PageFinder
from cairn.db.schema import folders, item_members, items
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import Cursor, ItemQuery, SortBy
from cairn.domain.records import MEDIA_COLUMNS, Item, MediaFields, Page

_BATCH = 500  # values per IN (...) list
_INSERT_ONE = items.insert().returning(items.c.id)
ITEM_TAKEN = "an item with that URL (and copy number) is already in the folder"
ITEM_PLACE_GONE = "the folder or integration of a new item was removed at the same moment; try again"


def to_item(row: Any) -> Item:
    return _item(dict(zip(row._fields, row, strict=True)))


def to_items(rows: Sequence[Any]) -> list[Item]:
    """The items of rows that share their columns (one result's): their names are read once, not per row."""
    fields = rows[0]._fields if rows else ()
    return [_item(dict(zip(fields, row, strict=True))) for row in rows]


# Values to members by dictionary: calling the Enum class costs more than the rest of a field
_KINDS = {kind.value: kind for kind in ItemKind}
_STATUSES = {status.value: status for status in ItemStatus}


def _item(value: dict[str, Any]) -> Item:
    # One dict first: attribute access on a SQLAlchemy 2 Row is slow (~1.5 us); this converts a page 3-5x faster.
    return Item(
        id=value["id"],
        folder_id=value["folder_id"],
        kind=_KINDS[value["kind"]],
        title=value["title"],
        status=_STATUSES[value["status"]],
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


# Built once, the ids given as parameters: asked on every task (building a select again costs ~0.3 ms)
_GET_ITEM = sa.select(items).where(items.c.id == sa.bindparam("item_id"))
_GET_ITEMS = sa.select(items).where(items.c.id.in_(sa.bindparam("item_ids", expanding=True)))


class ItemRepository(Repository):
    # --- reads ------------------------------------------------------------------------------------------------
    def get(self, item_id: int) -> Item | None:
        row = self.conn.execute(_GET_ITEM, {"item_id": item_id}).first()
        return to_item(row) if row else None

    def get_many(self, item_ids: Sequence[int]) -> list[Item]:
        found: dict[int, Item] = {}
        for start in range(0, len(item_ids), 900):
            chunk = list(item_ids[start : start + 900])
            for row in self.conn.execute(_GET_ITEMS, {"item_ids": chunk}):
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

    def composites_with_members_in(self, folder_ids: Sequence[int]) -> list[tuple[int, int]]:
        """``(folder id, composite id)`` for every composite with a member in one of ``folder_ids``."""
        rows = self.conn.execute(
            sa.select(items.c.folder_id, item_members.c.composite_id)
            .join(item_members, item_members.c.member_id == items.c.id)
            .where(items.c.folder_id.in_(list(folder_ids)))
            .distinct()
        )
        return [(r[0], r[1]) for r in rows]

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

    # --- managed files (uploads) ------------------------------------------------------------------------------
    def managed_keys(self, item_ids: Sequence[int]) -> list[str]:
        """The managed-storage keys of these items (uploaded files; registered ones have none)."""
        keys: list[str] = []
        for start in range(0, len(item_ids), _BATCH):
            batch = list(item_ids[start : start + _BATCH])
            query = sa.select(items.c.managed_key).where(items.c.id.in_(batch), items.c.managed_key.is_not(None))
            keys += [str(key) for key in self.conn.execute(query).scalars()]
        return keys

    def managed_keys_under(self, folder_path: str) -> list[str]:
        """The managed-storage keys of every item in the subtree of the folder with ``folder_path``."""
        query = (
            sa.select(items.c.managed_key)
            .join(folders, folders.c.id == items.c.folder_id)
            .where(subtree_condition(folders.c.path, folder_path), items.c.managed_key.is_not(None))
        )
        return [str(key) for key in self.conn.execute(query).scalars()]

    def ids_under(self, folder_path: str) -> list[int]:
        """The ids of every item in the subtree of the folder with ``folder_path``."""
        query = (
            sa.select(items.c.id)
            .join(folders, folders.c.id == items.c.folder_id)
            .where(subtree_condition(folders.c.path, folder_path))
        )
        return [int(item_id) for item_id in self.conn.execute(query).scalars()]

    def referenced_managed_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` an item still references."""
        found: set[str] = set()
        for start in range(0, len(keys), _BATCH):
            batch = list(keys[start : start + _BATCH])
            found |= {
                str(k)
                for k in self.conn.execute(
                    sa.select(items.c.managed_key).where(items.c.managed_key.in_(batch))
                ).scalars()
            }
        return found

    # --- writes -----------------------------------------------------------------------------------------------
    def insert_many(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert items in batches; returns their ids in input order. Each row needs the non-null columns.

        Ids are reserved first and inserted explicitly, so one plain executemany per batch does the work (asking
        the database to return ids in input order makes SQLAlchemy fall back to one statement per row on SQLite).
        A single row (a job's result) is one ``INSERT ... RETURNING id``.
        """
        stamp = now()
        full = [_with_defaults(r, stamp) for r in rows]
        if len(full) == 1:
            return [self._insert_one(full[0])]
        ids = self._reserve_ids(len(full))
        for row, new_id in zip(full, ids, strict=True):
            row["id"] = new_id
        with mapped_integrity_errors(unique=ITEM_TAKEN, foreign_key=ITEM_PLACE_GONE):
            insert_items(self.conn, full, skip_conflicts=False)
        return ids

    def _insert_one(self, row: dict[str, Any]) -> int:
        with mapped_integrity_errors(unique=ITEM_TAKEN, foreign_key=ITEM_PLACE_GONE):
            return int(self.conn.execute(_INSERT_ONE, row).scalar_one())  # a constant statement: compiled once

    def _reserve_ids(self, count: int) -> list[int]:
        if count == 0:
            return []
        if self.is_sqlite:
            # Safe: this runs inside a write transaction (BEGIN IMMEDIATE), so no other writer can take these ids.
            # Past the AUTOINCREMENT counter too, which remembers deleted ids; inserting them moves it on.
            top = self.conn.exec_driver_sql(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'items'), 0), "
                "coalesce((SELECT max(id) FROM items), 0))"
            ).scalar_one()
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

        How the rows are found (which index drives, on each dialect) is ``PageFinder``'s choice (``item_pages``).
        """
        rows = PageFinder(self.conn).rows(query, visible_paths=visible_paths)
        more = len(rows) > query.limit
        page_items = to_items(rows[: query.limit])
        next_cursor = _cursor_after(page_items[-1], query) if more and page_items else None
        return Page(items=page_items, next_cursor=next_cursor)


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


def _cursor_after(last: Item, query: ItemQuery) -> str:
    value: Any = last.title if query.sort is SortBy.NAME else last.created_at
    return Cursor(query.sort, query.descending, value, last.id).encode()
