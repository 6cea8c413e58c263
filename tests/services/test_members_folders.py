"""A composite's members folder follows its composite and refuses what would break it."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from cairn.domain.access import Role
from cairn.domain.kinds import ItemKind
from cairn.domain.records import Folder, Item, User
from cairn.errors import Conflict, PermissionDenied
from cairn.services.registry import Registry
from cairn.services.uploads import UploadedFile
from tests.services.helpers import add_images, image


def _group(registry: Registry, actor: User, folder_id: int, title: str = "grp") -> tuple[Item, Folder]:
    group = registry.items.add_composite(
        actor=actor, folder_id=folder_id, kind=ItemKind.IMAGE_GROUP, title=title, members=[image(f"{title}-0.jpg")]
    )
    member = registry.items.members(actor=actor, item_id=group.id)[0]
    return group, registry.folders.get(actor=actor, folder_id=member.folder_id)


@pytest.fixture
def world(registry: Registry, admin: User) -> dict[str, Any]:
    a = registry.folders.create(actor=admin, name="A")
    b = registry.folders.create(actor=admin, name="B")
    group, members = _group(registry, admin, a.id)
    return {"a": a, "b": b, "group": group, "members": members}


MEMBERS = "holds the members of an image group"


def test_a_members_folder_cannot_be_renamed(registry: Registry, admin, world) -> None:
    with pytest.raises(Conflict, match=MEMBERS):
        registry.folders.update(actor=admin, folder_id=world["members"].id, name="renamed")
    assert registry.folders.get(actor=admin, folder_id=world["members"].id).name == "grp"
    # Its description and metadata are its own to change.
    registry.folders.update(actor=admin, folder_id=world["members"].id, description="frames of grp")


def test_a_members_folder_cannot_be_moved_on_its_own(registry: Registry, admin, world) -> None:
    for target in (None, world["b"].id):
        with pytest.raises(Conflict, match=MEMBERS + ": it moves with it"):
            registry.folders.move(actor=admin, folder_id=world["members"].id, new_parent_id=target)
    assert registry.folders.get(actor=admin, folder_id=world["members"].id).parent_id == world["a"].id


def test_a_members_folder_holds_no_sub_folder_nor_other_files(registry: Registry, admin, world) -> None:
    members = world["members"]
    with pytest.raises(Conflict, match=MEMBERS):
        registry.folders.create(actor=admin, name="sub", parent_id=members.id)
    with pytest.raises(Conflict, match=MEMBERS):
        registry.folders.move(actor=admin, folder_id=world["b"].id, new_parent_id=members.id)
    with pytest.raises(Conflict, match=MEMBERS):
        registry.datasets.create(actor=admin, title="mirror", mirrored=True, mirror_parent_id=members.id)
    with pytest.raises(Conflict, match=MEMBERS):
        registry.items.add_composite(
            actor=admin, folder_id=members.id, kind=ItemKind.IMAGE_GROUP, title="inner", members=[image("x.jpg")]
        )
    with pytest.raises(Conflict, match=MEMBERS):
        add_images(registry, admin, members.id, "loose.jpg")
    loose = add_images(registry, admin, world["a"].id, "loose.jpg")[0]
    with pytest.raises(Conflict, match=MEMBERS):
        registry.items.move(actor=admin, item_ids=[loose.id], target_folder_id=members.id)
    assert registry.folders.children(actor=admin, parent_id=members.id) == []
    assert registry.folders.summary(actor=admin, folder_id=members.id).files == 1


def test_a_members_folder_cannot_back_a_synced_dataset(registry: Registry, admin, world) -> None:
    with pytest.raises(Conflict, match=MEMBERS):
        registry.datasets.create(actor=admin, title="synced", synced_folder_id=world["members"].id)
    plain = registry.datasets.create(actor=admin, title="plain")
    with pytest.raises(Conflict, match=MEMBERS):
        registry.datasets.sync(actor=admin, dataset_id=plain.id, folder_id=world["members"].id)
    assert registry.datasets.get(actor=admin, dataset_id=plain.id).synced_folder_id is None


def test_a_member_moves_only_with_its_composite(registry: Registry, admin, world) -> None:
    member = registry.items.members(actor=admin, item_id=world["group"].id)[0]
    with pytest.raises(Conflict, match="is a member of a composite"):
        registry.items.move(actor=admin, item_ids=[member.id], target_folder_id=world["b"].id)
    assert registry.items.get(actor=admin, item_id=member.id).folder_id == world["members"].id


def test_moving_a_composite_carries_its_members_folder(registry: Registry, admin, world) -> None:
    b, group, members = world["b"], world["group"], world["members"]
    taken = registry.folders.create(actor=admin, name="grp", parent_id=b.id)  # the name is taken in B
    registry.items.move(actor=admin, item_ids=[group.id], target_folder_id=b.id)
    carried = registry.folders.get(actor=admin, folder_id=members.id)
    assert carried.parent_id == b.id and carried.name == "grp (2)" and carried.is_members_folder
    assert registry.folders.children(actor=admin, parent_id=world["a"].id) == []
    assert [m.folder_id for m in registry.items.members(actor=admin, item_id=group.id)] == [members.id]
    assert registry.items.get(actor=admin, item_id=group.id).folder_id == b.id
    assert taken.id != carried.id
    # And back: the members folder returns with it under its own name.
    registry.items.move(actor=admin, item_ids=[group.id], target_folder_id=world["a"].id)
    assert registry.folders.get(actor=admin, folder_id=members.id).parent_id == world["a"].id


def test_a_composite_move_follows_the_move_rule_for_its_members(registry: Registry, admin, make_user) -> None:
    """An editor who may not move the composite may not move its members folder either (one check covers both)."""
    owner, ed = make_user("owner"), make_user("ed")
    team = registry.folders.create(actor=owner, name="Team")
    registry.access.grant(actor=owner, folder_id=team.id, email=ed.email, role=Role.EDITOR)
    group, members = _group(registry, owner, team.id)
    mine = registry.folders.create(actor=ed, name="Mine", parent_id=team.id)
    with pytest.raises(PermissionDenied, match="needs the admin role on folder 'Team'"):
        registry.items.move(actor=ed, item_ids=[group.id], target_folder_id=mine.id)
    assert registry.folders.get(actor=admin, folder_id=members.id).parent_id == team.id


def test_deleting_a_composite_deletes_its_emptied_members_folder(registry: Registry, admin, world) -> None:
    registry.items.delete(actor=admin, item_ids=[world["group"].id])
    assert registry.folders.children(actor=admin, parent_id=world["a"].id) == []
    assert "folder.delete" in [e.action for e in registry.journal.entries(actor=admin)]


def test_members_kept_after_their_composite_stay_in_an_ordinary_folder(registry: Registry, admin, world) -> None:
    """Without its composite, the folder is the members' plain home: it may be renamed, moved and filled again."""
    members = world["members"]
    registry.items.delete(actor=admin, item_ids=[world["group"].id], remove_unused_members=False)
    kept = registry.folders.get(actor=admin, folder_id=members.id)
    assert not kept.is_members_folder and kept.parent_id == world["a"].id
    assert registry.folders.summary(actor=admin, folder_id=members.id).files == 1
    registry.folders.update(actor=admin, folder_id=members.id, name="frames")
    registry.folders.move(actor=admin, folder_id=members.id, new_parent_id=world["b"].id)


def test_no_registration_nor_upload_into_a_members_folder(registry: Registry, admin, world) -> None:
    """Every way files are placed goes through the same refusal (``target_folder``)."""
    root = registry.settings.data_dir / "disk"
    root.mkdir(parents=True, exist_ok=True)
    (root / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    registry.integrations.add(actor=admin, name="disk", provider="local", root=str(root), shared=True)
    manifest = io.BytesIO(json.dumps({"images": [{"objectUrl": (root / "a.png").as_uri()}]}).encode())
    with pytest.raises(Conflict, match=MEMBERS):
        registry.registration.register(
            actor=admin, folder_id=world["members"].id, integration="disk", manifest=manifest
        )
    png = UploadedFile("up.png", io.BytesIO(b"\x89PNG\r\n\x1a\n"), "image/png")
    with pytest.raises(Conflict, match=MEMBERS):
        registry.uploads.upload(actor=admin, folder_id=world["members"].id, files=[png])
    assert registry.folders.summary(actor=admin, folder_id=world["members"].id).files == 1
