"""``cairn items`` on both dialects."""

from __future__ import annotations

from cairn.domain.kinds import ItemKind
from cairn.services.registry import Registry
from tests.cli.conftest import Cli
from tests.services.helpers import add_images, image


def _folder(registry: Registry, admin, path: str) -> int:
    parent_id = None
    for name in path.split("/"):
        parent_id = registry.folders.create(actor=admin, name=name, parent_id=parent_id).id
    return parent_id  # type: ignore[return-value]


def test_list_filters_sorts_and_pages(cli: Cli, registry: Registry, admin) -> None:
    cars = _folder(registry, admin, "Cars")
    add_images(registry, admin, cars, "c.jpg", "a.jpg", "b.jpg")
    sub = registry.folders.create(actor=admin, name="sub", parent_id=cars)
    add_images(registry, admin, sub.id, "deep.jpg")

    listed = cli.json("items", "list", "Cars")
    assert [i["title"] for i in listed["items"]] == ["a.jpg", "b.jpg", "c.jpg"]
    assert listed["next_cursor"] is None
    assert listed["items"][0]["media"]["width"] == 4
    assert [i["title"] for i in cli.json("items", "list", "Cars", "--desc")["items"]] == ["c.jpg", "b.jpg", "a.jpg"]
    assert len(cli.json("items", "list", "Cars", "--recursive")["items"]) == 4
    assert [i["title"] for i in cli.json("items", "list", "Cars", "--search", "b.j")["items"]] == ["b.jpg"]
    assert cli.json("items", "list", "Cars", "--kind", "video")["items"] == []
    assert len(cli.json("items", "list", "Cars", "--status", "registered", "--kind", "image")["items"]) == 3

    first = cli.json("items", "list", "Cars", "--limit", "2")
    assert [i["title"] for i in first["items"]] == ["a.jpg", "b.jpg"]
    second = cli.json("items", "list", "Cars", "--limit", "2", "--cursor", first["next_cursor"])
    assert [i["title"] for i in second["items"]] == ["c.jpg"]
    everything = cli.json("items", "list", "Cars", "--limit", "1", "--all")
    assert [i["title"] for i in everything["items"]] == ["a.jpg", "b.jpg", "c.jpg"]

    human = cli.ok("items", "list", "Cars", "--limit", "2")
    assert "a.jpg" in human.stdout and "4x3" in human.stdout
    assert f"--cursor {first['next_cursor']}" in human.stderr
    assert cli.fails(
        "items", "list", "Cars", "--sort", "created", "--cursor", first["next_cursor"], code="invalid_input"
    )


def test_show_lists_members_and_linked_datasets(cli: Cli, registry: Registry, admin) -> None:
    cars = _folder(registry, admin, "Cars")
    group = registry.items.add_composite(
        actor=admin, folder_id=cars, kind=ItemKind.IMAGE_GROUP, title="group", members=[image("1.jpg"), image("2.jpg")]
    )
    dataset = registry.datasets.create(actor=admin, title="Set")
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[group.id])

    shown = cli.json("items", "show", str(group.id))
    assert shown["item"]["kind"] == "image_group"
    assert shown["folder"] == "Cars"
    assert [m["title"] for m in shown["members"]] == ["1.jpg", "2.jpg"]
    assert [d["title"] for d in shown["linked_to"]] == ["Set"]

    member_id = shown["members"][0]["id"]
    member = cli.json("items", "show", str(member_id))
    assert [c["title"] for c in member["used_in"]] == ["group"]
    assert member["folder"] == "Cars/group"
    assert member["item"]["object_url"] == "s3://bucket/1.jpg"

    human = cli.ok("items", "show", str(group.id)).stdout
    assert "Members (2)" in human and "Linked to (1 dataset(s))" in human and "Set" in human


def test_rename_metadata_move_and_delete(cli: Cli, registry: Registry, admin) -> None:
    cars = _folder(registry, admin, "Cars")
    boats = _folder(registry, admin, "Boats")
    a, b = add_images(registry, admin, cars, "a.jpg", "b.jpg")

    human = cli.ok("items", "show", str(a.id)).stdout
    assert "Linked to no dataset." in human and "admin@localhost" in human and "s3://bucket/a.jpg" in human
    assert cli.json("items", "rename", str(a.id), "front.jpg")["title"] == "front.jpg"
    assert cli.json("items", "metadata", str(a.id), '{"split": "train"}')["client_metadata"] == {"split": "train"}
    assert registry.items.get(actor=admin, item_id=a.id).client_metadata == {"split": "train"}
    cli.fails("items", "metadata", str(a.id), "not json", code="invalid_input")

    moved = cli.json("items", "move", str(a.id), str(b.id), "--to", "Boats")
    assert {i["folder_id"] for i in moved} == {boats}
    assert "Moved 1 item(s) to 'Cars'" in cli.ok("items", "move", str(b.id), "--to", f"id:{cars}").stdout

    assert cli.json("items", "delete", str(a.id), str(b.id), "--yes") == {"deleted": 2}
    cli.fails("items", "show", str(a.id), code="not_found")


def test_delete_composite_keeps_members_when_asked(cli: Cli, registry: Registry, admin) -> None:
    cars = _folder(registry, admin, "Cars")
    group = registry.items.add_composite(
        actor=admin, folder_id=cars, kind=ItemKind.IMAGE_SEQUENCE, title="seq", members=[image("1.jpg")]
    )
    member = registry.items.members(actor=admin, item_id=group.id)[0]
    result = cli.fails("items", "delete", str(member.id), "--yes", code="conflict")
    assert "it is part of 'seq'" in result.stderr

    assert cli.json("items", "delete", str(group.id), "--yes", "--keep-members") == {"deleted": 1}
    assert registry.items.get(actor=admin, item_id=member.id).title == "1.jpg"


def test_delete_asks_first(cli: Cli, registry: Registry, admin) -> None:
    (item,) = add_images(registry, admin, _folder(registry, admin, "Cars"), "a.jpg")
    result = cli("items", "delete", str(item.id), input="n\n")
    assert result.exit_code == 1
    assert "Delete 1 item(s)?" in result.stderr
    assert registry.items.get(actor=admin, item_id=item.id).id == item.id
