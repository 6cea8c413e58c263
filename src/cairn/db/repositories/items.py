"""Items (files) and the members of composite items."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from cairn.db.repositories._common import Repository, now, utc
from cairn.db.repositories.folders import subtree_condition
from cairn.db.schema import dataset_items, datasets, folders, item_members, items
from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import Cursor, ItemQuery, SortBy
from cairn.domain.records import MEDIA_COLUMNS, Item, MediaFields, Page

_INSERT_BATCH = 2000


def to_item(row: Any) -> Item:
    return Item(
        id=row.id,
        folder_id=row.folder_id,
        kind=ItemKind(row.kind),
        title=row.title,
        status=ItemStatus(row.status),
        status_reason=row.status_reason,
        integration_id=row.integration_id,
        object_url=row.object_url,
        managed_key=row.managed_key,
        pending_action=row.pending_action,
        media=MediaFields(**{name: getattr(row, name) for name in MEDIA_COLUMNS}),
        client_metadata=row.client_metadata or {},
        owner_id=row.owner_id,
        created_at=utc(row.created_at),
        edited_at=utc(row.edited_at),
        copy_no=row.copy_no,
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
        """Insert items in batches; returns their ids in input order. Each row needs the non-null columns."""
        ids: list[int] = []
        stamp = now()
        for start in range(0, len(rows), _INSERT_BATCH):
            batch = [_with_defaults(r, stamp) for r in rows[start : start + _INSERT_BATCH]]
            result = self.conn.execute(items.insert().returning(items.c.id, sort_by_parameter_order=True), batch)
            ids.extend(r.id for r in result)
        return ids

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
        """One keyset page of items matching ``query``; ``visible_paths`` limits to those subtrees (None: all)."""
        statement = sa.select(items)
        statement = self._filtered(statement, query, visible_paths)
        statement = _keyset(statement, query)
        rows = self.conn.execute(statement).all()
        more = len(rows) > query.limit
        page_items = [to_item(r) for r in rows[: query.limit]]
        next_cursor = _cursor_after(page_items[-1], query) if more and page_items else None
        return Page(items=page_items, next_cursor=next_cursor)

    def _filtered(self, statement: Any, query: ItemQuery, visible_paths: list[str] | None) -> Any:
        if query.kinds:
            statement = statement.where(items.c.kind.in_(sorted(k.value for k in query.kinds)))
        if query.statuses:
            statement = statement.where(items.c.status.in_(sorted(s.value for s in query.statuses)))
        for key, value in sorted(query.metadata.items()):
            statement = statement.where(items.c.client_metadata[key].as_string() == value)
        if query.text:
            statement = statement.where(self._text_condition(query.text))
        if query.in_dataset is not None:
            statement = statement.where(_in_dataset() if query.in_dataset else sa.not_(_in_dataset()))
        if visible_paths is not None:
            statement = statement.where(items.c.folder_id.in_(_folders_under(visible_paths)))
        if query.folder_id is not None:
            statement = statement.where(self._folder_condition(query.folder_id, recursive=query.recursive))
        if query.dataset_id is not None:
            statement = statement.where(_dataset_condition(query.dataset_id))
        return statement

    def _folder_condition(self, folder_id: int, *, recursive: bool) -> sa.ColumnElement[bool]:
        if not recursive:
            return items.c.folder_id == folder_id
        path = self.conn.execute(sa.select(folders.c.path).where(folders.c.id == folder_id)).scalar_one_or_none()
        return items.c.folder_id.in_(_folders_under([path])) if path else sa.false()

    def _text_condition(self, text: str) -> sa.ColumnElement[bool]:
        if self.is_sqlite and len(text) >= 3:
            phrase = '"' + text.replace('"', '""') + '"'
            matching = sa.text("SELECT rowid FROM items_fts WHERE items_fts MATCH :phrase").bindparams(phrase=phrase)
            return items.c.id.in_(matching.columns(sa.column("rowid", sa.Integer)))
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return sa.or_(
            items.c.title.ilike(pattern, escape="\\"),
            items.c.object_url.ilike(pattern, escape="\\"),
        )


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


def _folders_under(paths: list[str]) -> sa.Select[tuple[int]]:
    return sa.select(folders.c.id).where(sa.or_(sa.false(), *(subtree_condition(folders.c.path, p) for p in paths)))


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


def _keyset(statement: Any, query: ItemQuery) -> Any:
    column = _sort_column(query.sort)
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
