"""Moves never raise anyone's role on what moves nor hide it from those who oversaw it; org admins repair access.

The rule (docs/architecture.md): a move that changes anyone's effective role on what moves (folders or files)
needs the admin role over the highest folder it leaves (or, when it leaves none, over what moves); a move that
changes no one's role needs the editor role on both sides, as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from cairn.domain.access import Role
from cairn.domain.listing import ItemQuery
from cairn.domain.records import User
from cairn.errors import Conflict, PermissionDenied
from cairn.services.registry import Registry
from tests.services.helpers import add_images


@pytest.fixture
def team(registry: Registry, make_user: Any) -> dict[str, Any]:
    """Team (owner: admin; ed: editor; vi: viewer) with sub-folders X and Y made by the owner, and files in Team."""
    owner, ed, vi = make_user("owner"), make_user("ed"), make_user("vi")
    top = registry.folders.create(actor=owner, name="Team")
    x = registry.folders.create(actor=owner, name="X", parent_id=top.id)
    y = registry.folders.create(actor=owner, name="Y", parent_id=top.id)
    registry.access.grant(actor=owner, folder_id=top.id, email=ed.email, role=Role.EDITOR)
    registry.access.grant(actor=owner, folder_id=top.id, email=vi.email, role=Role.VIEWER)
    files = add_images(registry, owner, top.id, "a.jpg", "b.jpg")
    return {"owner": owner, "ed": ed, "vi": vi, "top": top, "x": x, "y": y, "files": files}


def _role(registry: Registry, admin: User, folder_id: int, user: User) -> Role | None:
    return registry.access.role_of(actor=admin, folder_id=folder_id, email=user.email)


def test_an_editor_cannot_take_a_folder_under_one_they_administer(registry: Registry, admin, team) -> None:
    """The issue's example: an editor of top-level Team moves it under their own folder to inherit admin."""
    ed, top = team["ed"], team["top"]
    own = registry.folders.create(actor=ed, name="EdOwn")
    with pytest.raises(PermissionDenied, match="needs the admin role on folder 'Team' \\(has editor\\)"):
        registry.folders.move(actor=ed, folder_id=top.id, new_parent_id=own.id)
    assert registry.folders.get(actor=admin, folder_id=top.id).parent_id is None
    assert _role(registry, admin, top.id, ed) is Role.EDITOR
    with pytest.raises(PermissionDenied):  # and so cannot appoint anyone
        registry.access.grant(actor=ed, folder_id=top.id, email=team["vi"].email, role=Role.ADMIN)


def test_an_editor_cannot_move_a_folder_out_from_under_its_admins(registry: Registry, admin, team) -> None:
    """Moving out from under a grant would hide the folder from its watchers (and make the mover its admin)."""
    ed, top = team["ed"], team["top"]
    mine = registry.folders.create(actor=ed, name="Mine", parent_id=top.id)  # ed is its admin (its creator)
    own = registry.folders.create(actor=ed, name="EdOwn")
    for target in (own.id, None):
        with pytest.raises(PermissionDenied, match="needs the admin role on folder 'Team'"):
            registry.folders.move(actor=ed, folder_id=mine.id, new_parent_id=target)
        with pytest.raises(PermissionDenied, match="needs the admin role on folder 'Team'"):
            registry.folders.move(actor=ed, folder_id=team["x"].id, new_parent_id=target)
    assert registry.folders.get(actor=admin, folder_id=mine.id).parent_id == top.id
    assert _role(registry, admin, mine.id, team["owner"]) is Role.ADMIN
    assert _role(registry, admin, mine.id, team["vi"]) is Role.VIEWER


def test_an_editor_cannot_move_a_folder_under_their_own_subfolder(registry: Registry, admin, team) -> None:
    ed = team["ed"]
    mine = registry.folders.create(actor=ed, name="Mine", parent_id=team["top"].id)
    with pytest.raises(PermissionDenied, match="needs the admin role on folder 'X' \\(has editor\\)"):
        registry.folders.move(actor=ed, folder_id=team["x"].id, new_parent_id=mine.id)
    assert _role(registry, admin, team["x"].id, ed) is Role.EDITOR


def test_an_editor_cannot_move_files_into_a_folder_they_administer(registry: Registry, admin, team) -> None:
    """Neither directly nor through a dataset synced to that folder (adding to it moves the files there)."""
    ed, files = team["ed"], team["files"]
    mine = registry.folders.create(actor=ed, name="Mine", parent_id=team["top"].id)
    own = registry.folders.create(actor=ed, name="EdOwn")
    for target in (mine, own):
        with pytest.raises(PermissionDenied, match="needs the admin role on folder 'Team' \\(has editor\\)"):
            registry.items.move(actor=ed, item_ids=[files[0].id], target_folder_id=target.id)
        synced = registry.datasets.create(actor=ed, title=f"into {target.name}", synced_folder_id=target.id)
        with pytest.raises(PermissionDenied, match="needs the admin role on folder 'Team'"):
            registry.datasets.add_items(actor=ed, dataset_id=synced.id, item_ids=[files[0].id])
    assert {f.folder_id for f in registry.items.search(actor=admin, query=ItemQuery(limit=100)).items} == {
        team["top"].id
    }


def test_a_viewer_of_the_destination_may_not_gain_files_moved_by_an_editor(registry: Registry, admin, team) -> None:
    """Moving files under a grant the source does not have shows them to someone new: the source's admin decides."""
    owner, ed, stranger = team["owner"], team["ed"], registry.users.create(actor=admin, email="s@example.com")
    registry.access.grant(actor=owner, folder_id=team["y"].id, email=stranger.email, role=Role.VIEWER)
    with pytest.raises(PermissionDenied, match="would change who may see or change"):
        registry.items.move(actor=ed, item_ids=[team["files"][0].id], target_folder_id=team["y"].id)
    registry.items.move(actor=owner, item_ids=[team["files"][0].id], target_folder_id=team["y"].id)
    assert registry.items.get(actor=stranger, item_id=team["files"][0].id).folder_id == team["y"].id


