"""Every table of cairn on one ``metadata``: import this module to see the whole schema."""

from __future__ import annotations

# Importing the concept modules registers their tables on the shared metadata.
from cairn.db import auth_schema, inspection_schema, jobs_schema  # noqa: F401
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
