"""Integrations (credentials go in; only their names come back) and starting registrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from cairn.api.schemas.common import MAX_ID, Body, Public
from cairn.domain.integrations import Provider

Credentials = dict[str, str]


class IntegrationCreate(Body):
    name: str = Field(min_length=1, max_length=200)
    provider: Provider
    bucket: str | None = Field(default=None, max_length=300)
    region: str | None = Field(default=None, max_length=100)
    endpoint: str | None = Field(default=None, max_length=2000)
    root: str | None = Field(default=None, max_length=4000, description="For `local`: the directory on the server.")
    prefix: str = Field(default="", max_length=2000)
    credentials: Credentials = Field(default_factory=dict, description="Secret values; never returned.")
    options: dict[str, str] = Field(default_factory=dict)
    shared: bool = Field(default=False, description="Everyone may register files from it.")


class IntegrationUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    prefix: str | None = Field(default=None, max_length=2000)
    credentials: Credentials | None = Field(default=None, description="Replace the credentials ({} = none).")
    options: dict[str, str] | None = None
    shared: bool | None = None


class IntegrationCheck(Body):
    key: str | None = Field(default=None, max_length=4000, description="HEAD this key instead of listing.")


class IntegrationPublic(Public):
    """An integration: where it points and which credentials are set, never their values."""

    id: int
    name: str
    provider: str
    config: dict[str, Any]
    shared: bool
    owner_id: int | None
    created_at: datetime
    edited_at: datetime


class IntegrationsPublic(Public):
    integrations: list[IntegrationPublic]


class AccessCheckPublic(Public):
    integration: str
    place: str
    operation: str
    ok: bool
    message: str


class RegistrationCreate(Body):
    """Start a registration from a JSON manifest given in the body."""

    folder_id: int = Field(ge=1, le=MAX_ID)
    integration: str = Field(min_length=1, max_length=200, description="Integration name, or `id:N`.")
    manifest: dict[str, Any] = Field(description="A JSON manifest (the same shape as a manifest file).")
    ignore_errors: bool = False
    skip_duplicate_urls: bool = False
    upsert_metadata: bool = False


class RegistrationPlanPublic(Public):
    """What registering a manifest would do (a dry run writes nothing)."""

    folder_id: int
    integration: str
    units: int
    chunks: int
    counts: dict[str, int]
    skip_duplicate_urls: bool
    upsert_metadata: bool
    summary: dict[str, Any] = Field(description="The manifest summary: counts, duplicates, warnings.")
