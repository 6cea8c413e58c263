"""Moves over HTTP: the move rule (no role rises by moving) and members folders that follow their composite."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cairn.domain.kinds import ItemKind
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.services.helpers import add_images, image

API = "/api/v1"


def _folder(client: TestClient, headers: Headers, name: str, parent: int | None = None) -> int:
    made = client.post(f"{API}/folders", json={"name": name, "parent_id": parent}, headers=headers)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_an_editor_cannot_gain_admin_by_moving(
    client: TestClient,
    registry: Registry,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
    admin_headers: Headers,
) -> None:
    """The issue's sequence: an editor of top-level Cars makes EdOwn, moves Cars (or its files) under it."""
    owner, ed = make_user("owner"), make_user("ed")
    owner_headers, ed_headers = token_for(owner), token_for(ed)
    cars = _folder(client, owner_headers, "Cars")
    invited = client.post(
        f"{API}/folders/{cars}/access", json={"email": ed.email, "role": "editor"}, headers=owner_headers
    )
    assert invited.status_code == 201
    [car] = add_images(registry, owner, cars, "car.jpg")
    own = _folder(client, ed_headers, "EdOwn")

    moved = client.post(f"{API}/folders/{cars}/move", json={"parent_id": own}, headers=ed_headers)
    assert moved.status_code == 403, moved.text
    body = moved.json()
    assert body["code"] == "permission_denied"
    assert "needs the admin role on folder 'Cars' (has editor)" in body["message"]
    files = client.post(f"{API}/items/move", json={"item_ids": [car.id], "folder_id": own}, headers=ed_headers)
    assert files.status_code == 403 and "would change who may see or change" in files.json()["message"]

    seen = client.get(f"{API}/folders/{cars}", headers=ed_headers).json()
    assert seen["parent_id"] is None and seen["user_role"] == "editor"
    assert client.get(f"{API}/items/{car.id}", headers=ed_headers).json()["folder_id"] == cars
    appoint = client.post(f"{API}/folders/{cars}/access", json={"email": ed.email, "role": "admin"}, headers=ed_headers)
    assert appoint.status_code == 403
    # An organization admin may move it (and repair any grant).
    assert client.post(f"{API}/folders/{cars}/move", json={"parent_id": own}, headers=admin_headers).status_code == 200


def test_members_folders_follow_their_composite(
    client: TestClient, registry: Registry, admin: User, admin_headers: Headers
) -> None:
    a, b = _folder(client, admin_headers, "A"), _folder(client, admin_headers, "B")
    group = registry.items.add_composite(
        actor=admin, folder_id=a, kind=ItemKind.IMAGE_GROUP, title="grp", members=[image("0.jpg")]
    )
    members = registry.items.members(actor=admin, item_id=group.id)[0].folder_id

    renamed = client.patch(f"{API}/folders/{members}", json={"name": "x"}, headers=admin_headers)
    assert renamed.status_code == 409 and "holds the members of an image group" in renamed.json()["message"]
    to_top = client.post(f"{API}/folders/{members}/move", json={"parent_id": None}, headers=admin_headers)
    assert to_top.status_code == 409 and "it moves with it" in to_top.json()["message"]
    sub = client.post(f"{API}/folders", json={"name": "sub", "parent_id": members}, headers=admin_headers)
    assert sub.status_code == 409
    synced = client.post(f"{API}/datasets", json={"title": "D", "synced_folder_id": members}, headers=admin_headers)
    assert synced.status_code == 409

    moved = client.post(f"{API}/items/move", json={"item_ids": [group.id], "folder_id": b}, headers=admin_headers)
    assert moved.status_code == 200, moved.text
    carried = client.get(f"{API}/folders/{members}", headers=admin_headers).json()
    assert carried["parent_id"] == b and carried["name"] == "grp"
    assert client.get(f"{API}/folders?parent_id={a}", headers=admin_headers).json()["folders"] == []
