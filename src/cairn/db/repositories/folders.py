"""Folders: a tree with materialized id paths ("/1/5/9/") so that a subtree is one index range."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cairn.db.database import mapped_integrity_errors
from cairn.db.repositories._common import Repository, now, utc
from cairn.db.schema import folders, item_members, items
from cairn.domain.records import Folder, FolderSummary


def _folder(row: Any) -> Folder:
    return Folder(
        id=row.id,
        parent_id=row.parent_id,
        name=row.name,
        description=row.description,
        client_metadata=row.client_metadata or {},
        path=row.path,
        kind=row.kind,
        created_by=row.created_by,
        created_at=utc(row.created_at),
        edited_at=utc(row.edited_at),
    )


def subtree_condition(path_column: sa.ColumnElement[str], path: str) -> sa.ColumnElement[bool]:
    """Paths inside the subtree whose root has ``path`` (inclusive): a bytewise prefix range, index friendly."""
    # Paths are digits and "/" only; "0" is the byte right after "/", so [path, path[:-1] + "0") is the prefix range.
    return sa.and_(path_column >= path, path_column < path[:-1] + "0")


def _name_taken(name: str) -> str:
    """Only when another request made the name first: the services check names before writing, and word the refusal
    for what the actor may see. This one names no parent, which the actor may not be allowed to see."""
    return f"a folder named {name!r} was just made in the same folder"


_GET_FOLDERS = sa.select(folders).where(folders.c.id.in_(sa.bindparam("folder_ids", expanding=True)))  # built once


class FolderRepository(Repository):
    def get(self, folder_id: int) -> Folder | None:
        row = self.conn.execute(sa.select(folders).where(folders.c.id == folder_id)).first()
        return _folder(row) if row else None

    def get_many(self, folder_ids: list[int]) -> dict[int, Folder]:
        rows = self.conn.execute(_GET_FOLDERS, {"folder_ids": list(folder_ids)})
        return {r.id: _folder(r) for r in rows}

    def child_named(self, parent_id: int | None, name: str) -> Folder | None:
        parent_cond = folders.c.parent_id.is_(None) if parent_id is None else folders.c.parent_id == parent_id
        row = self.conn.execute(sa.select(folders).where(parent_cond, folders.c.name == name)).first()
        return _folder(row) if row else None

    def children(self, parent_id: int | None, *, include_members: bool = True) -> list[Folder]:
        parent_cond = folders.c.parent_id.is_(None) if parent_id is None else folders.c.parent_id == parent_id
        query = sa.select(folders).where(parent_cond).order_by(folders.c.name, folders.c.id)
        if not include_members:
            query = query.where(folders.c.kind != "members")
        return [_folder(r) for r in self.conn.execute(query)]

    def subtree(self, root: Folder) -> list[Folder]:
        query = sa.select(folders).where(subtree_condition(folders.c.path, root.path)).order_by(folders.c.path)
        return [_folder(r) for r in self.conn.execute(query)]

    def ids_under(self, paths: list[str]) -> list[int]:
        """Ids of every folder in the subtrees rooted at ``paths``."""
        if not paths:
            return []
        condition = sa.or_(sa.false(), *(subtree_condition(folders.c.path, p) for p in paths))
        return list(self.conn.execute(sa.select(folders.c.id).where(condition)).scalars())

    def all(self) -> list[Folder]:
        return [_folder(r) for r in self.conn.execute(sa.select(folders).order_by(folders.c.path))]

    def create(
        self,
        *,
        parent: Folder | None,
        name: str,
        description: str,
        client_metadata: dict[str, Any],
        created_by: int | None,
        kind: str = "folder",
    ) -> Folder:
        stamp = now()
        with mapped_integrity_errors(unique=_name_taken(name)):
            folder_id = self.conn.execute(
                folders.insert()
                .values(
                    parent_id=parent.id if parent else None,
                    name=name,
                    description=description,
                    client_metadata=client_metadata,
                    path="/",
                    kind=kind,
                    created_by=created_by,
                    created_at=stamp,
                    edited_at=stamp,
                )
                .returning(folders.c.id)
            ).scalar_one()
        path = f"{parent.path if parent else '/'}{folder_id}/"
        self.conn.execute(folders.update().where(folders.c.id == folder_id).values(path=path))
        created = self.get(folder_id)
        assert created is not None
        return created

    def update(self, folder: Folder, **values: Any) -> Folder:
        with mapped_integrity_errors(unique=_name_taken(values.get("name", folder.name))):
            self.conn.execute(folders.update().where(folders.c.id == folder.id).values(edited_at=now(), **values))
        updated = self.get(folder.id)
        assert updated is not None
        return updated

    def move(self, folder: Folder, new_parent: Folder | None) -> Folder:
        """Re-parent ``folder`` and rewrite the paths of its whole subtree in one statement."""
        new_path = f"{new_parent.path if new_parent else '/'}{folder.id}/"
        with mapped_integrity_errors(unique=_name_taken(folder.name)):
            self.conn.execute(
                folders.update()
                .where(folders.c.id == folder.id)
                .values(parent_id=new_parent.id if new_parent else None, edited_at=now())
            )
            self.conn.execute(
                folders.update()
                .where(subtree_condition(folders.c.path, folder.path))
                .values(path=sa.literal(new_path) + sa.func.substr(folders.c.path, len(folder.path) + 1))
            )
        moved = self.get(folder.id)
        assert moved is not None
        return moved

    def delete(self, folder: Folder) -> None:
        """Delete the folder and, by cascade, its sub-folders, their items, grants and dataset links."""
        subtree_ids = sa.select(folders.c.id).where(subtree_condition(folders.c.path, folder.path))
        # Composites release their members, then every item goes in one statement, then the folders.
        in_subtree = sa.select(items.c.id).where(items.c.folder_id.in_(subtree_ids))
        self.conn.execute(item_members.delete().where(item_members.c.composite_id.in_(in_subtree)))
        self.conn.execute(items.delete().where(items.c.folder_id.in_(subtree_ids)))
        self.conn.execute(folders.delete().where(folders.c.id == folder.id))

    def summary(self, folder: Folder) -> FolderSummary:
        subtree_ids = sa.select(folders.c.id).where(subtree_condition(folders.c.path, folder.path))
        counts = self.conn.execute(
            sa.select(items.c.kind, sa.func.count(), sa.func.coalesce(sa.func.sum(items.c.file_size), 0))
            .where(items.c.folder_id.in_(subtree_ids))
            .group_by(items.c.kind)
        ).all()
        n_folders = self.conn.execute(
            sa.select(sa.func.count()).select_from(folders).where(subtree_condition(folders.c.path, folder.path))
        ).scalar_one()
        by_kind = {kind: int(n) for kind, n, _ in counts}
        return FolderSummary(
            folder_id=folder.id,
            folders=int(n_folders) - 1,
            files=sum(by_kind.values()),
            total_size=sum(int(size) for _, _, size in counts),
            by_kind=by_kind,
        )
