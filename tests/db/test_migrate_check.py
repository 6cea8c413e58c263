"""Which migrations a database lacks, as every command asks it: answered without Alembic, as Alembic would."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.db import migrate
from cairn.db.database import Database
from cairn.errors import ConfigurationError


def test_the_revision_graph_read_from_the_files_is_alembics() -> None:
    assert migrate._graph_from_sources() is not None  # the quick way applies to every migration cairn has
    assert migrate.revision_graph() == migrate.alembic_revision_graph()


def test_a_migrated_database_lacks_nothing(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert migrate.pending_revisions(database) == []
    finally:
        database.dispose()


def test_an_empty_database_lacks_every_migration(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'cairn.db'}")
    try:
        assert migrate.pending_revisions(database) == sorted(migrate.revision_graph())
    finally:
        database.dispose()


def test_a_database_an_older_cairn_left_lacks_what_came_after(tmp_path: Path, later_migration: str) -> None:
    """Even where Alembic's own walk from the heads finds nothing: here the newest migration's base is undone,
    while a migration on another branch that depends on that base stays."""
    database = Database(f"sqlite:///{tmp_path / 'cairn.db'}")
    try:
        migrate.upgrade(database)
        graph = migrate.revision_graph()
        newest = max(graph)
        base = min(graph[newest])
        migrate.downgrade(database, revision=base)
        lacking = [
            r for r in sorted(graph) if r > base and r not in _ancestry(graph, migrate.current_revisions(database))
        ]
        assert newest in lacking
        assert migrate.pending_revisions(database) == lacking
        migrate.upgrade(database)
        assert migrate.pending_revisions(database) == []
    finally:
        database.dispose()


def test_a_revision_it_does_not_know_is_refused(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'cairn.db'}")
    try:
        migrate.upgrade(database)
        with database.write() as conn:
            conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('9999')")
        with pytest.raises(ConfigurationError, match=r"schema revision\(s\) 9999, which this version of cairn"):
            migrate.pending_revisions(database)
    finally:
        database.dispose()


def _ancestry(graph: migrate.RevisionGraph, revisions: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(revisions)
    while todo:
        revision = todo.pop()
        if revision not in seen:
            seen.add(revision)
            todo.extend(graph[revision])
    return seen
