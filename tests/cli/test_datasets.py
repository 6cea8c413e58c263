"""``cairn datasets`` on both dialects."""

from __future__ import annotations

from cairn.domain.access import Role
from cairn.services.registry import Registry
from tests.cli.conftest import Cli
from tests.services.helpers import add_images


def test_plain_dataset_add_items_remove_and_linked_to(cli: Cli, registry: Registry, admin) -> None:
    cars = registry.folders.create(actor=admin, name="Cars")
    a, b = add_images(registry, admin, cars.id, "a.jpg", "b.jpg")

    created = cli.json("datasets", "create", "Training", "-d", "first cut")
    assert (created["title"], created["description"], created["synced_folder_id"]) == ("Training", "first cut", None)
    ds = str(created["id"])
    assert cli.json("datasets", "add", ds, str(a.id), str(b.id)) == {"added": 2}
    assert [i["title"] for i in cli.json("datasets", "items", ds)["items"]] == ["a.jpg", "b.jpg"]
    assert [d["title"] for d in cli.json("datasets", "linked-to", str(a.id))] == ["Training"]
    assert "Training" in cli.ok("datasets", "linked-to", str(a.id)).stdout

    assert cli.json("datasets", "remove", ds, str(a.id)) == {"removed": 1}
    assert [i["title"] for i in cli.json("datasets", "items", ds)["items"]] == ["b.jpg"]
    assert cli.json("datasets", "linked-to", str(a.id)) == []

    shown = cli.json("datasets", "show", ds)
    assert shown["item_count"] == 1 and shown["synced_folder"] is None
    listed = cli.json("datasets", "list")
    assert [d["title"] for d in listed] == ["Training"]
    human = cli.ok("datasets", "list").stdout
    assert "Training" in human and "plain" in human and "admin@localhost" in human


def test_synced_and_mirrored_datasets(cli: Cli, registry: Registry, admin) -> None:
    front = registry.folders.create(actor=admin, name="front")
    other = registry.folders.create(actor=admin, name="other")
    (a,) = add_images(registry, admin, front.id, "a.jpg")
    (b,) = add_images(registry, admin, other.id, "b.jpg")

    synced = cli.json("datasets", "create", "Front", "--synced-folder", "front")
    assert synced["synced_folder_id"] == front.id
    ds = str(synced["id"])
    assert [i["id"] for i in cli.json("datasets", "items", ds)["items"]] == [a.id]
    assert cli.json("datasets", "add", ds, str(b.id)) == {"added": 1}  # moves b into the synced folder
    assert registry.items.get(actor=admin, item_id=b.id).folder_id == front.id
    result = cli.fails("datasets", "remove", ds, str(a.id), code="conflict")
    assert "is synced to folder 'front'" in result.stderr
    assert cli.json("datasets", "show", ds)["synced_folder"] == "front"

    unsynced = cli.json("datasets", "sync", ds, "--none")
    assert unsynced["synced_folder_id"] is None
    assert cli.json("datasets", "show", ds)["item_count"] == 2  # kept as explicit members
    assert "is synced to 'other'" in cli.ok("datasets", "sync", ds, "other").stdout

    mirrored = cli.json("datasets", "create", "Mirror", "--mirrored", "--parent", "other")
    backing = registry.folders.resolve(actor=admin, path="other/Mirror")
    assert mirrored["mirrored"] is True and mirrored["synced_folder_id"] == backing.id
    assert cli("datasets", "create", "X", "--mirrored", "--synced-folder", "front").exit_code == 2
    assert cli("datasets", "create", "X", "--parent", "front").exit_code == 2


def test_rename_describe_and_delete_keep_the_files(cli: Cli, registry: Registry, admin) -> None:
    cars = registry.folders.create(actor=admin, name="Cars")
    (a,) = add_images(registry, admin, cars.id, "a.jpg")
    ds = str(cli.json("datasets", "create", "Old")["id"])
    cli.ok("datasets", "add", ds, str(a.id))

    assert cli.json("datasets", "rename", ds, "New")["title"] == "New"
    assert cli.json("datasets", "describe", ds, "-d", "better")["description"] == "better"
    refused = cli("datasets", "delete", ds, input="n\n")
    assert refused.exit_code == 1
    assert registry.datasets.get(actor=admin, dataset_id=int(ds)).title == "New"
    assert cli.json("datasets", "delete", ds, "--yes")["deleted"]["title"] == "New"
    cli.fails("datasets", "show", ds, code="not_found")
    assert registry.items.get(actor=admin, item_id=a.id).title == "a.jpg"


def test_datasets_list_shows_and_counts_only_what_the_user_may_see(
    cli: Cli, registry: Registry, admin, make_user
) -> None:
    vera = make_user("vera")
    secret = registry.folders.create(actor=admin, name="SecretProject")
    shared = registry.folders.create(actor=admin, name="Shared")
    registry.access.grant(actor=admin, folder_id=shared.id, email=vera.email, role=Role.VIEWER)
    (hidden,) = add_images(registry, admin, secret.id, "hidden.jpg")
    (seen,) = add_images(registry, admin, shared.id, "seen.jpg")
    both = registry.datasets.create(actor=admin, title="Both")
    registry.datasets.add_items(actor=admin, dataset_id=both.id, item_ids=[hidden.id, seen.id])
    registry.datasets.create(actor=admin, title="Mirror of secrets", mirrored=True, mirror_parent_id=secret.id)

    listed = cli.json("datasets", "list", as_user=vera.email)
    assert [d["title"] for d in listed] == ["Both"]
    human = cli.ok("datasets", "list", as_user=vera.email).stdout
    assert "Mirror of secrets" not in human and "SecretProject" not in human
    assert cli.json("datasets", "show", str(both.id), as_user=vera.email)["item_count"] == 1
    assert cli.json("datasets", "show", str(both.id))["item_count"] == 2
    missing = cli.fails("datasets", "show", "987654321", code="not_found", as_user=vera.email).stderr
    mirror = next(d for d in registry.datasets.all(actor=admin) if d.mirrored)
    hidden_one = cli.fails("datasets", "show", str(mirror.id), code="not_found", as_user=vera.email).stderr
    assert hidden_one.replace(str(mirror.id), "ID") == missing.replace("987654321", "ID")
