"""Top-level folder names are unique among the folders the actor can see, not across the organization (issue 13,
point 1): a refusal must not tell a user that a folder they may not see has the name they tried. Both dialects.

Under a parent, sibling names stay unique (the database's partial unique index ``ix_folders_parent_name``): whoever
creates, renames or moves a folder there can see the parent, hence every sibling. A shared sub-folder whose parent
the actor may not see lies at their top level: a clash with a hidden sibling cannot be avoided, but the refusal
names neither the parent nor the sibling's id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from cairn.domain.access import Role
from cairn.domain.records import Folder, User
from cairn.errors import AlreadyExists, CairnError, InvalidInput
from cairn.services.registry import Registry


def _error(call: Callable[[], Any]) -> CairnError:
    with pytest.raises(CairnError) as caught:
        call()
    return caught.value


@pytest.fixture
def hidden(registry: Registry, admin: User) -> Folder:
    """The org admin's top-level 'Secret', on which no other user has a role."""
    return registry.folders.create(actor=admin, name="Secret")


@pytest.fixture
def nora(make_user: Callable[[str], User]) -> User:
    return make_user("nora")


def _top_names(registry: Registry, actor: User) -> list[str]:
    return [f.name for f in registry.folders.children(actor=actor)]


def test_a_hidden_name_does_not_stop_creating_a_top_level_folder(
    registry: Registry, admin: User, hidden: Folder, nora: User
) -> None:
    mine = registry.folders.create(actor=nora, name="Secret")
    assert (mine.name, mine.parent_id) == ("Secret", None)
    assert mine.id != hidden.id
    assert _top_names(registry, nora) == ["Secret"]
    assert registry.folders.resolve(actor=nora, path="Secret").id == mine.id
    assert _top_names(registry, admin) == ["Secret", "Secret"]
    ambiguous = _error(lambda: registry.folders.resolve(actor=admin, path="Secret"))
    assert isinstance(ambiguous, InvalidInput)
    assert f"id:{hidden.id}" in ambiguous.message
    assert f"id:{mine.id}" in ambiguous.message
    assert registry.folders.get(actor=admin, folder_id=hidden.id).name == "Secret"


def test_a_hidden_name_does_not_stop_renaming_or_moving_to_the_top_level(
    registry: Registry, admin: User, hidden: Folder, nora: User
) -> None:
    renamed = registry.folders.create(actor=nora, name="Mine")
    assert registry.folders.update(actor=nora, folder_id=renamed.id, name="Secret").name == "Secret"
    box = registry.folders.create(actor=nora, name="Box")
    inner = registry.folders.create(actor=nora, name="Secret", parent_id=box.id)
    registry.folders.update(actor=nora, folder_id=renamed.id, name="Renamed")
    moved = registry.folders.move(actor=nora, folder_id=inner.id, new_parent_id=None)
    assert (moved.name, moved.parent_id, moved.path) == ("Secret", None, f"/{inner.id}/")
    assert _top_names(registry, nora) == ["Box", "Renamed", "Secret"]
    assert _top_names(registry, admin) == ["Box", "Renamed", "Secret", "Secret"]


def test_a_hidden_name_does_not_stop_a_mirrored_dataset_at_the_top_level(
    registry: Registry, admin: User, hidden: Folder, nora: User
) -> None:
    dataset = registry.datasets.create(actor=nora, title="Secret", mirrored=True)
    assert dataset.synced_folder_id is not None
    backing = registry.folders.get(actor=nora, folder_id=dataset.synced_folder_id)
    assert (backing.name, backing.parent_id) == ("Secret", None)
    assert backing.id != hidden.id


def _refused_naming(call: Callable[[], Any], seen: Folder) -> None:
    """``call`` is refused with ``AlreadyExists`` naming the folder ``seen`` that the actor sees at their top level."""
    refused = _error(call)
    assert isinstance(refused, AlreadyExists), refused
    assert refused.message == f"a folder named {seen.name!r} already exists at your top level (id:{seen.id})"
    assert refused.details == {"folder_id": seen.id}


