"""``cairn users``, ``cairn access`` and ``cairn journal`` on both dialects."""

from __future__ import annotations

from cairn.services.registry import Registry
from tests.cli.conftest import Cli
from tests.services.helpers import add_images


def test_users_add_and_list(cli: Cli, registry: Registry, admin) -> None:
    added = cli.json("users", "add", "ann@example.com", "--name", "Ann")
    assert (added["email"], added["name"], added["is_org_admin"]) == ("ann@example.com", "Ann", False)
    assert (
        "Added organization admin boss@example.com" in cli.ok("users", "add", "boss@example.com", "--org-admin").stdout
    )
    assert [u["email"] for u in cli.json("users", "list")] == ["admin@localhost", "ann@example.com", "boss@example.com"]
    cli.fails("users", "add", "ann@example.com", code="already_exists")
    cli.fails("users", "add", "not-an-email", code="invalid_input")
    result = cli.fails("users", "add", "eve@example.com", code="permission_denied", as_user="ann@example.com")
    assert "only organization admins may" in result.stderr
    assert [u.email for u in registry.users.all(actor=admin)] == [
        "admin@localhost",
        "ann@example.com",
        "boss@example.com",
    ]


def test_users_update_and_a_deactivated_account_cannot_act(cli: Cli, registry: Registry, make_user) -> None:
    make_user("ann")
    updated = cli.json("users", "update", "ann@example.com", "--name", "Ann Lee", "--org-admin")
    assert (updated["name"], updated["is_org_admin"], updated["is_active"]) == ("Ann Lee", True, True)
    assert "ann@example.com (Ann Lee): user, deactivated." in (
        cli.ok("users", "update", "ann@example.com", "--no-org-admin", "--inactive").stdout
    )
    result = cli.fails("folders", "list", code="unauthenticated", as_user="ann@example.com")
    assert "the account of ann@example.com is deactivated" in result.stderr
    result = cli.fails("users", "update", "admin@localhost", "--inactive", code="conflict")
    assert "last active organization admin" in result.stderr
    cli.fails("users", "update", "nobody@example.com", "--active", code="not_found")
    cli.ok("users", "update", "ann@example.com", "--active")
    cli.ok("folders", "list", as_user="ann@example.com")


def test_access_grant_list_revoke(cli: Cli, registry: Registry, admin, make_user) -> None:
    make_user("ann")
    cars = registry.folders.create(actor=admin, name="Cars")

    granted = cli.json("access", "grant", "Cars", "ann@example.com", "editor")
    assert (granted["user_email"], granted["role"]) == ("ann@example.com", "editor")
    grants = {g["user_email"]: g["role"] for g in cli.json("access", "list", "Cars")}
    assert grants == {"admin@localhost": "admin", "ann@example.com": "editor"}
    assert "ann@example.com" in cli.ok("access", "list", f"id:{cars.id}").stdout
    assert cli("access", "grant", "Cars", "ann@example.com", "owner").exit_code == 2

    # acting as ann (an editor), she can create a sub-folder in Cars
    cli.ok("folders", "create", "Cars/ann-was-here", as_user="ann@example.com")
    # a folder admin cannot remove another admin; an organization admin can (to repair access)
    make_user("bob")
    cli.ok("access", "grant", "Cars", "bob@example.com", "admin")
    result = cli.fails("access", "revoke", "Cars", "admin@localhost", code="conflict", as_user="bob@example.com")
    assert "admins cannot be removed (only organization admins may)" in result.stderr
    assert "no longer has a role on 'Cars'" in cli.ok("access", "revoke", "Cars", "bob@example.com").stdout

    assert "no longer has a role on 'Cars'" in cli.ok("access", "revoke", "Cars", "ann@example.com").stdout
    assert registry.access.role_of(actor=admin, folder_id=cars.id, email="ann@example.com") is None
    cli.fails("access", "revoke", "Cars", "ann@example.com", code="not_found")
    cli.fails("access", "grant", "Cars", "nobody@example.com", "viewer", code="not_found")


def test_journal_filters(cli: Cli, registry: Registry, admin) -> None:
    cars = registry.folders.create(actor=admin, name="Cars")
    boats = registry.folders.create(actor=admin, name="Boats")
    (a,) = add_images(registry, admin, cars.id, "a.jpg")
    add_images(registry, admin, boats.id, "b.jpg")
    cli.ok("items", "rename", str(a.id), "renamed.jpg")

    newest = cli.json("journal", "--limit", "1")
    assert [(e["action"], e["target_label"], e["actor_email"]) for e in newest] == [
        ("item.update", "a.jpg", "admin@localhost")
    ]
    assert [e["action"] for e in cli.json("journal", "--item", str(a.id))] == ["item.update", "item.create"]
    in_boats = cli.json("journal", "--folder", "Boats")
    assert {e["folder_id"] for e in in_boats} == {boats.id}
    assert [e["action"] for e in cli.json("journal", "--action", "folder.create")] == ["folder.create"] * 2
    older = cli.json("journal", "--before", str(newest[0]["id"]), "--limit", "1")
    assert older[0]["id"] < newest[0]["id"]
    human = cli.ok("journal", "--limit", "2")
    assert "item.update" in human.stdout and "Older entries: add --before" in human.stderr


def test_users_update_refuses_a_name_over_200_characters_on_both_dialects(
    cli: Cli, registry: Registry, admin, make_user
) -> None:
    """PostgreSQL's VARCHAR(200) used to answer a database error, SQLite stored it: both refuse it, located."""
    make_user("ann")
    result = cli.fails("users", "update", "ann@example.com", "--name", "n" * 201, code="invalid_input")
    assert "user name must be at most 200 characters, got 201" in result.stderr
    cli.fails("users", "add", "bob@example.com", "--name", "n" * 201, code="invalid_input")
    assert registry.users.by_email(email="ann@example.com").name == "Ann"
    assert [u.email for u in registry.users.all(actor=admin)] == ["admin@localhost", "ann@example.com"]
    assert cli.json("users", "update", "ann@example.com", "--name", "n" * 200)["name"] == "n" * 200


def _accept(registry: Registry, url: str, password: str) -> None:
    assert url.startswith("http://") and "/#/accept?token=" in url
    registry.passwords.accept(token=url.split("token=", 1)[1], password=password)


def test_users_invite_and_reset_password_print_one_time_links(cli: Cli, registry: Registry) -> None:
    invited = cli.json("users", "invite", "ann@example.com", "--name", "Ann")
    assert (invited["user"]["email"], invited["user"]["name"], invited["purpose"]) == (
        "ann@example.com",
        "Ann",
        "invite",
    )
    _accept(registry, invited["url"], "a long enough password")
    assert registry.passwords.log_in(email="ann@example.com", password="a long enough password").session.user_id
    result = cli.fails("users", "invite", "ann@example.com", code="conflict")
    assert "already has a password: reset it instead" in result.stderr

    printed = cli.ok("users", "reset-password", "ann@example.com").stdout
    assert printed.startswith("Reset the password of ann@example.com: the link sets a new one (works once, until ")
    url = printed.strip().splitlines()[-1]
    _accept(registry, url, "another long password")
    assert registry.passwords.log_in(email="ann@example.com", password="another long password").session.user_id
    cli.fails("users", "reset-password", "admin@localhost", code="permission_denied", as_user="ann@example.com")
    cli.fails("users", "invite", "eve@example.com", code="permission_denied", as_user="ann@example.com")
    cli.fails("users", "reset-password", "nobody@example.com", code="not_found")
