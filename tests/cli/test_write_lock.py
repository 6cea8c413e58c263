"""A read command on embedded SQLite takes no write lock: it answers while another process holds one (a long
registration commit, a migration elsewhere), instead of waiting for it and failing after the busy timeout."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.conftest import Cli


def test_a_read_command_answers_while_another_connection_holds_the_write_lock(cli: Cli) -> None:
    url = cli.settings.database_url
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    cli.ok("folders", "create", "Held")
    holder = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # what a writer holds for the length of its transaction
        listed = cli.ok("folders", "list")
        assert "Held" in listed.stdout
    finally:
        holder.execute("ROLLBACK")
        holder.close()
