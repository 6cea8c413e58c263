from __future__ import annotations

import pytest

from cairn.domain.access import Role
from cairn.domain.listing import ItemQuery
from cairn.errors import Conflict, NotFound, PermissionDenied
from cairn.services.registry import Registry
from tests.services.helpers import add_images


@pytest.fixture
def team(registry: Registry, admin, make_user):  # type: ignore[no-untyped-def]
    owner, editor, viewer, stranger = (make_user(n) for n in ("owner", "editor", "viewer", "stranger"))
    top = registry.folders.create(actor=owner, name="Team")
    sub = registry.folders.create(actor=owner, name="sub", parent_id=top.id)
    registry.access.grant(actor=owner, folder_id=top.id, email=editor.email, role=Role.EDITOR)
    registry.access.grant(actor=owner, folder_id=top.id, email=viewer.email, role=Role.VIEWER)
    item = add_images(registry, owner, sub.id, "a.jpg")[0]
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "stranger": stranger,
        "top": top,
        "sub": sub,
        "item": item,
    }


def test_roles_are_inherited_by_subfolders(registry: Registry, team) -> None:
    assert registry.folders.role(actor=team["viewer"], folder_id=team["sub"].id) is Role.VIEWER
    assert registry.folders.role(actor=team["editor"], folder_id=team["sub"].id) is Role.EDITOR
    assert registry.items.get(actor=team["viewer"], item_id=team["item"].id).title == "a.jpg"
    with pytest.raises(NotFound, match=f"item {team['item'].id} not found"):  # no role: as if it did not exist
        registry.items.get(actor=team["stranger"], item_id=team["item"].id)


def test_a_viewers_delete_is_refused_and_nothing_changes(registry: Registry, team) -> None:
    before = registry.journal.entries(actor=team["owner"])
    with pytest.raises(PermissionDenied, match="needs the editor role \\(has viewer\\)"):
        registry.items.delete(actor=team["viewer"], item_ids=[team["item"].id])
    with pytest.raises(PermissionDenied):
        registry.folders.delete(actor=team["viewer"], folder_id=team["sub"].id)
    with pytest.raises(PermissionDenied):
        registry.folders.create(actor=team["viewer"], name="x", parent_id=team["top"].id)
    assert registry.items.get(actor=team["owner"], item_id=team["item"].id).id == team["item"].id
    assert registry.journal.entries(actor=team["owner"]) == before


def test_editors_change_content_but_not_access(registry: Registry, team) -> None:
    registry.items.update(actor=team["editor"], item_id=team["item"].id, title="b.jpg")
    with pytest.raises(PermissionDenied, match="manage access"):
        registry.access.grant(
            actor=team["editor"], folder_id=team["top"].id, email=team["stranger"].email, role=Role.VIEWER
        )


def test_an_admins_role_cannot_be_changed_nor_removed_by_a_folder_admin(registry: Registry, team, admin) -> None:
    top, owner, editor = team["top"], team["owner"], team["editor"]
    registry.access.grant(actor=owner, folder_id=top.id, email=editor.email, role=Role.ADMIN)
    with pytest.raises(Conflict, match="admin's role cannot be changed \\(only organization admins may\\)"):
        registry.access.grant(actor=editor, folder_id=top.id, email=owner.email, role=Role.VIEWER)
    with pytest.raises(Conflict, match="admins cannot be removed \\(only organization admins may\\)"):
        registry.access.revoke(actor=editor, folder_id=top.id, email=owner.email)
    with pytest.raises(Conflict, match="admins cannot be removed"):
        registry.access.revoke(actor=owner, folder_id=top.id, email=owner.email)
    assert registry.access.role_of(actor=admin, folder_id=top.id, email=owner.email) is Role.ADMIN


def test_change_and_remove_a_role(registry: Registry, team) -> None:
    top, owner = team["top"], team["owner"]
    registry.access.grant(actor=owner, folder_id=top.id, email=team["viewer"].email, role=Role.EDITOR)
    assert registry.folders.role(actor=team["viewer"], folder_id=top.id) is Role.EDITOR
    registry.access.revoke(actor=owner, folder_id=top.id, email=team["viewer"].email)
    with pytest.raises(NotFound):
        registry.folders.get(actor=team["viewer"], folder_id=top.id)
    with pytest.raises(NotFound, match="no user"):
        registry.access.grant(actor=owner, folder_id=top.id, email="nobody@example.com", role=Role.VIEWER)
    emails = [g.user_email for g in registry.access.grants(actor=owner, folder_id=top.id)]
    assert emails == ["editor@example.com", "owner@example.com"]


def test_search_only_shows_what_the_actor_may_see(registry: Registry, team, admin) -> None:
    private = registry.folders.create(actor=admin, name="Private")
    add_images(registry, admin, private.id, "secret_a.jpg")
    query = ItemQuery(text=".jpg")
    assert {i.title for i in registry.items.search(actor=admin, query=query).items} == {"a.jpg", "secret_a.jpg"}
    assert {i.title for i in registry.items.search(actor=team["viewer"], query=query).items} == {"a.jpg"}
    assert registry.items.search(actor=team["stranger"], query=query).items == []
    assert [f.name for f in registry.folders.children(actor=team["viewer"])] == ["Team"]


def test_shared_subfolder_appears_at_the_top_level(registry: Registry, team, make_user) -> None:
    guest = make_user("guest")
    registry.access.grant(actor=team["owner"], folder_id=team["sub"].id, email=guest.email, role=Role.VIEWER)
    assert [f.name for f in registry.folders.children(actor=guest)] == ["sub"]
    with pytest.raises(NotFound):
        registry.folders.get(actor=guest, folder_id=team["top"].id)
