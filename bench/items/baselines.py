"""What cairn deliberately does not do, measured in the same run as what it does.

These statements are the comparisons of the benchmark, not product code (which writes SQL only in
``cairn.db.repositories``): OFFSET pagination, and substring search as a plain LIKE scan that uses no
FTS5/trigram index. Rows become ``Item`` records as in the product, so the comparison is of like with like.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cairn.db.repositories.folders import subtree_condition
from cairn.db.repositories.items import to_item
from cairn.db.schema import folders, items
from cairn.domain.listing import SortBy
from cairn.domain.records import Item


def offset_page(conn: Connection, *, folder_id: int, sort: SortBy, offset: int, size: int = 100) -> list[Item]:
    """A page of a folder's items after skipping ``offset`` of them with OFFSET, as a naive listing fetches it."""
    column = items.c.title if sort is SortBy.NAME else items.c.created_at
    statement = (
        sa.select(items)
        .where(items.c.folder_id == folder_id)
        .order_by(column, items.c.id)
        .offset(offset)
        .limit(size + 1)
    )
    return [to_item(row) for row in conn.execute(statement)]


def like_scan(
    conn: Connection, *, text: str, visible_paths: list[str] | None, size: int = 100, bitmap: bool = False
) -> list[Item]:
    """The first page of a title-or-URL substring search by name with LIKE only: no search index is used."""
    if conn.dialect.name == "postgresql" and not bitmap:
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")  # pg_trgm GIN indexes serve bitmap scans only
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    statement = sa.select(items).where(
        sa.or_(items.c.title.ilike(pattern, escape="\\"), items.c.object_url.ilike(pattern, escape="\\"))
    )
    statement = _visible(statement, visible_paths)
    return [to_item(row) for row in conn.execute(statement.order_by(items.c.title, items.c.id).limit(size + 1))]


def index_sorted(conn: Connection, *, text: str, visible_paths: list[str] | None, size: int = 100) -> list[Item]:
    """The first page by name, always found through the search index and then sorted: every match is fetched.

    SQLite: every item id FTS5 matches, looked up and sorted (what cairn did for any text of 3+ characters before
    the driver choice). PostgreSQL: the trigram GIN indexes only (bitmap scans), then a sort.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return like_scan(conn, text=text, visible_paths=visible_paths, size=size, bitmap=True)
    phrase = '{title object_url} : "' + text.replace('"', '""') + '"'  # not the kind column
    matching = sa.text("SELECT rowid FROM items_fts WHERE items_fts MATCH :phrase").bindparams(phrase=phrase)
    statement = sa.select(items).where(items.c.id.in_(matching.columns(sa.column("rowid", sa.Integer))))
    statement = _visible(statement, visible_paths)
    return [to_item(row) for row in conn.execute(statement.order_by(items.c.title, items.c.id).limit(size + 1))]


def _visible(statement: Any, visible_paths: list[str] | None) -> Any:
    if visible_paths is None:
        return statement
    under = sa.or_(*(subtree_condition(folders.c.path, p) for p in visible_paths))
    return statement.where(items.c.folder_id.in_(sa.select(folders.c.id).where(under)))
