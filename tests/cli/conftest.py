"""Run the real ``cairn`` command in process (Typer's CliRunner) against the test database of each dialect.

The settings reach the CLI the way they reach it in real life: through ``CAIRN_*`` environment variables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cairn.cli.main import app
from cairn.domain.records import User
from cairn.settings import Settings


@dataclass
class Cli:
    settings: Settings

    def env(self, as_user: str | None = None) -> dict[str, str | None]:
        return {
            "CAIRN_DATA_DIR": str(self.settings.data_dir),
            "CAIRN_DATABASE_URL": self.settings.database_url,
            "CAIRN_USER": as_user,
            "COLUMNS": "200",
        }

    def __call__(self, *args: str, as_user: str | None = None, input: str | None = None) -> Result:
        """Run ``cairn ARGS``; the result has exit_code, stdout and stderr (kept apart)."""
        return CliRunner().invoke(app, list(args), env=self.env(as_user), input=input)

    def ok(self, *args: str, as_user: str | None = None) -> Result:
        result = self(*args, as_user=as_user)
        assert result.exit_code == 0, f"cairn {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def json(self, *args: str, as_user: str | None = None) -> Any:
        """Run ``cairn --json ARGS``, check it succeeded, and parse the one JSON document on stdout."""
        return json.loads(self.ok("--json", *args, as_user=as_user).stdout)

    def fails(self, *args: str, code: str, as_user: str | None = None, exit_code: int = 1) -> Result:
        """Run a command that must fail with ``Error (code): ...`` on stderr and no traceback."""
        result = self(*args, as_user=as_user)
        assert result.exit_code == exit_code, f"exit {result.exit_code}:\n{result.stdout}\n{result.stderr}"
        assert result.stderr.startswith(f"Error ({code}): "), result.stderr
        assert "Traceback" not in result.stderr
        return result


@pytest.fixture
def cli(settings: Settings, admin: User) -> Cli:
    """The CLI over an installation that has had its first run (the local admin exists)."""
    return Cli(settings)
