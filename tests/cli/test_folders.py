"""``cairn folders`` on both dialects."""

from __future__ import annotations

from cairn.services.registry import Registry
from tests.cli.conftest import Cli
from tests.services.helpers import add_images


def test_create_with_parents_description_and_metadata(cli: Cli, registry: Registry, admin) -> None:
    created = cli.json("folders", "create", "Cars/2024/front", "--parents", "-d", "front cams", "-m", '{"team": "a"}')
    assert created["name"] == "front"
    assert created["description"] == "front cams"
    assert created["client_metadata"] == {"team": "a"}
    front = registry.folders.resolve(actor=admin, path="Cars/2024/front")
    assert front.id == created["id"]
    assert created["created_at"].endswith("+00:00")  # ISO 8601 with the time zone


def test_create_without_parents_needs_the_parent(cli: Cli, registry: Registry, admin) -> None:
    result = cli.fails("folders", "create", "Cars/front", code="not_found")
    assert "parent folder 'Cars' not found (use --parents to create it)" in result.stderr
    assert registry.folders.children(actor=admin) == []
    result = cli.ok("folders", "create", "Cars")
    assert "Created folder 'Cars' (id:" in result.stdout


def test_list_tree_and_show(cli: Cli, registry: Registry, admin) -> None:
    cli.ok("folders", "create", "Cars/front", "-p")
    cli.ok("folders", "create", "Cars/back")
    cli.ok("folders", "create", "Boats")
    front = registry.folders.resolve(actor=admin, path="Cars/front")
    add_images(registry, admin, front.id, "a.jpg", "b.jpg")

    assert [f["name"] for f in cli.json("folders", "list")] == ["Boats", "Cars"]
    assert [f["name"] for f in cli.json("folders", "list", "Cars")] == ["back", "front"]
    listed = cli.ok("folders", "list", "Cars").stdout
    assert "front" in listed and "back" in listed and f"id:{front.id}" in listed

    tree = cli.json("folders", "tree")
    assert [node["folder"]["name"] for node in tree] == ["Boats", "Cars"]
    assert [child["folder"]["name"] for child in tree[1]["children"]] == ["back", "front"]
    drawn = cli.ok("folders", "tree", "Cars").stdout
    assert "Cars" in drawn.splitlines()[0] and "front" in drawn

    shown = cli.json("folders", "show", "Cars")
    assert shown["path"] == "Cars"
    assert shown["role"] == "admin"
    assert shown["summary"] == {
        "folder_id": shown["folder"]["id"],
        "folders": 2,
        "files": 2,
        "total_size": 200,
        "by_kind": {"image": 2},
    }
    human = cli.ok("folders", "show", f"id:{front.id}").stdout
    assert "Cars/front" in human and "image 2" in human and "200 B" in human


def test_rename_describe_move_and_delete(cli: Cli, registry: Registry, admin) -> None:
    cli.ok("folders", "create", "A/B", "-p")
    cli.ok("folders", "create", "Z")

    assert cli.json("folders", "rename", "A/B", "Bee")["name"] == "Bee"
    described = cli.json("folders", "describe", "A/Bee", "-d", "bees", "-m", '{"k": 1}')
    assert (described["description"], described["client_metadata"]) == ("bees", {"k": 1})
    assert cli("folders", "describe", "A/Bee").exit_code == 2  # nothing to change is a usage error

    moved = cli.json("folders", "move", "A/Bee", "Z")
    assert registry.folders.resolve(actor=admin, path="Z/Bee").id == moved["id"]
    assert "to 'Bee'" in cli.ok("folders", "move", "Z/Bee", "/").stdout
    assert registry.folders.resolve(actor=admin, path="Bee").parent_id is None

    add_images(registry, admin, registry.folders.resolve(actor=admin, path="Bee").id, "x.jpg")
    deleted = cli.json("folders", "delete", "Bee", "--yes")
    assert deleted["deleted"]["files"] == 1
    assert [f.name for f in registry.folders.children(actor=admin)] == ["A", "Z"]


def test_delete_asks_first_and_does_nothing_when_refused(cli: Cli, registry: Registry, admin) -> None:
    cli.ok("folders", "create", "Keep")
    result = cli("folders", "delete", "Keep", input="n\n")
    assert result.exit_code == 1
    assert "Delete folder 'Keep' with 0 sub-folder(s) and 0 file(s)?" in result.stderr
    assert registry.folders.resolve(actor=admin, path="Keep")
    result = cli("folders", "delete", "Keep", input="y\n")
    assert result.exit_code == 0
    assert registry.folders.children(actor=admin) == []


def test_a_hidden_top_level_name_does_not_stop_creating_by_path(cli: Cli, registry: Registry, admin, make_user) -> None:
    """A top-level 'Secret' vera may not see does not stop `create --parents Secret/notes` nor `folders move .. /`,
    nor a mirrored dataset named 'Secret': her own top level is hers; the org admin then sees two and names one by
    its id."""
    hidden = registry.folders.create(actor=admin, name="Secret")
    vera = make_user("vera")
    made = cli.json("folders", "create", "Secret/notes", "--parents", as_user=vera.email)
    mine = registry.folders.resolve(actor=vera, path="Secret")
    assert mine.id != hidden.id
    assert made["parent_id"] == mine.id
    cli.ok("folders", "rename", "Secret", "Mine", as_user=vera.email)
    cli.ok("folders", "move", "Mine/notes", "/", as_user=vera.email)
    cli.ok("folders", "rename", "notes", "Secret", as_user=vera.email)
    cli.ok("datasets", "create", "Secret", "--mirrored", "--parent", "Mine", as_user=vera.email)
    result = cli.fails("folders", "show", "Secret", code="invalid_input")
    assert f"2 folders named 'Secret' are at your top level (id:{hidden.id}, id:{made['id']})" in result.stderr
    result = cli.fails("folders", "create", "Mine", code="already_exists", as_user=vera.email)
    assert f"a folder named 'Mine' already exists at your top level (id:{mine.id})" in result.stderr
