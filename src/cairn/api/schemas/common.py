"""Schema pieces shared by every resource."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

MAX_IDS = 10_000
MAX_ID = 2**63 - 1
"""Ids are 64-bit: larger numbers are refused as input instead of overflowing the database driver."""


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused (a misspelt field is an error, not silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    """Base of response schemas: built from the services' records."""

    model_config = ConfigDict(from_attributes=True)


ClientMetadata = Annotated[
    dict[str, Any], Field(description="Free-form JSON object kept with the record (e.g. your own ids).")
]
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
ItemIds = Annotated[list[IdField], Field(min_length=1, max_length=MAX_IDS)]


class ItemIdsBody(Body):
    item_ids: ItemIds


class CountPublic(Public):
    count: int = Field(description="How many records the request added, removed or deleted.")
