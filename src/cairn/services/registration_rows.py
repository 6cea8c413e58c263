"""A registered single file as the row it becomes: its column values, made once and carried as they are.

A unit with supplied metadata needs nothing from the network (Encord's rule: supplied metadata is trusted), so the
scan that checks the manifest also makes its item's values (``trusted_row``) and the task stores them
(``cairn.domain.unit_packing``); the commit adds the task's constants (``TASK_COLUMNS``) and hands them to the bulk
writer. A unit that is HEAD-ed or inspected first becomes the same values after its inspection (``item_values``).
"""

from __future__ import annotations

from typing import Any

from cairn.domain import names
from cairn.domain.duplicate_keys import url_key
from cairn.domain.kinds import ItemStatus
from cairn.domain.manifest import Unit
from cairn.domain.records import MEDIA_COLUMNS, kept_mime_type
from cairn.errors import CairnError
from cairn.services.items import NewItem, item_row
from cairn.services.registration_units import supplied_columns

__all__ = [
    "COLUMNS",
    "COPY",
    "KEY",
    "METADATA",
    "ROW_COLUMNS",
    "TASK_COLUMNS",
    "item_values",
    "trusted_row",
    "with_task",
]

ROW_COLUMNS: tuple[str, ...] = (
    "kind",
    "title",
    "status",
    "status_reason",
    "integration_id",
    "object_url",
    "url_key",
    "client_metadata",
    *MEDIA_COLUMNS,
)
"""What a unit decides of its item's row, in this order."""
TASK_COLUMNS: tuple[str, ...] = ("folder_id", "owner_id", "copy_no", "created_at", "edited_at")
"""What the task decides (the same for all its rows), after them."""
COLUMNS = ROW_COLUMNS + TASK_COLUMNS
KEY = COLUMNS.index("url_key")
METADATA = COLUMNS.index("client_metadata")
COPY = COLUMNS.index("copy_no")


def trusted_row(unit: Unit, *, integration_id: int) -> list[Any] | None:
    """The row values of a single file with supplied metadata (None for any other unit, or one whose title the
    items table would refuse: that one takes the unit path, which reports it as before)."""
    if unit.media is None or unit.kind.is_composite:
        return None
    try:
        title = names.item_title(unit.title)
    except CairnError:
        return None
    media = supplied_columns(unit.media)
    media["mime_type"] = kept_mime_type(media.get("mime_type"))
    url = unit.url
    head = [unit.kind.value, title, ItemStatus.READY.value, None, integration_id, url, url_key(url)]
    return [*head, unit.client_metadata or {}, *map(media.get, MEDIA_COLUMNS)]


def item_values(new: NewItem, *, owner_id: int | None) -> list[Any]:
    """The row values of an item prepared from its unit (HEAD, inspection), as ``trusted_row`` gives them."""
    row = item_row(new, folder_id=0, owner_id=owner_id)
    return [row[name] for name in ROW_COLUMNS]


def with_task(values: list[Any], *, folder_id: int, owner_id: int | None, stamp: Any) -> list[Any]:
    """A row's values followed by the task's (copy 0)."""
    values.extend((folder_id, owner_id, 0, stamp, stamp))
    return values
