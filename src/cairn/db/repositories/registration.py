"""The bulk, index-guarded inserts of registered items, and the reads of exports.

Duplicates are prevented by the unique index ``ix_items_folder_url (folder_id, url_key, copy_no)``: rows are
inserted with ``ON CONFLICT DO NOTHING`` (both dialects) and what the index refused is reported back, never
checked beforehand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from cairn.db.repositories._bulk import insert_item_values
from cairn.db.repositories._common import Repository, now
from cairn.db.repositories.items import to_item
from cairn.db.schema import item_members, items
from cairn.domain.records import Item

__all__ = ["RegistrationRepository"]


class RegistrationRepository(Repository):
    # --- items --------------------------------------------------------------------------------------------
    def insert_item_values(self, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[tuple[str, int]]:
        """Insert item rows, given as values in the order of ``names``; the unique index silently refuses the
        (folder, URL key, copy) triples that exist.

        Returns (url_key, id) of the rows inserted, in input order. Every row has a URL key.
        """
        added = insert_item_values(self.conn, names, rows, skip_conflicts=True)
        return [(key or "", item_id) for key, item_id in added]

    def highest_copies(self, folder_id: int, keys: Sequence[str]) -> dict[str, int]:
        """The highest copy number taken for each URL key in the folder."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            query = (
                sa.select(items.c.url_key, sa.func.max(items.c.copy_no))
                .where(items.c.folder_id == folder_id, items.c.url_key.in_(keys[start : start + 500]))
                .group_by(items.c.url_key)
            )
            found.update({key: int(top) for key, top in self.conn.execute(query)})
        return found

    def update_client_metadata(self, folder_id: int, updates: Sequence[tuple[str, dict[str, Any]]]) -> int:
        """Set the client metadata of the first copy of each URL key; returns how many items changed."""
        if not updates:
            return 0
        statement = (
            items.update()
            .where(
                items.c.folder_id == folder_id,
                items.c.url_key == sa.bindparam("key"),
                items.c.copy_no == 0,
            )
            .values(client_metadata=sa.bindparam("metadata"), edited_at=sa.bindparam("stamp"))
        )
        stamp = now()
        params = [{"key": key, "metadata": metadata, "stamp": stamp} for key, metadata in updates]
        return int(self.conn.execute(statement, params).rowcount)

    # --- export -------------------------------------------------------------------------------------------
    def folder_items(self, folder_id: int, *, kinds: Sequence[str], after_id: int, limit: int) -> list[Item]:
        """A page of a folder's items of some kinds, by id (for streaming exports)."""
        query = (
            sa.select(items)
            .where(items.c.folder_id == folder_id, items.c.kind.in_(list(kinds)), items.c.id > after_id)
            .order_by(items.c.id)
            .limit(limit)
        )
        return [to_item(r) for r in self.conn.execute(query)]

    def member_urls(self, composite_ids: Sequence[int]) -> dict[int, list[str]]:
        """The ordered member object URLs of each composite."""
        found: dict[int, list[str]] = {i: [] for i in composite_ids}
        if not composite_ids:
            return found
        query = (
            sa.select(item_members.c.composite_id, items.c.object_url)
            .join(items, items.c.id == item_members.c.member_id)
            .where(item_members.c.composite_id.in_(list(composite_ids)))
            .order_by(item_members.c.composite_id, item_members.c.position)
        )
        for composite_id, url in self.conn.execute(query):
            found[composite_id].append(url or "")
        return found
