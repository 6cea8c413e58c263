"""Which items a dataset holds: the one place this rule is written as SQL, for every query that needs it.

A **plain** dataset holds the items linked to it (``dataset_items``). A dataset **synced to a folder** holds exactly
the files placed directly in that folder: derived, never stored, so adding, moving and deleting files keep it true;
a link left in ``dataset_items`` for a synced dataset counts for nothing (syncing clears them).

``DatasetMembers`` gives the rule in the two shapes queries need, built from the same two parts: a condition on an
item row (``holds``: filters, checked row by row) and the set of member ids (``item_ids``: read through the
indexes, when the members are what finds a page or a count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from cairn.db.schema import dataset_items, datasets, items

# Aliases made once: an alias builds its columns on first use, which costs more than the rest of a statement
_PLAIN = datasets.alias("plain_dataset")
_SYNCED = datasets.alias("synced_dataset")
_IN_SYNCED = items.alias("in_synced")


@dataclass(frozen=True)
class DatasetMembers:
    """The items held by ``dataset``: one dataset's id, a column naming one (a correlated query), or None for
    "any dataset"."""

    dataset: int | sa.ColumnElement[int] | None = None

    def links(self) -> sa.Select[tuple[int]]:
        """Ids of the items linked to the plain dataset(s)."""
        # Checked for one item, the item's links are found first (``ix_dataset_items_item``), then each one's
        # dataset: "synced_folder_id + 0" cannot use the index of that column, which SQLite would otherwise take to
        # look the item up once per plain dataset.
        plain = _PLAIN
        linked = dataset_items.join(plain, plain.c.id == dataset_items.c.dataset_id)
        is_plain = (plain.c.synced_folder_id + 0).is_(None)
        query = sa.select(dataset_items.c.item_id).select_from(linked).where(is_plain)
        query = query.correlate_except(dataset_items, plain)  # a dataset column given is the enclosing query's
        return query if self.dataset is None else query.where(dataset_items.c.dataset_id == self.dataset)

    def synced_folders(self) -> sa.Select[tuple[int]]:
        """Ids of the folders whose direct files the synced dataset(s) hold."""
        synced = _SYNCED
        query = sa.select(synced.c.synced_folder_id).where(synced.c.synced_folder_id.is_not(None))
        query = query.correlate_except(synced)
        return query if self.dataset is None else query.where(synced.c.id == self.dataset)

    def holds(self, item: sa.FromClause = items) -> sa.ColumnElement[bool]:
        """The item row ``item`` (``items`` or an alias of it) is a member."""
        linked = self.links().where(dataset_items.c.item_id == item.c.id).exists()
        return sa.or_(linked, item.c.folder_id.in_(self.synced_folders()))

    def item_ids(self) -> sa.CompoundSelect[Any]:
        """The members' ids (column ``item_id``): the links, then the synced folders' direct files."""
        in_synced = _IN_SYNCED
        direct_files = sa.select(in_synced.c.id).where(in_synced.c.folder_id.in_(self.synced_folders()))
        return sa.union_all(self.links(), direct_files)
