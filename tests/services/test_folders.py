from __future__ import annotations

import pytest

from cairn.domain.access import Role
from cairn.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from cairn.services.registry import Registry
from tests.services.helpers import add_images


def test_folder_tree_create_resolve_and_path(registry: Registry, admin) -> None:
    cars = registry.folders.create(actor=admin, name="Cars", description="all cars", client_metadata={"team": "a"})
    front = registry.folders.create(actor=admin, name="front", parent_id=cars.id)
    night = registry.folders.create(actor=admin, name="night", parent_id=front.id)

    assert registry.folders.resolve(actor=admin, path="/Cars/front/night/").id == night.id
    assert [p.name for p in registry.folders.path_to_root(actor=admin, folder_id=night.id)] == [
        "Cars",
        "front",
        "night",
    ]
    assert cars.client_metadata == {"team": "a"}
    tree = registry.folders.tree(actor=admin)
    assert [n.folder.name for n in tree] == ["Cars"]
    assert tree[0].children[0].children[0].folder.id == night.id


@pytest.mark.parametrize("bad", ["", "   ", "a/b", "x" * 301, "tab\tname"])
def test_folder_names_are_validated(registry: Registry, admin, bad: str) -> None:
    with pytest.raises(InvalidInput):
        registry.folders.create(actor=admin, name=bad)


def test_sibling_names_are_unique_at_every_level(registry: Registry, admin) -> None:
    top = registry.folders.create(actor=admin, name="Same")
    with pytest.raises(AlreadyExists, match="top level"):
        registry.folders.create(actor=admin, name="Same")
    registry.folders.create(actor=admin, name="child", parent_id=top.id)
    with pytest.raises(AlreadyExists, match="'Same'"):
        registry.folders.create(actor=admin, name="child", parent_id=top.id)
    other = registry.folders.create(actor=admin, name="Other")
    registry.folders.create(actor=admin, name="child", parent_id=other.id)  # same name elsewhere is fine


def test_a_file_at_the_root_is_refused(registry: Registry, admin) -> None:
    with pytest.raises(InvalidInput, match="top level holds folders only"):
        add_images(registry, admin, None, "a.jpg")  # type: ignore[arg-type]


def test_moving_a_folder_into_its_own_descendant_is_refused(registry: Registry, admin) -> None:
    a = registry.folders.create(actor=admin, name="A")
    b = registry.folders.create(actor=admin, name="B", parent_id=a.id)
    c = registry.folders.create(actor=admin, name="C", parent_id=b.id)
    with pytest.raises(Conflict, match="into itself or one of its own sub-folders"):
        registry.folders.move(actor=admin, folder_id=a.id, new_parent_id=c.id)
    with pytest.raises(Conflict):
        registry.folders.move(actor=admin, folder_id=a.id, new_parent_id=a.id)
    assert registry.folders.get(actor=admin, folder_id=a.id).parent_id is None


def test_moving_a_folder_carries_its_subtree(registry: Registry, admin) -> None:
    a = registry.folders.create(actor=admin, name="A")
    b = registry.folders.create(actor=admin, name="B", parent_id=a.id)
    c = registry.folders.create(actor=admin, name="C", parent_id=b.id)
    z = registry.folders.create(actor=admin, name="Z")
    add_images(registry, admin, c.id, "deep.jpg")

    registry.folders.move(actor=admin, folder_id=b.id, new_parent_id=z.id)

    assert registry.folders.resolve(actor=admin, path="Z/B/C").id == c.id
    assert registry.folders.summary(actor=admin, folder_id=z.id).files == 1
    assert registry.folders.summary(actor=admin, folder_id=a.id).files == 0
    registry.folders.move(actor=admin, folder_id=b.id, new_parent_id=None)  # to the top level
    assert registry.folders.resolve(actor=admin, path="B/C").id == c.id


def test_delete_folder_is_recursive_and_reports_counts(registry: Registry, admin) -> None:
    a = registry.folders.create(actor=admin, name="A")
    b = registry.folders.create(actor=admin, name="B", parent_id=a.id)
    add_images(registry, admin, a.id, "1.jpg")
    add_images(registry, admin, b.id, "2.jpg", "3.jpg")

    summary = registry.folders.delete(actor=admin, folder_id=a.id)

    assert (summary.files, summary.folders) == (3, 1)
    with pytest.raises(NotFound):
        registry.folders.get(actor=admin, folder_id=b.id)


def test_summary_counts_per_kind_and_size_recursively(registry: Registry, admin) -> None:
    a = registry.folders.create(actor=admin, name="A")
    b = registry.folders.create(actor=admin, name="B", parent_id=a.id)
    add_images(registry, admin, a.id, "1.jpg")
    add_images(registry, admin, b.id, "2.jpg")
    summary = registry.folders.summary(actor=admin, folder_id=a.id)
    assert summary.by_kind == {"image": 2}
    assert summary.total_size == 200
    assert summary.folders == 1


def test_rename_describe_and_metadata(registry: Registry, admin) -> None:
    a = registry.folders.create(actor=admin, name="A")
    updated = registry.folders.update(
        actor=admin, folder_id=a.id, name="Renamed", description="d", client_metadata={"k": 1}
    )
    assert (updated.name, updated.description, updated.client_metadata) == ("Renamed", "d", {"k": 1})
    with pytest.raises(InvalidInput, match="JSON object"):
        registry.folders.update(actor=admin, folder_id=a.id, client_metadata=[1, 2])  # type: ignore[arg-type]


def test_creator_is_admin_of_the_folder(registry: Registry, admin, make_user) -> None:
    alice = make_user("alice")
    mine = registry.folders.create(actor=alice, name="Alice's")
    assert registry.folders.role(actor=alice, folder_id=mine.id) is Role.ADMIN
    with pytest.raises(NotFound):
        registry.folders.get(actor=make_user("bob"), folder_id=mine.id)
