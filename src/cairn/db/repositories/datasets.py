"""Datasets and their links to items. Which items a dataset holds is ``dataset_members``' rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from cairn.db.database import mapped_integrity_errors
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.repositories.dataset_members import DatasetMembers
from cairn.db.repositories.folders import subtree_condition
from cairn.db.schema import Id, Timestamp, dataset_items, datasets, folders, items
from cairn.domain.records import Dataset


def _dataset(row: Any) -> Dataset:
    return Dataset(
        id=row.id,
        title=row.title,
        description=row.description,
        synced_folder_id=row.synced_folder_id,
        mirrored=row.mirrored,
        owner_id=row.owner_id,
        created_at=utc(row.created_at),
        edited_at=utc(row.edited_at),
    )


# Built once (every re-encode runs it), the values given as parameters.
_LINK_AS_PLAIN = dataset_items.insert().from_select(
    ["dataset_id", "item_id", "added_by", "added_at"],
    sa.select(
        dataset_items.c.dataset_id,
        sa.bindparam("new_id", type_=Id),
        sa.bindparam("added_by", type_=Id),
        sa.bindparam("added_at", type_=Timestamp),
    )
    .join(datasets, datasets.c.id == dataset_items.c.dataset_id)
    .where(dataset_items.c.item_id == sa.bindparam("original_id"), datasets.c.synced_folder_id.is_(None)),
)


class DatasetRepository(Repository):
    def get(self, dataset_id: int) -> Dataset | None:
        row = self.conn.execute(sa.select(datasets).where(datasets.c.id == dataset_id)).first()
        return _dataset(row) if row else None

    def all(self, *, owner_id: int | None = None) -> list[Dataset]:
        query = sa.select(datasets).order_by(datasets.c.title, datasets.c.id)
        if owner_id is not None:
            query = query.where(datasets.c.owner_id == owner_id)
        return [_dataset(r) for r in self.conn.execute(query)]

    def visible(self, *, user_id: int, paths: list[str], dataset_id: int | None = None) -> list[Dataset]:
        """The datasets a user who may see the subtrees at ``paths`` sees (``dataset_id``: that one, if so).

        Theirs, those synced to a folder they see, and those linked to an item in a folder they see (a synced
        dataset holds only its folder's files: ``DatasetMembers``).
        """
        query = (
            sa.select(datasets)
            .where(
                sa.or_(
                    datasets.c.owner_id == user_id,
                    datasets.c.synced_folder_id.in_(sa.select(folders.c.id).where(_under(paths))),
                    _links_into(paths).exists(),
                )
            )
            .order_by(datasets.c.title, datasets.c.id)
        )
        if dataset_id is not None:
            query = query.where(datasets.c.id == dataset_id)
        return [_dataset(r) for r in self.conn.execute(query)]

    def create(
        self,
        *,
        title: str,
        description: str,
        synced_folder_id: int | None,
        mirrored: bool,
        owner_id: int | None,
    ) -> Dataset:
        stamp = now()
        with mapped_integrity_errors(unique="that folder is already synced to another dataset"):
            row = self.conn.execute(
                datasets.insert()
                .values(
                    title=title,
                    description=description,
                    synced_folder_id=synced_folder_id,
                    mirrored=mirrored,
                    owner_id=owner_id,
                    created_at=stamp,
                    edited_at=stamp,
                )
                .returning(*datasets.c)
            ).one()
        return _dataset(row)

    def update(self, dataset_id: int, **values: Any) -> Dataset:
        with mapped_integrity_errors(unique="that folder is already synced to another dataset"):
            self.conn.execute(datasets.update().where(datasets.c.id == dataset_id).values(edited_at=now(), **values))
        updated = self.get(dataset_id)
        assert updated is not None
        return updated

    def delete(self, dataset_id: int) -> None:
        self.conn.execute(datasets.delete().where(datasets.c.id == dataset_id))

    def add_items(self, dataset_id: int, item_ids: Sequence[int], *, added_by: int | None) -> int:
        """Link items to a dataset; items already in it are left as they are. Returns how many were new."""
        existing = set(
            self.conn.execute(
                sa.select(dataset_items.c.item_id).where(
                    dataset_items.c.dataset_id == dataset_id, dataset_items.c.item_id.in_(list(item_ids))
                )
            ).scalars()
        )
        new = [i for i in dict.fromkeys(item_ids) if i not in existing]
        if new:
            stamp = now()
            self.conn.execute(
                dataset_items.insert(),
                [{"dataset_id": dataset_id, "item_id": i, "added_by": added_by, "added_at": stamp} for i in new],
            )
        return len(new)

    def remove_items(self, dataset_id: int, item_ids: Sequence[int]) -> int:
        result = self.conn.execute(
            dataset_items.delete().where(
                dataset_items.c.dataset_id == dataset_id, dataset_items.c.item_id.in_(list(item_ids))
            )
        )
        return int(result.rowcount)

    def linked_to_item(self, item_id: int) -> list[Dataset]:
        """The datasets that hold an item (``DatasetMembers``), by title."""
        item = items.alias("held_item")
        holding = sa.select(item.c.id).where(item.c.id == item_id, DatasetMembers(datasets.c.id).holds(item))
        rows = self.conn.execute(sa.select(datasets).where(holding.exists()).order_by(datasets.c.title, datasets.c.id))
        return [_dataset(r) for r in rows]

    def link_as_plain(self, original_id: int, new_id: int, *, added_by: int | None) -> None:
        """Link a new item to every plain dataset ``original_id`` is linked to (a synced dataset holds its folder's
        files without links): one ``INSERT ... SELECT``. A new item has no link yet, so none is added twice."""
        values = {"original_id": original_id, "new_id": new_id, "added_by": added_by, "added_at": now()}
        self.conn.execute(_LINK_AS_PLAIN, values)

    def item_ids(self, dataset_id: int) -> list[int]:
        """The ids of every item the dataset holds (``DatasetMembers``), in id order."""
        members = DatasetMembers(dataset_id).item_ids().subquery("members")
        return list(self.conn.execute(sa.select(members.c[0]).order_by(members.c[0])).scalars())

    def count_items(self, dataset: Dataset, *, visible_paths: list[str] | None = None) -> int:
        """How many items the dataset holds; ``visible_paths`` counts only those in these subtrees (None: all)."""
        members = DatasetMembers(dataset.id).item_ids().subquery("members")
        query = sa.select(sa.func.count()).select_from(members)
        if visible_paths is not None:
            visible = sa.select(folders.c.id).where(_under(visible_paths))
            query = query.join(items, items.c.id == members.c.item_id).where(items.c.folder_id.in_(visible))
        return int(self.conn.execute(query).scalar_one())

    def clear_items(self, dataset_id: int) -> None:
        self.conn.execute(dataset_items.delete().where(dataset_items.c.dataset_id == dataset_id))


def _links_into(paths: list[str]) -> sa.Select[tuple[int]]:
    """The links of the enclosing query's dataset (``datasets``) to items in the subtrees at ``paths``: followed
    link by link, so that ``EXISTS`` stops at the first."""
    links = DatasetMembers(datasets.c.id).links()
    return (
        links.join(items, items.c.id == dataset_items.c.item_id)
        .join(folders, folders.c.id == items.c.folder_id)
        .where(_under(paths))
    )


def _under(paths: list[str]) -> sa.ColumnElement[bool]:
    """Folders inside one of the subtrees at ``paths`` (none when ``paths`` is empty)."""
    return sa.or_(sa.false(), *(subtree_condition(folders.c.path, path) for path in paths))
