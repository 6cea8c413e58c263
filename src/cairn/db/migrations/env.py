"""Alembic environment: runs on the connection cairn hands in (see ``cairn.db.migrate``)."""

from __future__ import annotations

from alembic import context

from cairn.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only by hand with the alembic CLI
    raise RuntimeError("run migrations with `cairn migrate` (cairn.db.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
