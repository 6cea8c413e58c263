"""Datasets."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from cairn.api.schemas.common import MAX_ID, Body, Public


class DatasetCreate(Body):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    synced_folder_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Sync to this folder: the dataset holds exactly the files placed in it.",
    )
    mirrored: bool = Field(default=False, description="Create a backing folder with the dataset and sync to it.")
    mirror_parent_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Where a mirrored dataset's folder goes."
    )


class DatasetUpdate(Body):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)


class DatasetSync(Body):
    folder_id: int | None = Field(
        ge=1, le=MAX_ID, description="The folder to sync to; null unsyncs (files stay members)."
    )


class DatasetPublic(Public):
    id: int
    title: str
    description: str
    synced_folder_id: int | None
    mirrored: bool
    owner_id: int | None
    created_at: datetime
    edited_at: datetime


class DatasetsPublic(Public):
    datasets: list[DatasetPublic]
