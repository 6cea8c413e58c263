"""``cairn token`` on both dialects."""

from __future__ import annotations

from cairn.services.registry import Registry
from tests.cli.conftest import Cli


def test_create_list_and_revoke(cli: Cli, registry: Registry, admin, make_user) -> None:
    made = cli.json("token", "create", "laptop", "--expires-days", "30")
    assert made["secret"].startswith("cairn_")
    assert made["token"]["name"] == "laptop" and made["token"]["expires_at"]
    assert registry.auth.authenticate(token=made["secret"]).email == "admin@localhost"

    listed = cli.json("token", "list")
    assert [t["name"] for t in listed] == ["laptop"]
    assert made["secret"] not in cli.ok("token", "list").stdout

    revoked = cli.json("token", "revoke", str(made["token"]["id"]))
    assert revoked["revoked_at"] is not None


def test_tokens_for_other_users(cli: Cli, registry: Registry, admin, make_user) -> None:
    make_user("ann")
    human = cli.ok("token", "create", "ci", "--user", "ann@example.com")
    secret = human.stdout.strip()
    assert registry.auth.authenticate(token=secret).email == "ann@example.com"
    assert "shown only this once" in human.stderr
    assert [t["name"] for t in cli.json("token", "list", "--user", "ann@example.com")] == ["ci"]
    assert [t["name"] for t in cli.json("token", "list", "--all")] == ["ci"]

    cli.fails("token", "create", "x", "--user", "admin@localhost", code="permission_denied", as_user="ann@example.com")
    cli.fails("token", "list", "--all", code="permission_denied", as_user="ann@example.com")
    assert [t["name"] for t in cli.json("token", "list", as_user="ann@example.com")] == ["ci"]
