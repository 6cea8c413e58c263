"""Folders, their tree, summaries and access grants."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from cairn.api.schemas.common import MAX_ID, Body, ClientMetadata, Public
from cairn.domain.access import Role

NAME = Field(min_length=1, max_length=300)


class FolderCreate(Body):
    name: str = NAME
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="None: a top-level folder.")
    description: str = Field(default="", max_length=10_000)
    client_metadata: ClientMetadata = Field(default_factory=dict)


class FolderUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)
    client_metadata: ClientMetadata | None = None


class FolderMove(Body):
    parent_id: int | None = Field(
        ge=1, le=MAX_ID, description="The new parent; null moves the folder to the top level."
    )


class PathElementPublic(Public):
    id: int
    name: str


class FolderPublic(Public):
    id: int
    parent_id: int | None
    name: str
    description: str
    client_metadata: ClientMetadata
    kind: str = Field(description="'folder', or 'members' for the folder of a composite's member files.")
    created_by: int | None
    created_at: datetime
    edited_at: datetime
    path_to_root: list[PathElementPublic] = Field(default_factory=list, description="From the top level down.")
    user_role: Role | None = Field(default=None, description="The caller's effective role on this folder.")


class FoldersPublic(Public):
    folders: list[FolderPublic]


class FolderNodePublic(Public):
    id: int
    name: str
    kind: str
    children: list[FolderNodePublic]


class FolderTreePublic(Public):
    roots: list[FolderNodePublic]


class FolderSummaryPublic(Public):
    folder_id: int
    folders: int
    files: int
    total_size: int
    by_kind: dict[str, int]


class GrantCreate(Body):
    email: str = Field(min_length=3, max_length=320)
    role: Role


class GrantUpdate(Body):
    role: Role


class GrantPublic(Public):
    folder_id: int
    user_id: int
    user_email: str
    user_name: str
    role: Role
    granted_at: datetime


class GrantsPublic(Public):
    grants: list[GrantPublic]
