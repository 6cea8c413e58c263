"""Items, datasets, search and the journal over HTTP: every route once, with the seed's cautions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cairn.domain.kinds import ItemKind
from cairn.domain.records import User
from cairn.services.registry import Registry
from tests.api.conftest import Headers
from tests.services.helpers import add_images, image

API = "/api/v1"


def _folder(client: TestClient, headers: Headers, name: str) -> int:
    return int(client.post(f"{API}/folders", json={"name": name}, headers=headers).json()["id"])


def test_get_update_move_and_delete_items(
    client: TestClient, registry: Registry, admin: User, admin_headers: Headers
) -> None:
    a, b = _folder(client, admin_headers, "A"), _folder(client, admin_headers, "B")
    first, second = add_images(registry, admin, a, "one.jpg", "two.jpg")
    got = client.get(f"{API}/items/{first.id}", headers=admin_headers).json()
    assert got["title"] == "one.jpg" and got["object_url"] == "s3://bucket/one.jpg" and got["managed"] is False
    patched = client.patch(
        f"{API}/items/{first.id}",
        json={"title": "uno.jpg", "client_metadata": {"split": "train"}},
        headers=admin_headers,
    ).json()
    assert patched["title"] == "uno.jpg" and patched["client_metadata"] == {"split": "train"}
    moved = client.post(f"{API}/items/move", json={"item_ids": [first.id], "folder_id": b}, headers=admin_headers)
    assert [i["folder_id"] for i in moved.json()["items"]] == [b]
    bad_move = client.post(
        f"{API}/items/move", json={"item_ids": [first.id, 999], "folder_id": a}, headers=admin_headers
    )
    assert (
        bad_move.status_code == 404
        and client.get(f"{API}/items/{first.id}", headers=admin_headers).json()["folder_id"] == b
    )
    assert client.post(f"{API}/items/delete", json={"item_ids": []}, headers=admin_headers).status_code == 422
    deleted = client.post(f"{API}/items/delete", json={"item_ids": [first.id]}, headers=admin_headers)
    assert deleted.json() == {"count": 1}
    assert client.delete(f"{API}/items/{second.id}", headers=admin_headers).json() == {"count": 1}
    assert client.get(f"{API}/items/{second.id}", headers=admin_headers).status_code == 404


def test_composite_children_used_by_and_member_deletion_caution(
    client: TestClient, registry: Registry, admin: User, admin_headers: Headers
) -> None:
    folder = _folder(client, admin_headers, "Groups")
    group = registry.items.add_composite(
        actor=admin, folder_id=folder, kind=ItemKind.IMAGE_GROUP, title="g", members=[image("f1.png"), image("f2.png")]
    )
    children = client.get(f"{API}/items/{group.id}/children", headers=admin_headers).json()["items"]
    assert [c["title"] for c in children] == ["f1.png", "f2.png"]
    used_by = client.get(f"{API}/items/{children[0]['id']}/used-by", headers=admin_headers).json()["items"]
    assert [u["id"] for u in used_by] == [group.id]
    refused = client.delete(f"{API}/items/{children[0]['id']}", headers=admin_headers)
    assert refused.status_code == 409 and "part of" in refused.json()["message"]
    not_composite = client.get(f"{API}/items/{children[0]['id']}/children", headers=admin_headers)
    assert not_composite.status_code == 422
    assert client.delete(f"{API}/items/{group.id}", headers=admin_headers).json() == {"count": 3}


def test_datasets_plain_synced_and_mirrored(
    client: TestClient, registry: Registry, admin: User, admin_headers: Headers
) -> None:
    folder = _folder(client, admin_headers, "Data")
    items = add_images(registry, admin, folder, "a.jpg", "b.jpg", "c.jpg")
    plain = client.post(f"{API}/datasets", json={"title": "Plain", "description": "d"}, headers=admin_headers)
    assert plain.status_code == 201
    ds = plain.json()["id"]
    added = client.post(f"{API}/datasets/{ds}/items", json={"item_ids": [i.id for i in items]}, headers=admin_headers)
    assert added.json() == {"count": 3}
    listed = client.get(f"{API}/datasets/{ds}/items?limit=2", headers=admin_headers).json()
    assert [i["title"] for i in listed["items"]] == ["a.jpg", "b.jpg"] and listed["next_cursor"]
    linked = client.get(f"{API}/items/{items[0].id}/datasets", headers=admin_headers).json()["datasets"]
    assert [d["title"] for d in linked] == ["Plain"]
    removed = client.post(f"{API}/datasets/{ds}/items/remove", json={"item_ids": [items[0].id]}, headers=admin_headers)
    assert removed.json() == {"count": 1}
    updated = client.patch(f"{API}/datasets/{ds}", json={"title": "Renamed"}, headers=admin_headers).json()
    assert updated["title"] == "Renamed" and updated["description"] == "d"
    assert client.get(f"{API}/datasets/{ds}", headers=admin_headers).json()["title"] == "Renamed"
    synced = client.post(f"{API}/datasets", json={"title": "Synced", "synced_folder_id": folder}, headers=admin_headers)
    synced_id = synced.json()["id"]
    assert synced.json()["synced_folder_id"] == folder
    in_synced = client.get(f"{API}/datasets/{synced_id}/items", headers=admin_headers).json()["items"]
    assert len(in_synced) == 3
    refused = client.post(
        f"{API}/datasets/{synced_id}/items/remove", json={"item_ids": [items[1].id]}, headers=admin_headers
    )
    assert refused.status_code == 409 and "synced" in refused.json()["message"]
    unsynced = client.post(f"{API}/datasets/{synced_id}/sync", json={"folder_id": None}, headers=admin_headers).json()
    assert unsynced["synced_folder_id"] is None
    mirrored = client.post(f"{API}/datasets", json={"title": "Mirror", "mirrored": True}, headers=admin_headers).json()
    assert mirrored["mirrored"] is True and mirrored["synced_folder_id"] is not None
    titles = [d["title"] for d in client.get(f"{API}/datasets", headers=admin_headers).json()["datasets"]]
    assert sorted(titles) == ["Mirror", "Renamed", "Synced"]
    assert client.delete(f"{API}/datasets/{ds}", headers=admin_headers).status_code == 204
    assert client.get(f"{API}/items/{items[1].id}", headers=admin_headers).status_code == 200
    client.delete(f"{API}/items/{items[1].id}", headers=admin_headers)
    left = client.get(f"{API}/datasets/{synced_id}/items", headers=admin_headers).json()["items"]
    assert items[1].id not in [i["id"] for i in left]


def test_search_and_journal(client: TestClient, registry: Registry, admin: User, admin_headers: Headers) -> None:
    a, b = _folder(client, admin_headers, "North"), _folder(client, admin_headers, "South")
    add_images(registry, admin, a, "cat-1.jpg", "dog-1.jpg")
    add_images(registry, admin, b, "cat-2.jpg")
    found = client.get(f"{API}/search?text=cat", headers=admin_headers).json()["items"]
    assert sorted(i["title"] for i in found) == ["cat-1.jpg", "cat-2.jpg"]
    scoped = client.get(f"{API}/search", params={"text": "cat", "folder_id": b}, headers=admin_headers).json()
    assert [i["title"] for i in scoped["items"]] == ["cat-2.jpg"]
    journal = client.get(f"{API}/journal?action=item.create", headers=admin_headers).json()
    assert len(journal["entries"]) == 3 and journal["entries"][0]["actor_email"] == "admin@localhost"
    page = client.get(f"{API}/journal?limit=2", headers=admin_headers).json()
    assert len(page["entries"]) == 2 and page["next_before_id"] == page["entries"][-1]["id"]
    older = client.get(f"{API}/journal?limit=2&before_id={page['next_before_id']}", headers=admin_headers).json()
    assert all(e["id"] < page["next_before_id"] for e in older["entries"])
    in_folder = client.get(f"{API}/journal?folder_id={b}", headers=admin_headers).json()["entries"]
    assert {e["folder_id"] for e in in_folder} == {b}


def test_search_is_newest_first_unless_asked_and_folders_stay_by_name(
    client: TestClient, registry: Registry, admin: User, admin_headers: Headers
) -> None:
    folder = _folder(client, admin_headers, "Shots")
    add_images(registry, admin, folder, "a.jpg", "c.jpg", "b.jpg")  # created in this order

    def titles(path: str, **params: object) -> list[str]:
        response = client.get(f"{API}{path}", params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        return [i["title"] for i in response.json()["items"]]

    assert titles("/search", text="jpg") == ["b.jpg", "c.jpg", "a.jpg"]
    assert titles("/search", text="jpg", desc="false") == ["a.jpg", "c.jpg", "b.jpg"]
    assert titles("/search", text="jpg", sort="name") == ["a.jpg", "b.jpg", "c.jpg"]
    assert titles("/search", text="jpg", sort="name", desc="true") == ["c.jpg", "b.jpg", "a.jpg"]
    first = client.get(f"{API}/search", params={"limit": 2}, headers=admin_headers).json()
    rest = client.get(f"{API}/search", params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin_headers)
    assert [i["title"] for i in first["items"] + rest.json()["items"]] == ["b.jpg", "c.jpg", "a.jpg"]
    assert titles(f"/folders/{folder}/items") == ["a.jpg", "b.jpg", "c.jpg"]
    assert titles(f"/folders/{folder}/items", sort="created") == ["a.jpg", "c.jpg", "b.jpg"]
