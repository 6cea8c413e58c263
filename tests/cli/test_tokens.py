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


def test_sessions_are_listed_and_ended_one_or_all(cli: Cli, registry: Registry, admin, make_user) -> None:
    ann = make_user("ann")
    token = registry.auth.create_token(actor=ann, name="laptop")
    first = registry.auth.start_session(token=token.secret, user_agent="Firefox/133.0 [bold]x[/bold]")
    second = registry.auth.start_session(token=token.secret)
    admins = registry.auth.start_session(token=registry.auth.create_token(actor=admin, name="web").secret)

    listed = cli.json("session", "list", as_user="ann@example.com")
    assert [(s["id"], s["token_name"], s["current"]) for s in listed] == [
        (second.session.id, "laptop", False),
        (first.session.id, "laptop", False),
    ]
    table = cli.ok("session", "list", as_user="ann@example.com").stdout
    assert "Firefox/133.0 [bold]x[/bold]" in table and "laptop" in table  # printed as is, never as markup

    cli.fails("session", "revoke", str(admins.session.id), code="not_found", as_user="ann@example.com")
    done = cli.ok("session", "revoke", str(first.session.id), as_user="ann@example.com")
    assert f"Ended session {first.session.id}" in done.stdout
    assert [s["id"] for s in cli.json("session", "list", as_user="ann@example.com")] == [second.session.id]

    assert cli.json("session", "revoke", "--all", as_user="ann@example.com") == {"ended": 1}
    assert cli.json("session", "list", as_user="ann@example.com") == []
    assert [s["id"] for s in cli.json("session", "list")] == [admins.session.id]  # the admin's own are left
    cli.fails("session", "revoke", code="invalid_input", as_user="ann@example.com")  # neither an id nor --all


def test_a_session_started_with_a_password_is_listed_as_such(cli: Cli, registry: Registry, admin) -> None:
    made = registry.passwords.invite(actor=admin, email="ann@example.com", base_url="http://x")
    started = registry.passwords.accept(token=made.url.split("token=")[1], password="a long enough password")
    listed = cli.json("session", "list", as_user="ann@example.com")
    assert [(s["id"], s["token_id"], s["token_name"]) for s in listed] == [(started.session.id, None, None)]
    table = cli.ok("session", "list", as_user="ann@example.com").stdout
    assert "password" in table and "None" not in table
