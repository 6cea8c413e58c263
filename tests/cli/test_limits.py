"""The CLI meets the same size limits as the API (the rule is the services'): client metadata over
CAIRN_MAX_CLIENT_METADATA_BYTES is ``Error (too_large)``, and nothing is created."""

from __future__ import annotations

import json

from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.cli.conftest import Cli


def test_client_metadata_over_the_limit_is_refused_by_the_cli(cli: Cli, registry: Registry, admin: User) -> None:
    base = cli.env()

    def limited(as_user: str | None = None) -> dict[str, str | None]:
        return {**base, "CAIRN_MAX_CLIENT_METADATA_BYTES": "100"}

    cli.env = limited  # type: ignore[method-assign]
    big = json.dumps({"k": "x" * 100})
    failed = cli.fails("folders", "create", "Big", "-m", big, code="too_large")
    assert "CAIRN_MAX_CLIENT_METADATA_BYTES" in failed.stderr and "108 bytes" in failed.stderr, failed.stderr
    assert registry.folders.children(actor=admin) == []
    assert cli.json("folders", "create", "Small", "-m", json.dumps({"k": "x" * 90}))["name"] == "Small"
