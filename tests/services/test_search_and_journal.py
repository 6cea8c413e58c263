from __future__ import annotations

from cairn.domain.kinds import ItemKind, ItemStatus
from cairn.domain.listing import ItemQuery
from cairn.services.items import NewItem
from cairn.services.registry import Registry
from tests.services.helpers import add_images


def _titles(registry: Registry, admin, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.title for i in registry.items.search(actor=admin, query=ItemQuery(**filters)).items]


def test_search_filters_combine(registry: Registry, admin) -> None:
    cars = registry.folders.create(actor=admin, name="Cars")
    front = registry.folders.create(actor=admin, name="front", parent_id=cars.id)
    other = registry.folders.create(actor=admin, name="Other")
    registry.items.add(
        actor=admin,
        folder_id=front.id,
        items=[
            NewItem(
                kind=ItemKind.VIDEO,
                title="drive_001.mp4",
                object_url="s3://b/cam/drive_001.mp4",
                client_metadata={"site": "A"},
            ),
            NewItem(
                kind=ItemKind.IMAGE,
                title="shot_100%.jpg",
                object_url="s3://b/cam/shot.jpg",
                client_metadata={"site": "B"},
                status=ItemStatus.FAILED,
            ),
        ],
    )
    kept = add_images(registry, admin, other.id, "drive_002.jpg")[0]
    ds = registry.datasets.create(actor=admin, title="DS")
    registry.datasets.add_items(actor=admin, dataset_id=ds.id, item_ids=[kept.id])

    assert _titles(registry, admin, text="drive") == ["drive_001.mp4", "drive_002.jpg"]
    assert _titles(registry, admin, text="DRIVE_0") == ["drive_001.mp4", "drive_002.jpg"]  # case-insensitive
    assert _titles(registry, admin, text="cam/shot") == ["shot_100%.jpg"]  # URL substring
    assert _titles(registry, admin, text="100%") == ["shot_100%.jpg"]  # LIKE wildcards are literal
    assert _titles(registry, admin, text="dr") == ["drive_001.mp4", "drive_002.jpg"]  # short terms too
    assert _titles(registry, admin, text="drive", kinds=frozenset({ItemKind.VIDEO})) == ["drive_001.mp4"]
    assert _titles(registry, admin, statuses=frozenset({ItemStatus.FAILED})) == ["shot_100%.jpg"]
    assert _titles(registry, admin, folder_id=cars.id) == ["drive_001.mp4", "shot_100%.jpg"]
    assert _titles(registry, admin, folder_id=cars.id, recursive=False) == []
    assert _titles(registry, admin, in_dataset=True) == ["drive_002.jpg"]
    assert _titles(registry, admin, in_dataset=False) == ["drive_001.mp4", "shot_100%.jpg"]
    assert _titles(registry, admin, metadata={"site": "A"}) == ["drive_001.mp4"]
    assert _titles(registry, admin, text="drive", descending=True) == ["drive_002.jpg", "drive_001.mp4"]
    assert _titles(registry, admin, text="no-such-thing") == []


def test_search_sees_renames(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="F")
    item = add_images(registry, admin, folder.id, "before.jpg")[0]
    registry.items.update(actor=admin, item_id=item.id, title="after_rename.jpg")
    assert _titles(registry, admin, text="after_ren") == ["after_rename.jpg"]
    # The old title is gone from the index; the object URL (s3://bucket/before.jpg) still matches.
    assert _titles(registry, admin, text="before") == ["after_rename.jpg"]
    registry.items.update(actor=admin, item_id=item.id, title="third.jpg")
    assert _titles(registry, admin, text="after_ren") == []


def test_journal_answers_who_deleted_this_file(registry: Registry, admin, make_user) -> None:
    alice = make_user("alice")
    folder = registry.folders.create(actor=alice, name="F")
    item = add_images(registry, alice, folder.id, "x.jpg")[0]
    registry.items.delete(actor=alice, item_ids=[item.id])
    deletions = registry.journal.entries(actor=admin, target_type="item", target_id=item.id, action="item.delete")
    assert [(e.actor_email, e.target_label) for e in deletions] == [("alice@example.com", "x.jpg")]
    mine = registry.journal.entries(actor=alice)
    assert {e.action for e in mine} >= {"folder.create", "item.create", "item.delete"}
    assert registry.journal.entries(actor=make_user("bob")) == []
