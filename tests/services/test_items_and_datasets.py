from __future__ import annotations

import pytest

from cairn.domain.kinds import ItemKind
from cairn.domain.listing import ItemQuery
from cairn.errors import Conflict, InvalidInput, NotFound
from cairn.services.items import NewItem
from cairn.services.registry import Registry
from tests.services.helpers import add_images, image


def _dataset_ids(registry: Registry, actor, item_id: int) -> set[int]:
    return {d.id for d in registry.items.linked_to(actor=actor, item_id=item_id)}


def test_deleting_an_item_removes_it_from_every_dataset(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="F")
    item, keep = add_images(registry, admin, folder.id, "gone.jpg", "kept.jpg")
    datasets = [registry.datasets.create(actor=admin, title=f"D{i}") for i in range(3)]
    for d in datasets:
        registry.datasets.add_items(actor=admin, dataset_id=d.id, item_ids=[item.id, keep.id])
    assert _dataset_ids(registry, admin, item.id) == {d.id for d in datasets}

    assert registry.items.delete(actor=admin, item_ids=[item.id]) == 1

    for d in datasets:
        assert [i.id for i in registry.datasets.items(actor=admin, dataset_id=d.id).items] == [keep.id]
    with pytest.raises(NotFound):
        registry.items.get(actor=admin, item_id=item.id)


def test_moving_out_of_a_synced_folder_leaves_only_that_dataset(registry: Registry, admin) -> None:
    synced_folder = registry.folders.create(actor=admin, name="Synced")
    elsewhere = registry.folders.create(actor=admin, name="Elsewhere")
    item, stays = add_images(registry, admin, synced_folder.id, "moving.jpg", "staying.jpg")
    synced = registry.datasets.create(actor=admin, title="Synced DS", synced_folder_id=synced_folder.id)
    plain = registry.datasets.create(actor=admin, title="Plain DS")
    registry.datasets.add_items(actor=admin, dataset_id=plain.id, item_ids=[item.id])
    assert _dataset_ids(registry, admin, item.id) == {synced.id, plain.id}

    registry.items.move(actor=admin, item_ids=[item.id], target_folder_id=elsewhere.id)

    assert _dataset_ids(registry, admin, item.id) == {plain.id}
    assert [i.id for i in registry.datasets.items(actor=admin, dataset_id=synced.id).items] == [stays.id]
    # ...and moving it back in makes it join again.
    registry.items.move(actor=admin, item_ids=[item.id], target_folder_id=synced_folder.id)
    assert _dataset_ids(registry, admin, item.id) == {synced.id, plain.id}


def test_new_files_in_a_synced_folder_join_its_dataset_but_subfolders_do_not(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="S")
    sub = registry.folders.create(actor=admin, name="sub", parent_id=folder.id)
    synced = registry.datasets.create(actor=admin, title="DS", synced_folder_id=folder.id)
    direct = add_images(registry, admin, folder.id, "direct.jpg")[0]
    add_images(registry, admin, sub.id, "nested.jpg")
    assert [i.id for i in registry.datasets.items(actor=admin, dataset_id=synced.id).items] == [direct.id]
    assert registry.datasets.count_items(actor=admin, dataset_id=synced.id) == 1


def test_synced_dataset_managed_from_the_dataset_side(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="S")
    other = registry.folders.create(actor=admin, name="O")
    synced = registry.datasets.create(actor=admin, title="DS", synced_folder_id=folder.id)
    outsider = add_images(registry, admin, other.id, "x.jpg")[0]

    assert registry.datasets.add_items(actor=admin, dataset_id=synced.id, item_ids=[outsider.id]) == 1
    assert registry.items.get(actor=admin, item_id=outsider.id).folder_id == folder.id
    with pytest.raises(Conflict, match="synced to folder 'S'"):
        registry.datasets.remove_items(actor=admin, dataset_id=synced.id, item_ids=[outsider.id])


