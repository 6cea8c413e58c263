"""Every table of cairn on one ``metadata``: import this module to see the whole schema."""

from __future__ import annotations

from cairn.db.schema import (
    dataset_items,
    datasets,
    folder_roles,
    folders,
    integrations,
    item_members,
    items,
    journal,
    metadata,
    users,
)

__all__ = [
    "dataset_items",
    "datasets",
    "folder_roles",
    "folders",
    "integrations",
    "item_members",
    "items",
    "journal",
    "metadata",
    "users",
]
