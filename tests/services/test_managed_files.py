"""An uploaded item's file leaves managed storage when the item goes, whichever way it goes (delete the item, a
composite with its members, a folder with everything in it); what a crash leaves behind is swept."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from cairn.domain.kinds import ItemKind
from cairn.domain.records import Item, User
from cairn.services.managed_files import thumbnail_key
from cairn.services.registry import Registry
from cairn.services.uploads import UploadedFile
from tests.api.helpers import png_bytes


def _stored(registry: Registry) -> set[str]:
    root = registry.settings.managed_storage_dir
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _upload(registry: Registry, admin: User, folder_id: int, *names: str, batch: ItemKind | None = None) -> list[Item]:
    files = [UploadedFile(name, io.BytesIO(png_bytes()), "image/png") for name in names]
    title = "batch" if batch else None
    return registry.uploads.upload(actor=admin, folder_id=folder_id, files=files, batch=batch, title=title)


def _keys(registry: Registry, admin: User, items: list[Item]) -> set[str]:
    keys: set[str] = set()
    for item in items:
        members = registry.items.members(actor=admin, item_id=item.id) if item.kind.is_composite else [item]
        keys |= {m.managed_key for m in members if m.managed_key}
    return keys


def test_deleting_an_item_removes_its_file(registry: Registry, admin: User) -> None:
    folder = registry.folders.create(actor=admin, name="Uploads")
    kept, gone = _upload(registry, admin, folder.id, "kept.png", "gone.png")
    assert _stored(registry) == _keys(registry, admin, [kept, gone])
    assert registry.items.delete(actor=admin, item_ids=[gone.id]) == 1
    assert _stored(registry) == _keys(registry, admin, [kept])


def test_deleting_a_composite_removes_its_members_files_unless_they_stay(registry: Registry, admin: User) -> None:
    folder = registry.folders.create(actor=admin, name="Uploads")
    [group] = _upload(registry, admin, folder.id, "1.png", "2.png", batch=ItemKind.IMAGE_GROUP)
    [kept] = _upload(registry, admin, folder.id, "3.png", "4.png", batch=ItemKind.IMAGE_GROUP)
    kept_keys = _keys(registry, admin, [kept])
    registry.items.delete(actor=admin, item_ids=[group.id])
    assert _stored(registry) == kept_keys
    registry.items.delete(actor=admin, item_ids=[kept.id], remove_unused_members=False)
    assert _stored(registry) == kept_keys  # the members stay, and so do their files


def test_deleting_a_folder_removes_every_file_in_its_subtree(registry: Registry, admin: User) -> None:
    top = registry.folders.create(actor=admin, name="Top")
    sub = registry.folders.create(actor=admin, name="Sub", parent_id=top.id)
    elsewhere = registry.folders.create(actor=admin, name="Elsewhere")
    _upload(registry, admin, top.id, "a.png")
    _upload(registry, admin, sub.id, "b.png", "c.png", batch=ItemKind.IMAGE_SEQUENCE)
    kept = _upload(registry, admin, elsewhere.id, "d.png")
    registry.folders.delete(actor=admin, folder_id=top.id)
    assert _stored(registry) == _keys(registry, admin, kept)


def test_the_sweep_removes_files_no_item_references_once_they_are_old(registry: Registry, admin: User) -> None:
    """A crash between the delete's commit and the file's removal leaves an orphan: the sweep (on start, then by
    housekeeping) removes it. A recent file is left alone: it may be an upload whose items are being written."""
    folder = registry.folders.create(actor=admin, name="Uploads")
    kept = _upload(registry, admin, folder.id, "kept.png")
    root = registry.settings.managed_storage_dir
    orphan, fresh = root / "uploads/2020/01/dead/orphan.png", root / "uploads/2020/01/new/fresh.png"
    for path in (orphan, fresh):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x")
    old = time.time() - 2 * 24 * 3600
    os.utime(orphan, (old, old))
    for path in root.rglob("*.png"):
        if path != fresh:
            os.utime(path, (old, old))  # the kept item's file is as old: only the reference keeps it

    assert registry.managed_files.sweep() == 1
    assert _stored(registry) == _keys(registry, admin, kept) | {"uploads/2020/01/new/fresh.png"}
    assert not orphan.parent.exists()  # its now empty directory goes too
    assert Path(root, "uploads").is_dir()


def test_the_sweep_removes_old_thumbnails_of_items_that_are_gone(registry: Registry, admin: User) -> None:
    """A thumbnail made while its item was being deleted, or left by a crash, is an orphan; so is a partial file of
    a make that died. The thumbnail of an item that exists stays, however old."""
    folder = registry.folders.create(actor=admin, name="Uploads")
    kept_id = _upload(registry, admin, folder.id, "kept.png")[0].id
    root = registry.settings.managed_storage_dir
    kept, orphan = root / thumbnail_key(kept_id), root / thumbnail_key(kept_id + 1000)
    partial, fresh = root / "thumbnails/.7.webp.abc.partial", root / thumbnail_key(kept_id + 2000)
    kept.parent.mkdir(parents=True)
    old = time.time() - 2 * 24 * 3600
    for path in (kept, orphan, partial, fresh):
        path.write_bytes(b"x")
        if path is not fresh:
            os.utime(path, (old, old))

    assert registry.managed_files.sweep() == 2
    assert sorted(p.name for p in kept.parent.iterdir()) == sorted([kept.name, fresh.name])