def test_mirrored_dataset_has_its_own_backing_folder(registry: Registry, admin) -> None:
    animals = registry.datasets.create(actor=admin, title="Animal videos", mirrored=True)
    chickens = registry.datasets.create(actor=admin, title="Chicken videos", mirrored=True)
    assert animals.mirrored and animals.synced_folder_id is not None
    backing = registry.folders.resolve(actor=admin, path="Animal videos")
    assert backing.id == animals.synced_folder_id
    clip = registry.items.add(
        actor=admin,
        folder_id=backing.id,
        items=[NewItem(kind=ItemKind.VIDEO, title="chicken.mp4", object_url="s3://b/chicken.mp4")],
    )[0]
    assert _dataset_ids(registry, admin, clip.id) == {animals.id}
    # seed 002: moving chicken.mp4 from one mirrored dataset's folder to another's moves it between the datasets
    assert chickens.synced_folder_id is not None
    registry.items.move(actor=admin, item_ids=[clip.id], target_folder_id=chickens.synced_folder_id)
    assert _dataset_ids(registry, admin, clip.id) == {chickens.id}
    registry.datasets.delete(actor=admin, dataset_id=animals.id)
    assert registry.folders.get(actor=admin, folder_id=backing.id).name == "Animal videos"  # files/folder stay


def test_unsync_keeps_what_the_dataset_held(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="S")
    items = add_images(registry, admin, folder.id, "a.jpg", "b.jpg")
    ds = registry.datasets.create(actor=admin, title="DS", synced_folder_id=folder.id)
    registry.datasets.sync(actor=admin, dataset_id=ds.id, folder_id=None)
    add_images(registry, admin, folder.id, "later.jpg")
    held = {i.id for i in registry.datasets.items(actor=admin, dataset_id=ds.id).items}
    assert held == {i.id for i in items}


def test_group_member_cannot_be_deleted_while_the_group_exists(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="F")
    group = registry.items.add_composite(
        actor=admin,
        folder_id=folder.id,
        kind=ItemKind.IMAGE_GROUP,
        title="g1",
        members=[image("0.jpg"), image("1.jpg")],
    )
    members = registry.items.members(actor=admin, item_id=group.id)
    assert [m.title for m in members] == ["0.jpg", "1.jpg"]
    members_folder = registry.folders.get(actor=admin, folder_id=members[0].folder_id)
    assert members_folder.parent_id == folder.id and members_folder.is_members_folder

    with pytest.raises(Conflict, match="part of 'g1'"):
        registry.items.delete(actor=admin, item_ids=[members[0].id])
    assert len(registry.items.members(actor=admin, item_id=group.id)) == 2
    with pytest.raises(Conflict, match="belongs to 'g1'"):
        registry.folders.delete(actor=admin, folder_id=members_folder.id)

    # Deleting the group deletes its members that nothing else uses.
    assert registry.items.delete(actor=admin, item_ids=[group.id]) == 3
    assert registry.folders.summary(actor=admin, folder_id=folder.id).files == 0


def test_deleting_a_group_keeps_members_when_asked(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="F")
    group = registry.items.add_composite(
        actor=admin, folder_id=folder.id, kind=ItemKind.IMAGE_SEQUENCE, title="seq", members=[image("0.jpg")]
    )
    assert registry.items.delete(actor=admin, item_ids=[group.id], remove_unused_members=False) == 1
    assert registry.folders.summary(actor=admin, folder_id=folder.id).files == 1


def test_folder_listing_filters_sorts_and_pages(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="F")
    names = [f"img_{i:03d}.jpg" for i in range(25)]
    add_images(registry, admin, folder.id, *reversed(names))
    seen: list[str] = []
    query = ItemQuery(folder_id=folder.id, recursive=False, limit=10)
    while True:
        page = registry.items.browse(actor=admin, query=query)
        seen.extend(i.title for i in page.items)
        if page.next_cursor is None:
            break
        query = ItemQuery(folder_id=folder.id, recursive=False, limit=10, cursor=page.next_cursor)
    assert seen == names
    newest_first = registry.items.browse(
        actor=admin,
        query=ItemQuery(folder_id=folder.id, sort="created", descending=True, limit=5),  # type: ignore[arg-type]
    )
    assert len(newest_first.items) == 5
    with pytest.raises(InvalidInput, match="another sort order"):
        registry.items.browse(
            actor=admin,
            query=ItemQuery(folder_id=folder.id, descending=True, cursor=page_cursor(registry, admin, folder.id)),
        )


