"""SQLite never hands out an id twice (``AUTOINCREMENT``), as PostgreSQL's sequences never do.

Without it, SQLite gives a new row ``max(id) + 1``: after the newest item (folder, dataset, user, ...) was deleted,
the next one took its id. A reference kept outside cairn (a label naming item 1234, an SDK script, a bookmark) or
a journal entry's ``target_id`` then named another file without any error.

``AUTOINCREMENT`` can only be declared when a table is created, so each table with an ``id`` key is made again with
the same columns, rows, indexes and triggers (read back from ``sqlite_schema``); ids are kept, so the FTS5 index,
which refers to items by id, stays valid. Each counter starts past the highest id the table holds or the journal
names, so an id deleted before this upgrade is not given out again either when the journal remembers it.

Foreign keys are off while this runs (``cairn.db.migrate`` turns them off around every migration on SQLite and
checks them all before committing): with them on, dropping the old table would cascade into the tables that refer
to it.

SQLite only.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = ("0002", "0004")  # it remakes registration_jobs (0002), api_tokens and login_sessions (0004)

# table -> the journal's target_type for its rows (None: the journal does not name them)
TABLES = {
    "users": "user",
    "folders": "folder",
    "integrations": "integration",
    "journal": None,
    "datasets": "dataset",
    "items": "item",
    "api_tokens": "token",
    "login_sessions": None,
    "registration_jobs": "job",
}
_KEYED = "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, target_type in TABLES.items():
        _remake(table, _with_autoincrement)
        _start_counter_past_journal(table, target_type)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _remake(table, _without_autoincrement)


def _with_autoincrement(table: str, sql: str) -> str:
    column = re.compile(r"\bid INTEGER NOT NULL,")
    key = re.compile(rf",\s*CONSTRAINT pk_{table} PRIMARY KEY \(id\)")
    if not (column.search(sql) and key.search(sql)):
        raise RuntimeError(f"0013: unexpected definition of {table}: {sql}")
    return key.sub("", column.sub(_KEYED + ",", sql, count=1), count=1)


def _without_autoincrement(table: str, sql: str) -> str:
    if _KEYED not in sql:
        raise RuntimeError(f"0013: unexpected definition of {table}: {sql}")
    body = sql.replace(_KEYED, "id INTEGER NOT NULL", 1).rstrip()
    if not body.endswith(")"):
        raise RuntimeError(f"0013: unexpected definition of {table}: {sql}")
    return body[:-1].rstrip() + f", \n\tCONSTRAINT pk_{table} PRIMARY KEY (id)\n)"


def _remake(table: str, new_definition: Callable[[str, str], str]) -> None:
    """Make ``table`` again as ``new_definition(table, its CREATE TABLE)``: rows, indexes and triggers kept."""
    conn = op.get_bind()
    definition = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    dependents = list(
        conn.exec_driver_sql(
            "SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type = 'trigger', rowid",
            (table,),
        ).scalars()
    )
    remade = f"{table}_remade"
    # a table SQLite has renamed is stored as CREATE TABLE "name"
    created = re.sub(rf'^CREATE TABLE "?{table}"? \(', f"CREATE TABLE {remade} (", new_definition(table, definition))
    if not created.startswith(f"CREATE TABLE {remade} ("):
        raise RuntimeError(f"0013: unexpected definition of {table}: {definition}")
    conn.exec_driver_sql(created)
    conn.exec_driver_sql(f"INSERT INTO {remade} SELECT * FROM {table}")  # noqa: S608 - names from TABLES
    conn.exec_driver_sql(f"DROP TABLE {table}")
    conn.exec_driver_sql(f"ALTER TABLE {remade} RENAME TO {table}")
    for sql in dependents:
        conn.exec_driver_sql(sql)


def _start_counter_past_journal(table: str, target_type: str | None) -> None:
    """The table's counter (``sqlite_sequence``) starts past every id the journal names for it."""
    if target_type is None:
        return
    conn = op.get_bind()
    named = conn.execute(
        sa.text("SELECT max(target_id) FROM journal WHERE target_type = :type"), {"type": target_type}
    ).scalar()
    if named is None:
        return
    current = conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}).scalar()
    if current is None:
        conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"), {"t": table, "n": named})
    elif named > current:
        conn.execute(sa.text("UPDATE sqlite_sequence SET seq = :n WHERE name = :t"), {"t": table, "n": named})
