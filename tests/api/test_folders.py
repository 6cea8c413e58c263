"""Folders and access over HTTP: every route once, with the seed's rules visible through the API."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.services.helpers import add_images

API = "/api/v1"


def _folder(client: TestClient, headers: Headers, name: str, parent: int | None = None) -> int:
    made = client.post(f"{API}/folders", json={"name": name, "parent_id": parent}, headers=headers)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_create_get_update_move_tree_and_delete(client: TestClient, admin_headers: Headers) -> None:
    cars = _folder(client, admin_headers, "Cars")
    front = client.post(
        f"{API}/folders",
        json={"name": "front", "parent_id": cars, "description": "front camera", "client_metadata": {"rig": 2}},
        headers=admin_headers,
    ).json()
    assert front["path_to_root"] == [{"id": cars, "name": "Cars"}, {"id": front["id"], "name": "front"}]
    assert front["user_role"] == "admin" and front["client_metadata"] == {"rig": 2}
    got = client.get(f"{API}/folders/{front['id']}", headers=admin_headers).json()
    assert got["description"] == "front camera"
    assert client.get(f"{API}/folders/by-path?path=Cars/front", headers=admin_headers).json()["id"] == front["id"]
    renamed = client.patch(f"{API}/folders/{front['id']}", json={"name": "Front"}, headers=admin_headers).json()
    assert renamed["name"] == "Front" and renamed["description"] == "front camera"
    trucks = _folder(client, admin_headers, "Trucks")
    moved = client.post(f"{API}/folders/{front['id']}/move", json={"parent_id": trucks}, headers=admin_headers)
    assert moved.json()["parent_id"] == trucks
    cycle = client.post(f"{API}/folders/{trucks}/move", json={"parent_id": front["id"]}, headers=admin_headers)
    assert cycle.status_code == 409 and "sub-folders" in cycle.json()["message"]
    tree = client.get(f"{API}/folders/tree", headers=admin_headers).json()["roots"]
    assert [(r["name"], [c["name"] for c in r["children"]]) for r in tree] == [("Cars", []), ("Trucks", ["Front"])]
    top = client.get(f"{API}/folders", headers=admin_headers).json()["folders"]
    assert [f["name"] for f in top] == ["Cars", "Trucks"]
    children = client.get(f"{API}/folders?parent_id={trucks}", headers=admin_headers).json()["folders"]
    assert [f["name"] for f in children] == ["Front"]
    to_top = client.post(f"{API}/folders/{front['id']}/move", json={"parent_id": None}, headers=admin_headers)
    assert to_top.json()["parent_id"] is None
    _folder(client, admin_headers, "axle", trucks)
    deleted = client.delete(f"{API}/folders/{trucks}", headers=admin_headers)
    assert deleted.status_code == 200 and deleted.json()["folders"] == 1
    assert client.get(f"{API}/folders/{trucks}", headers=admin_headers).status_code == 404
    assert client.get(f"{API}/folders/{front['id']}", headers=admin_headers).status_code == 200


def test_items_listing_filters_sorts_and_pages(
    client: TestClient, registry: Registry, admin: User, admin_headers: Headers
) -> None:
    folder = _folder(client, admin_headers, "Shots")
    sub = _folder(client, admin_headers, "sub", folder)
    add_images(registry, admin, folder, *(f"img{n:02}.jpg" for n in range(7)))
    add_images(registry, admin, sub, "deep.jpg")
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/folders/{folder}/items", params=params, headers=admin_headers).json()
        seen += [i["title"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"img{n:02}.jpg" for n in range(7)]
    desc = client.get(f"{API}/folders/{folder}/items?desc=true&limit=2", headers=admin_headers).json()
    assert [i["title"] for i in desc["items"]] == ["img06.jpg", "img05.jpg"]
    deep = client.get(f"{API}/folders/{folder}/items?recursive=true&text=deep", headers=admin_headers).json()
    assert [i["title"] for i in deep["items"]] == ["deep.jpg"]
    assert deep["items"][0]["media"]["width"] == 4 and deep["items"][0]["kind"] == "image"
    videos = client.get(f"{API}/folders/{folder}/items?kind=video", headers=admin_headers).json()
    assert videos["items"] == []
    summary = client.get(f"{API}/folders/{folder}/summary", headers=admin_headers).json()
    assert summary["files"] == 8 and summary["folders"] == 1 and summary["total_size"] == 800


def test_access_invite_change_remove_and_admins_are_immutable(
    client: TestClient,
    admin_headers: Headers,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
) -> None:
    folder = _folder(client, admin_headers, "Shared")
    alice = make_user("alice")
    alice_headers = token_for(alice)
    assert client.get(f"{API}/folders/{folder}", headers=alice_headers).status_code == 404  # no role: not found
    invited = client.post(
        f"{API}/folders/{folder}/access", json={"email": "alice@example.com", "role": "viewer"}, headers=admin_headers
    )
    assert invited.status_code == 201 and invited.json()["role"] == "viewer"
    seen = client.get(f"{API}/folders/{folder}", headers=alice_headers).json()
    assert seen["user_role"] == "viewer"
    assert [f["id"] for f in client.get(f"{API}/folders", headers=alice_headers).json()["folders"]] == [folder]
    refused = client.post(f"{API}/folders", json={"name": "x", "parent_id": folder}, headers=alice_headers)
    assert refused.status_code == 403 and "editor" in refused.json()["message"]
    changed = client.put(
        f"{API}/folders/{folder}/access/alice@example.com", json={"role": "editor"}, headers=admin_headers
    )
    assert changed.json()["role"] == "editor"
    assert (
        client.post(f"{API}/folders", json={"name": "x", "parent_id": folder}, headers=alice_headers).status_code == 201
    )
    grants = client.get(f"{API}/folders/{folder}/access", headers=admin_headers).json()["grants"]
    assert {(g["user_email"], g["role"]) for g in grants} == {
        ("admin@localhost", "admin"),
        ("alice@example.com", "editor"),
    }
    # Seed 002: a folder admin cannot change nor remove another admin; an organization admin can (to repair access).
    promoted = client.put(
        f"{API}/folders/{folder}/access/alice@example.com", json={"role": "admin"}, headers=admin_headers
    )
    assert promoted.json()["role"] == "admin"
    admin_change = client.put(
        f"{API}/folders/{folder}/access/admin@localhost", json={"role": "viewer"}, headers=alice_headers
    )
    assert admin_change.status_code == 409 and "only organization admins may" in admin_change.json()["message"]
    assert client.delete(f"{API}/folders/{folder}/access/admin@localhost", headers=alice_headers).status_code == 409
    repaired = client.put(
        f"{API}/folders/{folder}/access/alice@example.com", json={"role": "editor"}, headers=admin_headers
    )
    assert repaired.status_code == 200 and repaired.json()["role"] == "editor"
    assert client.delete(f"{API}/folders/{folder}/access/alice@example.com", headers=admin_headers).status_code == 204
    assert client.get(f"{API}/folders/{folder}", headers=alice_headers).status_code == 404  # no role: not found
    unknown = client.post(
        f"{API}/folders/{folder}/access", json={"email": "nobody@example.com", "role": "viewer"}, headers=admin_headers
    )
    assert unknown.status_code == 404 and "nobody@example.com" in unknown.json()["message"]


def test_users_list_create_and_me(
    client: TestClient, admin_headers: Headers, make_user: Callable[[str], User], token_for: Callable[[User], Headers]
) -> None:
    made = client.post(f"{API}/users", json={"email": "carol@example.com", "name": "Carol"}, headers=admin_headers)
    assert made.status_code == 201 and made.json()["is_org_admin"] is False
    emails = [u["email"] for u in client.get(f"{API}/users", headers=admin_headers).json()["users"]]
    assert emails == ["admin@localhost", "carol@example.com"]
    bob_headers = token_for(make_user("bob"))
    assert client.post(f"{API}/users", json={"email": "eve@example.com"}, headers=bob_headers).status_code == 403
    assert client.get(f"{API}/users/me", headers=bob_headers).json()["email"] == "bob@example.com"


def test_a_hidden_top_level_name_is_free_and_a_seen_one_is_409(
    client: TestClient,
    admin_headers: Headers,
    registry: Registry,
    make_user: Callable[[str], User],
    token_for: Callable[[User], Headers],
) -> None:
    """Every route that names a top-level folder: a name held only by a folder hidden from the caller is free (no
    answer tells it exists); one the caller sees at their top level is 409 naming that folder."""
    hidden = _folder(client, admin_headers, "Secret")
    vera = token_for(make_user("vera"))
    made = _folder(client, vera, "Secret")
    box = _folder(client, vera, "Box")
    inner = _folder(client, vera, "Secret", box)
    for route, body in (
        ("POST", {"url": f"{API}/folders", "json": {"name": "Secret"}}),
        ("PATCH", {"url": f"{API}/folders/{box}", "json": {"name": "Secret"}}),
        ("POST", {"url": f"{API}/folders/{inner}/move", "json": {"parent_id": None}}),
        ("POST", {"url": f"{API}/datasets", "json": {"title": "Secret", "mirrored": True}}),
    ):
        refused = client.request(route, headers=vera, **body)  # type: ignore[arg-type]
        assert refused.status_code == 409, refused.text
        assert refused.json()["message"] == f"a folder named 'Secret' already exists at your top level (id:{made})"
    client.delete(f"{API}/folders/{made}", headers=vera)
    assert client.post(f"{API}/folders/{inner}/move", json={"parent_id": None}, headers=vera).status_code == 200
    renamed = client.patch(f"{API}/folders/{inner}", json={"name": "Other"}, headers=vera)
    assert renamed.status_code == 200, renamed.text
    assert client.patch(f"{API}/folders/{box}", json={"name": "Secret"}, headers=vera).status_code == 200
    ambiguous = client.get(f"{API}/folders/by-path?path=Secret", headers=admin_headers)
    assert ambiguous.status_code == 422
    assert f"(id:{hidden}, id:{box})" in ambiguous.json()["message"]
    assert client.get(f"{API}/folders/by-path?path=Secret", headers=vera).json()["id"] == box