def page_cursor(registry: Registry, admin, folder_id: int) -> str:
    page = registry.items.browse(actor=admin, query=ItemQuery(folder_id=folder_id, limit=1))
    assert page.next_cursor
    return page.next_cursor


def test_item_titles_and_metadata_update(registry: Registry, admin) -> None:
    folder = registry.folders.create(actor=admin, name="F")
    item = add_images(registry, admin, folder.id, "a.jpg")[0]
    updated = registry.items.update(actor=admin, item_id=item.id, title="renamed.jpg", client_metadata={"k": "v"})
    assert (updated.title, updated.client_metadata) == ("renamed.jpg", {"k": "v"})
    with pytest.raises(InvalidInput):
        registry.items.update(actor=admin, item_id=item.id, title="x" * 301)


def test_an_id_is_never_given_out_twice(registry: Registry, admin) -> None:
    """Deleting the newest item, folder or dataset and making another gives a new id, never the deleted one: a
    label or script that kept the old id must not reach another file (SQLite: AUTOINCREMENT, 0013)."""
    folder = registry.folders.create(actor=admin, name="F")
    newest = add_images(registry, admin, folder.id, "a.jpg", "newest.jpg")[-1]
    registry.items.delete(actor=admin, item_ids=[newest.id])
    assert add_images(registry, admin, folder.id, "next.jpg")[0].id > newest.id

    last_folder = registry.folders.create(actor=admin, name="last")
    registry.folders.delete(actor=admin, folder_id=last_folder.id)
    assert registry.folders.create(actor=admin, name="next").id > last_folder.id

    last_dataset = registry.datasets.create(actor=admin, title="last")
    registry.datasets.delete(actor=admin, dataset_id=last_dataset.id)
    assert registry.datasets.create(actor=admin, title="next").id > last_dataset.id


def test_every_query_of_membership_says_what_the_one_rule_says(registry: Registry, admin) -> None:
    """A synced dataset holds exactly its folder's direct files: a link left in ``dataset_items`` (written below
    the services, as a race or an old version could) counts for nothing, in the count, the dataset's pages, the
    "in a dataset" filters and the datasets listed for an item alike; a plain dataset holds its links."""
    from cairn.db.repositories import Repos

    folder = registry.folders.create(actor=admin, name="synced")
    elsewhere = registry.folders.create(actor=admin, name="elsewhere")
    (direct,) = add_images(registry, admin, folder.id, "direct")
    stray, linked, loose = add_images(registry, admin, elsewhere.id, "stray", "linked", "loose")
    synced = registry.datasets.create(actor=admin, title="synced", synced_folder_id=folder.id)
    plain = registry.datasets.create(actor=admin, title="plain")
    registry.datasets.add_items(actor=admin, dataset_id=plain.id, item_ids=[linked.id])
    with registry.db.write() as conn:
        Repos(conn).datasets.add_items(synced.id, [stray.id], added_by=admin.id)

    held = {i.id for i in registry.datasets.items(actor=admin, dataset_id=synced.id).items}
    assert held == {direct.id}
    assert registry.datasets.count_items(actor=admin, dataset_id=synced.id) == 1
    assert _dataset_ids(registry, admin, stray.id) == set()
    assert _dataset_ids(registry, admin, linked.id) == {plain.id}
    assert _dataset_ids(registry, admin, direct.id) == {synced.id}
    for text in (None, "bucket"):  # a listing, and a search (every URL holds "bucket": another way to the page)
        found = {
            flag: {i.id for i in registry.items.search(actor=admin, query=ItemQuery(in_dataset=flag, text=text)).items}
            for flag in (True, False)
        }
        assert found == {True: {direct.id, linked.id}, False: {stray.id, loose.id}}
        in_synced = registry.items.search(actor=admin, query=ItemQuery(dataset_id=synced.id, text=text))
        assert [i.id for i in in_synced.items] == [direct.id]