def test_a_name_the_actor_sees_at_their_top_level_is_refused(registry: Registry, admin: User, nora: User) -> None:
    cars = registry.folders.create(actor=admin, name="Cars")
    registry.access.grant(actor=admin, folder_id=cars.id, email=nora.email, role=Role.VIEWER)
    _refused_naming(lambda: registry.folders.create(actor=nora, name="Cars"), cars)
    mine = registry.folders.create(actor=nora, name="Mine")
    _refused_naming(lambda: registry.folders.update(actor=nora, folder_id=mine.id, name="Cars"), cars)
    inner = registry.folders.create(actor=nora, name="Cars", parent_id=mine.id)
    _refused_naming(lambda: registry.folders.move(actor=nora, folder_id=inner.id, new_parent_id=None), cars)
    _refused_naming(lambda: registry.datasets.create(actor=nora, title="Cars", mirrored=True), cars)
    assert _top_names(registry, nora) == ["Cars", "Mine"]
    assert [d.title for d in registry.datasets.all(actor=nora)] == []


def test_a_shared_sub_folder_at_the_actor_top_level_takes_its_name(registry: Registry, admin: User, nora: User) -> None:
    """A sub-folder shared with the actor lies at their top level: a new top-level folder may not take its name."""
    project = registry.folders.create(actor=admin, name="Project")
    front = registry.folders.create(actor=admin, name="Front", parent_id=project.id)
    registry.access.grant(actor=admin, folder_id=front.id, email=nora.email, role=Role.VIEWER)
    shown = registry.folders.get(actor=nora, folder_id=front.id)
    _refused_naming(lambda: registry.folders.create(actor=nora, name="Front"), shown)
    refused = _error(lambda: registry.folders.create(actor=nora, name="Front"))
    assert "Project" not in json.dumps(refused.to_dict())


def test_for_an_org_admin_top_level_names_stay_unique_across_the_organization(
    registry: Registry, admin: User, nora: User
) -> None:
    theirs = registry.folders.create(actor=nora, name="Theirs")
    _refused_naming(lambda: registry.folders.create(actor=admin, name="Theirs"), theirs)
    mine = registry.folders.create(actor=admin, name="Mine")
    _refused_naming(lambda: registry.folders.update(actor=admin, folder_id=mine.id, name="Theirs"), theirs)


def test_renaming_a_top_level_folder_to_its_own_name_is_no_clash(registry: Registry, nora: User) -> None:
    mine = registry.folders.create(actor=nora, name="Mine")
    assert registry.folders.update(actor=nora, folder_id=mine.id, name="Mine", description="d").description == "d"
    assert registry.folders.move(actor=nora, folder_id=mine.id, new_parent_id=None).id == mine.id


def test_sibling_names_stay_unique_under_a_parent(registry: Registry, admin: User, nora: User) -> None:
    parent = registry.folders.create(actor=nora, name="Parent")
    registry.folders.create(actor=nora, name="A", parent_id=parent.id)
    b = registry.folders.create(actor=nora, name="B", parent_id=parent.id)
    taken = "a folder named 'A' already exists in folder 'Parent'"
    for call in (
        lambda: registry.folders.create(actor=nora, name="A", parent_id=parent.id),
        lambda: registry.folders.update(actor=nora, folder_id=b.id, name="A"),
        lambda: registry.folders.move(
            actor=nora, folder_id=registry.folders.create(actor=nora, name="A").id, new_parent_id=parent.id
        ),
    ):
        refused = _error(call)
        assert isinstance(refused, AlreadyExists), refused
        assert refused.message == taken


def test_a_shared_sub_folder_renamed_as_a_hidden_sibling_names_neither(
    registry: Registry, admin: User, nora: User
) -> None:
    """The database keeps sibling names unique, so the rename is refused; the refusal names neither the parent nora
    may not see nor the hidden sibling's id."""
    project = registry.folders.create(actor=admin, name="Project")
    front = registry.folders.create(actor=admin, name="Front", parent_id=project.id)
    back = registry.folders.create(actor=admin, name="Back", parent_id=project.id)
    registry.access.grant(actor=admin, folder_id=front.id, email=nora.email, role=Role.EDITOR)
    refused = _error(lambda: registry.folders.update(actor=nora, folder_id=front.id, name="Back"))
    assert isinstance(refused, AlreadyExists)
    shown = json.dumps(refused.to_dict())
    assert "Project" not in shown
    assert str(project.id) not in shown
    assert str(back.id) not in shown
    assert refused.message == "folder 'Front' cannot be named 'Back': the folder it is in holds one of that name"
    assert registry.folders.get(actor=admin, folder_id=front.id).name == "Front"
