"""Small builders shared by the service tests."""

from __future__ import annotations

from cairn.domain.kinds import ItemKind
from cairn.domain.records import Item, MediaFields, User
from cairn.services.items import NewItem
from cairn.services.registry import Registry


def image(name: str, *, size: int = 100) -> NewItem:
    return NewItem(
        kind=ItemKind.IMAGE,
        title=name,
        object_url=f"s3://bucket/{name}",
        media=MediaFields(file_size=size, mime_type="image/jpeg", width=4, height=3),
    )


def add_images(registry: Registry, actor: User, folder_id: int, *names: str) -> list[Item]:
    return registry.items.add(actor=actor, folder_id=folder_id, items=[image(n) for n in names])