def test_moves_that_change_no_role_need_only_the_editor_role(registry: Registry, admin, team) -> None:
    ed, x, y = team["ed"], team["x"], team["y"]
    moved = registry.folders.move(actor=ed, folder_id=x.id, new_parent_id=y.id)
    assert moved.parent_id == y.id
    registry.folders.move(actor=ed, folder_id=x.id, new_parent_id=team["top"].id)
    files = registry.items.move(actor=ed, item_ids=[f.id for f in team["files"]], target_folder_id=x.id)
    assert {f.folder_id for f in files} == {x.id}
    registry.items.move(actor=ed, item_ids=[f.id for f in team["files"]], target_folder_id=team["top"].id)


def test_the_admin_of_a_folder_may_share_it_but_then_not_take_it_back(registry: Registry, admin, team) -> None:
    """Moving one's own folder into a team folder shares it (the move is the admin's to make); it then belongs to
    the team, whose admins oversee it, so only they may move it out again."""
    ed, owner = team["ed"], team["owner"]
    own = registry.folders.create(actor=ed, name="EdOwn")
    registry.folders.move(actor=ed, folder_id=own.id, new_parent_id=team["top"].id)
    assert _role(registry, admin, own.id, owner) is Role.ADMIN
    with pytest.raises(PermissionDenied, match="needs the admin role on folder 'Team'"):
        registry.folders.move(actor=ed, folder_id=own.id, new_parent_id=None)
    registry.folders.move(actor=owner, folder_id=own.id, new_parent_id=None)
    assert _role(registry, admin, own.id, owner) is Role.ADMIN  # the mover keeps admin on what they moved out


def test_a_folder_moved_to_the_top_level_keeps_its_mover_as_admin(registry: Registry, admin, team) -> None:
    owner, x = team["owner"], team["x"]
    registry.access.revoke(actor=admin, folder_id=x.id, email=owner.email)  # owner is admin of X through Team only
    registry.folders.move(actor=owner, folder_id=x.id, new_parent_id=None)
    assert _role(registry, admin, x.id, owner) is Role.ADMIN
    assert _role(registry, admin, x.id, team["ed"]) is None
    assert registry.folders.get(actor=owner, folder_id=x.id).parent_id is None


def test_an_org_admin_can_repair_any_grant_and_folder_admins_cannot(registry: Registry, admin, team) -> None:
    """Seed 002 (an admin's role cannot be changed nor removed) binds folder admins; org admins can repair access."""
    owner, ed, top = team["owner"], team["ed"], team["top"]
    registry.access.grant(actor=owner, folder_id=top.id, email=ed.email, role=Role.ADMIN)
    with pytest.raises(Conflict, match="admin's role cannot be changed"):
        registry.access.grant(actor=ed, folder_id=top.id, email=owner.email, role=Role.VIEWER)
    with pytest.raises(Conflict, match="admins cannot be removed"):
        registry.access.revoke(actor=ed, folder_id=top.id, email=owner.email)
    registry.access.grant(actor=admin, folder_id=top.id, email=ed.email, role=Role.VIEWER)
    assert _role(registry, admin, top.id, ed) is Role.VIEWER
    registry.access.grant(actor=admin, folder_id=top.id, email=ed.email, role=Role.ADMIN)
    registry.access.revoke(actor=admin, folder_id=top.id, email=ed.email)
    assert _role(registry, admin, top.id, ed) is None
    journal = [e.action for e in registry.journal.entries(actor=admin)]
    assert journal.count("access.revoke") == 1


def test_org_admins_may_move_anything(registry: Registry, admin, team) -> None:
    own = registry.folders.create(actor=team["ed"], name="EdOwn")
    registry.folders.move(actor=admin, folder_id=team["top"].id, new_parent_id=own.id)
    registry.folders.move(actor=admin, folder_id=team["top"].id, new_parent_id=None)
    registry.items.move(actor=admin, item_ids=[team["files"][0].id], target_folder_id=own.id)
    assert _role(registry, admin, team["top"].id, team["ed"]) is Role.EDITOR


def test_a_refused_move_does_not_name_a_folder_the_mover_cannot_see(registry: Registry, admin, team) -> None:
    """A user invited to a sub-folder only may not take its files away; the message names no unseen folder."""
    owner, guest = team["owner"], registry.users.create(actor=admin, email="guest@example.com")
    registry.access.grant(actor=owner, folder_id=team["x"].id, email=guest.email, role=Role.ADMIN)
    [file] = add_images(registry, owner, team["x"].id, "x.jpg")
    own = registry.folders.create(actor=guest, name="GuestOwn")
    with pytest.raises(PermissionDenied) as refused:
        registry.items.move(actor=guest, item_ids=[file.id], target_folder_id=own.id)
    assert "Team" not in refused.value.message
    assert f"needs the admin role on folder {team['top'].id} (has no role there)" in refused.value.message
    with pytest.raises(PermissionDenied, match="has no role there"):
        registry.folders.move(actor=guest, folder_id=team["x"].id, new_parent_id=own.id)
    # Deeper inside what they administer, nothing is hidden from anyone: allowed.
    deeper = registry.folders.create(actor=guest, name="deeper", parent_id=team["x"].id)
    registry.items.move(actor=guest, item_ids=[file.id], target_folder_id=deeper.id)
