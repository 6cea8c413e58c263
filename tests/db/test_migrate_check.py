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
        newest = later_migration  # revision ids say nothing of their order: the graph does
        base = min(graph[newest])
        migrate.downgrade(database, revision=base)
        lacking = [r for r in sorted(graph) if r not in _ancestry(graph, migrate.current_revisions(database))]
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


def test_a_database_of_the_folded_pre_release_history_is_told_to_start_again(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'cairn.db'}")
    try:
        with database.write() as conn:  # what the version table of the history before the baseline held
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0003'), ('0014'), ('0016')")
        with pytest.raises(ConfigurationError, match=r"made by a pre-release cairn .*0003, 0014, 0016.*new database"):
            migrate.pending_revisions(database)
    finally:
        database.dispose()


def test_revision_lines_are_read_as_literals_or_left_out(tmp_path: Path) -> None:
    script = tmp_path / "0042_x.py"
    script.write_text(
        'revision = "0042"\ndown_revision: str | None = ("0040", \'0041\')  # after both\n'
        "depends_on = None\nbranch_labels = compute()\n"
    )
    assert migrate._module_literals(script) == {
        "revision": "0042",
        "down_revision": ("0040", "0041"),
        "depends_on": None,
    }
    script.write_text('revision = "00" + "42"\n')
    assert migrate._module_literals(script) == {}


def _ancestry(graph: migrate.RevisionGraph, revisions: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(revisions)
    while todo:
        revision = todo.pop()
        if revision not in seen:
            seen.add(revision)
            todo.extend(graph[revision])
    return seen
