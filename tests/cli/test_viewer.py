"""Acting as a viewer: every change is refused with ``Error (permission_denied): ...`` and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from cairn.domain.listing import ItemQuery
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.cli.conftest import Cli
from tests.services.helpers import add_images

VIEWER = "vera@example.com"


def _state(registry: Registry, admin: User) -> dict[str, Any]:
    """Everything a refused command could have changed, as the organization admin sees it."""
    cars = registry.folders.resolve(actor=admin, path="Cars")
    return {
        "tree": registry.folders.tree(actor=admin),
        "items": registry.items.search(actor=admin, query=ItemQuery(limit=1000)).items,
        "datasets": registry.datasets.all(actor=admin),
        "dataset items": [
            registry.datasets.items(actor=admin, dataset_id=d.id).items for d in registry.datasets.all(actor=admin)
        ],
        "access": registry.access.grants(actor=admin, folder_id=cars.id),
        "users": registry.users.all(actor=admin),
        "journal": registry.journal.entries(actor=admin, limit=1000),
    }


@pytest.fixture
def viewer_world(cli: Cli, registry: Registry, admin, make_user) -> dict[str, str]:
    make_user("vera")
    cars = registry.folders.create(actor=admin, name="Cars")
    registry.folders.create(actor=admin, name="sub", parent_id=cars.id)
    (item,) = add_images(registry, admin, cars.id, "a.jpg")
    dataset = registry.datasets.create(actor=admin, title="Set")
    registry.datasets.add_items(actor=admin, dataset_id=dataset.id, item_ids=[item.id])
    cli.ok("access", "grant", "Cars", VIEWER, "viewer")
    return {"item": str(item.id), "dataset": str(dataset.id)}


REFUSED = [
    ("folders", "create", "Cars/new"),
    ("folders", "rename", "Cars", "Autos"),
    ("folders", "describe", "Cars", "-d", "mine now"),
    ("folders", "move", "Cars/sub", "/"),
    ("folders", "delete", "Cars", "--yes"),
    ("items", "rename", "{item}", "mine.jpg"),
    ("items", "metadata", "{item}", '{{"x": 1}}'),
    ("items", "move", "{item}", "--to", "Cars/sub"),
    ("items", "delete", "{item}", "--yes"),
    ("datasets", "rename", "{dataset}", "Mine"),
    ("datasets", "delete", "{dataset}", "--yes"),
    ("datasets", "remove", "{dataset}", "{item}"),
    ("datasets", "sync", "{dataset}", "Cars"),
    ("datasets", "create", "M", "--mirrored", "--parent", "Cars"),
    ("access", "grant", "Cars", VIEWER, "admin"),
    ("access", "revoke", "Cars", "admin@localhost"),
    ("users", "add", "eve@example.com"),
]


def test_a_viewer_is_refused_and_nothing_changes(
    cli: Cli, registry: Registry, admin: User, viewer_world: dict[str, str]
) -> None:
    before = _state(registry, admin)
    for command in REFUSED:
        args = [part.format(**viewer_world) for part in command]
        result = cli.fails(*args, code="permission_denied", as_user=VIEWER)
        assert VIEWER in result.stderr, args
        assert _state(registry, admin) == before, f"cairn {' '.join(args)} changed something"


def test_a_viewer_can_read(cli: Cli, viewer_world: dict[str, str]) -> None:
    assert cli.json("folders", "show", "Cars", as_user=VIEWER)["role"] == "viewer"
    assert [i["title"] for i in cli.json("items", "list", "Cars", as_user=VIEWER)["items"]] == ["a.jpg"]
    assert cli.json("items", "show", viewer_world["item"], as_user=VIEWER)["linked_to"][0]["title"] == "Set"
    assert [f["folder"]["name"] for f in cli.json("folders", "tree", as_user=VIEWER)] == ["Cars"]
