"""Who migrates the database: any command the embedded SQLite one, only ``cairn migrate`` (or ``cairn serve
--migrate``) a PostgreSQL one, which every other command refuses to use while its schema is behind."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cairn.cli.main import app
from cairn.db import migrate
from cairn.db.database import Database
from tests.conftest import throwaway_postgres


def _run(data_dir: Path, database_url: str | None, *args: str) -> tuple[int, str, str]:
    env = {"CAIRN_DATA_DIR": str(data_dir), "CAIRN_DATABASE_URL": database_url, "CAIRN_USER": None, "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _step_back(database: Database) -> list[str]:
    """Undo the newest migration (and what builds on it); the migrations then pending."""
    graph = migrate.revision_graph()
    assert graph is not None
    newest = max(graph)
    migrate.downgrade(database, revision=min(graph[newest]) if graph[newest] else "base")
    pending = migrate.pending_revisions(database)
    assert newest in pending
    return sorted(pending)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database of this test's own (the shared one stays migrated)."""
    with throwaway_postgres("cairn_cli_migrate") as url:
        yield url


def test_a_command_refuses_an_empty_postgresql_database_and_leaves_it_empty(tmp_path: Path, postgres_url: str) -> None:
    code, out, err = _run(tmp_path, postgres_url, "folders", "list")
    assert (code, out) == (1, "")
    every = sorted(migrate.revision_graph() or {})
    assert err.startswith(
        f"Error (configuration_error): the database has no cairn schema yet: migration(s) {', '.join(every)} to "
        "apply; run `cairn migrate` (or start the server with `cairn serve --migrate`), then try again"
    )
    assert "Traceback" not in err
    database = Database(postgres_url)
    try:
        assert migrate.current_revisions(database) == set()
    finally:
        database.dispose()

    code, out, err = _run(tmp_path, postgres_url, "migrate")
    assert (code, out) == (0, "The database schema is up to date.\n")
    assert "cairn is set up" in err  # the first run: the local admin is made once the schema exists
    assert _run(tmp_path, postgres_url, "--json", "folders", "list") == (0, "[]\n", "")


def test_a_command_refuses_a_postgresql_schema_that_is_behind_and_changes_nothing(
    tmp_path: Path, later_migration: str, postgres_url: str
) -> None:
    assert _run(tmp_path, postgres_url, "migrate")[0] == 0
    database = Database(postgres_url)
    try:
        pending = _step_back(database)
        before = migrate.current_revisions(database)
        for args in (("folders", "list"), ("--json", "users", "list"), ("serve", "--port", "1")):
            code, out, err = _run(tmp_path, postgres_url, *args)
            assert code == 1, args
            assert err.startswith(
                f"Error (configuration_error): the database schema is behind: migration(s) {', '.join(pending)} "
                "to apply; run `cairn migrate`"
            ), err
            if "--json" in args:
                assert '"pending_revisions"' in out
        assert migrate.current_revisions(database) == before

        code, out, err = _run(tmp_path, postgres_url, "migrate")
        assert (code, out) == (0, "The database schema is up to date.\n")
        assert err.startswith(f"Upgrading the database schema ({', '.join(pending)})")
        assert migrate.pending_revisions(database) == []
    finally:
        database.dispose()
    assert _run(tmp_path, postgres_url, "--json", "folders", "list") == (0, "[]\n", "")


def test_any_command_migrates_the_embedded_sqlite_database(tmp_path: Path, later_migration: str) -> None:
    data_dir = tmp_path / "data"
    assert _run(data_dir, None, "folders", "list")[0] == 0
    database = Database(f"sqlite:///{data_dir / 'cairn.db'}")
    try:
        pending = _step_back(database)
        code, out, err = _run(data_dir, None, "--json", "folders", "list")
        assert (code, out) == (0, "[]\n")
        assert err.startswith(f"Upgrading the database schema ({', '.join(pending)})")
        assert migrate.pending_revisions(database) == []
    finally:
        database.dispose()


def test_serve_with_migrate_upgrades_a_postgresql_schema_that_is_behind(
    tmp_path: Path, later_migration: str, postgres_url: str
) -> None:
    """`serve --migrate` migrates before it serves; here the server then stops at once, as its port is taken."""
    assert _run(tmp_path, postgres_url, "migrate")[0] == 0
    database = Database(postgres_url)
    try:
        pending = _step_back(database)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = str(taken.getsockname()[1])
            code, _, err = _run(tmp_path, postgres_url, "serve", "--migrate", "--host", "127.0.0.1", "--port", port)
        assert code != 0  # could not listen
        assert err.startswith(f"Upgrading the database schema ({', '.join(pending)})")
        assert migrate.pending_revisions(database) == []
    finally:
        database.dispose()
