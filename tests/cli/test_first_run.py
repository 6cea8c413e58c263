"""The first run migrates the database, makes the local admin and says once how to start."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cairn.cli.main import app
from cairn.db import migrate
from cairn.db.database import Database
from cairn.settings import Settings
from tests.cli.conftest import Cli


def _run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    env = {"CAIRN_DATA_DIR": str(data_dir), "CAIRN_DATABASE_URL": None, "CAIRN_USER": None, "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_first_run_on_an_empty_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    assert _run(data_dir, "version") == (0, "cairn 0.1.0\n", "")
    assert not data_dir.exists()  # version needs no database

    code, out, err = _run(data_dir, "--json", "folders", "list")
    assert (code, out.strip()) == (0, "[]")
    assert "cairn is set up" in err and "admin@localhost" in err and "cairn serve" in err
    assert "API token (shown once, keep it safe): cairn_" in err
    assert (data_dir / "cairn.db").exists()

    code, out, err = _run(data_dir, "--json", "users", "list")
    assert code == 0 and err == ""  # said once
    assert '"email": "admin@localhost"' in out
    assert _run(data_dir, "migrate") == (0, "The database schema is up to date.\n", "")


def test_first_run_message_on_each_dialect(settings: Settings) -> None:
    cli = Cli(settings)  # no local admin yet: this is the installation's first run
    first = cli.ok("folders", "list")
    assert "cairn is set up" in first.stderr
    second = cli.ok("folders", "list")
    assert second.stderr == ""
    assert cli.json("migrate") == {"migrated": True}


def test_an_upgrade_says_why_the_command_waits_and_a_fresh_database_does_not(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    code, _, err = _run(data_dir, "folders", "list")
    assert code == 0 and "Upgrading" not in err  # made from nothing: the first-run message only
    database = Database(f"sqlite:///{data_dir / 'cairn.db'}")
    migrate.downgrade(database, revision="0012")
    database.dispose()

    code, out, err = _run(data_dir, "migrate")
    assert (code, out) == (0, "The database schema is up to date.\n")
    assert err.startswith("Upgrading the database schema (0013, 0014, 0015, 0016, j017): on a large database")
    assert _run(data_dir, "migrate") == (0, "The database schema is up to date.\n", "")
